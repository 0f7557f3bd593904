//! The one error type of this crate, and the one place that classifies errors.

use std::fmt;

/// Everything that can go wrong talking to GoToWebinar.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// GoTo answered with an error status (any non-2xx answer of the API).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The token endpoint rejected the credential for good; a person must re-authorize it.
    #[error(transparent)]
    Reauthorize(Box<OAuthError>),
    /// The token endpoint kept failing (5xx, 429, network, unreadable answer) and no valid token is left.
    #[error("could not obtain a GoToWebinar access token: {message}")]
    TokenUnavailable {
        /// What went wrong on the last attempt.
        message: String,
    },
    /// No HTTP answer: connection refused or reset, timeout, TLS failure.
    #[error("network error calling GoToWebinar ({context}): {message}")]
    Network {
        /// The request, e.g. `GET /organizers/{key}/webinars`.
        context: String,
        /// What the transport reported.
        message: String,
        /// False when the request provably never reached the server (connection refused).
        maybe_sent: bool,
    },
    /// GoTo answered with success, but the body is not what the API documents.
    #[error("unexpected answer from GoToWebinar ({context}, HTTP {status}): {message}")]
    Decode {
        /// The request.
        context: String,
        /// The HTTP status.
        status: u16,
        /// Why the body could not be read.
        message: String,
        /// The raw body (truncated).
        body: String,
    },
    /// The caller's arguments are invalid; the message names the argument.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The client is misconfigured (an unusable URL, a non-https origin, missing client id).
    #[error("configuration error: {0}")]
    Config(String),
}

/// The broad class of an [`Error`], for callers that map errors to their own categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller gave invalid arguments (including a 400/422 from GoTo).
    InvalidInput,
    /// The credential must be re-authorized, or GoTo refused it (401/403).
    Auth,
    /// The resource does not exist (404).
    NotFound,
    /// The request conflicts with the resource's state (405/409).
    Conflict,
    /// GoTo throttled the caller (429).
    RateLimited,
    /// GoTo failed or is unavailable (5xx, 408, token endpoint down).
    Unavailable,
    /// No answer reached us.
    Network,
    /// Any other API error, or an unreadable answer.
    Api,
    /// The client is misconfigured.
    Config,
}

