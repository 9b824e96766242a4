//! `GET /{tenant}/adminconsent` (also `/{tenant}/v2.0/adminconsent`): checks the request, then
//! a sign-in page; the sign-in ends in `consent_grant`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::authorize::{authorize_post, complete_sign_in, redirect_matches};
use super::pages::{error_page, sign_in_page};
use super::{authority, Params};
use crate::shared::Shared;
use crate::state::{PendingAuthorize, Sim};

pub async fn adminconsent_get(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Query(query): Query<Params>,
) -> Response {
    let mut sim = shared.lock();
    let auth_tenant = match authority(&sim, &tenant) {
        Ok(a) => a.tenant_id(),
        Err(e) => return error_page(e.status, e.code, &e.description),
    };
    let client_id = query.get("client_id").cloned().unwrap_or_default();
    let redirect_uri = match consent_redirect_uri(&sim, auth_tenant.as_deref(), &client_id, &query)
    {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let pending = PendingAuthorize {
        client_id,
        redirect_uri,
        scope: query.get("scope").cloned().unwrap_or_default(),
        state: query.get("state").cloned(),
        nonce: None,
        code_challenge: String::new(),
        response_mode: "query".into(),
        admin_consent: true,
        client_info: false,
    };
    if let Some(upn) = sim.auto_sign_in.clone() {
        return complete_sign_in(&mut sim, &pending, auth_tenant.as_deref(), &upn);
    }
    let key = sim.token(18);
    let page = sign_in_page(
        &sim,
        &tenant,
        auth_tenant.as_deref(),
        &key,
        None,
        "adminconsent",
    );
    sim.pending.insert(key, pending);
    page
}

/// Where consent goes back to: the requested redirect URI if the app registered it (loopback
/// port ignored), else the app's first one. The app must exist somewhere the authority sees.
fn consent_redirect_uri(
    sim: &Sim,
    auth_tenant: Option<&str>,
    client_id: &str,
    query: &Params,
) -> Result<String, Box<Response>> {
    let Some(app) = sim
        .tenants
        .iter()
        .filter(|t| auth_tenant.is_none_or(|a| a == t.id))
        .flat_map(|t| t.apps.iter())
        .find(|a| a.app_id == client_id)
    else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        )));
    };
    let registered: Vec<String> = ["web", "publicClient", "spa"]
        .iter()
        .filter_map(|k| app.doc.get(*k)?.get("redirectUris")?.as_array().cloned())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    match query.get("redirect_uri") {
        Some(r) if registered.iter().any(|g| redirect_matches(g, r)) => Ok(r.clone()),
        Some(r) => Err(Box::new(error_page(StatusCode::BAD_REQUEST, 50011, &format!("The redirect URI '{r}' specified in the request does not match the redirect URIs configured for the application '{client_id}'.")))),
        None => registered.first().cloned().ok_or_else(|| {
            Box::new(error_page(
                StatusCode::BAD_REQUEST,
                500113,
                "No reply address is registered for the application.",
            ))
        }),
    }
}

pub async fn adminconsent_post(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    authorize_post(State(shared), Path(tenant), Form(form)).await
}
