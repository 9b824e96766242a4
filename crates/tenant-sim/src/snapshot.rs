//! A typed read-back of the directory, for tests that assert on what really happened.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{
    graph_time, App, Assignment, Deleted, DeletedObject, RequestRecord, Sim, Tenant,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The default tenant's id.
    pub tenant_id: String,
    /// The default tenant's objects (same as `tenants[0]`).
    pub applications: Vec<ApplicationSnapshot>,
    pub service_principals: Vec<ServicePrincipalSnapshot>,
    pub app_role_assignments: Vec<AppRoleAssignmentSnapshot>,
    pub deleted_items: Vec<DeletedItemSnapshot>,
    /// Every tenant, the default one first.
    pub tenants: Vec<TenantSnapshot>,
    pub requests: Vec<RequestRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSnapshot {
    pub id: String,
    pub display_name: String,
    pub domain: String,
    pub applications: Vec<ApplicationSnapshot>,
    pub service_principals: Vec<ServicePrincipalSnapshot>,
    pub app_role_assignments: Vec<AppRoleAssignmentSnapshot>,
    pub deleted_items: Vec<DeletedItemSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSnapshot {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub unique_name: Option<String>,
    pub sign_in_audience: Option<String>,
    pub created_date_time: String,
    /// `requiredResourceAccess` as Graph renders it.
    pub required_resource_access: Value,
    /// Metadata only: the secret value is never kept, only a hash of it.
    pub password_credentials: Vec<PasswordCredentialSnapshot>,
    /// Object ids of the owners (the creating user).
    pub owners: Vec<String>,
    /// False while the object is still replicating (invisible to other calls).
    pub replicated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredentialSnapshot {
    pub key_id: String,
    pub display_name: Option<String>,
    pub hint: String,
    pub start_date_time: String,
    pub end_date_time: String,
    /// False while the secret is still refused at /token (secret_ready_delay).
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalSnapshot {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub replicated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignmentSnapshot {
    pub id: String,
    pub app_role_id: String,
    /// The role's `value` on the resource, e.g. "AuditLog.Read.All".
    pub app_role_value: Option<String>,
    pub principal_id: String,
    pub principal_type: String,
    pub principal_display_name: String,
    pub resource_id: String,
    pub resource_display_name: String,
    pub created_date_time: String,
    pub replicated: bool,
    /// True once the role reaches client-credentials tokens (role_propagation_delay).
    pub effective: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedItemSnapshot {
    pub id: String,
    /// "application" or "servicePrincipal".
    pub object_type: String,
    pub display_name: String,
    pub app_id: String,
    pub deleted_date_time: String,
}

fn tenant_snapshot(sim: &Sim, tenant: &Tenant) -> TenantSnapshot {
    let now = sim.clock.now();
    TenantSnapshot {
        id: tenant.id.clone(),
        display_name: tenant.display_name.clone(),
        domain: tenant.domain.clone(),
        applications: tenant
            .apps
            .iter()
            .map(|app| application_snapshot(app, now))
            .collect(),
        service_principals: tenant
            .sps
            .iter()
            .map(|sp| ServicePrincipalSnapshot {
                id: sp.id.clone(),
                app_id: sp.app_id.clone(),
                display_name: sp.display_name(),
                replicated: now >= sp.visible_at,
            })
            .collect(),
        app_role_assignments: tenant
            .assignments
            .iter()
            .map(|assignment| assignment_snapshot(tenant, assignment, now))
            .collect(),
        deleted_items: tenant.deleted.iter().map(deleted_item_snapshot).collect(),
    }
}

fn application_snapshot(app: &App, now: Instant) -> ApplicationSnapshot {
    let text = |name: &str| {
        app.doc
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    ApplicationSnapshot {
        id: app.id.clone(),
        app_id: app.app_id.clone(),
        display_name: app.display_name(),
        unique_name: text("uniqueName"),
        sign_in_audience: text("signInAudience"),
        created_date_time: text("createdDateTime").unwrap_or_default(),
        required_resource_access: app
            .doc
            .get("requiredResourceAccess")
            .cloned()
            .unwrap_or(Value::Null),
        password_credentials: app
            .passwords
            .iter()
            .map(|password| PasswordCredentialSnapshot {
                key_id: password.key_id.clone(),
                display_name: password.display_name.clone(),
                hint: password.hint.clone(),
                start_date_time: graph_time(password.start),
                end_date_time: graph_time(password.end),
                ready: now >= password.ready_at,
            })
            .collect(),
        owners: app.owners.clone(),
        replicated: now >= app.visible_at,
    }
}

fn assignment_snapshot(
    tenant: &Tenant,
    assignment: &Assignment,
    now: Instant,
) -> AppRoleAssignmentSnapshot {
    AppRoleAssignmentSnapshot {
        id: assignment.id.clone(),
        app_role_id: assignment.app_role_id.clone(),
        app_role_value: tenant
            .sps
            .iter()
            .find(|sp| sp.id == assignment.resource_id)
            .and_then(|sp| sp.app_role_value(&assignment.app_role_id)),
        principal_id: assignment.principal_id.clone(),
        principal_type: assignment.principal_type.clone(),
        principal_display_name: assignment.principal_display_name.clone(),
        resource_id: assignment.resource_id.clone(),
        resource_display_name: assignment.resource_display_name.clone(),
        created_date_time: graph_time(assignment.created),
        replicated: now >= assignment.visible_at,
        effective: now >= assignment.effective_at,
    }
}

fn deleted_item_snapshot(deleted: &Deleted) -> DeletedItemSnapshot {
    let (display_name, app_id) = match &deleted.object {
        DeletedObject::App(app) => (app.display_name(), app.app_id.clone()),
        DeletedObject::Sp(sp, _) => (sp.display_name(), sp.app_id.clone()),
    };
    DeletedItemSnapshot {
        id: deleted.id().to_string(),
        object_type: deleted.type_name().to_string(),
        display_name,
        app_id,
        deleted_date_time: graph_time(deleted.deleted_at),
    }
}

pub fn take(sim: &Sim) -> Snapshot {
    let tenants: Vec<TenantSnapshot> = sim
        .tenants
        .iter()
        .map(|t| tenant_snapshot(sim, t))
        .collect();
    let first = tenants[0].clone();
    Snapshot {
        tenant_id: first.id,
        applications: first.applications,
        service_principals: first.service_principals,
        app_role_assignments: first.app_role_assignments,
        deleted_items: first.deleted_items,
        tenants,
        requests: sim.requests.clone(),
    }
}
