//! The real binary: `tenant-sim serve`, its first stdout line, a scripted authorization-code +
//! PKCE sign-in and a device-code sign-in over plain HTTP, tokens verified against its JWKS.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::process::Stdio;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tenant_sim::Startup;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

async fn spawn(args: &[&str]) -> (Child, Startup) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
        .await
        .expect("startup line in time")
        .unwrap()
        .expect("a first line");
    let startup: Startup = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    (child, startup)
}

#[tokio::test]
async fn binary_prints_startup_and_signs_in_with_pkce() {
    let (mut child, st) = spawn(&["--seed", "7"]).await;
    assert!(st.origin.starts_with("http://127.0.0.1:"));
    assert_eq!(st.tenant_name, "Contoso");
    let roles: Vec<Vec<String>> = st.users.iter().map(|u| u.roles.clone()).collect();
    assert_eq!(
        roles,
        vec![
            vec!["Global Administrator".to_string()],
            vec!["Privileged Role Administrator".into()],
            vec!["Application Administrator".into()],
            vec![]
        ]
    );
    let raw: Value = serde_json::to_value(&st).unwrap();
    for k in ["origin", "tenantId", "tenantName", "users"] {
        assert!(raw.get(k).is_some(), "{k}");
    }
    assert!(raw["users"][0].get("userPrincipalName").is_some());

    let c = client();
    let o = st.origin.as_str();
    let disco: Value = get_json(
        &c,
        format!("{o}/organizations/v2.0/.well-known/openid-configuration"),
    )
    .await;
    let (verifier, challenge) = pkce();
    let mut auth = url::Url::parse(disco["authorization_endpoint"].as_str().unwrap()).unwrap();
    auth.query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "http://127.0.0.1:53682/")
        .append_pair("scope", WIZARD_SCOPES)
        .append_pair("state", "state-123")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let page = c
        .get(auth.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let loc = complete_page(&c, o, "organizations", &page, GA, "oauth2/v2.0/authorize").await;
    assert!(loc.starts_with("http://127.0.0.1:53682/"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("state-123"));
    let code = query_param(&loc, "code").unwrap();
    let r = c
        .post(disco["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:53682/"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    let jwks = disco["jwks_uri"].as_str().unwrap();
    let at = verify_with_jwks(jwks, t["access_token"].as_str().unwrap()).await;
    assert_eq!(at["tid"], st.tenant_id.as_str());
    assert_eq!(at["oid"], st.users[0].id.as_str());
    let id = verify_with_jwks(jwks, t["id_token"].as_str().unwrap()).await;
    let issuer_template = disco["issuer"].as_str().unwrap();
    assert_eq!(
        id["iss"],
        issuer_template.replace("{tenantid}", &st.tenant_id)
    );
    // And Graph at {origin}/v1.0 accepts it.
    let me: Value = c
        .get(format!("{o}/v1.0/me"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["userPrincipalName"], GA);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn binary_device_code_sign_in_through_the_verification_page() {
    let (mut child, st) = spawn(&[]).await;
    let c = client();
    let o = st.origin.as_str();
    let dc: Value = c
        .post(format!("{o}/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", CLIENT_ID), ("scope", WIZARD_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let poll = || async {
        let r = c
            .post(format!("{o}/organizations/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", CLIENT_ID),
                ("device_code", dc["device_code"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let (s, e) = poll().await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    // The user opens verification_uri, enters the code, picks an account.
    let page = c
        .get(dc["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(PRA));
    let r = c
        .post(dc["verification_uri"].as_str().unwrap())
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("upn", PRA),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Respect the interval without sleeping: move the binary's clock through the admin API.
    c.post(format!("{o}/_sim/clock/advance"))
        .json(&json!({"by": "5s"}))
        .send()
        .await
        .unwrap();
    let (s, t) = poll().await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let claims = verify_with_jwks(
        &format!("{o}/{}/discovery/v2.0/keys", st.tenant_id),
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(claims["upn"], PRA);
    assert!(t["refresh_token"].is_string());
    let state: Value = get_json(&c, format!("{o}/_sim/requests")).await;
    assert!(state
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["route"] == "token" && r["status"] == 200));
    child.kill().await.unwrap();
}

#[tokio::test]
async fn binary_takes_auto_sign_in_and_a_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, r#"{"faults":[{"route":"getMe","nth":1,"kind":{"throttle":{"seconds":3}}}],"secretReadyDelay":"10s"}"#).unwrap();
    let (mut child, st) = spawn(&[
        "--auto-sign-in",
        APP_ADMIN,
        "--scenario",
        file.to_str().unwrap(),
    ])
    .await;
    let c = client();
    let o = st.origin.as_str();
    let (verifier, challenge) = pkce();
    let r = c
        .get(authorize_url(
            o,
            "organizations",
            WIZARD_SCOPES,
            &challenge,
            "s",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "no page with --auto-sign-in");
    let code = query_param(r.headers()["location"].to_str().unwrap(), "code").unwrap();
    let t: Value = c
        .post(format!("{o}/organizations/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = t["access_token"].as_str().unwrap();
    let r = c
        .get(format!("{o}/v1.0/me"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "3");
    let me: Value = c
        .get(format!("{o}/v1.0/me"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["userPrincipalName"], APP_ADMIN);
    let sc: Value = get_json(&c, format!("{o}/_sim/scenario")).await;
    assert_eq!(sc["secretReadyDelay"], 10000);
    child.kill().await.unwrap();

    // A bad scenario file or an unknown user stops the binary with an error.
    std::fs::write(&file, "{not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .args(["serve", "--scenario", file.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("parsing"));
    let out = Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .args(["serve", "--auto-sign-in", "nobody@nowhere"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
}

/// `--public-origin`: the startup line names it, and discovery names only it (issue 19: one public
/// origin for an HTTPS front); a value with a path is refused at start.
#[tokio::test]
async fn binary_takes_a_public_origin() {
    let (mut child, st) = spawn(&["--public-origin", "https://login.sim.test"]).await;
    assert_eq!(st.public_origin.as_deref(), Some("https://login.sim.test"));
    let raw: Value = serde_json::to_value(&st).unwrap();
    assert_eq!(raw["publicOrigin"], "https://login.sim.test");
    let disco: Value = get_json(
        &client(),
        format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            st.origin
        ),
    )
    .await;
    assert_eq!(
        disco["token_endpoint"],
        "https://login.sim.test/organizations/oauth2/v2.0/token"
    );
    child.kill().await.unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(["--public-origin", "https://login.sim.test/tenant"])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(20), refused)
        .await
        .expect("refused at start, not served")
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("public origin"));
}
