//! A typed read-back of the directory, for tests that assert on what really happened.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{graph_time, DeletedObject, RequestRecord, Sim, Tenant};

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

fn tenant_snapshot(sim: &Sim, t: &Tenant) -> TenantSnapshot {
    let now = sim.clock.now();
    let applications = t
        .apps
        .iter()
        .map(|a| ApplicationSnapshot {
            id: a.id.clone(),
            app_id: a.app_id.clone(),
            display_name: a.display_name(),
            unique_name: a
                .doc
                .get("uniqueName")
                .and_then(Value::as_str)
                .map(str::to_string),
            sign_in_audience: a
                .doc
                .get("signInAudience")
                .and_then(Value::as_str)
                .map(str::to_string),
            created_date_time: a
                .doc
                .get("createdDateTime")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            required_resource_access: a
                .doc
                .get("requiredResourceAccess")
                .cloned()
                .unwrap_or(Value::Null),
            password_credentials: a
                .passwords
                .iter()
                .map(|p| PasswordCredentialSnapshot {
                    key_id: p.key_id.clone(),
                    display_name: p.display_name.clone(),
                    hint: p.hint.clone(),
                    start_date_time: graph_time(p.start),
                    end_date_time: graph_time(p.end),
                    ready: now >= p.ready_at,
                })
                .collect(),
            owners: a.owners.clone(),
            replicated: now >= a.visible_at,
        })
        .collect();
    let service_principals = t
        .sps
        .iter()
        .map(|s| ServicePrincipalSnapshot {
            id: s.id.clone(),
            app_id: s.app_id.clone(),
            display_name: s.display_name(),
            replicated: now >= s.visible_at,
        })
        .collect();
    let app_role_assignments = t
        .assignments
        .iter()
        .map(|a| AppRoleAssignmentSnapshot {
            id: a.id.clone(),
            app_role_id: a.app_role_id.clone(),
            app_role_value: t
                .sps
                .iter()
                .find(|s| s.id == a.resource_id)
                .and_then(|s| s.app_role_value(&a.app_role_id)),
            principal_id: a.principal_id.clone(),
            principal_type: a.principal_type.clone(),
            principal_display_name: a.principal_display_name.clone(),
            resource_id: a.resource_id.clone(),
            resource_display_name: a.resource_display_name.clone(),
            created_date_time: graph_time(a.created),
            replicated: now >= a.visible_at,
            effective: now >= a.effective_at,
        })
        .collect();
    let deleted_items = t
        .deleted
        .iter()
        .map(|d| {
            let (name, app_id) = match &d.object {
                DeletedObject::App(a) => (a.display_name(), a.app_id.clone()),
                DeletedObject::Sp(s, _) => (s.display_name(), s.app_id.clone()),
            };
            DeletedItemSnapshot {
                id: d.id().to_string(),
                object_type: d.type_name().to_string(),
                display_name: name,
                app_id,
                deleted_date_time: graph_time(d.deleted_at),
            }
        })
        .collect();
    TenantSnapshot {
        id: t.id.clone(),
        display_name: t.display_name.clone(),
        domain: t.domain.clone(),
        applications,
        service_principals,
        app_role_assignments,
        deleted_items,
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
