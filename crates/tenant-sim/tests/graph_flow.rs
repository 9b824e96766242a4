//! Microsoft Graph v1.0: the wizard's whole flow as a Global Administrator, and the errors
//! replication delays produce.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenant_sim::Scenario;

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
