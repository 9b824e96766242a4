//! Steps 13–16: the client secret, kept in the keychain; a secret that could not be kept is
//! removed.

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::events::Reported;
use crate::events::{EventSink, Step, StepData, StepScope};
use crate::graph::Graph;
use crate::journal::{AppRecord, PasswordRecord};
use crate::secret::Secret;
use crate::vault;

use super::*;

impl Engine {
    /// Steps 13–16: a new secret, straight into the keychain. Cleans up after a crash that left a
    /// secret made but not stored.
    pub(super) async fn secret_branch(
        &self,
        g: &Graph,
        cell: &JournalCell,
        tid: &str,
        app: &AppRecord,
        sink: &EventSink,
    ) -> Result<(PasswordRecord, Secret)> {
        let s = sink.step(Step::CreateSecret);
        let store_step = sink.step(Step::StoreSecret);
        let account = vault::client_secret_account(tid, &app.app_id);
        let acc = account.clone();
        let stored: Option<StoredSecret> = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await
            .reported(&store_step)?
            .and_then(|raw| serde_json::from_str(raw.expose()).ok());
        let (rec, pending) = {
            let j = cell.lock().await;
            (j.password.clone(), j.password_pending_since)
        };
        if let (Some(rec), Some(st)) = (&rec, &stored) {
            if rec.key_id == st.key_id {
                if !rec.stored {
                    // Killed between the keychain write and the journal write.
                    self.save_cell(cell, |j| {
                        if let Some(p) = j.password.as_mut() {
                            p.stored = true;
                        }
                        j.password_pending_since = None;
                    })
                    .await?;
                }
                let mut rec = rec.clone();
                rec.stored = true;
                s.skipped(secret_data(&rec));
                store_step.skipped(StepData::SecretStored {
                    key_id: rec.key_id.clone(),
                });
                return Ok((rec, Secret::new(st.secret_text.clone())));
            }
        }
        s.begin().await;
        if pending.is_some() || rec.is_some() {
            // A secret made by an earlier, interrupted attempt is unusable (its value is lost):
            // remove it before making the new one.
            let known = rec.as_ref().map(|r| r.key_id.clone());
            self.remove_orphans(g, app, pending, known.as_deref(), &s)
                .await
                .reported(&s)?;
        }
        let now = self.http.clock.now();
        self.save_cell(cell, |j| {
            j.password_pending_since = Some(now);
            j.password = None;
        })
        .await?;
        self.checkpoint(Checkpoint::PasswordPending)?;
        let end = now + self.cfg.secret_lifetime;
        let sref = &s;
        let reconcile = || -> futures::future::BoxFuture<'_, Result<()>> {
            Box::pin(async move { self.remove_orphans(g, app, Some(now), None, sref).await })
        };
        let new = g
            .add_password(&app.object_id, &self.cfg.app_name, end, &s, &reconcile)
            .await
            .reported(&s)?;
        let rec = PasswordRecord {
            key_id: new.key_id.clone(),
            hint: new.hint.clone(),
            end_date_time: new.end_date_time,
            stored: false,
        };
        let stored_rec = rec.clone();
        self.save_cell(cell, move |j| j.password = Some(stored_rec))
            .await?;
        self.checkpoint(Checkpoint::PasswordAdded)?;
        s.done(secret_data(&rec));

        store_step.begin().await;
        let value = Secret::new(
            serde_json::to_string(&StoredSecret {
                key_id: new.key_id.clone(),
                secret_text: new.secret.expose().to_string(),
            })
            .map_err(|e| Error::Internal(e.to_string()))?,
        );
        let acc = account.clone();
        if let Err(e) = vault::blocking(&self.vault, move |v| v.set(&acc, &value)).await {
            // The secret cannot be kept anywhere: do not leave a usable credential behind.
            if let Err(e2) = g
                .remove_password(&app.object_id, &new.key_id, &store_step)
                .await
            {
                tracing::warn!(error = %e2, "could not remove the secret that could not be stored");
            } else {
                let _ = self
                    .save_cell(cell, |j| {
                        j.password = None;
                        j.password_pending_since = None;
                    })
                    .await;
            }
            store_step.failed(&e);
            return Err(e);
        }
        self.save_cell(cell, |j| {
            if let Some(p) = j.password.as_mut() {
                p.stored = true;
            }
            j.password_pending_since = None;
        })
        .await?;
        self.checkpoint(Checkpoint::SecretStored)?;
        let mut rec = rec;
        rec.stored = true;
        store_step.done(StepData::SecretStored {
            key_id: rec.key_id.clone(),
        });
        Ok((rec, new.secret))
    }

    /// Removes credentials with our description that an interrupted attempt made: the one the
    /// journal names, and any made since `since`.
    pub(super) async fn remove_orphans(
        &self,
        g: &Graph,
        app: &AppRecord,
        since: Option<OffsetDateTime>,
        known: Option<&str>,
        s: &StepScope,
    ) -> Result<()> {
        let creds = g.list_passwords(&app.object_id, s).await?;
        // Allow for clock skew between this computer and Microsoft.
        let since = since.map(|t| t - time::Duration::minutes(10));
        for c in creds {
            if c.display_name.as_deref() != Some(self.cfg.app_name.as_str()) {
                continue;
            }
            let recent = match (
                since,
                c.start_date_time
                    .as_deref()
                    .and_then(crate::graph::parse_graph_time),
            ) {
                (Some(since), Some(start)) => start >= since,
                _ => false,
            };
            if known == Some(c.key_id.as_str()) || recent {
                tracing::info!(key_id = %c.key_id, "removing an orphaned client secret");
                g.remove_password(&app.object_id, &c.key_id, s).await?;
            }
        }
        Ok(())
    }
}

pub(super) fn secret_data(rec: &PasswordRecord) -> StepData {
    StepData::Secret {
        key_id: rec.key_id.clone(),
        hint: rec.hint.clone(),
        end_date_time: rec.end_date_time,
    }
}
