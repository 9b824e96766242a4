//! Retry policy: which failures are worth another attempt, and how long to wait before it.
//!
//! - Throttling (429) and 503/504: wait what `Retry-After` says (integer seconds, a decimal such as
//!   Graph's own "2.128", or an HTTP date), else back off exponentially with jitter.
//! - Replication: the directory has not yet caught up with our own write. These
//!   clear within seconds, so they are polled briskly (short, capped delays) rather than with the
//!   long exponential waits that suit overload.
//! - Everything else fails at once with its own error.
//!
//! The whole loop is bounded by a time budget; jitter comes from a seeded generator so runs are
//! reproducible under test.

use std::sync::Mutex;
use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

use crate::error::GraphErrorInfo;
use crate::ops::Op;

/// Why a call is being retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "RetryReason.ts")]
pub enum RetryReason {
    /// 429 Too Many Requests.
    Throttled,
    /// 500/502/503/504.
    Unavailable,
    /// The directory has not replicated a just-created object yet.
    Replication,
    /// The connection failed or timed out.
    Network,
    /// A response body that could not be read.
    Malformed,
    /// A new client secret is not accepted by the sign-in service yet (AADSTS7000215).
    SecretNotReady,
    /// A granted permission has not reached new tokens yet.
    PermissionNotEffective,
}

impl RetryReason {
    /// Waiting for our own write to become visible, as opposed to backing off from trouble.
    pub fn is_polling(self) -> bool {
        matches!(
            self,
            RetryReason::Replication
                | RetryReason::SecretNotReady
                | RetryReason::PermissionNotEffective
        )
    }
}

/// The reason whose pace a retry of `op` waits by: every wait at the token endpoint (for the
/// app, its service principal, the secret or the permission) goes at the token pace, never at
/// the Graph pace, since the identity platform answers bursts of client-credentials requests
/// with 429 and `Retry-After: 60`
/// (<https://learn.microsoft.com/entra/msal/dotnet/advanced/exceptions/msal-throttling>).
pub fn pace(op: Op, reason: RetryReason) -> RetryReason {
    if op == Op::Token && reason == RetryReason::Replication {
        RetryReason::SecretNotReady
    } else {
        reason
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Retry {
        reason: RetryReason,
        after: Option<Duration>,
    },
    Fail,
}

/// Classifies an HTTP-level failure for `op`.
pub fn classify(op: Op, e: &GraphErrorInfo, retry_after: Option<Duration>) -> Verdict {
    match e.status {
        429 => Verdict::Retry {
            reason: RetryReason::Throttled,
            after: retry_after,
        },
        500 | 502 | 503 | 504 => Verdict::Retry {
            reason: RetryReason::Unavailable,
            after: retry_after,
        },
        _ if op.replication_signature(e) => Verdict::Retry {
            reason: RetryReason::Replication,
            after: None,
        },
        _ => Verdict::Fail,
    }
}

/// Parses `Retry-After` in all three forms Graph sends: `"7"`, `"2.128"`, or an HTTP date.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let when = parse_http_date(v)?;
    let delta = when - now;
    Some(if delta.is_negative() {
        Duration::ZERO
    } else {
        delta.unsigned_abs()
    })
}

fn parse_http_date(v: &str) -> Option<OffsetDateTime> {
    // IMF-fixdate, the form RFC 9110 requires senders to use: "Sun, 06 Nov 1994 08:49:37 GMT".
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(v, &fmt)
        .ok()
        .map(|p| p.assume_utc())
}

/// Tunables for retries. Defaults suit Microsoft; tests shrink the budget.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Give up on one step after this long.
    pub budget: Duration,
    /// First interval (start to start) for replication polling; grows by half each time up to
    /// `replication_cap`, or to a fifth of the time waited so far if that is longer.
    pub replication_base: Duration,
    pub replication_cap: Duration,
    /// How long after our own write an answer "not found" may still be replication lag.
    pub replication_window: Duration,
    /// Polling the token endpoint (a new secret, a new permission): each interval is a fifth of
    /// the time waited so far, at least this and at most `token_poll_cap`, so a short wait ends
    /// within a second of the secret working and a long one costs few requests. The identity
    /// platform throttles bursts of client-credentials requests with 429 and Retry-After
    /// (<https://learn.microsoft.com/entra/msal/dotnet/advanced/exceptions/msal-throttling>).
    pub token_poll_base: Duration,
    pub token_poll_cap: Duration,
    /// First delay for 5xx / network errors without Retry-After; doubles up to `transient_cap`.
    pub transient_base: Duration,
    pub transient_cap: Duration,
    /// Longest Retry-After the engine accepts before giving up instead.
    pub max_retry_after: Duration,
    /// How many unreadable responses in a row a call tolerates.
    pub max_malformed: u32,
    /// Seed for the jitter generator.
    pub seed: u64,
    /// Wait in a fixed way instead (a model of another tool, for the benchmark); None: adaptive.
    pub fixed_wait: Option<FixedWait>,
}

