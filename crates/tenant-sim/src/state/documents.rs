//! The property sets Graph returns for a new application, a new service principal, and
//! Microsoft Graph's own service principal.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::{graph_time, obj, App};
use crate::catalog::{self, GRAPH_APP_ID, MICROSOFT_SERVICES_TENANT};

/// A new application's property set, as Graph returns it after `POST /applications`.
///
/// Defaults follow the application resource page
/// (<https://learn.microsoft.com/graph/api/resources/application?view=graph-rest-1.0>):
/// `signInAudience` "AzureADMyOrg (default)"; `servicePrincipalLockConfiguration` "`null` by
/// default"; and the apiApplication page: `requestedAccessTokenVersion` may be `null` ("defaults
/// to 1") and "must be 2" only when the audience includes personal Microsoft accounts
/// ([`default_access_token_version`] applies that once the body is known). The docs' 2019/2022
/// create examples (AzureADandPersonalMicrosoftAccount, version 2) predate today's default.
/// `nativeAuthenticationApisEnabled`, `samlMetadataUrl`, `requestSignatureVerification` and
/// `web.redirectUriSettings` are in the v1.0 schema and in Graph's answers (null, null, null, one
/// `{uri, index: null}` per web redirect URI).
pub fn new_app_doc(
    id: &str,
    app_id: &str,
    created: OffsetDateTime,
    publisher_domain: &str,
) -> Map<String, Value> {
    let mut doc = obj(json!({
        "id": id,
        "deletedDateTime": null,
        "appId": app_id,
        "applicationTemplateId": null,
        "disabledByMicrosoftStatus": null,
        "createdDateTime": graph_time(created),
        "displayName": null,
        "description": null,
        "groupMembershipClaims": null,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": null,
        "isFallbackPublicClient": null,
        "notes": null,
        "publisherDomain": publisher_domain,
        "serviceManagementReference": null,
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "uniqueName": null,
        "defaultRedirectUri": null,
        "certification": null,
        "optionalClaims": null,
        "addIns": [],
        "api": {
            "acceptMappedClaims": null,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": null,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": []
        },
        "appRoles": [],
        "info": empty_info(),
        "keyCredentials": [],
        "parentalControlSettings": {
            "countriesBlockedForMinors": [],
            "legalAgeGroupRule": "Allow"
        },
        "publicClient": { "redirectUris": [] },
        "requiredResourceAccess": [],
        "verifiedPublisher": no_verified_publisher(),
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": [],
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": false,
                "enableIdTokenIssuance": false
            },
            "redirectUriSettings": []
        },
        "spa": { "redirectUris": [] }
    }));
    // Newer v1.0 properties, kept out of the literal above (json!'s recursion limit).
    for newer in [
        "nativeAuthenticationApisEnabled",
        "samlMetadataUrl",
        "requestSignatureVerification",
        "servicePrincipalLockConfiguration",
    ] {
        doc.insert(newer.into(), Value::Null);
    }
    doc
}

/// `api.requestedAccessTokenVersion` of a new app whose body did not set it: 2 when its
/// audience includes personal Microsoft accounts (the apiApplication page: "If signInAudience on
/// the application is configured as AzureADandPersonalMicrosoftAccount or
/// PersonalMicrosoftAccount, the value for this property must be 2"), else null.
pub fn default_access_token_version(doc: &mut Map<String, Value>) {
    let personal = matches!(
        doc.get("signInAudience").and_then(Value::as_str),
        Some("AzureADandPersonalMicrosoftAccount" | "PersonalMicrosoftAccount")
    );
    if let Some(Value::Object(api)) = doc.get_mut("api") {
        if personal
            && api
                .get("requestedAccessTokenVersion")
                .is_none_or(Value::is_null)
        {
            api.insert("requestedAccessTokenVersion".into(), json!(2));
        }
    }
}

/// A new service principal for `app`, as Graph returns it after `POST /servicePrincipals`.
/// (`publisherName` is in Graph's docs example but not in the v1.0 CSDL, so it is left out.)
///
/// `createdDateTime` is not in the v1.0 schema or resource page, but servicePrincipal is an open
/// type and Graph returns it (null for Microsoft's own service principals, see [`graph_sp_doc`]).
pub fn new_sp_doc(
    id: &str,
    app: &App,
    tenant_id: &str,
    created: OffsetDateTime,
) -> Map<String, Value> {
    let name = app.display_name();
    let mut names = vec![Value::String(app.app_id.clone())];
    if let Some(Value::Array(uris)) = app.doc.get("identifierUris") {
        names.extend(uris.iter().cloned());
    }
    sp_doc(SpFacts {
        id,
        app_id: json!(app.app_id),
        display_name: json!(name),
        owner_tenant: json!(tenant_id),
        created: json!(graph_time(created)),
        reply_urls: copied(&app.doc, &["web", "redirectUris"]),
        names: Value::Array(names),
        audience: app
            .doc
            .get("signInAudience")
            .cloned()
            .unwrap_or(Value::Null),
        app_roles: copied(&app.doc, &["appRoles"]),
        scopes: copied(&app.doc, &["api", "oauth2PermissionScopes"]),
    })
}

