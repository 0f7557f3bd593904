//! The token endpoint client against a fake endpoint on loopback: what it sends, what it
//! follows (nothing), and how it reads answers.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use gotowebinar::oauth::{OAuthClient, TokenRequestError};
use gotowebinar::{Error, Origins, Secret};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> OAuthClient {
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    OAuthClient::new("client-id", Secret::new("CLIENT-SECRET-0"), origins).unwrap()
}

fn form(request: &wiremock::Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> &'a str {
    request.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn refresh_posts_a_form_with_basic_client_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "AT-2", "expires_in": "3600", "organizer_key": 1, "unknown_field": [1, 2]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server).refresh(&Secret::new("RT-1")).await.unwrap();
    assert_eq!(response.access_token().unwrap().expose(), "AT-2");
    assert_eq!(response.expires_in(), Some(3600));

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    let expected = base64::engine::general_purpose::STANDARD.encode("client-id:CLIENT-SECRET-0");
    assert_eq!(header(request, "authorization"), format!("Basic {expected}"));
    assert_eq!(header(request, "content-type"), "application/x-www-form-urlencoded");
    assert_eq!(header(request, "accept"), "application/json");
    assert_eq!(header(request, "user-agent"), concat!("gotowebinar-rust/", env!("CARGO_PKG_VERSION")));
    let body = form(request);
    assert_eq!(body.get("grant_type").map(String::as_str), Some("refresh_token"));
    assert_eq!(body.get("refresh_token").map(String::as_str), Some("RT-1"));
    assert!(!body.contains_key("client_secret"), "the secret goes in the header only");
    assert_eq!(body.len(), 2);
}

#[tokio::test]
async fn exchange_code_sends_the_code_and_redirect_uri_and_stamps_the_times() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token":"AT-1","refresh_token":"RT-1","expires_in":3600,"account_key":24576065432313123456}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let keys = client(&server).exchange_code("CODE-1", "http://127.0.0.1:8765/callback").await.unwrap();
    assert_eq!(keys.refresh_token().unwrap().expose(), "RT-1");
    assert_eq!(keys.get_key("account_key").as_deref(), Some("24576065432313123456"));
    let refreshed = keys.refreshed_at().unwrap();
    assert!(refreshed >= before && refreshed <= chrono::Utc::now());
    assert_eq!(keys.expires_at(), Some(refreshed + chrono::TimeDelta::hours(1)));

    let requests = server.received_requests().await.unwrap();
    let body = form(&requests[0]);
    assert_eq!(body.get("grant_type").map(String::as_str), Some("authorization_code"));
    assert_eq!(body.get("code").map(String::as_str), Some("CODE-1"));
    assert_eq!(body.get("redirect_uri").map(String::as_str), Some("http://127.0.0.1:8765/callback"));
}

#[tokio::test]
async fn a_reused_code_is_a_reauthorize_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    let err = client(&server).exchange_code("USED", "http://127.0.0.1:8765/callback").await.unwrap_err();
    assert!(matches!(err, Error::Reauthorize(ref e) if e.error == "invalid_grant"), "{err:?}");
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = format!("{}/elsewhere", server.uri());
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "STOLEN"})))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server).try_refresh(&Secret::new("RT-1")).await.unwrap_err();
    assert!(
        matches!(err, TokenRequestError::Failed { ref message } if message.contains("HTTP 302")),
        "{err:?}"
    );
    assert!(!err.is_transient());
    let err: Error = err.into();
    assert!(matches!(err, Error::TokenUnavailable { .. }));
}

#[tokio::test]
async fn a_slow_endpoint_times_out_as_a_transient_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "LATE"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    let client =
        OAuthClient::with_timeout("id", Secret::new("sec"), origins, Duration::from_millis(200)).unwrap();
    let err = client.try_refresh(&Secret::new("RT-1")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient_and_names_no_secret() {
    // Bind and drop a listener to get a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let origin = format!("http://127.0.0.1:{port}");
    let client =
        OAuthClient::new("id", Secret::new("CLIENT-SECRET-0"), Origins::new(&origin, &origin).unwrap())
            .unwrap();
    let err = client.try_refresh(&Secret::new("RT-SECRET-1")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("could not be reached"), "{text}");
    assert!(!text.contains("RT-SECRET-1") && !text.contains("CLIENT-SECRET-0"), "{text}");
}

#[tokio::test]
async fn the_basic_header_carries_the_secret_as_it_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT-1"})))
        .mount(&server)
        .await;
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    let client = OAuthClient::new("client-id", Secret::new("a+b/c=d"), origins).unwrap();
    client.try_refresh(&Secret::new("RT-1")).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode("client-id:a+b/c=d");
    assert_eq!(header(&requests[0], "authorization"), format!("Basic {expected}"));
    assert_eq!(requests[0].headers.get_all("authorization").iter().count(), 1);
}

#[tokio::test]
async fn a_busy_endpoint_error_keeps_its_status_and_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"error": "temporarily_unavailable", "error_description": "busy"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).try_refresh(&Secret::new("RT-1")).await.unwrap_err();
    assert_eq!(
        err,
        TokenRequestError::Transient {
            message: "the token endpoint answered HTTP 503 with error temporarily_unavailable (busy)".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
}
