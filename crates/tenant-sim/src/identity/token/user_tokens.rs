//! The tokens a user's sign-in yields: a Graph access token (Microsoft's v1 format), an ID token
//! with `openid`, a refresh token with `offline_access`.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{wants_client_info, EntraError, Params, TOKEN_LIFETIME_SECS};
use crate::catalog::{GRAPH_APP_ID, GRAPH_RESOURCE};
use crate::identity::authorize::restricted;
use crate::identity::client_info::client_info;
use crate::identity::scopes::{parse_scopes, Scopes};
use crate::state::{RefreshGrant, SignedIn, Sim, User};

/// "Default directory role" every member user holds (shows up in `wids`).
const MEMBER_USER_ROLE_TEMPLATE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";
const REFRESH_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// Who a token is for, and what it allows.
pub(super) struct Grant<'a> {
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    /// The token request sent `client_info=1`: the response carries `client_info`.
    pub client_info: bool,
}

impl<'a> Grant<'a> {
    /// The tokens for `sign_in`, with `client_info` when the token request (`form`) asks.
    pub(super) fn new(sign_in: &'a SignedIn, nonce: Option<&'a str>, form: &Params) -> Self {
        Grant {
            tenant_id: &sign_in.tenant_id,
            user_id: &sign_in.user_id,
            client_id: &sign_in.client_id,
            scope: &sign_in.scope,
            nonce,
            client_info: wants_client_info(form),
        }
    }
}

/// What Entra says when a code or a refresh token is redeemed by another client than the one it
/// was issued to (AADSTS70000), or at another tenant's path than the one it was issued in
/// (AADSTS50020).
pub(super) struct Refusals {
    pub other_client: &'static str,
    pub other_tenant: &'static str,
}

/// Refuses, in `says`' words, a redeemer who is not the client `sign_in` was issued to, or who
/// names another tenant.
pub(super) fn check_redeemer(
    sign_in: &SignedIn,
    client_id: &str,
    auth_tenant: Option<&str>,
    says: &Refusals,
) -> Result<(), EntraError> {
    if sign_in.client_id != client_id {
        return Err(EntraError::bad("invalid_grant", 70000, says.other_client));
    }
    check_tenant(auth_tenant, &sign_in.tenant_id, says.other_tenant)
}

/// AADSTS50020 (`message`) when the path names one tenant and the sign-in was in another
/// (`organizations` and `common` name none).
pub(super) fn check_tenant(
    auth_tenant: Option<&str>,
    tenant_id: &str,
    message: &'static str,
) -> Result<(), EntraError> {
    if auth_tenant.is_some_and(|t| t != tenant_id) {
        return Err(EntraError::bad("invalid_grant", 50020, message));
    }
    Ok(())
}

/// The token response for a signed-in user.
pub(super) fn user_tokens(sim: &mut Sim, grant: &Grant) -> Result<Value, EntraError> {
    let scopes = parse_scopes(grant.scope, &sim.origin)?;
    let user = sim
        .tenant(grant.tenant_id)
        .and_then(|t| t.user(grant.user_id).cloned())
        .ok_or_else(|| {
            EntraError::bad(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            )
        })?;
    if let Some(e) = restricted(sim, grant.client_id, &sign_in_name(&user)) {
        return Err(e);
    }
    let access = access_claims(sim, grant, &user, &scopes);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted_scope(&scopes),
        "expires_in": TOKEN_LIFETIME_SECS,
        "ext_expires_in": TOKEN_LIFETIME_SECS,
        "access_token": sim.sign(&access),
    });
    if scopes.openid {
        let id = id_token_claims(sim, grant, &user, &scopes);
        body["id_token"] = json!(sim.sign(&id));
    }
    if scopes.offline {
        body["refresh_token"] = json!(new_refresh_token(sim, grant));
    }
    if grant.client_info {
        if let Some(info) = client_info(sim, grant.tenant_id, grant.user_id) {
            body["client_info"] = json!(info);
        }
    }
    Ok(body)
}

/// A guest: `acct` 1 and `idp` the home tenant's issuer (ID token claims reference:
/// "identical to the value of the issuer claim unless the user account isn't in the same
/// tenant as the issuer, such as guests"; `acct` is "0" for members, "1" for guests:
/// https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference,
/// https://learn.microsoft.com/entra/identity-platform/optional-claims-reference).
fn guest_claims(user: &User) -> (i32, Option<String>) {
    let acct = i32::from(user.guest.is_some());
    let idp = user
        .guest
        .as_ref()
        .map(|g| format!("https://sts.windows.net/{}/", g.home_tenant_id));
    (acct, idp)
}

/// The access token for Graph: `scp` the requested Graph scopes, `wids` the user's roles.
fn access_claims(sim: &mut Sim, grant: &Grant, user: &User, scopes: &Scopes) -> Value {
    let (acct, idp) = guest_claims(user);
    let login_name = sign_in_name(user);
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
    let tenant_id = grant.tenant_id;
    let mut access = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECS,
        "acct": acct, "acr": "1", "amr": ["pwd"],
        "app_displayname": null,
        "appid": grant.client_id, "appidacr": "0",
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
    if let Some(i) = &idp {
        access["idp"] = json!(i);
    }
    access
}

/// The response's `scope`: the Graph scopes with their resource, then the OpenID ones.
fn granted_scope(scopes: &Scopes) -> String {
    let mut granted: Vec<String> = scopes
        .graph
        .iter()
        .map(|s| format!("{GRAPH_RESOURCE}/{s}"))
        .collect();
    if scopes.openid {
        granted.push("openid".into());
    }
    if scopes.profile {
        granted.push("profile".into());
    }
    if scopes.email {
        granted.push("email".into());
    }
    granted.join(" ")
}

fn id_token_claims(sim: &Sim, grant: &Grant, user: &User, scopes: &Scopes) -> Value {
    let (acct, idp) = guest_claims(user);
    let login_name = sign_in_name(user);
    let now = sim.clock.unix();
    let mut id = json!({
        "aud": grant.client_id,
        "iss": sim.issuer(grant.tenant_id),
        "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECS,
        "acct": acct,
        "name": user.display_name,
        "oid": user.id,
        "preferred_username": login_name,
        "sub": pairwise(&user.id, grant.client_id),
        "tid": grant.tenant_id,
        "ver": "2.0",
    });
    if let Some(n) = grant.nonce {
        id["nonce"] = json!(n);
    }
    if scopes.email {
        id["email"] = json!(login_name);
    }
    if let Some(i) = &idp {
        id["idp"] = json!(i);
    }
    id
}

fn new_refresh_token(sim: &mut Sim, grant: &Grant) -> String {
    let token = format!("1.{}", sim.token(64));
    let expires = sim.clock.now() + REFRESH_LIFETIME;
    sim.refresh_tokens.insert(
        token.clone(),
        RefreshGrant {
            sign_in: SignedIn {
                tenant_id: grant.tenant_id.into(),
                user_id: grant.user_id.into(),
                client_id: grant.client_id.into(),
                scope: grant.scope.into(),
            },
            expires,
        },
    );
    token
}

/// The name a user signs in with: their UPN, or a guest's home UPN.
fn sign_in_name(user: &User) -> String {
    user.guest
        .as_ref()
        .map_or_else(|| user.upn.clone(), |g| g.home_upn.clone())
}

/// Entra's `sub` is pairwise per app: a stable hash of user and client.
fn pairwise(oid: &str, client: &str) -> String {
    let hash = Sha256::digest(format!("{oid}|{client}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash[..32])
}
