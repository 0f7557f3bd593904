//! Injectable time: what "now" is, and how to wait.
//!
//! The token manager reads the time only through a [`Clock`], so expiry, backoff and reload
//! intervals can be tested without waiting.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;

/// A source of the current UTC time and of sleeps.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// Waits for `duration` (backoff between token requests, reload intervals).
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system's wall clock; sleeps with tokio.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock driven by tokio's time: `now()` is a fixed UTC base plus the tokio time elapsed since
/// the clock was made, so `#[tokio::test(start_paused = true)]` with `tokio::time::advance`
/// moves it.
///
/// With paused time, tokio jumps to the next timer whenever the runtime waits, so a request to a
/// real socket hits its timeout at once: advance while paused, then `tokio::time::resume()`
/// before real I/O (or use a [`ManualClock`]).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    base: DateTime<Utc>,
    base_instant: tokio::time::Instant,
}

impl TokioClock {
    /// Starts at the system's current time.
    pub fn new() -> Self {
        Self::starting_at(Utc::now())
    }

    /// Starts at `base`.
    pub fn starting_at(base: DateTime<Utc>) -> Self {
        Self { base, base_instant: tokio::time::Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.base_instant);
        self.base.checked_add_signed(to_delta(elapsed)).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A clock that moves only when told to. Its `sleep` returns at once after advancing the clock
/// by the requested duration, and records the duration, so backoff can be asserted.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// Starts at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { state: Mutex::new(ManualState { now, sleeps: Vec::new() }) }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        self.lock().now = now;
    }

    /// Moves the time forward (or backward, for a negative delta).
    pub fn advance(&self, delta: TimeDelta) {
        let mut state = self.lock();
        state.now = state.now.checked_add_signed(delta).unwrap_or(state.now);
    }

    /// Every duration passed to `sleep` so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        {
            let mut state = self.lock();
            state.now = state.now.checked_add_signed(to_delta(duration)).unwrap_or(state.now);
            state.sleeps.push(duration);
        }
        Box::pin(tokio::task::yield_now())
    }
}

/// Converts a std duration to chrono's, saturating instead of failing on absurd values.
pub(crate) fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_follows_paused_time() {
        let clock = TokioClock::starting_at(at("2026-03-13T10:00:00Z"));
        assert_eq!(clock.now(), at("2026-03-13T10:00:00Z"));
        tokio::time::advance(Duration::from_secs(90)).await;
        assert_eq!(clock.now(), at("2026-03-13T10:01:30Z"));
        clock.sleep(Duration::from_secs(30)).await;
        assert_eq!(clock.now(), at("2026-03-13T10:02:00Z"));
    }

    #[tokio::test]
    async fn manual_clock_moves_only_when_told_and_records_sleeps() {
        let clock = ManualClock::new(at("2026-03-13T10:00:00Z"));
        assert_eq!(clock.now(), at("2026-03-13T10:00:00Z"));
        clock.advance(TimeDelta::seconds(5));
        assert_eq!(clock.now(), at("2026-03-13T10:00:05Z"));
        clock.sleep(Duration::from_millis(1500)).await;
        assert_eq!(clock.now(), at("2026-03-13T10:00:06.5Z"));
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(1500)]);
        clock.set(at("2030-01-01T00:00:00Z"));
        assert_eq!(clock.now(), at("2030-01-01T00:00:00Z"));
    }
}
