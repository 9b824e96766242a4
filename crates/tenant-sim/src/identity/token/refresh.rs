//! `grant_type=refresh_token`: a new refresh token each time; like Entra, the old one is not
//! revoked.

use serde_json::Value;

use super::user_tokens::{check_redeemer, user_tokens, Grant, Refusals};
use super::{missing, EntraError, Params};
use crate::state::{SignedIn, Sim};

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
    check_redeemer(&issued.sign_in, client_id, auth_tenant, &REFUSALS)?;
    // Rotation: a new refresh token every time. As in Entra, the old one is not revoked.
    let sign_in = SignedIn {
        scope: form
            .get("scope")
            .cloned()
            .unwrap_or(issued.sign_in.scope.clone()),
        ..issued.sign_in
    };
    user_tokens(sim, &Grant::new(&sign_in, None, form))
}

/// A refresh token redeemed by another client or at another tenant's path.
const REFUSALS: Refusals = Refusals {
    other_client: "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
    other_tenant: "The refresh token was issued in a different tenant.",
};
