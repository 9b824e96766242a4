//! `/{tenant}/oauth2/v2.0/authorize`: the authorization code flow with PKCE (S256 only),
//! loopback redirect URIs, the sign-in page (or `--auto-sign-in`), B2B guests at a resource
//! tenant's authority, and tenants that require user assignment.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::client_info::client_info;
use super::consent_grant::finish_admin_consent;
use super::pages::{error_page, error_redirect, redirect_to_client, sign_in_page, unknown_client};
use super::scopes::parse_scopes;
use super::{authority, is_guid, EntraError, Params};
use crate::scenario::SignInRefusal;
use crate::shared::Shared;
use crate::state::{AuthCode, PendingAuthorize, SignedIn, Sim};

const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Microsoft Graph Command Line Tools (Graph PowerShell's client id).
const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Entra accepts http only for loopback: `localhost` or `127.0.0.1`, any port (IPv6 is refused),
/// plus the native-client URI.
pub fn redirect_uri_allowed(uri: &str) -> bool {
    if uri == "https://login.microsoftonline.com/common/oauth2/nativeclient" {
        return true;
    }
    match url::Url::parse(uri) {
        Ok(u) => {
            u.scheme() == "http"
                && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1"))
                && u.fragment().is_none()
        }
        Err(_) => false,
    }
}

/// Loopback matching ignores the port, as Entra does.
pub(super) fn redirect_matches(registered: &str, requested: &str) -> bool {
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    let loopback = |u: &url::Url| matches!(u.host_str(), Some("localhost") | Some("127.0.0.1"));
    if loopback(&a) && loopback(&b) {
        return a.scheme() == b.scheme()
            && a.host_str() == b.host_str()
            && a.path().trim_end_matches('/') == b.path().trim_end_matches('/');
    }
    a == b
}

/// A sign-in request `GET /authorize` or `GET /adminconsent` starts: once checked, it waits for
/// the sign-in page's form (or `--auto-sign-in` completes it at once).
pub trait SignInRequest {
    /// Where the sign-in page's form posts back (`authorize` or `adminconsent`).
    const PAGE: &'static str;
    /// The request, checked at the path's authority (`auth_tenant`: None for `organizations` and
    /// `common`); a refusal is a page, or a redirect back to the client.
    fn check(
        sim: &Sim,
        auth_tenant: Option<&str>,
        query: &Params,
    ) -> Result<Checked, Box<Response>>;
}

/// A sign-in request that passed its checks.
#[derive(Debug)]
pub struct Checked {
    pending: PendingAuthorize,
    /// The user the sign-in page offers first.
    login_hint: Option<String>,
    /// `prompt=none`: without `--auto-sign-in`, no page may be shown.
    silent: bool,
}

/// `GET /authorize`.
#[derive(Debug)]
pub struct Authorize;

impl SignInRequest for Authorize {
    const PAGE: &'static str = "authorize";
    fn check(sim: &Sim, _: Option<&str>, query: &Params) -> Result<Checked, Box<Response>> {
        let pending = pending_request(query)?;
        check_request(sim, query, &pending)?;
        Ok(Checked {
            pending,
            login_hint: query.get("login_hint").cloned(),
            silent: query.get("prompt").map(String::as_str) == Some("none"),
        })
    }
}

impl Checked {
    /// An admin-consent request: no login hint, and always a page.
    pub(super) fn admin_consent(pending: PendingAuthorize) -> Self {
        Checked {
            pending,
            login_hint: None,
            silent: false,
        }
    }
}

/// `GET /authorize` and `GET /adminconsent` (`R`): checks the request, then signs the user in
/// (auto sign-in) or shows the sign-in page, keeping the request pending until its form comes
/// back.
pub async fn sign_in_get<R: SignInRequest>(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Query(query): Query<Params>,
) -> Response {
    let mut sim = shared.lock();
    let auth_tenant = match authority(&sim, &tenant) {
        Ok(a) => a.tenant_id(),
        Err(e) => return error_page(e.status, e.code, &e.description),
    };
    let checked = match R::check(&sim, auth_tenant.as_deref(), &query) {
        Ok(c) => c,
        Err(refusal) => return *refusal,
    };
    let pending = checked.pending;
    if let Some(upn) = sim.auto_sign_in.clone() {
        return complete_sign_in(&mut sim, &pending, auth_tenant.as_deref(), &upn);
    }
    if checked.silent {
        return error_redirect(
            &pending,
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
    }
    let key = sim.token(18);
    let hint = checked.login_hint.as_ref();
    let page = sign_in_page(&sim, &tenant, auth_tenant.as_deref(), &key, hint, R::PAGE);
    sim.pending.insert(key, pending);
    page
}

/// The client and its redirect URI: errors here are pages (there is nowhere safe to redirect).
fn pending_request(query: &Params) -> Result<PendingAuthorize, Box<Response>> {
    let client_id = query.get("client_id").cloned().unwrap_or_default();
    if !is_guid(&client_id) {
        return Err(unknown_client(&client_id));
    }
    let Some(redirect_uri) = query.get("redirect_uri").cloned() else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        )));
    };
    if !redirect_uri_allowed(&redirect_uri) {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."),
        )));
    }
    Ok(PendingAuthorize {
        client_id: client_id.clone(),
        redirect_uri,
        scope: query.get("scope").cloned().unwrap_or_default(),
        state: query.get("state").cloned(),
        nonce: query.get("nonce").cloned(),
        code_challenge: query.get("code_challenge").cloned().unwrap_or_default(),
        response_mode: query
            .get("response_mode")
            .cloned()
            .unwrap_or_else(|| "query".into()),
        admin_consent: false,
        client_info: query.get("client_info").is_some_and(|v| v == "1"),
    })
}

