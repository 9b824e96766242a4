//! Steps 1–2: who signed in, the tenant, the roles, Microsoft Graph's service principal and the
//! existing apps, read concurrently, without writing anything.

use crate::auth::Session;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::EventSink;
use crate::events::Reported;
use crate::graph::{AUDIT_LOG_READ_ALL, AUDIT_LOG_READ_ALL_ROLE_ID};
use crate::results::{AppSummary, TenantInfo};
use crate::steps::{Step, StepData};

use super::*;

impl Engine {
    /// Steps 1–2 without writing anything: tenant, roles, Microsoft Graph's service principal and
    /// existing apps, read concurrently.
    pub async fn precheck(&self, session: &Session, sink: &EventSink) -> Result<Precheck> {
        let g = self.graph(session);
        let tenant_step = sink.step(Step::ReadTenant);
        let existing_step = sink.step(Step::FindExisting);
        tenant_step.started();
        existing_step.started();
        let (org, roles, eligible, graph_sp, apps) = tokio::join!(
            g.organization(&tenant_step),
            g.my_directory_roles(&tenant_step),
            g.my_eligible_role_templates(),
            g.graph_service_principal(&tenant_step),
            g.find_applications(&self.cfg.app_name, &existing_step),
        );
        let org = org.reported(&tenant_step)?;
        let graph_sp = graph_sp.reported(&tenant_step)?;
        let apps = apps.reported(&existing_step)?;
        let roles = role_check(roles, &eligible);
        let app_role_id = graph_sp
            .app_roles
            .iter()
            .find(|r| {
                r.value.as_deref() == Some(AUDIT_LOG_READ_ALL)
                    && r.allowed_member_types.iter().any(|t| t == "Application")
                    && r.is_enabled != Some(false)
            })
            .map(|r| r.id.clone())
            .ok_or_else(|| {
                Error::Graph(GraphErrorInfo {
                    status: 200,
                    code: "AppRoleNotFound".into(),
                    message: format!("Microsoft Graph in this tenant offers no {AUDIT_LOG_READ_ALL} application permission"),
                    request_id: None,
                })
            })
            .reported(&tenant_step)?;
        if app_role_id != AUDIT_LOG_READ_ALL_ROLE_ID {
            tracing::warn!(%app_role_id, "AuditLog.Read.All has an unexpected id in this cloud");
        }
        let tenant = TenantInfo {
            tenant_id: org.id.clone(),
            display_name: org.display_name.clone().unwrap_or_default(),
            default_domain: org
                .verified_domains
                .iter()
                .find(|d| d.is_default == Some(true))
                .or(org.verified_domains.first())
                .map(|d| d.name.clone()),
        };
        tenant_step.done(StepData::Tenant {
            tenant: tenant.clone(),
            roles: roles.clone(),
        });
        let existing: Vec<AppSummary> = apps.iter().map(summary).collect();
        existing_step.done(StepData::Existing {
            apps: existing.clone(),
        });
        let resume = self.journals.load(&session.tenant_id())?;
        Ok(Precheck {
            session: session.info(),
            tenant,
            roles,
            existing,
            graph_service_principal_id: graph_sp.id,
            app_role_id,
            resume,
        })
    }
}
