//! The directory around the caller: `/me`, `/users/{id or upn}`, their `memberOf` and
//! `transitiveMemberOf` (directory roles, with "limited information"), `/organization`, the
//! signed-in user's PIM-eligible roles, and `/auditLogs/directoryAudits`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::error::GraphError;
use super::odata::key_segment;
use super::Call;
use crate::catalog::{self, DirectoryRoleDef};
use crate::permissions::{self, Op};
use crate::state::{graph_time, obj, sha256, Sim, Tenant, User};

/// `/me/…`: the signed-in user (delegated tokens only).
pub(super) fn me(sim: &Sim, call: &Call, rest: &[&str]) -> Result<Response, GraphError> {
    let Some(user_id) = call.caller.user_id().map(str::to_string) else {
        return Err(GraphError::odata(
            "/me request is only valid with delegated authentication flow.",
        ));
    };
    user_paths(sim, call, &user_id, rest)
}

/// `/users/{id or userPrincipalName}/…`.
pub(super) fn user(
    sim: &Sim,
    call: &Call,
    id_or_upn: &str,
    rest: &[&str],
) -> Result<Response, GraphError> {
    let tenant = call.caller.tenant(sim)?;
    let user_id = tenant
        .users
        .iter()
        .find(|u| u.id.eq_ignore_ascii_case(id_or_upn) || u.upn.eq_ignore_ascii_case(id_or_upn))
        .map(|u| u.id.clone())
        .ok_or_else(|| GraphError::not_found(id_or_upn))?;
    user_paths(sim, call, &user_id, rest)
}

fn user_paths(
    sim: &Sim,
    call: &Call,
    user_id: &str,
    rest: &[&str],
) -> Result<Response, GraphError> {
    call.expect_get()?;
    let tenant = call.caller.tenant(sim)?;
    let user = tenant
        .user(user_id)
        .ok_or_else(|| GraphError::not_found(user_id))?;
    let own = call.caller.user_id() == Some(user_id);
    match rest {
        [] => {
            call.caller
                .allow(if own { Op::GetMe } else { Op::GetUser })?;
            // Graph returns a default property set; `$select` reaches the others.
            let properties = if call.request.query.select.is_some() {
                tenant.user_json_full(user)
            } else {
                tenant.user_json(user)
            };
            call.request
                .entity("users", properties, "user", StatusCode::OK)
        }
        [navigation @ ("transitiveMemberOf" | "memberOf"), cast @ ..] => {
            call.caller.allow(if own {
                Op::ListMyMemberships
            } else {
                Op::ListUserMemberships
            })?;
            memberships(tenant, call, user, navigation, cast)
        }
        [segment, ..] => Err(GraphError::segment_not_found(segment)),
    }
}

/// `memberOf` / `transitiveMemberOf`, optionally cast to `microsoft.graph.directoryRole`.
fn memberships(
    tenant: &Tenant,
    call: &Call,
    user: &User,
    navigation: &str,
    cast: &[&str],
) -> Result<Response, GraphError> {
    let set = match cast {
        [] => "directoryObjects",
        ["microsoft.graph.directoryRole"] => "directoryRoles",
        [other, ..] => return Err(GraphError::segment_not_found(other)),
    };
    // Graph documents the OData cast on transitiveMemberOf as an advanced query:
    // ConsistencyLevel: eventual and $count=true are required.
    if navigation == "transitiveMemberOf" && !cast.is_empty() && !call.request.advanced_query() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            "Unsupported Query. An OData cast on transitiveMemberOf needs the ConsistencyLevel: eventual header and $count=true.",
        ));
    }
    // "Limited information": directoryRole entries the caller cannot read come back with
    // only their id and type, every other property null.
    let readable = call.caller.holds_any(permissions::READ_DIRECTORY_ROLES);
    let roles = user
        .roles
        .iter()
        .filter_map(|r| tenant.directory_role_json(r))
        .map(|m| if readable { m } else { limited(m) })
        .collect();
    call.request.list(set, roles, "directoryRole")
}

/// A directory object as Graph returns it to a caller without permission to read its type:
/// `@odata.type` and `id`, the rest null
/// (<https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>).
fn limited(properties: Map<String, Value>) -> Map<String, Value> {
    properties
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "id" | "@odata.type" => (k, v),
            _ => (k, Value::Null),
        })
        .collect()
}

