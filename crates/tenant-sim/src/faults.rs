//! The middleware in front of every identity and Graph call: names the route, assigns request
//! ids, adds latency, injects the scenario's faults and records the request log.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::graph::{error_response, GraphError};
use crate::identity::EntraError;
use crate::routes::classify;
use crate::scenario::{FaultKind, RetryAfter, Route};
use crate::shared::{render_deferred, DeferredError, RequestCtx, Shared};
use crate::state::RequestRecord;

fn fault_name(k: &FaultKind) -> &'static str {
    match k {
        FaultKind::Throttle(_) => "throttle",
        FaultKind::ServiceUnavailable => "serviceUnavailable",
        FaultKind::GatewayTimeout => "gatewayTimeout",
        FaultKind::ConnectionReset => "connectionReset",
        FaultKind::Slow(_) => "slow",
        FaultKind::MalformedJson => "malformedJson",
        FaultKind::NonJson => "nonJson",
        FaultKind::NonJsonOk => "nonJsonOk",
        FaultKind::Refuse { .. } => "refuse",
    }
}

/// `Wed, 21 Oct 2015 07:28:00 GMT`
pub fn http_date(utc: time::OffsetDateTime) -> String {
    let utc = utc.to_offset(time::UtcOffset::UTC);
    let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [usize::from(utc.weekday().number_days_from_monday())];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(utc.month()) - 1)];
    format!(
        "{weekday}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        utc.day(),
        utc.year(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// What the middleware decided for one request before running it.
struct Plan {
    ctx: RequestCtx,
    fault: Option<FaultKind>,
    delay: Duration,
    wall: time::OffsetDateTime,
}

/// Counts the route's occurrence, picks the scenario's fault for it, draws the latency and the
/// request id.
fn plan(shared: &Shared, route: Route, method: &Method, client_request_id: Option<String>) -> Plan {
    let mut sim = shared.lock();
    let request_id = sim.guid();
    let occurrence = {
        let count = sim.fault_counters.entry(route).or_insert(0);
        *count += 1;
        *count
    };
    let fault = sim
        .scenario
        .faults
        .iter()
        .find(|f| f.route == route && (f.nth == 0 || f.nth == occurrence))
        .map(|f| f.kind.clone());
    if fault.is_some() {
        sim.faults_injected += 1;
    }
    let latency = sim.scenario.latency.clone();
    let base = if route.is_identity() {
        latency.identity
    } else if method == Method::GET {
        latency.read
    } else {
        latency.write
    };
    let jitter_ms = u64::try_from(latency.jitter.as_millis()).unwrap_or(u64::MAX);
    let jitter = if jitter_ms > 0 {
        Duration::from_millis(sim.rng.gen_range(0..=jitter_ms))
    } else {
        Duration::ZERO
    };
    Plan {
        ctx: RequestCtx {
            request_id,
            client_request_id,
        },
        fault,
        delay: base + jitter,
        wall: sim.clock.wall(),
    }
}

/// Names the route, delays, injects the scenario's fault or runs the handler, renders a
/// handler's Graph or Entra error with the request's ids and date, stamps the ids on the
/// response's headers, and logs the request.
pub async fn layer(State(shared): State<Shared>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let Some(route) = classify(&method, &path) else {
        return next.run(req).await;
    };
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let plan = plan(&shared, route, &method, client_request_id);
    let started = Instant::now();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    req.extensions_mut().insert(plan.ctx.clone());
    let is_graph = !route.is_identity();
    let response = match &plan.fault {
        None => next.run(req).await,
        Some(FaultKind::Slow(d)) => {
            tokio::time::sleep(*d).await;
            next.run(req).await
        }
        Some(kind) => fault_response(kind, is_graph, &plan.ctx, plan.wall),
    };
    let mut sim = shared.lock();
    let now = sim.clock.wall();
    let response = render_deferred::<GraphError>(response, &plan.ctx, now);
    let mut response = render_deferred::<EntraError>(response, &plan.ctx, now);
    stamp_headers(&mut response, &plan.ctx, is_graph);
    sim.seq += 1;
    let record = RequestRecord {
        seq: sim.seq,
        at_ms: sim.clock.elapsed_ms(),
        method: method.to_string(),
        path: path_and_query,
        route: Some(route),
        status: response.status().as_u16(),
        fault: plan.fault.as_ref().map(|f| fault_name(f).to_string()),
        request_id: plan.ctx.request_id.clone(),
        client_request_id: plan.ctx.client_request_id.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    sim.requests.push(record);
    response
}

/// `request-id` (Graph) or `x-ms-request-id` (Entra), `client-request-id` (the client's, else
/// the request id), and each service's diagnostic header.
fn stamp_headers(response: &mut Response, ctx: &RequestCtx, is_graph: bool) {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        headers.insert(
            if is_graph {
                "request-id"
            } else {
                "x-ms-request-id"
            },
            v,
        );
    }
    let client_request_id = ctx
        .client_request_id
        .clone()
        .unwrap_or_else(|| ctx.request_id.clone());
    if let Ok(v) = HeaderValue::from_str(&client_request_id) {
        headers.insert("client-request-id", v);
    }
    if is_graph {
        let diagnostic = "{\"ServerInfo\":{\"DataCenter\":\"Loopback\",\"Slice\":\"E\",\"Ring\":\"0\",\"ScaleUnit\":\"000\",\"RoleInstance\":\"tenant-sim\"}}";
        if let Ok(v) = HeaderValue::from_str(diagnostic) {
            headers.insert("x-ms-ags-diagnostic", v);
        }
    } else {
        headers.insert("x-ms-ests-server", HeaderValue::from_static("tenant-sim"));
    }
}

/// The injected fault's answer: Graph routes fail with OData bodies, identity routes with
/// Entra bodies.
fn fault_response(
    kind: &FaultKind,
    graph: bool,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    match kind {
        FaultKind::Throttle(retry_after) => throttled(retry_after, graph, ctx, wall),
        FaultKind::ServiceUnavailable | FaultKind::GatewayTimeout => {
            unavailable(kind, graph, ctx, wall)
        }
        FaultKind::ConnectionReset => connection_reset(),
        FaultKind::MalformedJson => malformed_json(),
        FaultKind::NonJson => gateway_error_page(StatusCode::BAD_GATEWAY),
        FaultKind::NonJsonOk => gateway_error_page(StatusCode::OK),
        FaultKind::Slow(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        FaultKind::Refuse { status, message } => refuse(*status, message, graph, ctx, wall),
    }
}

/// An error whose message is the scenario's text, word for word.
fn refuse(
    status: u16,
    message: &str,
    graph: bool,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    if graph {
        let code = if status.is_server_error() {
            "serviceNotAvailable"
        } else {
            "Request_BadRequest"
        };
        error_response(status, code, message, &[], ctx, wall)
    } else {
        let error = if status.is_server_error() {
            "temporarily_unavailable"
        } else {
            "invalid_request"
        };
        EntraError::new(status, error, 90033, message).render(ctx, wall)
    }
}

fn entra_error(
    status: StatusCode,
    code: u32,
    message: &str,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    EntraError::new(status, "temporarily_unavailable", code, message).render(ctx, wall)
}

/// 429 with `Retry-After` in the scenario's form.
fn throttled(
    retry_after: &RetryAfter,
    graph: bool,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    let value = match retry_after {
        RetryAfter::Seconds(s) => s.to_string(),
        RetryAfter::Decimal(d) => d.clone(),
        // Real time, like the Date header hyper adds: clients compare against their own clock.
        RetryAfter::HttpDate(d) => http_date(time::OffsetDateTime::now_utc() + *d),
    };
    let mut response = if graph {
        error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Please retry again later.",
            &[],
            ctx,
            wall,
        )
    } else {
        entra_error(StatusCode::TOO_MANY_REQUESTS, 90055, "TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.", ctx, wall)
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// 503 or 504.
fn unavailable(
    kind: &FaultKind,
    graph: bool,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    let (status, code, message) = if matches!(kind, FaultKind::ServiceUnavailable) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
        )
    } else {
        (
            StatusCode::GATEWAY_TIMEOUT,
            "gatewayTimeout",
            "The gateway did not receive a response from the service in time.",
        )
    };
    if graph {
        error_response(status, code, message, &[], ctx, wall)
    } else {
        entra_error(
            status,
            90033,
            "A transient error has occurred. Please try again.",
            ctx,
            wall,
        )
    }
}

/// The body fails before its first byte: hyper drops the connection mid-response.
fn connection_reset() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("512"));
    response
}

/// 200 with truncated JSON.
fn malformed_json() -> Response {
    let mut response = (
        StatusCode::OK,
        "{\"@odata.context\":\"$metadata#applications\",\"value\":[{\"id\":\"",
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A gateway's HTML error page, with `status` (502, or 200 for a proxy that hides it).
fn gateway_error_page(status: StatusCode) -> Response {
    let mut response = (
        status,
        "<!DOCTYPE html><html><head><title>502 - Web server received an invalid response while acting as a gateway or proxy server.</title></head>\
         <body><h1>Server Error</h1><h2>502 - Web server received an invalid response while acting as a gateway or proxy server.</h2></body></html>",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_445_412_480).unwrap();
        assert_eq!(http_date(t), "Wed, 21 Oct 2015 07:28:00 GMT");
    }
}
