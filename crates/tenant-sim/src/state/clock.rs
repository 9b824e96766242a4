//! The simulator's clock and the timestamp formats Graph and Entra use.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// The simulator's clock: real time plus an offset tests can advance (no real sleeping needed
/// for code, token, device-code or secret expiry).
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    start_wall: OffsetDateTime,
    offset: Duration,
}

impl Clock {
    pub(super) fn new() -> Self {
        Self {
            start: Instant::now(),
            start_wall: OffsetDateTime::now_utc(),
            offset: Duration::ZERO,
        }
    }
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset
    }
    pub fn wall(&self) -> OffsetDateTime {
        self.start_wall + (Instant::now() - self.start) + self.offset
    }
    pub fn unix(&self) -> i64 {
        self.wall().unix_timestamp()
    }
    pub fn advance(&mut self, d: Duration) {
        self.offset += d;
    }
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from((Instant::now() - self.start).as_millis()).unwrap_or(u64::MAX)
    }
}

/// Graph's timestamp format: `2019-09-17T19:10:35.2742618Z` (7 fractional digits, UTC).
pub fn graph_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

/// The `innerError.date` format: `2021-12-09T17:41:54`.
pub fn short_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_time_has_seven_digits() {
        let t = OffsetDateTime::from_unix_timestamp(1_568_747_435).unwrap();
        assert_eq!(graph_time(t), "2019-09-17T19:10:35.0000000Z");
        assert_eq!(short_time(t), "2019-09-17T19:10:35");
    }
}
