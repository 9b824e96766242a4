//! Signing in the administrator: authorization code + PKCE through the system browser and a
//! one-shot loopback listener, or the device code flow as a fallback; refresh with rotation.
//!
//! First sign-in goes to the `organizations` authority; everything after it (refresh, the
//! client-credentials check) goes to the user's own tenant. Microsoft's multi-tenant discovery
//! document names the issuer `…/{tenantid}/v2.0`: instead of switching issuer checks off, the ID
//! token's `iss` is compared with the issuer built from its own `tid`.
//!
//! The ID token comes straight from the token endpoint over TLS, so its claims are checked
//! (issuer, audience, nonce, expiry) without fetching the signing keys, as OpenID Connect Core
//! 3.1.3.7 allows; access tokens are for Graph and are never validated here.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures::future::BoxFuture;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::cloud::Endpoints;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::{Event, EventSink, SessionInfo, Step, StepScope, WaitReason};
use crate::http::{Failure, Http};
use crate::retry::Op;
use crate::secret::Secret;
use crate::vault::{self, SharedVault};

/// Delegated permissions, least privileged (graph-facts B1).
pub const GRAPH_SCOPES: [&str; 3] = [
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "User.Read",
];

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A PKCE verifier and its S256 challenge.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = random_token(32);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// `n` random bytes, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes a JWT's claims without verifying it (see the module docs for why that is enough here).
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

/// How the user's browser is reached.
pub trait Browser: Send + Sync + std::fmt::Debug {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>>;
}

/// Opens the system browser (xdg-open / open / start).
#[derive(Debug, Default, Clone)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>> {
        let url = url.to_string();
        Box::pin(async move {
            let mut cmd = if cfg!(target_os = "windows") {
                let mut c = tokio::process::Command::new("rundll32");
                c.args(["url.dll,FileProtocolHandler", &url]);
                c
            } else if cfg!(target_os = "macos") {
                let mut c = tokio::process::Command::new("open");
                c.arg(&url);
                c
            } else {
                let mut c = tokio::process::Command::new("xdg-open");
                c.arg(&url);
                c
            };
            cmd.stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            let status = cmd.status().await.map_err(|e| {
                Error::InvalidInput(format!("could not open a browser ({e}); use --no-browser"))
            })?;
            if status.success() {
                Ok(())
            } else {
                Err(Error::InvalidInput(
                    "could not open a browser; use --no-browser".into(),
                ))
            }
        })
    }
}

/// Does not open anything: the URL reaches the user through the `SignInUrl` event (the CLI's
/// `--no-browser` prints it), and the loopback listener still waits.
#[derive(Debug, Default, Clone)]
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> BoxFuture<'static, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// Plays the browser over plain HTTP, following redirects: for tenant-sim's automatic sign-in
/// (practice mode, tests).
#[derive(Debug, Clone)]
pub struct HttpBrowser {
    client: reqwest::Client,
}

impl HttpBrowser {
    pub fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Self { client })
    }
}

impl Browser for HttpBrowser {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>> {
        let client = self.client.clone();
        let mut url = url.to_string();
        Box::pin(async move {
            // Like a user, reload a sign-in page that failed (an error page, a dropped
            // connection); once redirected, the loopback listener has the answer.
            let mut redirected = false;
            let mut reloads = 0u64;
            for _ in 0..12 {
                let location = match client.get(&url).send().await {
                    Ok(r) if r.status().is_redirection() => r
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    Ok(_) | Err(_) => None,
                };
                match location {
                    Some(loc) => {
                        url = loc.replace("://localhost:", "://127.0.0.1:");
                        redirected = true;
                    }
                    None if redirected || reloads >= 5 => return Ok(()),
                    None => {
                        reloads += 1;
                        tokio::time::sleep(Duration::from_millis(200 * reloads)).await;
                    }
                }
            }
            Ok(())
        })
    }
}

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>You are signed in</h1><p>You can close this tab and go back to PMPC Recovery.</p></body></html>";
const FAILED_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>Sign-in did not finish</h1><p>Go back to PMPC Recovery: it tells you what to do next. You can close this tab.</p></body></html>";
const STRAY_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>This page is not part of the current sign-in</h1><p>Go back to PMPC Recovery and start the sign-in from there.</p></body></html>";

