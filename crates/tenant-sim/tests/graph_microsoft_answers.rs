//! Graph answers as Microsoft's own clients and recorded answers see them (issue 19, "tenant-sim
//! against Microsoft's own clients"): create/PATCH accepting `keyCredentials: []` and
//! `optionalClaims`, `appRoles[].origin`, the newer application properties, service principals'
//! `createdDateTime`, today's defaults, `addPassword`'s `Location`, and `servicePrincipalNames/any`.
//! The Microsoft page each test follows is cited on it; excerpts are in tests/data/SOURCES.md.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn create(sim: &tenant_sim::RunningSim, token: &str, body: Value) -> Value {
    let r = graph(sim, token, Method::POST, "/applications", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

async fn get_app(sim: &tenant_sim::RunningSim, token: &str, id: &str) -> Value {
    let r = graph(
        sim,
        token,
        Method::GET,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// azure-cli and Terraform send `keyCredentials: []` and `optionalClaims` on create and update;
/// Graph accepts both (application resource page: `keyCredentials` "Not nullable" collection,
/// `optionalClaims` of type optionalClaims; the optionalClaims page: `idToken`, `accessToken`,
/// `saml2Token` collections of optionalClaim `{name, source, essential, additionalProperties}`).
/// Certificates themselves are still not emulated: a non-empty list is refused.
#[tokio::test]
async fn create_and_patch_accept_empty_key_credentials_and_optional_claims() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let app = create(
        &sim,
        &token,
        json!({
            "displayName": "PMPC Recovery",
            "keyCredentials": [],
            "optionalClaims": {"idToken": [{"name": "upn", "essential": false}]},
        }),
    )
    .await;
    assert_eq!(app["keyCredentials"], json!([]));
    assert_eq!(
        app["optionalClaims"],
        json!({
            "accessToken": [],
            "idToken": [{"additionalProperties": [], "essential": false, "name": "upn", "source": null}],
            "saml2Token": [],
        })
    );
    let id = app["id"].as_str().unwrap();
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/applications/{id}"),
        Some(json!({
            "keyCredentials": [],
            "optionalClaims": {"accessToken": [{"name": "acct", "additionalProperties": ["include_externally_authenticated_upn"]}]},
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let read = get_app(&sim, &token, id).await;
    assert_eq!(
        read["optionalClaims"]["accessToken"][0]["additionalProperties"],
        json!(["include_externally_authenticated_upn"])
    );
    assert_eq!(read["optionalClaims"]["idToken"], json!([]));
    for bad in [
        json!({"optionalClaims": {"idToken": [{"essential": true}]}}),
        json!({"optionalClaims": {"refreshToken": []}}),
        json!({"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": "AA=="}]}),
    ] {
        let r = graph(
            &sim,
            &token,
            Method::PATCH,
            &format!("/applications/{id}"),
            Some(bad.clone()),
        )
        .await;
        assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_BadRequest");
    }
}

/// The appRole page: `origin` "Specifies if the app role is defined on the application object
/// or on the servicePrincipal entity. Must not be included in any POST or PATCH requests.
/// Read-only." Graph fills it: "Application" on an application (the Get servicePrincipal page's
/// example shows Microsoft Graph's roles with `"origin": "Application"`).
#[tokio::test]
async fn app_roles_origin_is_application() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let role = json!({
        "allowedMemberTypes": ["Application"],
        "description": "Read things",
        "displayName": "Read things",
        "id": "2f0b7a1c-5e3b-4c7d-9a8e-1b2c3d4e5f60",
        "value": "Things.Read",
    });
    let app = create(
        &sim,
        &token,
        json!({"displayName": "With a role", "appRoles": [role]}),
    )
    .await;
    assert_eq!(app["appRoles"][0]["origin"], "Application");
    assert_eq!(app["appRoles"][0]["isEnabled"], true);
    let id = app["id"].as_str().unwrap();
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/applications/{id}"),
        Some(json!({"appRoles": [role]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        get_app(&sim, &token, id).await["appRoles"][0]["origin"],
        "Application"
    );
}

/// The v1.0 application resource page (learn.microsoft.com, 2026) lists
/// `nativeAuthenticationApisEnabled`, `samlMetadataUrl` ("Nullable"),
/// `servicePrincipalLockConfiguration` ("Nullable. `null` by default"),
/// `requestSignatureVerification`, and webApplication's `redirectUriSettings`; Graph returns them
/// all on a new app (null, and one `{uri, index: null}` per web redirect URI).
#[tokio::test]
async fn applications_carry_the_current_property_set() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let app = create(&sim, &token, json!({"displayName": "Props"})).await;
    for name in [
        "nativeAuthenticationApisEnabled",
        "samlMetadataUrl",
        "servicePrincipalLockConfiguration",
        "requestSignatureVerification",
    ] {
        assert_eq!(app.get(name), Some(&Value::Null), "{name} in {app}");
    }
    assert_eq!(app["web"]["redirectUriSettings"], json!([]));
    let id = app["id"].as_str().unwrap();
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/applications/{id}"),
        Some(json!({"web": {"redirectUris": ["https://localhost/signin-oidc"]}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let web = get_app(&sim, &token, id).await["web"].clone();
    assert_eq!(
        web["redirectUriSettings"],
        json!([{"uri": "https://localhost/signin-oidc", "index": null}])
    );
    // A client that read the app writes `web` back whole, settings included (webApplication
    // declares `redirectUriSettings`); the settings follow the URIs.
    let mut written = web.clone();
    written["redirectUris"] = json!(["https://localhost/signin-oidc", "http://localhost"]);
    let r = graph(
        &sim,
        &token,
        Method::PATCH,
        &format!("/applications/{id}"),
        Some(json!({ "web": written })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        get_app(&sim, &token, id).await["web"]["redirectUriSettings"],
        json!([
            {"uri": "https://localhost/signin-oidc", "index": null},
            {"uri": "http://localhost", "index": null},
        ])
    );
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/applications/{id}?$select=samlMetadataUrl,nativeAuthenticationApisEnabled"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

/// Graph returns `createdDateTime` on service principals (null for Microsoft's own). The v1.0
/// servicePrincipal page and schema do not list it; servicePrincipal is an open type
/// (`OpenType="true"` in the CSDL) and the service returns it regardless.
#[tokio::test]
async fn service_principals_carry_created_date_time() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let (_app, sp) = create_app_and_sp(&sim, &token).await;
    let created = sp["createdDateTime"]
        .as_str()
        .unwrap_or_else(|| panic!("{sp}"));
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{created}"
    );
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/servicePrincipals(appId='{GRAPH_APP_ID}')"),
        None,
    )
    .await;
    assert_eq!(
        r.body.get("createdDateTime"),
        Some(&Value::Null),
        "{}",
        r.body
    );
}

/// Defaults on the v1.0 application page: `signInAudience` "The possible values are:
/// `AzureADMyOrg` (default), …"; the apiApplication page: `requestedAccessTokenVersion` "1, 2, or
/// null. If the value is null, this defaults to 1 … If signInAudience on the application is
/// configured as AzureADandPersonalMicrosoftAccount or PersonalMicrosoftAccount, the value for
/// this property must be 2". (The docs' 2019 and 2022 create examples, with
/// AzureADandPersonalMicrosoftAccount and version 2, show the old default.)
#[tokio::test]
async fn defaults_follow_the_application_resource_page() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let plain = create(&sim, &token, json!({"displayName": "No audience"})).await;
    assert_eq!(plain["signInAudience"], "AzureADMyOrg");
    assert_eq!(plain["api"]["requestedAccessTokenVersion"], Value::Null);
    let personal = create(
        &sim,
        &token,
        json!({"displayName": "Personal", "signInAudience": "AzureADandPersonalMicrosoftAccount"}),
    )
    .await;
    assert_eq!(personal["api"]["requestedAccessTokenVersion"], 2);
    let explicit = create(
        &sim,
        &token,
        json!({"displayName": "v2 tokens", "api": {"requestedAccessTokenVersion": 2}}),
    )
    .await;
    assert_eq!(explicit["api"]["requestedAccessTokenVersion"], 2);
}

/// addPassword answers 200 with the passwordCredential (application-addpassword page) and, as
/// Graph does on the application's writes, a `Location` naming the application.
#[tokio::test]
async fn add_password_answers_with_a_location() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let (app, _sp) = create_app_and_sp(&sim, &token).await;
    let id = app["id"].as_str().unwrap();
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/applications/{id}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "PMPC Recovery"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let location = r.headers["location"].to_str().unwrap();
    let tid = &sim.startup().tenant_id;
    assert_eq!(
        location,
        format!(
            "{}/v2/{tid}/directoryObjects/{id}/Microsoft.DirectoryServices.Application",
            sim.origin()
        )
    );
}

/// The servicePrincipal page: `servicePrincipalNames` "The any operator is required for filter
/// expressions on multi-valued properties … Supports `$filter` (`eq`, …)", e.g.
/// `$filter=servicePrincipalNames/any(c:c eq 'https://graph.microsoft.com')` (how azure-cli finds
/// a resource's service principal).
#[tokio::test]
async fn service_principals_filter_by_service_principal_names() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let (app, sp) = create_app_and_sp(&sim, &token).await;
    let find = |name: String| {
        let sim = &sim;
        let token = token.clone();
        async move {
            let filter = format!("servicePrincipalNames/any(c:c eq '{name}')");
            let q = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>();
            let r = graph(
                sim,
                &token,
                Method::GET,
                &format!("/servicePrincipals?$filter={q}&$select=id,appId"),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{filter}: {:?}", r.body);
            r.body["value"].as_array().unwrap().clone()
        }
    };
    let graph_sp = find("https://graph.microsoft.com".into()).await;
    assert_eq!(graph_sp.len(), 1);
    assert_eq!(graph_sp[0]["appId"], GRAPH_APP_ID);
    let ours = find(app["appId"].as_str().unwrap().to_string()).await;
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["id"], sp["id"]);
    assert!(find("https://nothing.example".into()).await.is_empty());
    let r = graph(
        &sim,
        &token,
        Method::GET,
        "/servicePrincipals?$filter=servicePrincipalNames/any(c:d eq 'x')",
        None,
    )
    .await;
    assert_odata_error(&r, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery");
}
