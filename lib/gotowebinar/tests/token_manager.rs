//! The token manager against a token endpoint on loopback (wiremock), with a manual clock so
//! expiry and backoff are driven without waiting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use gotowebinar::clock::{Clock, ManualClock};
use gotowebinar::oauth::{OAuthClient, OAuthKeys};
use gotowebinar::token::{CredentialStore, MemoryStore, StoreError, TokenManager, TokenManagerConfig};
use gotowebinar::{AccessTokenSource, Error, Origins, Secret};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const T0: &str = "2026-03-13T10:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn client(server: &MockServer) -> OAuthClient {
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    OAuthClient::new("client-id", Secret::new("CLIENT-SECRET-0"), origins).unwrap()
}

/// Keys of a one-hour token refreshed at `refreshed_at`.
fn hour_keys(access: &str, refresh: &str, refreshed_at: DateTime<Utc>) -> OAuthKeys {
    OAuthKeys::from_value(json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refreshed_at": refreshed_at.to_rfc3339(),
        "expires_at": (refreshed_at + TimeDelta::hours(1)).to_rfc3339(),
    }))
    .unwrap()
}

fn token_response(access: &str, refresh: Option<&str>, expires_in: Value) -> Value {
    let mut body =
        json!({"access_token": access, "token_type": "Bearer", "expires_in": expires_in, "scope": "collab:"});
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    body
}

fn token_mock(status: u16, body: Value) -> Mock {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
}

/// A 200 granting `access` (and `refresh`, when rotated) for an hour.
fn granted(access: &str, refresh: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(token_response(access, refresh, json!(3600)))
}

fn invalid_grant() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"}))
}

/// The token endpoint answering requests that carry `refresh_token` with `answer`.
fn refresh_mock(refresh_token: &str, answer: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(body_string_contains(format!("refresh_token={refresh_token}")))
        .respond_with(answer)
}

/// The token endpoint answering `access` and refresh token `RT-2` after 200 ms.
fn slow_token_mock(access: &str) -> Mock {
    Mock::given(method("POST")).and(path("/oauth/token")).respond_with(
        ResponseTemplate::new(200)
            .set_body_json(token_response(access, Some("RT-2"), json!(3600)))
            .set_delay(Duration::from_millis(200)),
    )
}

struct Setup {
    server: MockServer,
    clock: Arc<ManualClock>,
    store: Arc<MemoryStore>,
}

impl Setup {
    async fn new() -> Self {
        Self {
            server: MockServer::start().await,
            clock: Arc::new(ManualClock::new(at(T0))),
            store: Arc::new(MemoryStore::new()),
        }
    }

    fn manager(&self, keys: OAuthKeys) -> TokenManager {
        self.manager_with(keys, TokenManagerConfig::default())
    }

    fn manager_with(&self, keys: OAuthKeys, config: TokenManagerConfig) -> TokenManager {
        TokenManager::new(client(&self.server), keys, self.store.clone())
            .with_config(config)
            .with_clock(self.clock.clone() as Arc<dyn Clock>)
    }

    /// The token endpoint answers 503 `times` times, then a new access token `AT-2`.
    async fn unavailable_then_renewed(&self, times: u64) {
        token_mock(503, json!({})).up_to_n_times(times).mount(&self.server).await;
        token_mock(200, token_response("AT-2", None, json!(3600))).mount(&self.server).await;
    }

    async fn requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

fn jwt(exp: i64) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.signature",
        engine.encode(br#"{"alg":"RS256"}"#),
        engine.encode(json!({"exp": exp}).to_string())
    )
}

// Case 1 and 2: valid at `expires_at - skew`, refreshed one tick later, exactly once.
#[tokio::test]
async fn hour_token_is_valid_until_five_minutes_before_expiry_then_refreshed_once() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", None, json!(3600))).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at(T0)));

    s.clock.set(at("2026-03-13T10:55:00Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    assert!(s.requests().await.is_empty(), "no refresh at expires_at - skew");

    s.clock.advance(TimeDelta::nanoseconds(1));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 1);
    // The fresh token is used as is afterwards: no second request.
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 1);
    assert_eq!(s.store.saves().len(), 1);
    let keys = manager.keys();
    assert_eq!(keys.refreshed_at(), Some(at("2026-03-13T10:55:00Z")));
    assert_eq!(keys.expires_at(), Some(at("2026-03-13T11:55:00Z")));
}

