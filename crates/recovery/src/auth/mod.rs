//! Signing in the administrator: authorization code + PKCE through the system browser and a
//! one-shot loopback listener, or the device code flow as a fallback; refresh with rotation.
//! The protocol runs on the `openidconnect` crate ([`oidc`]); this module adds what Entra ID and
//! a desktop app need around it.
//!
//! First sign-in goes to the configured authority (`organizations`, or the tenant a guest admin
//! names); everything after it (refresh, the client-credentials check) goes to the user's own
//! tenant. ID tokens are verified against that tenant's signing keys, and their `iss` against the
//! issuer built from their own `tid`. Access tokens are for Graph and are never validated here.

mod browser;
pub mod client_credentials;
mod loopback;
pub mod oidc;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow};
use openidconnect::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationUrl,
    DeviceCodeErrorResponse, DeviceCodeErrorResponseType, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse as _, TokenUrl,
};
use time::OffsetDateTime;

pub use browser::{Browser, HttpBrowser, NoBrowser, SystemBrowser};
use loopback::Callback;
pub use loopback::Loopback;
use oidc::{
    token_failure, EntraClient, EntraDeviceAuthorization, EntraIdTokenClaims, EntraTokenResponse,
    IdTokenCheck, KeyCache, OidcHttp,
};

use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::{Event, EventSink, WaitReason};
use crate::http::{Failure, Http};
use crate::ops::Op;
use crate::results::SessionInfo;
use crate::secret::Secret;
use crate::steps::Step;
use crate::vault::{self, SharedVault};

/// Delegated permissions, each the least privileged for what the wizard does with it:
/// Application.ReadWrite.All (create and edit the app, add its secret), AppRoleAssignment.ReadWrite.All
/// (grant AuditLog.Read.All), RoleManagement.Read.Directory (read the user's directory roles: with
/// only User.Read, Graph returns roles with nothing but `id` and `@odata.type`,
/// <https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>),
/// User.Read (who signed in, the tenant's name).
pub const GRAPH_SCOPES: [&str; 4] = [
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "RoleManagement.Read.Directory",
    "User.Read",
];

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Decodes a JWT's claims without verifying it: for reading our own access tokens (the app's
/// `roles` after the client-credentials check) and an ID token's `tid` before its check.
pub fn jwt_claims(token: &str) -> Result<serde_json::Value> {
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| Error::TokenInvalid("not a JWT".into()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| Error::TokenInvalid(format!("JWT payload: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::TokenInvalid(format!("JWT claims: {e}")))
}

/// Tokens held in memory.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub expires_at: OffsetDateTime,
}

/// Sign-in configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub endpoints: Endpoints,
    pub client_id: String,
    /// `organizations` by default; a tenant id or domain for guests and national clouds.
    pub tenant: String,
    /// How long to wait for the browser or device code.
    pub sign_in_timeout: Duration,
}

impl AuthConfig {
    pub fn scopes(&self) -> Vec<Scope> {
        let res = self.endpoints.graph_resource.trim_end_matches('/');
        let mut s: Vec<Scope> = GRAPH_SCOPES
            .iter()
            .map(|p| Scope::new(format!("{res}/{p}")))
            .collect();
        // `openid` comes with the authorization request itself; the device and refresh grants
        // ask for it here.
        s.extend(["openid", "profile", "offline_access"].map(|p| Scope::new(p.into())));
        s
    }
}

/// Signs users in and refreshes their tokens.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub config: AuthConfig,
    pub http: Http,
    keys: KeyCache,
}

impl Authenticator {
    pub fn new(config: AuthConfig, http: Http) -> Self {
        Self {
            config,
            http,
            keys: KeyCache::default(),
        }
    }

