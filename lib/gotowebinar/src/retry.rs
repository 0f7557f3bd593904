//! When to try a request again: one pure decision function, tested as a table.
//!
//! Whether a request may be repeated is a property of the operation (a `PUT …/copy` creates a
//! webinar), not of its HTTP method, so callers pass a [`RequestKind`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

/// Whether sending a request twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Reads, updates that set a state, deletes, searches: repeating them changes nothing.
    Repeatable,
    /// Creates: repeating one that reached GoTo may create a duplicate.
    NonRepeatable,
}

/// What came of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// GoTo answered with this status, and possibly a `Retry-After`.
    Status(u16, Option<Duration>),
    /// No answer. `maybe_sent` is false only when the request provably never left
    /// (the connection was refused before anything was sent).
    NetworkError {
        /// Whether GoTo may have received the request.
        maybe_sent: bool,
    },
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Return the outcome to the caller.
    Stop,
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
}

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// The first backoff delay; each further one doubles it.
    pub base_delay: Duration,
    /// No backoff delay is longer than this.
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }
}

/// Statuses that mean "try again later": timeout, throttling, and server or gateway failures.
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Decides whether to retry after `attempt` attempts (1 after the first) that took `elapsed`.
pub fn decide(
    kind: RequestKind,
    outcome: Outcome,
    attempt: u32,
    elapsed: Duration,
    policy: &RetryPolicy,
) -> Decision {
    decide_with_rng(kind, outcome, attempt, elapsed, policy, &mut rand::thread_rng())
}

/// [`decide`] with the jitter drawn from `rng`.
pub fn decide_with_rng(
    kind: RequestKind,
    outcome: Outcome,
    attempt: u32,
    elapsed: Duration,
    policy: &RetryPolicy,
    rng: &mut impl Rng,
) -> Decision {
    if attempt >= policy.max_attempts.max(1) {
        return Decision::Stop;
    }
    let retry_after = match outcome {
        Outcome::Status(status, retry_after) => {
            if !is_transient_status(status) {
                return Decision::Stop;
            }
            // A 429 is refused before GoTo acts on the request, so even a create may be repeated;
            // any other status means the request may have had its effect.
            if kind == RequestKind::NonRepeatable && status != 429 {
                return Decision::Stop;
            }
            retry_after
        }
        Outcome::NetworkError { maybe_sent } => {
            if maybe_sent && kind == RequestKind::NonRepeatable {
                return Decision::Stop;
            }
            None
        }
    };
    let delay = retry_after.unwrap_or_else(|| backoff(attempt, policy, rng));
    if elapsed.saturating_add(delay) > policy.deadline {
        // Waiting past the deadline (also when GoTo asks for it) is giving up late.
        return Decision::Stop;
    }
    Decision::RetryAfter(delay)
}

/// The policy's backoff after `attempt` attempts (see [`jittered_backoff`]).
pub fn backoff(attempt: u32, policy: &RetryPolicy, rng: &mut impl Rng) -> Duration {
    jittered_backoff(policy.base_delay, policy.max_delay, attempt, rng)
}

/// The one backoff of this crate, for API retries and token requests alike: half of
/// `min(cap, base·2^(attempt-1))` plus a random part of up to the other half, so delays grow,
/// never exceed the cap, and spread out.
pub fn jittered_backoff(base: Duration, cap: Duration, attempt: u32, rng: &mut impl Rng) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let ceiling = base.saturating_mul(1u32 << exponent).min(cap);
    let half = ceiling / 2;
    let jitter_ms = rng.gen_range(0..=(ceiling - half).as_millis() as u64);
    half + Duration::from_millis(jitter_ms)
}

/// The `Retry-After` of an answer (API or token endpoint), read by [`parse_retry_after`].
pub fn retry_after_header(headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now)
}

