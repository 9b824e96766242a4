//! What the shell keeps between commands, each fact with one owner:
//! - [`AppState::local`]: this computer's journal and keychain (status, reveal, forget; no
//!   network), built once;
//! - [`Active`]: one sign-in (its core, session and pre-check, and a practice tenant if any);
//! - [`Handover`]: which app's values the UI may reveal or copy, and whose secret store holds it
//!   (the last one is kept for its receipt after a cleanup).
//!
//! Held behind std mutexes and cloned out before any `.await`.

use std::sync::{Arc, Mutex};

use recovery::journal::AppRecord;
use recovery::{
    Cloud, Code, Config, KeyringVault, Precheck, Recovery, RunStatus, Session, StepGate,
};

use crate::clipboard::SecretClipboard;
use crate::error::{IpcError, IpcResult};
use crate::practice::PracticeTenant;

/// One sign-in's worth of state.
#[derive(Debug, Clone)]
pub struct Active {
    pub recovery: Recovery,
    pub session: Session,
    pub precheck: Precheck,
    /// The practice tenant, kept running while signed in to it (None for a real tenant).
    pub practice_tenant: Option<Arc<PracticeTenant>>,
}

/// The app whose secret the UI may reveal or copy: from this run, or found on start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub tenant_id: String,
    pub app_id: String,
    pub object_id: String,
    /// Made in a practice run: its secret lives in the practice sign-in's memory, not in the
    /// keychain.
    pub practice: bool,
}

impl Handover {
    /// `app`, the app of a run this computer recorded (never a practice run: those stay in the
    /// practice sign-in's memory).
    pub fn of_run(run: &RunStatus, app: &AppRecord) -> Self {
        Self {
            tenant_id: run.journal.tenant_id.clone(),
            app_id: app.app_id.clone(),
            object_id: app.object_id.clone(),
            practice: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct AppState {
    local: Mutex<Option<Recovery>>,
    active: Mutex<Option<Active>>,
    handover: Mutex<Option<Handover>>,
    /// The last handed-over run, kept after a cleanup ends the handover: its receipt tells what
    /// the cleanup deleted.
    recorded: Mutex<Option<Handover>>,
    /// Step-by-step mode; `run` resets it so each run's first step starts at once.
    pub gate: StepGate,
    /// Wakes a sign-in that is waiting for the browser, to give up on it.
    pub cancel_sign_in: tokio::sync::Notify,
    /// Wakes a run to stop it where it is ("Stop and continue later"): its journal keeps what is
    /// done, and the next run of the tenant continues there.
    pub stop_run: tokio::sync::Notify,
    /// Where a copied secret goes, and is cleared from again.
    pub clipboard: Arc<SecretClipboard>,
}

impl AppState {
    /// This computer's runs: the data folder the CLI shares and the OS keychain. Built on first
    /// use, then kept.
    pub fn local(&self) -> IpcResult<Recovery> {
        let mut local = lock(&self.local);
        if let Some(r) = local.as_ref() {
            return Ok(r.clone());
        }
        let r = Recovery::new(
            Config::new(Cloud::Global, recovery::paths::data_dir()?),
            Arc::new(KeyringVault::default()),
            None,
        )?;
        *local = Some(r.clone());
        Ok(r)
    }

    /// A state whose "this computer" is `local` (tests: a temporary folder and keychain).
    #[cfg(test)]
    pub fn with_local(local: Recovery) -> Self {
        Self {
            local: Mutex::new(Some(local)),
            ..Self::default()
        }
    }

    /// The core that holds the handed-over app's secret: the practice sign-in for a practice
    /// run, this computer's keychain otherwise.
    pub fn secret_keeper(&self, h: &Handover) -> IpcResult<Recovery> {
        if !h.practice {
            return self.local();
        }
        self.active()
            .filter(|a| a.practice_tenant.is_some())
            .map(|a| a.recovery)
            .ok_or_else(|| {
                IpcError::new(
                    Code::SecretMissing,
                    "The practice run's secret was only kept until you signed in again.",
                )
            })
    }

    pub fn active(&self) -> Option<Active> {
        lock(&self.active).clone()
    }

    pub fn set_active(&self, active: Option<Active>) -> Option<Active> {
        std::mem::replace(&mut *lock(&self.active), active)
    }

    pub fn handover(&self) -> Option<Handover> {
        lock(&self.handover).clone()
    }

    pub fn set_handover(&self, h: Option<Handover>) {
        if h.is_some() {
            lock(&self.recorded).clone_from(&h);
        }
        *lock(&self.handover) = h;
    }

    /// The run whose receipt and deadline the UI may save: the handed-over one, or the last one
    /// (also after its cleanup).
    pub fn recorded(&self) -> Option<Handover> {
        self.handover().or_else(|| lock(&self.recorded).clone())
    }
}

/// A poisoned lock only means another command panicked mid-update; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