/// The array at `path` in an app's document (`[]` where there is none), which its new service
/// principal copies.
fn copied(doc: &Map<String, Value>, path: &[&str]) -> Value {
    let first = doc.get(path.first().copied().unwrap_or_default());
    let found = path
        .iter()
        .skip(1)
        .fold(first, |at, k| at.and_then(|v| v.get(k)));
    found.cloned().unwrap_or_else(|| json!([]))
}

/// Microsoft Graph's own service principal, as a tenant has it (Microsoft's, so never created
/// in the tenant: `createdDateTime` null).
pub(super) fn graph_sp_doc(id: &str) -> Map<String, Value> {
    sp_doc(SpFacts {
        id,
        app_id: json!(GRAPH_APP_ID),
        display_name: json!("Microsoft Graph"),
        owner_tenant: json!(MICROSOFT_SERVICES_TENANT),
        created: Value::Null,
        reply_urls: json!([]),
        names: json!([
            "https://canary.graph.microsoft.com",
            "https://graph.microsoft.com",
            "https://ags.windows.net",
            "00000003-0000-0000-c000-000000000000",
            "https://graph.microsoft.us",
            "https://dod-graph.microsoft.us",
            "https://graph.microsoft.com/"
        ]),
        audience: json!("AzureADMultipleOrgs"),
        app_roles: graph_app_roles(),
        scopes: graph_scopes(),
    })
}

/// Microsoft Graph's application permissions (its `appRoles`).
fn graph_app_roles() -> Value {
    let roles = catalog::GRAPH_APP_ROLES.iter().map(|r| {
        json!({
            "allowedMemberTypes": ["Application"],
            "description": r.description,
            "displayName": r.display_name,
            "id": r.id,
            "isEnabled": true,
            "origin": "Application",
            "value": r.value,
        })
    });
    Value::Array(roles.collect())
}

/// Microsoft Graph's delegated permissions (its `oauth2PermissionScopes`).
fn graph_scopes() -> Value {
    let scopes = catalog::GRAPH_SCOPES.iter().map(|(p, ty)| {
        json!({
            "adminConsentDescription": p.description,
            "adminConsentDisplayName": p.display_name,
            "id": p.id,
            "isEnabled": true,
            "type": ty,
            "userConsentDescription": p.description,
            "userConsentDisplayName": p.display_name,
            "value": p.value,
        })
    });
    Value::Array(scopes.collect())
}

/// What sets one service principal's document apart from another's.
struct SpFacts<'a> {
    id: &'a str,
    app_id: Value,
    display_name: Value,
    owner_tenant: Value,
    created: Value,
    reply_urls: Value,
    names: Value,
    audience: Value,
    app_roles: Value,
    scopes: Value,
}

/// A service principal's property set, in Graph's order: `facts`, and what every new one has.
fn sp_doc(facts: SpFacts) -> Map<String, Value> {
    obj(json!({
        "id": facts.id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": facts.display_name,
        "appDescription": null,
        "appId": facts.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": facts.owner_tenant,
        "appRoleAssignmentRequired": false,
        "createdDateTime": facts.created,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": facts.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": facts.reply_urls,
        "servicePrincipalNames": facts.names,
        "servicePrincipalType": "Application",
        "signInAudience": facts.audience,
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": facts.app_roles,
        "info": empty_info(),
        "keyCredentials": [],
        "oauth2PermissionScopes": facts.scopes,
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": no_verified_publisher(),
    }))
}

/// `info` of a new application or service principal: no URLs.
fn empty_info() -> Value {
    json!({
        "logoUrl": null,
        "marketingUrl": null,
        "privacyStatementUrl": null,
        "supportUrl": null,
        "termsOfServiceUrl": null
    })
}

/// `verifiedPublisher` of a new application or service principal: none.
fn no_verified_publisher() -> Value {
    json!({
        "displayName": null,
        "verifiedPublisherId": null,
        "addedDateTime": null
    })
}
