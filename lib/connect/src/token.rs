//! OAuth 2.0 token requests of provider files through the `oauth2` crate: code exchange (with the
//! PKCE verifier) and refresh, sent by our HTTP client ([`TokenHttp`]) so the response cap holds,
//! and answered in our own token response type ([`TokenAnswer`]), which keeps every field the
//! provider sent and takes `expires_in` as a number or a string.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::provider::{capped_text, rejected, scrub, ClientAuth, ProviderFile};
use crate::AuthError;

/// A token response as the provider sent it, with the RFC 6749 fields read out for `oauth2`.
#[derive(Debug, Clone)]
pub struct TokenAnswer {
    map: Map<String, Value>,
    access_token: AccessToken,
    token_type: BasicTokenType,
    expires_in: Option<u64>,
    refresh_token: Option<RefreshToken>,
    scopes: Option<Vec<Scope>>,
}

impl TokenAnswer {
    /// Reads a token response; `access_token` must be a non-empty string.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, String> {
        let text = |name: &str| map.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        let access_token = AccessToken::new(text("access_token").ok_or("no access_token")?.to_string());
        let token_type = match text("token_type") {
            None => BasicTokenType::Bearer,
            Some(t) if t.eq_ignore_ascii_case("bearer") => BasicTokenType::Bearer,
            Some(t) if t.eq_ignore_ascii_case("mac") => BasicTokenType::Mac,
            Some(t) => BasicTokenType::Extension(t.to_string()),
        };
        // Some providers send the lifetime as a string ("3600").
        let expires_in = match map.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let refresh_token = text("refresh_token").map(|t| RefreshToken::new(t.to_string()));
        let scopes = text("scope").map(|s| s.split_whitespace().map(|s| Scope::new(s.to_string())).collect());
        Ok(Self { access_token, token_type, expires_in, refresh_token, scopes, map })
    }

    /// Every field the provider sent.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }
}

impl<'de> Deserialize<'de> for TokenAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        TokenAnswer::from_map(map).map_err(serde::de::Error::custom)
    }
}

impl Serialize for TokenAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

impl oauth2::TokenResponse for TokenAnswer {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

type TokenClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// `oauth2`'s HTTP client: no redirects, 30 s, the answer read up to the response cap. It keeps
/// the last status and body, so an answer `oauth2` cannot read is still explained.
pub struct TokenHttp {
    http: reqwest::Client,
    endpoint: String,
    basic: Option<(String, String)>,
    last: Mutex<Option<(u16, String)>>,
}

impl TokenHttp {
    /// A client for one token endpoint.
    pub fn new(endpoint: &str) -> Result<Self, AuthError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| {
                AuthError::failed("token_endpoint", format!("cannot build an HTTP client: {error}"))
            })?;
        Ok(Self { http, endpoint: endpoint.to_string(), basic: None, last: Mutex::new(None) })
    }

    /// Sends `Authorization: Basic base64(id:secret)` with the id and secret as they are. `oauth2`
    /// form-encodes both first (RFC 6749 2.3.1), which providers that do not decode refuse for
    /// secrets with `+`, `/` or `=`; the header stays as this program always sent it.
    pub fn with_basic_auth(mut self, client_id: &str, client_secret: &gotowebinar::ClientSecret) -> Self {
        self.basic = Some((client_id.to_string(), client_secret.expose().to_string()));
        self
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, AuthError> {
        let (mut parts, body) = request.into_parts();
        if self.basic.is_some() {
            parts.headers.remove(oauth2::http::header::AUTHORIZATION);
        }
        let mut builder = self.http.request(parts.method, parts.uri.to_string()).headers(parts.headers);
        if let Some((id, secret)) = &self.basic {
            builder = builder.basic_auth(id, Some(secret));
        }
        let response = builder.body(body).send().await.map_err(|error| {
            // The caller scrubs secrets from the message.
            AuthError::failed(
                "token_endpoint",
                format!("the token endpoint {} could not be reached: {error}", self.endpoint),
            )
        })?;
        let status = response.status();
        let form_encoded = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let body = capped_text(response, &self.endpoint).await?;
        // Some providers answer form-encoded (key=value&…): `oauth2` reads JSON only.
        let json = if form_encoded {
            let map: Map<String, Value> = url::form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            Value::Object(map).to_string()
        } else {
            body.clone()
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some((status.as_u16(), json.clone()));
        }
        oauth2::http::Response::builder()
            .status(status.as_u16())
            .header(oauth2::http::header::CONTENT_TYPE, "application/json")
            .body(json.into_bytes())
            .map_err(|error| AuthError::failed("token_endpoint", error.to_string()))
    }

    fn last(&self) -> Option<(u16, String)> {
        self.last.lock().ok().and_then(|last| last.clone())
    }
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, AuthError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

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
pub async fn request(
    file: &ProviderFile,
    client_id: &str,
    client_secret: &gotowebinar::ClientSecret,
    grant: Grant<'_>,
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
    let http = match file.client_auth {
        ClientAuth::Basic => TokenHttp::new(&file.token_url)?.with_basic_auth(client_id, client_secret),
        ClientAuth::Body => TokenHttp::new(&file.token_url)?,
    };
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
            ("the authorization code", request.request_async(&http).await)
        }
        Grant::Refresh(token) => {
            secrets.push(token.expose());
            let token = RefreshToken::new(token.expose().to_string());
            ("the refresh token", client.exchange_refresh_token(&token).request_async(&http).await)
        }
    };
    match result {
        // The answer as sent, with integers of any size exact (serde_json's map would round them).
        Ok(answer) => match http.last().map(|(_, body)| gotowebinar::oauth::parse_preserving(&body)) {
            Some(Ok(Value::Object(map))) => Ok(map),
            _ => Ok(answer.into_map()),
        },
        Err(RequestTokenError::ServerResponse(error)) => {
            let description = error.error_description().map(|d| scrub(d, &secrets));
            Err(rejected(what, &scrub(error.error().as_ref(), &secrets), description.as_deref()))
        }
        Err(RequestTokenError::Request(error)) => Err(match error {
            AuthError::Failed { code, message } => AuthError::failed(code, scrub(&message, &secrets)),
            other => other,
        }),
        Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) => {
            let last = http.last();
            // `oauth2` takes only 200 as success; any 2xx with a token is one.
            if let Some((200..=299, body)) = &last {
                if let Ok(Value::Object(map)) = gotowebinar::oauth::parse_preserving(body) {
                    if let Ok(answer) = TokenAnswer::from_map(map) {
                        return Ok(answer.into_map());
                    }
                }
            }
            Err(unreadable(what, last, &secrets))
        }
    }
}

