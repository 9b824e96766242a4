//! What the shell keeps between commands: the signed-in core, the practice tenant, the step gate.
//! Held behind a std mutex and cloned out before any `.await`.

use std::sync::{Arc, Mutex};

use recovery::{Precheck, Recovery, Session, StepGate};

use crate::clipboard::SecretClipboard;
use crate::practice::PracticeTenant;

/// One sign-in's worth of state.
#[derive(Debug, Clone)]
pub struct Active {
    pub recovery: Recovery,
    pub session: Session,
    pub precheck: Precheck,
    /// Keeps a practice tenant running while signed in to it.
    pub _practice: Option<Arc<PracticeTenant>>,
}

/// The app whose secret the UI may reveal or copy: from this run, or found on start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub tenant_id: String,
    pub app_id: String,
    pub object_id: String,
}

#[derive(Debug, Default)]
pub struct AppState {
    active: Mutex<Option<Active>>,
    handover: Mutex<Option<(Handover, Recovery)>>,
    /// Step-by-step mode; `run` resets it so each run's first step starts at once.
    pub gate: StepGate,
    /// Wakes a sign-in that is waiting for the browser, to give up on it.
    pub cancel_sign_in: tokio::sync::Notify,
    /// Where a copied secret goes, and is cleared from again.
    pub clipboard: Arc<SecretClipboard>,
}

impl AppState {
    pub fn active(&self) -> Option<Active> {
        lock(&self.active).clone()
    }

    pub fn set_active(&self, active: Option<Active>) -> Option<Active> {
        std::mem::replace(&mut *lock(&self.active), active)
    }

    pub fn handover(&self) -> Option<(Handover, Recovery)> {
        lock(&self.handover).clone()
    }

    pub fn set_handover(&self, h: Option<(Handover, Recovery)>) {
        *lock(&self.handover) = h;
    }
}

/// A poisoned lock only means another command panicked mid-update; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
