//! A token endpoint's answer is read no further than the response cap. Its own test binary: the
//! cap comes from the process environment.

use gotowebinar::oauth::{OAuthClient, TokenRequestError};
use gotowebinar::{Origins, Secret};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn an_oversized_token_answer_is_an_error_that_is_not_retried() {
    std::env::set_var("GOTOWEBINAR_MAX_RESPONSE_BYTES", "4096");
    let server = MockServer::start().await;
    let huge = format!("{{\"access_token\": \"{}\", \"expires_in\": 3600}}", "A".repeat(100_000));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(huge))
        .expect(1)
        .mount(&server)
        .await;
    let origins = Origins::new(&server.uri(), &server.uri()).unwrap();
    let client = OAuthClient::new("client-id", Secret::new("CLIENT-SECRET-0"), origins).unwrap();
    let error = client.try_refresh(&Secret::new("RT-1")).await.expect_err("an oversized answer is refused");
    match &error {
        TokenRequestError::Failed { message } => {
            assert!(message.contains("above the 4096 bytes"), "{message}")
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert!(!error.is_transient());
}
