//! Bounds of the client: oversized answers stop while they stream in, and a request URL that is
//! far too long is refused before anything is sent.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gotowebinar::client::{GoToWebinar, Request, MAX_RESPONSE_BYTES_ENV};
use gotowebinar::retry::{RequestKind, RetryPolicy};
use gotowebinar::{Error, ErrorKind, Origins, Secret, StaticToken};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn builder(uri: &str) -> gotowebinar::client::GoToWebinarBuilder {
    let origins = Origins::new(uri, "http://127.0.0.1:9").unwrap();
    GoToWebinar::builder(origins, Arc::new(StaticToken(Secret::new("token"))))
        .retry_policy(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            deadline: Duration::from_secs(10),
        })
        .rate_limit(None)
}

fn get(path: &str) -> Request {
    Request::new(Method::GET, path, RequestKind::Repeatable)
}

#[tokio::test]
async fn an_answer_above_the_cap_is_an_api_error_with_its_size_and_is_not_retried() {
    let server = MockServer::start().await;
    let big = format!("[\"{}\"]", "x".repeat(3 * 1024 * 1024));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(big))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_response_bytes(1024 * 1024).build().unwrap();
    let error = client.send(&get("/organizers/1/webinars")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api, "{error}");
    let message = error.to_string();
    assert!(message.contains("1048576") && message.contains(MAX_RESPONSE_BYTES_ENV), "{message}");
    assert!(message.len() < 600, "{message}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "not retried");
    // Under the cap, the same answer is read.
    let client = builder(&server.uri()).max_response_bytes(4 * 1024 * 1024).build().unwrap();
    assert_eq!(client.send(&get("/organizers/1/webinars")).await.unwrap().body.len(), 3 * 1024 * 1024 + 4);
}

/// A server that streams a chunked body forever (no Content-Length) and counts connections.
async fn endless_server() -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicU32::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "7".repeat(64 * 1024));
                while stream.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    (format!("http://{address}"), connections)
}

#[tokio::test]
async fn an_endless_answer_is_cut_off_while_it_streams_in() {
    let (uri, connections) = endless_server().await;
    let client = builder(&uri).max_response_bytes(2 * 1024 * 1024).build().unwrap();
    let error = tokio::time::timeout(Duration::from_secs(20), client.send(&get("/organizers/1/webinars")))
        .await
        .expect("the read stops at the cap instead of reading forever")
        .unwrap_err();
    assert!(matches!(error, Error::Decode { status: 200, .. }), "{error}");
    assert!(error.to_string().contains("more than 2097152 bytes"), "{error}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_cap_comes_from_the_environment_when_not_set() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1,2,3,4,5,6,7,8,9,10,11,12,13]"))
        .mount(&server)
        .await;
    // Only this test reads the variable: the others set their cap explicitly.
    std::env::set_var(MAX_RESPONSE_BYTES_ENV, "10");
    let low = builder(&server.uri()).build();
    std::env::set_var(MAX_RESPONSE_BYTES_ENV, "ten");
    let invalid = builder(&server.uri()).build();
    std::env::remove_var(MAX_RESPONSE_BYTES_ENV);
    let error = low.unwrap().send(&get("/x")).await.unwrap_err();
    assert!(error.to_string().contains("31 bytes") && error.to_string().contains("above the 10"), "{error}");
    assert_eq!(invalid.unwrap_err().kind(), ErrorKind::Config);
    assert!(builder(&server.uri()).build().unwrap().send(&get("/x")).await.is_ok());
}

#[tokio::test]
async fn a_url_far_too_long_is_invalid_input_sent_never() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let key = "1".repeat(5 * 1024 * 1024);
    let error = client.send(&get(&format!("/organizers/1/webinars/{key}"))).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().len() < 3000, "{} bytes of error", error.to_string().len());
    let long_query = get("/x").query("q", "y".repeat(20_000));
    assert_eq!(client.send(&long_query).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
}
