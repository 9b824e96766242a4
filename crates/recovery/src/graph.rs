//! Typed Microsoft Graph v1.0 calls, each one wrapped in the bounded retry loop.
//!
//! Shapes follow Microsoft's documented request/response examples (reference/graph-docs).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::Session;
use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::StepScope;
use crate::http::{Failure, Http, Reply};
use crate::retry::{Op, RetryReason};
use crate::secret::Secret;

/// Microsoft Graph's appId, the same in every tenant and cloud.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// AuditLog.Read.All as an application permission in Microsoft Graph's `appRoles`
/// (<https://learn.microsoft.com/graph/permissions-reference#auditlogreadall>); looked up at runtime anyway.
pub const AUDIT_LOG_READ_ALL: &str = "AuditLog.Read.All";
pub const AUDIT_LOG_READ_ALL_ROLE_ID: &str = "b0afded3-3588-46d8-8b3d-9842eff778da";

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
    pub required_resource_access: Vec<Value>,
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredentialMeta>,
    #[serde(default)]
    pub web: Option<Value>,
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
struct RawNewPassword {
    key_id: String,
    secret_text: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    end_date_time: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    value: Vec<T>,
}

/// OData string literal: quotes doubled.
pub fn odata_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Graph calls on behalf of a signed-in session.
#[derive(Debug, Clone)]
pub struct Graph {
    pub http: Http,
    pub endpoints: Endpoints,
    pub session: Session,
}

