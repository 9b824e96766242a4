//! Entra's errors: `{"error","error_description":"AADSTSnnnnn: … Trace ID … Correlation ID …
//! Timestamp …","error_codes","timestamp","trace_id","correlation_id","error_uri"}`.
//!
//! Handlers return an [`EntraError`]; its `IntoResponse` leaves the body to the fault/log
//! middleware, which knows the request's ids
//! ([`render_deferred`](crate::shared::render_deferred)).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::shared::{defer, DeferredError, RequestCtx};

/// An error in Entra's JSON shape.
#[derive(Debug, Clone)]
pub struct EntraError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
    /// Seconds for a `Retry-After` header (429 throttling).
    pub retry_after: Option<u64>,
}

impl EntraError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            code,
            description: description.into(),
            retry_after: None,
        }
    }
    pub fn bad(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, description)
    }
}

impl DeferredError for EntraError {
    fn render(self, ctx: &RequestCtx, now: time::OffsetDateTime) -> Response {
        let timestamp = format!("{}Z", crate::state::short_time(now).replace('T', " "));
        let correlation = ctx
            .client_request_id
            .clone()
            .unwrap_or_else(|| ctx.request_id.clone());
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {} Correlation ID: {} Timestamp: {}",
                self.code, self.description, ctx.request_id, correlation, timestamp
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": ctx.request_id,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store, no-cache")],
            Json(body),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        response
    }
}

/// The status now; the body once the middleware knows the request's ids (see
/// [`render_deferred`](crate::shared::render_deferred)).
impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        defer(self.status, self)
    }
}
