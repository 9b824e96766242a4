//! HTTP plumbing shared by sign-in and Graph: one reqwest client (redirects off, rustls, explicit
//! timeouts), error-body parsing for both Graph's OData shape and the identity platform's shape,
//! and the bounded retry loop.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::clock::SharedClock;
use crate::error::{Error, GraphErrorInfo, Result};
use crate::events::StepScope;
use crate::ops::Op;
use crate::replication::{AppOrigin, Awaited, Replication};
use crate::retry::{classify, pace, parse_retry_after, Jitter, RetryPolicy, RetryReason, Verdict};

/// Makes ring rustls' crypto provider for every HTTP client of the process; call before building
/// one. reqwest verifies with the OS's own trust store (rustls-platform-verifier: the Windows and
/// macOS verifiers, the system CA bundle on Linux), so a TLS-inspecting corporate gateway whose
/// root the OS trusts works; proxies come from the OS settings and HTTPS_PROXY / NO_PROXY.
pub fn install_tls_provider() {
    // Fails only when a provider is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A response that arrived, with its body read.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
}

impl Reply {
    /// Parses the body as JSON; an unreadable body becomes [`Failure::Malformed`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Failure::Malformed(GraphErrorInfo {
                status: self.status,
                code: "UnreadableResponse".into(),
                message: format!("the response body is not the expected JSON ({e})"),
                request_id: self.request_id.clone(),
            })
        })
    }
}

/// Why one attempt did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error status.
    Http {
        error: GraphErrorInfo,
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused or reset, or a timeout. The request may or may not have
    /// taken effect.
    Network(String),
    /// A success status with a body that could not be read. The request did take effect.
    Malformed(GraphErrorInfo),
    /// Not an error of the call, but its effect is not visible yet (a new secret or permission).
    NotYet {
        reason: RetryReason,
        detail: GraphErrorInfo,
    },
    /// Stop now with this error.
    Final(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Final(e)
    }
}

/// Passed to every attempt.
#[derive(Debug, Clone, Copy)]
pub struct AttemptCtx {
    /// 0 for the first attempt.
    pub n: u32,
    /// An earlier attempt of a non-idempotent call may have taken effect: check before resending.
    pub uncertain: bool,
}

/// The shared HTTP client and retry machinery.
#[derive(Debug, Clone)]
pub struct Http {
    pub client: reqwest::Client,
    pub clock: SharedClock,
    pub policy: RetryPolicy,
    jitter: Arc<Jitter>,
    requests: Arc<AtomicU64>,
    /// How long this run's writes took to become visible (see [`Replication`]).
    replication: Arc<Replication>,
}

