//! What one run learns about how long the directory takes to show its own writes (the
//! replication model), so that a call that depends on a write goes when the write should be
//! visible. The retry loop ([`crate::http::Http::retry`]) consults it; the engine tells it where
//! the run's app came from ([`AppOrigin`]).

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::ops::Op;

/// What one run has learned about how long the directory takes to show its own writes, so that
/// each later call that depends on a write goes when the write should be visible, instead of
/// finding out by polling again.
///
/// - The first call that waits for a write probes (polls as [`RetryPolicy::delay`] says); a
///   second call waiting for the same write (a new app's secret, beside its service principal)
///   waits for the probe's answer instead of probing too, then goes at once.
/// - A call that succeeded bounds the delay: at most from the write's answer to its own answer
///   (the directory handled it before answering).
/// - The next call that waits for a write is sent so that it reaches the directory when that
///   bound has passed: the bound, less the round trip such calls took so far. If it is still too
///   early, the next attempt goes at the bound itself, and only then does it poll again.
///
/// Times are the clock's monotonic readings ([`crate::Clock::instant`]).
#[derive(Debug, Default)]
pub struct Replication {
    state: Mutex<ReplicationState>,
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct ReplicationState {
    /// When each awaited write of this run was answered.
    written: std::collections::HashMap<Op, Duration>,
    /// Writes a call is probing for, and writes known to be visible.
    probing: std::collections::HashSet<Op>,
    visible: std::collections::HashSet<Op>,
    /// The longest a write took to become visible, as far as this run can tell.
    bound: Option<Duration>,
    /// The shortest round trip of each [`Op::trip_class`] seen so far: a call sent by the bound
    /// counts on no less, so it arrives late by a little rather than early by a little (which
    /// would cost a whole round trip more).
    round_trip: std::collections::HashMap<u8, Duration>,
    /// Where the run's app came from.
    app: AppOrigin,
}

/// A dependent call's view of the write it waits for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Awaited {
    pub write: Op,
    /// When the write was answered.
    pub at: Duration,
    /// This call probes for the write (no other call is).
    pub probing: bool,
}

