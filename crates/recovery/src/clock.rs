//! The clock, injected so that logic never reads the system time directly and tests stay hermetic.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use time::OffsetDateTime;

/// Wall-clock time and waiting. The engine asks this for "now" and for every pause.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
    /// A monotonic reading, for budgets and elapsed time.
    fn instant(&self) -> Duration;
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock: system time and tokio's timer.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn instant(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to (or when something sleeps on it): for unit tests of
/// expiry maths and retry budgets without waiting.
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<(OffsetDateTime, Duration)>>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            state: Arc::new(Mutex::new((start, Duration::ZERO))),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 += by;
        state.1 += by;
    }

    /// Total time slept or advanced so far.
    pub fn elapsed(&self) -> Duration {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    fn instant(&self) -> Duration {
        self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.advance(duration);
        Box::pin(async {})
    }
}

pub type SharedClock = Arc<dyn Clock>;
