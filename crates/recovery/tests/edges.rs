//! Roles, bad input, tenant policy, device code, sessions, reuse and cleanup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use futures::future::BoxFuture;
use recovery::{
    AppChoice, Browser, CleanupOptions, Code, ConsentPlan, Event, HttpBrowser, MemoryVault,
    RoleVerdict, RunChoice, RunState, SecretVault, SignInMethod,
};
use tenant_sim::{Fault, FaultKind, PasswordPolicy, Route};

/// A browser whose user presses Cancel at Microsoft: the redirect carries `error=access_denied`.
#[derive(Debug)]
struct CancellingBrowser;

impl Browser for CancellingBrowser {
    fn open(&self, url: &str) -> BoxFuture<'static, recovery::Result<()>> {
        let u = url::Url::parse(url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        let back = format!(
            "{}?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent&state={}",
            q["redirect_uri"].replace("localhost", "127.0.0.1"),
            q["state"]
        );
        Box::pin(async move {
            reqwest::get(back).await.unwrap();
            Ok(())
        })
    }
}

/// Something else hits the loopback first with a forged state; then the real sign-in happens.
#[derive(Debug)]
struct ForgedStateFirst(Arc<Mutex<Option<(u16, String)>>>);

impl Browser for ForgedStateFirst {
    fn open(&self, url: &str) -> BoxFuture<'static, recovery::Result<()>> {
        let u = url::Url::parse(url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        let forged = format!(
            "{}?code=stolen&state=forged",
            q["redirect_uri"].replace("localhost", "127.0.0.1")
        );
        let seen = self.0.clone();
        let url = url.to_string();
        Box::pin(async move {
            let resp = reqwest::get(forged).await.unwrap();
            let status = resp.status().as_u16();
            *seen.lock().unwrap() = Some((status, resp.text().await.unwrap()));
            HttpBrowser::new().unwrap().open(&url).await
        })
    }
}

#[tokio::test]
async fn a_cancelled_sign_in_is_a_clear_error() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let err = r
        .sign_in(
            SignInMethod::Browser,
            &CancellingBrowser,
            false,
            &rec.sink(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::SignInCancelled);
    assert!(rec
        .events()
        .iter()
        .any(|e| matches!(e, Event::Failed { error, .. } if error.code == Code::SignInCancelled)));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_forged_state_on_the_loopback_is_refused_and_the_real_sign_in_still_works() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let seen = Arc::new(Mutex::new(None));
    let session = r
        .sign_in(
            SignInMethod::Browser,
            &ForgedStateFirst(seen.clone()),
            false,
            &Recorder::default().sink(),
        )
        .await
        .unwrap();
    assert_eq!(session.tenant_id(), sim.startup().tenant_id);
    let (status, page) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("not part of the current sign-in"));
    sim.shutdown().await;
}

#[tokio::test]
async fn unreadable_graph_answers_fail_clearly_and_lose_nothing() {
    for (kind, code) in [
        (FaultKind::MalformedJson, Code::UnexpectedResponse),
        (FaultKind::NonJsonOk, Code::UnexpectedResponse),
        (FaultKind::NonJson, Code::RetriesExhausted),
    ] {
        let mut scenario = quick_scenario();
        scenario.faults = vec![Fault {
            route: Route::AddPassword,
            nth: 0,
            kind: kind.clone(),
        }];
        let sim = sim_as(GA, scenario).await;
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::new();
        let mut config = config(&sim, dir.path());
        config.retry.budget = Duration::from_secs(2);
        let r = recovery::Recovery::new(config, Arc::new(vault.clone()), None).unwrap();
        let rec = Recorder::default();
        let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
        let err = r
            .run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{kind:?}: {err}");
        assert!(!err.info().remedy.is_empty());
        let failed = rec.events().into_iter().find_map(|e| match e {
            Event::Failed { error, .. } => Some(error),
            _ => None,
        });
        assert!(
            failed.unwrap().request_id.is_some(),
            "{kind:?}: the failure names the request"
        );
        // Heal the tenant and run again: the journal kept the app; the run finishes with one of each.
        sim.set_scenario(quick_scenario());
        let r = recovery(&sim, dir.path(), &vault);
        let pre = r.precheck(&session, &rec.sink()).await.unwrap();
        let creds = r
            .run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap();
        assert!(creds.verified);
        assert_exactly_one_of_each(&sim);
        sim.shutdown().await;
    }
}

