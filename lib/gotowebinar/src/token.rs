//! The token manager: serves a valid access token, refreshes it before it expires (once, however
//! many callers ask), survives a flaky token endpoint while the old token still works, and hands
//! every refreshed credential to a [`CredentialStore`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::auth::AccessTokenSource;
use crate::clock::{to_delta, Clock, SystemClock};
use crate::error::{Error, OAuthError, Result};
use crate::oauth::{format_time, OAuthClient, OAuthKeys, TokenRequestError};
use crate::retry::jittered_backoff;
use crate::secret::{AccessToken, RefreshToken};

/// A failure to save or re-read a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    /// What went wrong (must not contain secrets).
    pub message: String,
}

impl StoreError {
    /// Builds the error from a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// Where refreshed credentials go, and where credentials refreshed elsewhere come from.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Persists the complete, merged keys after a successful refresh. Called exactly once per
    /// refresh.
    async fn save(&self, keys: &OAuthKeys) -> Result<(), StoreError>;

    /// Re-reads the stored keys, which another process may have refreshed since they were
    /// loaded. `Ok(None)` means this store cannot re-read (the default).
    async fn reload(&self) -> Result<Option<OAuthKeys>, StoreError> {
        Ok(None)
    }
}

/// A credential store in memory: it records every save, and `reload` answers the latest keys
/// (saved here or put with [`MemoryStore::put`]).
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    current: Option<OAuthKeys>,
    saves: Vec<OAuthKeys>,
}

impl MemoryStore {
    /// An empty store (`reload` answers `None` until something is saved or put).
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `keys`.
    pub fn with_keys(keys: OAuthKeys) -> Self {
        Self { state: Mutex::new(MemoryState { current: Some(keys), saves: Vec::new() }) }
    }

    /// Replaces the stored keys without counting a save (as another process writing them).
    pub fn put(&self, keys: OAuthKeys) {
        self.lock().current = Some(keys);
    }

    /// The stored keys.
    pub fn current(&self) -> Option<OAuthKeys> {
        self.lock().current.clone()
    }

    /// Every saved key set, oldest first.
    pub fn saves(&self) -> Vec<OAuthKeys> {
        self.lock().saves.clone()
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryStore")
            .field("current", &state.current)
            .field("saves", &state.saves.len())
            .finish()
    }
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn save(&self, keys: &OAuthKeys) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.saves.push(keys.clone());
        state.current = Some(keys.clone());
        Ok(())
    }

    async fn reload(&self) -> Result<Option<OAuthKeys>, StoreError> {
        Ok(self.lock().current.clone())
    }
}

/// Tuning of the [`TokenManager`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenManagerConfig {
    /// Refresh this long before expiry; a token living less than four times this refreshes at
    /// three quarters of its lifetime instead.
    pub skew: Duration,
    /// The longest one refresh may keep retrying a failing token endpoint.
    pub refresh_retry_deadline: Duration,
    /// Token requests per refresh, first one included.
    pub max_refresh_attempts: u32,
    /// After `invalid_grant`: how many times to re-read the store for keys refreshed elsewhere.
    pub reload_attempts: u32,
    /// Pause between those re-reads.
    pub reload_interval: Duration,
    /// First backoff delay between token requests (doubles per attempt, jittered).
    pub backoff_base: Duration,
    /// Largest backoff delay.
    pub backoff_cap: Duration,
}

impl Default for TokenManagerConfig {
    fn default() -> Self {
        Self {
            skew: Duration::from_secs(300),
            refresh_retry_deadline: Duration::from_secs(30),
            max_refresh_attempts: 4,
            reload_attempts: 3,
            reload_interval: Duration::from_secs(1),
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(8),
        }
    }
}

impl TokenManagerConfig {
    /// The backoff before retry number `attempt` (1 = after the first failure): exponential,
    /// capped, with the upper half jittered.
    pub fn backoff(&self, attempt: u32) -> Duration {
        jittered_backoff(self.backoff_base, self.backoff_cap, attempt, &mut rand::thread_rng())
    }
}

