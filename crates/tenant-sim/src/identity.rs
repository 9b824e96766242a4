//! The Microsoft identity platform (v2.0 endpoints): discovery, JWKS, /authorize with a sign-in
//! page, /token (authorization code + PKCE, refresh token, device code, client credentials),
//! /devicecode with its verification page, and /adminconsent.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{self, GRAPH_APP_ID, GRAPH_RESOURCE};
use crate::shared::{RequestCtx, Shared};
use crate::state::{
    AuthCode, DeviceGrant, DeviceStatus, PendingAuthorize, RefreshGrant, Sim, Tenant,
};
use crate::tokens;

/// "Default directory role" every member user holds (shows up in `wids`).
const MEMBER_USER_ROLE_TEMPLATE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";
const CODE_LIFETIME: Duration = Duration::from_secs(600);
const TOKEN_LIFETIME_SECS: i64 = 3599;
const REFRESH_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);

type Params = HashMap<String, String>;

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
    pub fn into_response_with(self, ctx: &RequestCtx, now: time::OffsetDateTime) -> Response {
        let ts = format!("{}Z", crate::state::short_time(now).replace('T', " "));
        let correlation = ctx
            .client_request_id
            .clone()
            .unwrap_or_else(|| ctx.request_id.clone());
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {} Correlation ID: {} Timestamp: {}",
                self.code, self.description, ctx.request_id, correlation, ts
            ),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": ctx.request_id,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let mut r = (
            self.status,
            [(header::CACHE_CONTROL, "no-store, no-cache")],
            Json(body),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        r
    }
}

/// The status now; the body once the middleware knows the request's ids (see
/// [`render_deferred`]).
impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders a handler's [`EntraError`] with the request's ids and timestamp, leaving any other
/// response as it is.
pub fn render_deferred(
    mut response: Response,
    ctx: &RequestCtx,
    now: time::OffsetDateTime,
) -> Response {
    match response.extensions_mut().remove::<EntraError>() {
        Some(error) => error.into_response_with(ctx, now),
        None => response,
    }
}

fn form_params(body: &[u8]) -> Params {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn missing(p: &str) -> EntraError {
    EntraError::bad(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{p}'."),
    )
}

fn respond(shared: &Shared, ctx: &RequestCtx, r: Result<Response, EntraError>) -> Response {
    match r {
        Ok(r) => r,
        Err(e) => {
            let now = shared.lock().clock.wall();
            e.into_response_with(ctx, now)
        }
    }
}

enum Authority<'a> {
    /// organizations / common: any work account, issuer placeholder `{tenantid}`.
    Multi,
    Tenant(&'a Tenant),
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

// ---------------------------------------------------------------- discovery, keys

pub async fn openid_configuration(
    State(shared): State<Shared>,
    Extension(ctx): Extension<RequestCtx>,
    Path(tenant): Path<String>,
) -> Response {
    let r = (|| {
        let sim = shared.lock();
        let o = &sim.origin;
        let (issuer, region) = match authority(&sim, &tenant)? {
            Authority::Multi => (sim.issuer("{tenantid}"), Value::Null),
            Authority::Tenant(t) => (sim.issuer(&t.id), json!("NA")),
        };
        let host = o
            .trim_start_matches("http://")
            .trim_start_matches("https://");
        let doc = json!({
            "token_endpoint": format!("{o}/{tenant}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{o}/{tenant}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{o}/oidc/userinfo"),
            "authorization_endpoint": format!("{o}/{tenant}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{o}/{tenant}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{o}/{tenant}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{o}/{tenant}/kerberos"),
            "tenant_region_scope": region,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": host,
            "rbac_url": "https://pas.windows.net",
        });
        Ok(Json(doc).into_response())
    })();
    respond(&shared, &ctx, r)
}

pub async fn keys(
    State(shared): State<Shared>,
    Extension(ctx): Extension<RequestCtx>,
    Path(tenant): Path<String>,
) -> Response {
    let r = (|| {
        let sim = shared.lock();
        let issuer = match authority(&sim, &tenant)? {
            Authority::Multi => sim.issuer("{tenantid}"),
            Authority::Tenant(t) => sim.issuer(&t.id),
        };
        // The current key first, then (after a rollover) the previous one.
        Ok(Json(tokens::jwks(&sim.published_keys(), &issuer)).into_response())
    })();
    respond(&shared, &ctx, r)
}

// ---------------------------------------------------------------- /authorize

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
fn redirect_matches(registered: &str, requested: &str) -> bool {
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

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

fn error_page(status: StatusCode, code: u32, msg: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>\
         <h1>Sorry, but we're having trouble signing you in.</h1>\
         <p id=\"error\">AADSTS{code}: {}</p></body></html>",
        html_escape(msg)
    );
    (status, Html(body)).into_response()
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Sends the browser back to the client (query or form_post).
fn redirect_to_client(redirect_uri: &str, mode: &str, params: &[(&str, String)]) -> Response {
    if mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                    html_escape(k),
                    html_escape(v)
                )
            })
            .collect();
        return Html(format!(
            "<html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">\
             <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}\
             <noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"/></noscript>\
             </form></body></html>",
            html_escape(redirect_uri)
        ))
        .into_response();
    }
    let mut u = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                50011,
                "The redirect URI is not valid.",
            )
        }
    };
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    // Entra answers 302 Found.
    (StatusCode::FOUND, [(header::LOCATION, u.to_string())]).into_response()
}

