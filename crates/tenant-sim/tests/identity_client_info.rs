//! `client_info`, as Entra returns it to MSAL (issue 19): a client that sends `client_info=1`
//! gets base64url JSON `{"uid", "utid"}` on the /authorize redirect (query or form_post) and in
//! the token responses of the code, refresh and device grants: the user's object and tenant ids
//! in their home tenant (MSAL's ClientInfo type, "uid: user id, utid: tenant id",
//! https://learn.microsoft.com/javascript/api/@azure/msal-common/clientinfo; the home account id
//! `uid.utid` "uniquely identifies the user across tenants",
//! https://learn.microsoft.com/dotnet/api/microsoft.identity.client.iaccount). A client that does
//! not ask gets none.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use base64::Engine;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn decode_client_info(info: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(info.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("client_info {info} is not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap()
}

fn user_id(sim: &tenant_sim::RunningSim, upn: &str) -> String {
    sim.startup()
        .users
        .iter()
        .find(|u| u.user_principal_name == upn)
        .unwrap()
        .id
        .clone()
}

/// /authorize at `tenant` with auto sign-in as `upn`; `extra` query pairs appended. Returns the
/// response (a 302, or a form_post page).
async fn authorize(
    sim: &tenant_sim::RunningSim,
    tenant: &str,
    upn: &str,
    extra: &[(&str, &str)],
) -> (reqwest::Response, String) {
    sim.set_auto_sign_in(Some(upn.to_string()));
    let (verifier, challenge) = pkce();
    let mut url = url::Url::parse(&authorize_url(
        sim.origin(),
        tenant,
        WIZARD_SCOPES,
        &challenge,
        "st",
    ))
    .unwrap();
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    (client().get(url).send().await.unwrap(), verifier)
}

async fn redeem(
    sim: &tenant_sim::RunningSim,
    tenant: &str,
    code: &str,
    verifier: &str,
    client_info: bool,
) -> Value {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    if client_info {
        form.push(("client_info", "1"));
    }
    let (s, body) = token_post(sim, tenant, &form).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn client_info_on_the_redirect_and_in_code_and_refresh_responses() {
    let sim = sim().await;
    let tid = sim.startup().tenant_id.clone();
    let expected = json!({"uid": user_id(&sim, GA), "utid": tid});

    let (r, verifier) = authorize(&sim, "organizations", GA, &[("client_info", "1")]).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let info = query_param(&loc, "client_info").unwrap_or_else(|| panic!("no client_info: {loc}"));
    assert_eq!(decode_client_info(&info), expected);
    let code = query_param(&loc, "code").unwrap();
    let tokens = redeem(&sim, "organizations", &code, &verifier, true).await;
    assert_eq!(
        decode_client_info(tokens["client_info"].as_str().unwrap()),
        expected
    );

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (s, body) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh),
            ("client_info", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        decode_client_info(body["client_info"].as_str().unwrap()),
        expected
    );

    // Not asked for, not given.
    let (r, verifier) = authorize(&sim, "organizations", GA, &[]).await;
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(query_param(&loc, "client_info"), None, "{loc}");
    let code = query_param(&loc, "code").unwrap();
    let tokens = redeem(&sim, "organizations", &code, &verifier, false).await;
    assert!(tokens.get("client_info").is_none(), "{tokens}");
}

#[tokio::test]
async fn client_info_in_a_form_post_and_a_device_code_response() {
    let sim = sim().await;
    let tid = sim.startup().tenant_id.clone();
    let expected = json!({"uid": user_id(&sim, APP_ADMIN), "utid": tid});
    let (r, _) = authorize(
        &sim,
        "organizations",
        APP_ADMIN,
        &[("client_info", "1"), ("response_mode", "form_post")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let info = page
        .split("name=\"client_info\" value=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no client_info input: {page}"))
        .split('"')
        .next()
        .unwrap();
    assert_eq!(decode_client_info(info), expected);

    sim.set_auto_sign_in(None);
    sim.set_device_code_interval(std::time::Duration::from_millis(1));
    let dc: Value = client()
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
    assert!(sim.approve_device_code(dc["user_code"].as_str().unwrap(), APP_ADMIN));
    let (s, body) = token_post(
        &sim,
        "organizations",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT_ID),
            ("device_code", dc["device_code"].as_str().unwrap()),
            ("client_info", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        decode_client_info(body["client_info"].as_str().unwrap()),
        expected
    );
}

/// A B2B guest signing in at the resource tenant's authority gets a token for the guest object
/// there (`tid` the resource tenant, `oid` the guest), but `client_info` names the home account:
/// MSAL keys its cache by it, and the home tenant is "the tenant where the account was created"
/// (https://learn.microsoft.com/entra/identity-platform/accounts-overview).
#[tokio::test]
async fn a_guest_gets_home_tenant_client_info() {
    let sim = sim().await;
    let contoso = sim.startup().tenant_id.clone();
    let t: Value = client()
        .post(format!("{}/_sim/tenants", sim.origin()))
        .json(&json!({"displayName": "Fabrikam", "domain": "fabrikam.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fabrikam = t["id"].as_str().unwrap().to_string();
    let alice: Value = client()
        .post(format!("{}/_sim/tenants/fabrikam.com/users", sim.origin()))
        .json(&json!({"userPrincipalName": "alice@fabrikam.com", "displayName": "Alice Smith"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let home_id = alice["id"].as_str().unwrap().to_string();
    let guest_id = sim.add_guest("contoso.onmicrosoft.com", "alice@fabrikam.com", &[]);
    assert_ne!(guest_id, home_id);

    let (r, verifier) = authorize(
        &sim,
        &contoso,
        "alice@fabrikam.com",
        &[("client_info", "1")],
    )
    .await;
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let expected = json!({"uid": home_id, "utid": fabrikam});
    assert_eq!(
        decode_client_info(&query_param(&loc, "client_info").unwrap()),
        expected
    );
    let code = query_param(&loc, "code").unwrap();
    let tokens = redeem(&sim, &contoso, &code, &verifier, true).await;
    assert_eq!(
        decode_client_info(tokens["client_info"].as_str().unwrap()),
        expected
    );
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["tid"], contoso.as_str());
    assert_eq!(claims["oid"], guest_id.as_str());
}