#[tokio::test]
async fn a_four_second_token_refreshes_at_three_seconds() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", None, json!(4))).expect(1).mount(&s.server).await;
    let keys = OAuthKeys::from_value(json!({
        "access_token": "AT-1", "refresh_token": "RT-1",
        "refreshed_at": T0, "expires_at": "2026-03-13T10:00:04Z"
    }))
    .unwrap();
    let manager = s.manager(keys);
    s.clock.set(at("2026-03-13T10:00:03Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    s.clock.advance(TimeDelta::nanoseconds(1));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(manager.keys().expires_at(), Some(at("2026-03-13T10:00:07Z")));
}

// Case 3: one token request for 200 concurrent callers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_callers_cause_one_token_request() {
    let s = Setup::new().await;
    slow_token_mock("AT-NEW").expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-OLD", "RT-1", at("2026-03-13T08:00:00Z")));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.access_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose(), "AT-NEW");
    }
    assert_eq!(s.requests().await.len(), 1);
    assert_eq!(s.store.saves().len(), 1);
}

// Case 4: a failed refresh is not remembered; the next call tries again.
#[tokio::test]
async fn a_failed_refresh_is_not_cached() {
    let s = Setup::new().await;
    token_mock(500, json!({})).up_to_n_times(1).mount(&s.server).await;
    token_mock(200, token_response("AT-2", None, json!(3600))).mount(&s.server).await;
    let config = TokenManagerConfig { max_refresh_attempts: 1, ..TokenManagerConfig::default() };
    let manager = s.manager_with(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")), config);

    let err = manager.access_token().await.unwrap_err();
    assert!(matches!(err, Error::TokenUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 2);
}

// Case 5: a rotated refresh token is used next time and persisted once per refresh.
#[tokio::test]
async fn a_rotated_refresh_token_is_used_next_time_and_saved_once() {
    let s = Setup::new().await;
    refresh_mock("RT-1", granted("AT-2", Some("RT-2"))).expect(1).mount(&s.server).await;
    refresh_mock("RT-2", granted("AT-3", None)).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));

    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    let saves = s.store.saves();
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0].refresh_token().unwrap().expose(), "RT-2");
    assert_eq!(saves[0].access_token().unwrap().expose(), "AT-2");

    s.clock.advance(TimeDelta::hours(1));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-3");
    let saves = s.store.saves();
    assert_eq!(saves.len(), 2);
    assert_eq!(saves[1].refresh_token().unwrap().expose(), "RT-2", "kept: the second answer had none");
}

// Case 6: the merge keeps the refresh token and every other stored field.
#[tokio::test]
async fn a_response_without_refresh_token_keeps_it_and_the_organizer_keys() {
    let s = Setup::new().await;
    token_mock(
        200,
        json!({"access_token": "AT-2", "expires_in": "3600", "principal": "a@b.c", "unknown": {"x": 1}}),
    )
    .expect(1)
    .mount(&s.server)
    .await;
    let keys = OAuthKeys::from_json_str(
        r#"{"access_token":"AT-1","refresh_token":"RT-1","expires_at":"2026-03-13T09:00:00Z",
            "refreshed_at":"2026-03-13T08:00:00Z","organizer_key":24576065432313123456,"account_key":"987",
            "firstName":"Ada"}"#,
    )
    .unwrap();
    let manager = s.manager(keys);
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    let merged = manager.keys();
    assert_eq!(merged.refresh_token().unwrap().expose(), "RT-1");
    assert_eq!(merged.get_key("organizer_key").as_deref(), Some("24576065432313123456"));
    assert_eq!(merged.get_key("account_key").as_deref(), Some("987"));
    assert_eq!(merged.get("firstName"), Some(&json!("Ada")));
    assert_eq!(merged.get("unknown"), Some(&json!({"x": 1})));
    assert_eq!(merged.expires_at(), Some(at("2026-03-13T11:00:00Z")));
    assert_eq!(s.store.saves(), vec![merged]);
}

// Case 7: invalid_grant / invalid_client are terminal, with no retry loop.
#[tokio::test]
async fn invalid_grant_is_terminal_after_rereading_the_store() {
    let s = Setup::new().await;
    token_mock(400, json!({"error": "invalid_grant", "error_description": "refresh token expired"}))
        .expect(1)
        .mount(&s.server)
        .await;
    let keys = hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z"));
    s.store.put(keys.clone());
    let manager = s.manager(keys);
    let err = manager.access_token().await.unwrap_err();
    assert!(matches!(err, Error::Reauthorize(ref e) if e.error == "invalid_grant"), "{err:?}");
    assert!(err.to_string().contains("re-authorize"), "{err}");
    assert_eq!(s.requests().await.len(), 1);
    // Three re-reads, one second apart, found nothing new.
    assert_eq!(s.clock.sleeps(), vec![Duration::from_secs(1), Duration::from_secs(1)]);
    assert!(s.store.saves().is_empty());
}