impl Graph {
    pub fn new(http: Http, endpoints: Endpoints, session: Session) -> Self {
        Self {
            http,
            endpoints,
            session,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Failure> {
        let token = self.session.bearer().await?;
        let mut rb = self
            .http
            .client
            .request(method, self.endpoints.graph(path))
            .bearer_auth(token.expose())
            .header("Accept", "application/json");
        if !query.is_empty() {
            rb = rb.query(query);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        self.http.send(rb).await
    }

    pub async fn organization(&self, scope: &StepScope) -> Result<Organization> {
        self.http
            .retry(Op::GetOrganization, scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            "organization",
                            &[("$select", "id,displayName,verifiedDomains")],
                            None,
                            &[],
                        )
                        .await?;
                    let mut list: List<Organization> = r.json()?;
                    list.value
                        .pop()
                        .ok_or_else(|| malformed(&r, "no organization in the answer"))
                })
            })
            .await
    }

    /// The signed-in user's active directory roles.
    pub async fn my_directory_roles(&self, scope: &StepScope) -> Result<Vec<DirectoryRole>> {
        self.http
            .retry(Op::GetMyRoles, scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            "me/transitiveMemberOf/microsoft.graph.directoryRole",
                            &[
                                ("$select", "displayName,roleTemplateId"),
                                ("$count", "true"),
                            ],
                            None,
                            &[("ConsistencyLevel", "eventual")],
                        )
                        .await?;
                    Ok(r.json::<List<DirectoryRole>>()?.value)
                })
            })
            .await
    }

    /// Template ids of the roles the signed-in user is eligible for but has not activated
    /// (Privileged Identity Management):
    /// `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`
    /// (<https://learn.microsoft.com/graph/api/unifiedroleeligibilityscheduleinstance-filterbycurrentuser>),
    /// readable with RoleManagement.Read.Directory. A built-in role's `roleDefinitionId` is its
    /// template id. Best effort: without PIM (it needs Entra ID P2) or the right to see it, the
    /// answer is an error and the list is empty.
    pub async fn my_eligible_role_templates(&self) -> Vec<String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Instance {
            role_definition_id: Option<String>,
        }
        let scope = crate::events::EventSink::none().step(crate::events::Step::ReadTenant);
        let got = self
            .http
            .retry(Op::GetMyRoles, &scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            "roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
                            &[],
                            None,
                            &[],
                        )
                        .await?;
                    Ok(r.json::<List<Instance>>()?.value)
                })
            })
            .await;
        match got {
            Ok(list) => list
                .into_iter()
                .filter_map(|i| i.role_definition_id)
                .collect(),
            Err(e) => {
                tracing::info!(error = %e, "eligible roles (PIM) not readable");
                vec![]
            }
        }
    }

    /// Microsoft Graph's own service principal in this tenant, with its app roles.
    pub async fn graph_service_principal(&self, scope: &StepScope) -> Result<ServicePrincipal> {
        let path = format!("servicePrincipals(appId={})", odata_str(GRAPH_APP_ID));
        self.http
            .retry(Op::GetGraphServicePrincipal, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            path,
                            &[("$select", "id,appId,displayName,appRoles")],
                            None,
                            &[],
                        )
                        .await?;
                    r.json::<ServicePrincipal>()
                })
            })
            .await
    }

    pub async fn find_applications(
        &self,
        display_name: &str,
        scope: &StepScope,
    ) -> Result<Vec<Application>> {
        let filter = format!("displayName eq {}", odata_str(display_name));
        self.http
            .retry(Op::FindApplications, scope, |_| {
                let filter = &filter;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            "applications",
                            &[
                                ("$filter", filter),
                                ("$select", "id,appId,displayName,createdDateTime"),
                            ],
                            None,
                            &[],
                        )
                        .await?;
                    Ok(r.json::<List<Application>>()?.value)
                })
            })
            .await
    }

    /// Creates the app, or finds the one an earlier attempt created: `PATCH
    /// /applications(uniqueName=…)` with `Prefer: create-if-missing`
    /// (<https://learn.microsoft.com/graph/api/application-upsert>).
    pub async fn upsert_application(
        &self,
        unique_name: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<Application> {
        let path = format!("applications(uniqueName={})", odata_str(unique_name));
        let created: Option<Application> = self
            .http
            .retry(Op::UpsertApplication, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::PATCH,
                            path,
                            &[],
                            Some(body),
                            &[("Prefer", "create-if-missing")],
                        )
                        .await?;
                    if r.status == 204 {
                        return Ok(None);
                    }
                    Ok(Some(r.json::<Application>()?))
                })
            })
            .await?;
        match created {
            Some(app) => Ok(app),
            // It already existed (an earlier attempt went through): read it by the same key.
            None => self.get_application_by(&path, scope).await,
        }
    }

    pub async fn get_application(&self, object_id: &str, scope: &StepScope) -> Result<Application> {
        self.get_application_by(&format!("applications/{object_id}"), scope)
            .await
    }

    async fn get_application_by(&self, path: &str, scope: &StepScope) -> Result<Application> {
        self.http
            .retry(Op::GetApplication, scope, |_| {
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            path,
                            &[("$select", "id,appId,displayName,createdDateTime,requiredResourceAccess,passwordCredentials,web")],
                            None,
                            &[],
                        )
                        .await?;
                    r.json::<Application>()
                })
            })
            .await
    }

    pub async fn patch_application(
        &self,
        object_id: &str,
        body: &Value,
        scope: &StepScope,
    ) -> Result<()> {
        let path = format!("applications/{object_id}");
        self.http
            .retry(Op::PatchApplication, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    self.send(reqwest::Method::PATCH, path, &[], Some(body), &[])
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    /// The service principal of `app_id`, if there is one (a list query: no 404 to wait out).
    pub async fn find_service_principal(
        &self,
        app_id: &str,
        scope: &StepScope,
    ) -> Result<Option<ServicePrincipal>> {
        let filter = format!("appId eq {}", odata_str(app_id));
        self.http
            .retry(Op::GetServicePrincipal, scope, |_| {
                let filter = &filter;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            "servicePrincipals",
                            &[("$filter", filter.as_str()), ("$select", "id,appId")],
                            None,
                            &[],
                        )
                        .await?;
                    Ok(r.json::<List<ServicePrincipal>>()?.value.into_iter().next())
                })
            })
            .await
    }

    /// The app's service principal, created if missing (idempotent upsert by appId). An account
    /// that may not create it still gets one an admin-consent page created meanwhile.
    pub async fn upsert_service_principal(
        &self,
        app_id: &str,
        scope: &StepScope,
    ) -> Result<ServicePrincipal> {
        let path = format!("servicePrincipals(appId={})", odata_str(app_id));
        let body = json!({ "appId": app_id });
        let upserted = self
            .http
            .retry(Op::UpsertServicePrincipal, scope, |_| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::PATCH,
                            path,
                            &[],
                            Some(body),
                            &[("Prefer", "create-if-missing")],
                        )
                        .await?;
                    if r.status == 204 {
                        return Ok(None);
                    }
                    Ok(Some(r.json::<ServicePrincipal>()?))
                })
            })
            .await;
        let created: Option<ServicePrincipal> = match upserted {
            Ok(c) => c,
            // Not allowed to create it; an admin-consent page may have created it already.
            Err(Error::InsufficientPrivileges(g)) => {
                return self
                    .find_service_principal(app_id, scope)
                    .await?
                    .ok_or(Error::InsufficientPrivileges(g));
            }
            Err(e) => return Err(e),
        };
        if let Some(sp) = created {
            return Ok(sp);
        }
        self.http
            .retry(Op::GetServicePrincipal, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    let r = self
                        .send(
                            reqwest::Method::GET,
                            path,
                            &[("$select", "id,appId")],
                            None,
                            &[],
                        )
                        .await?;
                    r.json::<ServicePrincipal>()
                })
            })
            .await
    }

    /// Admin consent for one app role: `POST /servicePrincipals/{resource}/appRoleAssignedTo`
    /// (<https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto>). Not idempotent: when an earlier attempt
    /// may have gone through, the existing assignments are checked before sending again.
    pub async fn grant_app_role(
        &self,
        resource_sp: &str,
        principal_sp: &str,
        app_role_id: &str,
        check_first: bool,
        scope: &StepScope,
    ) -> Result<AppRoleAssignment> {
        let path = format!("servicePrincipals/{resource_sp}/appRoleAssignedTo");
        let body = json!({ "principalId": principal_sp, "resourceId": resource_sp, "appRoleId": app_role_id });
        self.http
            .retry(Op::GrantAppRole, scope, |ctx| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    if ctx.uncertain || (check_first && ctx.n == 0) {
                        if let Some(a) = self
                            .find_assignment(principal_sp, resource_sp, app_role_id)
                            .await?
                        {
                            return Ok(a);
                        }
                    }
                    match self
                        .send(reqwest::Method::POST, path, &[], Some(body), &[])
                        .await
                    {
                        Ok(r) => r.json::<AppRoleAssignment>(),
                        // Granted already ("EntitlementGrant entry already exists"): read it back.
                        Err(Failure::Http { error, .. })
                            if matches!(error.status, 400 | 409)
                                && error.message.to_ascii_lowercase().contains("already exist") =>
                        {
                            match self
                                .find_assignment(principal_sp, resource_sp, app_role_id)
                                .await?
                            {
                                Some(a) => Ok(a),
                                None => Err(Failure::Http {
                                    error,
                                    retry_after: None,
                                }),
                            }
                        }
                        Err(e) => Err(e),
                    }
                })
            })
            .await
    }

    async fn find_assignment(
        &self,
        principal_sp: &str,
        resource_sp: &str,
        app_role_id: &str,
    ) -> Result<Option<AppRoleAssignment>, Failure> {
        let r = self
            .send(
                reqwest::Method::GET,
                &format!("servicePrincipals/{principal_sp}/appRoleAssignments"),
                &[],
                None,
                &[],
            )
            .await;
        let r = match r {
            Ok(r) => r,
            // Not replicated yet: then nothing was granted either.
            Err(Failure::Http { error, .. }) if error.status == 404 => return Ok(None),
            Err(e) => return Err(e),
        };
        let list: List<AppRoleAssignment> = r.json()?;
        Ok(list
            .value
            .into_iter()
            .find(|a| a.resource_id == resource_sp && a.app_role_id == app_role_id))
    }

    /// The portal's green tick: the assignment is listed in the app's SP's `appRoleAssignments`
    /// (<https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments>).
    pub async fn confirm_assignment(
        &self,
        principal_sp: &str,
        resource_sp: &str,
        app_role_id: &str,
        scope: &StepScope,
    ) -> Result<AppRoleAssignment> {
        self.http
            .retry(Op::ListAppRoleAssignments, scope, |_| {
                Box::pin(async move {
                    match self
                        .find_assignment(principal_sp, resource_sp, app_role_id)
                        .await?
                    {
                        Some(a) => Ok(a),
                        None => Err(Failure::NotYet {
                            reason: RetryReason::Replication,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "AssignmentNotListedYet".into(),
                                message: "the new permission grant is not listed yet".into(),
                                request_id: None,
                            },
                        }),
                    }
                })
            })
            .await
    }

    pub async fn list_passwords(
        &self,
        object_id: &str,
        scope: &StepScope,
    ) -> Result<Vec<PasswordCredentialMeta>> {
        Ok(self
            .get_application(object_id, scope)
            .await?
            .password_credentials)
    }

    /// `addPassword`. The caller journals before and after; on an uncertain attempt `reconcile`
    /// removes what an earlier attempt may have added before trying again.
    pub async fn add_password<'r>(
        &self,
        object_id: &str,
        display_name: &str,
        end: OffsetDateTime,
        scope: &StepScope,
        reconcile: &'r (dyn Fn() -> futures::future::BoxFuture<'r, Result<()>> + Send + Sync),
    ) -> Result<NewPassword> {
        let path = format!("applications/{object_id}/addPassword");
        let end_s = end
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let body =
            json!({ "passwordCredential": { "displayName": display_name, "endDateTime": end_s } });
        self.http
            .retry(Op::AddPassword, scope, |ctx| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    if ctx.uncertain {
                        reconcile().await?;
                    }
                    let r = self
                        .send(reqwest::Method::POST, path, &[], Some(body), &[])
                        .await?;
                    let raw: RawNewPassword = r.json()?;
                    if raw.secret_text.is_empty() {
                        return Err(malformed(&r, "addPassword answered without secretText"));
                    }
                    let secret = Secret::new(raw.secret_text);
                    Ok(NewPassword {
                        key_id: raw.key_id,
                        hint: raw.hint.unwrap_or_else(|| secret.hint()),
                        secret,
                        end_date_time: raw
                            .end_date_time
                            .as_deref()
                            .and_then(parse_graph_time)
                            .unwrap_or(end),
                    })
                })
            })
            .await
    }

    /// `removePassword`, then the app read back until the key is gone.
    ///
    /// Right after `addPassword`, removing the new key can answer 400 "No password credential
    /// found with keyId" while the key replicates: within `replication_window` of the first
    /// attempt that is retried, not taken as "already removed". After the window it means an
    /// earlier attempt removed it; the read-back confirms either way.
    pub async fn remove_password(
        &self,
        object_id: &str,
        key_id: &str,
        scope: &StepScope,
    ) -> Result<()> {
        let path = format!("applications/{object_id}/removePassword");
        let body = json!({ "keyId": key_id });
        let clock = &self.http.clock;
        let started = clock.instant();
        let window = self.http.policy.replication_window;
        self.http
            .retry(Op::RemovePassword, scope, |_| {
                let path = &path;
                let body = &body;
                Box::pin(async move {
                    match self
                        .send(reqwest::Method::POST, path, &[], Some(body), &[])
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(Failure::Http { error, .. })
                            if error.status == 400
                                && error
                                    .message
                                    .to_ascii_lowercase()
                                    .contains("no password credential") =>
                        {
                            if clock.instant().saturating_sub(started) < window {
                                Err(Failure::NotYet {
                                    reason: crate::retry::RetryReason::Replication,
                                    detail: error,
                                })
                            } else {
                                Ok(())
                            }
                        }
                        Err(e) => Err(e),
                    }
                })
            })
            .await?;
        self.http
            .retry(Op::GetApplication, scope, |_| {
                Box::pin(async move {
                    let app = self.get_application(object_id, scope).await?;
                    if app.password_credentials.iter().any(|c| c.key_id == key_id) {
                        Err(Failure::NotYet {
                            reason: crate::retry::RetryReason::Replication,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "SecretStillListed".into(),
                                message: format!(
                                    "the removed client secret {key_id} is still listed on the app"
                                ),
                                request_id: None,
                            },
                        })
                    } else {
                        Ok(())
                    }
                })
            })
            .await
    }

    /// Deletes the app (soft delete; restorable for 30 days). Returns false if it was already gone.
    pub async fn delete_application(&self, object_id: &str, scope: &StepScope) -> Result<bool> {
        let path = format!("applications/{object_id}");
        self.http
            .retry(Op::DeleteApplication, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    match self
                        .send(reqwest::Method::DELETE, path, &[], None, &[])
                        .await
                    {
                        Ok(_) => Ok(true),
                        Err(Failure::Http { error, .. }) if error.status == 404 => Ok(false),
                        Err(e) => Err(e),
                    }
                })
            })
            .await
    }

    /// Removes the app from deleted items for good.
    pub async fn purge_deleted(&self, object_id: &str, scope: &StepScope) -> Result<bool> {
        let path = format!("directory/deletedItems/{object_id}");
        let started = self.http.clock.instant();
        self.http
            .retry(Op::PurgeDeletedItem, scope, |_| {
                let path = &path;
                Box::pin(async move {
                    match self
                        .send(reqwest::Method::DELETE, path, &[], None, &[])
                        .await
                    {
                        Ok(_) => Ok(true),
                        // The deletion may not have replicated into deleted items yet; after a
                        // short while a 404 means it is not there.
                        Err(Failure::Http { error, .. }) if error.status == 404 => {
                            if self.http.clock.instant().saturating_sub(started)
                                > Duration::from_secs(20)
                            {
                                Ok(false)
                            } else {
                                Err(Failure::NotYet {
                                    reason: RetryReason::Replication,
                                    detail: error,
                                })
                            }
                        }
                        Err(e) => Err(e),
                    }
                })
            })
            .await
    }
}

