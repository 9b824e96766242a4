//! Graph's errors: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//!
//! Handlers return a [`GraphError`]; its `IntoResponse` leaves the body to the fault/log
//! middleware, which knows the request's ids and stamps them with the date
//! ([`render_deferred`](crate::shared::render_deferred)).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::shared::{defer, DeferredError, RequestCtx};
use crate::state::short_time;

/// A Graph error: rendered as `{"error":{"code","message","innerError":{...}}}`.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Value>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: vec![],
        }
    }
    pub(super) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }
    /// 400 `BadRequest` (OData's own parsing errors, not the directory's).
    pub(super) fn odata(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }
    pub(super) fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }
    pub(super) fn denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }
    pub(super) fn unauthorized(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }
    pub(super) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }
    pub(super) fn segment_not_found(segment: &str) -> Self {
        Self::odata(format!("Resource not found for the segment '{segment}'."))
    }
    /// What an object's path answers when nothing serves it: 405 for the object itself (another
    /// method), else 404 naming the first segment past it.
    pub(super) fn no_route(rest: &[&str]) -> Self {
        match rest.first() {
            None => Self::method_not_allowed(),
            Some(segment) => Self::segment_not_found(segment),
        }
    }
}

impl DeferredError for GraphError {
    /// The error as Graph sends it, with this request's ids.
    fn render(self, ctx: &RequestCtx, now: time::OffsetDateTime) -> Response {
        error_response(
            self.status,
            self.code,
            &self.message,
            &self.details,
            ctx,
            now,
        )
    }
}

/// The status now; the body once the middleware knows the request's ids (see
/// [`render_deferred`](crate::shared::render_deferred)).
impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        defer(self.status, self)
    }
}

/// Renders an OData error with the request's ids (used by faults too).
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    details: &[Value],
    ctx: &RequestCtx,
    now: time::OffsetDateTime,
) -> Response {
    let mut inner = json!({
        "date": short_time(now),
        "request-id": ctx.request_id,
        "client-request-id": ctx.client_request_id.clone().unwrap_or_else(|| ctx.request_id.clone()),
    });
    if status == StatusCode::TOO_MANY_REQUESTS {
        inner["code"] = json!("429");
        inner["message"] = json!("Please retry after");
        inner["status"] = json!("429");
    }
    let mut error = json!({ "code": code, "message": message, "innerError": inner });
    if !details.is_empty() {
        error["details"] = json!(details);
    }
    let body = json!({ "error": error });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
