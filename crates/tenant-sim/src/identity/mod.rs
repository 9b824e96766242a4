//! The Microsoft identity platform (v2.0 endpoints): discovery, JWKS, /authorize with a sign-in
//! page, /token (authorization code + PKCE, refresh token, device code, client credentials),
//! /devicecode with its verification page, and /adminconsent.
//!
//! - `error`: [`EntraError`] and Entra's error body;
//! - `discovery`: the OpenID configuration and the JWKS;
//! - `pages`: the HTML pages (sign-in, errors) and redirects back to the client;
//! - `authorize`: `/authorize`, the sign-in it and `/adminconsent` start, and signing a user in;
//! - `client_info`: the `client_info` MSAL asks for (`uid`, `utid` of the home account);
//! - `scopes`: the `scope` of a sign-in (`/authorize`, `/devicecode`, `/token`);
//! - `token`: `/token`, one module per grant and the tokens issued;
//! - `device_code`: `/devicecode` and the `/devicelogin` page;
//! - `admin_consent`: `/adminconsent`, and `consent_grant`: what it grants once the admin signs in;
//! - `session`: logout and userinfo.

mod admin_consent;
mod authorize;
mod client_info;
mod consent_grant;
mod device_code;
mod discovery;
mod error;
mod pages;
mod scopes;
mod session;
mod token;

use std::collections::HashMap;

use crate::state::{Sim, Tenant};

pub use admin_consent::AdminConsent;
pub use authorize::{sign_in_get, sign_in_post, Authorize};
pub use device_code::{decide_device_code, devicecode, devicelogin_get, devicelogin_post};
pub use discovery::{keys, openid_configuration};
pub use error::EntraError;
pub use session::{logout, userinfo};
pub use token::token;

/// Form or query parameters.
type Params = HashMap<String, String>;

/// Entra reads a form body whatever the Content-Type says.
fn form_params(body: &[u8]) -> Params {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// AADSTS900144: a required parameter is missing.
fn missing(parameter: &str) -> EntraError {
    EntraError::bad(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// The `{tenant}` of an identity path.
enum Authority<'a> {
    /// organizations / common: any work account, issuer placeholder `{tenantid}`.
    Multi,
    Tenant(&'a Tenant),
}

impl Authority<'_> {
    /// The tenant's id, or None for organizations / common.
    fn tenant_id(&self) -> Option<String> {
        match self {
            Authority::Multi => None,
            Authority::Tenant(t) => Some(t.id.clone()),
        }
    }
}

fn authority<'a>(sim: &'a Sim, tenant: &str) -> Result<Authority<'a>, EntraError> {
    if tenant.eq_ignore_ascii_case("organizations") || tenant.eq_ignore_ascii_case("common") {
        return Ok(Authority::Multi);
    }
    if tenant.eq_ignore_ascii_case("consumers") {
        return Err(EntraError::bad(
            "invalid_request",
            9002331,
            "Application is configured for use by Microsoft Account users only.",
        ));
    }
    sim.tenant_by_authority(tenant).map(Authority::Tenant).ok_or_else(|| {
        EntraError::bad(
            "invalid_tenant",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        )
    })
}