fn malformed(r: &Reply, what: &str) -> Failure {
    Failure::Malformed(GraphErrorInfo {
        status: r.status,
        code: "UnexpectedResponse".into(),
        message: what.into(),
        request_id: r.request_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_docs_examples() {
        let body = |s: &str| s.split_once("\n\n").map(|(_, b)| b.to_string()).unwrap();
        let app: Application = serde_json::from_str(&body(include_str!(
            "../tests/fixtures/application-post-applications.response.http"
        )))
        .unwrap();
        assert_eq!(app.app_id, "631a96bc-a705-4eda-9f99-fdaf9f54f6a2");
        assert_eq!(app.created().unwrap().year(), 2019);
        let pw: RawNewPassword = serde_json::from_str(&body(include_str!(
            "../tests/fixtures/application-addpassword.response.http"
        )))
        .unwrap();
        assert_eq!(pw.hint.as_deref(), Some("[6g"));
        assert!(parse_graph_time(pw.end_date_time.as_deref().unwrap()).is_some());
        let a: AppRoleAssignment = serde_json::from_str(&body(include_str!(
            "../tests/fixtures/serviceprincipal-post-approleassignedto.response.http"
        )))
        .unwrap();
        assert_eq!(a.app_role_id, "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7");
        let sp: ServicePrincipal = serde_json::from_str(&body(include_str!(
            "../tests/fixtures/serviceprincipal-post-serviceprincipals.response.http"
        )))
        .unwrap();
        assert_eq!(sp.id, "59e617e5-e447-4adc-8b88-00af644d7c92");
        let org: Organization = serde_json::from_str(&body(include_str!(
            "../tests/fixtures/organization-get.response.http"
        )))
        .unwrap();
        assert_eq!(org.display_name.as_deref(), Some("Contoso"));
        assert_eq!(org.verified_domains[0].is_default, Some(true));
    }

    #[test]
    fn odata_literals_escape_quotes() {
        assert_eq!(odata_str("PMPC Recovery"), "'PMPC Recovery'");
        assert_eq!(odata_str("O'Brien"), "'O''Brien'");
    }
}
