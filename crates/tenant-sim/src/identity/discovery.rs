//! `/{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/discovery/v2.0/keys`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{authority, Authority, EntraError};
use crate::shared::Shared;
use crate::tokens;

/// The OpenID configuration: for `organizations`/`common` the `issuer` is the literal
/// `{origin}/{tenantid}/v2.0`, as Microsoft's is.
pub async fn openid_configuration(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
) -> Result<Response, EntraError> {
    let sim = shared.lock();
    let (issuer, region) = match authority(&sim, &tenant)? {
        Authority::Multi => (sim.issuer("{tenantid}"), Value::Null),
        Authority::Tenant(t) => (sim.issuer(&t.id), json!("NA")),
    };
    Ok(Json(configuration(&sim.public_origin(), &tenant, issuer, region)).into_response())
}

fn configuration(origin: &str, tenant: &str, issuer: String, region: Value) -> Value {
    let o = origin;
    let host = o
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    json!({
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
    })
}

/// The JWKS: the current key first, then (after a rollover) the previous one.
pub async fn keys(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
) -> Result<Response, EntraError> {
    let sim = shared.lock();
    let issuer = match authority(&sim, &tenant)? {
        Authority::Multi => sim.issuer("{tenantid}"),
        Authority::Tenant(t) => sim.issuer(&t.id),
    };
    Ok(Json(tokens::jwks(&sim.published_keys(), &issuer)).into_response())
}
