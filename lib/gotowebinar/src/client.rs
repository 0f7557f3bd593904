//! The HTTP client: one request type, one `send` that handles tokens, rate limits, retries and
//! error mapping for every operation. The operations themselves live in [`crate::api`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use url::Url;

use crate::auth::AccessTokenSource;
use crate::config::Origins;
use crate::error::{truncate_body, ApiError, Error, Result};
use crate::pagination::{check_page_size, page_stream, parse_page, Page};
use crate::rate_limit::{RateLimiter, DEFAULT_REQUESTS_PER_SECOND};
use crate::retry::{retry_after_header, Decision, RequestKind, RetryPolicy};
use crate::secret::AccessToken;
use crate::stages::{throttle, Authorizer, Retrier};

/// The default time one attempt may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the system's root certificates that clients built without
/// [`GoToWebinarBuilder::http_client`] (and token endpoint clients) trust, if none has yet. They
/// are read once per process; a program may call this on a thread of its own at start-up so the
/// first client does not wait for them. A store that cannot be used is reported by the client's
/// `build`, as before.
pub fn warm_up() {
    tlsroots::warm_up();
}

/// A lazily fetched list, page by page.
pub type PageStream<T> = futures::stream::BoxStream<'static, Result<Page<T>>>;

/// Which base a request path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The webinar API, `{api}/G2W/rest/v2`.
    RestV2,
    /// The API origin itself, for `/identity/v1/…` and `/admin/rest/v1/…`.
    Origin,
}

/// One API request: what to send and whether sending it twice is harmless.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// What `path` is relative to.
    pub base: Base,
    /// The path, starting with `/`.
    pub path: String,
    /// Query parameters (percent-encoded when sent, so `+` arrives as `+`).
    pub query: Vec<(String, String)>,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// Whether the request may be repeated; a property of the operation, not of the method.
    pub kind: RequestKind,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("base", &self.base)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("kind", &self.kind)
            .finish()
    }
}

impl Request {
    /// A request to the webinar API.
    pub fn new(method: Method, path: impl Into<String>, kind: RequestKind) -> Self {
        Self { method, base: Base::RestV2, path: path.into(), query: Vec::new(), body: None, kind }
    }

    /// A repeatable `GET` from the webinar API.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, RequestKind::Repeatable)
    }

    /// Makes the path relative to the API origin instead (identity and admin APIs).
    pub fn on_origin(mut self) -> Self {
        self.base = Base::Origin;
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("the request body cannot be written as JSON: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// `METHOD /path`, as errors and logs name the request.
    pub fn context(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A successful answer.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status. A `DELETE` whose earlier attempt may have succeeded reports the final 404.
    pub status: u16,
    /// The raw body.
    pub body: Vec<u8>,
    context: String,
}

// The body may hold a secret (the webhook signing key), so `Debug` shows only its size.
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .field("context", &self.context)
            .finish()
    }
}

impl Response {
    /// Reads the body as `T`, straight from the bytes so keys keep every digit.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// Reads a page of a list (either of GoTo's page shapes).
    pub fn page<T: DeserializeOwned>(&self, embedded_name: &str, number: u32, size: u32) -> Result<Page<T>> {
        parse_page(&self.body, embedded_name, number, size).map_err(|e| self.decode_error(e.to_string()))
    }

    /// Reads a whole list (a bare array or `_embedded.<name>`).
    pub fn list<T: DeserializeOwned>(&self, embedded_name: &str) -> Result<Vec<T>> {
        crate::pagination::parse_list(&self.body, embedded_name).map_err(|e| self.decode_error(e.to_string()))
    }

    /// A decode error that keeps the status and the raw body.
    pub fn decode_error(&self, message: String) -> Error {
        Error::Decode {
            context: self.context.clone(),
            status: self.status,
            message,
            body: truncate_body(&String::from_utf8_lossy(&self.body)),
        }
    }
}

/// One attempt's answer, read whole.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// The answer to [`GoToWebinar::raw_request`].
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body exactly as sent (numbers keep every digit); `None` when the body was empty.
    pub body: Option<Box<RawValue>>,
}