/// Serves access tokens for one credential and keeps them fresh.
///
/// - A token is used until `expires_at - skew`, where skew = min(configured skew, a quarter of
///   the token's lifetime); after that it is refreshed before being served.
/// - Concurrent callers share one refresh; a failed refresh is not remembered.
/// - A token whose expiry is unknown is used as is; [`AccessTokenSource::refresh_rejected`]
///   refreshes it when GoTo rejects it.
/// - Transient token endpoint failures are retried with backoff; meanwhile a token that has not
///   expired yet keeps being served.
/// - `invalid_grant` first re-reads the store, in case another process rotated the refresh
///   token; otherwise it is a terminal [`Error::Reauthorize`].
/// - Every successful refresh is saved exactly once; a failed save is logged and the fresh
///   token is still used.
///
/// A token that is still fresh is served without asking the token endpoint:
///
/// ```
/// use std::sync::Arc;
///
/// use gotowebinar::{AccessTokenSource, MemoryStore, OAuthClient, OAuthKeys, Origins, Secret, TokenManager};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> gotowebinar::Result<()> {
/// let oauth = OAuthClient::new("client id", Secret::new("client secret"), Origins::default())?;
/// let keys = OAuthKeys::from_value(serde_json::json!({
///     "access_token": "an access token",
///     "refresh_token": "a refresh token",
///     "expires_at": "2999-01-01T00:00:00Z",
/// }))?;
/// let tokens = TokenManager::new(oauth, keys, Arc::new(MemoryStore::new()));
/// assert_eq!(tokens.access_token().await?.expose(), "an access token");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

struct Inner {
    client: OAuthClient,
    store: Arc<dyn CredentialStore>,
    clock: Arc<dyn Clock>,
    config: TokenManagerConfig,
    state: Mutex<State>,
    // Serializes the in-memory update and save of successive refreshes so saves keep their order.
    save_lock: tokio::sync::Mutex<()>,
    next_flight: AtomicU64,
}

struct State {
    keys: OAuthKeys,
    flight: Option<Flight>,
}

/// The refresh in progress, shared by every caller waiting for it.
struct Flight {
    id: u64,
    status: watch::Receiver<FlightStatus>,
}

#[derive(Clone)]
enum FlightStatus {
    Running { failed_attempts: u32 },
    Done(std::result::Result<AccessToken, Failure>),
}

#[derive(Clone)]
enum Failure {
    Rejected(OAuthError),
    Unavailable(String),
}

impl From<Failure> for Error {
    fn from(value: Failure) -> Self {
        match value {
            Failure::Rejected(e) => Error::Reauthorize(Box::new(e)),
            Failure::Unavailable(message) => Error::TokenUnavailable { message },
        }
    }
}

/// What the current keys allow.
enum Assessment {
    /// Use this token (fresh, or of unknown expiry).
    Use(AccessToken),
    /// Inside the skew: refresh, but this token works until `expires_at`.
    Stale { token: AccessToken, expires_at: DateTime<Utc> },
    /// Expired or missing: a refresh is needed.
    Refresh,
}

fn assess(keys: &OAuthKeys, now: DateTime<Utc>, config: &TokenManagerConfig) -> Assessment {
    let Some(token) = keys.access_token() else {
        return Assessment::Refresh;
    };
    let Some(expires_at) = keys.expires_at() else {
        return Assessment::Use(token);
    };
    let configured = to_delta(config.skew);
    let skew = match keys.lifetime() {
        Some(lifetime) => configured.min(lifetime / 4),
        None => configured,
    };
    if now >= expires_at {
        Assessment::Refresh
    } else if now > expires_at.checked_sub_signed(skew).unwrap_or(DateTime::<Utc>::MIN_UTC) {
        Assessment::Stale { token, expires_at }
    } else {
        Assessment::Use(token)
    }
}

