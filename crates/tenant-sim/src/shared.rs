//! The state every handler shares (one lock around the simulator) and the per-request ids the
//! fault/log middleware hands to handlers.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::state;

pub(crate) struct Inner {
    sim: Mutex<state::Sim>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inner")
    }
}

impl Inner {
    pub(crate) fn new(sim: state::Sim) -> Self {
        Self {
            sim: Mutex::new(sim),
        }
    }

    /// The state lock. A panic while holding it would be a bug; recover the data regardless.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::Sim> {
        self.sim.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) type Shared = Arc<Inner>;

/// Per-request ids, set by the fault/log middleware and read by handlers for error bodies.
#[derive(Debug, Clone)]
pub(crate) struct RequestCtx {
    pub request_id: String,
    pub client_request_id: Option<String>,
}