impl Http {
    pub fn new(clock: SharedClock, policy: RetryPolicy, request_timeout: Duration) -> Result<Self> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10).min(request_timeout))
            .timeout(request_timeout)
            .user_agent(concat!("pmpc-recovery/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        let jitter = Arc::new(Jitter::new(policy.seed));
        Ok(Self {
            client,
            clock,
            policy,
            jitter,
            requests: Arc::new(AtomicU64::new(0)),
            replication: Arc::default(),
        })
    }

    /// The same client, learning replication afresh: one per run.
    pub fn for_run(&self) -> Self {
        Self {
            replication: Arc::new(self.replication.next_run()),
            ..self.clone()
        }
    }

    /// The same client (and request count) retrying by another policy.
    pub fn with_policy(&self, policy: RetryPolicy) -> Self {
        Self {
            policy,
            ..self.clone()
        }
    }

    /// Tells this run's retries where its app came from, so that "not found" for an app that
    /// is not new fails at once ([`Op::app_missing`]).
    pub fn note_app(&self, origin: AppOrigin) {
        self.replication.note_app(origin);
    }

    /// How many HTTP requests were sent (sign-in and Graph together).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one request and reads the whole answer. Error statuses become [`Failure::Http`].
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Result<Reply, Failure> {
        let req = rb
            .build()
            .map_err(|e| Failure::Final(Error::Internal(format!("request: {e}"))))?;
        let reply = self.exchange(req).await?;
        if reply.status >= 400 {
            let retry_after = header(&reply.headers, "retry-after")
                .and_then(|v| parse_retry_after(&v, self.clock.now()));
            return Err(Failure::Http {
                error: parse_error_body(&reply),
                retry_after,
            });
        }
        Ok(reply)
    }

    /// Sends one request and reads the whole answer, whatever its status.
    pub async fn exchange(&self, mut req: reqwest::Request) -> Result<Reply, Failure> {
        if let Ok(v) = reqwest::header::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            req.headers_mut().insert("client-request-id", v);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self.client.execute(req).await.map_err(network_failure)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(network_failure)?.to_vec();
        let request_id =
            header(&headers, "request-id").or_else(|| header(&headers, "x-ms-request-id"));
        Ok(Reply {
            status,
            headers,
            body,
            request_id,
        })
    }

    /// `Retry-After` of an answer, read against this client's clock.
    pub fn retry_after(&self, reply: &Reply) -> Option<Duration> {
        header(&reply.headers, "retry-after").and_then(|v| parse_retry_after(&v, self.clock.now()))
    }

    /// Runs `attempt` until it succeeds, fails for good, or the budget is spent. Retries are
    /// reported on `scope`.
    pub async fn retry<'a, T>(
        &self,
        op: Op,
        scope: &StepScope,
        mut attempt: impl FnMut(AttemptCtx) -> BoxFuture<'a, Result<T, Failure>>,
    ) -> Result<T> {
        let mut so_far = Attempts::new(self.clock.instant());
        let mut probe = self.awaited_write(op).await;
        loop {
            let attempt_started = self.clock.instant();
            let ctx = AttemptCtx {
                n: so_far.n,
                uncertain: so_far.uncertain,
            };
            let failure = match attempt(ctx).await {
                Ok(v) => {
                    self.succeeded(op, attempt_started, probe.as_mut()).await;
                    return Ok(v);
                }
                Err(f) => f,
            };
            let (reason, after, info) = self.judge(op, failure, &mut so_far)?;
            if !op.idempotent()
                && matches!(
                    reason,
                    RetryReason::Network | RetryReason::Malformed | RetryReason::Unavailable
                )
            {
                so_far.uncertain = true;
            }
            let delay = self.next_delay(
                op,
                reason,
                after,
                attempt_started,
                probe.as_ref(),
                &mut so_far,
            );
            let elapsed = self.clock.instant().saturating_sub(so_far.start);
            if after.is_some_and(|a| a > self.policy.max_retry_after)
                || elapsed + delay > self.policy.budget
            {
                return Err(given_up(reason, info, so_far.n, elapsed));
            }
            tracing::info!(?op, ?reason, attempt = so_far.n + 1, delay_ms = delay.as_millis() as u64, error = %info, "retrying");
            scope.retrying(reason, so_far.n + 1, delay, elapsed, info);
            self.clock.sleep(delay).await;
            so_far.n += 1;
        }
    }

    /// A successful attempt: what it teaches about replication, and a benchmark's settling wait.
    async fn succeeded(&self, op: Op, attempt_started: Duration, probe: Option<&mut Probe<'_>>) {
        let now = self.clock.instant();
        self.replication.attempted(op, attempt_started, now, true);
        if let Some(p) = probe {
            p.ok_answer = Some(now);
        }
        // Only a benchmark's model of another tool settles after a write.
        if let Some(d) = self
            .policy
            .fixed_wait
            .as_ref()
            .and_then(|f| f.settle_after(op))
        {
            self.clock.sleep(d).await;
        }
    }

    /// Why an attempt failed and whether that is worth another: `(reason, server's wait, error)`,
    /// or the error to stop with.
    fn judge(
        &self,
        op: Op,
        failure: Failure,
        so_far: &mut Attempts,
    ) -> Result<(RetryReason, Option<Duration>, GraphErrorInfo)> {
        Ok(match failure {
            Failure::Final(e) => return Err(e),
            Failure::Http { error, retry_after } => match classify(op, &error, retry_after) {
                // An app that existed before this run, or was created long enough ago, is
                // not replicating: it is gone. Say so at once instead of polling.
                Verdict::Retry {
                    reason: RetryReason::Replication,
                    ..
                } if op.app_missing(&error)
                    && !self.replication.app_may_be_replicating(
                        self.clock.now(),
                        self.policy.budget.max(self.policy.replication_window),
                    ) =>
                {
                    return Err(Error::AppNotFound(error.to_string()))
                }
                Verdict::Retry { reason, after } => (reason, after, error),
                Verdict::Fail => return Err(map_http_error(op, error)),
            },
            Failure::Network(msg) => (
                RetryReason::Network,
                None,
                GraphErrorInfo {
                    status: 0,
                    code: "NetworkError".into(),
                    message: msg,
                    request_id: None,
                },
            ),
            Failure::Malformed(info) => {
                so_far.malformed += 1;
                if so_far.malformed > self.policy.max_malformed {
                    return Err(Error::UnexpectedResponse(info));
                }
                (RetryReason::Malformed, None, info)
            }
            Failure::NotYet { reason, detail } => (reason, None, detail),
        })
    }

    /// How long to wait before the next attempt, by the policy and by what this run has seen of
    /// replication.
    fn next_delay(
        &self,
        op: Op,
        reason: RetryReason,
        after: Option<Duration>,
        attempt_started: Duration,
        probe: Option<&Probe<'_>>,
        so_far: &mut Attempts,
    ) -> Duration {
        let count = so_far.per_reason.entry(reason).or_insert(0);
        let waited = self.clock.instant().saturating_sub(so_far.start);
        let mut delay = self
            .policy
            .delay(pace(op, reason), *count, waited, after, &self.jitter);
        *count += 1;
        if reason.is_polling() {
            // Polling for replication paces attempts start to start: the round trip itself
            // is part of the wait, so the first attempt after the window closes comes soon.
            delay = delay.saturating_sub(self.clock.instant().saturating_sub(attempt_started));
        }
        let answered = self.clock.instant();
        self.replication
            .attempted(op, attempt_started, answered, false);
        if let Some(p) = probe.filter(|_| reason == RetryReason::Replication) {
            if let Some(next) = self.replication.next_start(&p.awaited, answered) {
                // Too early for what the run has seen: go when the write was visible by
                // last time.
                delay = next.saturating_sub(answered);
            }
        }
        delay
    }
}