/// The longest request URL sent, in bytes. Servers commonly refuse more than 8 KiB; a longer one
/// is a caller's mistake, reported before anything is sent and never retried.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// The largest response body read by default, in bytes (16 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Environment variable that raises (or lowers) the largest response body read, in bytes.
pub const MAX_RESPONSE_BYTES_ENV: &str = "GOTOWEBINAR_MAX_RESPONSE_BYTES";

/// The largest response body: [`MAX_RESPONSE_BYTES_ENV`] when set, else the default.
pub fn max_response_bytes_from_env() -> Result<usize> {
    match std::env::var(MAX_RESPONSE_BYTES_ENV) {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<usize>() {
            Ok(bytes) if bytes > 0 => Ok(bytes),
            _ => Err(Error::Config(format!(
                "{MAX_RESPONSE_BYTES_ENV} must be a number of bytes above zero, got {:?}",
                text.chars().take(40).collect::<String>()
            ))),
        },
        _ => Ok(DEFAULT_MAX_RESPONSE_BYTES),
    }
}

/// Why a response body was not read whole.
#[derive(Debug)]
pub enum ReadFailure {
    /// Larger than the cap: what is known of its size.
    TooLarge(String),
    /// The transport failed mid-body.
    Transport(reqwest::Error),
}

/// Reads a body chunk by chunk, giving up as soon as it passes `max` bytes, so an oversized answer
/// never sits in memory whole. Used for API answers and token endpoint answers alike.
pub async fn read_capped(
    mut answer: reqwest::Response,
    max: usize,
) -> std::result::Result<Vec<u8>, ReadFailure> {
    if let Some(length) = answer.content_length().filter(|length| *length > max as u64) {
        return Err(ReadFailure::TooLarge(format!("{length} bytes")));
    }
    let mut body = Vec::with_capacity(answer.content_length().map_or(0, |l| l as usize).min(max));
    while let Some(chunk) = answer.chunk().await.map_err(ReadFailure::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(ReadFailure::TooLarge(format!("more than {max} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The GoToWebinar API client. Cheap to clone; clones share the connection pool, the token source
/// and the rate limiter.
///
/// Build it with [`GoToWebinar::builder`] from the origins to talk to and a source of access
/// tokens (a [`TokenManager`](crate::TokenManager), or a fixed token), then reach GoTo's
/// operations through the resource handlers:
///
/// ```no_run
/// use std::sync::Arc;
///
/// use gotowebinar::client::GoToWebinar;
/// use gotowebinar::keys::{OrganizerKey, WebinarKey};
/// use gotowebinar::{Origins, Secret, StaticToken};
///
/// # async fn run() -> gotowebinar::Result<()> {
/// let tokens = Arc::new(StaticToken(Secret::new("an access token")));
/// let client = GoToWebinar::builder(Origins::default(), tokens).build()?;
/// let organizer = OrganizerKey::new("200000000000012345")?;
/// let webinar = client.webinars(&organizer).get(&WebinarKey::new("24576065432313123456")?).await?;
/// println!("{:?}", webinar.subject);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct GoToWebinar {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    origins: Origins,
    tokens: Arc<dyn AccessTokenSource>,
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
    timeout: Duration,
    max_response_bytes: usize,
}

impl fmt::Debug for GoToWebinar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoToWebinar")
            .field("api", &self.inner.origins.api.as_str())
            .field("retry", &self.inner.retry)
            .field("rate_limit", &self.inner.limiter.as_ref().map(RateLimiter::limit))
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`GoToWebinar`] client.
pub struct GoToWebinarBuilder {
    origins: Origins,
    tokens: Arc<dyn AccessTokenSource>,
    retry: RetryPolicy,
    rate_limit: Option<u32>,
    limiter: Option<RateLimiter>,
    timeout: Duration,
    http: Option<reqwest::Client>,
    max_response_bytes: Option<usize>,
}

impl GoToWebinarBuilder {
    /// How hard to retry (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Requests per second sent at most (default 10, GoTo's quota); `None` turns limiting off.
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = per_second;
        self.limiter = None;
        self
    }

    /// Uses an existing limiter, to share one quota between several clients of a credential.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The time one attempt may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body read, in bytes (default: [`MAX_RESPONSE_BYTES_ENV`], else
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A larger answer is an error, read no further.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Sends through this `reqwest` client instead of a new one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<GoToWebinar> {
        if self.retry.max_attempts == 0 {
            return Err(Error::Config("the retry policy must allow at least one attempt".into()));
        }
        if self.timeout.is_zero() {
            return Err(Error::Config("the request timeout must be longer than zero".into()));
        }
        let max_response_bytes = match self.max_response_bytes {
            Some(0) => return Err(Error::Config("the response size cap must be above zero".into())),
            Some(bytes) => bytes,
            None => max_response_bytes_from_env()?,
        };
        let limiter = match (self.limiter, self.rate_limit) {
            (Some(limiter), _) => Some(limiter),
            (None, Some(0)) => {
                return Err(Error::Config(
                    "the rate limit must be at least 1 request per second (or off)".into(),
                ))
            }
            (None, Some(per_second)) => Some(RateLimiter::per_second(per_second)),
            (None, None) => None,
        };
        let http = match self.http {
            Some(http) => http,
            // The system's roots are read once per process, not per client.
            None => tlsroots::client_builder()
                // API calls never need a redirect; following one could carry the token elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(GoToWebinar {
            inner: Arc::new(Inner {
                http,
                origins: self.origins,
                tokens: self.tokens,
                retry: self.retry,
                limiter,
                timeout: self.timeout,
                max_response_bytes,
            }),
        })
    }
}

impl GoToWebinar {
    /// Starts configuring a client for `origins`, taking tokens from `tokens`.
    pub fn builder(origins: Origins, tokens: Arc<dyn AccessTokenSource>) -> GoToWebinarBuilder {
        GoToWebinarBuilder {
            origins,
            tokens,
            retry: RetryPolicy::default(),
            rate_limit: Some(DEFAULT_REQUESTS_PER_SECOND),
            limiter: None,
            timeout: DEFAULT_TIMEOUT,
            http: None,
            max_response_bytes: None,
        }
    }

    /// The origins this client talks to.
    pub fn origins(&self) -> &Origins {
        &self.inner.origins
    }

    fn url(&self, request: &Request) -> Result<Url> {
        let base = match request.base {
            Base::RestV2 => self.inner.origins.rest_v2(),
            Base::Origin => self.inner.origins.api_path(""),
        };
        let shown = || crate::error::truncate_body(&request.path);
        if request.path.len() > MAX_URL_BYTES {
            return Err(Error::InvalidInput(format!(
                "the request path is {} bytes long, more than the {MAX_URL_BYTES} a URL may have: a key \
                 or value in it is far too long ({})",
                request.path.len(),
                shown()
            )));
        }
        let mut url = Url::parse(&format!("{base}{}", request.path))
            .map_err(|e| Error::InvalidInput(format!("invalid request path {}: {e}", shown())))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        if url.as_str().len() > MAX_URL_BYTES {
            return Err(Error::InvalidInput(format!(
                "the request URL would be {} bytes long, more than the {MAX_URL_BYTES} a URL may have: a \
                 query value is far too long",
                url.as_str().len()
            )));
        }
        Ok(url)
    }

    /// Sends a request: waits for the rate limiter, authenticates with the current token, refreshes
    /// and replays once when GoTo rejects the token (403 `InvalidToken` or 401), retries per the
    /// [`RetryPolicy`], and maps every failure to an [`Error`].
    ///
    /// The stages (authorize, throttle, retry) live in `stages`; this loop only wires them.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        let url = self.url(request)?;
        let context = request.context();
        let inner = &self.inner;
        let mut auth = Authorizer::start(inner.tokens.as_ref()).await?;
        let mut retry = Retrier::new(request.kind, &inner.retry);

        loop {
            let attempt = retry.begin();
            throttle(inner.limiter.as_ref()).await;
            let (decision, failure) = match self.attempt(request, &url, auth.token(), &context).await? {
                Ok(Answer { status, retry_after, body }) => {
                    tracing::debug!(method = %request.method, path = %request.path, status, attempt, "GoToWebinar answered");
                    if (200..300).contains(&status) {
                        return Ok(Response { status, body, context });
                    }
                    if retry.already_done(&request.method, status) {
                        tracing::info!(path = %request.path, attempt, "retried DELETE found the resource gone; counting it as done");
                        return Ok(Response { status, body, context });
                    }
                    let api = ApiError::from_response(&context, status, &String::from_utf8_lossy(&body));
                    if api.is_invalid_token() && auth.may_refresh() {
                        tracing::info!(path = %request.path, status, "GoTo rejected the access token; refreshing once and replaying");
                        auth.refresh().await?;
                        retry.replay();
                        continue;
                    }
                    (retry.after_status(status, retry_after), Error::from(api))
                }
                Err(e) => {
                    let maybe_sent = !e.is_connect();
                    let message = describe(&e);
                    tracing::debug!(method = %request.method, path = %request.path, attempt, maybe_sent, error = %message, "no answer from GoToWebinar");
                    let decision = retry.after_network(maybe_sent, refused_certificate(&message));
                    (decision, Error::Network { context: context.clone(), message, maybe_sent })
                }
            };

            match decision {
                Decision::Stop => return Err(failure),
                Decision::RetryAfter(delay) => {
                    tracing::warn!(method = %request.method, path = %request.path, attempt, delay_ms = delay.as_millis() as u64, error = %failure, "retrying GoToWebinar request");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Sends one attempt and reads its answer whole. The outer `Err` is final (an answer above
    /// the size cap); the inner one is a transport failure the retry stage decides on.
    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        token: &AccessToken,
        context: &str,
    ) -> Result<std::result::Result<Answer, reqwest::Error>> {
        let inner = &self.inner;
        let mut builder = inner
            .http
            .request(request.method.clone(), url.clone())
            .bearer_auth(token.expose())
            .header(ACCEPT, "application/json")
            .timeout(inner.timeout);
        if let Some(body) = &request.body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let answer = match builder.send().await {
            Ok(answer) => answer,
            Err(e) => return Ok(Err(e)),
        };
        let status = answer.status().as_u16();
        let retry_after = retry_after_header(answer.headers(), chrono::Utc::now());
        match read_capped(answer, inner.max_response_bytes).await {
            Ok(body) => Ok(Ok(Answer { status, retry_after, body })),
            Err(ReadFailure::Transport(e)) => Ok(Err(e)),
            Err(ReadFailure::TooLarge(size)) => Err(Error::Decode {
                context: context.to_string(),
                status,
                message: format!(
                    "the answer is {size}, above the {} bytes a response may have; raise \
                     {MAX_RESPONSE_BYTES_ENV} if such answers are expected",
                    inner.max_response_bytes
                ),
                body: String::new(),
            }),
        }
    }

    /// Sends a request and reads the answer as `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.send(request).await?.json()
    }

    /// Sends a request whose answer carries nothing of interest.
    pub async fn send_empty(&self, request: &Request) -> Result<()> {
        self.send(request).await.map(|_| ())
    }

    /// Fetches one page of a list; `size_param` is `size` (most lists) or `limit` (registrants).
    pub async fn fetch_page<T: DeserializeOwned>(
        &self,
        request: &Request,
        embedded_name: &str,
        size_param: &str,
        number: u32,
        size: u32,
    ) -> Result<Page<T>> {
        let size = check_page_size(size)?;
        let paged = request.clone().query("page", number).query(size_param, size);
        self.send(&paged).await?.page(embedded_name, number, size)
    }

    /// Streams a list page by page from page 0 (see [`crate::pagination::page_stream`]).
    pub fn pages<T>(
        &self,
        request: Request,
        embedded_name: &'static str,
        size_param: &'static str,
        size: u32,
    ) -> PageStream<T>
    where
        T: DeserializeOwned + Serialize + Send + 'static,
    {
        use futures::StreamExt;
        if let Err(e) = check_page_size(size) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let client = self.clone();
        let request = Arc::new(request);
        page_stream(0, size, move |number, size| {
            let client = client.clone();
            let request = request.clone();
            async move { client.fetch_page(&request, embedded_name, size_param, number, size).await }
        })
        .boxed()
    }

    /// The escape hatch: any method and path under the webinar API (`/G2W/rest/v2`), with the same
    /// token handling, rate limiting, retries and error mapping as every operation. `GET`, `HEAD`,
    /// `PUT` and `DELETE` are retried; other methods only when the request never left.
    /// The path must be relative to the API base: no scheme, host, `..`, `//`, query or fragment.
    pub async fn raw_request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse> {
        let path = check_raw_path(path)?;
        let kind = match method {
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => {
                RequestKind::Repeatable
            }
            _ => RequestKind::NonRepeatable,
        };
        let mut request = Request::new(method, path, kind);
        request.query = query.to_vec();
        if let Some(body) = body {
            request = request.json(body)?;
        }
        let url = self.url(&request)?;
        let base = Url::parse(&self.inner.origins.rest_v2())
            .map_err(|e| Error::Config(format!("invalid API origin: {e}")))?;
        if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
            return Err(Error::InvalidInput(format!("path {:?} leaves the API base", request.path)));
        }
        let response = self.send(&request).await?;
        let text = String::from_utf8_lossy(&response.body);
        if text.trim().is_empty() {
            return Ok(RawResponse { status: response.status, body: None });
        }
        let raw: Box<RawValue> = response.json()?;
        Ok(RawResponse { status: response.status, body: Some(raw) })
    }
}

/// Checks a raw request path and returns it with a leading `/`.
fn check_raw_path(path: &str) -> Result<String> {
    let trimmed = path.trim();
    let refuse = |why: &str| {
        Err(Error::InvalidInput(format!(
            "path {trimmed:?} {why}; give a path relative to the API base, e.g. /organizers/123/webinars"
        )))
    };
    if trimmed.is_empty() {
        return refuse("is empty");
    }
    if trimmed.starts_with("//") {
        return refuse("must not start with //");
    }
    if trimmed.contains("://")
        || trimmed.to_ascii_lowercase().starts_with("http:")
        || trimmed.to_ascii_lowercase().starts_with("https:")
    {
        return refuse("must not contain a scheme or host");
    }
    if trimmed.contains(['?', '#', '\\']) || trimmed.chars().any(char::is_control) {
        return refuse("must not contain ?, #, \\ or control characters (pass query parameters separately)");
    }
    let decoded = trimmed.to_ascii_lowercase().replace("%2e", ".").replace("%2f", "/");
    if decoded.split('/').any(|segment| segment == ".." || segment == ".") {
        return refuse("must not contain . or .. segments");
    }
    Ok(if trimmed.starts_with('/') { trimmed.to_string() } else { format!("/{trimmed}") })
}

/// Whether a transport error (as [`describe`] words it) is the TLS handshake refusing the server's
/// certificate. rustls reaches us wrapped in I/O errors, so its words are what is left to tell by.
fn refused_certificate(description: &str) -> bool {
    description.contains("invalid peer certificate")
}

/// The transport error with its chain of causes (URLs carry no secrets; the token is a header).
fn describe(error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() { "timed out".to_string() } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_certificate_is_told_from_other_transport_errors() {
        assert!(refused_certificate(
            "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer"
        ));
        assert!(!refused_certificate("error sending request: client error (Connect): Connection refused"));
        assert!(!refused_certificate("timed out"));
    }

    #[test]
    fn raw_paths_stay_under_the_api_base() {
        assert_eq!(check_raw_path("organizers/1/webinars").unwrap(), "/organizers/1/webinars");
        assert_eq!(check_raw_path("/webinars/1/startUrl").unwrap(), "/webinars/1/startUrl");
        for bad in [
            "",
            "//evil.example/x",
            "https://evil.example/x",
            "http:/x",
            "/a/../../admin",
            "/a/%2e%2e/b",
            "/a/./b",
            "/a?b=c",
            "/a#b",
            "/a\\b",
            "/a\nb",
        ] {
            assert!(check_raw_path(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn request_debug_hides_the_body() {
        let request = Request::new(Method::POST, "/x", RequestKind::NonRepeatable)
            .json(&serde_json::json!({"email": "person@example.com"}))
            .unwrap();
        assert!(!format!("{request:?}").contains("person@example.com"));
    }
}