#[tokio::test]
async fn invalid_client_is_terminal_without_rereading() {
    let s = Setup::new().await;
    token_mock(401, json!({"error": "invalid_client"})).expect(1).mount(&s.server).await;
    let keys = hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z"));
    s.store.put(keys.clone());
    let manager = s.manager(keys);
    let err = manager.access_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Reauthorize(ref e) if e.error == "invalid_client" && e.status == 401),
        "{err:?}"
    );
    assert!(err.to_string().contains("re-authorize"), "{err}");
    assert_eq!(s.requests().await.len(), 1);
    assert!(s.clock.sleeps().is_empty(), "no backoff, no re-reads");
}

// Case 8: an error body with HTTP 200 is an error.
#[tokio::test]
async fn an_error_body_with_http_200_is_an_error() {
    let s = Setup::new().await;
    token_mock(200, json!({"error": "invalid_grant"})).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    let err = manager.access_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Reauthorize(ref e) if e.status == 200 && e.error == "invalid_grant"),
        "{err:?}"
    );
    assert!(s.store.saves().is_empty());
}

// Case 9: 503, 503, 200 succeeds on the third attempt with growing backoff; 429 honours Retry-After.
#[tokio::test]
async fn two_503s_then_success_after_three_attempts() {
    let s = Setup::new().await;
    s.unavailable_then_renewed(2).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 3);
    let sleeps = s.clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    let config = TokenManagerConfig::default();
    assert!(sleeps[0] >= config.backoff_base / 2 && sleeps[0] <= config.backoff_base, "{sleeps:?}");
    assert!(sleeps[1] >= config.backoff_base && sleeps[1] <= config.backoff_base * 2, "{sleeps:?}");
    assert_eq!(s.store.saves().len(), 1);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .mount(&s.server)
        .await;
    token_mock(200, token_response("AT-2", None, json!(3600))).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.clock.sleeps(), vec![Duration::from_secs(3)]);
    assert_eq!(s.requests().await.len(), 2);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit_and_at_the_deadline() {
    let s = Setup::new().await;
    token_mock(503, json!({})).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    let err = manager.access_token().await.unwrap_err();
    assert!(matches!(err, Error::TokenUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("4 attempts"), "{err}");
    assert_eq!(s.requests().await.len(), 4);

    // A Retry-After beyond the deadline ends the retries at once.
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .mount(&s.server)
        .await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    let err = manager.access_token().await.unwrap_err();
    assert!(err.to_string().contains("deadline"), "{err}");
    assert_eq!(s.requests().await.len(), 1);
    assert!(s.clock.sleeps().is_empty());
}

// Case 10: a transient failure while the old token is still valid keeps the old token.
#[tokio::test]
async fn a_transient_failure_inside_the_skew_keeps_serving_the_old_token() {
    let s = Setup::new().await;
    token_mock(503, json!({})).mount(&s.server).await;
    let config = TokenManagerConfig { max_refresh_attempts: 1, ..TokenManagerConfig::default() };
    let manager = s.manager_with(hour_keys("AT-1", "RT-1", at(T0)), config);

    s.clock.set(at("2026-03-13T10:58:00Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    assert_eq!(s.requests().await.len(), 1);
    // The next call tries again, and still gets the old token.
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    assert_eq!(s.requests().await.len(), 2);
    // Once the token has expired, the failure surfaces.
    s.clock.set(at("2026-03-13T11:00:00Z"));
    let err = manager.access_token().await.unwrap_err();
    assert!(matches!(err, Error::TokenUnavailable { .. }), "{err:?}");
    assert!(s.store.saves().is_empty());
}

#[tokio::test]
async fn a_stale_token_is_served_while_retries_continue_in_the_background() {
    let s = Setup::new().await;
    s.unavailable_then_renewed(1).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at(T0)));
    s.clock.set(at("2026-03-13T10:58:00Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    // The refresh goes on without the caller and lands.
    let mut token = String::new();
    for _ in 0..200 {
        token = manager.access_token().await.unwrap().expose().to_string();
        if token == "AT-2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(token, "AT-2");
    assert_eq!(s.requests().await.len(), 2);
    assert_eq!(s.store.saves().len(), 1);
}

// Case 11 (the token side): a rejected token is refreshed once; callers holding it share that.
#[tokio::test]
async fn refresh_rejected_refreshes_once_and_later_callers_get_the_new_token() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", None, json!(3600))).expect(1).mount(&s.server).await;
    // Unknown expiry: used as is, never refreshed up front.
    let keys =
        OAuthKeys::from_value(json!({"access_token": "AT-1", "refresh_token": "RT-1", "expires_in": 3600}))
            .unwrap();
    let manager = s.manager(keys);
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    assert!(s.requests().await.is_empty());

    let rejected = Secret::new("AT-1");
    assert_eq!(manager.refresh_rejected(&rejected).await.unwrap().expose(), "AT-2");
    // A second caller that held the same rejected token gets the new one without a request.
    assert_eq!(manager.refresh_rejected(&rejected).await.unwrap().expose(), "AT-2");
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 1);
}

#[tokio::test]
async fn refresh_now_forces_a_refresh_of_a_fresh_token() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", Some("RT-2"), json!(3600))).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at(T0)));
    assert_eq!(manager.refresh_now().await.unwrap().expose(), "AT-2");
    assert_eq!(manager.keys().refresh_token().unwrap().expose(), "RT-2");
    assert_eq!(s.store.saves().len(), 1);
}

#[tokio::test]
async fn no_access_token_but_a_refresh_token_refreshes_and_neither_is_a_clear_error() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", None, json!(3600))).expect(1).mount(&s.server).await;
    let manager = s.manager(OAuthKeys::from_value(json!({"refresh_token": "RT-1"})).unwrap());
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");

    let manager = s.manager(OAuthKeys::new());
    let err = manager.access_token().await.unwrap_err();
    assert!(err.to_string().contains("re-authorize"), "{err}");
    assert_eq!(s.requests().await.len(), 1);
}

