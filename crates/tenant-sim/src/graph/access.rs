//! Who is calling and what they may do: the bearer token's principal (a user with delegated
//! scopes, or an app with app roles), the permission table's check (`permissions.rs`), and
//! Entra's directory-role rules for managing apps, service principals and grants.

use axum::http::{header, HeaderMap};
use serde_json::Value;

use super::error::GraphError;
use crate::catalog::{self, GRAPH_APP_ID};
use crate::permissions::{self, Op};
use crate::state::{App, Sim, Tenant};

#[derive(Debug, Clone)]
pub(super) enum Principal {
    User {
        user_id: String,
        scopes: Vec<String>,
    },
    App {
        sp_id: String,
        roles: Vec<String>,
    },
}

/// The authenticated caller of a Graph request.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    pub tenant_id: String,
    pub principal: Principal,
}

impl Caller {
    /// The caller's permissions: delegated scopes or app roles.
    fn granted(&self) -> &[String] {
        match &self.principal {
            Principal::User { scopes, .. } => scopes,
            Principal::App { roles, .. } => roles,
        }
    }

    /// 403 `Authorization_RequestDenied` unless the token allows `op` (see `permissions.rs`).
    pub fn allow(&self, op: Op) -> Result<(), GraphError> {
        let row = permissions::of(op);
        let need = match self.principal {
            Principal::User { .. } => row.delegated,
            Principal::App { .. } => row.application,
        };
        if permissions::satisfies(need, self.granted()) {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }

    /// Whether the caller may read any of `perms` (no 403: for "limited information" decisions).
    pub fn holds_any(&self, perms: &[&str]) -> bool {
        permissions::satisfies(&[perms], self.granted())
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            Principal::App { .. } => None,
        }
    }

    pub fn is_app(&self) -> bool {
        matches!(self.principal, Principal::App { .. })
    }

    /// Who becomes owner of an object the caller creates: the user, or the calling app's SP.
    pub fn owner_id(&self) -> &str {
        match &self.principal {
            Principal::User { user_id, .. } => user_id,
            Principal::App { sp_id, .. } => sp_id,
        }
    }

    /// The directory roles (template ids) of a calling user; none for an app.
    fn user_roles(&self, tenant: &Tenant) -> Vec<String> {
        match &self.principal {
            Principal::User { user_id, .. } => tenant
                .user(user_id)
                .map(|u| u.roles.clone())
                .unwrap_or_default(),
            Principal::App { .. } => vec![],
        }
    }

    /// The caller's tenant.
    pub fn tenant<'a>(&self, sim: &'a Sim) -> Result<&'a Tenant, GraphError> {
        sim.tenant(&self.tenant_id).ok_or_else(invalid_tenant)
    }

    pub fn tenant_mut<'a>(&self, sim: &'a mut Sim) -> Result<&'a mut Tenant, GraphError> {
        sim.tenant_mut(&self.tenant_id).ok_or_else(invalid_tenant)
    }
}

fn invalid_tenant() -> GraphError {
    GraphError::unauthorized("Access token validation failure. Invalid tenant.")
}

// ---------------------------------------------------------------- authentication

/// The bearer token's caller, or 401 `InvalidAuthenticationToken` as Graph answers.
pub(super) fn authenticate(sim: &Sim, headers: &HeaderMap) -> Result<Caller, GraphError> {
    let token = bearer_token(headers)?;
    let claims = sim.verify(token).map_err(|e| {
        if e == "expired" {
            GraphError::unauthorized("Lifetime validation failed, the token is expired.")
        } else {
            GraphError::unauthorized(
                "Access token validation failure. Invalid signature or malformed token.",
            )
        }
    })?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    if !matches!(
        claim("aud"),
        "https://graph.microsoft.com" | "https://graph.microsoft.com/" | GRAPH_APP_ID
    ) {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    let tenant_id = claim("tid");
    let tenant = sim.tenant(tenant_id).ok_or_else(invalid_tenant)?;
    Ok(Caller {
        tenant_id: tenant_id.into(),
        principal: principal_of(tenant, &claims)?,
    })
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, GraphError> {
    let empty = || GraphError::unauthorized("Access token is empty.");
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(empty)?;
    let token = authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("bearer "))
        .unwrap_or("")
        .trim();
    if token.is_empty() {
        return Err(empty());
    }
    Ok(token)
}

/// An app-only token (`idtyp` app) names a service principal; any other token a user.
fn principal_of(tenant: &Tenant, claims: &Value) -> Result<Principal, GraphError> {
    let oid = claims
        .get("oid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if claims.get("idtyp").and_then(Value::as_str) == Some("app") {
        if !tenant.sps.iter().any(|s| s.id == oid) {
            return Err(GraphError::unauthorized(
                "Access token validation failure. The service principal no longer exists.",
            ));
        }
        let roles = claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Principal::App {
            sp_id: oid.into(),
            roles,
        });
    }
    if tenant.user(oid).is_none() {
        return Err(GraphError::unauthorized(
            "Access token validation failure. The user no longer exists.",
        ));
    }
    let scopes = claims
        .get("scp")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok(Principal::User {
        user_id: oid.into(),
        scopes,
    })
}

