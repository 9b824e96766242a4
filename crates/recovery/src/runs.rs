//! The runs this computer knows, from the journal and the keychain without signing in: their
//! status, finding one by tenant and run id, its receipt, revealing its secret, forgetting a run
//! or its secret. What a front end may do with a run, and the words for a refusal
//! ([`RunError`]), live here once for the desktop app's Runs page and the CLI.

use crate::api::Recovery;
use crate::engine::{RunStatus, StoredSecret};
use crate::error::{Code, Error, ErrorInfo, Result};
use crate::journal::{AppRecord, Journal, RunState};
use crate::receipt::Receipt;
use crate::secret::Secret;
use crate::vault;

/// Why an action on a recorded run was refused, in the words a front end shows
/// ([`RunError::info`]); or the core's own error on the way.
#[derive(Debug)]
pub enum RunError {
    /// No run of that tenant and id is recorded on this computer (a page out of date).
    NotRecorded,
    /// The run has no app registration left: it was cleaned up, or never made one. `tenant` is
    /// the run's [`RunStatus::tenant_label`].
    NoApp { tenant: String },
    /// The run's client secret is not stored on this computer.
    NoSecret { tenant: String },
    /// A session for another tenant than the app's: nothing was deleted. Both as a message
    /// names them ([`crate::deletion::TenantName`]).
    OtherTenant { signed_in: String, wanted: String },
    /// The core's error (the journal, the keychain, Graph).
    Core(Error),
}

impl From<Error> for RunError {
    fn from(e: Error) -> Self {
        Self::Core(e)
    }
}

impl RunError {
    /// What a front end shows: the stable code, the message and what to do.
    pub fn info(&self) -> ErrorInfo {
        let refusal = |code: Code, message: String, remedy: Option<String>| ErrorInfo {
            code,
            message,
            remedy: remedy.unwrap_or_else(|| code.remedy().to_string()),
            request_id: None,
        };
        match self {
            Self::NotRecorded => refusal(
                Code::InvalidInput,
                "This run is no longer recorded on this computer.".into(),
                Some("Open the Runs page again to see the runs this computer knows.".into()),
            ),
            Self::NoApp { tenant } => refusal(
                Code::AppNotFound,
                format!("The run for {tenant} has no app registration left to delete."),
                None,
            ),
            Self::NoSecret { tenant } => refusal(
                Code::SecretMissing,
                format!(
                    "The client secret of the run for {tenant} is no longer stored on this computer."
                ),
                None,
            ),
            Self::OtherTenant { signed_in, wanted } => refusal(
                Code::InvalidInput,
                format!(
                    "You are signed in to {signed_in}, but this app registration is in {wanted}. Nothing was deleted."
                ),
                Some(format!(
                    "Sign in to {wanted} and try again: Delete on the Runs page signs you in to the right tenant."
                )),
            ),
            Self::Core(e) => e.info(),
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Core(e) => e.fmt(f),
            other => f.write_str(&other.info().message),
        }
    }
}

impl std::error::Error for RunError {}

impl RunStatus {
    /// The run's app while its registration exists (not cleaned up).
    pub fn live_app(&self) -> Option<&AppRecord> {
        self.journal
            .app
            .as_ref()
            .filter(|_| self.state != RunState::CleanedUp)
    }

    /// The run's app whose client secret this computer's keychain holds.
    pub fn app_with_secret(&self) -> std::result::Result<&AppRecord, RunError> {
        self.live_app()
            .filter(|_| self.secret_in_keychain)
            .ok_or_else(|| RunError::NoSecret {
                tenant: self.tenant_label.clone(),
            })
    }
}

/// The most recently updated of `runs` (with `needs_app`: of those that created their app): the
/// run a page or a command means when none is named.
pub fn latest(runs: &[RunStatus], needs_app: bool) -> Option<&RunStatus> {
    runs.iter()
        .filter(|s| !needs_app || s.journal.app.is_some())
        .max_by_key(|s| s.journal.updated)
}

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

    /// The tenant's open run (not cleaned up), if this computer has one.
    pub async fn open_run(&self, tenant_id: &str) -> Result<Option<RunStatus>> {
        Ok(self
            .status()
            .await?
            .into_iter()
            .find(|s| s.journal.tenant_id == tenant_id))
    }

    /// A run this computer knows (cleaned-up ones too), by its tenant and run id.
    pub async fn find_run(
        &self,
        tenant_id: &str,
        run_id: &str,
    ) -> std::result::Result<RunStatus, RunError> {
        self.runs()
            .await?
            .into_iter()
            .find(|r| r.journal.tenant_id == tenant_id && r.journal.run_id == run_id)
            .ok_or(RunError::NotRecorded)
    }

    /// The receipt of a run this computer knows, by its tenant and run id.
    pub async fn run_receipt(
        &self,
        tenant_id: &str,
        run_id: &str,
    ) -> std::result::Result<Receipt, RunError> {
        let run = self.find_run(tenant_id, run_id).await?;
        Ok(Receipt::from_journal(
            &run.journal,
            self.config.cloud,
            self.http.clock.now(),
        ))
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
