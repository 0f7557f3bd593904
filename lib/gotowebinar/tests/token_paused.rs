//! Expiry driven by paused tokio time (`TokioClock`) instead of a manual clock.
//!
//! While time is paused, tokio jumps to the next timer whenever the runtime waits, and a
//! request to a real socket would hit its timeout at once; so time is advanced while paused and
//! resumed before the token request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gotowebinar::clock::{Clock, TokioClock};
use gotowebinar::oauth::{OAuthClient, OAuthKeys};
use gotowebinar::token::{MemoryStore, TokenManager};
use gotowebinar::{AccessTokenSource, Origins, Secret};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(start_paused = true)]
async fn paused_time_drives_the_four_second_token() {
    let base: DateTime<Utc> = "2026-03-13T10:00:00Z".parse().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT-2", "expires_in": 4})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    let client = OAuthClient::new("id", Secret::new("secret"), origins).unwrap();
    let keys = OAuthKeys::from_value(json!({
        "access_token": "AT-1", "refresh_token": "RT-1",
        "refreshed_at": "2026-03-13T10:00:00Z", "expires_at": "2026-03-13T10:00:04Z"
    }))
    .unwrap();
    let store = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client, keys, store.clone())
        .with_clock(Arc::new(TokioClock::starting_at(base)) as Arc<dyn Clock>);

    tokio::time::advance(Duration::from_secs(3)).await;
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-1");
    tokio::time::advance(Duration::from_nanos(1)).await;
    tokio::time::resume();
    assert_eq!(manager.access_token().await.unwrap().expose(), "AT-2");
    assert_eq!(store.saves().len(), 1);
    let refreshed = manager.keys().refreshed_at().unwrap();
    assert!(refreshed >= "2026-03-13T10:00:03Z".parse::<DateTime<Utc>>().unwrap(), "{refreshed}");
}