/// response_type, scope and PKCE: errors here go back to the client.
fn check_request(
    sim: &Sim,
    query: &Params,
    pending: &PendingAuthorize,
) -> Result<(), Box<Response>> {
    if query.get("response_type").map(String::as_str) != Some("code") {
        return Err(Box::new(error_redirect(pending, "unsupported_response_type", 700054, "response_type 'code' is required by this emulator (hybrid and implicit flows are not emulated).")));
    }
    if pending.scope.is_empty() {
        return Err(Box::new(error_redirect(
            pending,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        )));
    }
    match (
        query.get("code_challenge"),
        query.get("code_challenge_method").map(String::as_str),
    ) {
        (None, _) => {
            return Err(Box::new(error_redirect(pending, "invalid_request", 9002325, "Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.")));
        }
        (Some(_), Some("S256")) => {}
        (Some(_), _) => {
            return Err(Box::new(error_redirect(
                pending,
                "invalid_request",
                5000750,
                "The code_challenge_method 'plain' is refused: use S256.",
            )));
        }
    }
    if let Err(e) = parse_scopes(&pending.scope, &sim.origin) {
        return Err(Box::new(error_redirect(
            pending,
            e.error,
            e.code,
            &e.description,
        )));
    }
    Ok(())
}

/// The sign-in page's form (for `/authorize` and `/adminconsent`).
pub async fn sign_in_post(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    let mut sim = shared.lock();
    let key = form.get("sim_request").cloned().unwrap_or_default();
    let Some(pending) = sim.pending.remove(&key) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50196,
            "This sign-in request is unknown or was already completed.",
        );
    };
    if form.get("action").map(String::as_str) == Some("cancel") {
        return error_redirect(
            &pending,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
    }
    let auth_tenant = authority(&sim, &tenant).ok().and_then(|a| a.tenant_id());
    let upn = form.get("upn").cloned().unwrap_or_default();
    complete_sign_in(&mut sim, &pending, auth_tenant.as_deref(), &upn)
}

/// Signs `upn` in for a pending request: an authorization code back to the client, or (for
/// `/adminconsent`) the consent itself.
pub(super) fn complete_sign_in(
    sim: &mut Sim,
    pending: &PendingAuthorize,
    auth_tenant: Option<&str>,
    upn: &str,
) -> Response {
    let Some((tenant, user)) = sim.find_user(upn) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            &format!("The user account {upn} does not exist in the directory."),
        );
    };
    let (mut tenant_id, mut user_id) = (tenant.id.clone(), user.id.clone());
    if let Some(resource_tenant) = auth_tenant.filter(|a| *a != tenant_id) {
        // At a tenant's own authority a B2B guest signs in to that (resource) tenant.
        match sim.user_in_tenant(resource_tenant, upn) {
            Some(guest) => (tenant_id, user_id) = (resource_tenant.to_string(), guest.id.clone()),
            None => return error_redirect(pending, "invalid_request", 50020, &format!("User account '{upn}' from identity provider does not exist in tenant and cannot access the application.")),
        }
    }
    if pending.admin_consent {
        return finish_admin_consent(sim, pending, &tenant_id, &user_id);
    }
    if let Some(e) = restricted(sim, &pending.client_id, upn) {
        return error_redirect(pending, "access_denied", e.code, &e.description);
    }
    if let Some(refusal) = sim.scenario.sign_in_refusal {
        return refuse(sim, pending, refusal);
    }
    let code = format!("1.{}", sim.token(48));
    let expires = sim.clock.now() + CODE_LIFETIME;
    let info = pending
        .client_info
        .then(|| client_info(sim, &tenant_id, &user_id))
        .flatten();
    sim.codes.insert(
        code.clone(),
        AuthCode {
            sign_in: SignedIn {
                tenant_id,
                user_id,
                client_id: pending.client_id.clone(),
                scope: pending.scope.clone(),
            },
            redirect_uri: pending.redirect_uri.clone(),
            nonce: pending.nonce.clone(),
            code_challenge: pending.code_challenge.clone(),
            expires,
            redeemed: false,
        },
    );
    let mut params = vec![("code", code)];
    if let Some(s) = &pending.state {
        params.push(("state", s.clone()));
    }
    if let Some(info) = info {
        params.push(("client_info", info));
    }
    params.push(("session_state", sim.guid()));
    redirect_to_client(&pending.redirect_uri, &pending.response_mode, &params)
}

