//! The middleware in front of every identity and Graph call: names the route, assigns request
//! ids, adds latency, injects the scenario's faults and records the request log.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::graph::{error_response, key_segment};
use crate::identity::EntraError;
use crate::scenario::{FaultKind, RetryAfter, Route};
use crate::shared::{RequestCtx, Shared};
use crate::state::RequestRecord;

/// Which endpoint a request is for (None for the admin API and unknown paths).
pub fn classify(method: &Method, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["_sim", ..] => None,
        ["devicelogin"] => Some(Route::DeviceLogin),
        ["v1.0", rest @ ..] => Some(classify_graph(method, rest)),
        [_, "v2.0", ".well-known", "openid-configuration"] => Some(Route::OpenIdConfiguration),
        [_, "discovery", "v2.0", "keys"] => Some(Route::Keys),
        [_, "oauth2", "v2.0", "authorize"] => Some(Route::Authorize),
        [_, "oauth2", "v2.0", "token"] => Some(Route::Token),
        [_, "oauth2", "v2.0", "devicecode"] => Some(Route::DeviceCode),
        [_, "adminconsent"] | [_, "v2.0", "adminconsent"] => Some(Route::AdminConsent),
        _ => None,
    }
}

fn classify_graph(m: &Method, segs: &[&str]) -> Route {
    let Some(first) = segs.first() else {
        return Route::OtherGraph;
    };
    let (set, key) = key_segment(first);
    let (has_key, rest) = match (key.is_some(), &segs[1..]) {
        (true, rest) => (true, rest),
        (false, [_, rest @ ..]) => (true, rest),
        (false, []) => (false, &segs[1..]),
    };
    let key_name = key.map(|k| k.0);
    match (set.to_ascii_lowercase().as_str(), has_key, rest, m.clone()) {
        ("me", _, _, _) if segs.len() == 1 => Route::GetMe,
        ("me", _, _, _) => Route::ListMyDirectoryRoles,
        ("users", _, [], _) => Route::GetUser,
        ("users", _, _, _) => Route::ListMyDirectoryRoles,
        ("organization", _, _, _) => Route::GetOrganization,
        ("applications", false, [], Method::GET) => Route::ListApplications,
        ("applications", false, [], Method::POST) => Route::CreateApplication,
        ("applications", true, [], Method::GET) => Route::GetApplication,
        ("applications", true, [], Method::PATCH) if key_name.as_deref() == Some("uniqueName") => {
            Route::UpsertApplication
        }
        ("applications", true, [], Method::PATCH) => Route::UpdateApplication,
        ("applications", true, [], Method::DELETE) => Route::DeleteApplication,
        ("applications", true, ["addPassword"], _) => Route::AddPassword,
        ("applications", true, ["removePassword"], _) => Route::RemovePassword,
        ("serviceprincipals", false, [], Method::GET) => Route::ListServicePrincipals,
        ("serviceprincipals", false, [], Method::POST) => Route::CreateServicePrincipal,
        ("serviceprincipals", true, [], Method::GET) => Route::GetServicePrincipal,
        ("serviceprincipals", true, [], Method::PATCH) => Route::UpsertServicePrincipal,
        ("serviceprincipals", true, [], Method::DELETE) => Route::DeleteServicePrincipal,
        ("serviceprincipals", true, [_, _], Method::DELETE) => Route::RevokeAppRole,
        ("serviceprincipals", true, [_], Method::POST) => Route::GrantAppRole,
        ("serviceprincipals", true, ["appRoleAssignedTo"], Method::GET) => {
            Route::ListAppRoleAssignedTo
        }
        ("serviceprincipals", true, ["appRoleAssignments"], Method::GET) => {
            Route::ListAppRoleAssignments
        }
        ("directory", true, [c], Method::GET) if c.starts_with("microsoft.graph.") => {
            Route::ListDeletedItems
        }
        ("directory", true, [_], Method::GET) => Route::GetDeletedItem,
        ("directory", true, [_], Method::DELETE) => Route::PermanentlyDeleteItem,
        ("directory", true, [_, "restore"], Method::POST) => Route::RestoreDeletedItem,
        ("auditlogs", _, _, _) => Route::ListDirectoryAudits,
        ("rolemanagement", _, _, Method::GET)
            if segs
                .last()
                .is_some_and(|l| l.starts_with("filterByCurrentUser")) =>
        {
            Route::ListMyEligibleRoles
        }
        _ => Route::OtherGraph,
    }
}

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
    }
}