/// A fixed way of waiting for the directory, in place of the adaptive polling above: a model of
/// how another tool waits, so `cargo bench --bench flow` can run our flow with it. Not used by the
/// app or the CLI.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedWait {
    /// What this models, e.g. "Azure CLI (model): 5 s grain".
    pub label: &'static str,
    /// Slept after each successful call of `settle_ops`, before the next call (a tool's
    /// `Start-Sleep` after a create, or its wait for consecutive confirmations).
    pub settle: Duration,
    pub settle_ops: &'static [Op],
    /// The wait before the first retry of a poll (replication, a new secret, a new permission),
    /// and before each later one. No jitter.
    pub first_retry: Duration,
    pub next_retries: Duration,
}

impl FixedWait {
    /// How long to sleep after `op` succeeded.
    pub fn settle_after(&self, op: Op) -> Option<Duration> {
        self.settle_ops.contains(&op).then_some(self.settle)
    }
}

/// How long one call may keep retrying in the real cloud. Terraform's azuread provider gives an
/// app role assignment 5 minutes to be created, and admins report that 5 minutes after creating
/// a service principal were not always enough for `appRoleAssignedTo`; an admin has 72 hours,
/// so waiting is cheap and failing is not.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(360);

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            budget: DEFAULT_BUDGET,
            replication_base: Duration::from_millis(250),
            replication_cap: Duration::from_millis(600),
            replication_window: Duration::from_secs(30),
            token_poll_base: Duration::from_secs(1),
            token_poll_cap: Duration::from_secs(4),
            transient_base: Duration::from_millis(500),
            transient_cap: Duration::from_secs(16),
            max_retry_after: Duration::from_secs(120),
            max_malformed: 3,
            seed: 0x504d_5043,
            fixed_wait: None,
        }
    }
}

/// Jittered delays, from a seeded generator.
#[derive(Debug)]
pub struct Jitter {
    rng: Mutex<StdRng>,
}

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// A factor in [lo, hi).
    fn factor(&self, lo: f64, hi: f64) -> f64 {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.gen_range(lo..hi)
    }
}

impl RetryPolicy {
    /// Short waits for a simulated tenant whose replication takes milliseconds: the tests and the
    /// CLI's `--fast`. Token polls stay under tenant-sim's default client-credentials limit (5 a
    /// second); the shipped once-a-second pace is tested on its own.
    pub fn fast() -> Self {
        Self {
            budget: Duration::from_secs(20),
            replication_base: Duration::from_millis(50),
            replication_cap: Duration::from_millis(200),
            replication_window: Duration::from_secs(3),
            token_poll_base: Duration::from_millis(300),
            token_poll_cap: Duration::from_millis(600),
            transient_base: Duration::from_millis(50),
            transient_cap: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(5),
            max_malformed: 3,
            seed: 7,
            fixed_wait: None,
        }
    }

    /// This policy with another time budget.
    pub fn with_budget(&self, budget: Duration) -> Self {
        Self {
            budget,
            ..self.clone()
        }
    }

    /// This policy, polling for replication a few times more slowly: for reads off the critical
    /// path, which should leave the request budget to the calls that are on it.
    pub fn gentle(&self) -> Self {
        Self {
            replication_base: self.replication_base * 4,
            replication_cap: self.replication_cap * 3,
            ..self.clone()
        }
    }

