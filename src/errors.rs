//! The component's errors as the platform sees them: a fixed set of names, and messages a flow
//! builder can act on. This is the one place that decides between `error` and `rebound`.

use gotowebinar::{Error as ClientError, ErrorKind};
use sailor::FunctionError;

use crate::input::InputError;

/// The fixed names an emitted error carries (the table in docs/errors.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorName {
    /// The input is missing a field or has a wrong value.
    Input,
    /// The credential must be re-authorized, or GoTo refused access.
    Auth,
    /// The webinar, registrant or other resource does not exist.
    NotFound,
    /// The request conflicts with the resource's state (already registered, webinar in session or over).
    Conflict,
    /// GoTo kept throttling the requests.
    RateLimited,
    /// GoTo answered with an error not covered above.
    Api,
    /// GoTo could not be reached.
    Network,
    /// The component is misconfigured (environment variables, URLs).
    Configuration,
}

impl ErrorName {
    /// Every name, for documentation and tests.
    pub const ALL: [ErrorName; 8] = [
        ErrorName::Input,
        ErrorName::Auth,
        ErrorName::NotFound,
        ErrorName::Conflict,
        ErrorName::RateLimited,
        ErrorName::Api,
        ErrorName::Network,
        ErrorName::Configuration,
    ];

    /// The name as the platform shows it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorName::Input => "InputError",
            ErrorName::Auth => "AuthError",
            ErrorName::NotFound => "NotFound",
            ErrorName::Conflict => "Conflict",
            ErrorName::RateLimited => "RateLimited",
            ErrorName::Api => "ApiError",
            ErrorName::Network => "NetworkError",
            ErrorName::Configuration => "ConfigurationError",
        }
    }

    /// The name shown as `text`, if it is one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.as_str() == text)
    }
}

impl std::fmt::Display for ErrorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorName> for String {
    fn from(name: ErrorName) -> Self {
        name.as_str().to_string()
    }
}

impl PartialEq<ErrorName> for String {
    fn eq(&self, other: &ErrorName) -> bool {
        self == other.as_str()
    }
}

/// Short names for [`ErrorName`]s, as call sites read best.
pub mod names {
    use super::ErrorName;

    /// See [`ErrorName::Input`].
    pub const INPUT: ErrorName = ErrorName::Input;
    /// See [`ErrorName::Auth`].
    pub const AUTH: ErrorName = ErrorName::Auth;
    /// See [`ErrorName::NotFound`].
    pub const NOT_FOUND: ErrorName = ErrorName::NotFound;
    /// See [`ErrorName::Conflict`].
    pub const CONFLICT: ErrorName = ErrorName::Conflict;
    /// See [`ErrorName::RateLimited`].
    pub const RATE_LIMITED: ErrorName = ErrorName::RateLimited;
    /// See [`ErrorName::Api`].
    pub const API: ErrorName = ErrorName::Api;
    /// See [`ErrorName::Network`].
    pub const NETWORK: ErrorName = ErrorName::Network;
    /// See [`ErrorName::Configuration`].
    pub const CONFIGURATION: ErrorName = ErrorName::Configuration;
}

/// What a failed call should become on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Emit an error with this name and message.
    Error(FunctionError),
    /// Ask the platform to deliver the message again later (GoTo is throttling or unavailable).
    Rebound(String),
}

/// An error raised while running a function.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// Invalid input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A failed GoToWebinar call, with what the component was doing.
    #[error("{doing}: {error}")]
    Client {
        /// What the component was doing, e.g. `reading webinar 123`.
        doing: String,
        /// The client's error.
        #[source]
        error: ClientError,
    },
    /// An error with an explicit name and message.
    #[error("{message}")]
    Named {
        /// The name the platform shows.
        name: ErrorName,
        /// What went wrong and what to do.
        message: String,
    },
}

impl From<FunctionError> for ComponentError {
    fn from(value: FunctionError) -> Self {
        let name = ErrorName::parse(&value.name).unwrap_or(ErrorName::Api);
        ComponentError::Named { name, message: value.message }
    }
}

/// The error the platform sees when no rebound is possible (a rebound becomes `RateLimited`).
impl From<ComponentError> for FunctionError {
    fn from(error: ComponentError) -> Self {
        match error.into_failure() {
            Failure::Error(error) => error,
            Failure::Rebound(reason) => FunctionError::new(ErrorName::RateLimited, reason),
        }
    }
}

/// Adds what the component was doing to a client error.
pub trait Doing<T> {
    /// `client.get_webinar(..).await.doing("reading webinar 123")?`
    fn doing(self, what: impl Into<String>) -> Result<T, ComponentError>;

    /// Like [`Doing::doing`], for requests that must not be sent twice (creates): an answer that
    /// leaves the outcome open is an error, never a rebound, because a redelivered message would
    /// repeat what may have happened.
    fn doing_once(self, what: impl Into<String>) -> Result<T, ComponentError>;
}

impl<T> Doing<T> for Result<T, ClientError> {
    fn doing(self, what: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|error| ComponentError::Client { doing: what.into(), error })
    }

    fn doing_once(self, what: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|error| {
            let what = what.into();
            if error.is_temporary() && error.maybe_applied() {
                return ComponentError::named(
                    ErrorName::Api,
                    format!(
                        "{what}: {error}. GoTo may have applied the request before failing: check before running it again"
                    ),
                );
            }
            ComponentError::Client { doing: what, error }
        })
    }
}

impl ComponentError {
    /// An input error about one field.
    pub fn input(message: impl Into<String>) -> Self {
        ComponentError::Input(InputError(message.into()))
    }