fn error_redirect(p: &PendingAuthorize, error: &str, code: u32, msg: &str) -> Response {
    let mut params = vec![
        ("error", error.to_string()),
        ("error_description", format!("AADSTS{code}: {msg}")),
        (
            "error_uri",
            format!("https://login.microsoftonline.com/error?code={code}"),
        ),
    ];
    if let Some(s) = &p.state {
        params.push(("state", s.clone()));
    }
    redirect_to_client(&p.redirect_uri, &p.response_mode, &params)
}

pub async fn authorize_get(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    let mut sim = shared.lock();
    let auth_tenant = match authority(&sim, &tenant) {
        Ok(Authority::Multi) => None,
        Ok(Authority::Tenant(t)) => Some(t.id.clone()),
        Err(e) => return error_page(e.status, e.code, &e.description),
    };
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    if !is_guid(&client_id) {
        return error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        );
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    if !redirect_uri_allowed(&redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."),
        );
    }
    let pending = PendingAuthorize {
        client_id: client_id.clone(),
        redirect_uri,
        scope: q.get("scope").cloned().unwrap_or_default(),
        state: q.get("state").cloned(),
        nonce: q.get("nonce").cloned(),
        code_challenge: q.get("code_challenge").cloned().unwrap_or_default(),
        response_mode: q
            .get("response_mode")
            .cloned()
            .unwrap_or_else(|| "query".into()),
        admin_consent: false,
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return error_redirect(&pending, "unsupported_response_type", 700054, "response_type 'code' is required by this emulator (hybrid and implicit flows are not emulated).");
    }
    if pending.scope.is_empty() {
        return error_redirect(
            &pending,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    match (
        q.get("code_challenge"),
        q.get("code_challenge_method").map(String::as_str),
    ) {
        (None, _) => {
            return error_redirect(&pending, "invalid_request", 9002325, "Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.");
        }
        (Some(_), Some("S256")) => {}
        (Some(_), _) => {
            return error_redirect(
                &pending,
                "invalid_request",
                5000750,
                "The code_challenge_method 'plain' is refused: use S256.",
            );
        }
    }
    if let Err(e) = parse_scopes(&pending.scope, &sim.origin) {
        return error_redirect(&pending, e.error, e.code, &e.description);
    }
    if let Some(upn) = sim.auto_sign_in.clone() {
        return complete_sign_in(&mut sim, &pending, auth_tenant.as_deref(), &upn);
    }
    if q.get("prompt").map(String::as_str) == Some("none") {
        return error_redirect(
            &pending,
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
    }
    let key = sim.token(18);
    let page = sign_in_page(
        &sim,
        &tenant,
        auth_tenant.as_deref(),
        &key,
        q.get("login_hint"),
        "authorize",
    );
    sim.pending.insert(key, pending);
    page
}

fn sign_in_page(
    sim: &Sim,
    tenant_path: &str,
    tenant: Option<&str>,
    key: &str,
    hint: Option<&String>,
    what: &str,
) -> Response {
    let mut rows = String::new();
    for t in sim
        .tenants
        .iter()
        .filter(|t| tenant.is_none_or(|id| id == t.id))
    {
        for u in &t.users {
            let roles = u.role_names().join(", ");
            let checked = if hint.is_some_and(|h| h.eq_ignore_ascii_case(&u.upn)) {
                " checked"
            } else {
                ""
            };
            rows.push_str(&format!(
                "<li><label><input type=\"radio\" name=\"upn\" value=\"{upn}\"{checked}/> {name} &lt;{upn}&gt; <small>{roles} ({tname})</small></label></li>",
                upn = html_escape(&u.upn),
                name = html_escape(&u.display_name),
                roles = html_escape(if roles.is_empty() { "no directory role" } else { &roles }),
                tname = html_escape(&t.display_name),
            ));
        }
    }
    let action = match what {
        "adminconsent" => format!("/{tenant_path}/adminconsent"),
        _ => format!("/{tenant_path}/oauth2/v2.0/authorize"),
    };
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\
         <body><h1>Pick an account</h1><p>tenant-sim: choose who signs in.</p>\
         <form method=\"POST\" action=\"{action}\"><input type=\"hidden\" name=\"sim_request\" value=\"{key}\"/>\
         <ul>{rows}</ul>\
         <button type=\"submit\" name=\"action\" value=\"accept\">Sign in</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></form></body></html>",
        action = html_escape(&action),
    ))
    .into_response()
}

pub async fn authorize_post(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Form(f): Form<Params>,
) -> Response {
    let mut sim = shared.lock();
    let key = f.get("sim_request").cloned().unwrap_or_default();
    let Some(pending) = sim.pending.remove(&key) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50196,
            "This sign-in request is unknown or was already completed.",
        );
    };
    if f.get("action").map(String::as_str) == Some("cancel") {
        return error_redirect(
            &pending,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
    }
    let auth_tenant = match authority(&sim, &tenant) {
        Ok(Authority::Tenant(t)) => Some(t.id.clone()),
        _ => None,
    };
    let upn = f.get("upn").cloned().unwrap_or_default();
    complete_sign_in(&mut sim, &pending, auth_tenant.as_deref(), &upn)
}