    /// The delay before attempt `attempt + 1` (attempt counts retries of this reason, from 0;
    /// `waited` is the time since the call's first attempt).
    pub fn delay(
        &self,
        reason: RetryReason,
        attempt: u32,
        waited: Duration,
        retry_after: Option<Duration>,
        jitter: &Jitter,
    ) -> Duration {
        if let Some(after) = retry_after {
            // Honour the server: never earlier, and a little later so that clients do not stampede.
            let extra = (after.as_secs_f64() * 0.1).min(0.25);
            return after + Duration::from_secs_f64(extra * jitter.factor(0.0, 1.0));
        }
        if let Some(fixed) = self.fixed_wait.as_ref().filter(|_| reason.is_polling()) {
            return if attempt == 0 {
                fixed.first_retry
            } else {
                fixed.next_retries
            };
        }
        if matches!(
            reason,
            RetryReason::SecretNotReady | RetryReason::PermissionNotEffective
        ) {
            // Never faster than the base: jitter only lengthens.
            let share = (waited.as_secs_f64() / 5.0).clamp(
                self.token_poll_base.as_secs_f64(),
                self.token_poll_cap.as_secs_f64(),
            );
            return Duration::from_secs_f64(share * jitter.factor(1.0, 1.1));
        }
        // (first delay, cap, growth per attempt, lowest jitter factor)
        let (base, cap, growth, lowest) = match reason {
            RetryReason::Replication => (self.replication_base, self.replication_cap, 1.5, 0.8),
            _ => (self.transient_base, self.transient_cap, 2.0, 0.8),
        };
        let raw = base.as_secs_f64() * growth_pow(growth, attempt);
        let mut capped = raw.min(cap.as_secs_f64());
        if reason == RetryReason::Replication {
            // A write that takes long to show is polled at a fifth of the wait so far: a slow
            // tenant costs few requests, a fast one is still seen within the cap.
            capped = capped.max(waited.as_secs_f64() / 5.0);
        }
        Duration::from_secs_f64(capped * jitter.factor(lowest, 1.2))
    }
}

