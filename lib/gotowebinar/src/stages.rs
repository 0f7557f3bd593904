//! The three stages every request of [`crate::client::GoToWebinar::send`] passes through, each
//! small enough to test alone: authorize (the bearer token, refreshed once when GoTo rejects it),
//! throttle (the client-side rate limit) and retry (whether and when to send again).

use std::time::Duration;

use reqwest::Method;
use tokio::time::Instant;

use crate::auth::AccessTokenSource;
use crate::error::Result;
use crate::rate_limit::RateLimiter;
use crate::retry::{decide, Decision, Outcome, RequestKind, RetryPolicy};
use crate::secret::AccessToken;

/// Authorize: the token one request is sent with, replaced at most once when GoTo rejects it.
pub(crate) struct Authorizer<'a> {
    tokens: &'a dyn AccessTokenSource,
    token: AccessToken,
    refreshed: bool,
}

impl<'a> Authorizer<'a> {
    /// Takes a currently valid token from `tokens`.
    pub(crate) async fn start(tokens: &'a dyn AccessTokenSource) -> Result<Self> {
        let token = tokens.access_token().await?;
        Ok(Self { tokens, token, refreshed: false })
    }

    /// The token to send.
    pub(crate) fn token(&self) -> &AccessToken {
        &self.token
    }

    /// Whether a rejected token may still be replaced (once per request, so a credential GoTo
    /// keeps rejecting cannot loop).
    pub(crate) fn may_refresh(&self) -> bool {
        !self.refreshed
    }

    /// Replaces the rejected token.
    pub(crate) async fn refresh(&mut self) -> Result<()> {
        self.refreshed = true;
        self.token = self.tokens.refresh_rejected(&self.token).await?;
        Ok(())
    }
}

/// Throttle: waits for the rate limiter, when there is one, before each attempt.
pub(crate) async fn throttle(limiter: Option<&RateLimiter>) {
    if let Some(limiter) = limiter {
        limiter.acquire().await;
    }
}

/// Retry: counts attempts, remembers whether an earlier one may have taken effect, and decides
/// after each failure whether to send again.
pub(crate) struct Retrier<'p> {
    kind: RequestKind,
    policy: &'p RetryPolicy,
    started: Instant,
    attempt: u32,
    maybe_applied: bool,
}

impl<'p> Retrier<'p> {
    /// Starts the clock for one request of `kind`.
    pub(crate) fn new(kind: RequestKind, policy: &'p RetryPolicy) -> Self {
        Self { kind, policy, started: Instant::now(), attempt: 0, maybe_applied: false }
    }

