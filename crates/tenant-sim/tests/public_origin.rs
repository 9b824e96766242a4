//! One public origin (issue 19): behind an HTTPS front, every URL tenant-sim hands out names the
//! front, so discovery never contradicts itself (Entra's OpenID configuration names one host for
//! `issuer` and every endpoint, https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc),
//! the device code's `verification_uri` and `message` point where the user can go, and Graph's
//! `@odata.context` and `Location` headers are the front's. The origin is `Options::public_origin`
//! (`--public-origin`), else each request's `X-Forwarded-Proto`/`X-Forwarded-Host`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{Options, RunningSim, Scenario};

const FRONT: &str = "https://login.sim.test";

async fn sim_behind_front() -> RunningSim {
    tenant_sim::start(Options {
        public_origin: Some(format!("{FRONT}/")),
        ..Options::default()
    })
    .await
    .unwrap()
}

/// Every URL-valued member of a discovery document.
fn urls(doc: &Value) -> Vec<(String, String)> {
    doc.as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .filter(|(_, v)| v.starts_with("http://") || v.starts_with("https://"))
        .collect()
}

fn assert_all_on(front: &str, doc: &Value) {
    let urls = urls(doc);
    assert!(urls.len() >= 8, "{doc}");
    for (k, v) in urls {
        if k == "rbac_url" {
            continue; // Entra's own constant (https://pas.windows.net)
        }
        assert!(v.starts_with(&format!("{front}/")), "{k} = {v}");
    }
}

#[tokio::test]
async fn discovery_device_code_and_graph_name_the_public_origin() {
    let sim = sim_behind_front().await;
    assert_eq!(sim.startup().public_origin.as_deref(), Some(FRONT));
    let tid = sim.startup().tenant_id.clone();
    let c = client();
    for tenant in ["organizations", tid.as_str()] {
        let doc: Value = get_json(
            &c,
            format!(
                "{}/{tenant}/v2.0/.well-known/openid-configuration",
                sim.origin()
            ),
        )
        .await;
        assert_all_on(FRONT, &doc);
        assert_eq!(doc["msgraph_host"], "login.sim.test");
    }
    let dc: Value = c
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.origin()
        ))
        .form(&[("client_id", CLIENT_ID), ("scope", WIZARD_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dc["verification_uri"], format!("{FRONT}/devicelogin"));
    assert!(
        dc["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{FRONT}/devicelogin")),
        "{dc}"
    );

    // The ID token's issuer is discovery's.
    let tokens = sign_in(&sim, GA, WIZARD_SCOPES).await;
    let id = tokens["id_token"].as_str().unwrap();
    let claims = verify_with_jwks(
        &format!("{}/organizations/discovery/v2.0/keys", sim.origin()),
        id,
    )
    .await;
    assert_eq!(claims["iss"], format!("{FRONT}/{tid}/v2.0"));

    let token = tokens["access_token"].as_str().unwrap();
    let r = graph(
        &sim,
        token,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "Behind a front"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.body["@odata.context"],
        format!("{FRONT}/v1.0/$metadata#applications/$entity")
    );
    let app_id = r.body["id"].as_str().unwrap();
    assert!(r.headers["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{FRONT}/v2/{tid}/directoryObjects/{app_id}/")));
    let r = graph(
        &sim,
        token,
        Method::POST,
        &format!("/applications/{app_id}/addPassword"),
        Some(json!({})),
    )
    .await;
    assert!(r.headers["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{FRONT}/v2/")));
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{FRONT}/v1.0/$metadata#")));
}

/// Without the option, a reverse proxy's `X-Forwarded-Proto`/`X-Forwarded-Host` name the origin
/// of that request; other requests keep the listening origin.
#[tokio::test]
async fn forwarded_headers_name_the_origin_per_request() {
    let sim = sim().await;
    let c = client();
    let url = format!(
        "{}/organizations/v2.0/.well-known/openid-configuration",
        sim.origin()
    );
    let doc: Value = c
        .get(&url)
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "proxy.sim.test:8443")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_all_on("https://proxy.sim.test:8443", &doc);
    let direct: Value = get_json(&c, &url).await;
    assert_all_on(sim.origin(), &direct);

    let token = token_for(&sim, GA).await;
    let r = graph_h(
        &sim,
        &token,
        Method::GET,
        "/organization",
        None,
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "graph.sim.test"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["@odata.context"],
        "https://graph.sim.test/v1.0/$metadata#organization"
    );
    // A malformed forwarded host is ignored rather than echoed.
    let doc: Value = c
        .get(&url)
        .header("X-Forwarded-Host", "evil.test/path?x")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_all_on(sim.origin(), &doc);
}

/// `issuerHost` (a national cloud's issuer) still wins for `iss`/`issuer`; the endpoints follow
/// the public origin.
#[tokio::test]
async fn issuer_host_still_sets_the_issuer() {
    let sim = tenant_sim::start(Options {
        public_origin: Some(FRONT.into()),
        scenario: Scenario {
            issuer_host: Some("https://login.microsoftonline.us".into()),
            ..Scenario::default()
        },
        ..Options::default()
    })
    .await
    .unwrap();
    let tid = sim.startup().tenant_id.clone();
    let doc: Value = get_json(
        &client(),
        format!(
            "{}/{tid}/v2.0/.well-known/openid-configuration",
            sim.origin()
        ),
    )
    .await;
    assert_eq!(
        doc["issuer"],
        format!("https://login.microsoftonline.us/{tid}/v2.0")
    );
    assert_eq!(
        doc["token_endpoint"],
        format!("{FRONT}/{tid}/oauth2/v2.0/token")
    );
    assert!(tenant_sim::start(Options {
        public_origin: Some("https://front.test/with/path".into()),
        ..Options::default()
    })
    .await
    .is_err());
}
