//! Identity platform /token: refresh token rotation, the error shape and headers, form bodies
//! whatever the Content-Type.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn refresh_tokens_rotate() {
    let sim = sim().await;
    let t = sign_in(&sim, GA, WIZARD_SCOPES).await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let tid = sim.startup().tenant_id.clone();
    let (s, t2) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &rt1),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2, "a new refresh token every time");
    assert_ne!(t["access_token"], t2["access_token"]);
    let (s, _) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", rt2),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "11111111-1111-1111-1111-111111111111"),
            ("refresh_token", rt2),
        ],
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "bound to the client"
    );
    let (_, e) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", "garbage"),
        ],
    )
    .await;
    assert_eq!(e["error"], "invalid_grant");
    sim.advance_clock(Duration::from_secs(91 * 24 * 3600));
    let (_, e) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", rt2),
        ],
    )
    .await;
    assert_eq!(e["error_codes"][0], 700082, "expired refresh token");
}

#[tokio::test]
async fn token_endpoint_error_shape_and_headers() {
    let sim = sim().await;
    let r = client()
        .post(format!("{}/organizations/oauth2/v2.0/token", sim.origin()))
        .header("client-request-id", "abc-123")
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["client-request-id"], "abc-123");
    assert!(r.headers().contains_key("x-ms-request-id"));
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["correlation_id"], "abc-123");
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    assert!(e["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS900144:"));
}

#[tokio::test]
async fn token_reads_the_form_whatever_the_content_type() {
    let sim = sim().await;
    let r = client()
        .post(format!("{}/organizations/oauth2/v2.0/token", sim.origin()))
        .header("content-type", "text/plain")
        .body("grant_type=password&username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "unsupported_grant_type");
    let r = client()
        .post(format!("{}/organizations/oauth2/v2.0/token", sim.origin()))
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["error_codes"][0], 900144,
        "a JSON body has no form fields"
    );
}
