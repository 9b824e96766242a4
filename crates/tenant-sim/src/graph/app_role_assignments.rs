//! App role assignments under a service principal: `appRoleAssignedTo` (grants of its app
//! roles, the resource side) and `appRoleAssignments` (grants it holds, the principal side):
//! list, grant and revoke, with Entra's directory-role rules and replication.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::access::{may_grant_app_role, may_revoke_app_role};
use super::error::GraphError;
use super::lookup::find;
use super::odata::no_content;
use super::{Call, Key};
use crate::permissions::Op;
use crate::state::{Assignment, Sim, Sp, Tenant};

/// Assignment ids look like Entra's: 43 characters of base64url.
pub fn assignment_id(sim: &mut Sim) -> String {
    sim.token(32)
}

/// Is this assignment listed under `sp_id`'s `navigation`?
fn listed_under(assignment: &Assignment, navigation: &str, sp_id: &str) -> bool {
    if navigation == "appRoleAssignedTo" {
        assignment.resource_id == sp_id
    } else {
        assignment.principal_id == sp_id
    }
}

pub(super) fn list(
    sim: &Sim,
    call: &Call,
    key: &Key,
    navigation: &str,
) -> Result<Response, GraphError> {
    call.caller.allow(if navigation == "appRoleAssignedTo" {
        Op::ListAppRoleAssignedTo
    } else {
        Op::ListAppRoleAssignments
    })?;
    let tenant = call.caller.tenant(sim)?;
    let sp = find::<Sp>(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    let items = tenant
        .assignments
        .iter()
        .filter(|a| sim.visible(a.visible_at))
        .filter(|a| listed_under(a, navigation, &sp.id))
        .map(Assignment::json)
        .collect();
    call.request.list(
        &format!("servicePrincipals('{}')/{navigation}", sp.id),
        items,
        "appRoleAssignment",
    )
}

pub(super) fn revoke(
    sim: &mut Sim,
    call: &Call,
    key: &Key,
    navigation: &str,
    assignment_id: &str,
) -> Result<Response, GraphError> {
    call.caller.allow(Op::RevokeAppRole)?;
    let tenant = call.caller.tenant(sim)?;
    let sp = find::<Sp>(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    let found = tenant
        .assignments
        .iter()
        .any(|a| a.id == assignment_id && listed_under(a, navigation, &sp.id));
    if !found {
        return Err(GraphError::not_found(assignment_id));
    }
    if !may_revoke_app_role(tenant, call.caller, sp.is_microsoft_graph()) {
        return Err(GraphError::denied());
    }
    let tenant = call.caller.tenant_mut(sim)?;
    tenant.assignments.retain(|a| a.id != assignment_id);
    Ok(no_content())
}

// ---------------------------------------------------------------- grant

/// The body of a grant: `principalId`, `resourceId`, `appRoleId`.
struct GrantRequest {
    principal_id: String,
    resource_id: String,
    app_role_id: String,
}

impl GrantRequest {
    fn parse(body: &Map<String, Value>) -> Result<Self, GraphError> {
        let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(principal_id), Some(resource_id), Some(app_role_id)) = (
            field("principalId"),
            field("resourceId"),
            field("appRoleId"),
        ) else {
            return Err(GraphError::bad("Invalid value specified for property 'principalId', 'resourceId' or 'appRoleId' of resource 'AppRoleAssignment'."));
        };
        Ok(Self {
            principal_id,
            resource_id,
            app_role_id,
        })
    }
}

/// `POST /servicePrincipals/{id}/appRoleAssignedTo` (or `appRoleAssignments`).
pub(super) fn grant(
    sim: &mut Sim,
    call: &Call,
    key: &Key,
    navigation: &str,
) -> Result<Response, GraphError> {
    let body = call.request.json_body()?;
    // AppRoleAssignment.ReadWrite.All *and* Application.Read.All (or higher).
    call.caller.allow(Op::GrantAppRole)?;
    let grant = GrantRequest::parse(&body)?;
    let now = sim.clock.now();
    let wall = sim.clock.wall();
    let tenant = call.caller.tenant(sim)?;
    let path_sp = find::<Sp>(sim, tenant, key).ok_or_else(|| GraphError::not_found(&key.1))?;
    let path_id = path_sp.id.clone();
    check_path_matches_body(navigation, &path_id, &grant)?;
    let resource = visible_resource(tenant, &grant.resource_id, now)?;
    let (principal_type, principal_name) = principal_of(tenant, &grant.principal_id, now)?;
    check_grantable(tenant, call, resource, &grant)?;
    let resource_name = resource.display_name();
    let resource_id = resource.id.clone();
    let assignment = Assignment {
        id: assignment_id(sim),
        app_role_id: grant.app_role_id.to_ascii_lowercase(),
        principal_id: grant.principal_id.to_ascii_lowercase(),
        principal_type: principal_type.into(),
        principal_display_name: principal_name,
        resource_id,
        resource_display_name: resource_name,
        created: wall,
        visible_at: sim.new_visible_at(),
        effective_at: now + sim.scenario.role_propagation_delay,
    };
    let properties = assignment.json();
    call.caller.tenant_mut(sim)?.assignments.push(assignment);
    call.request.entity(
        &format!("servicePrincipals('{path_id}')/{navigation}"),
        properties,
        "appRoleAssignment",
        StatusCode::CREATED,
    )
}

/// The service principal in the path is the resource (`appRoleAssignedTo`) or the principal
/// (`appRoleAssignments`) of the body.
fn check_path_matches_body(
    navigation: &str,
    path_id: &str,
    grant: &GrantRequest,
) -> Result<(), GraphError> {
    let body_id = if navigation == "appRoleAssignedTo" {
        &grant.resource_id
    } else {
        &grant.principal_id
    };
    if body_id.eq_ignore_ascii_case(path_id) {
        Ok(())
    } else {
        Err(GraphError::bad(
            "The service principal in the request URL does not match the one in the request body.",
        ))
    }
}

/// The resource service principal, once replicated.
fn visible_resource<'a>(
    tenant: &'a Tenant,
    resource_id: &str,
    now: std::time::Instant,
) -> Result<&'a Sp, GraphError> {
    tenant
        .sps
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(resource_id))
        .filter(|s| now >= s.visible_at)
        .ok_or_else(|| GraphError::not_found(resource_id))
}

