//! The state every handler shares (one lock around the simulator), the per-request ids the
//! fault/log middleware hands to handlers, and the errors it renders with them.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

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

/// An error whose body waits for the request's ids: a handler answers with its status and the
/// error itself in the response's extensions ([`defer`]), and the fault/log middleware, which
/// knows the ids, renders it ([`render_deferred`]). Graph's errors and Entra's are two kinds.
pub(crate) trait DeferredError: Clone + Send + Sync + 'static {
    /// The error as its service sends it, with this request's ids and time.
    fn render(self, ctx: &RequestCtx, now: OffsetDateTime) -> Response;
}

/// `status` now, the body once the middleware knows the request's ids.
pub(crate) fn defer<E: DeferredError>(status: StatusCode, error: E) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(error);
    response
}

/// Renders a handler's deferred `E` with the request's ids and time, leaving any other response
/// as it is.
pub(crate) fn render_deferred<E: DeferredError>(
    mut response: Response,
    ctx: &RequestCtx,
    now: OffsetDateTime,
) -> Response {
    match response.extensions_mut().remove::<E>() {
        Some(error) => error.render(ctx, now),
        None => response,
    }
}
