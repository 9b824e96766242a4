//! Deleting a recorded run's app registration, only ever through a sign-in to the tenant the app
//! lives in: the front end's own sign-in when it is to that tenant, else one made for the
//! deletion alone ([`Recovery::delete_run`]). The tenant guard ([`same_tenant`]) also serves a
//! front end that deletes the app it just made.

use std::future::Future;

use crate::api::Recovery;
use crate::auth::Session;
use crate::cloud::Cloud;
use crate::engine::{CleanupOptions, CleanupReport, RunStatus};
use crate::events::EventSink;
use crate::journal::AppRecord;
use crate::runs::RunError;

/// A tenant as a refusal names it: `name (id)`, or the id alone when no name is known.
#[derive(Debug, Clone, Copy)]
pub struct TenantName<'a> {
    pub id: &'a str,
    /// Empty: not known.
    pub name: &'a str,
}

impl<'a> TenantName<'a> {
    /// A tenant known by its id alone.
    pub fn unnamed(id: &'a str) -> Self {
        Self { id, name: "" }
    }

    fn named(&self) -> String {
        if self.name.is_empty() {
            self.id.to_string()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }
}

/// Refuses to touch an app in tenant `app` through a session signed in to tenant `signed_in`:
/// deleting needs a sign-in to the tenant the app lives in. Tenant ids compare as GUIDs do,
/// whatever their case.
pub fn same_tenant(signed_in: TenantName<'_>, app: TenantName<'_>) -> Result<(), RunError> {
    if signed_in.id.eq_ignore_ascii_case(app.id) {
        return Ok(());
    }
    Err(RunError::OtherTenant {
        signed_in: signed_in.named(),
        wanted: app.named(),
    })
}

/// Where a deletion's own sign-in goes: the run's tenant, in the cloud its journal says it last
/// signed in to (None: not recorded; the front end's choice then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTenant {
    pub tenant_id: String,
    pub cloud: Option<Cloud>,
}

impl Recovery {
    /// Deletes a recorded run's app registration (with `purge`, from deleted items too) and
    /// forgets its secret. `self` is the core that knows the run (this computer's journal and
    /// keychain). The deletion goes through `current` (the front end's sign-in) when it is a
    /// sign-in to the run's tenant, else through the sign-in `sign_in` makes to [`RunTenant`],
    /// which is signed out again afterwards. Returns the run as it was before, and what was
    /// deleted.
    pub async fn delete_run<E, F, Fut>(
        &self,
        tenant_id: &str,
        run_id: &str,
        purge: bool,
        current: Option<(Recovery, Session)>,
        sign_in: F,
        sink: &EventSink,
    ) -> Result<(RunStatus, CleanupReport), E>
    where
        E: From<RunError>,
        F: FnOnce(RunTenant) -> Fut,
        Fut: Future<Output = Result<(Recovery, Session), E>>,
    {
        let run = self.find_run(tenant_id, run_id).await?;
        // Nothing to delete needs no sign-in.
        app_to_delete(&run)?;
        let current = current.filter(|(_, session)| {
            session
                .tenant_id()
                .eq_ignore_ascii_case(&run.journal.tenant_id)
        });
        let (recovery, session, own) = match current {
            Some((recovery, session)) => (recovery, session, false),
            None => {
                let (recovery, session) = sign_in(RunTenant {
                    tenant_id: run.journal.tenant_id.clone(),
                    cloud: run.journal.last_sign_in().map(|s| s.cloud),
                })
                .await?;
                (recovery, session, true)
            }
        };
        let result = recovery.delete_run_app(&session, &run, purge, sink).await;
        if own {
            // The sign-in was for this deletion only.
            let _ = recovery.sign_out(Some(session)).await;
        }
        Ok((run, result?))
    }

    /// Whether `session` is, as far as this computer can tell, the tenant `tenant` names: its id
    /// (in any case), or the domain or requested name of a run recorded here for that tenant.
    /// `false` when it cannot tell (a domain no run here knows): only a sign-in pinned to the
    /// name can.
    pub async fn is_named_tenant(
        &self,
        session: &Session,
        tenant: &str,
    ) -> crate::error::Result<bool> {
        let tid = session.tenant_id();
        if tenant.trim().eq_ignore_ascii_case(&tid) {
            return Ok(true);
        }
        let runs = self.runs().await?;
        Ok(runs
            .iter()
            .any(|r| r.journal.tenant_id == tid && r.journal.is_for(tenant)))
    }

    /// Deletes `run`'s app through `session`, this core's sign-in, which must be to the run's
    /// tenant: another tenant's session is refused before anything is sent.
    pub async fn delete_run_app(
        &self,
        session: &Session,
        run: &RunStatus,
        purge: bool,
        sink: &EventSink,
    ) -> Result<CleanupReport, RunError> {
        let app = app_to_delete(run)?;
        let signed_in = session.tenant_id();
        same_tenant(
            TenantName::unnamed(&signed_in),
            TenantName {
                id: &run.journal.tenant_id,
                name: &run.tenant_label,
            },
        )?;
        let opts = CleanupOptions {
            purge,
            object_id: Some(app.object_id.clone()),
        };
        Ok(self.cleanup(session, &opts, sink).await?)
    }
}

/// The run's app, or the refusal of a run that has none left to delete.
fn app_to_delete(run: &RunStatus) -> Result<&AppRecord, RunError> {
    run.live_app().ok_or_else(|| RunError::NoApp {
        tenant: run.tenant_label.clone(),
    })
}