    /// The OpenID Connect client at `tenant`, from known endpoints (see [`oidc`]).
    fn client(&self, tenant: &str) -> Result<EntraClient> {
        let e = &self.config.endpoints;
        let bad = |what: &str, err: url::ParseError| {
            Error::InvalidInput(format!("the sign-in {what} is not a valid URL ({err})"))
        };
        Ok(openidconnect::Client::new(
            ClientId::new(self.config.client_id.clone()),
            openidconnect::IssuerUrl::new(e.issuer(tenant)).map_err(|x| bad("issuer", x))?,
            openidconnect::JsonWebKeySet::default(),
        )
        .set_auth_uri(AuthUrl::new(e.oauth(tenant, "authorize")).map_err(|x| bad("page", x))?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(e.oauth(tenant, "devicecode"))
                .map_err(|x| bad("device code endpoint", x))?,
        )
        .set_token_uri(
            TokenUrl::new(e.oauth(tenant, "token")).map_err(|x| bad("token endpoint", x))?,
        ))
    }

    /// The authorization URL: code flow with PKCE S256, a fresh state and nonce.
    pub fn authorize_url(
        &self,
        redirect_uri: &str,
    ) -> Result<(url::Url, CsrfToken, Nonce, openidconnect::PkceCodeVerifier)> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&self.config.tenant)?.set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_string())
                .map_err(|e| Error::Internal(format!("redirect URI: {e}")))?,
        );
        let scopes: Vec<Scope> = self
            .config
            .scopes()
            .into_iter()
            .filter(|s| s.as_str() != "openid")
            .collect();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(scopes)
            .set_pkce_challenge(challenge)
            .add_prompt(CoreAuthPrompt::SelectAccount)
            .add_extra_param("response_mode", "query")
            .url();
        Ok((url, state, nonce, verifier))
    }

    /// Authorization code + PKCE with a loopback redirect.
    pub async fn sign_in_browser(
        &self,
        browser: &dyn Browser,
        sink: &EventSink,
    ) -> Result<Session> {
        let scope = sink.step(Step::SignIn);
        let loopback = Loopback::bind().await?;
        let redirect_uri = loopback.redirect_uri();
        let (url, state, nonce, verifier) = self.authorize_url(&redirect_uri)?;
        // The link is shown at once: opening the browser may fail or never return.
        sink.emit(Event::SignInUrl {
            url: url.to_string(),
        });
        scope.waiting(
            WaitReason::BrowserSignIn,
            self.config.sign_in_timeout.as_secs_f64(),
        );
        let opening = browser.open(url.as_str());
        tokio::spawn(async move {
            if let Err(e) = opening.await {
                tracing::warn!(error = %e, "browser did not open; the sign-in link is shown instead");
            }
        });
        let check = self.id_token_check();
        let (callback, ()) = tokio::join!(
            loopback.wait(state.secret().clone(), self.config.sign_in_timeout),
            check.prefetch(),
        );
        let callback = callback?;
        let code = authorization_code(callback)?;
        self.redeem(code, verifier, redirect_uri, &nonce).await
    }

    /// Redeems an authorization code. A code is single-use (a second redemption is AADSTS54005):
    /// it is sent once, never retried. When that one attempt gets no answer, a 5xx or 429, or
    /// an answer we cannot read, the code may be used up: the user signs in again.
    async fn redeem(
        &self,
        code: Secret,
        verifier: openidconnect::PkceCodeVerifier,
        redirect_uri: String,
        nonce: &Nonce,
    ) -> Result<Session> {
        let client = self.client(&self.config.tenant)?;
        let via = OidcHttp::new(&self.http);
        let redirect = RedirectUrl::new(redirect_uri)
            .map_err(|e| Error::Internal(format!("redirect URI: {e}")))?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code.expose().to_string()))
            .set_pkce_verifier(verifier)
            .set_redirect_uri(Cow::Owned(redirect))
            .request_async(&via)
            .await;
        let tr = answer.map_err(|e| match token_failure(e, &via) {
            Failure::Final(e) => signin_error(e, Via::Browser),
            Failure::Http { error, .. } => Error::SignInInterrupted(error.to_string()),
            Failure::Malformed(g) => Error::SignInInterrupted(g.to_string()),
            Failure::Network(m)
            | Failure::NotYet {
                detail: GraphErrorInfo { message: m, .. },
                ..
            } => Error::SignInInterrupted(m),
        })?;
        self.session_from(tr, Some(nonce)).await
    }

    /// Device code flow (RFC 8628): shows a code, polls until the user has entered it. Polling
    /// goes on through 5xx, 429 and dropped connections until the code expires.
    pub async fn sign_in_device_code(&self, sink: &EventSink) -> Result<Session> {
        let scope = sink.step(Step::SignIn);
        let client = self.client(&self.config.tenant)?;
        let dc: EntraDeviceAuthorization = self
            .http
            .retry(Op::Token, &scope, |_| {
                let client = &client;
                Box::pin(async move {
                    let via = OidcHttp::new(&self.http);
                    client
                        .exchange_device_code()
                        .add_scopes(self.config.scopes())
                        .request_async(&via)
                        .await
                        .map_err(|e| token_failure(e, &via))
                })
            })
            .await
            .map_err(|e| signin_error(e, Via::DeviceCode))?;
        let verification_uri = dc.verification_uri().to_string();
        let user_code = dc.user_code().secret().clone();
        sink.emit(Event::DeviceCode {
            user_code: user_code.clone(),
            verification_uri: verification_uri.clone(),
            expires_in_seconds: dc.expires_in().as_secs(),
            message: dc.extra_fields().message.clone().unwrap_or_else(|| {
                format!("To sign in, open {verification_uri} and enter the code {user_code}.")
            }),
        });
        let clock = &self.http.clock;
        let deadline = clock.instant() + dc.expires_in().min(self.config.sign_in_timeout);
        let mut interval = dc.interval().max(Duration::from_secs(1));
        scope.waiting(WaitReason::DeviceCode, dc.expires_in().as_secs_f64());
        let token_url = self.config.endpoints.oauth(&self.config.tenant, "token");
        loop {
            let rb = self.http.client.post(&token_url).form(&[
                ("client_id", self.config.client_id.as_str()),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", dc.device_code().secret().as_str()),
            ]);
            match self.http.send(rb).await {
                Ok(reply) => {
                    let tr: EntraTokenResponse = reply.json().map_err(failure_error)?;
                    return self.session_from(tr, None).await;
                }
                Err(Failure::Http { error, .. }) if error.status < 500 && error.status != 429 => {
                    if device_poll_refusal(error)? {
                        interval += Duration::from_secs(5);
                    }
                }
                // Transient trouble while polling: keep polling until the code expires.
                Err(Failure::Http { .. } | Failure::Network(_) | Failure::Malformed(_)) => {}
                Err(Failure::NotYet { .. }) => {}
                Err(Failure::Final(e)) => return Err(e),
            }
            if clock.instant() + interval > deadline {
                return Err(Error::DeviceCodeExpired);
            }
            clock.sleep(interval).await;
        }
    }

    /// Refreshes at the user's own tenant. Refresh tokens rotate: the caller keeps the new one.
    /// Resending a refresh token is harmless, so 429, 5xx and lost answers are retried.
    pub async fn refresh(&self, tenant_id: &str, refresh: &Secret) -> Result<Tokens> {
        let scope = EventSink::none().step(Step::SignIn);
        let client = self.client(tenant_id)?;
        let rt = RefreshToken::new(refresh.expose().to_string());
        let tr = self
            .http
            .retry(Op::Token, &scope, |_| {
                let (client, rt) = (&client, &rt);
                Box::pin(async move {
                    let via = OidcHttp::new(&self.http);
                    client
                        .exchange_refresh_token(rt)
                        .add_scopes(self.config.scopes())
                        .request_async(&via)
                        .await
                        .map_err(|e| token_failure(e, &via))
                })
            })
            .await
            .map_err(|e| match e {
                Error::SignInFailed(g)
                    if g.code == "invalid_grant" || g.code == "interaction_required" =>
                {
                    Error::SessionExpired(g.to_string())
                }
                other => other,
            })?;
        Ok(self.tokens_from(&tr, Some(refresh)))
    }

    fn tokens_from(&self, tr: &EntraTokenResponse, old_refresh: Option<&Secret>) -> Tokens {
        Tokens {
            access: Secret::new(access_secret(tr.access_token())),
            refresh: tr
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone()))
                .or_else(|| old_refresh.cloned()),
            expires_at: self.http.clock.now()
                + tr.expires_in().unwrap_or(Duration::from_secs(3600)),
        }
    }

    async fn session_from(&self, tr: EntraTokenResponse, nonce: Option<&Nonce>) -> Result<Session> {
        let id_token = tr
            .id_token()
            .ok_or_else(|| Error::TokenInvalid("no ID token in the answer".into()))?;
        let claims = self.id_token_check().verify(id_token, nonce).await?;
        let info = session_info(&claims, &self.config.endpoints);
        let tokens = self.tokens_from(&tr, None);
        Ok(Session::new(self.clone(), info, tokens))
    }

    fn id_token_check(&self) -> IdTokenCheck<'_> {
        IdTokenCheck {
            http: &self.http,
            endpoints: &self.config.endpoints,
            client_id: &self.config.client_id,
            keys: &self.keys,
            authority_tenant: &self.config.tenant,
        }
    }
}

