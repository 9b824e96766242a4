//! `POST /{tenant}/oauth2/v2.0/token`: one module per grant (`code`, `refresh`, `device`,
//! `client_credentials`) and the user tokens issued (`user_tokens`); the scopes a request names
//! are `identity::scopes`, shared with `/authorize` and `/devicecode`.

mod client_credentials;
mod code;
mod device;
mod refresh;
mod user_tokens;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::{authority, form_params, missing, EntraError, Params};
use crate::shared::Shared;
use crate::state::Sim;

/// Access tokens live an hour (less a second, as Entra's `expires_in` says).
const TOKEN_LIFETIME_SECS: i64 = 3599;

pub async fn token(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, EntraError> {
    let form = form_params(&body);
    let tokens = grant(&mut shared.lock(), &tenant, &headers, &form)?;
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store, no-cache")],
        Json(tokens),
    )
        .into_response())
}

/// `client_info=1` on a token request (MSAL sends it): user-token responses carry `client_info`.
fn wants_client_info(form: &Params) -> bool {
    form.get("client_info").is_some_and(|v| v == "1")
}

/// The token response of the form's `grant_type`.
fn grant(
    sim: &mut Sim,
    tenant: &str,
    headers: &HeaderMap,
    form: &Params,
) -> Result<Value, EntraError> {
    let auth_tenant = authority(sim, tenant)?.tenant_id();
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| missing("grant_type"))?;
    match grant_type.as_str() {
        "authorization_code" => code::redeem(sim, auth_tenant.as_deref(), form),
        "refresh_token" => refresh::redeem(sim, auth_tenant.as_deref(), form),
        "urn:ietf:params:oauth:grant-type:device_code" => {
            device::poll(sim, auth_tenant.as_deref(), form)
        }
        "client_credentials" => client_credentials::issue(sim, tenant, auth_tenant, headers, form),
        other => Err(EntraError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}
