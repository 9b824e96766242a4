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
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "parentalControlSettings": {
            "countriesBlockedForMinors": [],
            "legalAgeGroupRule": "Allow"
        },
        "publicClient": { "redirectUris": [] },
        "requiredResourceAccess": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        },
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
    let app_roles = app
        .doc
        .get("appRoles")
        .cloned()
        .unwrap_or_else(|| json!([]));
    let scopes = app
        .doc
        .get("api")
        .and_then(|a| a.get("oauth2PermissionScopes"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let reply = app
        .doc
        .get("web")
        .and_then(|w| w.get("redirectUris"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let mut names = vec![Value::String(app.app_id.clone())];
    if let Some(Value::Array(uris)) = app.doc.get("identifierUris") {
        names.extend(uris.iter().cloned());
    }
    obj(json!({
        "id": id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": name,
        "appDescription": null,
        "appId": app.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": tenant_id,
        "appRoleAssignmentRequired": false,
        "createdDateTime": graph_time(created),
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": reply,
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": app.doc.get("signInAudience").cloned().unwrap_or(Value::Null),
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": scopes,
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        },
    }))
}

pub(super) fn graph_sp_doc(id: &str) -> Map<String, Value> {
    let app_roles: Vec<Value> = catalog::GRAPH_APP_ROLES
        .iter()
        .map(|r| {
            json!({
                "allowedMemberTypes": ["Application"],
                "description": r.description,
                "displayName": r.display_name,
                "id": r.id,
                "isEnabled": true,
                "origin": "Application",
                "value": r.value,
            })
        })
        .collect();
    let scopes: Vec<Value> = catalog::GRAPH_SCOPES
        .iter()
        .map(|(p, ty)| {
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
        })
        .collect();
    obj(json!({
        "id": id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": "Microsoft Graph",
        "appDescription": null,
        "appId": GRAPH_APP_ID,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": MICROSOFT_SERVICES_TENANT,
        "appRoleAssignmentRequired": false,
        "createdDateTime": null,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": "Microsoft Graph",
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": [],
        "servicePrincipalNames": [
            "https://canary.graph.microsoft.com",
            "https://graph.microsoft.com",
            "https://ags.windows.net",
            "00000003-0000-0000-c000-000000000000",
            "https://graph.microsoft.us",
            "https://dod-graph.microsoft.us",
            "https://graph.microsoft.com/"
        ],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": scopes,
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        }
    }))
}