/// The principal: a service principal (the usual case, once replicated) or a user; its type and
/// display name.
fn principal_of(
    tenant: &Tenant,
    principal_id: &str,
    now: std::time::Instant,
) -> Result<(&'static str, String), GraphError> {
    let invalid = || GraphError::bad("Not a valid reference update.");
    match tenant
        .sps
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(principal_id))
    {
        Some(sp) if now < sp.visible_at => Err(invalid()),
        Some(sp) => Ok(("ServicePrincipal", sp.display_name())),
        None => match tenant.user(principal_id) {
            Some(user) => Ok(("User", user.display_name.clone())),
            None => Err(invalid()),
        },
    }
}

/// The app role exists on the resource, the caller may grant it, and it is not granted yet.
fn check_grantable(
    tenant: &Tenant,
    call: &Call,
    resource: &Sp,
    grant: &GrantRequest,
) -> Result<(), GraphError> {
    if !resource
        .app_role_ids()
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&grant.app_role_id))
    {
        return Err(GraphError::bad(format!(
            "Permission being assigned was not found on application '{}'.",
            resource.id
        )));
    }
    if !may_grant_app_role(tenant, call.caller, resource.is_microsoft_graph()) {
        return Err(GraphError::denied());
    }
    let exists = tenant.assignments.iter().any(|a| {
        a.principal_id.eq_ignore_ascii_case(&grant.principal_id)
            && a.resource_id == resource.id
            && a.app_role_id.eq_ignore_ascii_case(&grant.app_role_id)
    });
    if exists {
        return Err(GraphError::bad(
            "Permission being assigned already exists on the object",
        ));
    }
    Ok(())
}
