//! Steps 11–12: the service principal, admin consent (or its hand-off to the admin-consent link)
//! and the read-back that is the portal's green tick.

use crate::error::{Error, Result};
use crate::events::Reported;
use crate::events::StepScope;
use crate::journal::AppRecord;
use crate::steps::{Step, StepData};

use super::*;

impl Engine {
    /// Step 11: service principal, then admin consent. Returns the assignment id, or None when
    /// consent was handed to another administrator.
    pub(super) async fn consent_branch(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
    ) -> Result<Option<String>> {
        match self.service_principal(run, app).await? {
            Some(sp_id) => self.grant(run, app, &sp_id).await,
            None => Ok(None),
        }
    }

    /// The app's service principal: its id, or None when the account may not create it and the
    /// consent was handed to the admin-consent link instead.
    async fn service_principal(&self, run: &Run<'_>, app: &AppRecord) -> Result<Option<String>> {
        let (g, cell) = (&run.g, &run.cell);
        let s = run.sink.step(Step::CreateServicePrincipal);
        if let Some(id) = cell.lock().await.service_principal_id.clone() {
            s.skipped(StepData::ServicePrincipal { id: id.clone() });
            return Ok(Some(id));
        }
        s.begin().await;
        let upsert_refused = cell.lock().await.upsert_refused;
        let created = if upsert_refused {
            g.create_service_principal(&app.app_id, &s).await
        } else {
            g.upsert_service_principal(&app.app_id, &s).await
        };
        match created {
            Ok(sp) => {
                self.save_cell(cell, |j| j.service_principal_id = Some(sp.id.clone()))
                    .await?;
                self.checkpoint(Checkpoint::ServicePrincipalCreated)?;
                s.done(StepData::ServicePrincipal { id: sp.id.clone() });
                Ok(Some(sp.id))
            }
            // Creating an app's service principal needs Application Administrator, Cloud
            // Application Administrator, or (for an owner of a single-tenant app) Application
            // Developer (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>):
            // a Privileged Role Administrator has none of them. The admin-consent page creates
            // the service principal itself, so the link still finishes the job, opened by this
            // user or another Global or Privileged Role Administrator.
            Err(Error::InsufficientPrivileges(_)) => {
                let url = self.hand_off_consent(run, app, &s).await?;
                s.done(StepData::ConsentHandedOff {
                    admin_consent_url: url.clone(),
                });
                run.sink
                    .step(Step::GrantConsent)
                    .done(StepData::ConsentHandedOff {
                        admin_consent_url: url,
                    });
                Ok(None)
            }
            Err(e) => {
                s.failed(&e);
                Err(e)
            }
        }
    }

    /// Admin consent for AuditLog.Read.All, or its hand-off when refused and the route allows.
    async fn grant(&self, run: &Run<'_>, app: &AppRecord, sp_id: &str) -> Result<Option<String>> {
        let (g, cell, pre) = (&run.g, &run.cell, run.pre);
        let s = run.sink.step(Step::GrantConsent);
        let (assigned, handed_off) = {
            let j = cell.lock().await;
            (j.assignment_id.clone(), j.consent_handed_off)
        };
        if let Some(id) = assigned {
            s.skipped(StepData::Consent {
                assignment_id: id.clone(),
            });
            return Ok(Some(id));
        }
        s.begin().await;
        match g
            .grant_app_role(
                &pre.graph_service_principal_id,
                sp_id,
                &pre.app_role_id,
                // A reused app, or one whose consent was handed to another admin, may hold the
                // grant already: look before granting.
                app.reused || handed_off,
                &s,
            )
            .await
        {
            Ok(a) => {
                self.save_cell(cell, |j| {
                    j.assignment_id = Some(a.id.clone());
                    j.consent_handed_off = false;
                })
                .await?;
                self.checkpoint(Checkpoint::ConsentGranted)?;
                s.done(StepData::Consent {
                    assignment_id: a.id.clone(),
                });
                Ok(Some(a.id))
            }
            Err(Error::ConsentRequiresPrivilegedRole(_)) if run.route.may_hand_off() => {
                let url = self.hand_off_consent(run, app, &s).await?;
                s.done(StepData::ConsentHandedOff {
                    admin_consent_url: url,
                });
                Ok(None)
            }
            Err(e) => {
                s.failed(&e);
                Err(e)
            }
        }
    }

