//! The client's transport behaviour against a local fake (wiremock on 127.0.0.1): token refresh on
//! rejection, the retry table, network faults, error mapping, encoding and rate limiting.

use std::net::TcpListener as StdListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gotowebinar::client::{GoToWebinar, Request};
use gotowebinar::keys::{OrganizerKey, RegistrantKey, WebinarKey};
use gotowebinar::models::{CreateRegistrant, Webinar};
use gotowebinar::retry::{RequestKind, RetryPolicy};
use gotowebinar::{AccessToken, AccessTokenSource, Error, ErrorKind, Origins, Result, Secret, StaticToken};
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WEBINAR: &str = r#"{"webinarKey": 24576065432313123456, "subject": "Launch"}"#;
const INVALID_TOKEN: &str = r#"{"int_err_code":"InvalidToken","msg":"Invalid token passed"}"#;

/// A token source that hands out `token-0`, and `token-N` after the N-th refresh.
#[derive(Default)]
struct CountingTokens {
    current: Mutex<String>,
    refreshes: AtomicU32,
}

impl CountingTokens {
    fn new() -> Arc<Self> {
        Arc::new(Self { current: Mutex::new("token-0".into()), refreshes: AtomicU32::new(0) })
    }

    fn refreshes(&self) -> u32 {
        self.refreshes.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl AccessTokenSource for CountingTokens {
    async fn access_token(&self) -> Result<AccessToken> {
        Ok(Secret::new(self.current.lock().unwrap().clone()))
    }

    async fn refresh_rejected(&self, rejected: &AccessToken) -> Result<AccessToken> {
        let mut current = self.current.lock().unwrap();
        if current.as_str() == rejected.expose() {
            let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            *current = format!("token-{n}");
        }
        Ok(Secret::new(current.clone()))
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        deadline: Duration::from_secs(10),
    }
}

fn client_for(uri: &str, tokens: Arc<dyn AccessTokenSource>) -> GoToWebinar {
    let origins = Origins::new(uri, "http://127.0.0.1:9").unwrap();
    GoToWebinar::builder(origins, tokens).retry_policy(fast_retries()).rate_limit(None).build().unwrap()
}

fn static_client(server: &MockServer) -> GoToWebinar {
    client_for(&server.uri(), Arc::new(StaticToken(Secret::new("token-0"))))
}

fn organizer() -> OrganizerKey {
    OrganizerKey::new("100").unwrap()
}

fn webinar() -> WebinarKey {
    WebinarKey::new("200").unwrap()
}

const WEBINAR_PATH: &str = "/G2W/rest/v2/organizers/100/webinars/200";

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn new_registrant() -> CreateRegistrant {
    CreateRegistrant {
        first_name: "A".into(),
        last_name: "B".into(),
        email: "a@b.c".into(),
        ..Default::default()
    }
}

/// The webinar's path answers every request with `answer`.
async fn answer_webinar(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(path(WEBINAR_PATH)).respond_with(answer).mount(server).await;
}

/// The webinar's path answers `first` to the first `times` requests, then the webinar.
async fn answer_first_then_webinar(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(path(WEBINAR_PATH))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path(WEBINAR_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string(WEBINAR))
        .with_priority(2)
        .mount(server)
        .await;
}

/// Gets the webinar with a client whose tokens count their refreshes.
async fn get_counting_refreshes(server: &MockServer) -> (Result<Webinar>, Arc<CountingTokens>) {
    let tokens = CountingTokens::new();
    let got = client_for(&server.uri(), tokens.clone()).webinars(&organizer()).get(&webinar()).await;
    (got, tokens)
}

/// Requests to the webinar's path that carry `token`.
fn for_token(token: &str) -> wiremock::MockBuilder {
    Mock::given(path(WEBINAR_PATH)).and(header("authorization", format!("Bearer {token}")))
}

#[tokio::test]
async fn sends_bearer_token_and_accept_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(WEBINAR_PATH))
        .and(header("authorization", "Bearer token-0"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(WEBINAR))
        .expect(1)
        .mount(&server)
        .await;
    let got = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap();
    assert_eq!(got.webinar_key.as_str(), "24576065432313123456");
}

#[tokio::test]
async fn invalid_token_403_refreshes_once_and_replays_with_the_new_token() {
    let server = MockServer::start().await;
    for_token("token-0")
        .respond_with(ResponseTemplate::new(403).set_body_string(INVALID_TOKEN))
        .expect(1)
        .mount(&server)
        .await;
    for_token("token-1")
        .respond_with(ResponseTemplate::new(200).set_body_string(WEBINAR))
        .expect(1)
        .mount(&server)
        .await;
    let tokens = CountingTokens::new();
    let client = client_for(&server.uri(), tokens.clone());
    let got = client.webinars(&organizer()).get(&webinar()).await.unwrap();
    assert_eq!(got.subject.as_deref(), Some("Launch"));
    assert_eq!(tokens.refreshes(), 1);
}

#[tokio::test]
async fn a_second_rejection_is_returned_after_one_refresh() {
    let server = MockServer::start().await;
    answer_webinar(&server, ResponseTemplate::new(403).set_body_string(INVALID_TOKEN)).await;
    let (got, tokens) = get_counting_refreshes(&server).await;
    let err = got.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(tokens.refreshes(), 1);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_plain_403_never_refreshes() {
    let server = MockServer::start().await;
    answer_webinar(
        &server,
        ResponseTemplate::new(403).set_body_string(r#"{"errorCode":"Forbidden","description":"no"}"#),
    )
    .await;
    let (got, tokens) = get_counting_refreshes(&server).await;
    let err = got.unwrap_err();
    assert_eq!(err.api().unwrap().error_code.as_deref(), Some("Forbidden"));
    assert_eq!(tokens.refreshes(), 0);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_401_also_refreshes_and_replays() {
    let server = MockServer::start().await;
    for_token("token-0").respond_with(ResponseTemplate::new(401)).mount(&server).await;
    for_token("token-1")
        .respond_with(ResponseTemplate::new(200).set_body_string(WEBINAR))
        .mount(&server)
        .await;
    let (got, tokens) = get_counting_refreshes(&server).await;
    got.unwrap();
    assert_eq!(tokens.refreshes(), 1);
}

#[tokio::test]
async fn a_refreshed_create_is_replayed_because_the_rejected_one_did_nothing() {
    let server = MockServer::start().await;
    let registrants = "/G2W/rest/v2/organizers/100/webinars/200/registrants";
    Mock::given(method("POST"))
        .and(path(registrants))
        .and(header("authorization", "Bearer token-0"))
        .respond_with(ResponseTemplate::new(403).set_body_string(INVALID_TOKEN))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(registrants))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(
            ResponseTemplate::new(201).set_body_string(r#"{"registrantKey": 5, "joinUrl": "https://j"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), CountingTokens::new());
    let body = new_registrant();
    let created = client.registrants(&organizer(), &webinar()).create(&body, false).await.unwrap();
    assert_eq!(created.registrant_key.as_str(), "5");
}

#[tokio::test]
async fn transient_statuses_are_retried_for_repeatable_requests() {
    for status in [408u16, 429, 500, 502, 503, 504] {
        let server = MockServer::start().await;
        answer_first_then_webinar(&server, ResponseTemplate::new(status).set_body_string("busy"), 2).await;
        let got = static_client(&server).webinars(&organizer()).get(&webinar()).await;
        assert!(got.is_ok(), "{status}: {got:?}");
        assert_eq!(requests(&server).await, 3, "{status}");
    }
}

#[tokio::test]
async fn transient_statuses_give_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(path(WEBINAR_PATH)).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let err = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(requests(&server).await, fast_retries().max_attempts as usize);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400u16, 403, 404, 405, 409, 422] {
        let server = MockServer::start().await;
        answer_webinar(
            &server,
            ResponseTemplate::new(status)
                .set_body_string(r#"{"errorCode":"X","description":"d","incident":"77"}"#),
        )
        .await;
        let err = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api().unwrap().incident.as_deref(), Some("77"));
        assert_eq!(requests(&server).await, 1, "{status}");
    }
}

#[tokio::test]
async fn a_create_answered_502_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502)).mount(&server).await;
    let body = new_registrant();
    let err =
        static_client(&server).registrants(&organizer(), &webinar()).create(&body, false).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_duplicate_registrant_surfaces_as_409() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_string(r#"{"errorCode":"Conflict","description":"already registered"}"#),
        )
        .mount(&server)
        .await;
    let body = new_registrant();
    let err =
        static_client(&server).registrants(&organizer(), &webinar()).create(&body, true).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    answer_first_then_webinar(&server, ResponseTemplate::new(429).insert_header("retry-after", "1"), 1).await;
    let started = Instant::now();
    static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap();
    // The backoff alone would wait a few milliseconds; GoTo asked for a second.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_html_504_is_an_api_error_with_its_text() {
    let server = MockServer::start().await;
    answer_webinar(
        &server,
        ResponseTemplate::new(504)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body><h1>504 Gateway Time-out</h1></body></html>"),
    )
    .await;
    let err = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap_err();
    let Error::Api(api) = &err else { panic!("expected an API error, got {err:?}") };
    assert_eq!(api.status, 504);
    assert!(api.body.contains("504 Gateway Time-out"));
    assert!(err.to_string().contains("Gateway Time-out"), "{err}");
}

