//! Log lines of the token manager: loud about failed saves, never showing a secret.
//! (Its own test binary: it installs a capturing tracing subscriber.)

use std::fmt::{Debug, Write as _};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use gotowebinar::clock::{Clock, ManualClock};
use gotowebinar::oauth::{OAuthClient, OAuthKeys};
use gotowebinar::token::{CredentialStore, StoreError, TokenManager};
use gotowebinar::{AccessTokenSource, Origins, Secret};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Records every event as its level and its formatted fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

struct RefusingStore;

#[async_trait]
impl CredentialStore for RefusingStore {
    async fn save(&self, _keys: &OAuthKeys) -> Result<(), StoreError> {
        Err(StoreError::new("keys update rejected with HTTP 500"))
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

// Current-thread runtime: the refresh task runs on this thread, under the capturing subscriber.
#[tokio::test]
async fn failures_and_refreshes_are_logged_without_secrets_and_a_failed_save_is_an_error() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("echo refresh_token=RT-SECRET-1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "AT-SECRET-2", "refresh_token": "RT-SECRET-2", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    let client = OAuthClient::new("client-id", Secret::new("CLIENT-SECRET-0"), origins).unwrap();
    let keys = OAuthKeys::from_value(json!({
        "access_token": "AT-SECRET-1", "refresh_token": "RT-SECRET-1",
        "refreshed_at": "2026-03-13T08:00:00Z", "expires_at": "2026-03-13T09:00:00Z"
    }))
    .unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-03-13T10:00:00Z")));
    let manager =
        TokenManager::new(client, keys, Arc::new(RefusingStore)).with_clock(clock.clone() as Arc<dyn Clock>);

    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-SECRET-2");
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-SECRET-2");

    let events = capture.0.lock().unwrap().clone();
    assert!(events.iter().any(|(level, text)| *level == Level::WARN && text.contains("503")), "{events:?}");
    let errors: Vec<_> = events.iter().filter(|(level, _)| *level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1, "{events:?}");
    assert!(errors[0].1.contains("could NOT be saved") && errors[0].1.contains("HTTP 500"), "{errors:?}");
    for (_, text) in &events {
        for secret in ["AT-SECRET-1", "RT-SECRET-1", "AT-SECRET-2", "RT-SECRET-2", "CLIENT-SECRET-0"] {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }
    }
}
