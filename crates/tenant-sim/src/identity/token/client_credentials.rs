//! `grant_type=client_credentials`: an app signs in with a client secret (in the body or HTTP
//! Basic) at a tenant-specific authority for `https://graph.microsoft.com/.default`; only a
//! secret that exists, is ready and has not expired; `roles` = the Graph app roles granted to
//! the app's service principal. Requests per client id are rate limited.

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

use super::{missing, EntraError, Params, TOKEN_LIFETIME_SECS};
use crate::catalog::{GRAPH_APP_ID, GRAPH_RESOURCE};
use crate::state::{sha256, App, Sim, Sp, Tenant};

/// The Microsoft Graph resource as a client-credentials scope names it (before `/.default`).
const GRAPH_RESOURCES: &[&str] = &[
    GRAPH_RESOURCE,
    "https://graph.microsoft.com/",
    GRAPH_APP_ID,
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

pub(super) fn issue(
    sim: &mut Sim,
    tenant_path: &str,
    auth_tenant: Option<String>,
    headers: &HeaderMap,
    form: &Params,
) -> Result<Value, EntraError> {
    let Some(tenant_id) = auth_tenant else {
        return Err(EntraError::bad(
            "invalid_request",
            1002016,
            format!("Use a tenant-specific endpoint or configure the application to be multi-tenant: the client credentials flow needs a tenant, not '{tenant_path}'."),
        ));
    };
    let (client_id, secret) = client_secret(headers, form)?;
    throttle(sim, &client_id)?;
    check_graph_scope(sim, form, &tenant_id)?;
    let now = sim.clock.now();
    let Some(tenant) = sim.tenant(&tenant_id) else {
        return Err(EntraError::bad(
            "invalid_tenant",
            90002,
            format!("Tenant '{tenant_id}' not found."),
        ));
    };
    let app = authenticated_app(sim, tenant, &client_id, &secret)?;
    let Some(sp) = tenant
        .sps
        .iter()
        .find(|s| s.app_id == client_id && now >= s.visible_at)
    else {
        return Err(EntraError::new(StatusCode::BAD_REQUEST, "invalid_client", 7000229, format!("The client application {client_id} is missing service principal in the tenant {tenant_id}.")));
    };
    let roles = graph_roles(tenant, sp, now);
    let mut claims = app_claims(sim, &tenant_id, app, sp, roles);
    claims["uti"] = json!(sim.token(16));
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "ext_expires_in": TOKEN_LIFETIME_SECS,
        "access_token": sim.sign(&claims),
    }))
}

/// (client id, secret) from the body, else from HTTP Basic.
fn client_secret(headers: &HeaderMap, form: &Params) -> Result<(String, String), EntraError> {
    match (form.get("client_id"), form.get("client_secret"), basic_auth(headers)) {
        (Some(id), Some(s), _) => Ok((id.clone(), s.clone())),
        (_, _, Some(pair)) => Ok(pair),
        (None, _, None) => Err(missing("client_id")),
        (Some(_), None, None) => Err(EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")),
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = authorization.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(raw).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |x: &str| {
        url::form_urlencoded::parse(format!("a={x}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// `scope` must be Microsoft Graph's (or the emulator's origin) with `/.default`.
fn check_graph_scope(sim: &Sim, form: &Params, tenant_id: &str) -> Result<(), EntraError> {
    let scope = form.get("scope").ok_or_else(|| missing("scope"))?;
    let resource = scope.strip_suffix("/.default").ok_or_else(|| {
        EntraError::bad("invalid_scope", 1002012, format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."))
    })?;
    if GRAPH_RESOURCES.contains(&resource) || resource == sim.origin {
        return Ok(());
    }
    Err(EntraError::bad(
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {resource} was not found in the tenant named {tenant_id}."
        ),
    ))
}

/// The replicated app `client_id` names, if `secret` is one of its passwords, ready and within
/// its validity.
fn authenticated_app<'a>(
    sim: &Sim,
    tenant: &'a Tenant,
    client_id: &str,
    secret: &str,
) -> Result<&'a App, EntraError> {
    let now = sim.clock.now();
    let wall = sim.clock.wall();
    let Some(app) = tenant
        .apps
        .iter()
        .find(|a| a.app_id == client_id && now >= a.visible_at)
    else {
        return Err(EntraError::new(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", tenant.display_name)));
    };
    let invalid_secret = || {
        EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."))
    };
    let hash = sha256(secret);
    let Some(password) = app.passwords.iter().find(|p| p.secret_sha256 == hash) else {
        return Err(invalid_secret());
    };
    let expired = || {
        EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000222, format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."))
    };
    if now < password.ready_at {
        // `Scenario::new_secret_reported_expired`: a young secret called expired, as admins see.
        return Err(if sim.scenario.new_secret_reported_expired {
            expired()
        } else {
            invalid_secret()
        });
    }
    if wall >= password.end {
        return Err(expired());
    }
    if wall < password.start {
        return Err(EntraError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided: the secret is not valid yet.",
        ));
    }
    Ok(app)
}

/// The values of the Microsoft Graph app roles granted to `sp` that have taken effect.
fn graph_roles(tenant: &Tenant, sp: &Sp, now: std::time::Instant) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    let Some(graph) = tenant.graph_sp() else {
        return roles;
    };
    for assignment in tenant
        .assignments
        .iter()
        .filter(|a| a.principal_id == sp.id && a.resource_id == graph.id && now >= a.effective_at)
    {
        if let Some(value) = graph.app_role_value(&assignment.app_role_id) {
            if !roles.contains(&value) {
                roles.push(value);
            }
        }
    }
    roles
}

/// An app-only access token: `idtyp` app, `oid` the service principal, `roles` if any.
fn app_claims(sim: &Sim, tenant_id: &str, app: &App, sp: &Sp, roles: Vec<String>) -> Value {
    let unix = sim.clock.unix();
    let mut claims = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "iat": unix, "nbf": unix, "exp": unix + TOKEN_LIFETIME_SECS,
        "app_displayname": app.display_name(),
        "appid": app.app_id, "appidacr": "1",
        "idp": format!("https://sts.windows.net/{tenant_id}/"),
        "idtyp": "app",
        "oid": sp.id,
        "sub": sp.id,
        "tenant_region_scope": "NA",
        "tid": tenant_id,
        "ver": "1.0",
        "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],
    });
    if !roles.is_empty() {
        claims["roles"] = json!(roles);
    }
    claims
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
    let rate = sim
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
    if let Some(until) = rate.blocked_until {
        if now < until {
            return Err(refuse(until));
        }
        rate.blocked_until = None;
    }
    while rate
        .arrivals
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= limit.per)
    {
        rate.arrivals.pop_front();
    }
    rate.arrivals.push_back(now);
    if rate.arrivals.len() > usize::try_from(limit.requests).unwrap_or(usize::MAX) {
        let until = now + limit.retry_after;
        rate.blocked_until = Some(until);
        rate.arrivals.clear();
        return Err(refuse(until));
    }
    Ok(())
}