#[tokio::test]
async fn an_unreadable_success_is_a_decode_error_that_keeps_status_and_body() {
    let server = MockServer::start().await;
    answer_webinar(&server, ResponseTemplate::new(200).set_body_string("<html>maintenance</html>")).await;
    let err = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap_err();
    match err {
        Error::Decode { status, body, .. } => {
            assert_eq!(status, 200);
            assert!(body.contains("maintenance"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_retried_delete_that_finds_the_resource_gone_is_done() {
    let server = MockServer::start().await;
    let registrant = "/G2W/rest/v2/organizers/100/webinars/200/registrants/300";
    Mock::given(method("DELETE"))
        .and(path(registrant))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(registrant))
        .respond_with(ResponseTemplate::new(404).set_body_string(r#"{"errorCode":"NotFound"}"#))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = static_client(&server);
    let registrants = client.registrants(&organizer(), &webinar());
    registrants.delete(&RegistrantKey::new("300").unwrap()).await.unwrap();
    assert_eq!(requests(&server).await, 2);
    // Without an earlier attempt a 404 is a real "not found".
    let err = registrants.delete(&RegistrantKey::new("300").unwrap()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_create_refused_before_connecting_is_retried_and_created_once() {
    // Reserve a port, close it so the first attempt is refused, then start the server on it.
    let reserved = StdListener::bind("127.0.0.1:0").unwrap();
    let address = reserved.local_addr().unwrap();
    drop(reserved);
    let started = Arc::new(tokio::sync::Notify::new());
    let (server_tx, server_rx) = tokio::sync::oneshot::channel();
    {
        let started = started.clone();
        tokio::spawn(async move {
            started.notified().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let listener = StdListener::bind(address).unwrap();
            let server = MockServer::builder().listener(listener).start().await;
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(201)
                        .set_body_string(r#"{"registrantKey": 9, "joinUrl": "https://j"}"#),
                )
                .mount(&server)
                .await;
            let _ = server_tx.send(server);
        });
    }
    let uri = format!("http://{address}");
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(400),
        max_delay: Duration::from_millis(400),
        deadline: Duration::from_secs(10),
    };
    let client = GoToWebinar::builder(
        Origins::new(&uri, "http://127.0.0.1:9").unwrap(),
        Arc::new(StaticToken(Secret::new("t"))),
    )
    .retry_policy(policy)
    .rate_limit(None)
    .build()
    .unwrap();
    started.notify_one();
    let sent_at = Instant::now();
    let body = new_registrant();
    let created = client.registrants(&organizer(), &webinar()).create(&body, false).await.unwrap();
    assert_eq!(created.registrant_key.as_str(), "9");
    // The first attempt was refused and a backoff (200-400 ms with jitter) ran before the one that arrived.
    assert!(sent_at.elapsed() >= Duration::from_millis(200), "{:?}", sent_at.elapsed());
    let server = server_rx.await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A server that accepts connections, reads a little, and closes them without answering.
async fn hang_up_server() -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU32::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            drop(socket);
        }
    });
    (format!("http://{address}"), accepted)
}

#[tokio::test]
async fn a_create_that_may_have_arrived_is_not_replayed_but_a_read_is() {
    let (uri, accepted) = hang_up_server().await;
    let client = client_for(&uri, Arc::new(StaticToken(Secret::new("t"))));
    let body = new_registrant();
    let err = client.registrants(&organizer(), &webinar()).create(&body, false).await.unwrap_err();
    match &err {
        Error::Network { maybe_sent, .. } => assert!(*maybe_sent),
        other => panic!("expected a network error, got {other:?}"),
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    let err = client.webinars(&organizer()).get(&webinar()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert_eq!(accepted.load(Ordering::SeqCst), 1 + fast_retries().max_attempts);
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error_that_was_not_sent() {
    let reserved = StdListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", reserved.local_addr().unwrap());
    drop(reserved);
    let client = GoToWebinar::builder(
        Origins::new(&uri, "http://127.0.0.1:9").unwrap(),
        Arc::new(StaticToken(Secret::new("t"))),
    )
    .retry_policy(RetryPolicy::none())
    .rate_limit(None)
    .build()
    .unwrap();
    let err = client.webinars(&organizer()).get(&webinar()).await.unwrap_err();
    match err {
        Error::Network { maybe_sent, context, .. } => {
            assert!(!maybe_sent);
            assert!(context.contains("GET /organizers/100/webinars/200"), "{context}");
        }
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn plus_in_query_times_is_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let client = static_client(&server);
    let query = vec![("fromTime".to_string(), "2026-03-13T10:00:00+01:00".to_string())];
    let answer = client.raw_request(Method::GET, "/organizers/100/webinars", &query, None).await.unwrap();
    assert_eq!(answer.status, 200);
    let received = server.received_requests().await.unwrap();
    let sent = received[0].url.query().unwrap_or_default().to_string();
    assert!(sent.contains("%2B01"), "{sent}");
    assert!(!sent.contains('+'), "{sent}");
    // Decoded, GoTo reads the original time back.
    let decoded: Vec<(String, String)> = received[0].url.query_pairs().into_owned().collect();
    assert_eq!(decoded, query);
}

#[tokio::test]
async fn raw_requests_stay_under_the_api_base_and_keep_big_numbers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/G2W/rest/v2/organizers/100/webinars"))
        .respond_with(ResponseTemplate::new(201).set_body_string(r#"{"webinarKey":24576065432313123456}"#))
        .mount(&server)
        .await;
    let client = static_client(&server);
    for bad in ["https://evil.example/x", "//evil.example/x", "/a/../../identity/v1/Users/me", "/a?x=1"] {
        let err = client.raw_request(Method::GET, bad, &[], None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert_eq!(requests(&server).await, 0);
    let answer = client
        .raw_request(Method::POST, "organizers/100/webinars", &[], Some(&json!({"subject": "x"})))
        .await
        .unwrap();
    assert_eq!(answer.status, 201);
    assert_eq!(answer.body.unwrap().get(), r#"{"webinarKey":24576065432313123456}"#);
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug_output() {
    let server = MockServer::start().await;
    answer_webinar(&server, ResponseTemplate::new(500).set_body_string("oops")).await;
    let secret = "very-secret-access-token";
    let client = client_for(&server.uri(), Arc::new(StaticToken(Secret::new(secret))));
    let err = client.webinars(&organizer()).get(&webinar()).await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains(secret), "{text}");
    }
    // The request did carry it.
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].headers.get("authorization").unwrap(), &format!("Bearer {secret}"));
}

#[tokio::test]
async fn clones_share_one_rate_limit() {
    let server = MockServer::start().await;
    answer_webinar(&server, ResponseTemplate::new(200).set_body_string(WEBINAR)).await;
    let origins = Origins::new(&server.uri(), "http://127.0.0.1:9").unwrap();
    let client = GoToWebinar::builder(origins, Arc::new(StaticToken(Secret::new("t"))))
        .rate_limit(Some(4))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = client.clone();
        tasks.push(tokio::spawn(
            async move { client.webinars(&organizer()).get(&webinar()).await.map(|_| ()) },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // Four fit in the first window; the fifth and sixth wait for the next one.
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(requests(&server).await, 6);
}

#[tokio::test]
async fn builder_refuses_a_zero_rate_limit_and_zero_attempts() {
    let origins = Origins::new("http://127.0.0.1:9", "http://127.0.0.1:9").unwrap();
    let tokens: Arc<dyn AccessTokenSource> = Arc::new(StaticToken(Secret::new("t")));
    let err = GoToWebinar::builder(origins.clone(), tokens.clone()).rate_limit(Some(0)).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let policy = RetryPolicy { max_attempts: 0, ..RetryPolicy::default() };
    assert!(GoToWebinar::builder(origins, tokens).retry_policy(policy).build().is_err());
}

#[tokio::test]
async fn a_custom_request_uses_its_own_kind() {
    // `PUT …/copy` creates a webinar: a 503 is not retried although PUT usually is.
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = static_client(&server);
    let err = client.webinars(&organizer()).copy(&webinar(), None).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(requests(&server).await, 1);
    // The same method as a repeatable request is retried.
    let request = Request::new(Method::PUT, "/organizers/100/webinars/200", RequestKind::Repeatable);
    assert!(client.send(&request).await.is_err());
    assert_eq!(requests(&server).await, 1 + fast_retries().max_attempts as usize);
}

#[tokio::test]
async fn an_attempt_gives_up_after_the_clients_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = GoToWebinar::builder(
        Origins::new(&server.uri(), "http://127.0.0.1:9").unwrap(),
        Arc::new(StaticToken(Secret::new("t"))),
    )
    .retry_policy(RetryPolicy::none())
    .rate_limit(None)
    .timeout(Duration::from_millis(300))
    .build()
    .unwrap();
    let started = Instant::now();
    let err = client.webinars(&organizer()).get(&webinar()).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Network { maybe_sent: true, .. }), "{err:?}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_redirect_from_the_api_is_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = format!("{}/elsewhere", server.uri());
    Mock::given(path("/G2W/rest/v2/organizers/100/webinars/200"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let err = static_client(&server).webinars(&organizer()).get(&webinar()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(api) if api.status == 302), "{err:?}");
}
