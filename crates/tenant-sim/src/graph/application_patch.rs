//! Validation of a POST/PATCH body on an application: each property Graph lets a client set,
//! checked as Graph checks it; read-only, unknown and unmodelled properties refused (so the
//! emulator never stores a value it could not render validly).

use serde_json::{json, Map, Value};

use super::error::GraphError;

/// Properties of microsoft.graph.application in the v1.0 CSDL (for "does not exist" errors).
const APP_DECLARED: &[&str] = &[
    "id",
    "deletedDateTime",
    "addIns",
    "api",
    "appId",
    "applicationTemplateId",
    "appRoles",
    "authenticationBehaviors",
    "certification",
    "createdByAppId",
    "createdDateTime",
    "defaultRedirectUri",
    "description",
    "disabledByMicrosoftStatus",
    "displayName",
    "groupMembershipClaims",
    "identifierUris",
    "info",
    "isDeviceOnlyAuthSupported",
    "isDisabled",
    "isFallbackPublicClient",
    "keyCredentials",
    "logo",
    "managerApplications",
    "nativeAuthenticationApisEnabled",
    "notes",
    "oauth2RequirePostResponse",
    "optionalClaims",
    "parentalControlSettings",
    "passwordCredentials",
    "publicClient",
    "publisherDomain",
    "requestSignatureVerification",
    "requiredResourceAccess",
    "samlMetadataUrl",
    "serviceManagementReference",
    "servicePrincipalLockConfiguration",
    "signInAudience",
    "spa",
    "tags",
    "tokenEncryptionKeyId",
    "uniqueName",
    "verifiedPublisher",
    "web",
];

fn invalid(prop: &str) -> GraphError {
    GraphError::bad(format!(
        "Invalid value specified for property '{prop}' of resource 'Application'."
    ))
}

fn is_guid(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok() && s.len() == 36)
}

pub(super) fn string_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

/// A validity check for one property value.
type ValueCheck = fn(&Value) -> bool;

fn merge_object(
    doc: &mut Map<String, Value>,
    prop: &str,
    v: &Value,
    allowed: &[(&str, ValueCheck)],
) -> Result<(), GraphError> {
    let Value::Object(patch) = v else {
        return Err(invalid(prop));
    };
    let mut cur = doc
        .get(prop)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, val) in patch {
        let Some((_, check)) = allowed.iter().find(|(n, _)| n == k) else {
            return Err(GraphError::bad(format!(
                "Property '{k}' does not exist as a declared property or extension property."
            )));
        };
        if !check(val) {
            return Err(invalid(&format!("{prop}.{k}")));
        }
        cur.insert(k.clone(), val.clone());
    }
    doc.insert(prop.to_string(), Value::Object(cur));
    Ok(())
}