/// `GET /organization` and `GET /organization/{id}`.
pub(super) fn organization(sim: &Sim, call: &Call, rest: &[&str]) -> Result<Response, GraphError> {
    call.expect_get()?;
    call.caller.allow(Op::GetOrganization)?;
    let tenant = call.caller.tenant(sim)?;
    // With User.Read alone only id, displayName and verifiedDomains are populated.
    let full = call.caller.holds_any(&[
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ]);
    let org = if full {
        tenant.organization_json()
    } else {
        basic_org(tenant.organization_json())
    };
    match rest {
        [] => call.request.list("organization", vec![org], "organization"),
        [id] if id.eq_ignore_ascii_case(&tenant.id) => {
            call.request
                .entity("organization", org, "organization", StatusCode::OK)
        }
        [id] => Err(GraphError::not_found(id)),
        [_, segment, ..] => Err(GraphError::segment_not_found(segment)),
    }
}

/// What a User.Read caller sees of the organization: the rest nulled (collections emptied).
fn basic_org(properties: Map<String, Value>) -> Map<String, Value> {
    properties
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "id" | "displayName" | "verifiedDomains" => (k, v),
            _ if v.is_array() => (k, json!([])),
            _ => (k, Value::Null),
        })
        .collect()
}

/// `GET /auditLogs/directoryAudits`: always empty here.
pub(super) fn directory_audits(call: &Call) -> Result<Response, GraphError> {
    call.expect_get()?;
    call.caller.allow(Op::ListDirectoryAudits)?;
    call.request
        .list("auditLogs/directoryAudits", vec![], "directoryAudit")
}

// ---------------------------------------------------------------- PIM-eligible roles

/// `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`:
/// the signed-in user's PIM-eligible roles
/// (<https://learn.microsoft.com/graph/api/unifiedroleeligibilityscheduleinstance-filterbycurrentuser>),
/// with `$expand=roleDefinition` and `$select`.
pub(super) fn my_eligible_roles(
    sim: &Sim,
    call: &Call,
    function: &str,
) -> Result<Response, GraphError> {
    call.expect_get()?;
    let on = key_segment(function).1.map(|(_, v)| v);
    if on.as_deref() != Some("principal") {
        return Err(GraphError::odata(
            "The parameter 'on' of function 'filterByCurrentUser' must be 'principal'.",
        ));
    }
    call.caller.allow(Op::ListMyEligibleRoles)?;
    let expand_definition = expands_role_definition(call.request.query.expand.as_deref())?;
    let tenant = call.caller.tenant(sim)?;
    let user = call.caller.user_id().and_then(|id| tenant.user(id));
    let user_id = user.map(|u| u.id.clone()).unwrap_or_default();
    let items = user
        .map(|u| u.eligible_roles.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|role| catalog::directory_role(role))
        .map(|role| {
            let mut instance = eligibility_instance(tenant, &user_id, role);
            if expand_definition {
                instance.insert("roleDefinition".into(), role_definition(role));
            }
            instance
        })
        .collect();
    call.request.list(
        "Collection(unifiedRoleEligibilityScheduleInstance)",
        items,
        "unifiedRoleEligibilityScheduleInstance",
    )
}

/// `$expand`: only `roleDefinition` is served.
fn expands_role_definition(expand: Option<&str>) -> Result<bool, GraphError> {
    match expand {
        None => Ok(false),
        Some(e) if e.split(',').all(|x| x.trim() == "roleDefinition") => Ok(true),
        Some(e) => Err(GraphError::odata(format!("Could not find a property named '{e}' on type 'microsoft.graph.unifiedRoleEligibilityScheduleInstance' that tenant-sim can expand."))),
    }
}

/// A unifiedRoleEligibilityScheduleInstance with stable ids derived from user and role, in
/// Graph's shapes.
fn eligibility_instance(
    tenant: &Tenant,
    user_id: &str,
    role: &DirectoryRoleDef,
) -> Map<String, Value> {
    let hash = sha256(&format!("{user_id}|{}", role.template_id));
    let schedule_id = uuid::Builder::from_random_bytes(hash[..16].try_into().unwrap_or([0; 16]))
        .into_uuid()
        .to_string();
    let instance_id = {
        use base64::Engine;
        format!(
            "{}-1-e",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash[..32])
        )
    };
    obj(json!({
        "@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance",
        "id": instance_id,
        "principalId": user_id,
        "roleDefinitionId": role.template_id,
        "directoryScopeId": "/",
        "appScopeId": null,
        "startDateTime": graph_time(tenant.created),
        "endDateTime": null,
        "memberType": "Direct",
        "roleEligibilityScheduleId": schedule_id,
    }))
}

fn role_definition(role: &DirectoryRoleDef) -> Value {
    json!({
        "id": role.template_id,
        "description": role.description,
        "displayName": role.display_name,
        "isBuiltIn": true,
        "isEnabled": true,
        "resourceScopes": ["/"],
        "templateId": role.template_id,
        "version": "1",
        "rolePermissions": [],
    })
}