    /// An error with an explicit name.
    pub fn named(name: ErrorName, message: impl Into<String>) -> Self {
        ComponentError::Named { name, message: message.into() }
    }

    /// The client error inside, if any.
    pub fn client_error(&self) -> Option<&ClientError> {
        match self {
            ComponentError::Client { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the credential itself failed: it must be re-authorized, or GoTo refused it.
    pub fn is_credential_failure(&self) -> bool {
        match self {
            ComponentError::Named { name, .. } => *name == ErrorName::Auth,
            ComponentError::Client { error, .. } => error.needs_reauthorization(),
            ComponentError::Input(_) => false,
        }
    }

    /// Decides what the platform sees.
    pub fn into_failure(self) -> Failure {
        match self {
            ComponentError::Input(error) => Failure::Error(FunctionError::new(ErrorName::Input, error.0)),
            ComponentError::Named { name, message } => Failure::Error(FunctionError::new(name, message)),
            ComponentError::Client { doing, error } => classify(&doing, &error),
        }
    }
}

fn classify(doing: &str, error: &ClientError) -> Failure {
    let message = format!("{doing}: {error}");
    // Throttled or temporarily down past the retry deadline: try the message again later.
    if error.is_temporary() {
        return Failure::Rebound(message);
    }
    let kind = error.kind();
    let name = match kind {
        ErrorKind::InvalidInput => ErrorName::Input,
        ErrorKind::Auth => ErrorName::Auth,
        ErrorKind::NotFound => ErrorName::NotFound,
        ErrorKind::Conflict => ErrorName::Conflict,
        ErrorKind::RateLimited => ErrorName::RateLimited,
        ErrorKind::Network => ErrorName::Network,
        ErrorKind::Config => ErrorName::Configuration,
        _ => ErrorName::Api,
    };
    let invalid_token = error.api().is_some_and(|api| api.is_invalid_token());
    let message = match (kind, error.status()) {
        (ErrorKind::Auth, _) if invalid_token => format!(
            "{message}. GoTo rejected the access token even after a refresh: re-authorize the GoTo credential"
        ),
        (ErrorKind::Auth, Some(403)) if error.is_permission_denied() => format!(
            "{message}. The connected GoTo user may not have access to this resource; check the organizer key or the account's permissions"
        ),
        (ErrorKind::NotFound, Some(404)) => format!(
            "{message}. Check the key: it may be mistyped, or the webinar was cancelled or belongs to another organizer"
        ),
        (ErrorKind::Conflict, Some(405)) => {
            format!("{message}. GoTo does not allow this on a webinar that is over")
        }
        (ErrorKind::Conflict, Some(409)) => format!(
            "{message}. GoTo refused it in the current state (for example the webinar is in session, or the person is already registered); retry when that has changed"
        ),
        _ => message,
    };
    Failure::Error(FunctionError::new(name, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotowebinar::{ApiError, OAuthError};

    fn api(status: u16, body: &str) -> ComponentError {
        ComponentError::Client {
            doing: "reading webinar 1".into(),
            error: ApiError::from_response("GET /w", status, body).into(),
        }
    }

    fn name_of(error: ComponentError) -> String {
        match error.into_failure() {
            Failure::Error(e) => e.name,
            Failure::Rebound(_) => "rebound".into(),
        }
    }

    #[test]
    fn statuses_map_to_fixed_names() {
        assert_eq!(name_of(api(400, "")), names::INPUT);
        assert_eq!(name_of(api(404, "")), names::NOT_FOUND);
        assert_eq!(name_of(api(409, "")), names::CONFLICT);
        assert_eq!(name_of(api(405, "")), names::CONFLICT);
        assert_eq!(name_of(api(403, r#"{"errorCode":"Forbidden"}"#)), names::AUTH);
        assert_eq!(name_of(api(500, "<html>oops</html>")), names::API);
        assert_eq!(name_of(ComponentError::input("`email` is required")), names::INPUT);
        let reauth = ComponentError::Client {
            doing: "x".into(),
            error: OAuthError::new(400, "invalid_grant", None).into(),
        };
        assert_eq!(name_of(reauth), names::AUTH);
    }

    #[test]
    fn throttling_and_unavailability_rebound() {
        assert_eq!(name_of(api(429, "")), "rebound");
        assert_eq!(name_of(api(503, "")), "rebound");
        let token = ComponentError::Client {
            doing: "x".into(),
            error: ClientError::TokenUnavailable { message: "down".into() },
        };
        assert_eq!(name_of(token), "rebound");
    }

    #[test]
    fn an_uncertain_create_is_an_error_not_a_rebound() {
        let unavailable: Result<(), ClientError> =
            Err(ApiError::from_response("POST /w", 503, "<html>down</html>").into());
        let Err(error) = unavailable.doing_once("creating the webinar") else { panic!("expected an error") };
        let Failure::Error(error) = error.into_failure() else { panic!("a 503 on a create rebounded") };
        assert_eq!(error.name, names::API);
        assert!(error.message.contains("may have applied"), "{}", error.message);
        let throttled: Result<(), ClientError> = Err(ApiError::from_response("POST /w", 429, "").into());
        assert_eq!(
            name_of(throttled.doing_once("creating").unwrap_err()),
            "rebound",
            "429 is refused before acting"
        );
    }

    #[test]
    fn messages_say_what_was_being_done_and_keep_the_incident() {
        let failure =
            api(404, r#"{"errorCode":"NotFound","description":"Webinar not found","incident":"42"}"#)
                .into_failure();
        let Failure::Error(error) = failure else { panic!("expected an error") };
        assert!(error.message.starts_with("reading webinar 1: "), "{}", error.message);
        assert!(error.message.contains("incident 42"), "{}", error.message);
    }
}