/// `Wed, 21 Oct 2015 07:28:00 GMT`
pub fn http_date(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [usize::from(t.weekday().number_days_from_monday())];
    let mo = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(t.month()) - 1)];
    format!(
        "{wd}, {:02} {mo} {} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub async fn layer(State(shared): State<Shared>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let Some(route) = classify(&method, &path) else {
        return next.run(req).await;
    };
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (ctx, fault, delay, wall) = {
        let mut sim = shared.lock();
        let request_id = sim.guid();
        let n = {
            let c = sim.fault_counters.entry(route).or_insert(0);
            *c += 1;
            *c
        };
        let fault = sim
            .scenario
            .faults
            .iter()
            .find(|f| f.route == route && (f.nth == 0 || f.nth == n))
            .map(|f| f.kind.clone());
        let lp = sim.scenario.latency.clone();
        let base = if route.is_identity() {
            lp.identity
        } else if method == Method::GET {
            lp.read
        } else {
            lp.write
        };
        let jitter_ms = u64::try_from(lp.jitter.as_millis()).unwrap_or(u64::MAX);
        let jitter = if jitter_ms > 0 {
            Duration::from_millis(sim.rng.gen_range(0..=jitter_ms))
        } else {
            Duration::ZERO
        };
        (
            RequestCtx {
                request_id,
                client_request_id,
            },
            fault,
            base + jitter,
            sim.clock.wall(),
        )
    };
    let started = Instant::now();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    req.extensions_mut().insert(ctx.clone());
    let is_graph = !route.is_identity();
    let mut resp = match &fault {
        None => next.run(req).await,
        Some(FaultKind::Slow(d)) => {
            tokio::time::sleep(*d).await;
            next.run(req).await
        }
        Some(kind) => fault_response(kind, is_graph, &ctx, wall),
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert(
            if is_graph {
                "request-id"
            } else {
                "x-ms-request-id"
            },
            v,
        );
    }
    let crid = ctx
        .client_request_id
        .clone()
        .unwrap_or_else(|| ctx.request_id.clone());
    if let Ok(v) = HeaderValue::from_str(&crid) {
        h.insert("client-request-id", v);
    }
    if is_graph {
        let diag = "{\"ServerInfo\":{\"DataCenter\":\"Loopback\",\"Slice\":\"E\",\"Ring\":\"0\",\"ScaleUnit\":\"000\",\"RoleInstance\":\"tenant-sim\"}}";
        if let Ok(v) = HeaderValue::from_str(diag) {
            h.insert("x-ms-ags-diagnostic", v);
        }
    } else {
        h.insert("x-ms-ests-server", HeaderValue::from_static("tenant-sim"));
    }
    let mut sim = shared.lock();
    sim.seq += 1;
    let rec = RequestRecord {
        seq: sim.seq,
        at_ms: sim.clock.elapsed_ms(),
        method: method.to_string(),
        path: path_q,
        route: Some(route),
        status: resp.status().as_u16(),
        fault: fault.as_ref().map(|f| fault_name(f).to_string()),
        request_id: ctx.request_id.clone(),
        client_request_id: ctx.client_request_id.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    sim.requests.push(rec);
    resp
}

