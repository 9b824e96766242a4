//! The OpenID Connect protocol on the `openidconnect` crate, fitted to Entra ID.
//!
//! - The client is built from known endpoints, not discovery: Entra's multi-tenant discovery
//!   document names the issuer `https://login.microsoftonline.com/{tenantid}/v2.0`, a template
//!   that openidconnect's discovery (rightly) refuses.
//! - Every request goes through [`OidcHttp`], our own HTTP function over the shared client, which
//!   keeps the status, request id and `Retry-After` of the last answer for retries and errors.
//! - ID tokens are verified, signature included, against the signing keys of the user's own
//!   tenant (`{authority}/{tid}/discovery/v2.0/keys`), and `iss` against the issuer built from
//!   the token's own `tid`. A `kid` we have not seen makes us fetch the keys once more: Entra
//!   rolls its keys over ("Signing key rollover in the Microsoft identity platform",
//!   <https://learn.microsoft.com/entra/identity-platform/signing-key-rollover>).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, ClaimsVerificationError, Client, ClientId,
    DeviceAuthorizationResponse, EmptyExtraTokenFields, EndpointNotSet, EndpointSet,
    ExtraDeviceAuthorizationFields, HttpRequest, HttpResponse, IdToken, IdTokenClaims,
    IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebKeySetUrl, Nonce, RequestTokenError,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::http::{Failure, Http};

/// The Entra claims we read beyond the standard ones
/// (<https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference>).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraClaims {
    /// The tenant the user signed in to.
    pub tid: String,
    /// The user's object id in that tenant.
    #[serde(default)]
    pub oid: Option<String>,
    /// The identity provider that authenticated the user; for a guest, their home tenant's issuer.
    #[serde(default)]
    pub idp: Option<String>,
    /// Optional claim: 1 for a guest of the tenant, 0 for a member.
    #[serde(default)]
    pub acct: Option<u8>,
    #[serde(default)]
    pub upn: Option<String>,
}

impl AdditionalClaims for EntraClaims {}

/// Entra's device authorization answer carries a ready-made `message` for the user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntraDeviceFields {
    #[serde(default)]
    pub message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

pub type EntraIdTokenFields = IdTokenFields<
    EntraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type EntraTokenResponse = StandardTokenResponse<EntraIdTokenFields, CoreTokenType>;
pub type EntraIdToken = IdToken<
    EntraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type EntraIdTokenClaims = IdTokenClaims<EntraClaims, CoreGenderClaim>;
pub type EntraDeviceAuthorization = DeviceAuthorizationResponse<EntraDeviceFields>;
pub type TokenError = StandardErrorResponse<CoreErrorResponseType>;

/// The client with its authorization, device authorization and token endpoints set.
pub type EntraClient = Client<
    EntraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    TokenError,
    EntraTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// What we keep of the last answer [`OidcHttp`] received.
#[derive(Debug, Clone, Default)]
pub struct ReplyMeta {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
}

/// A request that got no answer: the failure as the retry loop knows it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Transport(
    String,
    #[source] Option<Box<dyn std::error::Error + Send + Sync>>,
);

/// openidconnect's HTTP function: the shared client (proxy, OS trust store, timeouts, request
/// counting, `client-request-id`), remembering each answer's status and request id.
#[derive(Debug)]
pub struct OidcHttp<'a> {
    http: &'a Http,
    last: Mutex<ReplyMeta>,
    failure: Mutex<Option<Failure>>,
}

impl<'a> OidcHttp<'a> {
    pub fn new(http: &'a Http) -> Self {
        Self {
            http,
            last: Mutex::new(ReplyMeta::default()),
            failure: Mutex::new(None),
        }
    }

    pub fn last(&self) -> ReplyMeta {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The transport failure behind a `RequestTokenError::Request`, as the retry loop knows it.
    pub fn take_failure(&self) -> Failure {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| Failure::Network("no answer".into()))
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp<'_> {
    type Error = Transport;
    type Future = BoxFuture<'c, std::result::Result<HttpResponse, Transport>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let req = reqwest::Request::try_from(request)
                .map_err(|e| Transport(format!("request: {e}"), None))?;
            let reply = match self.http.exchange(req).await {
                Ok(r) => r,
                Err(f) => {
                    let msg = match &f {
                        Failure::Network(m) => m.clone(),
                        Failure::Final(e) => e.to_string(),
                        other => format!("{other:?}"),
                    };
                    *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
                    return Err(Transport(msg, None));
                }
            };
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = ReplyMeta {
                status: reply.status,
                request_id: reply.request_id.clone(),
                retry_after: self.http.retry_after(&reply),
            };
            let mut resp = http::Response::builder().status(reply.status);
            for (k, v) in reply.headers.iter() {
                resp = resp.header(k, v);
            }
            resp.body(reply.body)
                .map_err(|e| Transport(format!("response: {e}"), None))
        })
    }
}

