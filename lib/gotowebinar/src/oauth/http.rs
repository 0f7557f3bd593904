//! `oauth2`'s HTTP client for token requests ([`TokenHttp`]): one reqwest client that follows no
//! redirect, gives up after a timeout and reads an answer no further than the response cap. Each
//! request goes through a [`TokenCall`], which keeps the answer as it came ([`RawAnswer`]: status,
//! `Retry-After`, `Location`, body), so whoever sent it can explain an answer `oauth2` cannot
//! read, with the real status.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use super::credential::{parse_preserving, OAuthKeys};
use super::response::{TokenAnswer, TokenErrorAnswer};
use crate::client::{max_response_bytes_from_env, read_capped, ReadFailure, DEFAULT_MAX_RESPONSE_BYTES};
use crate::retry::retry_after_header;
use crate::secret::ClientSecret;

/// Why a token request got no answer `oauth2` could be given. No variant holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenHttpError {
    /// The request could not be sent or no answer came (connection, timeout, TLS).
    Unreachable(reqwest::Error),
    /// The answer is larger than the response cap.
    TooLarge {
        /// The HTTP status of the answer.
        status: u16,
        /// What is known of its size (`"20000 bytes"`, `"more than 4096 bytes"`).
        size: String,
        /// The cap, in bytes.
        max: usize,
    },
    /// The answer's body broke off.
    BrokenOff {
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `Retry-After`, if it had one.
        retry_after: Option<Duration>,
        /// What broke.
        error: reqwest::Error,
    },
    /// The request or the answer could not be put into the form the other side takes.
    Invalid(String),
}

impl fmt::Display for TokenHttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenHttpError::Unreachable(error) => write!(f, "the token endpoint could not be reached: {error}"),
            TokenHttpError::TooLarge { status, size, max } => write!(
                f,
                "the token endpoint's answer (HTTP {status}) is {size}, above the {max} bytes a response may have"
            ),
            TokenHttpError::BrokenOff { status, error, .. } => {
                write!(f, "the token endpoint's answer (HTTP {status}) could not be read: {error}")
            }
            TokenHttpError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for TokenHttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenHttpError::Unreachable(error) | TokenHttpError::BrokenOff { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A token endpoint's answer as it came, for explaining it. `Debug` redacts tokens in it.
#[derive(Clone, PartialEq)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` delay, when the answer had one.
    pub retry_after: Option<Duration>,
    /// The `Location` header, when the answer had one.
    pub location: Option<String>,
    /// The body as text (a form-encoded answer, when those are taken, as its JSON object).
    pub body: String,
    /// The body as a JSON object, when it is one; integers of any size kept exact.
    pub object: Option<Map<String, Value>>,
}

impl fmt::Debug for RawAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold tokens: its size only, and the object with secrets redacted.
        f.debug_struct("RawAnswer")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            // A redirect's query or fragment may carry a code or token: the place only.
            .field(
                "location",
                &self.location.as_deref().map(|l| l.split(['?', '#']).next().unwrap_or_default()),
            )
            .field("body_bytes", &self.body.len())
            .field("object", &self.object.clone().map(OAuthKeys::from_map))
            .finish()
    }
}

