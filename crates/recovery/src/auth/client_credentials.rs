//! The client-credentials grant for the app the wizard made: its proof that the Application
//! (client) ID and the secret work, and that the permission reached the app's tokens
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).

use serde::Deserialize;

use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo};
use crate::http::{Failure, Http};
use crate::retry::RetryReason;
use crate::secret::Secret;

/// One token request for `app_id` at `tenant_id`; the application permissions (`roles`) its
/// token carries. Entra's answers while the new app or secret replicates are
/// [`Failure::NotYet`]: AADSTS7000215 (the secret is not accepted yet), AADSTS700016 and
/// AADSTS7000229 (the app or its service principal is not found yet). 429 and 5xx are retried by
/// the caller's loop with their Retry-After; any other refusal is final.
pub async fn app_token_roles(
    http: &Http,
    endpoints: &Endpoints,
    tenant_id: &str,
    app_id: &str,
    secret: &Secret,
) -> Result<Vec<String>, Failure> {
    let scope = format!(
        "{}/.default",
        endpoints.graph_resource.trim_end_matches('/')
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", app_id),
        ("client_secret", secret.expose()),
        ("scope", scope.as_str()),
    ];
    let request = http
        .client
        .post(endpoints.oauth(tenant_id, "token"))
        .form(&form);
    let reply = match http.send(request).await {
        Ok(r) => r,
        Err(Failure::Http { error, retry_after }) if error.status == 429 || error.status >= 500 => {
            return Err(Failure::Http { error, retry_after })
        }
        Err(Failure::Http { error, .. }) => return Err(not_yet_or_final(error)),
        Err(other) => return Err(other),
    };
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
    }
    let token: Token = reply.json()?;
    let claims = super::jwt_claims(&token.access_token).map_err(Failure::Final)?;
    Ok(claims
        .get("roles")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

fn not_yet_or_final(error: GraphErrorInfo) -> Failure {
    if error.message.contains("AADSTS7000215") {
        Failure::NotYet {
            reason: RetryReason::SecretNotReady,
            detail: error,
        }
    } else if error.message.contains("AADSTS700016") || error.message.contains("AADSTS7000229") {
        Failure::NotYet {
            reason: RetryReason::Replication,
            detail: error,
        }
    } else {
        Failure::Final(Error::VerificationFailed(error.to_string()))
    }
}
