//! No secret in any log, event, journal, receipt or calendar file: a whole run with tracing at
//! TRACE, then a scan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use recovery::{MemoryVault, SecretVault};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_reaches_a_log_an_event_or_the_journal() {
    let logs = Buf::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("recovery=trace,reqwest=trace,hyper=trace,hyper_util=trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut scenario = quick_scenario();
    // Make the engine retry, so error paths log too.
    scenario.faults = vec![tenant_sim::Fault {
        route: tenant_sim::Route::AddPassword,
        nth: 1,
        kind: tenant_sim::FaultKind::GatewayTimeout,
    }];
    let sim = sim_as(GA, scenario).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre, creds) = remembered_run_revealing_the_secret(&r, &rec).await;
    assert!(creds.verified);

    let client_secret = creds.client_secret.clone().unwrap();
    let access_token = session.bearer().await.unwrap().expose().to_string();
    let remembered = vault
        .get(&recovery::vault::session_account(
            recovery::DEFAULT_CLIENT_ID,
        ))
        .unwrap()
        .unwrap();
    let refresh_token = serde_json::from_str::<serde_json::Value>(remembered.expose()).unwrap()
        ["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets = [
        ("client secret", client_secret),
        ("access token", access_token),
        ("refresh token", refresh_token),
    ];

    let log_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log_text.contains("retrying"), "the log captured the run");
    let mut places = vec![("log", log_text), ("events", rec.json())];
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        places.push(("journal", std::fs::read_to_string(entry.path()).unwrap()));
    }
    places.push(("debug output", format!("{session:?} {creds:?} {pre:?}")));
    // The files an admin keeps: the receipt (HTML and JSON) and the calendar file.
    let receipt = r.receipt(&creds.tenant_id).unwrap();
    places.push(("receipt HTML", receipt.to_html()));
    places.push(("receipt JSON", receipt.to_json()));
    places.push(("calendar file", r.calendar(&creds.tenant_id).unwrap()));
    for (what, secret) in &secrets {
        assert!(secret.len() > 10);
        for (place, text) in &places {
            assert!(
                !text.contains(secret.as_str()),
                "the {what} appears in the {place}"
            );
        }
    }
    sim.shutdown().await;
}
