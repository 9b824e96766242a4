//! `grant_type=urn:ietf:params:oauth:grant-type:device_code`: polling a device code
//! (`authorization_pending`, `slow_down`, `authorization_declined`, `expired_token`), with
//! `--auto-sign-in` approving at the second poll and conditional access blocking the flow.

use serde_json::Value;

use super::user_tokens::{check_tenant, user_tokens, Grant};
use super::{missing, EntraError, Params};
use crate::state::{DeviceStatus, SignedIn, Sim};

pub(super) fn poll(
    sim: &mut Sim,
    auth_tenant: Option<&str>,
    form: &Params,
) -> Result<Value, EntraError> {
    let device_code = form
        .get("device_code")
        .ok_or_else(|| missing("device_code"))?;
    let now = sim.clock.now();
    let blocked = sim.scenario.block_device_code;
    let auto_user = auto_sign_in_user(sim, device_code);
    let Some(grant) = sim.device_codes.get_mut(device_code) else {
        return Err(EntraError::bad(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'device_code' is not valid.",
        ));
    };
    if now >= grant.expires {
        return Err(EntraError::bad("expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."));
    }
    let too_soon = grant.last_poll.is_some_and(|l| now < l + grant.interval);
    grant.last_poll = Some(now);
    grant.polls += 1;
    // --auto-sign-in approves at the second poll so clients see authorization_pending once.
    if grant.status == DeviceStatus::Pending && grant.polls >= 2 {
        if let Some((tenant_id, user_id)) = auto_user {
            grant.status = DeviceStatus::Approved { tenant_id, user_id };
        }
    }
    let (tenant_id, user_id) = match grant.status.clone() {
        DeviceStatus::Pending if too_soon => return Err(EntraError::bad("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval before polling again.")),
        DeviceStatus::Pending => return Err(EntraError::bad("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")),
        DeviceStatus::Declined => return Err(EntraError::bad("authorization_declined", 70000, "The user declined the authorization request.")),
        DeviceStatus::Redeemed => return Err(EntraError::bad("invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid. It was already redeemed.")),
        DeviceStatus::Approved { tenant_id, user_id } => (tenant_id, user_id),
    };
    if blocked {
        return Err(EntraError::bad("invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."));
    }
    check_tenant(
        auth_tenant,
        &tenant_id,
        "The user signed in to a different tenant.",
    )?;
    grant.status = DeviceStatus::Redeemed;
    let sign_in = SignedIn {
        tenant_id,
        user_id,
        client_id: grant.client_id.clone(),
        scope: grant.scope.clone(),
    };
    user_tokens(sim, &Grant::new(&sign_in, None, form))
}

/// The `--auto-sign-in` user as (tenant id, user id): in the tenant of the device code's
/// authority when they are there (a guest), else in their home tenant.
fn auto_sign_in_user(sim: &Sim, device_code: &str) -> Option<(String, String)> {
    let upn = sim.auto_sign_in.as_deref()?;
    let path_tenant = sim
        .device_codes
        .get(device_code)
        .and_then(|g| sim.tenant_by_authority(&g.tenant_path))
        .map(|t| t.id.clone());
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
}
