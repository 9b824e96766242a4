//! The identity platform endpoints: discovery, JWKS, /authorize, /token (every grant), device
//! code, client credentials, admin consent, and Entra's error shape.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{NewUser, PasswordPolicy, Scenario};

#[tokio::test]
async fn discovery_has_microsofts_issuer_quirk() {
    let sim = sim().await;
    let c = client();
    let o = sim.origin();
    let tid = sim.startup().tenant_id.clone();
    for (authority, issuer) in [
        ("organizations", format!("{o}/{{tenantid}}/v2.0")),
        ("common", format!("{o}/{{tenantid}}/v2.0")),
        (tid.as_str(), format!("{o}/{tid}/v2.0")),
        ("contoso.onmicrosoft.com", format!("{o}/{tid}/v2.0")),
    ] {
        let d: Value = get_json(
            &c,
            format!("{o}/{authority}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        assert_eq!(d["issuer"], issuer.as_str(), "{authority}");
        assert_eq!(
            d["token_endpoint"],
            format!("{o}/{authority}/oauth2/v2.0/token")
        );
        assert_eq!(
            d["device_authorization_endpoint"],
            format!("{o}/{authority}/oauth2/v2.0/devicecode")
        );
        assert_eq!(
            d["jwks_uri"],
            format!("{o}/{authority}/discovery/v2.0/keys")
        );
        assert_eq!(d["cloud_instance_name"], "microsoftonline.com");
        let keys: Value = get_json(&c, d["jwks_uri"].as_str().unwrap()).await;
        assert_eq!(keys["keys"][0]["kty"], "RSA");
    }
    let r = c
        .get(format!(
            "{o}/nosuch.example/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_tenant");
    assert_eq!(e["error_codes"][0], 90002);
    assert!(e["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS90002: "));
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(e[k].is_string(), "{k}");
    }
    let r = c
        .get(format!("{o}/nosuch.example/discovery/v2.0/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn auth_code_pkce_tokens_verify_against_jwks() {
    let sim = sim().await;
    let t = sign_in(&sim, GA, WIZARD_SCOPES).await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3599);
    assert!(t["refresh_token"].is_string());
    let jwks = format!("{}/organizations/discovery/v2.0/keys", sim.origin());
    let at = verify_with_jwks(&jwks, t["access_token"].as_str().unwrap()).await;
    let me = &sim.startup().users[0];
    assert_eq!(at["tid"], sim.startup().tenant_id.as_str());
    assert_eq!(at["oid"], me.id.as_str());
    assert_eq!(at["upn"], GA);
    assert_eq!(at["aud"], "https://graph.microsoft.com");
    assert_eq!(at["appid"], CLIENT_ID);
    let scp = at["scp"].as_str().unwrap();
    assert!(
        scp.contains("Application.ReadWrite.All")
            && scp.contains("AppRoleAssignment.ReadWrite.All"),
        "{scp}"
    );
    assert!(at["wids"]
        .as_array()
        .unwrap()
        .contains(&json!("62e90394-69f5-4237-9190-012177145e10")));
    let id = verify_with_jwks(&jwks, t["id_token"].as_str().unwrap()).await;
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(
        id["iss"],
        format!("{}/{}/v2.0", sim.origin(), sim.startup().tenant_id)
    );
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["preferred_username"], GA);
    assert_eq!(id["ver"], "2.0");
    for k in ["iat", "nbf", "exp", "name", "sub"] {
        assert!(!id[k].is_null(), "id token claim {k}");
    }
    // Without offline_access/openid: neither refresh nor id token.
    let t = sign_in(&sim, USER, "https://graph.microsoft.com/User.Read").await;
    assert!(t.get("refresh_token").is_none() && t.get("id_token").is_none());
}

#[tokio::test]
async fn authorize_refuses_what_entra_refuses() {
    let sim = sim().await;
    let c = client();
    let o = sim.origin();
    let (_, challenge) = pkce();
    // plain PKCE and missing PKCE come back to the client as errors, with state.
    let plain = authorize_url(o, "organizations", "openid", &challenge, "s1")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let r = c.get(plain).send().await.unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s1"));
    let none = authorize_url(o, "organizations", "openid", &challenge, "s2")
        .replace("&code_challenge_method=S256", "")
        .replace(&format!("&code_challenge={challenge}"), "");
    let loc = c.get(none).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
    // Non-loopback http, https localhost and IPv6 loopback are not redirected to at all.
    for bad in [
        "http://example.com/cb",
        "http://[::1]:8400/",
        "https://evil.test/",
    ] {
        let u = authorize_url(o, "organizations", "openid", &challenge, "s")
            .replace(&urlenc(REDIRECT), &urlenc(bad));
        let r = c.get(u).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.text().await.unwrap().contains("AADSTS50011"));
    }
    // Any port on 127.0.0.1 is fine.
    let u = authorize_url(o, "organizations", "openid", &challenge, "s")
        .replace(&urlenc(REDIRECT), &urlenc("http://127.0.0.1:61234"));
    assert_eq!(c.get(u).send().await.unwrap().status(), StatusCode::OK);
    // Unknown scope, unknown client id shape, implicit flow.
    let u = authorize_url(o, "organizations", "Mail.Send", &challenge, "s");
    let loc = c.get(u).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(query_param(&loc, "error").as_deref(), Some("invalid_scope"));
    let u = authorize_url(o, "organizations", "openid", &challenge, "s")
        .replace(CLIENT_ID, "not-a-guid");
    assert!(c
        .get(u)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("AADSTS700016"));
    let u = authorize_url(o, "organizations", "openid", &challenge, "s")
        .replace("response_type=code", "response_type=token");
    let loc = c.get(u).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("unsupported_response_type")
    );
    // prompt=none without a session.
    let u = format!(
        "{}&prompt=none",
        authorize_url(o, "organizations", "openid", &challenge, "s")
    );
    let loc = c.get(u).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("login_required")
    );
    // Cancel on the sign-in page.
    let page = c
        .get(authorize_url(
            o,
            "organizations",
            "openid",
            &challenge,
            "s3",
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = sim_request_key(&page);
    let r = c
        .post(format!("{o}/organizations/oauth2/v2.0/authorize"))
        .form(&[("sim_request", key.as_str()), ("action", "cancel")])
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s3"));
    // form_post response mode renders an auto-submitting form.
    let u = authorize_url(o, "organizations", "openid", &challenge, "s4")
        .replace("response_mode=query", "response_mode=form_post");
    let page = c.get(u).send().await.unwrap().text().await.unwrap();
    let key = sim_request_key(&page);
    let r = c
        .post(format!("{o}/organizations/oauth2/v2.0/authorize"))
        .form(&[
            ("sim_request", key.as_str()),
            ("upn", GA),
            ("action", "accept"),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("name=\"code\"") && html.contains("value=\"s4\""),
        "{html}"
    );
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn code_for(
    sim: &tenant_sim::RunningSim,
    tenant: &str,
    upn: &str,
    challenge: &str,
) -> String {
    let c = client();
    let page = c
        .get(authorize_url(
            sim.origin(),
            tenant,
            WIZARD_SCOPES,
            challenge,
            "x",
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let loc = complete_page(
        &c,
        sim.origin(),
        tenant,
        &page,
        upn,
        "oauth2/v2.0/authorize",
    )
    .await;
    query_param(&loc, "code").unwrap()
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_pkce_bound() {
    let sim = sim().await;
    let (verifier, challenge) = pkce();
    let redeem = |code: String, verifier: String, redirect: &'static str| {
        let sim = &sim;
        async move {
            token_post(
                sim,
                "organizations",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", CLIENT_ID),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier.as_str()),
                ],
            )
            .await
        }
    };
    let code = code_for(&sim, "organizations", GA, &challenge).await;
    let (s, e) = redeem(
        code.clone(),
        "wrong-verifier-wrong-verifier-wrong-verifier-00".into(),
        REDIRECT,
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(e["error_codes"][0], 501481);
    let (s, _) = redeem(
        code.clone(),
        verifier.clone(),
        "http://localhost:9999/other",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = redeem(code.clone(), verifier.clone(), REDIRECT).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = redeem(code, verifier.clone(), REDIRECT).await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::BAD_REQUEST, Some(54005)),
        "reuse refused"
    );
    let code = code_for(&sim, "organizations", GA, &challenge).await;
    sim.advance_clock(Duration::from_secs(601));
    let (_, e) = redeem(code, verifier.clone(), REDIRECT).await;
    assert_eq!(e["error_codes"][0], 70008, "expired code");
    let (_, e) = redeem("1.nonsense".into(), verifier, REDIRECT).await;
    assert_eq!(e["error"], "invalid_grant");
    let (s, e) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::BAD_REQUEST, Some(900144))
    );
    let (_, e) = token_post(&sim, "organizations", &[("grant_type", "password")]).await;
    assert_eq!(e["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn tenant_specific_authority_and_foreign_users() {
    let sim = sim().await;
    let c = client();
    // A second tenant whose admin cannot sign in through contoso's authority.
    let r = c
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&json!({"displayName": "Fabrikam", "domain": "fabrikam.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c.post(format!("{}/_sim/tenants/fabrikam.onmicrosoft.com/users", sim.origin())).json(&json!({"userPrincipalName": "admin@fabrikam.onmicrosoft.com", "roles": ["Global Administrator"]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, challenge) = pkce();
    let tid = sim.startup().tenant_id.clone();
    let page = c
        .get(authorize_url(sim.origin(), &tid, "openid", &challenge, "x"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("fabrikam"),
        "a tenant authority lists only its users"
    );
    let key = sim_request_key(&page);
    let r = c
        .post(format!("{}/{tid}/oauth2/v2.0/authorize", sim.origin()))
        .form(&[
            ("sim_request", key.as_str()),
            ("upn", "admin@fabrikam.onmicrosoft.com"),
            ("action", "accept"),
        ])
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(query_param(&loc, "error_description")
        .unwrap()
        .starts_with("AADSTS50020"));
    // The fabrikam admin signs in via organizations and gets fabrikam's tid.
    let t = sign_in(&sim, "admin@fabrikam.onmicrosoft.com", "openid").await;
    let claims = verify_with_jwks(
        &format!("{}/common/discovery/v2.0/keys", sim.origin()),
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert_ne!(claims["tid"], tid.as_str());
    let snap = sim.snapshot();
    assert_eq!(snap.tenants.len(), 2);
}

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

async fn client_credentials(
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

#[tokio::test]
async fn client_credentials_with_real_secrets_and_roles() {
    let sim = sim_with(Scenario {
        secret_ready_delay: Duration::from_secs(10),
        role_propagation_delay: Duration::from_secs(30),
        ..Scenario::default()
    })
    .await;
    let token = token_for(&sim, GA).await;
    let (app, sp) = create_app_and_sp(&sim, &token).await;
    let app_id = app["appId"].as_str().unwrap();
    let (s, e) = client_credentials(&sim, app_id, "no-secret-yet").await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::UNAUTHORIZED, Some(7000215))
    );
    let pw = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery"}})),
    )
    .await;
    let secret = pw.body["secretText"].as_str().unwrap().to_string();
    let (s, e) = client_credentials(&sim, app_id, &secret).await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::UNAUTHORIZED, Some(7000215)),
        "not usable yet"
    );
    assert!(!sim.snapshot().applications[0].password_credentials[0].ready);
    sim.advance_clock(Duration::from_secs(10));
    let (s, t) = client_credentials(&sim, app_id, &secret).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let jwks = format!(
        "{}/{}/discovery/v2.0/keys",
        sim.origin(),
        sim.startup().tenant_id
    );
    let claims = verify_with_jwks(&jwks, t["access_token"].as_str().unwrap()).await;
    assert!(claims.get("roles").is_none(), "nothing granted yet");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["oid"], sp["id"]);
    let graph_sp = graph_sp_id(&sim, &token).await;
    assert_eq!(
        grant(&sim, &token, &graph_sp, sp["id"].as_str().unwrap())
            .await
            .status,
        StatusCode::CREATED
    );
    let (_, t) = client_credentials(&sim, app_id, &secret).await;
    assert!(
        verify_with_jwks(&jwks, t["access_token"].as_str().unwrap())
            .await
            .get("roles")
            .is_none(),
        "role still propagating"
    );
    sim.advance_clock(Duration::from_secs(30));
    let (_, t) = client_credentials(&sim, app_id, &secret).await;
    let claims = verify_with_jwks(&jwks, t["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["roles"], json!(["AuditLog.Read.All"]));
    // The app token reads audit logs (and nothing it wasn't granted).
    let at = t["access_token"].as_str().unwrap();
    // directoryaudit-list needs "AuditLog.Read.All and Directory.Read.All".
    assert_eq!(
        graph(&sim, at, Method::GET, "/auditLogs/directoryAudits", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
        Some(json!({"principalId": sp["id"], "resourceId": graph_sp, "appRoleId": DIRECTORY_READ_ALL})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    sim.advance_clock(Duration::from_secs(30));
    let (_, t) = client_credentials(&sim, app_id, &secret).await;
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(
        graph(&sim, at, Method::GET, "/auditLogs/directoryAudits", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        graph(
            &sim,
            at,
            Method::POST,
            "/applications",
            Some(json!({"displayName": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        graph(&sim, at, Method::GET, "/me", None).await.status,
        StatusCode::BAD_REQUEST
    );
    // Basic auth works too.
    let r = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.origin(),
            sim.startup().tenant_id
        ))
        .basic_auth(app_id, Some(&secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Wrong scope form, /organizations, unknown app, expired secret.
    let tid = sim.startup().tenant_id.clone();
    let (_, e) = token_post(
        &sim,
        &tid,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", &secret),
            ("scope", "https://graph.microsoft.com/User.Read"),
        ],
    )
    .await;
    assert_eq!(e["error_codes"][0], 1002012);
    let (_, e) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", &secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(e["error"], "invalid_request");
    let (_, e) = client_credentials(&sim, "22222222-2222-2222-2222-222222222222", &secret).await;
    assert_eq!(e["error_codes"][0], 700016);
    sim.advance_clock(Duration::from_secs(3 * 365 * 24 * 3600));
    let (s, e) = client_credentials(&sim, app_id, &secret).await;
    assert_eq!(
        (s, e["error_codes"][0].as_u64()),
        (StatusCode::UNAUTHORIZED, Some(7000222)),
        "expired secret"
    );
}

#[tokio::test]
async fn client_credentials_needs_a_service_principal() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let app = graph(
        &sim,
        &token,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "No SP"})),
    )
    .await
    .body;
    let pw = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
        Some(json!({})),
    )
    .await;
    let (_, e) = client_credentials(
        &sim,
        app["appId"].as_str().unwrap(),
        pw.body["secretText"].as_str().unwrap(),
    )
    .await;
    assert_eq!(e["error_codes"][0], 7000229);
}

#[tokio::test]
async fn admin_consent_grants_graph_app_roles() {
    let sim = sim().await;
    let c = client();
    let token = token_for(&sim, GA).await;
    let app = graph(&sim, &token, Method::POST, "/applications", Some(json!({
        "displayName": "PMPC Recovery",
        "publicClient": {"redirectUris": ["http://localhost"]},
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": AUDIT_LOG_READ_ALL, "type": "Role"}]}]
    }))).await.body;
    let app_id = app["appId"].as_str().unwrap();
    let url = format!("{}/organizations/adminconsent?client_id={app_id}&redirect_uri=http://localhost:7777&state=abc", sim.origin());
    // An Application Administrator is refused, the grant is not made.
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let loc = complete_page(
        &c,
        sim.origin(),
        "organizations",
        &page,
        APP_ADMIN,
        "adminconsent",
    )
    .await;
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(sim.snapshot().app_role_assignments.is_empty());
    // A Privileged Role Administrator succeeds; the SP is created implicitly.
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let loc = complete_page(
        &c,
        sim.origin(),
        "organizations",
        &page,
        PRA,
        "adminconsent",
    )
    .await;
    assert_eq!(query_param(&loc, "admin_consent").as_deref(), Some("True"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("abc"));
    assert_eq!(
        query_param(&loc, "tenant").as_deref(),
        Some(sim.startup().tenant_id.as_str())
    );
    let snap = sim.snapshot();
    assert_eq!(snap.app_role_assignments.len(), 1);
    assert_eq!(
        snap.app_role_assignments[0].app_role_value.as_deref(),
        Some("AuditLog.Read.All")
    );
    assert!(snap.service_principals.iter().any(|s| s.app_id == app_id));
    // Unregistered redirect and unknown app are error pages.
    let r = c
        .get(format!(
            "{}/organizations/adminconsent?client_id={app_id}&redirect_uri=http://evil.test/",
            sim.origin()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .get(format!(
            "{}/organizations/adminconsent?client_id=33333333-3333-3333-3333-333333333333",
            sim.origin()
        ))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("AADSTS700016"));
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
async fn users_added_through_the_rust_api_can_sign_in() {
    let sim = sim().await;
    let u = sim
        .add_user(NewUser {
            user_principal_name: "cloud@contoso.onmicrosoft.com".into(),
            display_name: None,
            roles: vec!["Cloud Application Administrator".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(u.roles, vec!["Cloud Application Administrator"]);
    assert!(sim
        .add_user(NewUser {
            user_principal_name: "x@contoso.onmicrosoft.com".into(),
            display_name: None,
            roles: vec!["Pope".into()],
            ..Default::default()
        })
        .is_err());
    let t = sign_in(&sim, "cloud@contoso.onmicrosoft.com", WIZARD_SCOPES).await;
    assert!(t["access_token"].is_string());
    let _ = PasswordPolicy::Block;
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

#[tokio::test]
async fn advertised_logout_and_userinfo_exist() {
    let sim = sim().await;
    let c = client();
    let d: Value = get_json(
        &c,
        format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            sim.origin()
        ),
    )
    .await;
    let r = c
        .get(format!(
            "{}?post_logout_redirect_uri=http://localhost:9000/bye",
            d["end_session_endpoint"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "http://localhost:9000/bye");
    let r = c
        .get(d["end_session_endpoint"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t = sign_in(&sim, GA, "openid profile email").await;
    let info: Value = c
        .get(d["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], GA);
    assert_eq!(info["name"], "Grace Admin");
    let r = c
        .get(d["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
