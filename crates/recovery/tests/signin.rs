//! Sign-in against tenant-sim as the real identity platform behaves: ID token signatures and key
//! rollover, single-use authorization codes, a browser that never returns, each cloud's issuer,
//! tenants that restrict the sign-in app, guest admins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures::future::BoxFuture;
use recovery::{
    Browser, Cloud, Code, Endpoints, HttpBrowser, MemoryVault, Recovery, SignInMethod,
    DEFAULT_CLIENT_ID,
};
use tenant_sim::{Fault, FaultKind, Route, Scenario};

async fn try_sign_in(r: &Recovery) -> recovery::Result<recovery::Session> {
    let rec = Recorder::default();
    r.sign_in(
        SignInMethod::Browser,
        &HttpBrowser::new().unwrap(),
        false,
        &rec.sink(),
    )
    .await
}

fn count(sim: &tenant_sim::RunningSim, route: Route) -> usize {
    sim.requests()
        .iter()
        .filter(|q| q.route == Some(route))
        .count()
}

#[tokio::test]
async fn an_id_token_signed_by_a_key_outside_the_tenants_keys_is_refused() {
    let sim = sim_as(
        GA,
        Scenario {
            rogue_signing: true,
            ..quick_scenario()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let err = try_sign_in(&recovery(&sim, dir.path(), &MemoryVault::new()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::TokenInvalid, "{err}");
    assert!(err.to_string().contains("signature"), "{err}");
    // The rogue token claims a known kid, so the keys are not fetched again for nothing.
    assert_eq!(count(&sim, Route::Keys), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rolled_over_signing_key_is_fetched_once_and_accepted() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    try_sign_in(&r).await.unwrap();
    try_sign_in(&r).await.unwrap();
    assert_eq!(count(&sim, Route::Keys), 1, "the keys are cached");
    sim.rotate_signing_key();
    let again = try_sign_in(&r).await.unwrap();
    assert_eq!(again.tenant_id(), sim.startup().tenant_id);
    assert_eq!(
        count(&sim, Route::Keys),
        2,
        "an unknown kid fetches the keys once more"
    );
    sim.shutdown().await;
}

/// Codes are single-use (AADSTS54005 on reuse): a redemption that gets no answer, or a 5xx, is
/// never sent again; the user is asked to sign in again.
#[tokio::test]
async fn an_authorization_code_is_redeemed_at_most_once() {
    for kind in [FaultKind::ConnectionReset, FaultKind::ServiceUnavailable] {
        let sim = sim_as(
            GA,
            Scenario {
                faults: vec![Fault {
                    route: Route::Token,
                    nth: 1,
                    kind: kind.clone(),
                }],
                ..quick_scenario()
            },
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let err = try_sign_in(&recovery(&sim, dir.path(), &MemoryVault::new()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::SignInInterrupted, "{kind:?}: {err}");
        assert!(err.info().remedy.contains("sign in again"));
        assert_eq!(count(&sim, Route::Token), 1, "{kind:?}: sent once");
        sim.shutdown().await;
    }
}

/// `xdg-open` can stay in the foreground until the browser exits: an opener that never returns
/// must not hold up the sign-in.
#[derive(Debug)]
struct NeverReturns;

impl Browser for NeverReturns {
    fn open(&self, url: &str) -> BoxFuture<'static, recovery::Result<()>> {
        let url = url.to_string();
        Box::pin(async move {
            tokio::spawn(async move { HttpBrowser::new().unwrap().open(&url).await });
            futures::future::pending().await
        })
    }
}

#[tokio::test]
async fn a_browser_opener_that_never_returns_does_not_block_sign_in() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let session = tokio::time::timeout(
        Duration::from_secs(8),
        r.sign_in(SignInMethod::Browser, &NeverReturns, false, &rec.sink()),
    )
    .await
    .expect("sign-in finished while the opener still ran")
    .unwrap();
    assert_eq!(session.tenant_id(), sim.startup().tenant_id);
    // The link was shown before the browser was asked to open it.
    assert!(rec.json().contains("signInUrl"));
    sim.shutdown().await;
}

/// Each cloud's ID tokens name that cloud's issuer host (China: login.partner.microsoftonline.cn,
/// not the login.chinacloudapi.cn sign-in host); tokens from another cloud's issuer are refused.
#[tokio::test]
async fn each_cloud_signs_in_against_its_own_issuer() {
    for cloud in Cloud::ALL {
        let sim = sim_as(
            GA,
            Scenario {
                issuer_host: Some(cloud.issuer_host().to_string()),
                ..quick_scenario()
            },
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&sim, dir.path());
        let mut endpoints =
            Endpoints::custom(cloud, Some(sim.origin()), Some(sim.origin())).unwrap();
        endpoints.issuer_host = cloud.endpoints().issuer_host;
        config.endpoints = endpoints.clone();
        let r = Recovery::new(config.clone(), Arc::new(MemoryVault::new()), None).unwrap();
        let session = try_sign_in(&r)
            .await
            .unwrap_or_else(|e| panic!("{cloud:?}: {e}"));
        assert_eq!(session.tenant_id(), sim.startup().tenant_id);
        // The same answer, expected from another cloud, is refused.
        let other = if cloud == Cloud::China {
            Cloud::Global
        } else {
            Cloud::China
        };
        config.endpoints.issuer_host = other.endpoints().issuer_host;
        let r = Recovery::new(config, Arc::new(MemoryVault::new()), None).unwrap();
        let err = try_sign_in(&r).await.unwrap_err();
        assert_eq!(err.code(), Code::TokenInvalid, "{cloud:?}: {err}");
        assert!(err.to_string().contains("issuer"), "{err}");
        sim.shutdown().await;
    }
}

/// A tenant that requires user assignment for Microsoft Graph Command Line Tools (AADSTS50105)
/// gets an explanation, and the admin's own public client app works.
#[tokio::test]
async fn a_tenant_that_restricts_the_sign_in_app_is_explained_and_an_own_app_works() {
    let sim = sim_as(
        GA,
        Scenario {
            restricted_client_ids: vec![DEFAULT_CLIENT_ID.to_string()],
            ..quick_scenario()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let err = try_sign_in(&recovery(&sim, dir.path(), &MemoryVault::new()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::SignInAppBlocked, "{err}");
    assert!(err.info().remedy.contains("client ID"));
    let mut own = config(&sim, dir.path());
    own.client_id = "5b1f8c9e-8f51-4a7e-9d3c-1f2e3d4c5b6a".into();
    let r = Recovery::new(own, Arc::new(MemoryVault::new()), None).unwrap();
    try_sign_in(&r).await.unwrap();
    sim.shutdown().await;
}

/// An MSP's admin, a guest in the customer's tenant: `organizations` signs them in at home; the
/// customer's tenant named in the options signs them in there, as a guest.
#[tokio::test]
async fn a_guest_admin_names_the_tenant_and_is_told_they_are_a_guest() {
    let sim = sim_as(GA, quick_scenario()).await;
    let http = reqwest::Client::new();
    let home = http
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&serde_json::json!({"displayName": "Northwind MSP", "domain": "northwind.example"}))
        .send()
        .await
        .unwrap();
    assert!(home.status().is_success(), "{:?}", home.text().await);
    let home: serde_json::Value = home.json().await.unwrap();
    let home_tid = home["id"]
        .as_str()
        .or(home["tenantId"].as_str())
        .unwrap()
        .to_string();
    let upn = "nora@northwind.example";
    let user = http
        .post(format!(
            "{}/_sim/tenants/northwind.example/users",
            sim.origin()
        ))
        .json(&serde_json::json!({"userPrincipalName": upn, "roles": []}))
        .send()
        .await
        .unwrap();
    assert!(user.status().is_success());
    let customer = sim.startup().tenant_id.clone();
    sim.add_guest(&customer, upn, &["Global Administrator"]);
    sim.set_auto_sign_in(Some(upn.into()));

    let dir = tempfile::tempdir().unwrap();
    let at_home = try_sign_in(&recovery(&sim, dir.path(), &MemoryVault::new()))
        .await
        .unwrap();
    assert_eq!(at_home.tenant_id(), home_tid);
    assert!(!at_home.info().guest);

    let mut named = config(&sim, dir.path());
    named.tenant = customer.clone();
    let r = Recovery::new(named, Arc::new(MemoryVault::new()), None).unwrap();
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(session.tenant_id(), customer);
    assert!(session.info().guest);
    assert_eq!(pre.roles.verdict, recovery::RoleVerdict::CanDoEverything);
    sim.shutdown().await;
}

/// The identity platform throttles bursts of client-credentials requests (429, Retry-After 60 s):
/// with the shipped retry policy, verification polls the token endpoint at most once a second,
/// backs off, and is never throttled, while the new secret takes a few seconds to work.
#[tokio::test]
async fn verification_polls_the_token_endpoint_at_most_once_a_second() {
    let sim = sim_as(
        GA,
        Scenario {
            secret_ready_delay: Duration::from_millis(3_500),
            ..quick_scenario()
        },
    )
    .await;
    assert!(
        sim.scenario().token_rate_limit.is_some(),
        "throttling is on by default"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sim, dir.path());
    config.retry = recovery::RetryPolicy::default();
    let r = Recovery::new(config, Arc::new(MemoryVault::new()), None).unwrap();
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let creds = r
        .run(&session, &pre, &recovery::RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(creds.verified);
    let tokens: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|q| q.route == Some(Route::Token))
        .skip(1) // the sign-in's code redemption
        .collect();
    assert!(tokens.len() >= 3, "the secret was polled for: {tokens:#?}");
    assert!(tokens.iter().all(|q| q.status != 429), "{tokens:#?}");
    for pair in tokens.windows(2) {
        let gap = pair[1].at_ms - pair[0].at_ms;
        assert!(gap >= 950, "polls {gap} ms apart: {tokens:#?}");
    }
    sim.shutdown().await;
}
