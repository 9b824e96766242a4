//! `client_info`: what Entra returns when a client sends `client_info=1`, as MSAL does on
//! `/authorize` and `/token`. It is base64url JSON `{"uid": …, "utid": …}`: the user's object id
//! and tenant id in their **home** tenant (MSAL's `ClientInfo` type: "uid: user id, utid: tenant
//! id", <https://learn.microsoft.com/javascript/api/@azure/msal-common/clientinfo>), from which
//! MSAL builds the account's home account id `uid.utid` that "uniquely identifies the user across
//! tenants" (`IAccount.HomeAccountId`,
//! <https://learn.microsoft.com/dotnet/api/microsoft.identity.client.iaccount>). A B2B guest's
//! home is the tenant they were invited from ("the system of record … is the tenant where the
//! account was created. This tenant is also referred to as the home tenant",
//! <https://learn.microsoft.com/entra/identity-platform/accounts-overview>), so a guest's token
//! for the resource tenant carries its guest `oid`/`tid` but the home values here.

use base64::Engine;
use serde_json::json;

use crate::state::Sim;

/// The `client_info` of user `user_id` signed in to tenant `tenant_id` (home values for a
/// guest); None when the user is unknown.
pub(super) fn client_info(sim: &Sim, tenant_id: &str, user_id: &str) -> Option<String> {
    let user = sim.tenant(tenant_id)?.user(user_id)?;
    let (uid, utid) = match &user.guest {
        Some(home) => (home.home_user_id.as_str(), home.home_tenant_id.as_str()),
        None => (user.id.as_str(), tenant_id),
    };
    let info = json!({"uid": uid, "utid": utid}).to_string();
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(info))
}
