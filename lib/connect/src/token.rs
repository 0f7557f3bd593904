//! OAuth 2.0 token requests of provider files through the `oauth2` crate: code exchange (with the
//! PKCE verifier) and refresh, sent by the shared HTTP client ([`TokenHttp`]: no redirects, 30 s,
//! the response cap) and answered in the shared token response type
//! ([`TokenAnswer`](gotowebinar::oauth::TokenAnswer)), which keeps every field the provider sent
//! and takes `expires_in` as a number or a string.

use std::time::Duration;

use gotowebinar::oauth::{RawAnswer, TokenClient, TokenHttp, TokenHttpError};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, PkceCodeVerifier, RedirectUrl,
    RefreshToken, RequestTokenError, TokenUrl,
};
use serde_json::{Map, Value};

use crate::provider::{rejected, scrub, ClientAuth, ProviderFile};
use crate::{AuthError, Commands};

/// How long a provider's token endpoint may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What a token request spends.
pub enum Grant<'a> {
    /// An authorization code, with its redirect URI and the PKCE verifier when one was sent.
    Code {
        /// The code.
        code: &'a str,
        /// The redirect URI of the authorization request.
        redirect_uri: &'a str,
        /// The PKCE verifier.
        pkce_verifier: Option<&'a str>,
    },
    /// A refresh token.
    Refresh(&'a gotowebinar::RefreshToken),
}

/// Sends a token request to a provider file's token endpoint and returns the provider's answer.
/// Form-encoded answers are taken as well as JSON, and any 2xx with an access token succeeds.
/// `commands` are named in the advice of a refusal.
pub async fn request(
    file: &ProviderFile,
    client_id: &str,
    client_secret: &gotowebinar::ClientSecret,
    grant: Grant<'_>,
    commands: Commands,
) -> Result<Map<String, Value>, AuthError> {
    let usage = |error: String| AuthError::usage(error);
    let client: TokenClient = oauth2::Client::new(ClientId::new(client_id.to_string()))
        .set_client_secret(ClientSecret::new(client_secret.expose().to_string()))
        .set_auth_uri(AuthUrl::new(file.authorize_url.clone()).map_err(|e| usage(e.to_string()))?)
        .set_token_uri(TokenUrl::new(file.token_url.clone()).map_err(|e| usage(e.to_string()))?)
        .set_auth_type(match file.client_auth {
            ClientAuth::Basic => AuthType::BasicAuth,
            ClientAuth::Body => AuthType::RequestBody,
        });
    let mut http = TokenHttp::builder(TIMEOUT).form_encoded_answers();
    if file.client_auth == ClientAuth::Basic {
        http = http.basic_auth(client_id, client_secret);
    }
    let http = http.build().map_err(|error| AuthError::failed("token_endpoint", error.to_string()))?;
    let call = http.call();
    let mut secrets = vec![client_secret.expose()];
    let (what, result) = match grant {
        Grant::Code { code, redirect_uri, pkce_verifier } => {
            secrets.push(code);
            let client = client.set_redirect_uri(
                RedirectUrl::new(redirect_uri.to_string()).map_err(|e| usage(e.to_string()))?,
            );
            let mut request = client.exchange_code(AuthorizationCode::new(code.to_string()));
            if let Some(verifier) = pkce_verifier {
                request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()));
            }
            ("the authorization code", request.request_async(&call).await)
        }
        Grant::Refresh(token) => {
            secrets.push(token.expose());
            let token = RefreshToken::new(token.expose().to_string());
            ("the refresh token", client.exchange_refresh_token(&token).request_async(&call).await)
        }
    };
    match result {
        Ok(answer) => Ok(answer.into_map()),
        Err(RequestTokenError::ServerResponse(error)) => {
            let description = error.description().map(|d| scrub(d, &secrets));
            Err(rejected(what, &scrub(error.error(), &secrets), description.as_deref(), commands))
        }
        Err(RequestTokenError::Request(error)) => Err(match error {
            TokenHttpError::Unreachable(error) => AuthError::failed(
                "token_endpoint",
                scrub(
                    &format!("the token endpoint {} could not be reached: {error}", file.token_url),
                    &secrets,
                ),
            ),
            TokenHttpError::TooLarge { size, max, .. } => AuthError::failed(
                "token_endpoint",
                format!(
                    "the answer of {} is {size}, above the {max} bytes a response may have",
                    file.token_url
                ),
            ),
            // A body that breaks off reads as empty, like any unreadable answer.
            TokenHttpError::BrokenOff { status, .. } => {
                unreadable(Some(RawAnswer::new(status, String::new())), &secrets)
            }
            other => AuthError::failed("token_endpoint", scrub(&other.to_string(), &secrets)),
        }),
        Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) => {
            Err(unreadable(call.answer(), &secrets))
        }
    }
}

