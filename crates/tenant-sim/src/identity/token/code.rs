//! `grant_type=authorization_code`: redeems a code from `/authorize` once, with its PKCE
//! verifier, at the tenant and redirect URI it was issued for.

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::user_tokens::{check_redeemer, user_tokens, Grant, Refusals};
use super::{missing, EntraError, Params};
use crate::state::{AuthCode, Sim};

pub(super) fn redeem(
    sim: &mut Sim,
    auth_tenant: Option<&str>,
    form: &Params,
) -> Result<Value, EntraError> {
    let code = form.get("code").ok_or_else(|| missing("code"))?;
    let client_id = form.get("client_id").ok_or_else(|| missing("client_id"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| missing("redirect_uri"))?;
    let verifier = form.get("code_verifier");
    let now = sim.clock.now();
    let Some(issued) = sim.codes.get_mut(code) else {
        return Err(EntraError::bad(
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        ));
    };
    if issued.redeemed {
        return Err(EntraError::bad("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
    }
    if now >= issued.expires {
        return Err(EntraError::bad("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    check_issued_for(issued, client_id, auth_tenant, redirect_uri)?;
    let Some(verifier) = verifier else {
        return Err(missing("code_verifier"));
    };
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    if challenge != issued.code_challenge {
        return Err(EntraError::bad("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    }
    // Single use: mark before issuing.
    issued.redeemed = true;
    let issued = issued.clone();
    user_tokens(
        sim,
        &Grant::new(&issued.sign_in, issued.nonce.as_deref(), form),
    )
}

/// A code redeemed by another client or at another tenant's path.
const REFUSALS: Refusals = Refusals {
    other_client: "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
    other_tenant: "The authorization code was issued in a different tenant.",
};

/// The code was issued to this client, in this tenant, for this redirect URI.
fn check_issued_for(
    issued: &AuthCode,
    client_id: &str,
    auth_tenant: Option<&str>,
    redirect_uri: &str,
) -> Result<(), EntraError> {
    check_redeemer(&issued.sign_in, client_id, auth_tenant, &REFUSALS)?;
    if issued.redirect_uri != redirect_uri {
        return Err(EntraError::bad("invalid_grant", 50011, "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code."));
    }
    Ok(())
}