impl Error {
    /// Classifies this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(api) => match api.status {
                400 | 422 => ErrorKind::InvalidInput,
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                405 | 409 => ErrorKind::Conflict,
                429 => ErrorKind::RateLimited,
                408 | 500..=599 => ErrorKind::Unavailable,
                _ => ErrorKind::Api,
            },
            Error::Reauthorize(_) => ErrorKind::Auth,
            Error::TokenUnavailable { .. } => ErrorKind::Unavailable,
            Error::Network { .. } => ErrorKind::Network,
            Error::Decode { .. } => ErrorKind::Api,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Config(_) => ErrorKind::Config,
        }
    }

    /// The HTTP status GoTo answered with, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Reauthorize(oauth) => Some(oauth.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error details, when GoTo answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Whether GoTo may have applied the request although no success came back: the request may
    /// have reached GoTo (a network failure after sending) or GoTo failed while handling it (5xx).
    pub fn maybe_applied(&self) -> bool {
        match self {
            Error::Network { maybe_sent, .. } => *maybe_sent,
            Error::Api(api) => matches!(api.status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// Whether a person must re-authorize the credential: the token endpoint refused it for
    /// good, or GoTo rejected the access token (a 401, or a 403 `InvalidToken`).
    pub fn needs_reauthorization(&self) -> bool {
        match self {
            Error::Reauthorize(_) => true,
            Error::Api(api) => api.is_invalid_token(),
            _ => false,
        }
    }

    /// A 403 that is not about the token: the token works, but may not be used for this request.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 403 && !api.is_invalid_token())
    }

    /// Whether GoTo is throttling or briefly unavailable (429, 503, token endpoint down), so the
    /// same request may succeed later.
    pub fn is_temporary(&self) -> bool {
        match self {
            Error::Api(api) => matches!(api.status, 429 | 503),
            Error::TokenUnavailable { .. } => true,
            _ => false,
        }
    }
}

impl From<ApiError> for Error {
    fn from(value: ApiError) -> Self {
        Error::Api(Box::new(value))
    }
}

impl From<OAuthError> for Error {
    fn from(value: OAuthError) -> Self {
        Error::Reauthorize(Box::new(value))
    }
}

/// The most of a raw body kept in errors: enough to diagnose, small enough to log.
pub const MAX_ERROR_BODY: usize = 2048;

/// Truncates a raw body to [`MAX_ERROR_BODY`] bytes on a character boundary.
pub fn truncate_body(body: &str) -> String {
    if body.len() <= MAX_ERROR_BODY {
        return body.to_string();
    }
    let mut end = MAX_ERROR_BODY;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

/// An error answer from the GoToWebinar API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The request, e.g. `DELETE /organizers/{key}/webinars/{key}`.
    pub context: String,
    /// The HTTP status.
    pub status: u16,
    /// GoTo's `errorCode` (or `int_err_code`), when the body carries one.
    pub error_code: Option<String>,
    /// GoTo's `description` (or `msg`/`message`), when the body carries one.
    pub description: Option<String>,
    /// GoTo's `incident` id, when the body carries one; support asks for it.
    pub incident: Option<String>,
    /// The raw body (truncated), also when it is HTML or empty.
    pub body: String,
}

impl ApiError {
    /// Builds an error from a status and a raw body, reading GoTo's error fields when the body is JSON.
    pub fn from_response(context: impl Into<String>, status: u16, body: &str) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
        let field = |names: &[&str]| -> Option<String> {
            let object = json.as_ref()?.as_object()?;
            names.iter().find_map(|name| match object.get(*name)? {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        ApiError {
            context: context.into(),
            status,
            error_code: field(&["errorCode", "int_err_code", "error"]),
            description: field(&["description", "msg", "message", "error_description"]),
            incident: field(&["incident"]),
            body: truncate_body(body),
        }
    }

    /// True for GoTo's answer to an expired, revoked or malformed access token
    /// (403 with `int_err_code` `InvalidToken`) and for a plain 401.
    pub fn is_invalid_token(&self) -> bool {
        self.status == 401 || (self.status == 403 && self.error_code.as_deref() == Some("InvalidToken"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GoToWebinar answered HTTP {} to {}", self.status, self.context)?;
        match (&self.error_code, &self.description) {
            (Some(code), Some(description)) => write!(f, ": {code}: {description}")?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(description)) => write!(f, ": {description}")?,
            (None, None) => {
                let text = self.body.trim();
                if !text.is_empty() {
                    let short: String = text.chars().take(200).collect();
                    write!(f, ": {short}")?;
                }
            }
        }
        if let Some(incident) = &self.incident {
            write!(f, " (incident {incident})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A terminal answer of the token endpoint (RFC 6749 §5.2), such as `invalid_grant`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status (200 when the error came with a success status).
    pub status: u16,
    /// The RFC 6749 error code, e.g. `invalid_grant`.
    pub error: String,
    /// The provider's `error_description`.
    pub description: Option<String>,
}

impl OAuthError {
    /// Builds the error from its parts.
    pub fn new(status: u16, error: impl Into<String>, description: Option<String>) -> Self {
        Self { status, error: error.into(), description }
    }

    /// What a person should do about it.
    pub fn advice(&self) -> &'static str {
        match self.error.as_str() {
            "invalid_client" | "unauthorized_client" => {
                "GoTo rejected the OAuth client: check CITRIX_APP_ID and CITRIX_APP_SECRET, then re-authorize the credential"
            }
            _ => "re-authorize this GoToWebinar credential (connect the account again)",
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the GoToWebinar credential must be re-authorized: the token endpoint answered {}",
            self.error
        )?;
        if let Some(description) = &self.description {
            write!(f, " ({description})")?;
        }
        write!(f, "; {}", self.advice())
    }
}

impl std::error::Error for OAuthError {}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_error_says_about_the_request_and_the_credential() {
        let api = |status, body: &str| Error::from(ApiError::from_response("POST /w", status, body));
        assert!(api(503, "").maybe_applied() && api(500, "").maybe_applied());
        assert!(!api(429, "").maybe_applied() && !api(409, "").maybe_applied());
        let network =
            |maybe_sent| Error::Network { context: "POST /w".into(), message: "reset".into(), maybe_sent };
        assert!(network(true).maybe_applied() && !network(false).maybe_applied());
        assert!(api(401, "").needs_reauthorization());
        assert!(api(403, r#"{"int_err_code":"InvalidToken"}"#).needs_reauthorization());
        assert!(Error::from(OAuthError::new(400, "invalid_grant", None)).needs_reauthorization());
        let forbidden = api(403, r#"{"errorCode":"Forbidden"}"#);
        assert!(!forbidden.needs_reauthorization() && forbidden.is_permission_denied());
        assert!(api(429, "").is_temporary() && api(503, "").is_temporary() && !api(500, "").is_temporary());
        assert!(Error::TokenUnavailable { message: "down".into() }.is_temporary());
    }

    #[test]
    fn html_504_keeps_status_and_text() {
        let api = ApiError::from_response("GET /x", 504, "<html><body>Gateway Timeout</body></html>");
        assert_eq!(api.status, 504);
        assert!(api.error_code.is_none());
        assert!(api.to_string().contains("Gateway Timeout"), "{api}");
        assert_eq!(Error::from(api).kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn goto_error_fields_and_incident_are_read() {
        let body = r#"{"errorCode":"NotFound","description":"Webinar not found","incident":"3141"}"#;
        let api = ApiError::from_response("GET /w", 404, body);
        assert_eq!(api.error_code.as_deref(), Some("NotFound"));
        assert_eq!(api.incident.as_deref(), Some("3141"));
        assert!(api.to_string().contains("(incident 3141)"));
        assert_eq!(Error::from(api).kind(), ErrorKind::NotFound);
    }

    #[test]
    fn invalid_token_is_recognised_only_with_its_code() {
        let dead = ApiError::from_response(
            "GET /w",
            403,
            r#"{"int_err_code":"InvalidToken","msg":"Invalid token passed"}"#,
        );
        assert!(dead.is_invalid_token());
        let forbidden = ApiError::from_response("GET /w", 403, r#"{"errorCode":"Forbidden"}"#);
        assert!(!forbidden.is_invalid_token());
        assert!(ApiError::from_response("GET /w", 401, "").is_invalid_token());
    }

    #[test]
    fn long_bodies_are_truncated_on_a_char_boundary() {
        let body = "é".repeat(MAX_ERROR_BODY);
        let kept = truncate_body(&body);
        assert!(kept.len() <= MAX_ERROR_BODY + '…'.len_utf8());
    }

    #[test]
    fn oauth_errors_say_what_to_do() {
        let grant = OAuthError::new(400, "invalid_grant", None);
        assert!(grant.to_string().contains("re-authorize"));
        let client = OAuthError::new(401, "invalid_client", None);
        assert!(client.to_string().contains("CITRIX_APP_SECRET"));
    }
}
