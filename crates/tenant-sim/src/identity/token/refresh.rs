//! `grant_type=refresh_token`: a new refresh token each time; like Entra, the old one is not
//! revoked.

use serde_json::Value;

use super::user_tokens::{user_tokens, Grant};
use super::{missing, wants_client_info, EntraError, Params};
use crate::state::Sim;

pub(super) fn redeem(
    sim: &mut Sim,
    auth_tenant: Option<&str>,
    form: &Params,
) -> Result<Value, EntraError> {
    let refresh_token = form
        .get("refresh_token")
        .ok_or_else(|| missing("refresh_token"))?;
    let client_id = form.get("client_id").ok_or_else(|| missing("client_id"))?;
    let now = sim.clock.now();
    let issued = sim
        .refresh_tokens
        .get(refresh_token)
        .cloned()
        .ok_or_else(|| {
            EntraError::bad(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid: the refresh token is not valid.",
            )
        })?;
    if now >= issued.expires {
        return Err(EntraError::bad(
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity.",
        ));
    }
    if issued.client_id != *client_id {
        return Err(EntraError::bad("invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token was issued to a different client."));
    }
    if auth_tenant.is_some_and(|t| t != issued.tenant_id) {
        return Err(EntraError::bad(
            "invalid_grant",
            50020,
            "The refresh token was issued in a different tenant.",
        ));
    }
    // Rotation: a new refresh token every time. As in Entra, the old one is not revoked.
    let scope = form.get("scope").cloned().unwrap_or(issued.scope.clone());
    user_tokens(
        sim,
        &Grant {
            tenant_id: &issued.tenant_id,
            user_id: &issued.user_id,
            client_id: &issued.client_id,
            scope: &scope,
            nonce: None,
            client_info: wants_client_info(form),
        },
    )
}