    /// Counts the attempt about to be sent and returns its number (1 for the first).
    pub(crate) fn begin(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// The attempt was refused for its token and is sent again: a replay, not a retry.
    pub(crate) fn replay(&mut self) {
        self.attempt = self.attempt.saturating_sub(1);
    }

    /// Whether a non-success `status` still means done: a retried `DELETE` that finds the
    /// resource gone after an earlier attempt may have deleted it.
    pub(crate) fn already_done(&self, method: &Method, status: u16) -> bool {
        status == 404 && *method == Method::DELETE && self.maybe_applied
    }

    /// Decides after GoTo answered with an error `status`.
    pub(crate) fn after_status(&mut self, status: u16, retry_after: Option<Duration>) -> Decision {
        let decision = self.decide(Outcome::Status(status, retry_after));
        // 408 and 429 are refused before GoTo acts on the request.
        if decision != Decision::Stop && !matches!(status, 408 | 429) {
            self.maybe_applied = true;
        }
        decision
    }

    /// Decides after no answer came. `certificate_refused`: the TLS handshake refused the
    /// server's certificate, which every further try would meet again.
    pub(crate) fn after_network(&mut self, maybe_sent: bool, certificate_refused: bool) -> Decision {
        if certificate_refused {
            return Decision::Stop;
        }
        let decision = self.decide(Outcome::NetworkError { maybe_sent });
        if decision != Decision::Stop && maybe_sent {
            self.maybe_applied = true;
        }
        decision
    }

    fn decide(&self, outcome: Outcome) -> Decision {
        decide(self.kind, outcome, self.attempt, self.started.elapsed(), self.policy)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::error::Error;
    use RequestKind::{NonRepeatable, Repeatable};

    /// Hands out `t0`, and `t1`, `t2`, … on each refresh.
    struct Counting(AtomicU32);

    #[async_trait]
    impl AccessTokenSource for Counting {
        async fn access_token(&self) -> Result<AccessToken> {
            Ok(AccessToken::new("t0"))
        }

        async fn refresh_rejected(&self, rejected: &AccessToken) -> Result<AccessToken> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            assert_eq!(rejected.expose(), format!("t{}", n - 1), "the rejected token is passed on");
            Ok(AccessToken::new(format!("t{n}")))
        }
    }

    struct Failing;

    #[async_trait]
    impl AccessTokenSource for Failing {
        async fn access_token(&self) -> Result<AccessToken> {
            Err(Error::TokenUnavailable { message: "down".into() })
        }

        async fn refresh_rejected(&self, _: &AccessToken) -> Result<AccessToken> {
            unreachable!("no token was handed out")
        }
    }

    #[tokio::test]
    async fn authorize_refreshes_a_rejected_token_once() {
        let source = Counting(AtomicU32::new(0));
        let mut auth = Authorizer::start(&source).await.unwrap();
        assert_eq!(auth.token().expose(), "t0");
        assert!(auth.may_refresh());
        auth.refresh().await.unwrap();
        assert_eq!(auth.token().expose(), "t1");
        assert!(!auth.may_refresh(), "a second rejection is final");
        assert_eq!(source.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn authorize_passes_on_a_token_failure() {
        let failed = Authorizer::start(&Failing).await.err().expect("no token, no request");
        assert!(matches!(failed, Error::TokenUnavailable { .. }), "{failed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_waits_only_with_a_limiter() {
        let before = Instant::now();
        for _ in 0..50 {
            throttle(None).await;
        }
        assert_eq!(Instant::now(), before, "no limiter, no wait");

        let limiter = RateLimiter::new(2, Duration::from_secs(1));
        for _ in 0..3 {
            throttle(Some(&limiter)).await;
        }
        assert_eq!(Instant::now() - before, Duration::from_secs(1), "the third request waits a window");
    }

    #[tokio::test]
    async fn retry_counts_attempts_but_not_replays() {
        let policy = RetryPolicy { max_attempts: 2, ..RetryPolicy::default() };
        let mut retry = Retrier::new(Repeatable, &policy);
        assert_eq!(retry.begin(), 1);
        retry.replay();
        assert_eq!(retry.begin(), 1, "a replay with a new token is the same attempt");
        assert!(matches!(retry.after_status(503, None), Decision::RetryAfter(_)));
        assert_eq!(retry.begin(), 2);
        assert_eq!(retry.after_status(503, None), Decision::Stop, "attempts are capped");
    }

    #[tokio::test]
    async fn retry_remembers_what_may_have_taken_effect() {
        let policy = RetryPolicy::default();
        let delete = Method::DELETE;

        // Throttled or timed out before GoTo acted: a 404 afterwards is a real 404.
        for refused_early in [429, 408] {
            let mut retry = Retrier::new(Repeatable, &policy);
            retry.begin();
            assert!(matches!(retry.after_status(refused_early, None), Decision::RetryAfter(_)));
            assert!(!retry.already_done(&delete, 404), "{refused_early}");
        }

        // A 503 or a reset connection may have deleted it.
        let mut retry = Retrier::new(Repeatable, &policy);
        retry.begin();
        assert!(!retry.already_done(&delete, 404), "nothing was sent before");
        retry.after_status(503, None);
        assert!(retry.already_done(&delete, 404));
        assert!(!retry.already_done(&Method::GET, 404), "only a delete is done by a 404");
        assert!(!retry.already_done(&delete, 500));

        let mut retry = Retrier::new(Repeatable, &policy);
        retry.begin();
        assert!(matches!(retry.after_network(true, false), Decision::RetryAfter(_)));
        assert!(retry.already_done(&delete, 404));

        // A refused connection sent nothing.
        let mut retry = Retrier::new(Repeatable, &policy);
        retry.begin();
        assert!(matches!(retry.after_network(false, false), Decision::RetryAfter(_)));
        assert!(!retry.already_done(&delete, 404));
    }

    #[tokio::test]
    async fn retry_stops_at_a_refused_certificate_and_for_creates_that_may_have_arrived() {
        let policy = RetryPolicy::default();
        let mut retry = Retrier::new(Repeatable, &policy);
        retry.begin();
        assert_eq!(retry.after_network(true, true), Decision::Stop);

        let mut create = Retrier::new(NonRepeatable, &policy);
        create.begin();
        assert_eq!(create.after_network(true, false), Decision::Stop);
        assert_eq!(create.after_status(503, None), Decision::Stop);
        assert!(matches!(create.after_network(false, false), Decision::RetryAfter(_)));
        assert_eq!(
            create.after_status(429, Some(Duration::from_secs(2))),
            Decision::RetryAfter(Duration::from_secs(2)),
            "a throttled create was never applied"
        );
    }
}
