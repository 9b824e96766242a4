//! Answers of the real cloud on day one that a client must survive (issue 19): a new secret
//! called expired, Microsoft's own error page that never comes back to the app, and clouds that
//! refuse `Prefer: create-if-missing`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{Scenario, SignInRefusal};

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

/// Posts the sign-in page for USER (a user with no admin role) and returns the answer.
async fn sign_in_page_answer(sim: &tenant_sim::RunningSim) -> reqwest::Response {
    let c = client();
    let (_, challenge) = pkce();
    let page = c
        .get(authorize_url(
            sim.origin(),
            "organizations",
            WIZARD_SCOPES,
            &challenge,
            "st",
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    c.post(format!(
        "{}/organizations/oauth2/v2.0/authorize",
        sim.origin()
    ))
    .form(&[
        ("sim_request", sim_request_key(&page).as_str()),
        ("upn", USER),
        ("action", "accept"),
    ])
    .send()
    .await
    .unwrap()
}

/// Refusals after the user signed in come back to the app as `error=access_denied` with the
/// code in `error_description`
/// (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response>),
/// in the consent-error page's words for 90093 and 90094
/// (<https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error>).
#[tokio::test]
async fn sign_in_refusals_come_back_as_access_denied_with_their_code() {
    for (code, words) in [
        (53003, "blocked by Conditional Access"),
        (
            90093,
            "has set a policy that prevents you from granting Microsoft Graph Command Line Tools",
        ),
        (90094, "only an admin can grant"),
    ] {
        let sim = sim_with(Scenario {
            sign_in_refusal: Some(SignInRefusal::Redirect(code)),
            ..Scenario::default()
        })
        .await;
        let r = sign_in_page_answer(&sim).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert!(loc.starts_with(REDIRECT), "{loc}");
        assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
        assert_eq!(query_param(&loc, "state").as_deref(), Some("st"));
        let description = query_param(&loc, "error_description").unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
        assert!(description.contains(words), "{description}");
        assert!(query_param(&loc, "code").is_none());
        sim.shutdown().await;
    }
}

/// Some refusals show only on Microsoft's page: it names the code and never redirects, so the
/// app waiting on its loopback hears nothing.
#[tokio::test]
async fn an_error_page_that_never_returns_to_the_app() {
    let sim = sim_with(Scenario {
        sign_in_refusal: Some(SignInRefusal::ErrorPage(53003)),
        ..Scenario::default()
    })
    .await;
    let r = sign_in_page_answer(&sim).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("location").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("AADSTS53003: Access has been blocked by Conditional Access policies"));
    assert!(!page.contains(REDIRECT), "no way back to the app");
    sim.shutdown().await;
}