    /// Hands steps 11–12 to the admin-consent link: the app gets the portal as a return address
    /// (the page refuses to work without one registered, AADSTS500113), and the journal
    /// remembers the hand-off. Returns the link.
    pub(super) async fn hand_off_consent(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
        s: &StepScope,
    ) -> Result<String> {
        let (g, cell) = (&run.g, &run.cell);
        if !cell.lock().await.consent_redirect_registered {
            g.ensure_redirect_uri(&app.object_id, &self.cfg.consent_redirect_uri, s)
                .await
                .reported(s)?;
        }
        self.save_cell(cell, |j| {
            j.consent_handed_off = true;
            j.consent_redirect_registered = true;
        })
        .await?;
        Ok(self.consent_url(&run.pre.tenant.tenant_id, &app.app_id))
    }

    /// Step 12: the green tick. `proved` turns true when the app's own token carries
    /// AuditLog.Read.All: a read-back still not done a little after that (or that gives up after
    /// it) does not fail the run; the step and the receipt say the token proved the grant.
    pub(super) async fn confirm(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
        proved: tokio::sync::watch::Receiver<bool>,
    ) -> Result<()> {
        let (g, cell, pre) = (&run.g, &run.cell, run.pre);
        let s = run.sink.step(Step::ConfirmConsent);
        let (done, sp_id) = {
            let j = cell.lock().await;
            (j.consent_confirmed, j.service_principal_id.clone())
        };
        if done {
            s.skipped(StepData::ConsentConfirmed { granted: true });
            return Ok(());
        }
        let sp_id = sp_id
            .ok_or_else(|| Error::Internal(format!("no service principal for {}", app.app_id)))?;
        s.begin().await;
        // The read-back is off the critical path (verification runs alongside): poll it gently.
        let gentle = g.with_policy(g.http.policy.gentle());
        let read_back = gentle.confirm_assignment(
            &sp_id,
            &pre.graph_service_principal_id,
            &pre.app_role_id,
            &s,
        );
        // Once the token proved the grant, the read-back gets a replication window more.
        let grace = self.http.policy.replication_window;
        let clock = self.clock.clone();
        let mut proof = proved.clone();
        let proved_then_grace = async move {
            if proof.wait_for(|p| *p).await.is_err() {
                // Verification failed: its error ends the run; the read-back goes on meanwhile.
                futures::future::pending::<()>().await;
            }
            clock.sleep(grace).await;
        };
        let read_back = tokio::select! {
            r = read_back => r,
            () = proved_then_grace => Err(Error::RetriesExhausted {
                attempts: 0,
                seconds: grace.as_secs_f64(),
                last: crate::error::GraphErrorInfo {
                    status: 0,
                    code: "ReadBackSlow".into(),
                    message: "the grant did not read back yet".into(),
                    request_id: None,
                },
            }),
        };
        let granted = match read_back {
            Ok(_) => true,
            // Waiting gave out (or the connection): the token decides, once verification ends.
            Err(e @ (Error::RetriesExhausted { .. } | Error::Network(_))) => {
                let mut proof = proved;
                let token_proved = proof.wait_for(|p| *p).await.is_ok();
                if !token_proved {
                    s.failed(&e);
                    return Err(e);
                }
                tracing::info!(error = %e, "the grant's read-back was slow; the app's token proved it");
                false
            }
            Err(e) => {
                s.failed(&e);
                return Err(e);
            }
        };
        self.save_cell(cell, |j| {
            j.consent_confirmed = true;
            j.consent_proved_by_token = !granted;
        })
        .await?;
        self.checkpoint(Checkpoint::ConsentConfirmed)?;
        s.done(StepData::ConsentConfirmed { granted });
        Ok(())
    }
}