impl RawAnswer {
    /// An answer whose body is JSON, or anything else that is left unread.
    pub fn new(status: u16, body: String) -> Self {
        let object = match parse_preserving(&body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
        Self { status, retry_after: None, location: None, body, object }
    }

    /// A form-encoded answer (`key=value&…`), read as a JSON object of strings.
    pub fn form_encoded(status: u16, body: &str) -> Self {
        let map: Map<String, Value> = url::form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        let body = Value::Object(map.clone()).to_string();
        Self { status, retry_after: None, location: None, body, object: Some(map) }
    }

    /// The answer as `oauth2` is given it: an RFC 6749 error (a non-empty `error`, with any
    /// status) as an error answer, any 2xx JSON object with an access token as HTTP 200 JSON,
    /// anything else as it came. Large integers stay exact (as decimal strings).
    pub fn for_oauth2(&self) -> Result<HttpResponse, TokenHttpError> {
        let (status, body) = match &self.object {
            Some(map) if TokenErrorAnswer::from_map(map).is_some() => {
                (400, Value::Object(map.clone()).to_string())
            }
            Some(map) if (200..300).contains(&self.status) && TokenAnswer::from_map(map.clone()).is_ok() => {
                (200, Value::Object(map.clone()).to_string())
            }
            _ => (self.status, self.body.clone()),
        };
        oauth2::http::Response::builder()
            .status(status)
            .header(oauth2::http::header::CONTENT_TYPE, "application/json")
            .body(body.into_bytes())
            .map_err(|error| TokenHttpError::Invalid(format!("the token endpoint's answer: {error}")))
    }
}

/// Builds a [`TokenHttp`].
#[derive(Debug)]
pub struct TokenHttpBuilder {
    timeout: Duration,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    basic: Option<(String, ClientSecret)>,
    form_encoded_answers: bool,
}

impl TokenHttpBuilder {
    /// Gives up connecting after `timeout` (within the request's own timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends this `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sends `Authorization: Basic base64(id:secret)` with the id and secret as they are.
    /// `oauth2` form-encodes both first (RFC 6749 §2.3.1), which providers that do not decode
    /// (GoTo among them) refuse for secrets with `+`, `/` or `=`.
    pub fn basic_auth(mut self, client_id: &str, client_secret: &ClientSecret) -> Self {
        self.basic = Some((client_id.to_string(), client_secret.clone()));
        self
    }

    /// Also takes form-encoded answers (`application/x-www-form-urlencoded`), which some
    /// providers send instead of JSON.
    pub fn form_encoded_answers(mut self) -> Self {
        self.form_encoded_answers = true;
        self
    }

    /// The client.
    pub fn build(self) -> Result<TokenHttp, TokenHttpError> {
        let mut builder =
            tlsroots::client_builder().redirect(reqwest::redirect::Policy::none()).timeout(self.timeout);
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(user_agent) = &self.user_agent {
            builder = builder.user_agent(user_agent);
        }
        let http = builder
            .build()
            .map_err(|error| TokenHttpError::Invalid(format!("cannot build an HTTP client: {error}")))?;
        Ok(TokenHttp { http, basic: self.basic, form_encoded_answers: self.form_encoded_answers })
    }
}

/// The HTTP client `oauth2` sends token requests with (through [`TokenHttp::call`]).
#[derive(Clone)]
pub struct TokenHttp {
    http: reqwest::Client,
    basic: Option<(String, ClientSecret)>,
    form_encoded_answers: bool,
}

impl fmt::Debug for TokenHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenHttp")
            .field("basic_auth_client_id", &self.basic.as_ref().map(|(id, _)| id))
            .field("form_encoded_answers", &self.form_encoded_answers)
            .finish()
    }
}

impl TokenHttp {
    /// A builder: no redirects followed, `timeout` for each request.
    pub fn builder(timeout: Duration) -> TokenHttpBuilder {
        TokenHttpBuilder {
            timeout,
            connect_timeout: None,
            user_agent: None,
            basic: None,
            form_encoded_answers: false,
        }
    }