impl TokenManager {
    /// A manager for `keys`, refreshing through `client` and saving to `store`, with the default
    /// configuration and the system clock.
    pub fn new(client: OAuthClient, keys: OAuthKeys, store: Arc<dyn CredentialStore>) -> Self {
        Self::build(client, keys, store, TokenManagerConfig::default(), Arc::new(SystemClock))
    }

    /// The same manager with another configuration.
    pub fn with_config(self, config: TokenManagerConfig) -> Self {
        let inner = &self.inner;
        Self::build(inner.client.clone(), self.keys(), inner.store.clone(), config, inner.clock.clone())
    }

    /// The same manager with another clock (tests drive expiry with it).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let inner = &self.inner;
        Self::build(inner.client.clone(), self.keys(), inner.store.clone(), inner.config.clone(), clock)
    }

    fn build(
        client: OAuthClient,
        keys: OAuthKeys,
        store: Arc<dyn CredentialStore>,
        config: TokenManagerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                store,
                clock,
                config,
                state: Mutex::new(State { keys, flight: None }),
                save_lock: tokio::sync::Mutex::new(()),
                next_flight: AtomicU64::new(1),
            }),
        }
    }

    /// The current keys, merged with every refresh so far.
    pub fn keys(&self) -> OAuthKeys {
        self.inner.lock().keys.clone()
    }

    /// The configuration in use.
    pub fn config(&self) -> &TokenManagerConfig {
        &self.inner.config
    }

    /// Refreshes now, whatever the current token's expiry (joins a refresh already running).
    pub async fn refresh_now(&self) -> Result<AccessToken> {
        let status = {
            let mut state = self.inner.lock();
            self.join_or_start(&mut state)
        };
        self.await_flight(status, None).await
    }

    /// Waits until no refresh is running or being saved. A caller served a still-valid token
    /// while a refresh retries in the background calls this before its process may end, so a
    /// rotated refresh token is saved instead of being lost with the process.
    pub async fn settle(&self) {
        let running = self.inner.lock().flight.as_ref().map(|flight| flight.status.clone());
        if let Some(mut status) = running {
            // An error means the flight's task is gone; nothing is left to wait for.
            let _ = status.wait_for(|s| matches!(s, FlightStatus::Done(_))).await;
        }
        // A refresh clears its flight before saving; the save holds this lock until it is done.
        drop(self.inner.save_lock.lock().await);
    }

    /// The receiver of the running refresh, or of a new one.
    fn join_or_start(&self, state: &mut State) -> watch::Receiver<FlightStatus> {
        if let Some(flight) = &state.flight {
            return flight.status.clone();
        }
        let id = self.inner.next_flight.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = watch::channel(FlightStatus::Running { failed_attempts: 0 });
        state.flight = Some(Flight { id, status: rx.clone() });
        // A task of its own: the refresh completes (and its result is saved) even when every
        // caller gives up waiting, so a rotated refresh token is never lost mid-way.
        tokio::spawn(run_flight(self.inner.clone(), id, tx));
        rx
    }

    /// Waits for a refresh. With a `fallback` (a stale token that has not expired), a failed
    /// attempt answers the fallback instead of waiting for the retries.
    async fn await_flight(
        &self,
        mut status: watch::Receiver<FlightStatus>,
        mut fallback: Option<(AccessToken, DateTime<Utc>)>,
    ) -> Result<AccessToken> {
        loop {
            let keep_old = fallback.is_some();
            let current = match status
                .wait_for(|s| match s {
                    FlightStatus::Done(_) => true,
                    FlightStatus::Running { failed_attempts } => keep_old && *failed_attempts > 0,
                })
                .await
            {
                Ok(current) => current.clone(),
                Err(_) => {
                    return Err(Error::TokenUnavailable {
                        message: "the token refresh stopped unexpectedly".into(),
                    })
                }
            };
            let failure = match current {
                FlightStatus::Done(Ok(token)) => return Ok(token),
                FlightStatus::Done(Err(Failure::Rejected(e))) => return Err(Error::Reauthorize(Box::new(e))),
                FlightStatus::Done(Err(failure)) => Some(failure),
                FlightStatus::Running { .. } => None,
            };
            if let Some((old, expires_at)) = fallback.take() {
                if self.inner.clock.now() < expires_at {
                    tracing::warn!(
                        expires_at = %format_time(expires_at),
                        "refreshing the GoToWebinar access token failed for now; the current token is still valid and stays in use"
                    );
                    return Ok(old);
                }
            }
            if let Some(failure) = failure {
                return Err(failure.into());
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends flight `id` in the shared state (if it is still the current one).
    fn clear_flight(&self, id: u64) {
        let mut state = self.lock();
        if state.flight.as_ref().map(|f| f.id) == Some(id) {
            state.flight = None;
        }
    }

    /// The whole refresh: retries, `invalid_grant` recovery, save.
    async fn refresh(
        &self,
        id: u64,
        tx: &watch::Sender<FlightStatus>,
    ) -> std::result::Result<AccessToken, Failure> {
        let keys = self.lock().keys.clone();
        let Some(refresh_token) = keys.refresh_token() else {
            return Err(Failure::Unavailable(
                "the credential has no valid access token and no refresh token: re-authorize this GoToWebinar credential"
                    .into(),
            ));
        };
        match self.request_with_retries(&refresh_token, tx).await {
            Ok(response) => Ok(self.commit(id, keys, response).await),
            Err(Failure::Rejected(e)) if e.error == "invalid_grant" => {
                self.recover_from_store(id, &refresh_token, e, tx).await
            }
            Err(failure) => Err(failure),
        }
    }

    /// Token requests with capped, jittered exponential backoff (or `Retry-After`) within the
    /// attempt limit and the deadline.
    async fn request_with_retries(
        &self,
        refresh_token: &RefreshToken,
        tx: &watch::Sender<FlightStatus>,
    ) -> std::result::Result<OAuthKeys, Failure> {
        let deadline = later(self.clock.now(), self.config.refresh_retry_deadline);
        let max_attempts = self.config.max_refresh_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (message, retry_after) = match self.client.try_refresh(refresh_token).await {
                Ok(response) => return Ok(response),
                Err(TokenRequestError::Rejected(e)) => {
                    tracing::warn!(error = %e, "the token endpoint rejected the GoToWebinar credential");
                    return Err(Failure::Rejected(e));
                }
                Err(TokenRequestError::Transient { message, retry_after }) => (message, retry_after),
                Err(other) => return Err(Failure::Unavailable(other.to_string())),
            };
            if attempt >= max_attempts {
                return Err(Failure::Unavailable(format!("{message} (gave up after {attempt} attempts)")));
            }
            let delay = retry_after.unwrap_or_else(|| self.config.backoff(attempt));
            if later(self.clock.now(), delay) > deadline {
                return Err(Failure::Unavailable(format!(
                    "{message} (gave up after {attempt} attempts: the next one, in {} ms, would pass the {} s deadline)",
                    delay.as_millis(),
                    self.config.refresh_retry_deadline.as_secs()
                )));
            }
            tracing::warn!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                "refreshing the GoToWebinar access token failed, retrying: {message}"
            );
            tx.send_replace(FlightStatus::Running { failed_attempts: attempt });
            self.clock.sleep(delay).await;
        }
    }

    /// Merges a token response into `keys`, installs the result and saves it (exactly once).
    async fn commit(&self, id: u64, mut keys: OAuthKeys, response: OAuthKeys) -> AccessToken {
        keys.merge_refresh(response.into_map(), self.clock.now());
        // `classify` accepts only answers with an access token; fall back to an empty secret
        // rather than panic if that ever changes.
        let token = keys.access_token().unwrap_or_else(|| AccessToken::new(""));
        let _ordered = self.save_lock.lock().await;
        self.install(id, keys.clone());
        tracing::info!(
            expires_at = keys.get(crate::oauth::EXPIRES_AT).and_then(|v| v.as_str()).unwrap_or("unknown"),
            "GoToWebinar access token refreshed"
        );
        if let Err(e) = self.store.save(&keys).await {
            tracing::error!(
                error = %e,
                "the refreshed GoToWebinar credential could NOT be saved; this process keeps using the new token, \
                 but other processes and the next start will load the old keys (re-authorize if refreshing fails then)"
            );
        }
        token
    }

    /// Replaces the current keys and ends flight `id` in one step, so no caller sees the new keys
    /// while still joining the old flight.
    fn install(&self, id: u64, keys: OAuthKeys) {
        let mut state = self.lock();
        state.keys = keys;
        if state.flight.as_ref().map(|f| f.id) == Some(id) {
            state.flight = None;
        }
    }

    /// After `invalid_grant`: re-read the store until it holds a different refresh token
    /// (another process rotated it), then adopt those keys.
    async fn recover_from_store(
        &self,
        id: u64,
        rejected: &RefreshToken,
        original: OAuthError,
        tx: &watch::Sender<FlightStatus>,
    ) -> std::result::Result<AccessToken, Failure> {
        for attempt in 0..self.config.reload_attempts {
            if attempt > 0 {
                self.clock.sleep(self.config.reload_interval).await;
            }
            match self.store.reload().await {
                Ok(None) => break,
                Ok(Some(keys)) => match keys.refresh_token() {
                    Some(token) if token != *rejected => return self.adopt(id, keys, tx).await,
                    _ => {}
                },
                Err(e) => tracing::warn!(error = %e, "re-reading the stored GoToWebinar credential failed"),
            }
        }
        Err(Failure::Rejected(original))
    }

    /// Uses keys another process refreshed: their access token when it is still valid, else one
    /// refresh with their refresh token (retried like any refresh).
    async fn adopt(
        &self,
        id: u64,
        keys: OAuthKeys,
        tx: &watch::Sender<FlightStatus>,
    ) -> std::result::Result<AccessToken, Failure> {
        tracing::info!("picked up a GoToWebinar credential refreshed elsewhere");
        match assess(&keys, self.clock.now(), &self.config) {
            Assessment::Use(token) | Assessment::Stale { token, .. } => {
                self.install(id, keys);
                Ok(token)
            }
            Assessment::Refresh => {
                let Some(refresh_token) = keys.refresh_token() else {
                    return Err(Failure::Unavailable("the re-read credential has no refresh token".into()));
                };
                self.install(id, keys.clone());
                let response = self.request_with_retries(&refresh_token, tx).await?;
                Ok(self.commit(id, keys, response).await)
            }
        }
    }
}