fn fault_response(
    kind: &FaultKind,
    graph: bool,
    ctx: &RequestCtx,
    wall: time::OffsetDateTime,
) -> Response {
    let entra = |status: StatusCode, code: u32, msg: &str| {
        EntraError::new(status, "temporarily_unavailable", code, msg).into_response_with(ctx, wall)
    };
    match kind {
        FaultKind::Throttle(ra) => {
            let value = match ra {
                RetryAfter::Seconds(s) => s.to_string(),
                RetryAfter::Decimal(d) => d.clone(),
                // Real time, like the Date header hyper adds: clients compare against their own clock.
                RetryAfter::HttpDate(d) => http_date(time::OffsetDateTime::now_utc() + *d),
            };
            let mut r = if graph {
                error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "Please retry again later.",
                    &[],
                    ctx,
                    wall,
                )
            } else {
                entra(StatusCode::TOO_MANY_REQUESTS, 90055, "TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.")
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        FaultKind::ServiceUnavailable if graph => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
            &[],
            ctx,
            wall,
        ),
        FaultKind::ServiceUnavailable => entra(
            StatusCode::SERVICE_UNAVAILABLE,
            90033,
            "A transient error has occurred. Please try again.",
        ),
        FaultKind::GatewayTimeout if graph => error_response(
            StatusCode::GATEWAY_TIMEOUT,
            "gatewayTimeout",
            "The gateway did not receive a response from the service in time.",
            &[],
            ctx,
            wall,
        ),
        FaultKind::GatewayTimeout => entra(
            StatusCode::GATEWAY_TIMEOUT,
            90033,
            "A transient error has occurred. Please try again.",
        ),
        FaultKind::ConnectionReset => {
            // The body fails before its first byte: hyper drops the connection mid-response.
            let stream = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("512"));
            r
        }
        FaultKind::MalformedJson => {
            let mut r = (
                StatusCode::OK,
                "{\"@odata.context\":\"$metadata#applications\",\"value\":[{\"id\":\"",
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        FaultKind::NonJson | FaultKind::NonJsonOk => {
            let status = if matches!(kind, FaultKind::NonJson) {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::OK
            };
            let mut r = (
                status,
                "<!DOCTYPE html><html><head><title>502 - Web server received an invalid response while acting as a gateway or proxy server.</title></head>\
                 <body><h1>Server Error</h1><h2>502 - Web server received an invalid response while acting as a gateway or proxy server.</h2></body></html>",
            )
                .into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r
        }
        FaultKind::Slow(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named() {
        let g = |m: Method, p: &str| classify(&m, p);
        assert_eq!(
            g(Method::POST, "/organizations/oauth2/v2.0/token"),
            Some(Route::Token)
        );
        assert_eq!(
            g(Method::GET, "/common/v2.0/.well-known/openid-configuration"),
            Some(Route::OpenIdConfiguration)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/applications"),
            Some(Route::CreateApplication)
        );
        assert_eq!(
            g(Method::PATCH, "/v1.0/applications(uniqueName='x')"),
            Some(Route::UpsertApplication)
        );
        assert_eq!(
            g(Method::PATCH, "/v1.0/applications/abc"),
            Some(Route::UpdateApplication)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/applications/abc/addPassword"),
            Some(Route::AddPassword)
        );
        assert_eq!(
            g(Method::POST, "/v1.0/servicePrincipals/x/appRoleAssignedTo"),
            Some(Route::GrantAppRole)
        );
        assert_eq!(
            g(Method::GET, "/v1.0/servicePrincipals(appId='x')"),
            Some(Route::GetServicePrincipal)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole"
            ),
            Some(Route::ListMyDirectoryRoles)
        );
        assert_eq!(
            g(Method::DELETE, "/v1.0/directory/deletedItems/x"),
            Some(Route::PermanentlyDeleteItem)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/directory/deletedItems/microsoft.graph.application"
            ),
            Some(Route::ListDeletedItems)
        );
        assert_eq!(
            g(
                Method::GET,
                "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')"
            ),
            Some(Route::ListMyEligibleRoles)
        );
        assert_eq!(g(Method::GET, "/_sim/state"), None);
    }

    #[test]
    fn http_dates() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_445_412_480).unwrap();
        assert_eq!(http_date(t), "Wed, 21 Oct 2015 07:28:00 GMT");
    }
}
