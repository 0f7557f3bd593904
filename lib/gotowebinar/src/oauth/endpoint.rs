//! The token endpoint client ([`OAuthClient`]): code exchange and refresh, with every answer
//! classified as success, terminal or transient.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use oauth2::RequestTokenError;

use super::credential::OAuthKeys;
use super::http::{RawAnswer, TokenHttp, TokenHttpError};
use super::response::{TokenAnswer, TokenClient, TokenErrorAnswer};
use crate::config::Origins;
use crate::error::{Error, OAuthError, Result};
use crate::secret::{ClientSecret, RefreshToken};

/// Token endpoint errors that GoTo answers for a credential that can never work again.
const TERMINAL_ERRORS: &[&str] =
    &["invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type"];
/// Error codes that say "try again later".
const TRANSIENT_ERRORS: &[&str] = &["temporarily_unavailable", "server_error"];

/// How long the token endpoint may take before a request counts as failed.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(20);

/// One failed token request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// The provider rejected the grant or the client (`invalid_grant`, `invalid_client`, …):
    /// retrying cannot help, a person must re-authorize.
    Rejected(OAuthError),
    /// The endpoint failed in a way that may pass (5xx, 429, 408, network, unreadable answer).
    Transient {
        /// What went wrong (no secrets).
        message: String,
        /// How long the endpoint asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// The endpoint answered something retrying will not change (an unexpected 4xx, a redirect).
    Failed {
        /// What went wrong (no secrets).
        message: String,
    },
}

impl TokenRequestError {
    /// True when retrying the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, TokenRequestError::Transient { .. })
    }
}

impl fmt::Display for TokenRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRequestError::Rejected(e) => e.fmt(f),
            TokenRequestError::Transient { message, .. } | TokenRequestError::Failed { message } => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for TokenRequestError {}

impl From<TokenRequestError> for Error {
    fn from(value: TokenRequestError) -> Self {
        match value {
            TokenRequestError::Rejected(e) => Error::Reauthorize(Box::new(e)),
            TokenRequestError::Transient { message, .. } | TokenRequestError::Failed { message } => {
                Error::TokenUnavailable { message }
            }
        }
    }
}

/// A client of GoTo's token endpoint: authorization URL, code exchange and refresh, with HTTP
/// Basic client authentication. Token requests go through the `oauth2` crate, sent by
/// [`TokenHttp`]: no redirects followed, a timeout on every request, answers read no further than
/// the response cap.
#[derive(Clone)]
pub struct OAuthClient {
    client_id: String,
    client_secret: ClientSecret,
    origins: Origins,
    http: TokenHttp,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("token_url", &self.origins.token_url())
            .finish()
    }
}

impl OAuthClient {
    /// A client for `origins.auth` with the default timeout.
    pub fn new(client_id: impl Into<String>, client_secret: ClientSecret, origins: Origins) -> Result<Self> {
        Self::with_timeout(client_id, client_secret, origins, DEFAULT_TOKEN_TIMEOUT)
    }