fn growth_pow(g: f64, n: u32) -> f64 {
    g.powi(n.min(30) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn err(status: u16, code: &str, message: &str) -> GraphErrorInfo {
        GraphErrorInfo::answer(status, code, message)
    }

    #[test]
    fn token_endpoint_polls_are_at_least_a_second_apart_and_back_off() {
        let p = RetryPolicy::default();
        let j = Jitter::new(7);
        // The polls of a 60-second wait, each paced by the time waited so far.
        let mut waited = Duration::ZERO;
        let mut delays = Vec::new();
        for n in 0.. {
            let d = p.delay(RetryReason::SecretNotReady, n, waited, None, &j);
            delays.push(d);
            waited += d;
            if waited > Duration::from_secs(60) {
                break;
            }
        }
        assert!(
            delays.iter().all(|d| *d >= Duration::from_secs(1)),
            "{delays:?}"
        );
        // The first seconds are polled once a second, so a secret that works after 3 s is seen
        // within a second of it; later polls spread out, up to the cap.
        assert!(
            delays[..4].iter().all(|d| *d < Duration::from_millis(1100)),
            "{delays:?}"
        );
        assert!(
            delays.last().unwrap() > &Duration::from_secs(3),
            "{delays:?}"
        );
        assert!(
            delays.iter().all(|d| *d <= p.token_poll_cap.mul_f64(1.1)),
            "{delays:?}"
        );
        assert!(
            delays.len() < 30,
            "a minute's wait takes {} polls",
            delays.len()
        );
        // Retry-After from a throttled token endpoint is honoured, not shortened.
        let after = p.delay(
            RetryReason::Throttled,
            0,
            Duration::ZERO,
            Some(Duration::from_secs(60)),
            &j,
        );
        assert!(after >= Duration::from_secs(60));
    }

    #[test]
    fn every_wait_at_the_token_endpoint_goes_at_the_token_pace() {
        // 700016 / 7000229 (the app or its service principal not known to the sign-in service
        // yet) were polled at Graph's pace, 250-600 ms: 13 requests in 10 s.
        assert_eq!(
            pace(Op::Token, RetryReason::Replication),
            RetryReason::SecretNotReady
        );
        assert_eq!(
            pace(Op::GrantAppRole, RetryReason::Replication),
            RetryReason::Replication
        );
        let p = RetryPolicy::default();
        let j = Jitter::new(3);
        for n in 0..5 {
            let d = p.delay(
                pace(Op::Token, RetryReason::Replication),
                n,
                Duration::ZERO,
                None,
                &j,
            );
            assert!(d >= Duration::from_secs(1), "{d:?}");
        }
        assert!(
            p.budget >= Duration::from_secs(300),
            "the grant gets 5 minutes at least"
        );
    }

    #[test]
    fn retry_after_in_all_three_forms() {
        let now = datetime!(2026-11-28 12:00:00 UTC);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("2.128", now),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 12:00:03 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1.5", now), None);
    }

    #[test]
    fn replication_signatures_of_graph_facts_a9() {
        let no_backing = err(
            400,
            "Request_BadRequest",
            "The appId 'x' of the service principal does not reference a valid application object.",
        );
        assert_eq!(
            classify(Op::UpsertServicePrincipal, &no_backing, None),
            Verdict::Retry {
                reason: RetryReason::Replication,
                after: None
            }
        );
        let backing_local = err(403, "Authorization_RequestDenied", "When using this permission, the backing application of the service principal being created must in the local tenant");
        assert!(matches!(
            classify(Op::UpsertServicePrincipal, &backing_local, None),
            Verdict::Retry { .. }
        ));
        let not_found = err(404, "Request_ResourceNotFound", "Resource 'x' does not exist or one of its queried reference-property objects are not present.");
        assert!(matches!(
            classify(Op::GrantAppRole, &not_found, None),
            Verdict::Retry { .. }
        ));
        let bad_ref = err(400, "Request_BadRequest", "Not a valid reference update.");
        assert!(matches!(
            classify(Op::GrantAppRole, &bad_ref, None),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            classify(Op::PatchApplication, &err(409, "x", "y"), None),
            Verdict::Retry { .. }
        ));
        let key_taken = err(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property uniqueName 'x' already exists.",
        );
        assert!(matches!(
            classify(Op::UpsertApplication, &key_taken, None),
            Verdict::Retry { .. }
        ));
        // The same 404 on a read that follows no write of ours is final.
        assert_eq!(
            classify(Op::GetOrganization, &not_found, None),
            Verdict::Fail
        );
        // Denied consent is never retried.
        let denied = err(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
        assert_eq!(classify(Op::GrantAppRole, &denied, None), Verdict::Fail);
        assert_eq!(
            classify(Op::UpsertServicePrincipal, &denied, None),
            Verdict::Fail
        );
    }

    #[test]
    fn throttling_and_unavailability_are_retried_with_the_servers_hint() {
        let hint = Some(Duration::from_millis(2128));
        assert_eq!(
            classify(Op::AddPassword, &err(429, "TooManyRequests", ""), hint),
            Verdict::Retry {
                reason: RetryReason::Throttled,
                after: hint
            }
        );
        for s in [500, 502, 503, 504] {
            assert!(matches!(
                classify(Op::GetOrganization, &err(s, "", ""), None),
                Verdict::Retry { .. }
            ));
        }
        assert_eq!(
            classify(Op::GetOrganization, &err(400, "BadRequest", ""), None),
            Verdict::Fail
        );
    }

    #[test]
    fn delays_honour_retry_after_and_grow_with_jitter_within_caps() {
        let p = RetryPolicy::default();
        let j = Jitter::new(1);
        let d = p.delay(
            RetryReason::Throttled,
            0,
            Duration::ZERO,
            Some(Duration::from_millis(2128)),
            &j,
        );
        assert!(d >= Duration::from_millis(2128) && d <= Duration::from_millis(2128 + 250));
        let first = p.delay(RetryReason::Replication, 0, Duration::ZERO, None, &j);
        assert!(first >= Duration::from_millis(200) && first <= Duration::from_millis(300));
        let late = p.delay(RetryReason::Replication, 20, Duration::ZERO, None, &j);
        assert!(late <= p.replication_cap.mul_f64(1.2));
        // A long wait spreads its polls out.
        let slow = p.delay(
            RetryReason::Replication,
            20,
            Duration::from_secs(10),
            None,
            &j,
        );
        assert!(
            slow >= Duration::from_millis(1600) && slow <= Duration::from_millis(2400),
            "{slow:?}"
        );
        let t = p.delay(RetryReason::Unavailable, 3, Duration::ZERO, None, &j);
        assert!(
            t >= Duration::from_millis(3200) && t <= Duration::from_millis(4800),
            "{t:?}"
        );
        // Same seed, same sequence.
        let (a, b) = (Jitter::new(9), Jitter::new(9));
        for n in 0..5 {
            assert_eq!(
                p.delay(RetryReason::Network, n, Duration::ZERO, None, &a),
                p.delay(RetryReason::Network, n, Duration::ZERO, None, &b)
            );
        }
    }
}
