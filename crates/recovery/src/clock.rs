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

/// How a time is written for people and files, always in UTC: the one place that does it (the
/// receipt, the calendar file, the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtcText {
    /// `2026-12-01 12:00:00 UTC`.
    Readable,
    /// `20261201T120000Z`: iCalendar's UTC DATE-TIME (RFC 5545, 3.3.5).
    Basic,
    /// `12:00:00`, for a table whose times all fall on one UTC day.
    TimeOfDay,
}

/// `t` in UTC, written as `style` says.
pub fn utc_text(t: OffsetDateTime, style: UtcText) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    match style {
        UtcText::Readable => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC"),
        UtcText::Basic => format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        UtcText::TimeOfDay => format!("{h:02}:{mi:02}:{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_in_each_style_from_any_offset() {
        let t = time::macros::datetime!(2026-12-01 13:04:05 +01:00);
        assert_eq!(utc_text(t, UtcText::Readable), "2026-12-01 12:04:05 UTC");
        assert_eq!(utc_text(t, UtcText::Basic), "20261201T120405Z");
        assert_eq!(utc_text(t, UtcText::TimeOfDay), "12:04:05");
    }
}