/// What one call's retry loop has counted so far.
struct Attempts {
    start: Duration,
    /// Attempts made before the current one.
    n: u32,
    per_reason: std::collections::HashMap<RetryReason, u32>,
    malformed: u32,
    /// A non-idempotent call whose earlier attempt may have gone through.
    uncertain: bool,
}

impl Attempts {
    fn new(start: Duration) -> Self {
        Self {
            start,
            n: 0,
            per_reason: std::collections::HashMap::new(),
            malformed: 0,
            uncertain: false,
        }
    }
}

/// The error a call ends with when its budget is spent.
fn given_up(reason: RetryReason, info: GraphErrorInfo, n: u32, elapsed: Duration) -> Error {
    match reason {
        RetryReason::Network => Error::Network(info.message),
        RetryReason::Malformed => Error::UnexpectedResponse(info),
        _ => Error::RetriesExhausted {
            attempts: n + 1,
            seconds: elapsed.as_secs_f64(),
            last: info,
        },
    }
}

impl Http {
    /// For a call that waits for one of this run's writes: waits for another call's probe if
    /// one is under way, then until the write should be visible. None for other calls, and for
    /// a benchmark's model of another tool (which waits its own way).
    async fn awaited_write(&self, op: Op) -> Option<Probe<'_>> {
        if self.policy.fixed_wait.is_some() {
            return None;
        }
        if op == Op::Token {
            if let Some(go) = self.replication.token_start() {
                let now = self.clock.instant();
                if go > now {
                    self.clock.sleep(go - now).await;
                }
            }
            return None;
        }
        let patience = self.clock.sleep(self.policy.replication_window);
        let awaited = self.replication.before_first(op, patience).await?;
        let go = self.replication.first_start(op, &awaited);
        let now = self.clock.instant();
        if go > now {
            self.clock.sleep(go - now).await;
        }
        Some(Probe {
            replication: &self.replication,
            awaited,
            ok_answer: None,
        })
    }
}

/// A call waiting for a write; tells the run's [`Replication`] what it saw when it ends,
/// however it ends (also when its future is dropped).
struct Probe<'a> {
    replication: &'a Replication,
    awaited: Awaited,
    ok_answer: Option<Duration>,
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.replication.done(&self.awaited, self.ok_answer);
    }
}

