//! Directory objects: users (and guests), applications with their passwords, service
//! principals, app role assignments, deleted items.

use std::time::Instant;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::{graph_time, obj};
use crate::catalog::{self, GRAPH_APP_ID};

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// Directory role template ids.
    pub roles: Vec<String>,
    /// PIM-eligible (not activated) role template ids: they grant nothing until activated.
    pub eligible_roles: Vec<String>,
    /// Set for a B2B guest: who they are in their home tenant.
    pub guest: Option<GuestOf>,
}

/// A guest user's home identity (B2B collaboration).
#[derive(Debug, Clone)]
pub struct GuestOf {
    pub home_tenant_id: String,
    pub home_user_id: String,
    pub home_upn: String,
}

impl User {
    pub fn has_role(&self, template: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(template))
    }
    pub fn role_names(&self) -> Vec<String> {
        self.roles
            .iter()
            .map(|r| {
                catalog::directory_role(r)
                    .map(|d| d.display_name.to_string())
                    .unwrap_or_else(|| r.clone())
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Password {
    pub key_id: String,
    pub display_name: Option<String>,
    pub hint: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub secret_sha256: [u8; 32],
    /// The secret is refused at /token before this instant (secret_ready_delay).
    pub ready_at: Instant,
    /// removePassword does not find it before this instant (replication_delay).
    pub visible_at: Instant,
}

impl Password {
    pub fn json(&self) -> Value {
        json!({
            "customKeyIdentifier": null,
            "displayName": self.display_name,
            "endDateTime": graph_time(self.end),
            "hint": self.hint,
            "keyId": self.key_id,
            "secretText": null,
            "startDateTime": graph_time(self.start),
        })
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub app_id: String,
    /// Graph properties except `passwordCredentials`, in Graph's order.
    pub doc: Map<String, Value>,
    pub passwords: Vec<Password>,
    pub owners: Vec<String>,
    pub visible_at: Instant,
}

impl App {
    pub fn display_name(&self) -> String {
        display_name(&self.doc)
    }
    pub fn json(&self) -> Map<String, Value> {
        let mut m = self.doc.clone();
        m.insert(
            "passwordCredentials".into(),
            Value::Array(self.passwords.iter().map(Password::json).collect()),
        );
        m
    }
}

#[derive(Debug, Clone)]
pub struct Sp {
    pub id: String,
    pub app_id: String,
    pub doc: Map<String, Value>,
    pub visible_at: Instant,
    pub owners: Vec<String>,
}

impl Sp {
    pub fn display_name(&self) -> String {
        display_name(&self.doc)
    }
    pub fn is_microsoft_graph(&self) -> bool {
        self.app_id == GRAPH_APP_ID
    }
    pub fn app_role_ids(&self) -> Vec<String> {
        self.doc
            .get("appRoles")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn app_role_value(&self, id: &str) -> Option<String> {
        self.doc.get("appRoles")?.as_array()?.iter().find_map(|r| {
            (r.get("id")?.as_str()? == id).then(|| r.get("value")?.as_str().map(str::to_string))?
        })
    }
}

/// The `displayName` of an application's or service principal's document ("" when it has none).
fn display_name(doc: &Map<String, Value>) -> String {
    doc.get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub id: String,
    pub app_role_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub principal_display_name: String,
    pub resource_id: String,
    pub resource_display_name: String,
    pub created: OffsetDateTime,
    pub visible_at: Instant,
    /// Reaches client-credentials tokens from this instant (role_propagation_delay).
    pub effective_at: Instant,
}

impl Assignment {
    pub fn json(&self) -> Map<String, Value> {
        obj(json!({
            "id": self.id,
            "deletedDateTime": null,
            "appRoleId": self.app_role_id,
            "createdDateTime": graph_time(self.created),
            "principalDisplayName": self.principal_display_name,
            "principalId": self.principal_id,
            "principalType": self.principal_type,
            "resourceDisplayName": self.resource_display_name,
            "resourceId": self.resource_id,
        }))
    }
}

#[derive(Debug, Clone)]
pub enum DeletedObject {
    App(App),
    Sp(Sp, Vec<Assignment>),
}

#[derive(Debug, Clone)]
pub struct Deleted {
    pub object: DeletedObject,
    pub deleted_at: OffsetDateTime,
}

impl Deleted {
    pub fn id(&self) -> &str {
        match &self.object {
            DeletedObject::App(a) => &a.id,
            DeletedObject::Sp(s, _) => &s.id,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match &self.object {
            DeletedObject::App(_) => "application",
            DeletedObject::Sp(..) => "servicePrincipal",
        }
    }
    pub fn json(&self) -> Map<String, Value> {
        let mut m = match &self.object {
            DeletedObject::App(a) => a.json(),
            DeletedObject::Sp(s, _) => s.doc.clone(),
        };
        m.insert(
            "deletedDateTime".into(),
            Value::String(graph_time(self.deleted_at)),
        );
        m
    }
}
