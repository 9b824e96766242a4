//! Identity platform: the device code flow (pending, slow_down, approved, declined, expired,
//! blocked), its verification page and the admin API, and `--auto-sign-in`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tenant_sim::Scenario;

async fn device_start(sim: &tenant_sim::RunningSim) -> Value {
    let r = client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.origin()
        ))
        .form(&[("client_id", CLIENT_ID), ("scope", WIZARD_SCOPES)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn device_poll(sim: &tenant_sim::RunningSim, dc: &Value) -> (StatusCode, Value) {
    token_post(
        sim,
        "organizations",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT_ID),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_pending_slow_down_approved() {
    let sim = sim().await;
    let dc = device_start(&sim).await;
    assert_eq!(dc["interval"], 5);
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(
        dc["verification_uri"],
        format!("{}/devicelogin", sim.origin())
    );
    assert!(dc["message"]
        .as_str()
        .unwrap()
        .contains(dc["user_code"].as_str().unwrap()));
    let (s, e) = device_poll(&sim, &dc).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "slow_down", "polled before the interval");
    sim.advance_clock(Duration::from_secs(5));
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "authorization_pending");
    assert!(!sim.approve_device_code("WRONGCODE", GA));
    assert!(sim.approve_device_code(dc["user_code"].as_str().unwrap(), PRA));
    assert!(
        !sim.approve_device_code(dc["user_code"].as_str().unwrap(), PRA),
        "only once"
    );
    sim.advance_clock(Duration::from_secs(5));
    let (s, t) = device_poll(&sim, &dc).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let claims = verify_with_jwks(
        &format!("{}/organizations/discovery/v2.0/keys", sim.origin()),
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(claims["upn"], PRA);
    sim.advance_clock(Duration::from_secs(5));
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "invalid_grant", "redeemed once");
}

#[tokio::test]
async fn device_code_declined_expired_blocked() {
    let sim = sim().await;
    sim.set_device_code_interval(Duration::ZERO);
    let dc = device_start(&sim).await;
    assert_eq!(dc["interval"], 0);
    assert!(sim.decline_device_code(dc["user_code"].as_str().unwrap(), GA));
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "authorization_declined");

    let dc = device_start(&sim).await;
    sim.advance_clock(Duration::from_secs(901));
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "expired_token");
    assert!(
        !sim.approve_device_code(dc["user_code"].as_str().unwrap(), GA),
        "expired codes cannot be approved"
    );

    sim.set_scenario(Scenario {
        block_device_code: true,
        ..Scenario::default()
    });
    let dc = device_start(&sim).await;
    assert!(sim.approve_device_code(dc["user_code"].as_str().unwrap(), GA));
    let (s, e) = device_poll(&sim, &dc).await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::BAD_REQUEST, Some(53003)),
        "conditional access"
    );
    let (_, e) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "nope"),
        ],
    )
    .await;
    assert_eq!(e["error"], "invalid_grant");
}

#[tokio::test]
async fn device_login_page_and_admin_api_approve() {
    let sim = sim().await;
    let c = client();
    sim.set_device_code_interval(Duration::ZERO);
    let dc = device_start(&sim).await;
    let page = c
        .get(format!("{}/devicelogin", sim.origin()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(APP_ADMIN));
    let r = c
        .post(format!("{}/devicelogin", sim.origin()))
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("upn", APP_ADMIN),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = device_poll(&sim, &dc).await;
    assert_eq!(s, StatusCode::OK);
    let r = c
        .post(format!("{}/devicelogin", sim.origin()))
        .form(&[("user_code", "NOPE"), ("upn", GA)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let dc = device_start(&sim).await;
    let r: Value = c
        .post(format!("{}/_sim/device/approve", sim.origin()))
        .json(&json!({"userCode": dc["user_code"], "userPrincipalName": GA}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["approved"], true);
    let (s, _) = device_poll(&sim, &dc).await;
    assert_eq!(s, StatusCode::OK);
    let dc = device_start(&sim).await;
    let r: Value = c
        .post(format!("{}/_sim/device/decline", sim.origin()))
        .json(&json!({"userCode": dc["user_code"], "userPrincipalName": GA}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["declined"], true);
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "authorization_declined");
}

#[tokio::test]
async fn auto_sign_in_skips_the_page_and_approves_device_codes() {
    let sim = tenant_sim::start(tenant_sim::Options {
        auto_sign_in: Some(APP_ADMIN.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    sim.set_device_code_interval(Duration::ZERO);
    let t = sign_in(&sim, APP_ADMIN, WIZARD_SCOPES).await;
    let claims = verify_with_jwks(
        &format!("{}/organizations/discovery/v2.0/keys", sim.origin()),
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(claims["upn"], APP_ADMIN);
    let dc = device_start(&sim).await;
    let (_, e) = device_poll(&sim, &dc).await;
    assert_eq!(e["error"], "authorization_pending", "pending once");
    let (s, _) = device_poll(&sim, &dc).await;
    assert_eq!(s, StatusCode::OK);
    assert!(tenant_sim::start(tenant_sim::Options {
        auto_sign_in: Some("nobody@x".into()),
        ..Default::default()
    })
    .await
    .is_err());
}