/// Reads a `Retry-After` header: delay-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use RequestKind::{NonRepeatable, Repeatable};

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    fn status(code: u16) -> Outcome {
        Outcome::Status(code, None)
    }

    fn retries(kind: RequestKind, outcome: Outcome) -> bool {
        matches!(decide(kind, outcome, 1, Duration::ZERO, &policy()), Decision::RetryAfter(_))
    }

    #[test]
    fn status_table() {
        // (status, repeatable retried?, non-repeatable retried?)
        let table = [
            (408, true, false),
            (429, true, true),
            (500, true, false),
            (502, true, false),
            (503, true, false),
            (504, true, false),
            (400, false, false),
            (401, false, false),
            (403, false, false),
            (404, false, false),
            (405, false, false),
            (409, false, false),
            (422, false, false),
            (501, false, false),
            (200, false, false),
        ];
        for (code, repeatable, non_repeatable) in table {
            assert_eq!(retries(Repeatable, status(code)), repeatable, "{code} repeatable");
            assert_eq!(retries(NonRepeatable, status(code)), non_repeatable, "{code} non-repeatable");
        }
    }

    #[test]
    fn network_table() {
        let refused = Outcome::NetworkError { maybe_sent: false };
        let reset = Outcome::NetworkError { maybe_sent: true };
        assert!(retries(Repeatable, refused));
        assert!(retries(Repeatable, reset));
        assert!(retries(NonRepeatable, refused), "a create that never left may be sent again");
        assert!(!retries(NonRepeatable, reset), "a create that may have arrived is not replayed");
    }

    #[test]
    fn attempts_are_capped() {
        let p = RetryPolicy { max_attempts: 3, ..policy() };
        assert!(matches!(decide(Repeatable, status(503), 2, Duration::ZERO, &p), Decision::RetryAfter(_)));
        assert_eq!(decide(Repeatable, status(503), 3, Duration::ZERO, &p), Decision::Stop);
        assert_eq!(decide(Repeatable, status(503), 1, Duration::ZERO, &RetryPolicy::none()), Decision::Stop);
    }

    #[test]
    fn retry_after_wins_within_the_deadline() {
        let wait = Duration::from_secs(7);
        let got = decide(Repeatable, Outcome::Status(429, Some(wait)), 1, Duration::ZERO, &policy());
        assert_eq!(got, Decision::RetryAfter(wait), "longer than the backoff cap, still honoured");
        let got =
            decide(Repeatable, Outcome::Status(503, Some(Duration::ZERO)), 4, Duration::ZERO, &policy());
        assert_eq!(got, Decision::RetryAfter(Duration::ZERO));
        let late =
            decide(Repeatable, Outcome::Status(429, Some(wait)), 1, Duration::from_secs(25), &policy());
        assert_eq!(late, Decision::Stop, "a wait that ends past the deadline is not started");
    }

    #[test]
    fn delays_grow_are_capped_jittered_and_fit_the_deadline() {
        let p = RetryPolicy { max_attempts: 20, ..policy() };
        let mut rng = StdRng::seed_from_u64(7);
        let mut previous_ceiling = Duration::ZERO;
        for attempt in 1..12 {
            let delays: Vec<Duration> = (0..200).map(|_| backoff(attempt, &p, &mut rng)).collect();
            let min = *delays.iter().min().unwrap();
            let max = *delays.iter().max().unwrap();
            assert!(max <= p.max_delay, "attempt {attempt}: {max:?} over the cap");
            assert!(min >= previous_ceiling.min(p.max_delay / 2), "attempt {attempt}: {min:?} shrank");
            assert!(max > min, "attempt {attempt}: no jitter");
            previous_ceiling = max;
        }
        assert!(backoff(1, &p, &mut rng) <= Duration::from_millis(200));
        assert!(backoff(12, &p, &mut rng) >= Duration::from_millis(2500));

        // Simulate a request that always fails: the waits never pass the deadline.
        let mut elapsed = Duration::ZERO;
        let mut attempt = 1;
        while let Decision::RetryAfter(delay) =
            decide_with_rng(Repeatable, status(503), attempt, elapsed, &p, &mut rng)
        {
            elapsed += delay;
            attempt += 1;
        }
        assert!(elapsed <= p.deadline, "{elapsed:?}");
        assert!(attempt > 5, "gave up after {attempt} attempts");
    }

    #[test]
    fn retry_after_header_forms() {
        let now = DateTime::parse_from_rfc3339("2026-03-13T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Fri, 13 Mar 2026 10:00:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Fri, 13 Mar 2026 09:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_is_read_from_the_headers() {
        let now = DateTime::parse_from_rfc3339("2026-03-13T10:00:00Z").unwrap().with_timezone(&Utc);
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after_header(&headers, now), None);
        headers.insert(reqwest::header::RETRY_AFTER, "4".parse().unwrap());
        assert_eq!(retry_after_header(&headers, now), Some(Duration::from_secs(4)));
        headers.insert(reqwest::header::RETRY_AFTER, "Fri, 13 Mar 2026 10:00:09 GMT".parse().unwrap());
        assert_eq!(retry_after_header(&headers, now), Some(Duration::from_secs(9)));
    }
}
