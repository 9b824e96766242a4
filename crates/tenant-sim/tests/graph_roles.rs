//! Microsoft Graph v1.0: who may do what: directory roles, delegated scopes, the register-apps
//! switch, app-only callers.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tenant_sim::Scenario;

#[tokio::test]
async fn roles_decide_who_may_grant_graph_app_roles() {
    let sim = sim().await;
    let ga = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &ga).await;
    for (upn, may_grant) in [(APP_ADMIN, false), (PRA, true), (GA, true)] {
        let token = token_for(&sim, upn).await;
        // Application Administrator does everything else. A Privileged Role Administrator may
        // register an app but not create its service principal (not a role the
        // servicePrincipal create page lists): a Global Administrator does that for them.
        let (app, sp) = if upn == PRA {
            let app = graph(
                &sim,
                &token,
                Method::POST,
                "/applications",
                Some(json!({
                    "displayName": "PMPC Recovery", "signInAudience": "AzureADMyOrg",
                })),
            )
            .await
            .body;
            let body = json!({"appId": app["appId"]});
            let r = graph(
                &sim,
                &token,
                Method::POST,
                "/servicePrincipals",
                Some(body.clone()),
            )
            .await;
            assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
            let r = graph(&sim, &ga, Method::POST, "/servicePrincipals", Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED);
            (app, r.body)
        } else {
            create_app_and_sp(&sim, &token).await
        };
        let pw = graph(
            &sim,
            &token,
            Method::POST,
            &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
            Some(json!({})),
        )
        .await;
        assert_eq!(pw.status, StatusCode::OK, "{upn}");
        let g = grant(&sim, &token, &graph_sp, sp["id"].as_str().unwrap()).await;
        if may_grant {
            assert_eq!(g.status, StatusCode::CREATED, "{upn}");
        } else {
            assert_odata_error(&g, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
            assert_eq!(
                g.body["error"]["message"],
                "Insufficient privileges to complete the operation."
            );
        }
    }
    // Cloud Application Administrator behaves like Application Administrator.
    sim.add_user(tenant_sim::NewUser {
        user_principal_name: "cloud@contoso.onmicrosoft.com".into(),
        display_name: None,
        roles: vec!["Cloud Application Administrator".into()],
        ..Default::default()
    })
    .unwrap();
    let cloud = token_for(&sim, "cloud@contoso.onmicrosoft.com").await;
    let (_, sp) = create_app_and_sp(&sim, &cloud).await;
    assert_eq!(
        grant(&sim, &cloud, &graph_sp, sp["id"].as_str().unwrap())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // ...but may grant app roles of the tenant's own APIs.
    let api = graph(&sim, &cloud, Method::POST, "/applications", Some(json!({"displayName": "Own API", "appRoles": [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "allowedMemberTypes": ["Application"], "displayName": "Read", "value": "Own.Read", "description": "read"}]}))).await;
    assert_eq!(api.status, StatusCode::CREATED, "{:?}", api.body);
    let api_sp = graph(
        &sim,
        &cloud,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": api.body["appId"]})),
    )
    .await
    .body;
    let r = graph(&sim, &cloud, Method::POST, &format!("/servicePrincipals/{}/appRoleAssignedTo", api_sp["id"].as_str().unwrap()), Some(json!({"principalId": sp["id"], "resourceId": api_sp["id"], "appRoleId": "aaaaaaaa-0000-4000-8000-000000000001"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(sim.snapshot().app_role_assignments.len(), 3);
}

#[tokio::test]
async fn plain_users_and_the_register_apps_switch() {
    let sim = sim().await;
    let user = token_for(&sim, USER).await;
    let ga = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &ga).await;
    // Users can register apps (default): they own it and may manage it. Creating its service
    // principal needs the Application Developer role for a plain owner of a single-tenant app
    // (serviceprincipal-post-serviceprincipals).
    let created = graph(
        &sim,
        &user,
        Method::POST,
        "/applications",
        Some(json!({
            "displayName": "PMPC Recovery",
            "signInAudience": "AzureADMyOrg",
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let app = created.body;
    let sp_body = json!({"appId": app["appId"]});
    let r = graph(
        &sim,
        &user,
        Method::POST,
        "/servicePrincipals",
        Some(sp_body.clone()),
    )
    .await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let set_roles = client()
        .put(format!("{}/_sim/users/{USER}/roles", sim.origin()))
        .json(&json!(["Application Developer"]))
        .send()
        .await
        .unwrap();
    assert!(set_roles.status().is_success());
    let r = graph(
        &sim,
        &user,
        Method::POST,
        "/servicePrincipals",
        Some(sp_body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let sp = r.body;
    let set_roles = client()
        .put(format!("{}/_sim/users/{USER}/roles", sim.origin()))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert!(set_roles.status().is_success());
    assert_eq!(
        sim.snapshot().applications[0].owners,
        vec![sim.startup().users[3].id.clone()]
    );
    assert_eq!(
        grant(&sim, &user, &graph_sp, sp["id"].as_str().unwrap())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Someone else's app is off limits to a plain user.
    let (other, _) = create_app_and_sp(&sim, &ga).await;
    let r = graph(
        &sim,
        &user,
        Method::PATCH,
        &format!("/applications/{}", other["id"].as_str().unwrap()),
        Some(json!({"displayName": "mine now"})),
    )
    .await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let r = graph(
        &sim,
        &user,
        Method::DELETE,
        &format!("/applications/{}", other["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = graph(
        &sim,
        &user,
        Method::POST,
        &format!(
            "/applications/{}/addPassword",
            other["id"].as_str().unwrap()
        ),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = graph(
        &sim,
        &user,
        Method::PATCH,
        &format!("/applications/{}", app["id"].as_str().unwrap()),
        Some(json!({"notes": "mine"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // Tenant switch off: plain users cannot register apps, admins still can.
    sim.set_scenario(Scenario {
        users_can_register_apps: false,
        ..Scenario::default()
    });
    let r = graph(
        &sim,
        &user,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let r = graph(
        &sim,
        &ga,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn delegated_scopes_are_enforced() {
    let sim = sim().await;
    // Only User.Read: may read self and organization, nothing about apps.
    let t = sign_in(&sim, GA, "openid https://graph.microsoft.com/User.Read").await;
    let token = t["access_token"].as_str().unwrap();
    assert_eq!(
        graph(&sim, token, Method::GET, "/me", None).await.status,
        StatusCode::OK
    );
    let org = graph(&sim, token, Method::GET, "/organization", None).await;
    assert_eq!(org.status, StatusCode::OK);
    assert_eq!(org.body["value"][0]["displayName"], "Contoso");
    assert!(
        org.body["value"][0]["tenantType"].is_null(),
        "User.Read sees id, displayName, verifiedDomains only"
    );
    assert_eq!(org.body["value"][0]["assignedPlans"], json!([]));
    let r = graph(&sim, token, Method::GET, "/applications", None).await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let r = graph(
        &sim,
        token,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Read-only app scope: list yes, create no.
    let t = sign_in(&sim, GA, "https://graph.microsoft.com/Application.Read.All").await;
    let ro = t["access_token"].as_str().unwrap();
    assert_eq!(
        graph(&sim, ro, Method::GET, "/applications", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        graph(
            &sim,
            ro,
            Method::POST,
            "/applications",
            Some(json!({"displayName": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // AppRoleAssignment.ReadWrite.All alone is not enough to grant (needs Application.Read.All too).
    let full = token_for(&sim, GA).await;
    let (_, sp) = create_app_and_sp(&sim, &full).await;
    let graph_sp = graph_sp_id(&sim, &full).await;
    let t = sign_in(
        &sim,
        GA,
        "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
    )
    .await;
    let only_ara = t["access_token"].as_str().unwrap();
    assert_eq!(
        grant(&sim, only_ara, &graph_sp, sp["id"].as_str().unwrap())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let t = sign_in(&sim, GA, "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All https://graph.microsoft.com/Application.Read.All").await;
    assert_eq!(
        grant(
            &sim,
            t["access_token"].as_str().unwrap(),
            &graph_sp,
            sp["id"].as_str().unwrap()
        )
        .await
        .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn users_endpoint_needs_directory_scopes() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let r = graph(&sim, &token, Method::GET, &format!("/users/{PRA}"), None).await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    let t = sign_in(&sim, GA, "https://graph.microsoft.com/Directory.Read.All").await;
    let dir = t["access_token"].as_str().unwrap();
    let r = graph(&sim, dir, Method::GET, &format!("/users/{PRA}"), None).await;
    assert_eq!(r.body["userPrincipalName"], PRA);
    let r = graph_h(
        &sim,
        dir,
        Method::GET,
        &format!("/users/{PRA}/transitiveMemberOf/microsoft.graph.directoryRole?$count=true"),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    let r2 = graph(
        &sim,
        dir,
        Method::GET,
        &format!("/users/{PRA}/memberOf/microsoft.graph.directoryRole"),
        None,
    )
    .await;
    assert_eq!(
        r2.status,
        StatusCode::OK,
        "memberOf casts are plain queries"
    );
    assert_eq!(
        r.body["value"][0]["displayName"],
        "Privileged Role Administrator"
    );
    let r = graph(
        &sim,
        dir,
        Method::GET,
        "/users/nobody@contoso.onmicrosoft.com",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn app_only_callers_with_application_readwrite_all() {
    let sim = sim().await;
    let ga = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &ga).await;
    let (app, sp) = create_app_and_sp(&sim, &ga).await;
    let r = graph(&sim, &ga, Method::POST, &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"), Some(json!({
        "principalId": sp["id"], "resourceId": graph_sp, "appRoleId": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"
    }))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let secret = graph(
        &sim,
        &ga,
        Method::POST,
        &format!("/applications/{}/addPassword", app["id"].as_str().unwrap()),
        None,
    )
    .await
    .body["secretText"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, t) = token_post(
        &sim,
        &sim.startup().tenant_id.clone(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app["appId"].as_str().unwrap()),
            ("client_secret", &secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    let at = t["access_token"].as_str().unwrap();
    sim.set_scenario(Scenario {
        replication_delay: Duration::from_secs(10),
        ..Scenario::default()
    });
    let created = graph(
        &sim,
        at,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "by an app"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let r = graph(
        &sim,
        at,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": created.body["appId"]})),
    )
    .await;
    assert_odata_error(&r, StatusCode::FORBIDDEN, "Authorization_RequestDenied");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("backing application"));
    sim.advance_clock(Duration::from_secs(10));
    let r = graph(
        &sim,
        at,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": created.body["appId"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Application.ReadWrite.All does not include granting.
    let r = grant(&sim, at, &graph_sp, r.body["id"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