/// Explains an answer that is neither a token nor an RFC 6749 error.
fn unreadable(what: &str, last: Option<(u16, String)>, secrets: &[&str]) -> AuthError {
    let (status, body) = last.unwrap_or((0, String::new()));
    let parsed = match gotowebinar::oauth::parse_preserving(&body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    if let Some(map) = &parsed {
        if let Some(code) = map.get("error").and_then(Value::as_str).filter(|c| !c.is_empty()) {
            let description = map.get("error_description").and_then(Value::as_str).map(|d| scrub(d, secrets));
            return rejected(what, &scrub(code, secrets), description.as_deref());
        }
    }
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
    use oauth2::TokenResponse as _;
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

    #[test]
    fn the_answer_reads_expires_in_as_a_number_or_a_string_and_keeps_every_field() {
        let map = json!({"access_token": "a", "expires_in": "3600", "scope": "x y", "organizer_key": 7});
        let answer = TokenAnswer::from_map(map.as_object().unwrap().clone()).unwrap();
        assert_eq!(answer.expires_in(), Some(Duration::from_secs(3600)));
        assert_eq!(answer.token_type(), &BasicTokenType::Bearer);
        assert_eq!(answer.scopes().map(Vec::len), Some(2));
        assert_eq!(Value::Object(answer.into_map()), map);
        let answer = TokenAnswer::from_map(
            json!({"access_token": "a", "expires_in": 60}).as_object().unwrap().clone(),
        );
        assert_eq!(answer.unwrap().expires_in(), Some(Duration::from_secs(60)));
        assert!(TokenAnswer::from_map(json!({"access_token": ""}).as_object().unwrap().clone()).is_err());
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
        let map = request(&file, "id", &secret, grant).await.unwrap();
        assert_eq!(map.get("expires_in"), Some(&json!("60")));
        // Kept exact, as a decimal string (the credential file's convention).
        assert_eq!(map.get("user_id"), Some(&json!("123456789012345678901234567")));
        let map = request(&file, "id", &secret, Grant::Refresh(&Secret::new("rt-1"))).await.unwrap();
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
        let map = request(&file(&server, "basic"), "id", &Secret::new("a+b/c="), grant).await.unwrap();
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
        let err = request(&file, "id", &secret, code("c-1")).await.unwrap_err();
        assert_eq!(err.code(), "invalid_grant", "{err}");
        assert!(err.message().contains("the authorization code"), "{err}");
        let err = request(&file, "id", &secret, code("code-2")).await.unwrap_err();
        assert_eq!(err.code(), "token_endpoint");
        assert!(
            err.message().starts_with("the token endpoint answered HTTP 502: <html>bad gateway for"),
            "{err}"
        );
        assert!(!err.message().contains("code-2"), "the code is scrubbed: {err}");
    }
}