pub(super) fn nullable_string(v: &Value) -> bool {
    v.is_null() || v.is_string()
}
fn nullable_bool(v: &Value) -> bool {
    v.is_null() || v.is_boolean()
}
fn uri_array(v: &Value) -> bool {
    string_array(v)
        && v.as_array().is_some_and(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .all(|s| url::Url::parse(s).is_ok())
        })
}
fn implicit_grant(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.iter().all(|(k, v)| {
            matches!(
                k.as_str(),
                "enableAccessTokenIssuance" | "enableIdTokenIssuance"
            ) && nullable_bool(v)
        })
    })
}
fn nullable_int(v: &Value) -> bool {
    v.is_null() || v.is_i64()
}
fn permission_scopes(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter().all(|s| {
            s.as_object().is_some_and(|o| {
                is_guid(o.get("id").unwrap_or(&Value::Null))
                    && o.iter().all(|(k, v)| match k.as_str() {
                        "id" => true,
                        "isEnabled" => v.is_boolean(),
                        "adminConsentDescription"
                        | "adminConsentDisplayName"
                        | "origin"
                        | "type"
                        | "userConsentDescription"
                        | "userConsentDisplayName"
                        | "value" => nullable_string(v),
                        _ => false,
                    })
            })
        })
    })
}
fn guid_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(is_guid))
}
fn empty_array(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// Applies a POST/PATCH body to an application's properties, refusing what Graph refuses and
/// what this emulator does not model (so it never stores a value it could not render validly).
pub(super) fn apply_app_patch(
    doc: &mut Map<String, Value>,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), GraphError> {
    for (name, value) in body {
        apply_property(doc, name, value, creating)?;
    }
    Ok(())
}

fn apply_property(
    doc: &mut Map<String, Value>,
    name: &str,
    value: &Value,
    creating: bool,
) -> Result<(), GraphError> {
    let checked: fn(&Value) -> bool = match name {
        "@odata.type" => return Ok(()),
        "displayName" => |v| v.as_str().is_some_and(|s| !s.trim().is_empty()),
        "signInAudience" => |v| {
            matches!(
                v.as_str(),
                Some(
                    "AzureADMyOrg"
                        | "AzureADMultipleOrgs"
                        | "AzureADandPersonalMicrosoftAccount"
                        | "PersonalMicrosoftAccount"
                )
            )
        },
        "isFallbackPublicClient" | "isDeviceOnlyAuthSupported" => nullable_bool,
        "description" | "notes" | "serviceManagementReference" | "groupMembershipClaims" => {
            nullable_string
        }
        "tags" | "identifierUris" => string_array,
        _ => return apply_structured_property(doc, name, value, creating),
    };
    if !checked(value) {
        return Err(invalid(name));
    }
    doc.insert(name.to_string(), value.clone());
    Ok(())
}

/// Properties with inner structure, and those that may not be set at all.
fn apply_structured_property(
    doc: &mut Map<String, Value>,
    name: &str,
    value: &Value,
    creating: bool,
) -> Result<(), GraphError> {
    match name {
        "requiredResourceAccess" => {
            let normalized = required_resource_access(value).ok_or_else(|| invalid(name))?;
            doc.insert(name.to_string(), normalized);
        }
        "appRoles" => {
            let filled = app_roles(value).ok_or_else(|| invalid(name))?;
            doc.insert(name.to_string(), filled);
        }
        // Certificates are not emulated, but clients (azure-cli, Terraform) send the empty list,
        // which Graph accepts.
        "keyCredentials" if empty_array(value) => {
            doc.insert(name.to_string(), json!([]));
        }
        "optionalClaims" => {
            let normalized = optional_claims(value).ok_or_else(|| invalid(name))?;
            doc.insert(name.to_string(), normalized);
        }
        "uniqueName" => set_unique_name(doc, value, creating)?,
        "publicClient" | "spa" => merge_object(doc, name, value, &[("redirectUris", uri_array)])?,
        "web" => {
            merge_object(
                doc,
                name,
                value,
                &[
                    ("redirectUris", uri_array),
                    ("homePageUrl", nullable_string),
                    ("logoutUrl", nullable_string),
                    ("implicitGrantSettings", implicit_grant),
                    ("redirectUriSettings", redirect_uri_settings),
                ],
            )?;
            mirror_redirect_uri_settings(doc);
        }
        "info" => merge_object(
            doc,
            name,
            value,
            &[
                ("logoUrl", nullable_string),
                ("marketingUrl", nullable_string),
                ("privacyStatementUrl", nullable_string),
                ("supportUrl", nullable_string),
                ("termsOfServiceUrl", nullable_string),
            ],
        )?,
        "api" => merge_object(
            doc,
            name,
            value,
            &[
                ("acceptMappedClaims", nullable_bool),
                ("knownClientApplications", guid_array),
                ("requestedAccessTokenVersion", nullable_int),
                ("oauth2PermissionScopes", permission_scopes),
                ("preAuthorizedApplications", empty_array),
            ],
        )?,
        _ => return Err(unsettable(name)),
    }
    Ok(())
}

/// Why a property cannot be set: write-only through an action, read-only, not emulated, unknown.
fn unsettable(name: &str) -> GraphError {
    match name {
        "passwordCredentials" => GraphError::bad(
            "Property 'passwordCredentials' cannot be set with POST or PATCH on an application; use the addPassword action.",
        ),
        "id" | "appId" | "createdDateTime" | "publisherDomain" | "deletedDateTime" => {
            GraphError::bad(format!("Property '{name}' is read-only and cannot be set."))
        }
        other if APP_DECLARED.contains(&other) => GraphError::bad(format!(
            "tenant-sim does not emulate setting property '{other}' of resource 'Application'."
        )),
        other => GraphError::bad(format!(
            "Property '{other}' does not exist as a declared property or extension property."
        )),
    }
}

/// `requiredResourceAccess`, each entry reduced to `resourceAppId` and `resourceAccess`
/// (`id` a GUID, `type` Role or Scope); None when malformed.
fn required_resource_access(value: &Value) -> Option<Value> {
    let mut out = Vec::new();
    for entry in value.as_array()? {
        let app_id = entry.get("resourceAppId").and_then(Value::as_str)?;
        let mut accesses = Vec::new();
        for access in entry.get("resourceAccess").and_then(Value::as_array)? {
            let id = access.get("id").filter(|i| is_guid(i))?;
            let kind = access
                .get("type")
                .and_then(Value::as_str)
                .filter(|t| matches!(*t, "Role" | "Scope"))?;
            accesses.push(json!({"id": id, "type": kind}));
        }
        out.push(json!({"resourceAppId": app_id, "resourceAccess": accesses}));
    }
    Some(Value::Array(out))
}

/// webApplication's `redirectUriSettings` in the v1.0 schema: a collection of
/// `{index Int32 (nullable), uri String}`. Clients that read an app and write `web` back (as
/// this wizard's engine does) send it along.
fn redirect_uri_settings(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter().all(|s| {
            s.as_object().is_some_and(|o| {
                o.iter().all(|(k, v)| match k.as_str() {
                    "uri" => nullable_string(v),
                    "index" => nullable_int(v),
                    _ => false,
                })
            })
        })
    })
}

