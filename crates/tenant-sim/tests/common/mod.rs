//! Helpers shared by the integration tests: a PKCE sign-in, Graph calls, token verification.
#![allow(dead_code, clippy::unwrap_used)]

use base64::Engine;
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tenant_sim::{Options, RunningSim, Scenario};

pub const CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const AUDIT_LOG_READ_ALL: &str = "b0afded3-3588-46d8-8b3d-9842eff778da";
/// Directory.Read.All, the application permission (app role).
pub const DIRECTORY_READ_ALL: &str = "7ab1d382-f21e-4acd-a863-ba3e13f7da61";
pub const WIZARD_SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/Application.ReadWrite.All https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All";
pub const GA: &str = "grace.admin@contoso.onmicrosoft.com";
pub const PRA: &str = "priya.roles@contoso.onmicrosoft.com";
pub const APP_ADMIN: &str = "alex.apps@contoso.onmicrosoft.com";
pub const USER: &str = "uma.user@contoso.onmicrosoft.com";
pub const REDIRECT: &str = "http://localhost:8400/callback";

pub fn client() -> Client {
    // reqwest is built without a default rustls crypto provider (the workspace picks ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// GET `url` and parse its JSON answer (discovery documents, JWKS, the /_sim admin API).
pub async fn get_json<T: serde::de::DeserializeOwned>(c: &Client, url: impl reqwest::IntoUrl) -> T {
    c.get(url).send().await.unwrap().json().await.unwrap()
}

pub async fn sim() -> RunningSim {
    sim_with(Scenario::default()).await
}

pub async fn sim_with(scenario: Scenario) -> RunningSim {
    tenant_sim::start(Options {
        scenario,
        ..Options::default()
    })
    .await
    .unwrap()
}

pub fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// (verifier, S256 challenge)
pub fn pkce() -> (String, String) {
    let verifier = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag".to_string();
    let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn authorize_url(
    origin: &str,
    tenant: &str,
    scope: &str,
    challenge: &str,
    state: &str,
) -> String {
    let mut u = url::Url::parse(&format!("{origin}/{tenant}/oauth2/v2.0/authorize")).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_mode", "query")
        .append_pair("scope", scope)
        .append_pair("state", state)
        .append_pair("nonce", "n-0S6_WzA2Mj")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    u.to_string()
}

pub fn query_param(location: &str, name: &str) -> Option<String> {
    let u = url::Url::parse(location).ok()?;
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The hidden `sim_request` field of a sign-in page: it ties the page's post to its request.
pub fn sim_request_key(page: &str) -> String {
    page.split("name=\"sim_request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Picks `upn` on the sign-in page with plain HTTP; returns the redirect Location.
pub async fn complete_page(
    c: &Client,
    origin: &str,
    tenant: &str,
    page: &str,
    upn: &str,
    action_path: &str,
) -> String {
    let key = sim_request_key(page);
    assert!(page.contains(upn), "the page lists {upn}");
    let r = c
        .post(format!("{origin}/{tenant}/{action_path}"))
        .form(&[
            ("sim_request", key.as_str()),
            ("upn", upn),
            ("action", "accept"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "sign-in page post redirects");
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Full auth code + PKCE sign-in through the sign-in page; returns the token response.
pub async fn sign_in(sim: &RunningSim, upn: &str, scope: &str) -> Value {
    let c = client();
    let (verifier, challenge) = pkce();
    let r = c
        .get(authorize_url(
            sim.origin(),
            "organizations",
            scope,
            &challenge,
            "st",
        ))
        .send()
        .await
        .unwrap();
    let loc = if r.status() == StatusCode::FOUND {
        r.headers()["location"].to_str().unwrap().to_string()
    } else {
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        complete_page(
            &c,
            sim.origin(),
            "organizations",
            &page,
            upn,
            "oauth2/v2.0/authorize",
        )
        .await
    };
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st"));
    let code = query_param(&loc, "code").unwrap_or_else(|| panic!("no code in {loc}"));
    let r = c
        .post(format!("{}/organizations/oauth2/v2.0/token", sim.origin()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

pub async fn token_for(sim: &RunningSim, upn: &str) -> String {
    sign_in(sim, upn, WIZARD_SCOPES).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

pub async fn graph(
    sim: &RunningSim,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Resp {
    graph_h(sim, token, method, path, body, &[]).await
}

pub async fn graph_h(
    sim: &RunningSim,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut rb = client()
        .request(method, format!("{}/v1.0{path}", sim.origin()))
        .bearer_auth(token);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn token_post(
    sim: &RunningSim,
    tenant: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let r = client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.origin()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// Verifies a JWT against the JWKS served at `jwks_url`; returns its claims.
pub async fn verify_with_jwks(jwks_url: &str, token: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = get_json(&client(), jwks_url).await;
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .unwrap()
        .claims
}

/// Creates "PMPC Recovery" and its service principal; returns (app, sp).
pub async fn create_app_and_sp(sim: &RunningSim, token: &str) -> (Value, Value) {
    let app = graph(sim, token, Method::POST, "/applications", Some(serde_json::json!({
        "displayName": "PMPC Recovery",
        "signInAudience": "AzureADMyOrg",
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": AUDIT_LOG_READ_ALL, "type": "Role"}]}]
    }))).await;
    assert_eq!(app.status, StatusCode::CREATED, "{:?}", app.body);
    let sp = graph(
        sim,
        token,
        Method::POST,
        "/servicePrincipals",
        Some(serde_json::json!({"appId": app.body["appId"]})),
    )
    .await;
    assert_eq!(sp.status, StatusCode::CREATED, "{:?}", sp.body);
    (app.body, sp.body)
}

pub async fn graph_sp_id(sim: &RunningSim, token: &str) -> String {
    let r = graph(
        sim,
        token,
        Method::GET,
        &format!("/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id"),
        None,
    )
    .await;
    r.body["id"].as_str().unwrap().to_string()
}

pub async fn grant(sim: &RunningSim, token: &str, graph_sp: &str, sp_id: &str) -> Resp {
    graph(
        sim,
        token,
        Method::POST,
        &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
        Some(serde_json::json!({
            "principalId": sp_id, "resourceId": graph_sp, "appRoleId": AUDIT_LOG_READ_ALL
        })),
    )
    .await
}

/// An OData error with Graph's shape, its `innerError` ids matching the `request-id` header.
pub fn assert_odata_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{:?}", r.body);
    assert!(r.body["error"]["message"].is_string());
    let inner = &r.body["error"]["innerError"];
    for k in ["date", "request-id", "client-request-id"] {
        assert!(inner[k].is_string(), "innerError.{k}");
    }
    assert_eq!(
        inner["request-id"],
        r.headers["request-id"].to_str().unwrap()
    );
}