/// `Scenario::sign_in_refusal`: Entra's words for each code, from the error-code reference
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>) and the consent
/// errors page (<https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error>:
/// 90093 "An administrator of {tenant} has set a policy that prevents you from granting {app}
/// the permissions it is requesting", 90094 "{app} needs permission to access resources in your
/// organization that only an admin can grant").
fn refuse(sim: &Sim, pending: &PendingAuthorize, refusal: SignInRefusal) -> Response {
    let app = if pending
        .client_id
        .eq_ignore_ascii_case(GRAPH_COMMAND_LINE_TOOLS)
    {
        "Microsoft Graph Command Line Tools".to_string()
    } else {
        pending.client_id.clone()
    };
    let tenant = sim
        .tenants
        .first()
        .map(|t| t.display_name.clone())
        .unwrap_or_default();
    let words = |code: u32| {
        match code {
        53003 => "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.".to_string(),
        90093 => format!("An administrator of {tenant} has set a policy that prevents you from granting {app} the permissions it is requesting. Contact an administrator of {tenant}, who can grant permissions to this app on your behalf."),
        90094 => format!("{app} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it."),
        90095 => format!("{app} needs permission to access resources in your organization that only an admin can grant. Request approval from an admin before you can use it."),
        other => format!("The sign-in was refused (code {other})."),
    }
    };
    match refusal {
        SignInRefusal::Redirect(code) => {
            error_redirect(pending, "access_denied", code, &words(code))
        }
        SignInRefusal::ErrorPage(code) => error_page(StatusCode::OK, code, &words(code)),
    }
}

/// AADSTS50105 when the tenant requires user assignment for `client_id` and nobody is assigned
/// (`Scenario::restricted_client_ids`), as Entra answers "Your administrator has configured the
/// application … to block users unless they are specifically granted ('assigned') access"
/// (<https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/error-code-aadsts50105-user-not-assigned-role>).
pub(super) fn restricted(sim: &Sim, client_id: &str, upn: &str) -> Option<EntraError> {
    if !sim
        .scenario
        .restricted_client_ids
        .iter()
        .any(|c| c.eq_ignore_ascii_case(client_id))
    {
        return None;
    }
    let name = if client_id.eq_ignore_ascii_case(GRAPH_COMMAND_LINE_TOOLS) {
        "Microsoft Graph Command Line Tools"
    } else {
        client_id
    };
    Some(EntraError::bad(
        "invalid_grant",
        50105,
        format!("Your administrator has configured the application {name} ('{client_id}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{upn}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_only() {
        assert!(redirect_uri_allowed("http://localhost"));
        assert!(redirect_uri_allowed("http://localhost:53124/callback"));
        assert!(redirect_uri_allowed("http://127.0.0.1:1/"));
        assert!(redirect_uri_allowed(
            "https://login.microsoftonline.com/common/oauth2/nativeclient"
        ));
        assert!(!redirect_uri_allowed("http://[::1]:8080/"));
        assert!(!redirect_uri_allowed("http://example.com/"));
        assert!(!redirect_uri_allowed("https://localhost/"));
        assert!(!redirect_uri_allowed("not a url"));
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:5000/"
        ));
        assert!(!redirect_matches(
            "http://localhost/a",
            "http://localhost:5000/b"
        ));
    }
}