/// A throttled (429) or server-side (5xx) answer is retried with its `Retry-After`; any other
/// is `otherwise`.
fn retried_if_busy(
    status: u16,
    retry_after: Option<Duration>,
    error: GraphErrorInfo,
    otherwise: impl FnOnce(GraphErrorInfo) -> Failure,
) -> Failure {
    if status == 429 || status >= 500 {
        Failure::Http { error, retry_after }
    } else {
        otherwise(error)
    }
}

/// A failed token request as the retry loop sees it: 429 and 5xx are worth another attempt
/// (with `Retry-After`), other error answers are Entra's final word.
pub fn token_failure(e: RequestTokenError<Transport, TokenError>, via: &OidcHttp<'_>) -> Failure {
    let meta = via.last();
    match e {
        RequestTokenError::Request(_) => via.take_failure(),
        RequestTokenError::ServerResponse(r) => {
            let error = GraphErrorInfo {
                status: meta.status,
                code: r.error().to_string(),
                message: r.error_description().cloned().unwrap_or_default(),
                request_id: meta.request_id,
            };
            retried_if_busy(meta.status, meta.retry_after, error, |e| {
                Failure::Final(Error::SignInFailed(e))
            })
        }
        RequestTokenError::Parse(err, _body) => {
            let error = GraphErrorInfo {
                status: meta.status,
                code: "UnreadableResponse".into(),
                message: format!("the sign-in answer is not the expected JSON ({err})"),
                request_id: meta.request_id,
            };
            retried_if_busy(meta.status, meta.retry_after, error, Failure::Malformed)
        }
        RequestTokenError::Other(m) => {
            let error = GraphErrorInfo {
                status: meta.status,
                code: "UnreadableResponse".into(),
                message: m,
                request_id: meta.request_id,
            };
            // A success status with a body that is not JSON: an answer we could not read.
            if (200..300).contains(&meta.status) {
                Failure::Malformed(error)
            } else {
                Failure::Final(Error::SignInFailed(error))
            }
        }
    }
}

/// The signing keys of each tenant seen so far, shared by clones of the authenticator.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    keys: Arc<tokio::sync::Mutex<HashMap<String, CoreJsonWebKeySet>>>,
}

/// Tells how the ID token's verification went, to decide on a key refresh.
enum Verdict {
    Ok(Box<EntraIdTokenClaims>),
    UnknownKey,
    Refused(String),
}

/// Verifies ID tokens: signature (the tenant's JWKS), issuer (from the token's own `tid`),
/// audience (our client id), nonce and expiry (the injected clock, with 5 minutes of skew).
#[derive(Debug, Clone)]
pub struct IdTokenCheck<'a> {
    pub http: &'a Http,
    pub endpoints: &'a crate::cloud::Endpoints,
    pub client_id: &'a str,
    pub keys: &'a KeyCache,
    /// The tenant the sign-in goes to (`organizations`, or the one the user named).
    pub authority_tenant: &'a str,
}

