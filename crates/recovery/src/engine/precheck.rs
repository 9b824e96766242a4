//! Steps 1–2: who signed in, the tenant, the roles, Microsoft Graph's service principal and the
//! existing apps, read concurrently, without writing anything.

use crate::auth::Session;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::Reported;
use crate::events::{AppSummary, EventSink, Step, StepData, TenantInfo};
use crate::graph::{AUDIT_LOG_READ_ALL, AUDIT_LOG_READ_ALL_ROLE_ID};

use super::*;

impl Engine {
    /// Steps 1–2 without writing anything: tenant, roles, Microsoft Graph's service principal and
    /// existing apps, read concurrently.
    pub async fn precheck(&self, session: &Session, sink: &EventSink) -> Result<Precheck> {
        let g = self.graph(session);
        let st = sink.step(Step::ReadTenant);
        let sf = sink.step(Step::FindExisting);
        st.started();
        sf.started();
        let (org, roles, eligible, gsp, apps) = tokio::join!(
            g.organization(&st),
            g.my_directory_roles(&st),
            g.my_eligible_role_templates(),
            g.graph_service_principal(&st),
            g.find_applications(&self.cfg.app_name, &sf),
        );
        let org = org.reported(&st)?;
        let gsp = gsp.reported(&st)?;
        let apps = apps.reported(&sf)?;
        let roles = role_check(roles, &eligible);
        let app_role_id = gsp
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
            .reported(&st)?;
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
        st.done(StepData::Tenant {
            tenant: tenant.clone(),
            roles: roles.clone(),
        });
        let existing: Vec<AppSummary> = apps.iter().map(summary).collect();
        sf.done(StepData::Existing {
            apps: existing.clone(),
        });
        let resume = self.journals.load(&session.tenant_id())?;
        Ok(Precheck {
            session: session.info(),
            tenant,
            roles,
            existing,
            graph_service_principal_id: gsp.id,
            app_role_id,
            resume,
        })
    }
}