impl Replication {
    fn state(&self) -> std::sync::MutexGuard<'_, ReplicationState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new run's: nothing written or learned yet, but the round trips seen so far (the sign-in's
    /// and the pre-check's), so the run's first timed call knows how long a request takes.
    pub fn next_run(&self) -> Self {
        let round_trip = self.state().round_trip.clone();
        Self {
            state: Mutex::new(ReplicationState {
                round_trip,
                ..ReplicationState::default()
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// The engine tells where the run's app came from.
    pub fn note_app(&self, origin: AppOrigin) {
        self.state().app = origin;
    }

    /// Whether "not found" for the run's app can still be replication lag at `now`: for an app
    /// this run created less than `window` ago (and while the run has not said where its app
    /// came from), not for one that existed before or was created longer ago.
    pub fn app_may_be_replicating(&self, now: OffsetDateTime, window: Duration) -> bool {
        match self.state().app {
            AppOrigin::Unknown => true,
            AppOrigin::Existing => false,
            AppOrigin::CreatedAt(t) => now - t < window,
        }
    }

    /// Records one attempt of `op`: its start and answer, and whether it succeeded.
    pub fn attempted(&self, op: Op, started: Duration, answered: Duration, ok: bool) {
        let mut st = self.state();
        let trip = answered.saturating_sub(started);
        st.round_trip
            .entry(op.trip_class())
            .and_modify(|t| *t = (*t).min(trip))
            .or_insert(trip);
        if ok && op.is_awaited() {
            st.written.insert(op, answered);
        }
    }

    /// Before `op`'s first attempt: the write of this run it waits for, if any. When another
    /// call is probing for that write, waits (until `patience` ends) for it to find the write
    /// visible or give up; otherwise this call becomes the probe.
    pub async fn before_first(
        &self,
        op: Op,
        patience: futures::future::BoxFuture<'static, ()>,
    ) -> Option<Awaited> {
        let write = op.waits_for()?;
        let mut patience = patience;
        loop {
            let changed = self.changed.notified();
            {
                let mut st = self.state();
                let at = *st.written.get(&write)?;
                if st.visible.contains(&write) || st.bound.is_some() {
                    return Some(Awaited {
                        write,
                        at,
                        probing: false,
                    });
                }
                if st.probing.insert(write) {
                    return Some(Awaited {
                        write,
                        at,
                        probing: true,
                    });
                }
            }
            tokio::select! {
                () = changed => {}
                () = &mut patience => {
                    let at = *self.state().written.get(&write)?;
                    return Some(Awaited { write, at, probing: false });
                }
            }
        }
    }

    /// When `op`'s first attempt should start: at once for a probe or a write known visible,
    /// else so that it reaches the directory when the bound has passed.
    pub fn first_start(&self, op: Op, w: &Awaited) -> Duration {
        let st = self.state();
        if w.probing || st.visible.contains(&w.write) {
            return w.at;
        }
        let trip = st
            .round_trip
            .get(&op.trip_class())
            .copied()
            .unwrap_or_default();
        st.bound.map_or(w.at, |b| (w.at + b).saturating_sub(trip))
    }

    /// When a token for the new app is first worth asking for: the later of its secret and its
    /// grant cannot work in a token before the directory shows it, so the request is sent to
    /// arrive when this run's bound has passed since then (it has no other evidence: a
    /// client-credentials request before that would fail, costing a request). None when this run learned no bound
    /// or wrote neither (a resumed run: ask at once).
    pub fn token_start(&self) -> Option<Duration> {
        let st = self.state();
        let at = [Op::GrantAppRole, Op::AddPassword]
            .iter()
            .filter_map(|o| st.written.get(o))
            .max()?;
        // No token asked for yet in this run: a Graph read's round trip is the nearest.
        let trip = [Op::Token, Op::GetApplication]
            .iter()
            .find_map(|o| st.round_trip.get(&o.trip_class()))
            .copied()
            .unwrap_or_default();
        Some((*at + st.bound?).saturating_sub(trip))
    }

    /// After a too-early attempt answered at `answered`: when to go next, if the bound says
    /// (None: poll as usual).
    pub fn next_start(&self, w: &Awaited, answered: Duration) -> Option<Duration> {
        let bound = self.state().bound?;
        (answered < w.at + bound).then_some(w.at + bound)
    }

    /// The call ended: it succeeded, answered at `ok_answer` (the write is visible), or it failed
    /// for good (None).
    pub fn done(&self, w: &Awaited, ok_answer: Option<Duration>) {
        {
            let mut st = self.state();
            if w.probing {
                st.probing.remove(&w.write);
            }
            if let Some(answered) = ok_answer {
                st.visible.insert(w.write);
                let seen = answered.saturating_sub(w.at);
                st.bound = Some(match st.bound {
                    // A probe measured it; a call sent by the bound can only tighten it.
                    Some(b) if !w.probing => b.min(seen),
                    _ => seen,
                });
            }
        }
        self.changed.notify_waiters();
    }
}

/// Whether the app a run works on may still be replicating (so that "not found" is lag), as the
/// engine tells the run's [`Replication`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AppOrigin {
    /// Not told (a cleanup, a read before the run knows its app): "not found" is lag, as always.
    #[default]
    Unknown,
    /// This run (or the interrupted run it resumes) created it at this time.
    CreatedAt(OffsetDateTime),
    /// It existed before: the user chose to reuse it.
    Existing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GraphErrorInfo;
    use time::macros::datetime;

    fn err(status: u16, code: &str, message: &str) -> GraphErrorInfo {
        GraphErrorInfo::answer(status, code, message)
    }

    #[test]
    fn not_found_is_lag_only_for_a_young_app_of_this_run() {
        let rep = Replication::default();
        let t = datetime!(2026-12-05 04:00:00 UTC);
        let window = Duration::from_secs(360);
        assert!(rep.app_may_be_replicating(t, window), "not told: as before");
        rep.note_app(AppOrigin::CreatedAt(t));
        assert!(rep.app_may_be_replicating(t + Duration::from_secs(300), window));
        assert!(!rep.app_may_be_replicating(t + Duration::from_secs(361), window));
        rep.note_app(AppOrigin::Existing);
        assert!(!rep.app_may_be_replicating(t, window));
        let gone = err(
            404,
            "Request_ResourceNotFound",
            "Resource 'x' does not exist",
        );
        assert!(Op::AddPassword.app_missing(&gone));
        assert!(
            !Op::GrantAppRole.app_missing(&gone),
            "the grant waits for its own write"
        );
        let no_app = err(
            400,
            "Request_BadRequest",
            "The appId 'x' of the service principal does not reference a valid application object.",
        );
        assert!(Op::UpsertServicePrincipal.app_missing(&no_app));
        assert!(!Op::UpsertServicePrincipal.app_missing(&err(409, "x", "y")));
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn forever() -> futures::future::BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(Duration::from_secs(3600)))
    }

    #[tokio::test]
    async fn one_call_probes_for_a_write_and_the_other_waits_for_its_answer() {
        let rep = std::sync::Arc::new(Replication::default());
        // Nothing waits for a write this run did not make (a resumed run's app).
        assert_eq!(
            rep.before_first(Op::UpsertServicePrincipal, forever())
                .await,
            None
        );
        rep.attempted(Op::UpsertApplication, ms(1000), ms(1400), true);
        let probe = rep
            .before_first(Op::UpsertServicePrincipal, forever())
            .await
            .expect("waits for the app");
        assert!(probe.probing && probe.at == ms(1400));
        assert_eq!(
            rep.first_start(Op::UpsertServicePrincipal, &probe),
            ms(1400)
        );
        let sibling = tokio::spawn({
            let rep = rep.clone();
            async move { rep.before_first(Op::AddPassword, forever()).await }
        });
        tokio::time::sleep(ms(50)).await;
        assert!(!sibling.is_finished(), "the secret waits for the probe");
        // The probe got through: its answer came 1.2 s after the app's.
        rep.attempted(Op::UpsertServicePrincipal, ms(2200), ms(2600), true);
        rep.done(&probe, Some(ms(2600)));
        let sibling = sibling.await.unwrap().expect("waits for the app");
        assert!(!sibling.probing);
        assert_eq!(
            rep.first_start(Op::AddPassword, &sibling),
            ms(1400),
            "at once"
        );

        // The grant waits for the service principal: sent so that it arrives 1.2 s after it,
        // less a write's round trip (400 ms).
        let grant = rep.before_first(Op::GrantAppRole, forever()).await.unwrap();
        assert!(!grant.probing && grant.at == ms(2600));
        assert_eq!(rep.first_start(Op::GrantAppRole, &grant), ms(3400));
        // Too early after all: next time at the bound itself, then poll as usual.
        assert_eq!(rep.next_start(&grant, ms(3700)), Some(ms(3800)));
        assert_eq!(rep.next_start(&grant, ms(3900)), None);

        // The app's token: not before the later of secret and grant has had as long, less the
        // shortest token request's round trip (the sign-in's: 250 ms).
        assert_eq!(rep.token_start(), None, "neither written yet");
        rep.attempted(Op::Token, ms(0), ms(300), true);
        rep.attempted(Op::Token, ms(300), ms(550), true);
        rep.attempted(Op::AddPassword, ms(2700), ms(3100), true);
        rep.attempted(Op::GrantAppRole, ms(3400), ms(3850), true);
        rep.attempted(Op::ListAppRoleAssignments, ms(3900), ms(4100), true);
        assert_eq!(rep.token_start(), Some(ms(3850 + 1200 - 250)));

        // The next run starts afresh but knows how long requests take.
        let next = rep.next_run();
        assert_eq!(next.token_start(), None);
        assert_eq!(next.before_first(Op::GrantAppRole, forever()).await, None);
        assert_eq!(next.state().round_trip, rep.state().round_trip);
    }

    #[tokio::test]
    async fn a_probe_that_fails_hands_the_probing_to_the_waiting_call() {
        let rep = std::sync::Arc::new(Replication::default());
        rep.attempted(Op::UpsertApplication, ms(0), ms(400), true);
        let probe = rep
            .before_first(Op::UpsertServicePrincipal, forever())
            .await
            .unwrap();
        let sibling = tokio::spawn({
            let rep = rep.clone();
            async move { rep.before_first(Op::AddPassword, forever()).await }
        });
        tokio::time::sleep(ms(20)).await;
        rep.done(&probe, None);
        let sibling = sibling.await.unwrap().unwrap();
        assert!(
            sibling.probing,
            "nothing was learned: the secret probes itself"
        );
        // A sibling whose patience ends goes on its own.
        let third = rep
            .before_first(Op::AddPassword, Box::pin(tokio::time::sleep(ms(10))))
            .await
            .unwrap();
        assert!(!third.probing);
        assert_eq!(
            rep.first_start(Op::AddPassword, &third),
            ms(400),
            "no bound yet: at once"
        );
    }
}