/// What came back to the loopback listener.
#[derive(Debug)]
enum Callback {
    Code(Secret),
    Error { error: String, description: String },
}

/// A one-shot listener on 127.0.0.1 for the authorization response.
#[derive(Debug)]
pub struct Loopback {
    listener: TcpListener,
    /// The same port on ::1, when available: the redirect names `localhost`, which some systems
    /// resolve to the IPv6 loopback first.
    listener6: Option<TcpListener>,
    port: u16,
}

impl Loopback {
    pub async fn bind() -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Internal(format!("loopback listener: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(e.to_string()))?
            .port();
        let listener6 = TcpListener::bind(("::1", port)).await.ok();
        Ok(Self {
            listener,
            listener6,
            port,
        })
    }

    async fn accept(&self) -> std::io::Result<tokio::net::TcpStream> {
        match &self.listener6 {
            Some(l6) => tokio::select! {
                r = self.listener.accept() => r.map(|(s, _)| s),
                r = l6.accept() => r.map(|(s, _)| s),
            },
            None => self.listener.accept().await.map(|(s, _)| s),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Entra matches `http://localhost` with any port (graph-facts D1).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Waits for the callback carrying `state`. Anything else (a wrong state, a favicon request,
    /// a stray visit) gets an error page and is ignored.
    async fn wait(self, state: String, timeout: Duration) -> Result<Callback> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Callback>(1);
        let state = Arc::new(state);
        let accept = async {
            loop {
                let Ok(mut stream) = self.accept().await else {
                    continue;
                };
                let tx = tx.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    let Ok(Ok(target)) = tokio::time::timeout(
                        Duration::from_secs(10),
                        read_request_target(&mut stream),
                    )
                    .await
                    else {
                        return;
                    };
                    let (status, page, result) = judge_callback(&target, &state);
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
                        page.len()
                    );
                    let _ = stream.write_all(resp.as_bytes()).await;
                    let _ = stream.shutdown().await;
                    if let Some(r) = result {
                        let _ = tx.send(r).await;
                    }
                });
            }
        };
        tokio::select! {
            r = rx.recv() => r.ok_or(Error::SignInTimedOut),
            _ = accept => Err(Error::SignInTimedOut),
            _ = tokio::time::sleep(timeout) => Err(Error::SignInTimedOut),
        }
    }
}

async fn read_request_target(stream: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Ok(target.to_string()),
        _ => Ok(String::new()),
    }
}

/// Decides what a request to the loopback listener is: (status line, page, result).
fn judge_callback(target: &str, state: &str) -> (&'static str, &'static str, Option<Callback>) {
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
        return ("400 Bad Request", STRAY_PAGE, None);
    };
    if url.path() != "/" {
        return ("404 Not Found", STRAY_PAGE, None);
    }
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    if q.get("state").map(String::as_str) != Some(state) {
        return ("400 Bad Request", STRAY_PAGE, None);
    }
    if let Some(code) = q.get("code") {
        return (
            "200 OK",
            DONE_PAGE,
            Some(Callback::Code(Secret::new(code.clone()))),
        );
    }
    let error = q.get("error").cloned().unwrap_or_else(|| "no_code".into());
    let description = q.get("error_description").cloned().unwrap_or_default();
    (
        "200 OK",
        FAILED_PAGE,
        Some(Callback::Error { error, description }),
    )
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    id_token: Option<String>,
}