// Case 17: expires_in as number, string or null; the JWT exp when there is no expires_in.
#[tokio::test]
async fn expires_in_as_number_string_or_null_sets_expires_at() {
    let future_exp = at("2026-03-13T12:30:00Z").timestamp();
    let cases: Vec<(Value, String, Option<DateTime<Utc>>)> = vec![
        (json!(3600), "AT-N".into(), Some(at("2026-03-13T11:00:00Z"))),
        (json!("1800"), "AT-S".into(), Some(at("2026-03-13T10:30:00Z"))),
        (json!(null), jwt(future_exp), Some(at("2026-03-13T12:30:00Z"))),
        (json!(null), "AT-OPAQUE".into(), None),
    ];
    for (expires_in, access, expected) in cases {
        let s = Setup::new().await;
        token_mock(200, token_response(&access, None, expires_in.clone())).mount(&s.server).await;
        let manager = s.manager(OAuthKeys::from_value(json!({"refresh_token": "RT-1"})).unwrap());
        assert_eq!(manager.access_token().await.unwrap().expose(), access);
        assert_eq!(manager.keys().expires_at(), expected, "expires_in {expires_in}");
    }
}

#[tokio::test]
async fn the_jwt_exp_of_a_stored_token_drives_expiry() {
    let s = Setup::new().await;
    token_mock(200, token_response("AT-2", None, json!(3600))).expect(1).mount(&s.server).await;
    // Platform-stored keys: no expires_at, only the JWT's own exp (still an hour away).
    let fresh = jwt(at("2026-03-13T11:00:00Z").timestamp());
    let manager =
        s.manager(OAuthKeys::from_value(json!({"access_token": fresh, "refresh_token": "RT-1"})).unwrap());
    assert_eq!(manager.access_token().await.unwrap().expose(), fresh);
    assert!(s.requests().await.is_empty());
    s.clock.set(at("2026-03-13T11:00:00Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(s.requests().await.len(), 1);
}

// invalid_grant because another process rotated the refresh token: adopt its keys.
#[tokio::test]
async fn invalid_grant_adopts_keys_refreshed_elsewhere_with_a_valid_access_token() {
    let s = Setup::new().await;
    token_mock(400, json!({"error": "invalid_grant"})).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    // Another replica refreshed a minute ago and saved its keys.
    s.store.put(hour_keys("AT-OTHER", "RT-OTHER", at("2026-03-13T09:59:00Z")));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-OTHER");
    assert_eq!(manager.keys().refresh_token().unwrap().expose(), "RT-OTHER");
    assert_eq!(s.requests().await.len(), 1);
    assert!(s.store.saves().is_empty(), "adopted keys are not ours to save");
}

#[tokio::test]
async fn invalid_grant_adopts_a_rotated_refresh_token_and_refreshes_with_it_once() {
    let s = Setup::new().await;
    refresh_mock("RT-1", invalid_grant()).expect(1).mount(&s.server).await;
    refresh_mock("RT-OTHER", granted("AT-3", None)).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    s.store.put(hour_keys("AT-OTHER", "RT-OTHER", at("2026-03-13T08:30:00Z")));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-3");
    let saves = s.store.saves();
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0].refresh_token().unwrap().expose(), "RT-OTHER");
    assert_eq!(saves[0].access_token().unwrap().expose(), "AT-3");
}

