//! `/{tenant}/oauth2/v2.0/logout` and `/oidc/userinfo`, as advertised by discovery.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::authorize::redirect_uri_allowed;
use super::Params;
use crate::shared::Shared;

/// `end_session_endpoint`: there is no browser session to end; go back where asked.
pub async fn logout(Query(q): Query<Params>) -> Response {
    match q.get("post_logout_redirect_uri") {
        Some(u) if redirect_uri_allowed(u) => {
            (StatusCode::FOUND, [(header::LOCATION, u.clone())]).into_response()
        }
        _ => {
            Html("<!DOCTYPE html><html><body><h1>You signed out of your account</h1></body></html>")
                .into_response()
        }
    }
}

/// `userinfo_endpoint` (Graph's `/oidc/userinfo`): the signed-in user's OIDC claims.
pub async fn userinfo(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let sim = shared.lock();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let claims = match sim.verify(bearer) {
        Ok(c) if c.get("idtyp").and_then(Value::as_str) == Some("user") => c,
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            )
                .into_response()
        }
    };
    let user = claims
        .get("tid")
        .and_then(Value::as_str)
        .and_then(|tid| sim.tenant(tid))
        .and_then(|t| {
            t.user(
                claims
                    .get("oid")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
        });
    let Some(u) = user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    Json(json!({
        "sub": claims.get("sub"),
        "name": u.display_name,
        "family_name": u.surname,
        "given_name": u.given_name,
        "email": u.upn,
    }))
    .into_response()
}