// ---------------------------------------------------------------- directory roles

fn has_any(roles: &[String], wanted: &[&str]) -> bool {
    roles
        .iter()
        .any(|r| wanted.iter().any(|w| r.eq_ignore_ascii_case(w)))
}

const APP_ADMIN_ROLES: &[&str] = &[
    catalog::GLOBAL_ADMINISTRATOR,
    catalog::APPLICATION_ADMINISTRATOR,
    catalog::CLOUD_APPLICATION_ADMINISTRATOR,
];

const GRAPH_APP_ROLE_GRANTERS: &[&str] = &[
    catalog::GLOBAL_ADMINISTRATOR,
    catalog::PRIVILEGED_ROLE_ADMINISTRATOR,
];

/// May the caller manage this app (admin role or owner)? App-only callers need the app role.
pub(super) fn may_manage(tenant: &Tenant, caller: &Caller, owners: &[String]) -> bool {
    match &caller.principal {
        Principal::App { .. } => true,
        Principal::User { user_id, .. } => {
            has_any(&caller.user_roles(tenant), APP_ADMIN_ROLES)
                || owners.iter().any(|o| o == user_id)
        }
    }
}

/// May the caller register an application: an admin or developer role, or any user while the
/// tenant lets users register apps.
pub(super) fn may_create_application(sim: &Sim, tenant: &Tenant, caller: &Caller) -> bool {
    if caller.is_app() {
        return true;
    }
    let roles = caller.user_roles(tenant);
    has_any(&roles, APP_ADMIN_ROLES)
        || has_any(&roles, &[catalog::APPLICATION_DEVELOPER])
        || sim.scenario.users_can_register_apps
}

/// Who may create an app's service principal. The create and upsert pages
/// (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>,
/// <https://learn.microsoft.com/graph/api/serviceprincipal-upsert>) say: "For multitenant apps:
/// Application Administrator, Cloud Application Administrator. For single-tenant apps where the
/// calling user is a nonadmin user but is the owner of the backing application, the user must
/// have the Application Developer role." (Global Administrator can do everything.)
pub(super) fn may_create_sp(tenant: &Tenant, caller: &Caller, app: &App) -> bool {
    let Principal::User { user_id, .. } = &caller.principal else {
        return true;
    };
    let roles = caller.user_roles(tenant);
    if has_any(&roles, APP_ADMIN_ROLES) {
        return true;
    }
    let single_tenant =
        app.doc.get("signInAudience").and_then(Value::as_str) == Some("AzureADMyOrg");
    single_tenant
        && app.owners.iter().any(|o| o == user_id)
        && has_any(&roles, &[catalog::APPLICATION_DEVELOPER])
}

/// May the caller grant an app role of `resource`? Global and Privileged Role Administrators
/// may grant any; Application/Cloud Application Administrators may grant app roles of other
/// APIs, never Microsoft Graph's
/// (<https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent#prerequisites>).
pub(super) fn may_grant_app_role(
    tenant: &Tenant,
    caller: &Caller,
    resource_is_graph: bool,
) -> bool {
    if caller.is_app() {
        return true;
    }
    let roles = caller.user_roles(tenant);
    has_any(&roles, GRAPH_APP_ROLE_GRANTERS)
        || (!resource_is_graph && has_any(&roles, APP_ADMIN_ROLES))
}

/// May the caller revoke an assignment listed under a service principal? Only those under
/// Microsoft Graph's are guarded: they need a Global or Privileged Role Administrator.
pub(super) fn may_revoke_app_role(tenant: &Tenant, caller: &Caller, sp_is_graph: bool) -> bool {
    !sp_is_graph || caller.is_app() || has_any(&caller.user_roles(tenant), GRAPH_APP_ROLE_GRANTERS)
}
