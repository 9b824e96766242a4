//! The runs this computer knows, from the journal and the keychain without signing in: their
//! status, revealing a run's secret, forgetting a run or its secret.

use crate::api::Recovery;
use crate::engine::{RunStatus, StoredSecret};
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::secret::Secret;
use crate::vault;

impl Recovery {
    /// The state of every open run (not cleaned up), without signing in.
    pub async fn status(&self) -> Result<Vec<RunStatus>> {
        let mut out = Vec::new();
        for j in self.engine.journals().all()? {
            out.push(self.run_status(j, false).await?);
        }
        Ok(out)
    }

    /// Every run this computer knows, the cleaned-up ones too, newest first: the Runs page and
    /// `status`.
    pub async fn runs(&self) -> Result<Vec<RunStatus>> {
        let mut out = self.status().await?;
        // A cleanup writes a run's closed record before it removes the open journal (so the run
        // never goes missing from this list); a listing in that moment sees it once, still open.
        let open: std::collections::HashSet<(String, String)> = out
            .iter()
            .map(|s| (s.journal.tenant_id.clone(), s.journal.run_id.clone()))
            .collect();
        for j in self.engine.journals().all_closed()? {
            if !open.contains(&(j.tenant_id.clone(), j.run_id.clone())) {
                out.push(self.run_status(j, true).await?);
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.started));
        Ok(out)
    }

    async fn run_status(&self, j: Journal, closed: bool) -> Result<RunStatus> {
        let secret_in_keychain = match &j.app {
            Some(a) if !closed => {
                let acc = vault::client_secret_account(&j.tenant_id, &a.app_id);
                // A keychain that fails to answer (locked, busy) must not hide the list: the run
                // is shown without its secret, and revealing it says what is wrong.
                match vault::blocking(&self.vault, move |v| v.get(&acc)).await {
                    Ok(found) => found.is_some(),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not look for a run's secret in the keychain");
                        false
                    }
                }
            }
            _ => false,
        };
        let complete =
            !closed && j.verified_at.is_some() && j.password.as_ref().is_some_and(|p| p.stored);
        let deadline = j.deadline();
        let (tenant_name, default_domain) = j.tenant_names();
        let tenant_label = j.tenant_label();
        Ok(RunStatus {
            deadline,
            secret_in_keychain,
            complete,
            done_steps: j.done_steps(),
            state: j.state(closed),
            expired: !closed && deadline.is_some_and(|d| d <= self.http.clock.now()),
            started: j.started(),
            tenant_name,
            default_domain,
            tenant_label,
            journal: j,
        })
    }

    /// Forgets a run: its journal, and its secret in this computer's keychain (the app
    /// registration stays in the tenant). `run_id` picks the run, so a page that is out of date
    /// cannot forget a newer run of the same tenant. Returns whether there was such a run.
    pub async fn forget_run(&self, tenant_id: &str, run_id: &str) -> Result<bool> {
        if let Some(j) = self
            .engine
            .journals()
            .load(tenant_id)?
            .filter(|j| j.run_id == run_id)
        {
            let _lock = self.engine.journals().lock(tenant_id)?;
            if let Some(app) = &j.app {
                self.forget_secret(tenant_id, &app.app_id).await?;
            }
            return self.engine.journals().remove(tenant_id);
        }
        match self
            .engine
            .journals()
            .all_closed()?
            .into_iter()
            .find(|j| j.tenant_id == tenant_id && j.run_id == run_id)
        {
            Some(j) => self.engine.journals().remove_closed(&j),
            None => Ok(false),
        }
    }

    pub async fn forget_secret(&self, tenant_id: &str, app_id: &str) -> Result<bool> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        vault::blocking(&self.vault, move |v| v.delete(&acc)).await
    }

    /// The stored client secret, for a deliberate reveal.
    pub async fn reveal_secret(&self, tenant_id: &str, app_id: &str) -> Result<Secret> {
        let acc = vault::client_secret_account(tenant_id, app_id);
        let raw = vault::blocking(&self.vault, move |v| v.get(&acc))
            .await?
            .ok_or(Error::SecretMissing)?;
        let stored: StoredSecret =
            serde_json::from_str(raw.expose()).map_err(|_| Error::SecretMissing)?;
        Ok(Secret::new(stored.secret_text))
    }
}