/// Tokens held in memory.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub expires_at: OffsetDateTime,
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
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
    pub fn scopes(&self) -> String {
        let res = self.endpoints.graph_resource.trim_end_matches('/');
        let mut s: Vec<String> = GRAPH_SCOPES.iter().map(|p| format!("{res}/{p}")).collect();
        s.extend(["openid", "profile", "offline_access"].map(String::from));
        s.join(" ")
    }
}

/// Signs users in and refreshes their tokens.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub config: AuthConfig,
    pub http: Http,
}

impl Authenticator {
    pub fn new(config: AuthConfig, http: Http) -> Self {
        Self { config, http }
    }

    pub fn authorize_url(
        &self,
        redirect_uri: &str,
        state: &str,
        challenge: &str,
        nonce: &str,
    ) -> String {
        let mut url = match url::Url::parse(
            &self
                .config
                .endpoints
                .oauth(&self.config.tenant, "authorize"),
        ) {
            Ok(u) => u,
            Err(_) => return String::new(),
        };
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &self.config.scopes())
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("prompt", "select_account");
        url.to_string()
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
        let pkce = Pkce::new();
        let state = random_token(16);
        let nonce = random_token(16);
        let url = self.authorize_url(&redirect_uri, &state, &pkce.challenge, &nonce);
        sink.emit(Event::SignInUrl { url: url.clone() });
        scope.waiting(
            WaitReason::BrowserSignIn,
            self.config.sign_in_timeout.as_secs_f64(),
        );
        let wait = loopback.wait(state, self.config.sign_in_timeout);
        let (opened, callback) = tokio::join!(browser.open(&url), wait);
        if let Err(e) = opened {
            tracing::warn!(error = %e, "browser did not open; the URL was shown instead");
        }
        let code = match callback? {
            Callback::Code(code) => code,
            Callback::Error { error, description } => {
                return Err(
                    if error == "access_denied" || description.contains("AADSTS65004") {
                        Error::SignInCancelled(description)
                    } else {
                        Error::SignInFailed(GraphErrorInfo {
                            status: 0,
                            code: error,
                            message: description,
                            request_id: None,
                        })
                    },
                );
            }
        };
        let form = vec![
            ("client_id", self.config.client_id.clone()),
            ("grant_type", "authorization_code".into()),
            ("code", code.expose().to_string()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier.expose().to_string()),
            ("scope", self.config.scopes()),
        ];
        let tr = self
            .token_request(&self.config.tenant, form, &scope)
            .await?;
        self.session_from(tr, Some(&nonce))
    }

    /// Device code flow (RFC 8628): shows a code, polls until the user has entered it.
    pub async fn sign_in_device_code(&self, sink: &EventSink) -> Result<Session> {
        let scope = sink.step(Step::SignIn);
        let url = self
            .config
            .endpoints
            .oauth(&self.config.tenant, "devicecode");
        let form = [
            ("client_id", self.config.client_id.clone()),
            ("scope", self.config.scopes()),
        ];
        let dc: DeviceCodeResponse = self
            .http
            .retry(Op::Token, &scope, |_| {
                let rb = self.http.client.post(&url).form(&form);
                Box::pin(async move { self.http.send(rb).await?.json::<DeviceCodeResponse>() })
            })
            .await
            .map_err(signin_error)?;
        sink.emit(Event::DeviceCode {
            user_code: dc.user_code.clone(),
            verification_uri: dc.verification_uri.clone(),
            expires_in_seconds: dc.expires_in,
            message: dc.message.clone().unwrap_or_else(|| {
                format!(
                    "To sign in, open {} and enter the code {}.",
                    dc.verification_uri, dc.user_code
                )
            }),
        });
        let clock = &self.http.clock;
        let deadline =
            clock.instant() + Duration::from_secs(dc.expires_in).min(self.config.sign_in_timeout);
        let mut interval = Duration::from_secs(dc.interval.unwrap_or(5).max(1));
        let token_url = self.config.endpoints.oauth(&self.config.tenant, "token");
        scope.waiting(WaitReason::DeviceCode, dc.expires_in as f64);
        loop {
            let rb = self.http.client.post(&token_url).form(&[
                ("client_id", self.config.client_id.as_str()),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", dc.device_code.as_str()),
            ]);
            match self.http.send(rb).await {
                Ok(reply) => {
                    let tr: TokenResponse = reply.json().map_err(failure_error)?;
                    return self.session_from(tr, None);
                }
                Err(Failure::Http { error, .. }) if error.status < 500 && error.status != 429 => {
                    // Conditional Access blocking the flow (AADSTS53003) comes first: its
                    // `error` varies (invalid_grant, access_denied).
                    if error.message.contains("AADSTS53003") {
                        return Err(Error::DeviceCodeBlocked(error));
                    }
                    match error.code.as_str() {
                        "authorization_pending" => {}
                        "slow_down" => interval += Duration::from_secs(5),
                        "expired_token" | "code_expired" => return Err(Error::DeviceCodeExpired),
                        "authorization_declined" | "access_denied" => {
                            return Err(Error::SignInCancelled(error.message))
                        }
                        _ => return Err(Error::SignInFailed(error)),
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
    pub async fn refresh(
        &self,
        tenant_id: &str,
        refresh: &Secret,
    ) -> Result<(Tokens, Option<serde_json::Value>)> {
        let scope = EventSink::none().step(Step::SignIn);
        let form = vec![
            ("client_id", self.config.client_id.clone()),
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh.expose().to_string()),
            ("scope", self.config.scopes()),
        ];
        let tr = self
            .token_request(tenant_id, form, &scope)
            .await
            .map_err(|e| match e {
                Error::SignInFailed(g)
                    if g.code == "invalid_grant" || g.code == "interaction_required" =>
                {
                    Error::SessionExpired(g.to_string())
                }
                other => other,
            })?;
        let claims = tr.id_token.as_deref().map(jwt_claims).transpose()?;
        let tokens = Tokens {
            access: Secret::new(tr.access_token),
            refresh: tr
                .refresh_token
                .map(Secret::new)
                .or_else(|| Some(refresh.clone())),
            expires_at: self.http.clock.now() + Duration::from_secs(tr.expires_in.unwrap_or(3600)),
        };
        Ok((tokens, claims))
    }

    async fn token_request(
        &self,
        tenant: &str,
        form: Vec<(&'static str, String)>,
        scope: &StepScope,
    ) -> Result<TokenResponse> {
        let url = self.config.endpoints.oauth(tenant, "token");
        self.http
            .retry(Op::Token, scope, |_| {
                let rb = self.http.client.post(&url).form(&form);
                Box::pin(async move {
                    let reply = self.http.send(rb).await.map_err(|f| match f {
                        // The identity platform's 4xx are final for user sign-in.
                        Failure::Http { error, .. }
                            if error.status < 500 && error.status != 429 =>
                        {
                            Failure::Final(Error::SignInFailed(error))
                        }
                        other => other,
                    })?;
                    reply.json::<TokenResponse>()
                })
            })
            .await
    }

    fn session_from(&self, tr: TokenResponse, nonce: Option<&str>) -> Result<Session> {
        let id_token = tr
            .id_token
            .as_deref()
            .ok_or_else(|| Error::TokenInvalid("no ID token in the answer".into()))?;
        let claims = jwt_claims(id_token)?;
        let info = self.check_id_token(&claims, nonce)?;
        let tokens = Tokens {
            access: Secret::new(tr.access_token),
            refresh: tr.refresh_token.map(Secret::new),
            expires_at: self.http.clock.now() + Duration::from_secs(tr.expires_in.unwrap_or(3600)),
        };
        Ok(Session::new(self.clone(), info, tokens))
    }

    /// Checks an ID token's claims: `iss` must be the issuer of the token's own `tid`.
    pub fn check_id_token(
        &self,
        c: &serde_json::Value,
        nonce: Option<&str>,
    ) -> Result<SessionInfo> {
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let tid = s("tid")
            .ok_or_else(|| Error::TokenInvalid("the ID token has no tenant (tid)".into()))?;
        let iss = s("iss").unwrap_or_default();
        let expected = self.config.endpoints.issuer(&tid);
        if iss != expected {
            return Err(Error::TokenInvalid(format!(
                "issuer {iss:?} is not {expected:?}"
            )));
        }
        let aud_ok = match c.get("aud") {
            Some(serde_json::Value::String(a)) => a == &self.config.client_id,
            Some(serde_json::Value::Array(a)) => {
                a.iter().any(|v| v.as_str() == Some(&self.config.client_id))
            }
            _ => false,
        };
        if !aud_ok {
            return Err(Error::TokenInvalid(
                "the ID token was issued to another app".into(),
            ));
        }
        if let Some(n) = nonce {
            if s("nonce").as_deref() != Some(n) {
                return Err(Error::TokenInvalid(
                    "the ID token's nonce does not match this sign-in".into(),
                ));
            }
        }
        let now = self.http.clock.now().unix_timestamp();
        if let Some(exp) = c.get("exp").and_then(|v| v.as_i64()) {
            if exp + 300 < now {
                return Err(Error::TokenInvalid("the ID token has expired".into()));
            }
        }
        Ok(SessionInfo {
            user_principal_name: s("preferred_username")
                .or_else(|| s("upn"))
                .unwrap_or_default(),
            display_name: s("name"),
            user_id: s("oid").unwrap_or_default(),
            tenant_id: tid,
            remembered: false,
        })
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

fn signin_error(e: Error) -> Error {
    match e {
        Error::Graph(g) | Error::InsufficientPrivileges(g) => {
            if g.message.contains("AADSTS53003") {
                Error::DeviceCodeBlocked(g)
            } else {
                Error::SignInFailed(g)
            }
        }
        other => other,
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
        let (fresh, _) = self.auth.refresh(&self.tenant_id(), &refresh).await?;
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
        let (tokens, _) = auth.refresh(&tenant_id, &Secret::new(rt)).await?;
        let info = SessionInfo {
            user_principal_name: s("userPrincipalName").unwrap_or_default(),
            display_name: s("displayName"),
            user_id: s("userId").unwrap_or_default(),
            tenant_id,
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

    fn auth() -> Authenticator {
        let clock = Arc::new(ManualClock::new(
            time::macros::datetime!(2026-11-28 12:00 UTC),
        ));
        let http = Http::new(clock, Default::default(), Duration::from_secs(5)).unwrap();
        Authenticator::new(
            AuthConfig {
                endpoints: Cloud::Global.endpoints(),
                client_id: "client-1".into(),
                tenant: "organizations".into(),
                sign_in_timeout: Duration::from_secs(2),
            },
            http,
        )
    }

    fn jwt(claims: serde_json::Value) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let p = Pkce::new();
        assert_eq!(p.verifier.expose().len(), 43);
        let expect = URL_SAFE_NO_PAD.encode(Sha256::digest(p.verifier.expose().as_bytes()));
        assert_eq!(p.challenge, expect);
        assert_ne!(Pkce::new().verifier, p.verifier);
    }

    #[test]
    fn authorize_url_carries_pkce_state_and_least_privileged_scopes() {
        let a = auth();
        let u =
            url::Url::parse(&a.authorize_url("http://localhost:1234/", "st", "ch", "no")).unwrap();
        assert_eq!(u.path(), "/organizations/oauth2/v2.0/authorize");
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], "st");
        assert_eq!(q["redirect_uri"], "http://localhost:1234/");
        assert!(q["scope"].contains("https://graph.microsoft.com/Application.ReadWrite.All"));
        assert!(q["scope"].contains("offline_access"));
        assert!(!q["scope"].contains("Directory"));
    }

    #[test]
    fn id_token_issuer_is_checked_against_its_own_tid() {
        let a = auth();
        let good = serde_json::json!({
            "tid": "t-1", "iss": "https://login.microsoftonline.com/t-1/v2.0", "aud": "client-1",
            "nonce": "n", "preferred_username": "admin@contoso.com", "oid": "u-1",
            "exp": time::macros::datetime!(2026-11-28 13:00 UTC).unix_timestamp()
        });
        let info = a.check_id_token(&good, Some("n")).unwrap();
        assert_eq!(info.tenant_id, "t-1");
        assert_eq!(info.user_principal_name, "admin@contoso.com");
        let mut other = good.clone();
        other["iss"] = "https://login.microsoftonline.com/t-2/v2.0".into();
        assert_eq!(
            a.check_id_token(&other, Some("n")).unwrap_err().code(),
            crate::Code::TokenInvalid
        );
        let mut templated = good.clone();
        templated["iss"] = "https://login.microsoftonline.com/{tenantid}/v2.0".into();
        assert!(a.check_id_token(&templated, Some("n")).is_err());
        assert!(a.check_id_token(&good, Some("other-nonce")).is_err());
        let mut aud = good.clone();
        aud["aud"] = "someone-else".into();
        assert!(a.check_id_token(&aud, Some("n")).is_err());
        assert_eq!(jwt_claims(&jwt(good.clone())).unwrap(), good);
        assert!(jwt_claims("nonsense").is_err());
    }

    #[test]
    fn loopback_judges_callbacks() {
        let (s, _, r) = judge_callback("/?code=abc&state=good", "good");
        assert_eq!(s, "200 OK");
        assert!(matches!(r, Some(Callback::Code(c)) if c.expose() == "abc"));
        let (s, page, r) = judge_callback("/?code=abc&state=evil", "good");
        assert_eq!(s, "400 Bad Request");
        assert_eq!(page, STRAY_PAGE);
        assert!(r.is_none());
        assert!(judge_callback("/favicon.ico", "good").2.is_none());
        let (_, _, r) = judge_callback(
            "/?error=access_denied&error_description=AADSTS65004&state=good",
            "good",
        );
        assert!(matches!(r, Some(Callback::Error { error, .. }) if error == "access_denied"));
    }

    #[tokio::test]
    async fn loopback_ignores_a_wrong_state_then_takes_the_real_callback() {
        let lb = Loopback::bind().await.unwrap();
        let port = lb.port();
        let wait = tokio::spawn(lb.wait("s1".into(), Duration::from_secs(5)));
        let client = reqwest::Client::new();
        let stray = client
            .get(format!("http://127.0.0.1:{port}/?code=x&state=WRONG"))
            .send()
            .await
            .unwrap();
        assert_eq!(stray.status(), 400);
        assert!(stray
            .text()
            .await
            .unwrap()
            .contains("not part of the current sign-in"));
        let ok = client
            .get(format!("http://127.0.0.1:{port}/?code=real&state=s1"))
            .send()
            .await
            .unwrap();
        assert!(ok.text().await.unwrap().contains("You can close this tab"));
        match wait.await.unwrap().unwrap() {
            Callback::Code(c) => assert_eq!(c.expose(), "real"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn loopback_answers_on_ipv6_localhost_too() {
        let lb = Loopback::bind().await.unwrap();
        if lb.listener6.is_none() {
            // No IPv6 loopback on this machine: nothing more to check.
            return;
        }
        let port = lb.port();
        let wait = tokio::spawn(lb.wait("s6".into(), Duration::from_secs(5)));
        let page = reqwest::get(format!("http://[::1]:{port}/?code=c6&state=s6"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("You can close this tab"));
        assert!(matches!(wait.await.unwrap().unwrap(), Callback::Code(c) if c.expose() == "c6"));
    }

    #[tokio::test]
    async fn loopback_times_out_cleanly() {
        let lb = Loopback::bind().await.unwrap();
        let err = lb
            .wait("s".into(), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(err.code(), crate::Code::SignInTimedOut);
    }
}
