//! Microsoft Graph v1.0 applications and service principals: upserts, body validation, the
//! password policy and removePassword.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{PasswordPolicy, Scenario};

#[tokio::test]
async fn upserts_by_unique_name_and_app_id() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let path = "/applications(uniqueName='pmpc-recovery')";
    let body = json!({"displayName": "PMPC Recovery", "signInAudience": "AzureADMyOrg"});
    let r = graph(&sim, &token, Method::PATCH, path, Some(body.clone())).await;
    assert_odata_error(&r, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let prefer = [("Prefer", "create-if-missing")];
    let r = graph_h(
        &sim,
        &token,
        Method::PATCH,
        path,
        Some(body.clone()),
        &prefer,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["uniqueName"], "pmpc-recovery");
    assert!(r.headers.contains_key("location"));
    let app_id = r.body["appId"].as_str().unwrap().to_string();
    let r = graph_h(
        &sim,
        &token,
        Method::PATCH,
        path,
        Some(json!({"notes": "again"})),
        &prefer,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "existing: updated");
    let got = graph(
        &sim,
        &token,
        Method::GET,
        &format!("{path}?$select=notes,uniqueName"),
        None,
    )
    .await;
    assert_eq!(got.body["notes"], "again");
    assert_eq!(sim.snapshot().applications.len(), 1);
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        path,
        Some(json!({"uniqueName": "other"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "uniqueName is immutable");
    // Service principal upsert.
    let sp_path = format!("/servicePrincipals(appId='{app_id}')");
    let r = graph(&sim, &token, Method::PATCH, &sp_path, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph_h(
        &sim,
        &token,
        Method::PATCH,
        &sp_path,
        Some(json!({"tags": ["WindowsAzureActiveDirectoryIntegratedApp"]})),
        &prefer,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["appId"], app_id.as_str());
    let r = graph_h(
        &sim,
        &token,
        Method::PATCH,
        &sp_path,
        Some(json!({"notes": "n"})),
        &prefer,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = graph(
        &sim,
        &token,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": app_id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "one SP per app");
    // Microsoft Graph's own SP cannot be changed.
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/servicePrincipals(appId='{GRAPH_APP_ID}')"),
        Some(json!({"notes": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn patch_validates_like_graph() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let app = graph(
        &sim,
        &token,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "v"})),
    )
    .await
    .body;
    assert_eq!(
        app["signInAudience"], "AzureADMyOrg",
        "today's default on the v1.0 application page (the 2019/2022 docs examples show the old one)"
    );
    let p = format!("/applications/{}", app["id"].as_str().unwrap());
    let ok = json!({
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": AUDIT_LOG_READ_ALL, "type": "Role"}]}],
        "publicClient": {"redirectUris": ["http://localhost"]},
        "web": {"redirectUris": ["https://example.com/cb"], "implicitGrantSettings": {"enableIdTokenIssuance": false}},
        "isFallbackPublicClient": true,
        "tags": ["a"],
        "info": {"supportUrl": "https://example.com"},
        "api": {"requestedAccessTokenVersion": 2},
    });
    let r = graph(&sim, &token, Method::PATCH, &p, Some(ok)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(r.body, Value::Null);
    let got = graph(&sim, &token, Method::GET, &p, None).await.body;
    assert_eq!(
        got["publicClient"]["redirectUris"],
        json!(["http://localhost"])
    );
    assert_eq!(
        got["web"]["homePageUrl"],
        Value::Null,
        "merged, not replaced"
    );
    assert_eq!(got["api"]["requestedAccessTokenVersion"], 2);
    for (bad, why) in [
        (json!({"signInAudience": "Everyone"}), "bad audience"),
        (json!({"displayName": ""}), "empty name"),
        (
            json!({"requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": "x", "type": "Role"}]}]}),
            "bad guid",
        ),
        (
            json!({"requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": AUDIT_LOG_READ_ALL, "type": "Both"}]}]}),
            "bad type",
        ),
        (json!({"passwordCredentials": []}), "use addPassword"),
        (json!({"appId": "x"}), "read-only"),
        (json!({"color": "blue"}), "undeclared"),
        (json!({"logo": "x"}), "not emulated"),
        (json!({"web": {"colour": 1}}), "undeclared nested"),
    ] {
        let r = graph(&sim, &token, Method::PATCH, &p, Some(bad)).await;
        assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
        let _ = why;
    }
    let r = client()
        .patch(format!("{}/v1.0{p}", sim.origin()))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = graph(
        &sim,
        &token,
        Method::POST,
        "/applications",
        Some(json!({"notes": "no name"})),
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
}

#[tokio::test]
async fn password_policy_and_remove_password() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let (app, _) = create_app_and_sp(&sim, &token).await;
    let p = format!("/applications/{}", app["id"].as_str().unwrap());
    sim.set_scenario(Scenario {
        password_policy: Some(PasswordPolicy::Block),
        ..Scenario::default()
    });
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery"}})),
    )
    .await;
    assert_odata_error(
        &r,
        StatusCode::BAD_REQUEST,
        "CredentialTypeNotAllowedAsPerAppPolicy",
    );
    sim.set_scenario(Scenario {
        password_policy: Some(PasswordPolicy::MaxLifetime(Duration::from_secs(
            30 * 24 * 3600,
        ))),
        ..Scenario::default()
    });
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery"}})),
    )
    .await;
    assert_odata_error(
        &r,
        StatusCode::BAD_REQUEST,
        "CredentialInvalidLifetimeAsPerAppPolicy",
    );
    let now = time::OffsetDateTime::now_utc();
    let end = (now + Duration::from_secs(7 * 24 * 3600))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery", "endDateTime": end}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "a short lifetime passes the cap");
    let key_id = r.body["keyId"].as_str().unwrap().to_string();
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/addPassword"),
        Some(json!({"passwordCredential": {"endDateTime": "2000-01-01T00:00:00Z"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "end before start");
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/addPassword"),
        Some(json!({"passwordCredential": {"endDateTime": "tomorrow"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/removePassword"),
        Some(json!({"keyId": key_id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("{p}/removePassword"),
        Some(json!({"keyId": key_id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(sim.snapshot().applications[0]
        .password_credentials
        .is_empty());
}
