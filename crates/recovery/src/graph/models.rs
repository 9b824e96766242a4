//! The Graph objects the wizard reads and writes, typed after Microsoft's v1.0 schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub required_resource_access: Vec<RequiredResourceAccess>,
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredentialMeta>,
    #[serde(default)]
    pub web: Option<WebApplication>,
    /// Free-form labels; where upsert is refused, the app carries its run's key here
    /// (`Graph::create_application`).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The permissions an app asks for from one API (`requiredResourceAccess`,
/// <https://learn.microsoft.com/graph/api/resources/requiredresourceaccess>). Fields this wizard
/// does not know are kept, so writing the list back loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredResourceAccess {
    pub resource_app_id: String,
    #[serde(default)]
    pub resource_access: Vec<ResourceAccess>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One permission: an app role (`type` "Role", an application permission) or a delegated scope
/// ("Scope").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceAccess {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl RequiredResourceAccess {
    /// Whether `list` asks for `role_id` of the API `resource_app_id` as an application permission.
    pub fn asks_for_app_role(list: &[Self], resource_app_id: &str, role_id: &str) -> bool {
        list.iter().any(|r| {
            r.resource_app_id == resource_app_id
                && r.resource_access
                    .iter()
                    .any(|a| a.id == role_id && a.kind == "Role")
        })
    }

    /// `list` with `role_id` of `resource_app_id` added as an application permission; what it
    /// asked for already stays (a PATCH replaces the whole collection).
    pub fn with_app_role(list: &[Self], resource_app_id: &str, role_id: &str) -> Vec<Self> {
        let mut out = list.to_vec();
        let ours = ResourceAccess {
            id: role_id.into(),
            kind: "Role".into(),
            other: Map::new(),
        };
        match out
            .iter_mut()
            .find(|r| r.resource_app_id == resource_app_id)
        {
            Some(api) => api.resource_access.push(ours),
            None => out.push(Self {
                resource_app_id: resource_app_id.into(),
                resource_access: vec![ours],
                other: Map::new(),
            }),
        }
        out
    }
}

/// An app's web platform settings (`web`,
/// <https://learn.microsoft.com/graph/api/resources/webapplication>). A PATCH replaces the whole
/// object, so the fields this wizard does not touch are kept and sent back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebApplication {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Application {
    pub fn created(&self) -> Option<OffsetDateTime> {
        self.created_date_time.as_deref().and_then(parse_graph_time)
    }
}

/// Graph times have up to seven fractional digits; RFC 3339 parsing handles them.
pub fn parse_graph_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredentialMeta {
    pub key_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<String>,
    #[serde(default)]
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub app_roles: Vec<AppRole>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub id: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub allowed_member_types: Vec<String>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub app_role_id: String,
    #[serde(default)]
    pub principal_id: Option<String>,
    pub resource_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: String,
    #[serde(default)]
    pub is_default: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRole {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_template_id: Option<String>,
}

/// The answer of addPassword: the only time `secretText` is ever visible.
#[derive(Debug, Clone)]
pub struct NewPassword {
    pub key_id: String,
    pub secret: Secret,
    pub hint: String,
    pub end_date_time: OffsetDateTime,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawNewPassword {
    pub(super) key_id: String,
    pub(super) secret_text: String,
    #[serde(default)]
    pub(super) hint: Option<String>,
    #[serde(default)]
    pub(super) end_date_time: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct List<T> {
    pub(super) value: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_an_app_role_keeps_what_the_app_asks_for_already() {
        let existing: Vec<RequiredResourceAccess> = serde_json::from_value(serde_json::json!([
            {"resourceAppId": "other", "resourceAccess": [{"id": "x", "type": "Scope"}], "future": 1},
            {"resourceAppId": "00000003-0000-0000-c000-000000000000",
             "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]}
        ]))
        .unwrap();
        let graph = "00000003-0000-0000-c000-000000000000";
        let role = "b0afded3-3588-46d8-8b3d-9842eff778da";
        assert!(!RequiredResourceAccess::asks_for_app_role(
            &existing, graph, role
        ));
        let merged = RequiredResourceAccess::with_app_role(&existing, graph, role);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[1].resource_access.len(), 2);
        assert!(RequiredResourceAccess::asks_for_app_role(
            &merged, graph, role
        ));
        // A field this wizard does not know survives the round trip.
        assert_eq!(serde_json::to_value(&merged).unwrap()[0]["future"], 1);
        let fresh = RequiredResourceAccess::with_app_role(&[], graph, role);
        assert!(RequiredResourceAccess::asks_for_app_role(
            &fresh, graph, role
        ));
        // A delegated scope with the same id is not the application permission.
        let scope_only = vec![RequiredResourceAccess {
            resource_app_id: graph.into(),
            resource_access: vec![ResourceAccess {
                id: role.into(),
                kind: "Scope".into(),
                other: Map::new(),
            }],
            other: Map::new(),
        }];
        assert!(!RequiredResourceAccess::asks_for_app_role(
            &scope_only,
            graph,
            role
        ));
    }

    #[test]
    fn parses_the_docs_examples() {
        let body = |s: &str| s.split_once("\n\n").map(|(_, b)| b.to_string()).unwrap();
        let app: Application = serde_json::from_str(&body(include_str!(
            "../../tests/fixtures/application-post-applications.response.http"
        )))
        .unwrap();
        assert_eq!(app.app_id, "631a96bc-a705-4eda-9f99-fdaf9f54f6a2");
        assert_eq!(app.created().unwrap().year(), 2019);
        let pw: RawNewPassword = serde_json::from_str(&body(include_str!(
            "../../tests/fixtures/application-addpassword.response.http"
        )))
        .unwrap();
        assert_eq!(pw.hint.as_deref(), Some("[6g"));
        assert!(parse_graph_time(pw.end_date_time.as_deref().unwrap()).is_some());
        let a: AppRoleAssignment = serde_json::from_str(&body(include_str!(
            "../../tests/fixtures/serviceprincipal-post-approleassignedto.response.http"
        )))
        .unwrap();
        assert_eq!(a.app_role_id, "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7");
        let sp: ServicePrincipal = serde_json::from_str(&body(include_str!(
            "../../tests/fixtures/serviceprincipal-post-serviceprincipals.response.http"
        )))
        .unwrap();
        assert_eq!(sp.id, "59e617e5-e447-4adc-8b88-00af644d7c92");
        let org: Organization = serde_json::from_str(&body(include_str!(
            "../../tests/fixtures/organization-get.response.http"
        )))
        .unwrap();
        assert_eq!(org.display_name.as_deref(), Some("Contoso"));
        assert_eq!(org.verified_domains[0].is_default, Some(true));
    }
}