/// Explains an answer that is neither a token nor an RFC 6749 error.
fn unreadable(answer: Option<RawAnswer>, secrets: &[&str]) -> AuthError {
    let (status, body) = answer.map_or((0, String::new()), |answer| (answer.status, answer.body));
    if (200..300).contains(&status) {
        return AuthError::failed(
            "token_endpoint",
            format!("the token endpoint answered HTTP {status} without an access_token"),
        );
    }
    let text: String = scrub(&body, secrets).split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = text.chars().take(200).collect();
    AuthError::failed("token_endpoint", format!("the token endpoint answered HTTP {status}: {short}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotowebinar::Secret;
    use serde_json::json;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn file(server: &MockServer, client_auth: &str) -> ProviderFile {
        ProviderFile::from_value(
            json!({"name": "p", "authorizeUrl": "https://p.example/auth",
                   "tokenUrl": format!("{}/token", server.uri()), "clientAuth": client_auth}),
            "test",
        )
        .unwrap()
    }

    #[tokio::test]
    async fn refresh_and_pkce_go_in_the_form_and_the_secret_in_the_body_when_asked() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("code_verifier=v-1"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"access_token": "at", "expires_in": "60", "user_id": 123456789012345678901234567}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "at-2"})))
            .mount(&server)
            .await;
        let file = file(&server, "body");
        let secret = Secret::new("s-1234");
        let grant =
            Grant::Code { code: "c", redirect_uri: "http://127.0.0.1:1/cb", pkce_verifier: Some("v-1") };
        let map = request(&file, "id", &secret, grant, crate::TEST_COMMANDS).await.unwrap();
        assert_eq!(map.get("expires_in"), Some(&json!("60")));
        // Kept exact, as a decimal string (the credential file's convention).
        assert_eq!(map.get("user_id"), Some(&json!("123456789012345678901234567")));
        let map = request(&file, "id", &secret, Grant::Refresh(&Secret::new("rt-1")), crate::TEST_COMMANDS)
            .await
            .unwrap();
        assert_eq!(map.get("access_token"), Some(&json!("at-2")));
        let sent = server.received_requests().await.unwrap();
        let body = String::from_utf8(sent[1].body.clone()).unwrap();
        assert!(body.contains("refresh_token=rt-1") && body.contains("client_secret=s-1234"), "{body}");
    }

    #[tokio::test]
    async fn basic_auth_sends_the_secret_as_it_is() {
        let server = MockServer::start().await;
        // base64("id:a+b/c=")
        Mock::given(method("POST"))
            .and(wiremock::matchers::header("authorization", "Basic aWQ6YStiL2M9"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "at"})))
            .mount(&server)
            .await;
        let grant = Grant::Code { code: "c", redirect_uri: "http://127.0.0.1:1/cb", pkce_verifier: None };
        let map = request(&file(&server, "basic"), "id", &Secret::new("a+b/c="), grant, crate::TEST_COMMANDS)
            .await
            .unwrap();
        assert_eq!(map.get("access_token"), Some(&json!("at")));
        let sent = server.received_requests().await.unwrap();
        assert_eq!(sent[0].headers.get_all("authorization").iter().count(), 1);
    }

    #[tokio::test]
    async fn errors_in_a_200_and_unreadable_answers_are_explained() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_string_contains("code=c-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_grant"})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("code=code-2"))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway for code-2</html>"))
            .mount(&server)
            .await;
        let file = file(&server, "basic");
        let secret = Secret::new("s-1234");
        let code = |code| Grant::Code { code, redirect_uri: "http://127.0.0.1:1/cb", pkce_verifier: None };
        let err = request(&file, "id", &secret, code("c-1"), crate::TEST_COMMANDS).await.unwrap_err();
        assert_eq!(err.code(), "invalid_grant", "{err}");
        assert!(err.message().contains("the authorization code"), "{err}");
        let err = request(&file, "id", &secret, code("code-2"), crate::TEST_COMMANDS).await.unwrap_err();
        assert_eq!(err.code(), "token_endpoint");
        assert!(
            err.message().starts_with("the token endpoint answered HTTP 502: <html>bad gateway for"),
            "{err}"
        );
        assert!(!err.message().contains("code-2"), "the code is scrubbed: {err}");
    }
}
