//! `GET /{tenant}/adminconsent` (also `/{tenant}/v2.0/adminconsent`): checks the request, then
//! a sign-in page; the sign-in ends in `consent_grant`.

use axum::http::StatusCode;
use axum::response::Response;

use super::authorize::{redirect_matches, Checked, SignInRequest};
use super::pages::{error_page, unknown_client};
use super::Params;
use crate::state::{PendingAuthorize, Sim};

/// `GET /adminconsent`: the app must exist where the authority sees it, and go back to a redirect
/// URI it registered.
#[derive(Debug)]
pub struct AdminConsent;

impl SignInRequest for AdminConsent {
    const PAGE: &'static str = "adminconsent";
    fn check(
        sim: &Sim,
        auth_tenant: Option<&str>,
        query: &Params,
    ) -> Result<Checked, Box<Response>> {
        let client_id = query.get("client_id").cloned().unwrap_or_default();
        let redirect_uri = consent_redirect_uri(sim, auth_tenant, &client_id, query)?;
        Ok(Checked::admin_consent(PendingAuthorize {
            client_id,
            redirect_uri,
            scope: query.get("scope").cloned().unwrap_or_default(),
            state: query.get("state").cloned(),
            nonce: None,
            code_challenge: String::new(),
            response_mode: "query".into(),
            admin_consent: true,
            client_info: false,
        }))
    }
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
        return Err(unknown_client(client_id));
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
