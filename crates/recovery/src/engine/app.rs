//! Steps 3–10: the app registration with its permission request, in one write.

use serde_json::json;

use crate::error::{Error, Result};
use crate::events::Reported;
use crate::graph::{Application, Graph, GRAPH_APP_ID};
use crate::journal::{AppRecord, Journal};
use crate::results::AppSummary;
use crate::steps::{Step, StepData};

use super::*;

impl Engine {
    /// Steps 3–10: create (or adopt) the app with its permission request in one write.
    pub(super) async fn create_app(&self, run: &Run<'_>) -> Result<AppRecord> {
        let (g, pre, wanted_app) = (&run.g, run.pre, &run.choice.app);
        let s = run.sink.step(Step::CreateApp);
        let permission_step = run.sink.step(Step::ConfigurePermission);
        // Nothing else runs yet: the journal is this step's until it returns.
        let mut journal = run.cell.lock().await;
        let j = &mut *journal;
        if let Some(app) = j.app.clone() {
            s.skipped(StepData::App {
                app: self.ids(&j.tenant_id, &app),
                reused: app.reused,
            });
            permission_step.skipped(self.permission_data(pre));
            return Ok(app);
        }
        s.begin().await;
        let hand_off = run.route == ConsentRoute::HandOff && *wanted_app == AppChoice::CreateNew;
        let wanted = json!({ "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": pre.app_role_id, "type": "Role" }] });
        let result: Result<(Application, bool)> = async {
            match wanted_app {
                AppChoice::CreateNew => {
                    let mut body = json!({
                        "displayName": self.cfg.app_name,
                        "signInAudience": "AzureADMyOrg",
                        "requiredResourceAccess": [wanted],
                    });
                    if hand_off {
                        // Known up front: register the consent page's return address in the
                        // same write instead of a later PATCH.
                        body["web"] = json!({ "redirectUris": [self.cfg.consent_redirect_uri] });
                    }
                    if !j.upsert_refused {
                        match g.upsert_application(&j.unique_name, &body, &s).await {
                            Ok(app) => return Ok((app, false)),
                            Err(e) if upsert_refused(&e) => {
                                tracing::info!(error = %e, "upsert refused: creating with POST");
                                j.upsert_refused = true;
                                self.save(j)?;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    Ok((self.create_without_upsert(g, j, &body, &s).await?, false))
                }
                AppChoice::Reuse { object_id } => {
                    let app = g.get_application(object_id, &s).await?;
                    g.ensure_app_role(&app, GRAPH_APP_ID, &pre.app_role_id, &s)
                        .await?;
                    Ok((app, true))
                }
            }
        }
        .await;
        let (app, reused) = result.reported(&s)?;
        let rec = AppRecord {
            object_id: app.id.clone(),
            app_id: app.app_id.clone(),
            created_date_time: app.created().unwrap_or_else(|| self.clock.now()),
            reused,
        };
        j.app = Some(rec.clone());
        j.consent_redirect_registered |= hand_off;
        self.save(j)?;
        self.checkpoint(Checkpoint::AppCreated)?;
        s.done(StepData::App {
            app: self.ids(&j.tenant_id, &rec),
            reused,
        });
        permission_step.done(self.permission_data(pre));
        Ok(rec)
    }
}

impl Engine {
    /// Where upsert is refused: the app this run (or the interrupted run it resumes) sent a
    /// create for, if the directory shows it, else a new one; the journal records the create
    /// before it is sent, so a crash between the POST and its answer is looked for next time.
    async fn create_without_upsert(
        &self,
        g: &Graph,
        j: &mut Journal,
        body: &serde_json::Value,
        s: &crate::events::StepScope,
    ) -> Result<Application> {
        let (name, tag) = (self.cfg.app_name.clone(), j.unique_name.clone());
        if j.app_create_sent.is_some() {
            // Sent before, answer unknown: a replication window to show up, counted from now
            // (the journal's time is wall-clock; the window is measured on this run's clock).
            let now = self.clock.instant();
            let window = g.http.policy.replication_window;
            if let Some(app) = g
                .find_tagged_application_within(&name, &tag, now, window, s)
                .await?
            {
                return Ok(app);
            }
        }
        j.app_create_sent = Some(self.clock.now());
        self.save(j)?;
        g.create_application(&name, &tag, body, s).await
    }
}

/// A refusal of `Prefer: create-if-missing`: 404 for the missing key (the header ignored: the
/// upsert pages document 404 only for a request without it), or a 400/405/501 that names the
/// header or says the operation is not supported.
fn upsert_refused(e: &Error) -> bool {
    let Error::Graph(g) = e else {
        return false;
    };
    let msg = g.message.to_ascii_lowercase();
    g.status == 404
        || g.status == 405
        || g.status == 501
        || (g.status == 400
            && (msg.contains("create-if-missing")
                || msg.contains("prefer")
                || msg.contains("not supported")))
}

pub(super) fn summary(a: &Application) -> AppSummary {
    AppSummary {
        object_id: a.id.clone(),
        app_id: a.app_id.clone(),
        display_name: a.display_name.clone().unwrap_or_default(),
        created_date_time: a.created_date_time.clone(),
    }
}
