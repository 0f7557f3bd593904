//! Client-side rate limiting at GoTo's quota, so a big job never draws a 429.
//!
//! GoTo counts requests in a sliding one-second window. A token bucket would allow a burst of N
//! plus N more within the same second, so this limiter keeps the send times of the last N
//! requests and lets a request go only when the N-th previous one is a full window old.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// GoTo's default quota: requests per second.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 10;

/// A sliding-window limiter. Clones share the same window, so one limiter can serve every client
/// of a credential in a process.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: usize,
    window: Duration,
    // Send times of the most recent `limit` requests (reserved slots, ascending).
    slots: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// At most `requests_per_second` requests in any one-second window (at least 1).
    pub fn per_second(requests_per_second: u32) -> Self {
        // A few milliseconds of margin absorb network jitter between here and GoTo's counter.
        Self::new(requests_per_second, Duration::from_millis(1020))
    }

    /// At most `limit` requests in any `window` (limit at least 1).
    pub fn new(limit: u32, window: Duration) -> Self {
        let limit = limit.max(1) as usize;
        Self { inner: Arc::new(Inner { limit, window, slots: Mutex::new(VecDeque::with_capacity(limit)) }) }
    }

    /// The most requests let through per window.
    pub fn limit(&self) -> u32 {
        self.inner.limit as u32
    }

    /// Waits until one more request may be sent, and counts it.
    pub async fn acquire(&self) {
        let slot = {
            let mut slots = self.inner.slots.lock().await;
            let now = Instant::now();
            let slot = if slots.len() >= self.inner.limit {
                let oldest = slots[slots.len() - self.inner.limit];
                now.max(oldest + self.inner.window)
            } else {
                now
            };
            slots.push_back(slot);
            while slots.len() > self.inner.limit {
                slots.pop_front();
            }
            slot
        };
        // The slot is reserved; waiting happens outside the lock so others can reserve theirs.
        tokio::time::sleep_until(slot).await;
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::per_second(DEFAULT_REQUESTS_PER_SECOND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_holds_more_than_the_limit() {
        let limiter = RateLimiter::new(10, Duration::from_secs(1));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..35 {
            let limiter = limiter.clone();
            handles.push(tokio::spawn(async move {
                limiter.acquire().await;
                Instant::now() - start
            }));
        }
        let mut times = Vec::new();
        for handle in handles {
            times.push(handle.await.unwrap());
        }
        times.sort();
        for (i, t) in times.iter().enumerate() {
            if i >= 10 {
                assert!(*t - times[i - 10] >= Duration::from_secs(1), "request {i} at {t:?}");
            }
        }
        assert_eq!(times.iter().filter(|t| **t < Duration::from_secs(1)).count(), 10);
        assert!(times[34] >= Duration::from_secs(3) && times[34] < Duration::from_secs(4), "{:?}", times[34]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_does_not_wait() {
        let limiter = RateLimiter::per_second(2);
        limiter.acquire().await;
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let before = Instant::now();
        limiter.acquire().await;
        assert_eq!(Instant::now(), before);
    }
}
