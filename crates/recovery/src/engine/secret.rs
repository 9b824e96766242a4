//! Steps 13–16: the client secret, kept in the keychain; a secret that could not be kept is
//! removed.

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::events::Reported;
use crate::events::StepScope;
use crate::graph::{Graph, NewPassword};
use crate::journal::{AppRecord, PasswordRecord};
use crate::secret::Secret;
use crate::steps::{Step, StepData};
use crate::vault;

use super::*;

impl Engine {
    /// Steps 13–16: a new secret, straight into the keychain. Cleans up after a crash that left a
    /// secret made but not stored.
    pub(super) async fn secret_branch(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
    ) -> Result<(PasswordRecord, Secret)> {
        let create_step = run.sink.step(Step::CreateSecret);
        let store_step = run.sink.step(Step::StoreSecret);
        let account = vault::client_secret_account(&run.tid, &app.app_id);
        if let Some(kept) = self
            .kept_secret(&run.cell, &account, &create_step, &store_step)
            .await?
        {
            return Ok(kept);
        }
        create_step.begin().await;
        let (rec, new) = self.create_secret(run, app, &create_step).await?;
        store_step.begin().await;
        let rec = self
            .store_secret(run, app, &account, &new, rec, &store_step)
            .await?;
        Ok((rec, new.secret))
    }

    /// A resumed run whose secret is in the keychain already: that secret, and both steps
    /// reported as done before.
    async fn kept_secret(
        &self,
        cell: &JournalCell,
        account: &str,
        create_step: &StepScope,
        store_step: &StepScope,
    ) -> Result<Option<(PasswordRecord, Secret)>> {
        let acc = account.to_string();
        let kept: Option<StoredSecret> = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await
            .reported(store_step)?
            .and_then(|raw| serde_json::from_str(raw.expose()).ok());
        let rec = cell.lock().await.password.clone();
        let (Some(mut rec), Some(kept)) = (rec, kept) else {
            return Ok(None);
        };
        if rec.key_id != kept.key_id {
            return Ok(None);
        }
        if !rec.stored {
            // Killed between the keychain write and the journal write.
            self.mark_stored(cell).await?;
        }
        rec.stored = true;
        create_step.skipped(secret_data(&rec));
        store_step.skipped(StepData::SecretStored {
            key_id: rec.key_id.clone(),
        });
        Ok(Some((rec, Secret::new(kept.secret_text))))
    }

    /// Steps 13–15: `addPassword`, after removing what an interrupted attempt left (its value is
    /// lost, so it is unusable). Journaled before and after, so a kill never leaves a secret
    /// nobody knows of.
    async fn create_secret(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
        step: &StepScope,
    ) -> Result<(PasswordRecord, NewPassword)> {
        let (g, cell) = (&run.g, &run.cell);
        let (earlier, pending) = {
            let j = cell.lock().await;
            (j.password.clone(), j.password_pending_since)
        };
        if pending.is_some() || earlier.is_some() {
            let known = earlier.as_ref().map(|r| r.key_id.clone());
            self.remove_orphans(g, app, pending, known.as_deref(), step)
                .await
                .reported(step)?;
        }
        let now = self.clock.now();
        self.save_cell(cell, |j| {
            j.password_pending_since = Some(now);
            j.password = None;
        })
        .await?;
        self.checkpoint(Checkpoint::PasswordPending)?;
        let end = now + self.cfg.secret_lifetime;
        let reconcile = || -> futures::future::BoxFuture<'_, Result<()>> {
            Box::pin(async move { self.remove_orphans(g, app, Some(now), None, step).await })
        };
        let new = g
            .add_password(&app.object_id, &self.cfg.app_name, end, step, &reconcile)
            .await
            .reported(step)?;
        let rec = PasswordRecord {
            key_id: new.key_id.clone(),
            hint: new.hint.clone(),
            end_date_time: new.end_date_time,
            stored: false,
        };
        let journaled = rec.clone();
        self.save_cell(cell, move |j| j.password = Some(journaled))
            .await?;
        self.checkpoint(Checkpoint::PasswordAdded)?;
        step.done(secret_data(&rec));
        Ok((rec, new))
    }

    /// Step 16: the secret into the keychain. A secret that cannot be kept anywhere is removed
    /// from the app: no usable credential is left behind.
    async fn store_secret(
        &self,
        run: &Run<'_>,
        app: &AppRecord,
        account: &str,
        new: &NewPassword,
        mut rec: PasswordRecord,
        step: &StepScope,
    ) -> Result<PasswordRecord> {
        let (g, cell) = (&run.g, &run.cell);
        let value = Secret::new(
            serde_json::to_string(&StoredSecret {
                key_id: new.key_id.clone(),
                secret_text: new.secret.expose().to_string(),
            })
            .map_err(|e| Error::Internal(e.to_string()))?,
        );
        let acc = account.to_string();
        if let Err(e) = vault::blocking(&self.vault, move |v| v.set(&acc, &value)).await {
            match g.remove_password(&app.object_id, &new.key_id, step).await {
                Err(e2) => {
                    tracing::warn!(error = %e2, "could not remove the secret that could not be stored")
                }
                Ok(()) => {
                    let _ = self
                        .save_cell(cell, |j| {
                            j.password = None;
                            j.password_pending_since = None;
                        })
                        .await;
                }
            }
            step.failed(&e);
            return Err(e);
        }
        self.mark_stored(cell).await?;
        self.checkpoint(Checkpoint::SecretStored)?;
        rec.stored = true;
        step.done(StepData::SecretStored {
            key_id: rec.key_id.clone(),
        });
        Ok(rec)
    }

    async fn mark_stored(&self, cell: &JournalCell) -> Result<()> {
        self.save_cell(cell, |j| {
            if let Some(p) = j.password.as_mut() {
                p.stored = true;
            }
            j.password_pending_since = None;
        })
        .await
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