fn complete_sign_in(
    sim: &mut Sim,
    p: &PendingAuthorize,
    auth_tenant: Option<&str>,
    upn: &str,
) -> Response {
    let Some((t, u)) = sim.find_user(upn) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            &format!("The user account {upn} does not exist in the directory."),
        );
    };
    let (mut tid, mut uid) = (t.id.clone(), u.id.clone());
    if let Some(a) = auth_tenant.filter(|a| *a != tid) {
        // At a tenant's own authority a B2B guest signs in to that (resource) tenant.
        match sim.user_in_tenant(a, upn) {
            Some(g) => (tid, uid) = (a.to_string(), g.id.clone()),
            None => return error_redirect(p, "invalid_request", 50020, &format!("User account '{upn}' from identity provider does not exist in tenant and cannot access the application.")),
        }
    }
    if p.admin_consent {
        return finish_admin_consent(sim, p, &tid, &uid);
    }
    if let Some(e) = restricted(sim, &p.client_id, upn) {
        return error_redirect(p, "access_denied", e.code, &e.description);
    }
    let code = format!("1.{}", sim.token(48));
    let expires = sim.clock.now() + CODE_LIFETIME;
    sim.codes.insert(
        code.clone(),
        AuthCode {
            tenant_id: tid.clone(),
            user_id: uid,
            client_id: p.client_id.clone(),
            redirect_uri: p.redirect_uri.clone(),
            scope: p.scope.clone(),
            nonce: p.nonce.clone(),
            code_challenge: p.code_challenge.clone(),
            expires,
            redeemed: false,
        },
    );
    let mut params = vec![("code", code)];
    if let Some(s) = &p.state {
        params.push(("state", s.clone()));
    }
    params.push(("session_state", sim.guid()));
    redirect_to_client(&p.redirect_uri, &p.response_mode, &params)
}

/// AADSTS50105 when the tenant requires user assignment for `client_id` and nobody is assigned
/// (`Scenario::restricted_client_ids`), as Entra answers "Your administrator has configured the
/// application … to block users unless they are specifically granted ('assigned') access"
/// (<https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/error-code-aadsts50105-user-not-assigned-role>).
fn restricted(sim: &Sim, client_id: &str, upn: &str) -> Option<EntraError> {
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

/// Microsoft Graph Command Line Tools (Graph PowerShell's client id).
const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

// ---------------------------------------------------------------- scopes and tokens

struct Scopes {
    /// Graph delegated scopes, canonical casing.
    graph: Vec<&'static str>,
    openid: bool,
    profile: bool,
    email: bool,
    offline: bool,
}

const DEFAULT_SCOPES: &[&str] = &[
    "User.Read",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
];

fn strip_resource<'a>(s: &'a str, origin: &str) -> &'a str {
    for prefix in [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000/",
        "https://graph.microsoft.us/",
        "https://dod-graph.microsoft.us/",
        "https://microsoftgraph.chinacloudapi.cn/",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest;
        }
    }
    s.strip_prefix(origin)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(s)
}

fn parse_scopes(scope: &str, origin: &str) -> Result<Scopes, EntraError> {
    let mut s = Scopes {
        graph: vec![],
        openid: false,
        profile: false,
        email: false,
        offline: false,
    };
    for raw in scope.split_whitespace() {
        match raw {
            "openid" => s.openid = true,
            "profile" => s.profile = true,
            "email" => s.email = true,
            "offline_access" => s.offline = true,
            _ => {
                let name = strip_resource(raw, origin);
                if name == ".default" {
                    for d in DEFAULT_SCOPES {
                        if !s.graph.contains(d) {
                            s.graph.push(d);
                        }
                    }
                    continue;
                }
                let Some(p) = catalog::graph_scope(name) else {
                    return Err(EntraError::bad(
                        "invalid_scope",
                        70011,
                        format!("The provided value for the input parameter 'scope' is not valid. The scope '{raw}' is not a Microsoft Graph delegated permission known to tenant-sim."),
                    ));
                };
                if !s.graph.contains(&p.value) {
                    s.graph.push(p.value);
                }
            }
        }
    }
    // Entra puts every consented scope of the client in the token, not just the requested ones;
    // User.Read (sign in and read profile) is consented for every client the sim knows.
    if !s.graph.contains(&"User.Read") {
        s.graph.push("User.Read");
    }
    Ok(s)
}