    /// One token request: hand the result to `oauth2`'s `request_async`, then read
    /// [`TokenCall::answer`].
    pub fn call(&self) -> TokenCall<'_> {
        TokenCall { http: self, answer: Mutex::new(None) }
    }

    async fn send(&self, request: HttpRequest) -> Result<(RawAnswer, HttpResponse), TokenHttpError> {
        let (mut parts, body) = request.into_parts();
        if self.basic.is_some() {
            parts.headers.remove(oauth2::http::header::AUTHORIZATION);
        }
        let mut builder = self.http.request(parts.method, parts.uri.to_string()).headers(parts.headers);
        if let Some((id, secret)) = &self.basic {
            builder = builder.basic_auth(id, Some(secret.expose()));
        }
        let response = builder.body(body).send().await.map_err(TokenHttpError::Unreachable)?;
        let status = response.status().as_u16();
        let retry_after = retry_after_header(response.headers(), Utc::now());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let form_encoded = self.form_encoded_answers
            && response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let max = max_response_bytes_from_env().unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        let body = match read_capped(response, max).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(ReadFailure::TooLarge(size)) => return Err(TokenHttpError::TooLarge { status, size, max }),
            Err(ReadFailure::Transport(error)) => {
                return Err(TokenHttpError::BrokenOff { status, retry_after, error })
            }
        };
        let mut answer =
            if form_encoded { RawAnswer::form_encoded(status, &body) } else { RawAnswer::new(status, body) };
        answer.retry_after = retry_after;
        answer.location = location;
        let response = answer.for_oauth2()?;
        Ok((answer, response))
    }
}

/// One token request through [`TokenHttp`]; `oauth2` sends it with `request_async(&call)`.
#[derive(Debug)]
pub struct TokenCall<'a> {
    http: &'a TokenHttp,
    answer: Mutex<Option<RawAnswer>>,
}

impl TokenCall<'_> {
    /// The answer as it came, when one was read whole.
    pub fn answer(&self) -> Option<RawAnswer> {
        self.answer.lock().ok().and_then(|answer| answer.clone())
    }

    async fn run(&self, request: HttpRequest) -> Result<HttpResponse, TokenHttpError> {
        let (answer, response) = self.http.send(request).await?;
        if let Ok(mut slot) = self.answer.lock() {
            *slot = Some(answer);
        }
        Ok(response)
    }
}

impl<'c> AsyncHttpClient<'c> for TokenCall<'_> {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TokenHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.run(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth2_is_given_errors_as_errors_and_tokens_as_http_200() {
        let error = RawAnswer::new(200, r#"{"error":"invalid_grant"}"#.into()).for_oauth2().unwrap();
        assert_eq!(error.status(), 400);
        let token = RawAnswer::new(201, r#"{"access_token":"a","n":123456789012345678901234567}"#.into());
        let response = token.for_oauth2().unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["n"], Value::String("123456789012345678901234567".into()));
        let other = RawAnswer::new(503, "<html>down</html>".into()).for_oauth2().unwrap();
        assert_eq!(
            (other.status().as_u16(), other.body().as_slice()),
            (503, b"<html>down</html>".as_slice())
        );
        let form = RawAnswer::form_encoded(200, "access_token=at-1&expires_in=60");
        assert_eq!(form.object.as_ref().and_then(|m| m.get("expires_in")), Some(&Value::String("60".into())));
        assert_eq!(form.for_oauth2().unwrap().status(), 200);
    }

    #[test]
    fn debug_never_shows_the_client_secret() {
        let http = TokenHttp::builder(Duration::from_secs(1))
            .basic_auth("id", &ClientSecret::new("CLIENT-SECRET-1"))
            .build()
            .unwrap();
        let debug = format!("{http:?} {:?}", http.call());
        assert!(!debug.contains("CLIENT-SECRET-1") && debug.contains("id"), "{debug}");
        let answer =
            RawAnswer::new(200, r#"{"access_token":"AT-SECRET-2","refresh_token":"RT-SECRET-3"}"#.into());
        let debug = format!("{answer:?}");
        assert!(!debug.contains("AT-SECRET-2") && !debug.contains("RT-SECRET-3"), "{debug}");
        let mut redirect = RawAnswer::new(302, String::new());
        redirect.location = Some("https://elsewhere.example/cb?code=CODE-SECRET-4#access_token=AT-5".into());
        let debug = format!("{redirect:?}");
        assert!(debug.contains("https://elsewhere.example/cb"), "{debug}");
        assert!(!debug.contains("CODE-SECRET-4") && !debug.contains("AT-5"), "{debug}");
    }
}