/// Maps a non-retryable HTTP error to the crate error for that call.
pub fn map_http_error(op: Op, e: GraphErrorInfo) -> Error {
    let msg = e.message.to_ascii_lowercase();
    match (op, e.status) {
        (Op::GrantAppRole, 403) => Error::ConsentRequiresPrivilegedRole(e),
        // CredentialInvalidLifetimeAsPerAppPolicy / CredentialTypeNotAllowedAsPerAppPolicy, or
        // the same told in words.
        (Op::AddPassword, 400 | 403)
            if e.code.contains("Lifetime")
                || (msg.contains("lifetime") && msg.contains("polic")) =>
        {
            Error::SecretLifetimeTooLong(e)
        }
        (Op::AddPassword, 400 | 403) if e.code.contains("Policy") || msg.contains("polic") => {
            Error::SecretPolicyBlocked(e)
        }
        (Op::GetApplication | Op::PatchApplication | Op::DeleteApplication, 404) => {
            Error::AppNotFound(e.message.clone())
        }
        (_, 401) => Error::SessionExpired(e.to_string()),
        (_, 403) => Error::InsufficientPrivileges(e),
        _ => Error::Graph(e),
    }
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A request that got no answer. A certificate the OS does not trust is final, and told apart:
/// on a corporate network it means a TLS-inspecting gateway whose root this computer lacks.
fn network_failure(e: reqwest::Error) -> Failure {
    let detail = describe_reqwest(&e);
    if untrusted_certificate(&e) {
        Failure::Final(Error::UntrustedCertificate(detail))
    } else {
        Failure::Network(detail)
    }
}

fn untrusted_certificate(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        // tokio-rustls wraps rustls' error in an io::Error, whose `source` skips the wrapped
        // error itself: look inside.
        let inner = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|i| i as &(dyn std::error::Error + 'static));
        for candidate in [Some(s), inner].into_iter().flatten() {
            if let Some(rustls::Error::InvalidCertificate(_)) =
                candidate.downcast_ref::<rustls::Error>()
            {
                return true;
            }
        }
        source = s.source();
    }
    false
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL, which never carries a secret here (tokens travel in
    // headers and form bodies only).
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[derive(Deserialize)]
struct ODataError {
    error: ODataErrorBody,
}

#[derive(Deserialize)]
struct ODataErrorBody {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, alias = "innererror", rename = "innerError")]
    inner: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct IdentityError {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    trace_id: Option<String>,
}

/// Reads an error body in Graph's OData shape or the identity platform's shape; anything else
/// (an HTML gateway page, truncated JSON) keeps the status and a short, safe excerpt.
pub fn parse_error_body(reply: &Reply) -> GraphErrorInfo {
    if let Ok(o) = serde_json::from_slice::<ODataError>(&reply.body) {
        let inner_id = o
            .error
            .inner
            .as_ref()
            .and_then(|i| i.get("request-id"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        return GraphErrorInfo {
            status: reply.status,
            code: o.error.code,
            message: o.error.message,
            request_id: reply.request_id.clone().or(inner_id),
        };
    }
    if let Ok(i) = serde_json::from_slice::<IdentityError>(&reply.body) {
        return GraphErrorInfo {
            status: reply.status,
            code: i.error,
            message: i.error_description,
            request_id: reply.request_id.clone().or(i.trace_id),
        };
    }
    let text = String::from_utf8_lossy(&reply.body);
    let excerpt: String = text.chars().filter(|c| !c.is_control()).take(120).collect();
    GraphErrorInfo {
        status: reply.status,
        code: format!("HTTP{}", reply.status),
        message: if excerpt.trim().is_empty() {
            "the answer had no readable body".into()
        } else {
            format!("the answer was not Graph JSON: {excerpt}")
        },
        request_id: reply.request_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            request_id: None,
        }
    }

    #[test]
    fn parses_the_docs_error_examples() {
        let docs = include_str!("../tests/fixtures/errors.example-error-response.json");
        let e = parse_error_body(&reply(416, docs));
        assert_eq!(e.code, "invalidRange");
        assert_eq!(e.request_id.as_deref(), Some("request-id"));

        let throttled = include_str!("../tests/fixtures/throttling.sample-429.body.json");
        let e = parse_error_body(&reply(429, throttled));
        assert_eq!(e.code, "TooManyRequests");
        assert_eq!(
            e.request_id.as_deref(),
            Some("94fb3b52-452a-4535-a601-69e0a90e3aa2")
        );

        let denied = format!(
            "{{{}}}",
            include_str!("../tests/fixtures/add-owner.403.txt")
        );
        let e = parse_error_body(&reply(403, &denied));
        assert_eq!(e.code, "Authorization_RequestDenied");
        assert_eq!(
            e.request_id.as_deref(),
            Some("b1909fc0-aa5c-4b43-8a1f-xxxxxxxxxxxx")
        );
    }

    #[test]
    fn parses_identity_errors_and_survives_html() {
        let e = parse_error_body(&reply(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"trace_id":"t-1"}"#,
        ));
        assert_eq!(e.code, "invalid_client");
        assert!(e.message.starts_with("AADSTS7000215"));
        assert_eq!(e.request_id.as_deref(), Some("t-1"));
        let e = parse_error_body(&reply(502, "<html><body>Bad gateway</body></html>"));
        assert_eq!(e.code, "HTTP502");
        assert!(e.message.contains("not Graph JSON"));
    }

    #[test]
    fn maps_denied_consent_and_policy_errors() {
        let denied = GraphErrorInfo {
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: None,
        };
        assert_eq!(
            map_http_error(Op::GrantAppRole, denied.clone()).code(),
            crate::Code::ConsentRequiresPrivilegedRole
        );
        assert_eq!(
            map_http_error(Op::UpsertApplication, denied).code(),
            crate::Code::InsufficientPrivileges
        );
        let capped = GraphErrorInfo {
            status: 400,
            code: "InvalidPasswordCredential".into(),
            message: "Credential lifetime exceeds the max value allowed as per assigned policy."
                .into(),
            request_id: None,
        };
        assert_eq!(
            map_http_error(Op::AddPassword, capped).code(),
            crate::Code::SecretLifetimeTooLong
        );
    }
}