fn access_secret(t: &AccessToken) -> String {
    t.secret().clone()
}

/// The code from the loopback callback, or why the sign-in ended there. `access_denied` is a
/// cancel only when the user said no (AADSTS65004 "User declined to consent", or no code at
/// all); with another code (53003 Conditional Access, 90093, 90094, 50105, …) Microsoft refused.
fn authorization_code(callback: Callback) -> Result<Secret> {
    match callback {
        Callback::Code(code) => Ok(code),
        Callback::Error { error, description } => Err(match aadsts(&description) {
            Some(65004) | None if error == "access_denied" => Error::SignInCancelled(description),
            _ => refused(
                GraphErrorInfo {
                    status: 0,
                    code: error,
                    message: description,
                    request_id: None,
                },
                Via::Browser,
            ),
        }),
    }
}

/// How the user signs in: what to do about a refusal can depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Browser,
    DeviceCode,
}

/// The AADSTS number an identity-platform message starts with ("AADSTS53003: …"): a redirect's
/// `error_description` carries no `error_codes`, so the number in the text is all there is.
fn aadsts(message: &str) -> Option<u64> {
    let rest = &message[message.find("AADSTS")? + "AADSTS".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What a refused device-code poll means (RFC 8628 3.5): Ok(false) the user has not finished
/// yet, Ok(true) poll more slowly, Err the sign-in is over. Conditional Access blocking the flow
/// (AADSTS53003) and a tenant that restricts this client come first: their `error` varies
/// (invalid_grant, access_denied).
fn device_poll_refusal(error: GraphErrorInfo) -> Result<bool> {
    if let e @ (Error::DeviceCodeBlocked(_)
    | Error::SignInAppBlocked(_)
    | Error::ConsentBlockedByPolicy(_)
    | Error::AdminConsentRequired(_)) = refused(error.clone(), Via::DeviceCode)
    {
        return Err(e);
    }
    let kind: Option<DeviceCodeErrorResponse> = serde_json::from_value(
        serde_json::json!({"error": error.code, "error_description": error.message}),
    )
    .ok();
    match kind.as_ref().map(|k| k.error()) {
        Some(DeviceCodeErrorResponseType::AuthorizationPending) => Ok(false),
        Some(DeviceCodeErrorResponseType::SlowDown) => Ok(true),
        Some(DeviceCodeErrorResponseType::ExpiredToken) => Err(Error::DeviceCodeExpired),
        Some(DeviceCodeErrorResponseType::AccessDenied) => {
            Err(Error::SignInCancelled(error.message))
        }
        // Entra's own names for an expired or declined code.
        _ if error.code == "code_expired" => Err(Error::DeviceCodeExpired),
        _ if error.code == "authorization_declined" => Err(Error::SignInCancelled(error.message)),
        _ => Err(refused(error, Via::DeviceCode)),
    }
}

/// Who signed in, from a verified ID token.
fn session_info(c: &EntraIdTokenClaims, endpoints: &Endpoints) -> SessionInfo {
    let extra = c.additional_claims();
    let tid = extra.tid.clone();
    // A guest was authenticated by another identity provider (their home tenant), and Entra
    // says so in `idp`; the optional `acct` claim says it outright.
    let guest = extra.acct == Some(1)
        || extra
            .idp
            .as_deref()
            .is_some_and(|idp| !idp.contains(&tid) && idp != endpoints.issuer(&tid));
    SessionInfo {
        user_principal_name: c
            .preferred_username()
            .map(|u| u.as_str().to_string())
            .or_else(|| extra.upn.clone())
            .unwrap_or_default(),
        display_name: c
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        user_id: extra.oid.clone().unwrap_or_default(),
        tenant_id: tid,
        guest,
        remembered: false,
    }
}

fn failure_error(f: Failure) -> Error {
    match f {
        Failure::Http { error, .. } => Error::SignInFailed(error),
        Failure::Network(m) => Error::Network(m),
        Failure::Malformed(g) => Error::UnexpectedResponse(g),
        Failure::NotYet { detail, .. } => Error::SignInFailed(detail),
        Failure::Final(e) => e,
    }
}

fn signin_error(e: Error, via: Via) -> Error {
    match e {
        Error::Graph(g) | Error::InsufficientPrivileges(g) | Error::SignInFailed(g) => {
            refused(g, via)
        }
        other => other,
    }
}

/// Names the refusals an admin can act on, by their AADSTS number:
/// - 53003: Conditional Access blocked the sign-in; for a device-code sign-in the browser
///   sign-in is the way out, for a browser sign-in a device and place the policy allows;
/// - 50105: the tenant requires user assignment for Microsoft Graph Command Line Tools
///   (<https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/error-code-aadsts50105-user-not-assigned-role>);
/// - 90093: consent blocked by the tenant's policy, or permissions this user may not grant;
///   90094 / 90095 / 65001: the permissions need an administrator's approval
///   (<https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error>):
///   an account without an admin role, in a tenant where Microsoft Graph Command Line Tools has
///   no tenant-wide consent, cannot sign in to the wizard at all.
fn refused(g: GraphErrorInfo, via: Via) -> Error {
    match aadsts(&g.message) {
        Some(53003) if via == Via::DeviceCode => Error::DeviceCodeBlocked(g),
        Some(53003) => Error::ConditionalAccessBlocked(g),
        // A single-tenant app (an admin's own sign-in app) used at `organizations`.
        Some(50194) => Error::InvalidInput(
            "your own sign-in app works in its own tenant only: name the tenant too (Options > Tenant, or --tenant)".into(),
        ),
        Some(50105) => Error::SignInAppBlocked(g),
        Some(90093) => Error::ConsentBlockedByPolicy(g),
        Some(90094 | 90095 | 65001) => Error::AdminConsentRequired(g),
        _ => Error::SignInFailed(g),
    }
}

/// A signed-in administrator: access token in memory, refreshed when close to expiry.
#[derive(Debug, Clone)]
pub struct Session {
    auth: Authenticator,
    info: Arc<std::sync::Mutex<SessionInfo>>,
    tokens: Arc<tokio::sync::Mutex<Tokens>>,
}

impl Session {
    pub fn new(auth: Authenticator, info: SessionInfo, tokens: Tokens) -> Self {
        Self {
            auth,
            info: Arc::new(std::sync::Mutex::new(info)),
            tokens: Arc::new(tokio::sync::Mutex::new(tokens)),
        }
    }

    pub fn info(&self) -> SessionInfo {
        self.info.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn tenant_id(&self) -> String {
        self.info().tenant_id
    }

    /// A valid access token for Graph, refreshing it (at the user's tenant) when needed.
    pub async fn bearer(&self) -> Result<Secret> {
        let mut t = self.tokens.lock().await;
        if self.auth.http.clock.now() + REFRESH_MARGIN < t.expires_at {
            return Ok(t.access.clone());
        }
        let refresh = t
            .refresh
            .clone()
            .ok_or_else(|| Error::SessionExpired("no refresh token".into()))?;
        let fresh = self.auth.refresh(&self.tenant_id(), &refresh).await?;
        *t = fresh;
        Ok(t.access.clone())
    }

    /// Keeps the refresh token in the keychain so a later run can resume without the browser.
    pub async fn remember(&self, vault: &SharedVault) -> Result<()> {
        let t = self.tokens.lock().await.clone();
        let Some(refresh) = t.refresh else {
            return Ok(());
        };
        let info = self.info();
        let record = serde_json::json!({
            "tenantId": info.tenant_id,
            "userPrincipalName": info.user_principal_name,
            "displayName": info.display_name,
            "userId": info.user_id,
            "guest": info.guest,
            "refreshToken": refresh.expose(),
        });
        let account = vault::session_account(&self.auth.config.client_id);
        let value = Secret::new(record.to_string());
        vault::blocking(vault, move |v| v.set(&account, &value)).await?;
        self.info
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remembered = true;
        Ok(())
    }

    /// Resumes a remembered session from the keychain, if there is one.
    pub async fn resume(auth: Authenticator, vault: &SharedVault) -> Result<Option<Session>> {
        let account = vault::session_account(&auth.config.client_id);
        let Some(raw) = vault::blocking(vault, move |v| v.get(&account)).await? else {
            return Ok(None);
        };
        let rec: serde_json::Value = serde_json::from_str(raw.expose())
            .map_err(|e| Error::SessionExpired(format!("stored session unreadable: {e}")))?;
        let s = |k: &str| rec.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(tenant_id), Some(rt)) = (s("tenantId"), s("refreshToken")) else {
            return Err(Error::SessionExpired("stored session incomplete".into()));
        };
        let tokens = auth.refresh(&tenant_id, &Secret::new(rt)).await?;
        let info = SessionInfo {
            user_principal_name: s("userPrincipalName").unwrap_or_default(),
            display_name: s("displayName"),
            user_id: s("userId").unwrap_or_default(),
            tenant_id,
            guest: rec.get("guest").and_then(|v| v.as_bool()).unwrap_or(false),
            remembered: true,
        };
        let session = Session::new(auth, info, tokens);
        // Refresh tokens rotate: keep the new one.
        session.remember(vault).await?;
        Ok(Some(session))
    }

    /// Forgets every token: memory and keychain.
    pub async fn sign_out(
        auth: &Authenticator,
        vault: &SharedVault,
        session: Option<Session>,
    ) -> Result<bool> {
        if let Some(s) = session {
            let mut t = s.tokens.lock().await;
            t.access = Secret::new("");
            t.refresh = None;
        }
        let account = vault::session_account(&auth.config.client_id);
        vault::blocking(vault, move |v| v.delete(&account)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::cloud::Cloud;
    use sha2::{Digest, Sha256};

    fn auth(cloud: Cloud) -> Authenticator {
        let clock = Arc::new(ManualClock::new(
            time::macros::datetime!(2026-11-28 12:00 UTC),
        ));
        let http = Http::new(clock, Default::default(), Duration::from_secs(5)).unwrap();
        Authenticator::new(
            AuthConfig {
                endpoints: cloud.endpoints(),
                client_id: "client-1".into(),
                tenant: "organizations".into(),
                sign_in_timeout: Duration::from_secs(2),
            },
            http,
        )
    }

    #[test]
    fn authorize_url_carries_pkce_s256_state_nonce_and_least_privileged_scopes() {
        let a = auth(Cloud::Global);
        let (u, state, nonce, verifier) = a.authorize_url("http://localhost:1234/").unwrap();
        assert_eq!(u.path(), "/organizations/oauth2/v2.0/authorize");
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.secret().as_bytes()));
        assert_eq!(q["code_challenge"], challenge);
        assert_eq!(&q["state"], state.secret());
        assert_eq!(&q["nonce"], nonce.secret());
        assert!(state.secret().len() >= 16 && nonce.secret().len() >= 16);
        assert_eq!(q["redirect_uri"], "http://localhost:1234/");
        assert_eq!(q["prompt"], "select_account");
        let scopes: Vec<&str> = q["scope"].split(' ').collect();
        assert!(scopes.contains(&"openid"));
        assert!(scopes.contains(&"offline_access"));
        assert!(scopes.contains(&"https://graph.microsoft.com/Application.ReadWrite.All"));
        assert!(scopes.contains(&"https://graph.microsoft.com/RoleManagement.Read.Directory"));
        assert!(
            !q["scope"].contains("Directory.ReadWrite")
                && !q["scope"].contains("Directory.Read.All")
        );
        // Two requests never share state, nonce or verifier.
        let (_, s2, n2, v2) = a.authorize_url("http://localhost:1234/").unwrap();
        assert_ne!(s2.secret(), state.secret());
        assert_ne!(n2.secret(), nonce.secret());
        assert_ne!(v2.secret(), verifier.secret());
    }

    #[test]
    fn national_clouds_sign_in_at_their_own_hosts() {
        let (u, ..) = auth(Cloud::China)
            .authorize_url("http://localhost:1/")
            .unwrap();
        assert_eq!(u.host_str(), Some("login.chinacloudapi.cn"));
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert!(q["scope"].contains("https://microsoftgraph.chinacloudapi.cn/User.Read"));
    }

    #[test]
    fn refusals_an_admin_can_act_on_are_named() {
        let g = |m: &str| GraphErrorInfo {
            status: 400,
            code: "invalid_grant".into(),
            message: m.into(),
            request_id: None,
        };
        let b = |m: &str| refused(g(m), Via::Browser).code();
        assert_eq!(
            refused(g("AADSTS53003: blocked by CA"), Via::DeviceCode).code(),
            crate::Code::DeviceCodeBlocked
        );
        assert_eq!(
            b("AADSTS53003: blocked by CA"),
            crate::Code::ConditionalAccessBlocked
        );
        assert_eq!(
            b("AADSTS50105: The signed in user is not assigned to a role"),
            crate::Code::SignInAppBlocked
        );
        assert_eq!(
            b("AADSTS90094: admin approval"),
            crate::Code::AdminConsentRequired
        );
        assert_eq!(
            b("AADSTS90093: policy"),
            crate::Code::ConsentBlockedByPolicy
        );
        assert_eq!(b("AADSTS70000: other"), crate::Code::SignInFailed);
        // A number, not a prefix of one: 530031 is not 53003.
        assert_eq!(b("AADSTS530031: other"), crate::Code::SignInFailed);
        assert_eq!(aadsts("no code here"), None);
        // access_denied is a cancel only without a code or with 65004 (declined).
        let cb = |d: &str| {
            authorization_code(Callback::Error {
                error: "access_denied".into(),
                description: d.into(),
            })
            .unwrap_err()
            .code()
        };
        assert_eq!(
            cb("AADSTS65004: User declined to consent"),
            crate::Code::SignInCancelled
        );
        assert_eq!(cb("the user cancelled"), crate::Code::SignInCancelled);
        assert_eq!(
            cb("AADSTS53003: Access has been blocked by Conditional Access policies"),
            crate::Code::ConditionalAccessBlocked
        );
        assert_eq!(
            cb("AADSTS90094: needs admin approval"),
            crate::Code::AdminConsentRequired
        );
        let jwt = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(r#"{"tid":"t"}"#));
        assert_eq!(jwt_claims(&jwt).unwrap()["tid"], "t");
        assert!(jwt_claims("nonsense").is_err());
    }
}
