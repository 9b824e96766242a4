//! Microsoft Graph v1.0 endpoints: the wizard's whole flow, role and scope enforcement,
//! replication errors, upserts, query options, credentials policy and deletion.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::{PasswordPolicy, Scenario};

fn assert_odata_error(r: &Resp, status: StatusCode, code: &str) {
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

#[tokio::test]
async fn the_wizards_whole_flow_as_global_admin() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    // Step 1: who am I, which tenant, which roles.
    let me = graph(&sim, &token, Method::GET, "/me", None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["userPrincipalName"], GA);
    assert_eq!(
        me.body["@odata.context"],
        format!("{}/v1.0/$metadata#users/$entity", sim.origin())
    );
    let org = graph(
        &sim,
        &token,
        Method::GET,
        "/organization?$select=id,displayName,verifiedDomains",
        None,
    )
    .await;
    assert_eq!(org.body["value"][0]["id"], sim.startup().tenant_id.as_str());
    assert_eq!(org.body["value"][0]["displayName"], "Contoso");
    assert_eq!(org.body["value"][0].as_object().unwrap().len(), 3);
    assert_eq!(
        org.body["@odata.context"],
        format!(
            "{}/v1.0/$metadata#organization(id,displayName,verifiedDomains)",
            sim.origin()
        )
    );
    let cast =
        "/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=displayName,roleTemplateId";
    let r = graph(&sim, &token, Method::GET, cast, None).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery");
    let roles = graph_h(
        &sim,
        &token,
        Method::GET,
        &format!("{cast}&$count=true"),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(roles.body["@odata.count"], 1);
    // The wizard's scopes do not read directory roles: "limited information", id and type only.
    assert_eq!(roles.body["value"][0]["roleTemplateId"], Value::Null);
    assert_eq!(
        roles.body["value"][0]["@odata.type"],
        "#microsoft.graph.directoryRole"
    );
    let token = sign_in(
        &sim,
        GA,
        &format!("{WIZARD_SCOPES} https://graph.microsoft.com/RoleManagement.Read.Directory"),
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let roles = graph_h(
        &sim,
        &token,
        Method::GET,
        &format!("{cast}&$count=true"),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(
        roles.body["value"][0]["roleTemplateId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(
        roles.body["value"][0]["displayName"],
        "Global Administrator"
    );
    // Step 2: look for existing apps.
    let found = graph(&sim, &token, Method::GET, "/applications?$filter=displayName eq 'PMPC Recovery'&$select=id,appId,displayName,createdDateTime", None).await;
    assert_eq!(found.body["value"], json!([]));
    // Step 3-10: create with requiredResourceAccess.
    let graph_sp = graph(
        &sim,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appId,displayName,appRoles"
        ),
        None,
    )
    .await;
    let audit = graph_sp.body["appRoles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"] == "AuditLog.Read.All")
        .unwrap()
        .clone();
    assert_eq!(audit["id"], AUDIT_LOG_READ_ALL);
    assert_eq!(audit["allowedMemberTypes"], json!(["Application"]));
    let graph_sp = graph_sp.body["id"].as_str().unwrap().to_string();
    let app = graph(&sim, &token, Method::POST, "/applications", Some(json!({
        "displayName": "PMPC Recovery", "signInAudience": "AzureADMyOrg",
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": AUDIT_LOG_READ_ALL, "type": "Role"}]}]
    }))).await;
    assert_eq!(app.status, StatusCode::CREATED);
    let loc = app.headers["location"].to_str().unwrap();
    assert!(loc.contains(app.body["id"].as_str().unwrap()), "{loc}");
    assert_eq!(app.body["publisherDomain"], "contoso.onmicrosoft.com");
    assert_eq!(app.body["signInAudience"], "AzureADMyOrg");
    assert_eq!(app.body["passwordCredentials"], json!([]));
    let app_obj = app.body["id"].as_str().unwrap().to_string();
    // Steps 11-12.
    let sp = graph(
        &sim,
        &token,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": app.body["appId"]})),
    )
    .await;
    assert_eq!(sp.status, StatusCode::CREATED);
    assert_eq!(
        sp.body["appOwnerOrganizationId"],
        sim.startup().tenant_id.as_str()
    );
    let sp_id = sp.body["id"].as_str().unwrap().to_string();
    let g = grant(&sim, &token, &graph_sp, &sp_id).await;
    assert_eq!(g.status, StatusCode::CREATED, "{:?}", g.body);
    assert_eq!(g.body["principalType"], "ServicePrincipal");
    assert_eq!(g.body["resourceDisplayName"], "Microsoft Graph");
    assert_eq!(g.body["principalDisplayName"], "PMPC Recovery");
    assert_eq!(
        g.body["@odata.context"],
        format!(
            "{}/v1.0/$metadata#servicePrincipals('{graph_sp}')/appRoleAssignedTo/$entity",
            sim.origin()
        )
    );
    let again = grant(&sim, &token, &graph_sp, &sp_id).await;
    assert_odata_error(&again, StatusCode::BAD_REQUEST, "Request_BadRequest");
    // The green tick.
    let granted = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{sp_id}/appRoleAssignments"),
        None,
    )
    .await;
    assert_eq!(granted.body["value"][0]["appRoleId"], AUDIT_LOG_READ_ALL);
    assert_eq!(granted.body["value"][0]["resourceId"], graph_sp.as_str());
    let assigned_to = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo"),
        None,
    )
    .await;
    assert_eq!(assigned_to.body["value"].as_array().unwrap().len(), 1);
    // Steps 13-16.
    let end = "2030-01-01T00:00:00Z";
    let pw = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{app_obj}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery", "endDateTime": end}})),
    )
    .await;
    assert_eq!(pw.status, StatusCode::OK);
    let secret = pw.body["secretText"].as_str().unwrap();
    assert!((16..=64).contains(&secret.len()));
    assert_eq!(pw.body["hint"], &secret[..3]);
    assert_eq!(pw.body["displayName"], "PMPC Recovery");
    assert_eq!(pw.body["endDateTime"], "2030-01-01T00:00:00.0000000Z");
    assert!(pw.body["customKeyIdentifier"].is_null());
    let read = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/applications/{app_obj}"),
        None,
    )
    .await;
    assert!(
        read.body["passwordCredentials"][0]["secretText"].is_null(),
        "never returned again"
    );
    assert_eq!(
        read.body["passwordCredentials"][0]["keyId"],
        pw.body["keyId"]
    );
    let snap = serde_json::to_string(&sim.snapshot()).unwrap();
    assert!(
        !snap.contains(secret),
        "the snapshot never holds the secret"
    );
    // Found by name now; by appId alternate key too.
    let found = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName eq 'PMPC Recovery'",
        None,
    )
    .await;
    assert_eq!(found.body["value"].as_array().unwrap().len(), 1);
    let by_app_id = graph(
        &sim,
        &token,
        Method::GET,
        &format!(
            "/applications(appId='{}')?$select=id",
            app.body["appId"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(by_app_id.body["id"], app_obj.as_str());
    let sps = graph(
        &sim,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals?$filter=appId eq '{}'",
            app.body["appId"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(sps.body["value"][0]["id"], sp_id.as_str());
    // Clean-up: delete, list deleted, purge.
    let del = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/applications/{app_obj}"),
        None,
    )
    .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let gone = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/applications/{app_obj}"),
        None,
    )
    .await;
    assert_odata_error(&gone, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let deleted = graph(
        &sim,
        &token,
        Method::GET,
        "/directory/deletedItems/microsoft.graph.application",
        None,
    )
    .await;
    assert_eq!(deleted.body["value"][0]["id"], app_obj.as_str());
    assert!(deleted.body["value"][0]["deletedDateTime"].is_string());
    let deleted_sps = graph(
        &sim,
        &token,
        Method::GET,
        "/directory/deletedItems/microsoft.graph.servicePrincipal",
        None,
    )
    .await;
    assert_eq!(
        deleted_sps.body["value"][0]["id"],
        sp_id.as_str(),
        "the SP went with the app"
    );
    let item = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/directory/deletedItems/{app_obj}"),
        None,
    )
    .await;
    assert_eq!(item.body["@odata.type"], "#microsoft.graph.application");
    let purge = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/directory/deletedItems/{app_obj}"),
        None,
    )
    .await;
    assert_eq!(purge.status, StatusCode::NO_CONTENT);
    let purge = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/directory/deletedItems/{app_obj}"),
        None,
    )
    .await;
    assert_odata_error(&purge, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let snap = sim.snapshot();
    assert!(snap.applications.is_empty());
    assert_eq!(snap.deleted_items.len(), 1);
    assert!(snap
        .requests
        .iter()
        .any(|r| r.route == Some(tenant_sim::Route::GrantAppRole) && r.status == 201));
}

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
async fn authentication_failures() {
    let sim = sim().await;
    let c = client();
    let r = c
        .get(format!("{}/v1.0/me", sim.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(body["error"]["message"], "Access token is empty.");
    let r = graph(&sim, "not.a.jwt", Method::GET, "/me", None).await;
    assert_odata_error(&r, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    let token = token_for(&sim, GA).await;
    sim.advance_clock(Duration::from_secs(3600));
    let r = graph(&sim, &token, Method::GET, "/me", None).await;
    assert_odata_error(&r, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    // A token from another simulator instance (other seed) names a tenant this one doesn't have.
    let other = tenant_sim::start(tenant_sim::Options {
        seed: 99,
        ..Default::default()
    })
    .await
    .unwrap();
    let foreign = token_for(&other, GA).await;
    assert_eq!(
        graph(&sim, &foreign, Method::GET, "/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn replication_delay_produces_entras_errors() {
    let sim = sim_with(Scenario {
        replication_delay: Duration::from_secs(20),
        ..Scenario::default()
    })
    .await;
    let token = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &token).await;
    let app = graph(
        &sim,
        &token,
        Method::POST,
        "/applications",
        Some(json!({"displayName": "PMPC Recovery"})),
    )
    .await;
    assert_eq!(app.status, StatusCode::CREATED, "the write itself succeeds");
    let id = app.body["id"].as_str().unwrap();
    let app_id = app.body["appId"].as_str().unwrap();
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    assert_eq!(r.body["error"]["message"], format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/applications/{id}"),
        Some(json!({"notes": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{id}/addPassword"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName eq 'PMPC Recovery'",
        None,
    )
    .await;
    assert_eq!(r.body["value"], json!([]), "lists don't show it yet");
    let r = graph(
        &sim,
        &token,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": app_id})),
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(r.body["error"]["message"], format!("The appId '{app_id}' of the service principal does not reference a valid application object."));
    assert_eq!(
        r.body["error"]["details"][0]["code"],
        "NoBackingApplicationObject"
    );
    assert!(sim.snapshot().applications[0].replicated.eq(&false));
    sim.advance_clock(Duration::from_secs(20));
    let sp = graph(
        &sim,
        &token,
        Method::POST,
        "/servicePrincipals",
        Some(json!({"appId": app_id})),
    )
    .await;
    assert_eq!(sp.status, StatusCode::CREATED);
    let r = grant(&sim, &token, &graph_sp, sp.body["id"].as_str().unwrap()).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(r.body["error"]["message"], "Not a valid reference update.");
    let r = graph(&sim, &token, Method::POST, &format!("/servicePrincipals/{}/appRoleAssignments", sp.body["id"].as_str().unwrap()), Some(json!({"principalId": sp.body["id"], "resourceId": graph_sp, "appRoleId": AUDIT_LOG_READ_ALL}))).await;
    assert_odata_error(&r, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    sim.advance_clock(Duration::from_secs(20));
    let r = grant(&sim, &token, &graph_sp, sp.body["id"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let list = graph(
        &sim,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals/{}/appRoleAssignments",
            sp.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(
        list.body["value"],
        json!([]),
        "the assignment replicates too"
    );
    sim.advance_clock(Duration::from_secs(20));
    let list = graph(
        &sim,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals/{}/appRoleAssignments",
            sp.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
}

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
        app["signInAudience"], "AzureADandPersonalMicrosoftAccount",
        "Graph's default, not the portal's"
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
async fn query_options_and_unknown_paths() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    for n in ["PMPC Recovery", "PMPC Recovery", "Other"] {
        graph(
            &sim,
            &token,
            Method::POST,
            "/applications",
            Some(json!({"displayName": n})),
        )
        .await;
    }
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName eq 'PMPC Recovery'&$select=id,displayName",
        None,
    )
    .await;
    assert_eq!(
        r.body["value"].as_array().unwrap().len(),
        2,
        "duplicates are possible, as in Entra"
    );
    assert_eq!(r.body["value"][0].as_object().unwrap().len(), 2);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=startswith(displayName,'pmpc')&$top=1&$count=true",
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["@odata.count"], 2);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$select=nope",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "BadRequest");
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications?$filter=displayName ne 'x'",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery");
    let r = graph(&sim, &token, Method::GET, "/applications?$top=lots", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(&sim, &token, Method::GET, "/applications/not-a-guid", None).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(
        r.body["error"]["message"],
        "Invalid object identifier 'not-a-guid'."
    );
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        "/directory/deletedItems/nope",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(&sim, &token, Method::GET, "/groups", None).await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "BadRequest");
    let r = graph(&sim, &token, Method::PUT, "/applications", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/applications(displayName='x')",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/servicePrincipals(appId='44444444-4444-4444-4444-444444444444')",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/organization/{}", sim.startup().tenant_id),
        None,
    )
    .await;
    assert_eq!(
        r.body["@odata.context"],
        format!("{}/v1.0/$metadata#organization/$entity", sim.origin())
    );
    let r = graph(&sim, &token, Method::GET, "/me/transitiveMemberOf", None).await;
    assert_eq!(
        r.body["value"][0]["@odata.type"],
        "#microsoft.graph.directoryRole"
    );
    // Headers: request-id always; client-request-id echoed.
    let r = graph_h(
        &sim,
        &token,
        Method::GET,
        "/me",
        None,
        &[("client-request-id", "cr-1")],
    )
    .await;
    assert_eq!(r.headers["client-request-id"], "cr-1");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json;odata.metadata=minimal"));
    assert!(uuid::Uuid::parse_str(r.headers["request-id"].to_str().unwrap()).is_ok());
    let r = graph_h(
        &sim,
        &token,
        Method::GET,
        "/nope",
        None,
        &[("client-request-id", "cr-2")],
    )
    .await;
    assert_eq!(r.body["error"]["innerError"]["client-request-id"], "cr-2");
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

#[tokio::test]
async fn restore_and_revoke() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &token).await;
    let (app, sp) = create_app_and_sp(&sim, &token).await;
    let g = grant(&sim, &token, &graph_sp, sp["id"].as_str().unwrap()).await;
    let id = app["id"].as_str().unwrap();
    graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    assert!(sim.snapshot().app_role_assignments.is_empty());
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/directory/deletedItems/{id}/restore"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["@odata.type"], "#microsoft.graph.application");
    let snap = sim.snapshot();
    assert_eq!(
        (
            snap.applications.len(),
            snap.service_principals.len(),
            snap.app_role_assignments.len()
        ),
        (1, 2, 1),
        "app, its SP and its grant come back"
    );
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!(
            "/servicePrincipals/{graph_sp}/appRoleAssignedTo/{}",
            g.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.snapshot().app_role_assignments.is_empty());
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo/nope"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{}", sp["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{}", sp["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{graph_sp}"),
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "Microsoft Graph's SP stays"
    );
    // Application Administrator may purge; a plain user may not purge another's app.
    graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    let user = token_for(&sim, USER).await;
    assert_eq!(
        graph(
            &sim,
            &user,
            Method::DELETE,
            &format!("/directory/deletedItems/{id}"),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let aa = token_for(&sim, APP_ADMIN).await;
    assert_eq!(
        graph(
            &sim,
            &aa,
            Method::DELETE,
            &format!("/directory/deletedItems/{id}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
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
