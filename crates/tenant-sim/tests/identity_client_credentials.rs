//! Identity platform: client credentials with real secrets and granted roles, and admin consent.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::Scenario;

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
