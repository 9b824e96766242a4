//! The client-credentials grant for the app the wizard made: its proof that the Application
//! (client) ID and the secret work, and that the permission reached the app's tokens
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).

use std::time::Duration;

use serde::Deserialize;

use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo};
use crate::http::{parse_error_body, Failure, Http};
use crate::retry::RetryReason;
use crate::secret::Secret;

/// How long after its creation a secret that Entra calls expired (AADSTS7000222) is taken for
/// one still replicating. Admins see 7000222 for a secret made seconds before that works when
/// retried (<https://github.com/Azure-Samples/active-directory-dotnetcore-daemon-v2/issues/87>);
/// the wizard's secrets live at least 72 hours, so a real expiry this young cannot be. As long as
/// verification's budget: a secret that young is never given up on for being "expired".
pub const YOUNG_SECRET: Duration = Duration::from_secs(600);

/// One token request for `app_id` at `tenant_id`; the application permissions (`roles`) its
/// token carries. `secret_young`: the secret was made less than [`YOUNG_SECRET`] ago.
///
/// Entra's answers while the new app or secret replicates are [`Failure::NotYet`], told apart by
/// the numeric `error_codes` of the identity platform's error body, never by its text:
/// AADSTS7000215 (the secret is not accepted yet), AADSTS7000222 while the secret is young,
/// AADSTS700016 and AADSTS7000229 (the app or its service principal is not found yet). Microsoft's
/// error-code reference (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>)
/// warns that "apps that take a dependency on text or error code numbers will be broken over
/// time" and points to the OAuth `error` field; all four share `invalid_client` /
/// `unauthorized_client` with final refusals, so the numbers are the only way to tell them
/// apart, and an unknown number is final (the run fails with words, it never waits forever).
/// 429 and 5xx are retried by the caller's loop with their Retry-After; any other refusal is
/// final.
pub async fn app_token_roles(
    http: &Http,
    endpoints: &Endpoints,
    tenant_id: &str,
    app_id: &str,
    secret: &Secret,
    secret_young: bool,
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
        .form(&form)
        .build()
        .map_err(|e| Failure::Final(Error::Internal(format!("request: {e}"))))?;
    let reply = http.exchange(request).await?;
    if reply.status == 429 || reply.status >= 500 {
        return Err(Failure::Http {
            retry_after: http.retry_after(&reply),
            error: parse_error_body(&reply),
        });
    }
    if reply.status >= 400 {
        return Err(not_yet_or_final(
            parse_error_body(&reply),
            &error_codes(&reply.body),
            secret_young,
        ));
    }
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

/// The identity platform's numeric `error_codes` of an error body (empty if there are none).
pub fn error_codes(body: &[u8]) -> Vec<u64> {
    #[derive(Deserialize)]
    struct Codes {
        #[serde(default)]
        error_codes: Vec<u64>,
    }
    serde_json::from_slice::<Codes>(body)
        .map(|c| c.error_codes)
        .unwrap_or_default()
}

fn not_yet_or_final(error: GraphErrorInfo, codes: &[u64], secret_young: bool) -> Failure {
    let has = |c: u64| codes.contains(&c);
    if has(7000215) || (has(7000222) && secret_young) {
        Failure::NotYet {
            reason: RetryReason::SecretNotReady,
            detail: error,
        }
    } else if has(700016) || has(7000229) {
        Failure::NotYet {
            reason: RetryReason::Replication,
            detail: error,
        }
    } else {
        Failure::Final(Error::VerificationFailed(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: u64) -> (GraphErrorInfo, Vec<u64>) {
        let raw = format!(
            r#"{{"error":"invalid_client","error_description":"AADSTS{code}: words","error_codes":[{code}]}}"#
        );
        let codes = error_codes(raw.as_bytes());
        (
            GraphErrorInfo {
                status: 401,
                code: "invalid_client".into(),
                message: format!("AADSTS{code}: words"),
                request_id: None,
            },
            codes,
        )
    }

    #[test]
    fn an_expired_secret_is_not_ready_only_while_young() {
        let (e, codes) = body(7000222);
        assert_eq!(codes, [7000222]);
        assert!(matches!(
            not_yet_or_final(e.clone(), &codes, true),
            Failure::NotYet {
                reason: RetryReason::SecretNotReady,
                ..
            }
        ));
        assert!(matches!(
            not_yet_or_final(e, &codes, false),
            Failure::Final(Error::VerificationFailed(_))
        ));
    }

    #[test]
    fn codes_decide_not_the_words() {
        // The text names 7000215 but the code says otherwise: final.
        let (mut e, _) = body(70002);
        e.message = "AADSTS7000215 mentioned in passing".into();
        assert!(matches!(
            not_yet_or_final(e, &[70002], true),
            Failure::Final(_)
        ));
        for (code, reason) in [
            (7000215, RetryReason::SecretNotReady),
            (700016, RetryReason::Replication),
            (7000229, RetryReason::Replication),
        ] {
            let (e, codes) = body(code);
            assert!(
                matches!(not_yet_or_final(e, &codes, false), Failure::NotYet { reason: r, .. } if r == reason),
                "{code}"
            );
        }
        assert!(error_codes(b"<html>gateway</html>").is_empty());
    }
}
