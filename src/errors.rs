//! The component's errors as the platform sees them: a fixed set of names, and messages a flow
//! builder can act on. This is the one place that decides between `error` and `rebound`.

use std::fmt;

use gotowebinar::{Error as ClientError, ErrorKind};
use sailor::FunctionError;

use crate::input::InputError;

/// The names an emitted error can carry (documented in docs/errors.md).
pub mod names {
    /// The input is missing a field or has a wrong value.
    pub const INPUT: &str = "InputError";
    /// The credential must be re-authorized, or GoTo refused access.
    pub const AUTH: &str = "AuthError";
    /// The webinar, registrant or other resource does not exist.
    pub const NOT_FOUND: &str = "NotFound";
    /// The request conflicts with the resource's state (already registered, webinar in session or over).
    pub const CONFLICT: &str = "Conflict";
    /// GoTo kept throttling the requests.
    pub const RATE_LIMITED: &str = "RateLimited";
    /// GoTo answered with an error not covered above.
    pub const API: &str = "ApiError";
    /// GoTo could not be reached.
    pub const NETWORK: &str = "NetworkError";
    /// The component is misconfigured (environment variables, URLs).
    pub const CONFIGURATION: &str = "ConfigurationError";

    /// Every name, for documentation and tests.
    pub const ALL: [&str; 8] = [INPUT, AUTH, NOT_FOUND, CONFLICT, RATE_LIMITED, API, NETWORK, CONFIGURATION];
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
#[derive(Debug)]
pub enum ComponentError {
    /// Invalid input.
    Input(InputError),
    /// A failed GoToWebinar call, with what the component was doing.
    Client { doing: String, error: ClientError },
    /// An error with an explicit name and message.
    Named(FunctionError),
}

impl fmt::Display for ComponentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentError::Input(error) => write!(f, "{error}"),
            ComponentError::Client { doing, error } => write!(f, "{doing}: {error}"),
            ComponentError::Named(error) => write!(f, "{}", error.message),
        }
    }
}

impl std::error::Error for ComponentError {}

impl From<InputError> for ComponentError {
    fn from(value: InputError) -> Self {
        ComponentError::Input(value)
    }
}

impl From<FunctionError> for ComponentError {
    fn from(value: FunctionError) -> Self {
        ComponentError::Named(value)
    }
}

/// Adds what the component was doing to a client error.
pub trait Doing<T> {
    /// `client.get_webinar(..).await.doing("reading webinar 123")?`
    fn doing(self, what: impl Into<String>) -> Result<T, ComponentError>;
}

impl<T> Doing<T> for Result<T, ClientError> {
    fn doing(self, what: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|error| ComponentError::Client { doing: what.into(), error })
    }
}

/// For requests that must not be sent twice (creates): an answer that leaves the outcome open
/// is an error, never a rebound, because a redelivered message would repeat what may have happened.
pub fn once<T>(result: Result<T, ClientError>, what: impl Into<String>) -> Result<T, ComponentError> {
    result.map_err(|error| {
        let what = what.into();
        // A 503 may come after GoTo applied the request; 429 and a token failure come before.
        if error.status() == Some(503) && matches!(error, ClientError::Api(_)) {
            return ComponentError::named(
                names::API,
                format!(
                    "{what}: {error}. GoTo may have applied the request before failing: check before running it again"
                ),
            );
        }
        ComponentError::Client { doing: what, error }
    })
}

impl ComponentError {
    /// An input error about one field.
    pub fn input(message: impl Into<String>) -> Self {
        ComponentError::Input(InputError(message.into()))
    }

    /// An error with an explicit name.
    pub fn named(name: &str, message: impl Into<String>) -> Self {
        ComponentError::Named(FunctionError::new(name, message.into()))
    }

    /// The client error inside, if any.
    pub fn client_error(&self) -> Option<&ClientError> {
        match self {
            ComponentError::Client { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Decides what the platform sees.
    pub fn into_failure(self) -> Failure {
        match self {
            ComponentError::Input(error) => Failure::Error(FunctionError::new(names::INPUT, error.0)),
            ComponentError::Named(error) => Failure::Error(error),
            ComponentError::Client { doing, error } => classify(&doing, &error),
        }
    }
}

fn classify(doing: &str, error: &ClientError) -> Failure {
    let message = format!("{doing}: {error}");
    let kind = error.kind();
    // Throttled or temporarily down past the retry deadline: try the message again later.
    let throttled = matches!(error.status(), Some(429 | 503)) && matches!(error, ClientError::Api(_));
    if throttled || matches!(error, ClientError::TokenUnavailable { .. }) {
        return Failure::Rebound(message);
    }
    let name = match kind {
        ErrorKind::InvalidInput => names::INPUT,
        ErrorKind::Auth => names::AUTH,
        ErrorKind::NotFound => names::NOT_FOUND,
        ErrorKind::Conflict => names::CONFLICT,
        ErrorKind::RateLimited => names::RATE_LIMITED,
        ErrorKind::Network => names::NETWORK,
        ErrorKind::Config => names::CONFIGURATION,
        _ => names::API,
    };
    let invalid_token = error.api().is_some_and(|api| api.is_invalid_token());
    let message = match (kind, error.status()) {
        (ErrorKind::Auth, _) if invalid_token => format!(
            "{message}. GoTo rejected the access token even after a refresh: re-authorize the GoTo credential"
        ),
        (ErrorKind::Auth, Some(403)) if !matches!(error, ClientError::Reauthorize(_)) => format!(
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
        let Err(error) = once(unavailable, "creating the webinar") else { panic!("expected an error") };
        let Failure::Error(error) = error.into_failure() else { panic!("a 503 on a create rebounded") };
        assert_eq!(error.name, names::API);
        assert!(error.message.contains("may have applied"), "{}", error.message);
        let throttled: Result<(), ClientError> = Err(ApiError::from_response("POST /w", 429, "").into());
        assert_eq!(
            name_of(once(throttled, "creating").unwrap_err()),
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
