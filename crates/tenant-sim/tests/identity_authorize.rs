//! Identity platform: discovery, the authorization code flow with PKCE, what /authorize refuses,
//! tenant-specific authorities, logout and userinfo.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tenant_sim::{NewUser, PasswordPolicy};

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