fn user_tokens(
    sim: &mut Sim,
    tenant_id: &str,
    user_id: &str,
    client_id: &str,
    scope: &str,
    nonce: Option<&str>,
) -> Result<Value, EntraError> {
    let scopes = parse_scopes(scope, &sim.origin)?;
    let (tenant, user) = sim
        .tenant(tenant_id)
        .and_then(|t| t.user(user_id).map(|u| (t.clone(), u.clone())))
        .ok_or_else(|| {
            EntraError::bad(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            )
        })?;
    if let Some(e) = restricted(sim, client_id, &sign_in_name(&user)) {
        return Err(e);
    }
    // A guest: `acct` 1 and `idp` the home tenant's issuer (ID token claims reference:
    // "identical to the value of the issuer claim unless the user account isn't in the same
    // tenant as the issuer, such as guests"; `acct` is "0" for members, "1" for guests:
    // https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference,
    // https://learn.microsoft.com/entra/identity-platform/optional-claims-reference).
    let acct = i32::from(user.guest.is_some());
    let idp = user
        .guest
        .as_ref()
        .map(|g| format!("https://sts.windows.net/{}/", g.home_tenant_id));
    let login_name = sign_in_name(&user);
    let now = sim.clock.unix();
    let uti = sim.token(16);
    let mut wids: Vec<String> = user.roles.clone();
    wids.push(MEMBER_USER_ROLE_TEMPLATE.into());
    let mut scp: Vec<&str> = Vec::new();
    if scopes.openid {
        scp.push("openid");
    }
    if scopes.profile {
        scp.push("profile");
    }
    scp.extend(scopes.graph.iter().copied());
    if scopes.email {
        scp.push("email");
    }
    let access = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECS,
        "acct": acct, "acr": "1", "amr": ["pwd"],
        "app_displayname": null,
        "appid": client_id, "appidacr": "0",
        "family_name": user.surname, "given_name": user.given_name,
        "idtyp": "user", "ipaddr": "127.0.0.1",
        "name": user.display_name, "oid": user.id, "platf": "3",
        "scp": scp.join(" "),
        "sub": pairwise(&user.id, GRAPH_APP_ID),
        "tenant_region_scope": "NA",
        "tid": tenant_id,
        "unique_name": login_name, "upn": login_name,
        "uti": uti, "ver": "1.0",
        "wids": wids,
    });
    let mut access = access;
    if let Some(i) = &idp {
        access["idp"] = json!(i);
    }
    let granted: Vec<String> = scopes
        .graph
        .iter()
        .map(|s| format!("{GRAPH_RESOURCE}/{s}"))
        .collect();
    let mut scope_out = granted;
    if scopes.openid {
        scope_out.push("openid".into());
    }
    if scopes.profile {
        scope_out.push("profile".into());
    }
    if scopes.email {
        scope_out.push("email".into());
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": TOKEN_LIFETIME_SECS,
        "ext_expires_in": TOKEN_LIFETIME_SECS,
        "access_token": sim.sign(&access),
    });
    if scopes.openid {
        let mut id = json!({
            "aud": client_id,
            "iss": sim.issuer(tenant_id),
            "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECS,
            "acct": acct,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": login_name,
            "sub": pairwise(&user.id, client_id),
            "tid": tenant.id,
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            id["nonce"] = json!(n);
        }
        if scopes.email {
            id["email"] = json!(login_name);
        }
        if let Some(i) = &idp {
            id["idp"] = json!(i);
        }
        body["id_token"] = json!(sim.sign(&id));
    }
    if scopes.offline {
        let rt = format!("1.{}", sim.token(64));
        let expires = sim.clock.now() + REFRESH_LIFETIME;
        sim.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                tenant_id: tenant_id.into(),
                user_id: user_id.into(),
                client_id: client_id.into(),
                scope: scope.into(),
                expires,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    Ok(body)
}

/// The name a user signs in with: their UPN, or a guest's home UPN.
fn sign_in_name(u: &crate::state::User) -> String {
    u.guest
        .as_ref()
        .map_or_else(|| u.upn.clone(), |g| g.home_upn.clone())
}

/// Entra's `sub` is pairwise per app: a stable hash of user and client.
fn pairwise(oid: &str, client: &str) -> String {
    let h = Sha256::digest(format!("{oid}|{client}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&h[..32])
}

// ---------------------------------------------------------------- /token

pub async fn token(
    State(shared): State<Shared>,
    Extension(ctx): Extension<RequestCtx>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Entra reads the form body whatever the Content-Type says.
    let f = form_params(&body);
    let r = {
        let mut sim = shared.lock();
        token_inner(&mut sim, &tenant, &headers, &f)
    };
    respond(
        &shared,
        &ctx,
        r.map(|v| {
            (
                StatusCode::OK,
                [(header::CACHE_CONTROL, "no-store, no-cache")],
                Json(v),
            )
                .into_response()
        }),
    )
}

fn token_inner(
    sim: &mut Sim,
    tenant: &str,
    headers: &HeaderMap,
    f: &Params,
) -> Result<Value, EntraError> {
    let auth_tenant = match authority(sim, tenant)? {
        Authority::Multi => None,
        Authority::Tenant(t) => Some(t.id.clone()),
    };
    let grant = f.get("grant_type").ok_or_else(|| missing("grant_type"))?;
    match grant.as_str() {
        "authorization_code" => {
            let code = f.get("code").ok_or_else(|| missing("code"))?;
            let client_id = f.get("client_id").ok_or_else(|| missing("client_id"))?;
            let redirect_uri = f
                .get("redirect_uri")
                .ok_or_else(|| missing("redirect_uri"))?;
            let verifier = f.get("code_verifier");
            let now = sim.clock.now();
            let Some(c) = sim.codes.get_mut(code) else {
                return Err(EntraError::bad(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'code' parameter is not valid.",
                ));
            };
            if c.redeemed {
                return Err(EntraError::bad("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
            }
            if now >= c.expires {
                return Err(EntraError::bad("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
            }
            if c.client_id != *client_id {
                return Err(EntraError::bad("invalid_grant", 70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client."));
            }
            if auth_tenant.as_deref().is_some_and(|t| t != c.tenant_id) {
                return Err(EntraError::bad(
                    "invalid_grant",
                    50020,
                    "The authorization code was issued in a different tenant.",
                ));
            }
            if c.redirect_uri != *redirect_uri {
                return Err(EntraError::bad("invalid_grant", 50011, "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code."));
            }
            let Some(verifier) = verifier else {
                return Err(missing("code_verifier"));
            };
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()));
            if challenge != c.code_challenge {
                return Err(EntraError::bad("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
            }
            // Single use: mark before issuing.
            c.redeemed = true;
            let c = c.clone();
            user_tokens(
                sim,
                &c.tenant_id,
                &c.user_id,
                &c.client_id,
                &c.scope,
                c.nonce.as_deref(),
            )
        }
        "refresh_token" => {
            let rt = f
                .get("refresh_token")
                .ok_or_else(|| missing("refresh_token"))?;
            let client_id = f.get("client_id").ok_or_else(|| missing("client_id"))?;
            let now = sim.clock.now();
            let g = sim.refresh_tokens.get(rt).cloned().ok_or_else(|| {
                EntraError::bad("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid.")
            })?;
            if now >= g.expires {
                return Err(EntraError::bad(
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity.",
                ));
            }
            if g.client_id != *client_id {
                return Err(EntraError::bad("invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token was issued to a different client."));
            }
            if auth_tenant.as_deref().is_some_and(|t| t != g.tenant_id) {
                return Err(EntraError::bad(
                    "invalid_grant",
                    50020,
                    "The refresh token was issued in a different tenant.",
                ));
            }
            // Rotation: a new refresh token every time. As in Entra, the old one is not revoked.
            let scope = f.get("scope").cloned().unwrap_or(g.scope.clone());
            user_tokens(sim, &g.tenant_id, &g.user_id, &g.client_id, &scope, None)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let dc = f.get("device_code").ok_or_else(|| missing("device_code"))?;
            let now = sim.clock.now();
            let auto = sim.auto_sign_in.clone();
            let blocked = sim.scenario.block_device_code;
            let path_tenant = sim
                .device_codes
                .get(dc)
                .and_then(|g| sim.tenant_by_authority(&g.tenant_path))
                .map(|t| t.id.clone());
            let auto_user = auto.as_deref().and_then(|upn| {
                path_tenant
                    .as_deref()
                    .and_then(|tid| {
                        sim.user_in_tenant(tid, upn)
                            .map(|u| (tid.to_string(), u.id.clone()))
                    })
                    .or_else(|| {
                        sim.find_user(upn)
                            .map(|(t, u)| (t.id.clone(), u.id.clone()))
                    })
            });
            let Some(g) = sim.device_codes.get_mut(dc) else {
                return Err(EntraError::bad(
                    "invalid_grant",
                    70000,
                    "The provided value for the input parameter 'device_code' is not valid.",
                ));
            };
            if now >= g.expires {
                return Err(EntraError::bad("expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."));
            }
            let too_soon = g.last_poll.is_some_and(|l| now < l + g.interval);
            g.last_poll = Some(now);
            g.polls += 1;
            // --auto-sign-in approves at the second poll so clients see authorization_pending once.
            if g.status == DeviceStatus::Pending && g.polls >= 2 {
                if let Some((tid, uid)) = auto_user {
                    g.status = DeviceStatus::Approved {
                        tenant_id: tid,
                        user_id: uid,
                    };
                }
            }
            match g.status.clone() {
                DeviceStatus::Pending if too_soon => Err(EntraError::bad("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval before polling again.")),
                DeviceStatus::Pending => Err(EntraError::bad("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")),
                DeviceStatus::Declined => Err(EntraError::bad("authorization_declined", 70000, "The user declined the authorization request.")),
                DeviceStatus::Redeemed => Err(EntraError::bad("invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid. It was already redeemed.")),
                DeviceStatus::Approved { tenant_id, user_id } => {
                    if blocked {
                        return Err(EntraError::bad("invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."));
                    }
                    if auth_tenant.as_deref().is_some_and(|t| t != tenant_id) {
                        return Err(EntraError::bad("invalid_grant", 50020, "The user signed in to a different tenant."));
                    }
                    g.status = DeviceStatus::Redeemed;
                    let (client, scope) = (g.client_id.clone(), g.scope.clone());
                    user_tokens(sim, &tenant_id, &user_id, &client, &scope, None)
                }
            }
        }
        "client_credentials" => client_credentials(sim, tenant, auth_tenant, headers, f),
        other => Err(EntraError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("a={x}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((dec(id)?, dec(secret)?))
}

fn client_credentials(
    sim: &mut Sim,
    tenant_path: &str,
    auth_tenant: Option<String>,
    headers: &HeaderMap,
    f: &Params,
) -> Result<Value, EntraError> {
    let Some(tid) = auth_tenant else {
        return Err(EntraError::bad(
            "invalid_request",
            1002016,
            format!("Use a tenant-specific endpoint or configure the application to be multi-tenant: the client credentials flow needs a tenant, not '{tenant_path}'."),
        ));
    };
    let (client_id, secret) = match (f.get("client_id"), f.get("client_secret"), basic_auth(headers)) {
        (Some(id), Some(s), _) => (id.clone(), s.clone()),
        (_, _, Some(pair)) => pair,
        (None, _, None) => return Err(missing("client_id")),
        (Some(_), None, None) => {
            return Err(EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."))
        }
    };
    throttle(sim, &client_id)?;
    let scope = f.get("scope").ok_or_else(|| missing("scope"))?;
    let resource = scope.strip_suffix("/.default").ok_or_else(|| {
        EntraError::bad("invalid_scope", 1002012, format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."))
    })?;
    let graph_resource = [
        GRAPH_RESOURCE,
        "https://graph.microsoft.com/",
        GRAPH_APP_ID,
        "https://graph.microsoft.us",
        "https://dod-graph.microsoft.us",
        "https://microsoftgraph.chinacloudapi.cn",
    ]
    .contains(&resource)
        || resource == sim.origin;
    if !graph_resource {
        return Err(EntraError::bad(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tid}."
            ),
        ));
    }
    let now = sim.clock.now();
    let unix = sim.clock.unix();
    let wall = sim.clock.wall();
    let Some(t) = sim.tenant(&tid) else {
        return Err(EntraError::bad(
            "invalid_tenant",
            90002,
            format!("Tenant '{tid}' not found."),
        ));
    };
    let Some(app) = t
        .apps
        .iter()
        .find(|a| a.app_id == client_id && now >= a.visible_at)
    else {
        return Err(EntraError::new(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", t.display_name)));
    };
    let hash = crate::state::sha256(&secret);
    let Some(pw) = app.passwords.iter().find(|p| p.secret_sha256 == hash) else {
        return Err(EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")));
    };
    if now < pw.ready_at {
        return Err(EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")));
    }
    if wall >= pw.end {
        return Err(EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000222, format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app.")));
    }
    if wall < pw.start {
        return Err(EntraError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided: the secret is not valid yet.",
        ));
    }
    let Some(sp) = t
        .sps
        .iter()
        .find(|s| s.app_id == client_id && now >= s.visible_at)
    else {
        return Err(EntraError::new(StatusCode::BAD_REQUEST, "invalid_client", 7000229, format!("The client application {client_id} is missing service principal in the tenant {tid}.")));
    };
    let graph = t.graph_sp();
    let mut roles: Vec<String> = Vec::new();
    if let Some(g) = graph {
        for a in t
            .assignments
            .iter()
            .filter(|a| a.principal_id == sp.id && a.resource_id == g.id && now >= a.effective_at)
        {
            if let Some(v) = g.app_role_value(&a.app_role_id) {
                if !roles.contains(&v) {
                    roles.push(v);
                }
            }
        }
    }
    let mut claims = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": unix, "nbf": unix, "exp": unix + TOKEN_LIFETIME_SECS,
        "app_displayname": app.display_name(),
        "appid": client_id, "appidacr": "1",
        "idp": format!("https://sts.windows.net/{tid}/"),
        "idtyp": "app",
        "oid": sp.id,
        "sub": sp.id,
        "tenant_region_scope": "NA",
        "tid": tid,
        "ver": "1.0",
        "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],
    });
    if !roles.is_empty() {
        claims["roles"] = json!(roles);
    }
    claims["uti"] = json!(sim.token(16));
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "ext_expires_in": TOKEN_LIFETIME_SECS,
        "access_token": sim.sign(&claims),
    }))
}

/// `Scenario::token_rate_limit`: Entra answers a client that asks for client-credentials tokens
/// too often with "429 Too Many Requests, with a Retry-After: 60 header"
/// (<https://learn.microsoft.com/entra/msal/dotnet/advanced/client-and-server-throttling>). The
/// body uses `temporarily_unavailable` (the token endpoint's documented error for "too busy to
/// handle the request") and AADSTS90055 TenantThrottlingError "There are too many incoming
/// requests" (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>); Entra
/// does not document which AADSTS code accompanies its 429. Windows follow the simulator clock.
fn throttle(sim: &mut Sim, client_id: &str) -> Result<(), EntraError> {
    let Some(limit) = sim.scenario.token_rate_limit.clone() else {
        return Ok(());
    };
    let now = sim.clock.now();
    let st = sim
        .token_rates
        .entry(client_id.to_ascii_lowercase())
        .or_default();
    let refuse = |until: std::time::Instant| {
        let secs = (until - now).as_secs_f64().ceil().max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let secs = secs as u64;
        let mut e = EntraError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            90055,
            "TenantThrottlingError: There are too many incoming requests. Please try again later.",
        );
        e.retry_after = Some(secs);
        e
    };
    if let Some(until) = st.blocked_until {
        if now < until {
            return Err(refuse(until));
        }
        st.blocked_until = None;
    }
    while st
        .arrivals
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= limit.per)
    {
        st.arrivals.pop_front();
    }
    st.arrivals.push_back(now);
    if st.arrivals.len() > usize::try_from(limit.requests).unwrap_or(usize::MAX) {
        let until = now + limit.retry_after;
        st.blocked_until = Some(until);
        st.arrivals.clear();
        return Err(refuse(until));
    }
    Ok(())
}

// ---------------------------------------------------------------- logout, userinfo

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

// ---------------------------------------------------------------- device code

pub async fn devicecode(
    State(shared): State<Shared>,
    Extension(ctx): Extension<RequestCtx>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = form_params(&body);
    let r = (|| {
        let mut sim = shared.lock();
        authority(&sim, &tenant)?;
        let client_id = f
            .get("client_id")
            .ok_or_else(|| missing("client_id"))?
            .clone();
        if !is_guid(&client_id) {
            return Err(EntraError::bad(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory."
                ),
            ));
        }
        let scope = f.get("scope").ok_or_else(|| missing("scope"))?.clone();
        parse_scopes(&scope, &sim.origin)?;
        let device_code = format!("DAQABAAEAAAD{}", sim.token(96));
        const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let user_code: String = (0..9)
            .map(|_| {
                use rand::Rng;
                char::from(LETTERS[sim.rng.gen_range(0..LETTERS.len())])
            })
            .collect();
        let interval = sim.device_interval;
        let expires = sim.clock.now() + DEVICE_CODE_LIFETIME;
        sim.device_codes.insert(
            device_code.clone(),
            DeviceGrant {
                tenant_path: tenant.clone(),
                client_id,
                scope,
                user_code: user_code.clone(),
                expires,
                interval,
                last_poll: None,
                polls: 0,
                status: DeviceStatus::Pending,
            },
        );
        let uri = format!("{}/devicelogin", sim.origin);
        Ok(Json(json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": DEVICE_CODE_LIFETIME.as_secs(),
            "interval": interval.as_secs(),
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        }))
        .into_response())
    })();
    respond(&shared, &ctx, r)
}

/// Approves (or declines) a device code as `upn`. Returns false when the code or user is unknown
/// or the code is no longer pending.
pub fn decide_device_code(sim: &mut Sim, user_code: &str, upn: &str, approve: bool) -> bool {
    let now = sim.clock.now();
    // At a tenant's own authority a guest signs in to that tenant; elsewhere, to their home.
    let user = sim
        .tenant_by_authority(
            &sim.device_codes
                .values()
                .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
                .map(|g| g.tenant_path.clone())
                .unwrap_or_default(),
        )
        .and_then(|t| {
            sim.user_in_tenant(&t.id, upn)
                .map(|u| (t.id.clone(), u.id.clone(), t.domain.clone()))
        })
        .or_else(|| {
            sim.find_user(upn)
                .map(|(t, u)| (t.id.clone(), u.id.clone(), t.domain.clone()))
        });
    let Some(g) = sim
        .device_codes
        .values_mut()
        .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
    else {
        return false;
    };
    if g.status != DeviceStatus::Pending || now >= g.expires {
        return false;
    }
    let Some((tid, uid, domain)) = user else {
        return false;
    };
    let path_ok = matches!(
        g.tenant_path.to_ascii_lowercase().as_str(),
        "organizations" | "common"
    ) || g.tenant_path.eq_ignore_ascii_case(&tid)
        || g.tenant_path.eq_ignore_ascii_case(&domain);
    if !path_ok {
        return false;
    }
    g.status = if approve {
        DeviceStatus::Approved {
            tenant_id: tid,
            user_id: uid,
        }
    } else {
        DeviceStatus::Declined
    };
    true
}

pub async fn devicelogin_get(State(shared): State<Shared>, Query(q): Query<Params>) -> Response {
    let sim = shared.lock();
    let mut rows = String::new();
    for t in &sim.tenants {
        for u in &t.users {
            rows.push_str(&format!(
                "<li><label><input type=\"radio\" name=\"upn\" value=\"{upn}\"/> {name} &lt;{upn}&gt; <small>{roles}</small></label></li>",
                upn = html_escape(&u.upn),
                name = html_escape(&u.display_name),
                roles = html_escape(&u.role_names().join(", ")),
            ));
        }
    }
    let code = q.get("otc").cloned().unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Enter code</title></head><body>\
         <h1>Enter code</h1><p>Enter the code displayed on your app or device, and pick who signs in.</p>\
         <form method=\"POST\" action=\"/devicelogin\"><label>Code <input name=\"user_code\" value=\"{}\"/></label>\
         <ul>{rows}</ul>\
         <button type=\"submit\" name=\"action\" value=\"approve\">Continue</button> \
         <button type=\"submit\" name=\"action\" value=\"decline\">Cancel</button></form></body></html>",
        html_escape(&code)
    ))
    .into_response()
}

pub async fn devicelogin_post(State(shared): State<Shared>, Form(f): Form<Params>) -> Response {
    let mut sim = shared.lock();
    let code = f.get("user_code").cloned().unwrap_or_default();
    let upn = f.get("upn").cloned().unwrap_or_default();
    let approve = f.get("action").map(String::as_str) != Some("decline");
    if decide_device_code(&mut sim, &code, &upn, approve) {
        let msg = if approve {
            "You have signed in to the application on your device. You may now close this window."
        } else {
            "You have declined to sign in to the application on your device."
        };
        Html(format!(
            "<!DOCTYPE html><html><body><h1>{msg}</h1></body></html>"
        ))
        .into_response()
    } else {
        error_page(StatusCode::BAD_REQUEST, 70000, "That code didn't work. Check the code and try again, or pick a user of the right tenant.")
    }
}

// ---------------------------------------------------------------- admin consent

pub async fn adminconsent_get(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    let mut sim = shared.lock();
    let auth_tenant = match authority(&sim, &tenant) {
        Ok(Authority::Multi) => None,
        Ok(Authority::Tenant(t)) => Some(t.id.clone()),
        Err(e) => return error_page(e.status, e.code, &e.description),
    };
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    // The app must exist somewhere we can see it; its registered redirect URIs decide where we go.
    let app = sim
        .tenants
        .iter()
        .filter(|t| auth_tenant.as_deref().is_none_or(|a| a == t.id))
        .flat_map(|t| t.apps.iter())
        .find(|a| a.app_id == client_id)
        .cloned();
    let Some(app) = app else {
        return error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        );
    };
    let registered: Vec<String> = ["web", "publicClient", "spa"]
        .iter()
        .filter_map(|k| app.doc.get(*k)?.get("redirectUris")?.as_array().cloned())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let redirect_uri = match q.get("redirect_uri") {
        Some(r) if registered.iter().any(|g| redirect_matches(g, r)) => r.clone(),
        Some(r) => {
            return error_page(StatusCode::BAD_REQUEST, 50011, &format!("The redirect URI '{r}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."));
        }
        None => match registered.first() {
            Some(r) => r.clone(),
            None => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    500113,
                    "No reply address is registered for the application.",
                )
            }
        },
    };
    let pending = PendingAuthorize {
        client_id,
        redirect_uri,
        scope: q.get("scope").cloned().unwrap_or_default(),
        state: q.get("state").cloned(),
        nonce: None,
        code_challenge: String::new(),
        response_mode: "query".into(),
        admin_consent: true,
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

pub async fn adminconsent_post(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    Form(f): Form<Params>,
) -> Response {
    authorize_post(State(shared), Path(tenant), Form(f)).await
}

/// Grants every application permission the app's `requiredResourceAccess` asks of Microsoft
/// Graph (creating the app's service principal if needed), as the portal's button does.
fn finish_admin_consent(sim: &mut Sim, p: &PendingAuthorize, tid: &str, uid: &str) -> Response {
    let now = sim.clock.now();
    let wall = sim.clock.wall();
    let visible_at = sim.new_visible_at();
    let effective_at = now + sim.scenario.role_propagation_delay;
    // Read phase: who, which app, which Graph app roles it asks for.
    let Some(t) = sim.tenant(tid) else {
        return error_page(StatusCode::BAD_REQUEST, 90002, "Tenant not found.");
    };
    let Some(user) = t.user(uid).cloned() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            "The user account does not exist in the directory.",
        );
    };
    let Some(app) = t.apps.iter().find(|a| a.app_id == p.client_id).cloned() else {
        return error_redirect(
            p,
            "invalid_request",
            700016,
            "The application was not found in the tenant of the signed-in admin.",
        );
    };
    let may_grant_graph = user.has_role(catalog::GLOBAL_ADMINISTRATOR)
        || user.has_role(catalog::PRIVILEGED_ROLE_ADMINISTRATOR);
    if !may_grant_graph {
        return error_redirect(p, "access_denied", 90094, "Granting admin consent for Microsoft Graph application permissions needs a Global Administrator or Privileged Role Administrator.");
    }
    let Some(graph) = t.graph_sp().cloned() else {
        return error_redirect(
            p,
            "server_error",
            500011,
            "Microsoft Graph service principal missing.",
        );
    };
    let wanted: Vec<String> = app
        .doc
        .get("requiredResourceAccess")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("resourceAppId").and_then(Value::as_str) == Some(GRAPH_APP_ID))
        .flat_map(|r| {
            r.get("resourceAccess")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|ra| ra.get("type").and_then(Value::as_str) == Some("Role"))
        .filter_map(|ra| ra.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    for w in &wanted {
        if !graph.app_role_ids().iter().any(|id| id == w) {
            return error_redirect(p, "invalid_client", 650051, &format!("Using application 'Microsoft Graph' is currently not supported for your account type. Claim is invalid: {w} does not exist on resource application {GRAPH_APP_ID}."));
        }
    }
    let existing_sp = t.sps.iter().find(|s| s.app_id == app.app_id).cloned();
    // Write phase.
    let sp = match existing_sp {
        Some(s) => s,
        None => {
            let sp_id = sim.guid();
            let doc = crate::state::new_sp_doc(&sp_id, &app, tid);
            crate::state::Sp {
                id: sp_id,
                app_id: app.app_id.clone(),
                doc,
                visible_at,
                owners: vec![],
            }
        }
    };
    let mut new_assignments = Vec::new();
    for w in wanted {
        let exists = sim.tenant(tid).is_some_and(|t| {
            t.assignments
                .iter()
                .any(|a| a.principal_id == sp.id && a.resource_id == graph.id && a.app_role_id == w)
        });
        if exists
            || new_assignments
                .iter()
                .any(|a: &crate::state::Assignment| a.app_role_id == w)
        {
            continue;
        }
        new_assignments.push(crate::state::Assignment {
            id: crate::graph::assignment_id(sim),
            app_role_id: w,
            principal_id: sp.id.clone(),
            principal_type: "ServicePrincipal".into(),
            principal_display_name: sp.display_name(),
            resource_id: graph.id.clone(),
            resource_display_name: graph.display_name(),
            created: wall,
            visible_at,
            effective_at,
        });
    }
    let Some(t) = sim.tenant_mut(tid) else {
        return error_page(StatusCode::BAD_REQUEST, 90002, "Tenant not found.");
    };
    if !t.sps.iter().any(|s| s.id == sp.id) {
        t.sps.push(sp);
    }
    t.assignments.extend(new_assignments);
    let mut params = vec![
        ("admin_consent", "True".to_string()),
        ("tenant", tid.to_string()),
    ];
    if let Some(s) = &p.state {
        params.push(("state", s.clone()));
    }
    if !p.scope.is_empty() {
        params.push(("scope", p.scope.clone()));
    }
    redirect_to_client(&p.redirect_uri, &p.response_mode, &params)
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

    #[test]
    fn scopes_strip_resource_and_expand_default() {
        let s = parse_scopes(
            "https://graph.microsoft.com/Application.ReadWrite.All openid offline_access",
            "http://x",
        )
        .unwrap();
        assert_eq!(s.graph, vec!["Application.ReadWrite.All", "User.Read"]);
        assert!(s.openid && s.offline && !s.profile);
        let s = parse_scopes("http://x/.default", "http://x").unwrap();
        assert_eq!(s.graph, DEFAULT_SCOPES.to_vec());
        let s = parse_scopes("openid", "http://x").unwrap();
        assert_eq!(s.graph, vec!["User.Read"]);
        assert_eq!(
            parse_scopes("Mail.Send", "http://x").err().map(|e| e.code),
            Some(70011)
        );
        assert_eq!(
            parse_scopes("user.read", "http://x").unwrap().graph,
            vec!["User.Read"]
        );
    }
}