impl IdTokenCheck<'_> {
    pub async fn verify(
        &self,
        token: &EntraIdToken,
        nonce: Option<&Nonce>,
    ) -> Result<EntraIdTokenClaims> {
        // The tenant is read before the signature is checked only to know whose keys and which
        // issuer to check against; nothing else is trusted until the check passes.
        let tid = unverified_tid(token)?;
        if let Some(keys) = self.prefetched(&tid).await {
            // The multi-tenant authorities publish the tenant-independent keys Entra signs
            // tokens with; the issuer is still checked against the token's own tenant
            // (<https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens>).
            // A key specific to the tenant is not among them: its kid falls through to the
            // tenant's own keys.
            match self.check(token, &tid, keys, nonce) {
                Verdict::UnknownKey => {}
                Verdict::Ok(claims) => return Ok(*claims),
                Verdict::Refused(why) => return Err(Error::TokenInvalid(why)),
            }
        }
        let (jwks, fresh) = self.keys_of(&tid, false).await?;
        let verdict = match self.check(token, &tid, jwks, nonce) {
            // A key we have not seen: Entra rolled its keys over. Fetch them once more.
            Verdict::UnknownKey if !fresh => {
                let (jwks, _) = self.keys_of(&tid, true).await?;
                self.check(token, &tid, jwks, nonce)
            }
            other => other,
        };
        match verdict {
            Verdict::Ok(claims) => Ok(*claims),
            Verdict::UnknownKey => Err(Error::TokenInvalid(
                "the sign-in answer is signed with a key that is not among your tenant's signing keys"
                    .into(),
            )),
            Verdict::Refused(why) => Err(Error::TokenInvalid(why)),
        }
    }

    /// Fetches the sign-in authority's keys while the user signs in, so that verifying the
    /// answer needs no round trip of its own. A failure is left for the verification to meet.
    pub async fn prefetch(&self) {
        if self
            .keys
            .keys
            .lock()
            .await
            .contains_key(self.authority_tenant)
        {
            return;
        }
        if let Err(e) = self.keys_of(self.authority_tenant, false).await {
            tracing::debug!(error = %e, "signing keys not fetched ahead");
        }
    }

    /// The authority's keys fetched ahead, when the token's tenant has none of its own cached.
    async fn prefetched(&self, tid: &str) -> Option<CoreJsonWebKeySet> {
        let cache = self.keys.keys.lock().await;
        if cache.contains_key(tid) {
            return None;
        }
        cache.get(self.authority_tenant).cloned()
    }

    /// The tenant's keys, from the cache or fetched (always when `refresh`); and whether they
    /// were fetched just now.
    async fn keys_of(&self, tid: &str, refresh: bool) -> Result<(CoreJsonWebKeySet, bool)> {
        let mut cache = self.keys.keys.lock().await;
        if !refresh {
            if let Some(k) = cache.get(tid) {
                return Ok((k.clone(), false));
            }
        }
        let url = JsonWebKeySetUrl::new(self.endpoints.jwks(tid))
            .map_err(|e| Error::Internal(format!("signing keys URL: {e}")))?;
        let via = OidcHttp::new(self.http);
        let jwks = CoreJsonWebKeySet::fetch_async(&url, &via)
            .await
            .map_err(|e| match e {
                openidconnect::DiscoveryError::Request(_) => match via.take_failure() {
                    Failure::Final(e) => e,
                    Failure::Network(m) => Error::Network(m),
                    other => Error::Network(format!("{other:?}")),
                },
                other => Error::UnexpectedResponse(GraphErrorInfo {
                    status: via.last().status,
                    code: "SigningKeysUnreadable".into(),
                    message: format!("your tenant's signing keys could not be read ({other})"),
                    request_id: via.last().request_id,
                }),
            })?;
        cache.insert(tid.to_string(), jwks.clone());
        Ok((jwks, true))
    }

    fn check(
        &self,
        token: &EntraIdToken,
        tid: &str,
        jwks: CoreJsonWebKeySet,
        nonce: Option<&Nonce>,
    ) -> Verdict {
        let issuer = match IssuerUrl::new(self.endpoints.issuer(tid)) {
            Ok(i) => i,
            Err(e) => return Verdict::Refused(format!("issuer: {e}")),
        };
        let clock: SharedClock = self.http.clock.clone();
        let verifier = IdTokenVerifier::new_public_client(
            ClientId::new(self.client_id.to_string()),
            issuer,
            jwks,
        )
        .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
        .set_time_fn(move || {
            // Five minutes of clock skew, as the identity platform's own libraries allow.
            let now = clock.now() - time::Duration::minutes(5);
            chrono::DateTime::from_timestamp(now.unix_timestamp(), 0).unwrap_or_default()
        });
        let result = match nonce {
            Some(n) => token.claims(&verifier, n),
            // Device code and refresh answers carry no nonce of ours.
            None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        };
        match result {
            Ok(c) => Verdict::Ok(Box::new(c.clone())),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => Verdict::UnknownKey,
            Err(ClaimsVerificationError::SignatureVerification(e)) => Verdict::Refused(format!(
                "the sign-in answer's signature does not check out against your tenant's signing keys ({e})"
            )),
            Err(ClaimsVerificationError::InvalidIssuer(e)) => {
                Verdict::Refused(format!("the ID token's issuer is wrong ({e})"))
            }
            Err(ClaimsVerificationError::InvalidAudience(_)) => {
                Verdict::Refused("the ID token was issued to another app".into())
            }
            Err(ClaimsVerificationError::InvalidNonce(_)) => Verdict::Refused(
                "the ID token's nonce does not match this sign-in".into(),
            ),
            Err(ClaimsVerificationError::Expired(_)) => {
                Verdict::Refused("the ID token has expired".into())
            }
            Err(e) => Verdict::Refused(format!("the ID token did not check out ({e})")),
        }
    }
}

fn unverified_tid(token: &EntraIdToken) -> Result<String> {
    let claims = super::jwt_claims(&token.to_string())?;
    claims
        .get("tid")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| Error::TokenInvalid("the ID token has no tenant (tid)".into()))
}
