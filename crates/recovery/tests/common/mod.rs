//! Shared set-up for engine tests: an in-process tenant-sim, a config pointing at it, sign-in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use recovery::{
    Config, Event, EventSink, HttpBrowser, MemoryVault, Precheck, Recovery, RetryPolicy, Session,
    SignInMethod,
};
use tenant_sim::{Options, RunningSim, Scenario};

pub const GA: &str = "Global Administrator";
pub const PRA: &str = "Privileged Role Administrator";
pub const APP_ADMIN: &str = "Application Administrator";

/// The UPN of the default tenant's user holding `role` ("" = the plain user).
pub async fn upn_of(role: &str) -> String {
    let probe = tenant_sim::start(Options::default()).await.unwrap();
    let upn = probe
        .startup()
        .users
        .iter()
        .find(|u| {
            if role.is_empty() {
                u.roles.is_empty()
            } else {
                u.roles.iter().any(|r| r == role)
            }
        })
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_else(|| panic!("no user with role {role:?}"));
    probe.shutdown().await;
    upn
}

/// A simulator that signs `role`'s user in automatically.
pub async fn sim_as(role: &str, scenario: Scenario) -> RunningSim {
    // Tests build their own reqwest clients too, before any of the engine's.
    recovery::http::install_tls_provider();
    let upn = upn_of(role).await;
    tenant_sim::start(Options {
        auto_sign_in: Some(upn),
        scenario,
        ..Options::default()
    })
    .await
    .unwrap()
}

/// Small but non-zero delays, so replication waits happen without slowing the suite.
pub fn quick_scenario() -> Scenario {
    Scenario {
        replication_delay: Duration::from_millis(150),
        secret_ready_delay: Duration::from_millis(150),
        role_propagation_delay: Duration::from_millis(150),
        ..Scenario::default()
    }
}

pub fn test_policy() -> RetryPolicy {
    RetryPolicy::fast()
}

pub fn config(sim: &RunningSim, dir: &std::path::Path) -> Config {
    let mut c = Config::practice(sim.origin(), dir)
        .unwrap()
        .with_fast_timings();
    c.request_timeout = Duration::from_secs(3);
    c.sign_in_timeout = Duration::from_secs(10);
    c
}

pub fn recovery(sim: &RunningSim, dir: &std::path::Path, vault: &MemoryVault) -> Recovery {
    Recovery::new(config(sim, dir), Arc::new(vault.clone()), None).unwrap()
}

/// Collects events, and the JSON of each, for assertions.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<Event>>>);

impl Recorder {
    pub fn sink(&self) -> EventSink {
        let r = self.0.clone();
        EventSink::new(move |e| r.lock().unwrap().push(e))
    }
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
    pub fn json(&self) -> String {
        serde_json::to_string(&self.events()).unwrap()
    }
}

pub async fn sign_in(r: &Recovery, sink: &EventSink) -> Session {
    r.sign_in(
        SignInMethod::Browser,
        &HttpBrowser::new().unwrap(),
        false,
        sink,
    )
    .await
    .unwrap()
}

/// Signs in, then runs steps 1–2: what every run starts with.
pub async fn sign_in_and_precheck(r: &Recovery, sink: &EventSink) -> (Session, Precheck) {
    let session = sign_in(r, sink).await;
    let pre = r.precheck(&session, sink).await.unwrap();
    (session, pre)
}

/// Signs in remembering the session, then runs all 16 steps with the secret revealed: what the
/// secret scans and the receipt test start from.
pub async fn remembered_run_revealing_the_secret(
    r: &Recovery,
    rec: &Recorder,
) -> (Session, Precheck, recovery::Credentials) {
    let session = r
        .sign_in(
            SignInMethod::Browser,
            &HttpBrowser::new().unwrap(),
            true,
            &rec.sink(),
        )
        .await
        .unwrap();
    let pre = r.precheck(&session, &rec.sink()).await.unwrap();
    let choice = recovery::RunChoice {
        reveal_secret: true,
        ..recovery::RunChoice::default()
    };
    let creds = r.run(&session, &pre, &choice, &rec.sink()).await.unwrap();
    (session, pre, creds)
}

/// The invariant every successful run must leave behind.
pub fn assert_exactly_one_of_each(sim: &RunningSim) {
    let s = sim.snapshot();
    let ours: Vec<_> = s
        .applications
        .iter()
        .filter(|a| a.display_name == "PMPC Recovery")
        .collect();
    assert_eq!(ours.len(), 1, "exactly one app: {:#?}", s.applications);
    let app = ours[0];
    assert_eq!(app.sign_in_audience.as_deref(), Some("AzureADMyOrg"));
    let sps: Vec<_> = s
        .service_principals
        .iter()
        .filter(|sp| sp.app_id == app.app_id)
        .collect();
    assert_eq!(sps.len(), 1, "exactly one service principal");
    let grants: Vec<_> = s
        .app_role_assignments
        .iter()
        .filter(|a| a.principal_id == sps[0].id)
        .collect();
    assert_eq!(grants.len(), 1, "exactly one assignment: {grants:#?}");
    assert_eq!(
        grants[0].app_role_id,
        "b0afded3-3588-46d8-8b3d-9842eff778da"
    );
    assert_eq!(
        app.password_credentials.len(),
        1,
        "exactly one secret: {:#?}",
        app.password_credentials
    );
}