    /// A client whose token requests give up after `timeout`.
    pub fn with_timeout(
        client_id: impl Into<String>,
        client_secret: ClientSecret,
        origins: Origins,
        timeout: Duration,
    ) -> Result<Self> {
        let client_id = client_id.into().trim().to_string();
        if client_id.is_empty() {
            return Err(Error::Config(
                "the OAuth client id is empty: set it to the GoTo app's client id".into(),
            ));
        }
        if client_secret.is_empty() {
            return Err(Error::Config(
                "the OAuth client secret is empty: set it to the GoTo app's client secret".into(),
            ));
        }
        // GoTo takes the id and secret in the Basic header as they are, not form-encoded.
        let http = TokenHttp::builder(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("gotowebinar-rust/", env!("CARGO_PKG_VERSION")))
            .basic_auth(&client_id, &client_secret)
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot build the HTTP client for the token endpoint: {e}"))
            })?;
        Ok(Self { client_id, client_secret, origins, http })
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The origins this client talks to.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// The URL a person opens to authorize this client: `response_type=code`, `client_id`,
    /// `redirect_uri`, `state` and, when given, `scope` (space separated).
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, scopes: &[&str]) -> Result<String> {
        let auth_url = oauth2::AuthUrl::new(self.origins.authorize_url())
            .map_err(|e| Error::Config(format!("invalid authorization URL: {e}")))?;
        let redirect = oauth2::RedirectUrl::new(redirect_uri.to_string()).map_err(|e| {
            Error::InvalidInput(format!("redirect URI {redirect_uri:?} is not a valid URL: {e}"))
        })?;
        let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(self.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_redirect_uri(redirect);
        let state = oauth2::CsrfToken::new(state.to_string());
        let (url, _state) = client
            .authorize_url(move || state)
            .add_scopes(scopes.iter().map(|s| oauth2::Scope::new((*s).to_string())))
            .url();
        Ok(url.into())
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`). The result
    /// carries `expires_at` and `refreshed_at` computed from the system clock.
    pub async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<OAuthKeys> {
        let redirect = oauth2::RedirectUrl::new(redirect_uri.to_string()).map_err(|e| {
            Error::InvalidInput(format!("redirect URI {redirect_uri:?} is not a valid URL: {e}"))
        })?;
        let client = self.oauth2_client()?.set_redirect_uri(redirect);
        let call = self.http.call();
        let result =
            client.exchange_code(oauth2::AuthorizationCode::new(code.to_string())).request_async(&call).await;
        let response = self.classify(result, call.answer(), &[code])?;
        let mut keys = OAuthKeys::new();
        keys.merge_refresh(response.into_map(), Utc::now());
        Ok(keys)
    }

    /// Refreshes once (`grant_type=refresh_token`); the answer is the raw token response, to be
    /// merged with [`OAuthKeys::merge_refresh`].
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<OAuthKeys> {
        Ok(self.try_refresh(refresh_token).await?)
    }

    /// Like [`OAuthClient::refresh`], with the failure classified for a retry policy.
    pub async fn try_refresh(&self, refresh_token: &RefreshToken) -> Result<OAuthKeys, TokenRequestError> {
        let client = self.oauth2_client()?;
        let token = oauth2::RefreshToken::new(refresh_token.expose().to_string());
        let call = self.http.call();
        let result = client.exchange_refresh_token(&token).request_async(&call).await;
        self.classify(result, call.answer(), &[refresh_token.expose()])
    }

    /// The `oauth2` client for GoTo's endpoints, with HTTP Basic client authentication.
    fn oauth2_client(&self) -> Result<TokenClient, TokenRequestError> {
        let invalid = |what: &str, error: url::ParseError| TokenRequestError::Failed {
            message: format!("the {what} URL is not valid: {error}: check GOTO_AUTH_URL"),
        };
        let auth_url =
            oauth2::AuthUrl::new(self.origins.authorize_url()).map_err(|e| invalid("authorization", e))?;
        let token_url =
            oauth2::TokenUrl::new(self.origins.token_url()).map_err(|e| invalid("token endpoint", e))?;
        Ok(oauth2::Client::new(oauth2::ClientId::new(self.client_id.clone()))
            .set_client_secret(oauth2::ClientSecret::new(self.client_secret.expose().to_string()))
            .set_auth_type(oauth2::AuthType::BasicAuth)
            .set_auth_uri(auth_url)
            .set_token_uri(token_url))
    }

    /// Classifies what `oauth2` made of a token request, with the answer as it came. `secrets`
    /// (and the client secret) are scrubbed from any text that ends up in an error.
    fn classify(
        &self,
        result: Result<TokenAnswer, TokenResult>,
        answer: Option<RawAnswer>,
        secrets: &[&str],
    ) -> Result<OAuthKeys, TokenRequestError> {
        let mut scrub_list: Vec<&str> = secrets.to_vec();
        scrub_list.push(self.client_secret.expose());
        let error = match result {
            Ok(token) => return Ok(OAuthKeys::from_map(token.into_map())),
            Err(error) => error,
        };
        Err(match (error, answer) {
            (RequestTokenError::ServerResponse(error), answer) => {
                let (status, retry_after) = answer.map_or((400, None), |a| (a.status, a.retry_after));
                classify_error(status, &error, retry_after, &scrub_list)
            }
            (RequestTokenError::Request(error), _) => self.transport_error(error, &scrub_list),
            (_, Some(answer)) => classify_unreadable(&answer, &scrub_list),
            (other, None) => TokenRequestError::Failed {
                message: format!(
                    "the token request could not be made: {}",
                    scrub(&error_chain(&other), &scrub_list)
                ),
            },
        })
    }

    /// A token request that got no whole answer.
    fn transport_error(&self, error: TokenHttpError, secrets: &[&str]) -> TokenRequestError {
        match error {
            TokenHttpError::Unreachable(e) => TokenRequestError::Transient {
                message: format!(
                    "the token endpoint could not be reached ({}): {}",
                    self.origins.token_url(),
                    scrub(&error_chain(&e), secrets)
                ),
                retry_after: None,
            },
            TokenHttpError::BrokenOff { status, retry_after, error } => TokenRequestError::Transient {
                message: format!(
                    "the token endpoint's answer (HTTP {status}) could not be read: {}",
                    scrub(&error_chain(&error), secrets)
                ),
                retry_after,
            },
            other => TokenRequestError::Failed { message: scrub(&other.to_string(), secrets) },
        }
    }
}

/// What `oauth2` answers for a failed token request.
type TokenResult = RequestTokenError<TokenHttpError, TokenErrorAnswer>;

/// Classifies an RFC 6749 §5.2 error answer (with any status, 200 included).
fn classify_error(
    status: u16,
    error: &TokenErrorAnswer,
    retry_after: Option<Duration>,
    secrets: &[&str],
) -> TokenRequestError {
    let retryable_status = matches!(status, 408 | 429 | 500..=599);
    let description = error.description().map(|d| scrub(d, secrets));
    let code = scrub(error.error(), secrets);
    if TERMINAL_ERRORS.contains(&code.as_str())
        || (!retryable_status && !TRANSIENT_ERRORS.contains(&code.as_str()))
    {
        return TokenRequestError::Rejected(OAuthError::new(status, code, description));
    }
    let detail = description.map(|d| format!(" ({d})")).unwrap_or_default();
    TokenRequestError::Transient {
        message: format!("the token endpoint answered HTTP {status} with error {code}{detail}"),
        retry_after,
    }
}

/// Classifies an answer that is neither a token nor an RFC 6749 error.
fn classify_unreadable(answer: &RawAnswer, secrets: &[&str]) -> TokenRequestError {
    let RawAnswer { status, retry_after, .. } = *answer;
    if (200..300).contains(&status) {
        let message = match answer.object {
            Some(_) => format!("the token endpoint answered HTTP {status} without an access_token"),
            // The body is not shown: it might hold a token in a form we cannot read.
            None => format!(
                "the token endpoint answered HTTP {status} with a body that is not a JSON object ({} bytes)",
                answer.body.len()
            ),
        };
        return TokenRequestError::Transient { message, retry_after };
    }
    if (300..400).contains(&status) {
        let location = answer.location.as_deref().map(|l| scrub(l, secrets));
        return TokenRequestError::Failed {
            message: format!(
                "the token endpoint answered with a redirect (HTTP {status} to {}), which is not followed: \
                 check the authentication URL (GOTO_AUTH_URL)",
                location.as_deref().unwrap_or("an unspecified location")
            ),
        };
    }
    let message = format!("the token endpoint answered HTTP {status}{}", snippet(&answer.body, secrets));
    if matches!(status, 408 | 429 | 500..=599) {
        TokenRequestError::Transient { message, retry_after }
    } else {
        TokenRequestError::Failed { message }
    }
}

/// A short, scrubbed excerpt of a body for an error message, prefixed with ": ".
fn snippet(body: &str, secrets: &[&str]) -> String {
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let short: String = scrub(&text, secrets).chars().take(200).collect();
    format!(": {short}")
}

/// Replaces every occurrence of a secret in `text` with `[redacted]` (secrets shorter than four
/// characters are left: they would redact ordinary words).
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_string(), |acc, secret| acc.replace(secret, "[redacted]"))
}

/// The error and its sources, joined (reqwest's top-level message alone hides the cause).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One answer read the whole way but without a network: as `TokenHttp` hands it to `oauth2`,
    /// as `oauth2` reads it, as the client classifies it.
    fn classify(
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        location: Option<&str>,
        secrets: &[&str],
    ) -> Result<OAuthKeys, TokenRequestError> {
        let mut answer = RawAnswer::new(status, body.to_string());
        answer.retry_after = retry_after;
        answer.location = location.map(str::to_string);
        let response = answer.for_oauth2().unwrap();
        let http = |_request: oauth2::HttpRequest| {
            let response = response.clone();
            async move { Ok::<_, TokenHttpError>(response) }
        };
        let client = OAuthClient::new("id", ClientSecret::new("unused-secret"), Origins::default()).unwrap();
        let token = oauth2::RefreshToken::new("unused-token".into());
        let oauth2 = client.oauth2_client()?;
        let result = futures::executor::block_on(oauth2.exchange_refresh_token(&token).request_async(&http));
        client.classify(result, Some(answer), secrets)
    }

    #[test]
    fn classification_of_token_endpoint_answers() {
        let ok = classify(200, r#"{"access_token":"a","expires_in":"60","extra":{"x":1}}"#, None, None, &[]);
        assert_eq!(ok.unwrap().access_token().unwrap().expose(), "a");
        for status in [200, 400, 401] {
            let err = classify(status, r#"{"error":"invalid_grant"}"#, None, None, &[]).unwrap_err();
            assert!(
                matches!(err, TokenRequestError::Rejected(ref e) if e.error == "invalid_grant" && e.status == status)
            );
        }
        let err = classify(400, r#"{"error":"invalid_client","error_description":"bad"}"#, None, None, &[])
            .unwrap_err();
        assert!(matches!(err, TokenRequestError::Rejected(ref e) if e.description.as_deref() == Some("bad")));
        let err = classify(503, r#"{"error":"temporarily_unavailable"}"#, None, None, &[]).unwrap_err();
        assert!(err.is_transient());
        let err = classify(503, "<html>down</html>", Some(Duration::from_secs(3)), None, &[]).unwrap_err();
        assert_eq!(
            err,
            TokenRequestError::Transient {
                message: "the token endpoint answered HTTP 503: <html>down</html>".into(),
                retry_after: Some(Duration::from_secs(3))
            }
        );
        for status in [408, 429, 500, 502, 504] {
            assert!(classify(status, "", None, None, &[]).unwrap_err().is_transient(), "{status}");
        }
        assert!(classify(200, "not json", None, None, &[]).unwrap_err().is_transient());
        assert!(classify(200, r#"{"token_type":"Bearer"}"#, None, None, &[]).unwrap_err().is_transient());
        assert!(matches!(
            classify(404, "nope", None, None, &[]).unwrap_err(),
            TokenRequestError::Failed { .. }
        ));
        let redirect = classify(302, "", None, Some("https://elsewhere.example/login"), &[]).unwrap_err();
        assert!(
            matches!(redirect, TokenRequestError::Failed { ref message } if message.contains("redirect"))
        );
    }

    #[test]
    fn error_text_never_echoes_secrets() {
        let err = classify(
            500,
            "debug: refresh_token=RT-VALUE-9 client=CS-VALUE-8",
            None,
            None,
            &["RT-VALUE-9", "CS-VALUE-8"],
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("RT-VALUE-9") && !err.contains("CS-VALUE-8"), "{err}");
        let err = classify(200, r#"{"access_token":"AT-VALUE-7""#, None, None, &[]).unwrap_err().to_string();
        assert!(!err.contains("AT-VALUE-7"), "{err}");
    }

    #[test]
    fn client_debug_hides_the_secret_and_authorize_url_is_complete() {
        let origins = Origins::new("https://api.getgo.com", "https://authentication.logmeininc.com").unwrap();
        let client = OAuthClient::new("my-client", ClientSecret::new("CLIENT-SECRET-XYZ"), origins).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("CLIENT-SECRET-XYZ") && debug.contains("my-client"), "{debug}");
        let url = client.authorize_url("http://127.0.0.1:8765/callback", "st4te", &["collab:"]).unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/oauth/authorize");
        let pairs: std::collections::BTreeMap<String, String> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs.get("response_type").map(String::as_str), Some("code"));
        assert_eq!(pairs.get("client_id").map(String::as_str), Some("my-client"));
        assert_eq!(pairs.get("redirect_uri").map(String::as_str), Some("http://127.0.0.1:8765/callback"));
        assert_eq!(pairs.get("state").map(String::as_str), Some("st4te"));
        assert_eq!(pairs.get("scope").map(String::as_str), Some("collab:"));
        assert!(!url.contains("CLIENT-SECRET-XYZ"));
        assert!(client.authorize_url("not a url", "s", &[]).is_err());
        assert!(OAuthClient::new(" ", ClientSecret::new("x"), Origins::default()).is_err());
    }
}
