//! Service principals and app role assignments: the admin consent and its green tick.

use serde_json::json;

use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::StepScope;
use crate::http::Failure;
use crate::ops::Op;
use crate::retry::RetryReason;

use super::*;

impl Graph {
    /// Microsoft Graph's own service principal in this tenant, with its app roles.
    pub async fn graph_service_principal(&self, scope: &StepScope) -> Result<ServicePrincipal> {
        let path = format!("servicePrincipals(appId={})", odata_str(GRAPH_APP_ID));
        let fields = "id,appId,displayName,appRoles";
        self.get_fields(Op::GetGraphServicePrincipal, &path, fields, scope)
            .await
    }

    /// The service principal of `app_id`, if there is one (a list query: no 404 to wait out).
    pub async fn find_service_principal(
        &self,
        app_id: &str,
        scope: &StepScope,
    ) -> Result<Option<ServicePrincipal>> {
        let filter = format!("appId eq {}", odata_str(app_id));
        let query = [("$filter", filter.as_str()), ("$select", "id,appId")];
        let found: List<ServicePrincipal> = self
            .get(
                Op::GetServicePrincipal,
                "servicePrincipals",
                &query,
                &[],
                scope,
            )
            .await?;
        Ok(found.value.into_iter().next())
    }

    /// The app's service principal where `Prefer: create-if-missing` is refused: `POST
    /// /servicePrincipals` (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>).
    /// The directory keeps one per app, so a second create (a retry whose first attempt went
    /// through) is refused with 409 and the existing one is read instead: exactly one either way.
    pub async fn create_service_principal(
        &self,
        app_id: &str,
        scope: &StepScope,
    ) -> Result<ServicePrincipal> {
        let body = json!({ "appId": app_id });
        let created = self
            .http
            .retry(Op::CreateServicePrincipal, scope, |_| {
                let body = &body;
                Box::pin(async move {
                    match self
                        .send(
                            Op::CreateServicePrincipal,
                            "servicePrincipals",
                            &[],
                            Some(body),
                            &[],
                        )
                        .await
                    {
                        Ok(r) => Ok(Some(r.json::<ServicePrincipal>()?)),
                        Err(Failure::Http { error, .. }) if error.status == 409 => Ok(None),
                        Err(e) => Err(e),
                    }
                })
            })
            .await;
        if let Some(sp) = self.created_or_found(created, app_id, scope).await? {
            return Ok(sp);
        }
        // It exists: read it (a moment after its create it may not be listed yet).
        self.http
            .retry(Op::GetServicePrincipal, scope, |_| {
                Box::pin(async move {
                    self.find_service_principal(app_id, scope)
                        .await?
                        .ok_or_else(|| Failure::NotYet {
                            reason: RetryReason::Replication,
                            detail: GraphErrorInfo {
                                status: 200,
                                code: "ServicePrincipalNotListedYet".into(),
                                message: format!(
                                    "the service principal of {app_id} is not listed yet"
                                ),
                                request_id: None,
                            },
                        })
                })
            })
            .await
    }

    /// A create's answer (`None`: it existed already). An account that may not create the service
    /// principal still gets the one an admin-consent page created meanwhile.
    async fn created_or_found(
        &self,
        created: Result<Option<ServicePrincipal>>,
        app_id: &str,
        scope: &StepScope,
    ) -> Result<Option<ServicePrincipal>> {
        match created {
            Err(Error::InsufficientPrivileges(g)) => self
                .find_service_principal(app_id, scope)
                .await?
                .ok_or(Error::InsufficientPrivileges(g))
                .map(Some),
            other => other,
        }
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
            .upsert(Op::UpsertServicePrincipal, &path, &body, scope)
            .await;
        if let Some(sp) = self.created_or_found(upserted, app_id, scope).await? {
            return Ok(sp);
        }
        self.get_fields(Op::GetServicePrincipal, &path, "id,appId", scope)
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
                        .send(Op::GrantAppRole, path, &[], Some(body), &[])
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
                Op::ListAppRoleAssignments,
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
}