/// A Privileged Role Administrator may grant consent but not create an app's service principal
/// (that needs Application Administrator, Cloud Application Administrator or Application
/// Developer): the run hands steps 11–12 to the admin-consent link, which creates the service
/// principal and grants in one go; they open it themselves, and the next run verifies.
#[tokio::test]
async fn privileged_role_administrator_finishes_through_the_consent_link() {
    let sim = sim_as(PRA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(pre.roles.verdict, RoleVerdict::CanDoEverything);
    let first = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(!first.verified);
    let url = first.admin_consent_url.clone().expect("the consent link");
    assert!(sim
        .snapshot()
        .service_principals
        .iter()
        .all(|sp| sp.app_id != first.application_id));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = http.get(&url).send().await.unwrap();
    assert_eq!(consent.status().as_u16() / 100, 3);
    let back = consent.headers()["location"].to_str().unwrap().to_string();
    assert!(!back.contains("error="), "{back}");

    tokio::time::sleep(quick_scenario().replication_delay * 2).await;
    let again = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(again.verified);
    assert_eq!(again.application_id, first.application_id);
    assert_exactly_one_of_each(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_plain_user_is_told_before_anything_is_created() {
    let sim = sim_as("", quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(pre.roles.verdict, RoleVerdict::NoAdminRole);
    let err = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::StoppedBeforeCreating);
    assert!(sim.snapshot().applications.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn tenant_policy_on_secrets_is_detected_and_explained() {
    for (policy, code) in [
        (PasswordPolicy::Block, Code::SecretPolicyBlocked),
        (
            PasswordPolicy::MaxLifetime(Duration::from_secs(72 * 3600)),
            Code::SecretLifetimeTooLong,
        ),
    ] {
        let mut scenario = quick_scenario();
        scenario.password_policy = Some(policy.clone());
        let sim = sim_as(GA, scenario).await;
        let dir = tempfile::tempdir().unwrap();
        let r = recovery(&sim, dir.path(), &MemoryVault::new());
        let rec = Recorder::default();
        let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
        let err = r
            .run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{policy:?}: {err}");
        assert!(err.info().remedy.contains("polic"));
        if code == Code::SecretLifetimeTooLong {
            // A lifetime within the cap works, and the run resumes where it stopped.
            let mut config = config(&sim, dir.path());
            config.secret_lifetime = Duration::from_secs(72 * 3600);
            let r = recovery::Recovery::new(config, Arc::new(MemoryVault::new()), None).unwrap();
            let creds = r
                .run(&session, &pre, &RunChoice::default(), &rec.sink())
                .await
                .unwrap();
            assert!(creds.verified);
            assert_exactly_one_of_each(&sim);
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn device_code_sign_in_and_conditional_access_blocking_it() {
    let sim = sim_as(GA, quick_scenario()).await;
    sim.set_device_code_interval(Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let session = r
        .sign_in(
            SignInMethod::DeviceCode,
            &HttpBrowser::new().unwrap(),
            false,
            &rec.sink(),
        )
        .await
        .unwrap();
    assert_eq!(session.tenant_id(), sim.startup().tenant_id);
    assert!(rec
        .events()
        .iter()
        .any(|e| matches!(e, Event::DeviceCode { user_code, .. } if !user_code.is_empty())));

    let mut blocked = quick_scenario();
    blocked.block_device_code = true;
    sim.set_scenario(blocked);
    let err = r
        .sign_in(
            SignInMethod::DeviceCode,
            &HttpBrowser::new().unwrap(),
            false,
            &rec.sink(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeviceCodeBlocked, "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_remembered_session_resumes_with_a_rotated_refresh_token_and_sign_out_forgets_it() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let first = r
        .sign_in(
            SignInMethod::Browser,
            &HttpBrowser::new().unwrap(),
            true,
            &Recorder::default().sink(),
        )
        .await
        .unwrap();
    assert!(first.info().remembered);
    assert_eq!(vault.accounts().len(), 1);
    let before = recovery::SecretVault::get(&vault, &vault.accounts()[0])
        .unwrap()
        .unwrap();
    let resumed = r
        .resume_session()
        .await
        .unwrap()
        .expect("a remembered session");
    assert_eq!(resumed.tenant_id(), first.tenant_id());
    let after = recovery::SecretVault::get(&vault, &vault.accounts()[0])
        .unwrap()
        .unwrap();
    assert_ne!(
        before, after,
        "the rotated refresh token replaced the old one"
    );
    // The resumed session works against Graph.
    r.precheck(&resumed, &Recorder::default().sink())
        .await
        .unwrap();
    // A refresh token the tenant no longer honours (revoked, expired) is forgotten.
    let stored = vault.get(&vault.accounts()[0]).unwrap().unwrap();
    let mut record: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
    record["refreshToken"] = "revoked-refresh-token".into();
    let stale = record.to_string();
    let account = vault.accounts()[0].clone();
    vault.set(&account, &recovery::Secret::new(stale)).unwrap();
    let err = r.resume_session().await.unwrap_err();
    assert_eq!(err.code(), Code::SessionExpired, "{err}");
    assert!(
        vault.accounts().is_empty(),
        "the dead sign-in was forgotten"
    );
    // Signing out after a fresh remembered sign-in removes it.
    let resumed = r
        .sign_in(
            SignInMethod::Browser,
            &HttpBrowser::new().unwrap(),
            true,
            &Recorder::default().sink(),
        )
        .await
        .unwrap();
    assert!(r.sign_out(Some(resumed)).await.unwrap());
    assert!(vault.accounts().is_empty());
    assert!(r.resume_session().await.unwrap().is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn an_existing_app_can_be_reused_instead_of_duplicated() {
    let sim = sim_as(GA, quick_scenario()).await;
    let first_dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, first_dir.path(), &MemoryVault::new());
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let first = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();

    // Another computer: no journal, no keychain entry.
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let pre = r.precheck(&session, &rec.sink()).await.unwrap();
    assert_eq!(pre.existing.len(), 1);
    assert_eq!(pre.existing[0].app_id, first.application_id);
    let choice = RunChoice {
        app: AppChoice::Reuse {
            object_id: pre.existing[0].object_id.clone(),
        },
        consent: ConsentPlan::Stop,
        reveal_secret: false,
    };
    let creds = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    assert!(creds.verified);
    assert_eq!(creds.application_id, first.application_id);
    let s = sim.snapshot();
    assert_eq!(s.applications.len(), 1);
    assert_eq!(
        s.service_principals
            .iter()
            .filter(|sp| sp.app_id == first.application_id)
            .count(),
        1
    );
    assert_eq!(
        s.app_role_assignments
            .iter()
            .filter(|a| a.principal_display_name == "PMPC Recovery")
            .count(),
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cleanup_deletes_purges_and_forgets() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let creds = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    let runs = r.runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, RunState::Verified);
    assert!(runs[0].secret_in_keychain && !runs[0].expired);
    assert_eq!(runs[0].deadline, runs[0].journal.deadline());
    assert_eq!(r.status().await.unwrap().len(), 1);
    let report = r
        .cleanup(
            &session,
            &CleanupOptions {
                purge: true,
                object_id: None,
            },
            &rec.sink(),
        )
        .await
        .unwrap();
    assert!(report.deleted && report.purged && report.keychain_forgotten);
    assert_eq!(report.object_id, creds.object_id);
    let s = sim.snapshot();
    assert!(
        s.applications.is_empty() && s.deleted_items.is_empty(),
        "{:#?}",
        s.deleted_items
    );
    assert!(vault.accounts().is_empty());
    assert!(r.status().await.unwrap().is_empty());
    // The Runs page still lists it, cleaned up, until the user forgets it.
    let runs = r.runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, RunState::CleanedUp);
    assert!(!runs[0].expired && !runs[0].secret_in_keychain);
    assert_eq!(
        runs[0].tenant_name.as_deref(),
        Some(pre.tenant.display_name.as_str())
    );
    let run_id = runs[0].journal.run_id.clone();
    assert!(!r
        .forget_run(&session.tenant_id(), "another-run")
        .await
        .unwrap());
    assert!(r.forget_run(&session.tenant_id(), &run_id).await.unwrap());
    assert!(r.runs().await.unwrap().is_empty());
    let again = r
        .cleanup(&session, &CleanupOptions::default(), &rec.sink())
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AppNotFound);
    sim.shutdown().await;
}

#[tokio::test]
async fn forgetting_a_run_drops_its_journal_and_secret_but_not_the_app() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    r.run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    let run_id = r.runs().await.unwrap()[0].journal.run_id.clone();
    assert_eq!(vault.accounts().len(), 1);
    assert!(r.forget_run(&session.tenant_id(), &run_id).await.unwrap());
    assert!(vault.accounts().is_empty());
    assert!(r.runs().await.unwrap().is_empty());
    assert_eq!(
        sim.snapshot().applications.len(),
        1,
        "the app stays in the tenant"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_keychain_that_refuses_the_secret_leaves_no_usable_credential_behind() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    vault.fail_with(Some(|| {
        recovery::Error::KeychainLocked("Cannot create an item in a locked collection".into())
    }));
    let err = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::KeychainLocked);
    assert!(
        sim.snapshot().applications[0]
            .password_credentials
            .is_empty(),
        "the unstorable secret was removed"
    );
    // A keychain that cannot answer does not hide the run: it is listed, its secret not found.
    let listed = r.runs().await.expect("the list despite the keychain");
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].secret_in_keychain);
    vault.fail_with(None);
    assert!(
        r.run(&session, &pre, &RunChoice::default(), &rec.sink())
            .await
            .unwrap()
            .verified
    );
    assert_exactly_one_of_each(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expiring_access_token_is_refreshed_at_the_users_own_tenant() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = recovery::ManualClock::new(time::OffsetDateTime::now_utc());
    let r = recovery::Recovery::new(
        config(&sim, dir.path()),
        Arc::new(MemoryVault::new()),
        Some(Arc::new(clock.clone())),
    )
    .unwrap();
    let session = sign_in(&r, &Recorder::default().sink()).await;
    let before = session.bearer().await.unwrap();
    clock.advance(Duration::from_secs(2 * 3600));
    r.precheck(&session, &Recorder::default().sink())
        .await
        .unwrap();
    let after = session.bearer().await.unwrap();
    assert_ne!(before, after, "a new access token");
    let tid = sim.startup().tenant_id.clone();
    let tokens: Vec<String> = sim
        .requests()
        .into_iter()
        .filter(|q| q.route == Some(Route::Token))
        .map(|q| q.path)
        .collect();
    assert_eq!(
        tokens,
        [
            "/organizations/oauth2/v2.0/token".to_string(),
            format!("/{tid}/oauth2/v2.0/token"),
        ],
        "first sign-in at organizations, refresh at the user's tenant"
    );
    sim.shutdown().await;
}