/// `web.redirectUriSettings` follows `web.redirectUris`: one `{uri, index}` per URI, the index
/// kept from a setting given for that URI, else null, as Graph answers.
fn mirror_redirect_uri_settings(doc: &mut Map<String, Value>) {
    let Some(Value::Object(web)) = doc.get_mut("web") else {
        return;
    };
    let given = web
        .get("redirectUriSettings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let index_of = |uri: &Value| {
        given
            .iter()
            .find(|s| s.get("uri") == Some(uri))
            .and_then(|s| s.get("index").cloned())
            .unwrap_or(Value::Null)
    };
    let settings: Vec<Value> = web
        .get("redirectUris")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|uri| json!({"uri": uri, "index": index_of(uri)}))
        .collect();
    web.insert("redirectUriSettings".into(), Value::Array(settings));
}

/// `optionalClaims` (the optionalClaims resource: `idToken`, `accessToken`, `saml2Token`, each a
/// collection of optionalClaim `{name, source, essential, additionalProperties}`, `name`
/// required), rendered with every collection and member present as Graph returns them; None when
/// malformed. `null` clears it.
fn optional_claims(value: &Value) -> Option<Value> {
    if value.is_null() {
        return Some(Value::Null);
    }
    let given = value.as_object()?;
    let mut out = Map::new();
    for kind in ["accessToken", "idToken", "saml2Token"] {
        let claims = match given.get(kind) {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => v
                .as_array()?
                .iter()
                .map(optional_claim)
                .collect::<Option<Vec<Value>>>()?,
        };
        out.insert(kind.to_string(), Value::Array(claims));
    }
    given
        .keys()
        .all(|k| {
            matches!(
                k.as_str(),
                "accessToken" | "idToken" | "saml2Token" | "@odata.type"
            )
        })
        .then_some(Value::Object(out))
}

fn optional_claim(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    let valid = o.iter().all(|(k, v)| match k.as_str() {
        "name" => v.as_str().is_some_and(|s| !s.is_empty()),
        "source" => nullable_string(v),
        "essential" => v.is_boolean(),
        "additionalProperties" => string_array(v),
        _ => false,
    });
    (valid && o.contains_key("name")).then(|| {
        json!({
            "additionalProperties": o.get("additionalProperties").cloned().unwrap_or_else(|| json!([])),
            "essential": o.get("essential").cloned().unwrap_or(json!(false)),
            "name": o["name"],
            "source": o.get("source").cloned().unwrap_or(Value::Null),
        })
    })
}

/// `appRoles` with `isEnabled` defaulted to true and `origin` "Application" (the appRole page:
/// `origin` "Specifies if the app role is defined on the application object or on the
/// servicePrincipal entity … Read-only"; Graph answers "Application" on an application);
/// None when malformed.
fn app_roles(value: &Value) -> Option<Value> {
    let valid = value.as_array()?.iter().all(|role| {
        role.as_object().is_some_and(|o| {
            is_guid(o.get("id").unwrap_or(&Value::Null))
                && o.get("allowedMemberTypes").is_some_and(string_array)
                && o.iter().all(|(k, v)| match k.as_str() {
                    "id" | "allowedMemberTypes" => true,
                    "isEnabled" => v.is_boolean(),
                    "description" | "displayName" | "origin" | "value" => nullable_string(v),
                    _ => false,
                })
        })
    });
    if !valid {
        return None;
    }
    let filled = value
        .as_array()
        .into_iter()
        .flatten()
        .map(|role| {
            let mut role = role.clone();
            if role.get("isEnabled").is_none() {
                role["isEnabled"] = json!(true);
            }
            role["origin"] = json!("Application");
            role
        })
        .collect();
    Some(Value::Array(filled))
}

/// `uniqueName` may be set once, when creating; setting the same value again is a no-op.
fn set_unique_name(
    doc: &mut Map<String, Value>,
    value: &Value,
    creating: bool,
) -> Result<(), GraphError> {
    let current = doc
        .get("uniqueName")
        .and_then(Value::as_str)
        .map(str::to_string);
    match (creating, current, value.as_str()) {
        (_, Some(c), Some(n)) if c.eq_ignore_ascii_case(n) => {}
        (true, None, Some(n)) if !n.is_empty() => {
            doc.insert("uniqueName".into(), json!(n));
        }
        _ => {
            return Err(GraphError::bad(
                "Property 'uniqueName' is immutable once set.",
            ))
        }
    }
    Ok(())
}
