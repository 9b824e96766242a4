//! Answers of the real cloud on day one that a client must survive (issue 19): a new secret
//! called expired, Microsoft's own error page that never comes back to the app, and clouds that
//! refuse `Prefer: create-if-missing`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::Scenario;

async fn app_token(
    sim: &tenant_sim::RunningSim,
    app_id: &str,
    secret: &str,
) -> (StatusCode, Value) {
    let tid = sim.startup().tenant_id.clone();
    token_post(
        sim,
        &tid,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

/// AADSTS7000222 for a secret made seconds before, as admins report
/// (<https://github.com/Azure-Samples/active-directory-dotnetcore-daemon-v2/issues/87>), in the
/// identity platform's error shape with the numeric `error_codes`
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>); the same secret
/// works once it has replicated.
#[tokio::test]
async fn a_young_secret_can_be_called_expired_and_works_later() {
    let sim = sim_with(Scenario {
        secret_ready_delay: Duration::from_secs(20),
        new_secret_reported_expired: true,
        ..Scenario::default()
    })
    .await;
    let token = token_for(&sim, GA).await;
    let (app, _sp) = create_app_and_sp(&sim, &token).await;
    let app_id = app["appId"].as_str().unwrap();
    let pw = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery"}})),
    )
    .await;
    let secret = pw.body["secretText"].as_str().unwrap().to_string();
    let (s, e) = app_token(&sim, app_id, &secret).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"], "invalid_client");
    assert_eq!(e["error_codes"], json!([7000222]));
    assert!(e["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000222: The provided client secret keys for app"));
    // Another app's wrong secret is still 7000215: only a real, young secret is called expired.
    let (_, e) = app_token(&sim, app_id, "not-the-secret").await;
    assert_eq!(e["error_codes"], json!([7000215]));
    sim.advance_clock(Duration::from_secs(20));
    let (s, t) = app_token(&sim, app_id, &secret).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    sim.shutdown().await;
}