/// `time + duration`, saturating at the latest representable time.
fn later(time: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    time.checked_add_signed(to_delta(duration)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Clears the flight slot if the refresh task ends without finishing (a panic), so the next
/// caller starts a new refresh instead of waiting on a dead one.
struct FlightGuard {
    inner: Arc<Inner>,
    id: u64,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        self.inner.clear_flight(self.id);
    }
}

async fn run_flight(inner: Arc<Inner>, id: u64, tx: watch::Sender<FlightStatus>) {
    let guard = FlightGuard { inner: inner.clone(), id };
    let result = inner.refresh(id, &tx).await;
    drop(guard);
    tx.send_replace(FlightStatus::Done(result));
}

#[async_trait]
impl AccessTokenSource for TokenManager {
    async fn access_token(&self) -> Result<AccessToken> {
        let (status, fallback) = {
            let mut state = self.inner.lock();
            match assess(&state.keys, self.inner.clock.now(), &self.inner.config) {
                Assessment::Use(token) => return Ok(token),
                Assessment::Stale { token, expires_at } => {
                    (self.join_or_start(&mut state), Some((token, expires_at)))
                }
                Assessment::Refresh => (self.join_or_start(&mut state), None),
            }
        };
        self.await_flight(status, fallback).await
    }

    async fn refresh_rejected(&self, rejected: &AccessToken) -> Result<AccessToken> {
        let status = {
            let mut state = self.inner.lock();
            if state.keys.access_token().is_some_and(|current| current != *rejected) {
                // Someone replaced the rejected token already; use theirs if it is still good.
                match assess(&state.keys, self.inner.clock.now(), &self.inner.config) {
                    Assessment::Use(token) | Assessment::Stale { token, .. } => return Ok(token),
                    Assessment::Refresh => {}
                }
            }
            self.join_or_start(&mut state)
        };
        self.await_flight(status, None).await
    }
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("TokenManager")
            .field("client", &self.inner.client)
            .field("keys", &state.keys)
            .field("refreshing", &state.flight.is_some())
            .field("config", &self.inner.config)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn keys(json: serde_json::Value) -> OAuthKeys {
        OAuthKeys::from_value(json).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn skew_is_the_smaller_of_configured_and_a_quarter_of_the_lifetime() {
        let config = TokenManagerConfig::default();
        let short = keys(serde_json::json!({
            "access_token": "a", "refreshed_at": "2026-03-13T10:00:00Z", "expires_at": "2026-03-13T10:00:04Z"
        }));
        assert!(matches!(assess(&short, at("2026-03-13T10:00:03Z"), &config), Assessment::Use(_)));
        let tick = at("2026-03-13T10:00:03Z") + TimeDelta::nanoseconds(1);
        assert!(matches!(assess(&short, tick, &config), Assessment::Stale { .. }));
        assert!(matches!(assess(&short, at("2026-03-13T10:00:04Z"), &config), Assessment::Refresh));

        let hour = keys(serde_json::json!({
            "access_token": "a", "refreshed_at": "2026-03-13T10:00:00Z", "expires_at": "2026-03-13T11:00:00Z"
        }));
        assert!(matches!(assess(&hour, at("2026-03-13T10:55:00Z"), &config), Assessment::Use(_)));
        let tick = at("2026-03-13T10:55:00Z") + TimeDelta::nanoseconds(1);
        assert!(matches!(assess(&hour, tick, &config), Assessment::Stale { .. }));
    }

    #[test]
    fn huge_configured_durations_saturate_instead_of_panicking() {
        let config = TokenManagerConfig { skew: Duration::MAX, ..TokenManagerConfig::default() };
        let keys = keys(serde_json::json!({"access_token": "a", "expires_at": "2026-03-13T11:00:00Z"}));
        assert!(matches!(assess(&keys, at("2026-03-13T10:00:00Z"), &config), Assessment::Stale { .. }));
        assert_eq!(later(at("2026-03-13T10:00:00Z"), Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn unknown_expiry_is_used_and_missing_token_refreshes() {
        let config = TokenManagerConfig::default();
        let unknown = keys(serde_json::json!({"access_token": "opaque", "expires_in": 3600}));
        assert!(matches!(assess(&unknown, at("2099-01-01T00:00:00Z"), &config), Assessment::Use(_)));
        let none = keys(serde_json::json!({"refresh_token": "r"}));
        assert!(matches!(assess(&none, at("2026-01-01T00:00:00Z"), &config), Assessment::Refresh));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let config = TokenManagerConfig {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_millis(1000),
            ..TokenManagerConfig::default()
        };
        for _ in 0..50 {
            let first = config.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first), "{first:?}");
            let third = config.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third), "{third:?}");
            let late = config.backoff(40);
            assert!((Duration::from_millis(500)..=Duration::from_millis(1000)).contains(&late), "{late:?}");
        }
        let distinct: std::collections::BTreeSet<Duration> = (0..50).map(|_| config.backoff(4)).collect();
        assert!(distinct.len() > 1, "backoff is not jittered");
    }
}