/// A store whose saves fail, counting them.
#[derive(Default)]
struct FailingStore {
    saves: AtomicUsize,
}

#[async_trait]
impl CredentialStore for FailingStore {
    async fn save(&self, _keys: &OAuthKeys) -> Result<(), StoreError> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::new("the platform refused the keys update"))
    }
}

// Case 20: a refreshed token that cannot be persisted is still used.
#[tokio::test]
async fn a_failed_save_still_serves_the_fresh_token() {
    let server = MockServer::start().await;
    token_mock(200, token_response("AT-2", Some("RT-2"), json!(3600))).expect(1).mount(&server).await;
    let store = Arc::new(FailingStore::default());
    let clock = Arc::new(ManualClock::new(at(T0)));
    let manager = TokenManager::new(
        client(&server),
        hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")),
        store.clone(),
    )
    .with_clock(clock);
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(manager.keys().refresh_token().unwrap().expose(), "RT-2");
    assert_eq!(store.saves.load(Ordering::SeqCst), 1, "saved exactly once, not retried per call");
}

// Case 19: no Debug output shows a secret.
#[tokio::test]
async fn debug_of_manager_client_keys_and_errors_shows_no_secret() {
    let s = Setup::new().await;
    token_mock(400, json!({"error": "invalid_grant", "error_description": "bad grant"}))
        .mount(&s.server)
        .await;
    let manager = s.manager(hour_keys("AT-SECRET-1", "RT-SECRET-1", at("2026-03-13T08:00:00Z")));
    let err = manager.access_token().await.unwrap_err();
    let texts = [
        format!("{manager:?}"),
        format!("{:?}", manager.keys()),
        format!("{:?}", client(&s.server)),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", s.store),
    ];
    for text in &texts {
        for secret in ["AT-SECRET-1", "RT-SECRET-1", "CLIENT-SECRET-0"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    assert!(texts[0].contains("access_token") && texts[0].contains("[redacted]"), "{}", texts[0]);
}

#[tokio::test]
async fn settle_waits_for_a_background_refresh_and_its_save() {
    let s = Setup::new().await;
    token_mock(503, json!({})).up_to_n_times(1).mount(&s.server).await;
    slow_token_mock("AT-2").mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at(T0)));
    s.clock.set(at("2026-03-13T10:58:00Z"));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1", "the stale token is served");
    assert!(s.store.saves().is_empty(), "the retry is still running");
    manager.settle().await;
    assert_eq!(s.store.saves().len(), 1, "settle returns once the rotated keys are saved");
    assert_eq!(manager.keys().refresh_token().unwrap().expose(), "RT-2");
    // Nothing running: settle returns at once.
    tokio::time::timeout(Duration::from_secs(1), manager.settle()).await.unwrap();
}

#[tokio::test]
async fn an_adopted_refresh_token_is_retried_through_a_transient_failure() {
    let s = Setup::new().await;
    refresh_mock("RT-1", invalid_grant()).expect(1).mount(&s.server).await;
    refresh_mock("RT-OTHER", ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s.server)
        .await;
    refresh_mock("RT-OTHER", granted("AT-3", None)).expect(1).mount(&s.server).await;
    let manager = s.manager(hour_keys("AT-1", "RT-1", at("2026-03-13T08:00:00Z")));
    // Refreshed elsewhere long ago: its access token has expired too, so it is refreshed here.
    s.store.put(hour_keys("AT-OTHER", "RT-OTHER", at("2026-03-13T08:30:00Z")));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-3");
    assert_eq!(s.store.saves().len(), 1);
}
