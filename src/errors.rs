//! The component's errors as the platform sees them: a fixed set of names, and messages a flow
//! builder can act on. This is the one place that decides between `error` and `rebound`, and what
//! a failed credential tells a person to do.

use std::path::PathBuf;

use gotowebinar::{Error as ClientError, ErrorKind, OAuthError};
use sailor::FunctionError;

use crate::connection::{CLIENT_ID_ENV, CLIENT_SECRET_ENV};
use crate::input::InputError;

/// The host people sign in at today, named in re-authorization advice.
pub const CURRENT_AUTH_HOST: &str = "authentication.logmeininc.com";

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

/// What a credential's failures tell a person, fixed when its connection is built: where the
/// credential is re-authorized, and whether it can renew an access token at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialAdvice {
    /// The `exec --cfg` file when the component runs locally (re-authorized with `gotowebinar
    /// auth login`); `None` on the platform (reconnected there).
    pub local_cfg: Option<PathBuf>,
    /// How an expired or rejected access token is renewed.
    pub renewal: Renewal,
    /// Issued by the retired Citrix sign-in (see [`crate::connection::is_legacy_citrix`]).
    pub legacy: bool,
}

/// How a credential renews an expired or rejected access token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Renewal {
    /// With its refresh token.
    #[default]
    RefreshToken,
    /// It cannot: it holds no refresh token.
    NoRefreshToken,
    /// Not during this credential check: renewed keys would not be kept, and GoTo may accept a
    /// refresh token only once.
    NotDuringCheck,
}

impl CredentialAdvice {
    /// The message of a client error this credential explains better than the error itself, if
    /// any: a token that cannot be renewed, or a refresh token GoTo refuses for good.
    fn explain(&self, doing: &str, error: &ClientError) -> Option<String> {
        match (error, self.renewal) {
            (ClientError::TokenUnavailable { .. }, Renewal::NotDuringCheck) => {
                let reauthorize = match &self.local_cfg {
                    Some(path) => format!("run `gotowebinar auth login --out {}`", path.display()),
                    None => "reconnect the GoTo credential in the platform".to_string(),
                };
                Some(format!(
                    "{doing}: the GoTo access token has expired (or GoTo rejected it), and the check could not be made with it. The check does not renew the token: keys renewed during a credential check are not stored, and GoTo may accept a refresh token only once. The credential is renewed at its first use in a flow; to check it now, re-authorize it: {reauthorize}"
                ))
            }
            (ClientError::TokenUnavailable { .. }, Renewal::NoRefreshToken) => Some(format!(
                "{doing}: the GoTo access token has expired or was rejected and the credential holds no refresh token to renew it: re-authorize the credential (connect the GoTo account again)"
            )),
            // A legacy credential is told about the retired sign-in instead (see `decide`).
            (ClientError::Reauthorize(oauth), _) if !self.legacy => {
                Some(dead_credential(doing, oauth, self.local_cfg.as_deref()))
            }
            _ => None,
        }
    }
}

/// What to say when the token endpoint refused the credential for good, with how to recover
/// where it runs: locally (`cfg` is the `exec --cfg` file) a person connects again with
/// `gotowebinar auth login`; on the platform the credential is reconnected there.
fn dead_credential(doing: &str, oauth: &OAuthError, cfg: Option<&std::path::Path>) -> String {
    let detail = match &oauth.description {
        Some(description) => format!("{} ({description})", oauth.error),
        None => oauth.error.clone(),
    };
    if matches!(oauth.error.as_str(), "invalid_client" | "unauthorized_client") {
        let place = match cfg {
            Some(_) => "in this shell's environment",
            None => "in the component's environment on the platform",
        };
        return format!(
            "{doing}: GoTo rejected the OAuth client, answering {detail}: check {CLIENT_ID_ENV} and \
             {CLIENT_SECRET_ENV} {place} (the secret of the GoTo app the credential was connected with)"
        );
    }
    let recover = match cfg {
        Some(path) => format!(
            "re-authorize it: run `gotowebinar auth login --out {}` (with {CLIENT_ID_ENV} and \
             {CLIENT_SECRET_ENV} set), then run this again",
            path.display()
        ),
        None => "re-authorize it: reconnect the GoTo credential in the platform (open the credential \
                 and authorize it again); flows that use it pick up the new tokens"
            .to_string(),
    };
    format!(
        "{doing}: GoTo no longer accepts this credential's refresh token, answering {detail}: it expired, \
         was revoked or was already used. To recover, {recover}"
    )
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
        error.into_function_error(None)
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

    /// Decides what the platform sees, for an error raised without a credential's connection.
    pub fn into_failure(self) -> Failure {
        self.decide(None)
    }

    /// Decides what the platform sees: the one place that names an error, words its advice and
    /// chooses between `error` and `rebound`. `credential` is the advice of the connection the
    /// call made, if it made one.
    pub fn decide(self, credential: Option<&CredentialAdvice>) -> Failure {
        let legacy = credential.is_some_and(|credential| credential.legacy);
        let (name, message) = match self {
            ComponentError::Input(error) => {
                return Failure::Error(FunctionError::new(ErrorName::Input, error.0))
            }
            ComponentError::Named { name, message } => (name, message),
            ComponentError::Client { doing, error } => {
                match credential.and_then(|credential| credential.explain(&doing, &error)) {
                    Some(message) => (ErrorName::Auth, message),
                    None if legacy && error.needs_reauthorization() => {
                        (ErrorName::Auth, format!("{doing}: {error}"))
                    }
                    None => return classify(&doing, &error),
                }
            }
        };
        if !legacy || name != ErrorName::Auth {
            return Failure::Error(FunctionError::new(name, message));
        }
        Failure::Error(FunctionError::new(
            ErrorName::Auth,
            format!(
                "{message}. This credential was issued by the retired Citrix sign-in (api.citrixonline.com), which GoTo has shut down, so it cannot be renewed: re-authorize it against the current GoTo host ({CURRENT_AUTH_HOST}) by connecting the GoTo account again"
            ),
        ))
    }

    /// This error for a function that never rebounds because it runs again anyway (a polling
    /// trigger): a throttled or unavailable GoTo is reported as `RateLimited` (429) or `ApiError`,
    /// saying that `next` follows.
    pub fn without_rebound(self, next: &str) -> ComponentError {
        let throttled = self.client_error().is_some_and(|error| error.kind() == ErrorKind::RateLimited);
        match self.into_failure() {
            Failure::Error(error) => error.into(),
            Failure::Rebound(reason) => ComponentError::named(
                if throttled { ErrorName::RateLimited } else { ErrorName::Api },
                format!("{reason}; {next}"),
            ),
        }
    }

    /// The error the platform sees when no rebound is possible (a rebound becomes `RateLimited`).
    pub fn into_function_error(self, credential: Option<&CredentialAdvice>) -> FunctionError {
        match self.decide(credential) {
            Failure::Error(error) => error,
            Failure::Rebound(reason) => FunctionError::new(ErrorName::RateLimited, reason),
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
    fn without_a_rebound_throttling_is_rate_limited_and_unavailability_an_api_error() {
        let named = |error: ComponentError| match error.without_rebound("the next poll tries again") {
            ComponentError::Named { name, message } => (name, message),
            other => panic!("not decided: {other:?}"),
        };
        let (name, message) = named(api(429, ""));
        assert_eq!(name, names::RATE_LIMITED);
        assert!(
            message.starts_with("reading webinar 1: ") && message.ends_with("; the next poll tries again")
        );
        assert_eq!(named(api(503, "")).0, names::API);
        let (name, message) = named(api(404, ""));
        assert_eq!(name, names::NOT_FOUND);
        assert!(!message.contains("next poll"), "{message}");
    }

    #[test]
    fn a_dead_grant_says_how_to_recover_where_it_runs() {
        let grant = OAuthError::new(400, "invalid_grant", Some("token revoked".into()));
        let local = dead_credential("listing webinars", &grant, Some(std::path::Path::new("cfg.json")));
        assert!(local.starts_with("listing webinars: "), "{local}");
        assert!(local.contains("invalid_grant (token revoked)"), "{local}");
        assert!(local.contains("`gotowebinar auth login --out cfg.json`"), "{local}");
        assert!(!local.contains("platform"), "{local}");
        let platform = dead_credential("listing webinars", &grant, None);
        assert!(platform.contains("reconnect the GoTo credential in the platform"), "{platform}");
        assert!(!platform.contains("auth login"), "{platform}");

        let client = OAuthError::new(401, "invalid_client", None);
        for cfg in [Some(std::path::Path::new("cfg.json")), None] {
            let text = dead_credential("listing webinars", &client, cfg);
            assert!(text.contains("CITRIX_APP_SECRET") && text.contains("CITRIX_APP_ID"), "{text}");
            assert!(!text.contains("refresh token"), "{text}");
        }
    }

    fn decided(error: ComponentError, credential: &CredentialAdvice) -> FunctionError {
        match error.decide(Some(credential)) {
            Failure::Error(error) => error,
            Failure::Rebound(reason) => panic!("rebounded: {reason}"),
        }
    }

    fn client(error: impl Into<ClientError>) -> ComponentError {
        ComponentError::Client { doing: "reading webinar 1".into(), error: error.into() }
    }

    fn token_unavailable() -> ComponentError {
        client(ClientError::TokenUnavailable { message: "down".into() })
    }

    #[test]
    fn a_token_that_cannot_be_renewed_is_an_auth_error_not_a_rebound() {
        let bare = CredentialAdvice { renewal: Renewal::NoRefreshToken, ..CredentialAdvice::default() };
        let error = decided(token_unavailable(), &bare);
        assert_eq!(error.name, names::AUTH);
        assert!(error.message.starts_with("reading webinar 1: "), "{}", error.message);
        assert!(error.message.contains("no refresh token to renew it"), "{}", error.message);

        let check = CredentialAdvice {
            renewal: Renewal::NotDuringCheck,
            local_cfg: Some("cfg.json".into()),
            ..CredentialAdvice::default()
        };
        let error = decided(token_unavailable(), &check);
        assert_eq!(error.name, names::AUTH);
        assert!(error.message.contains("`gotowebinar auth login --out cfg.json`"), "{}", error.message);
        let on_platform = CredentialAdvice { local_cfg: None, ..check };
        let error = decided(token_unavailable(), &on_platform);
        assert!(error.message.contains("reconnect the GoTo credential in the platform"), "{}", error.message);

        // A credential that can renew waits for the token endpoint: a rebound, as without one.
        let renewable = CredentialAdvice::default();
        assert!(matches!(token_unavailable().decide(Some(&renewable)), Failure::Rebound(_)));
        assert!(matches!(token_unavailable().decide(None), Failure::Rebound(_)));
    }

    #[test]
    fn a_refused_refresh_token_says_where_to_reauthorize() {
        let dead = || client(OAuthError::new(400, "invalid_grant", None));
        let local = CredentialAdvice { local_cfg: Some("cfg.json".into()), ..CredentialAdvice::default() };
        let error = decided(dead(), &local);
        assert_eq!(error.name, names::AUTH);
        assert!(error.message.contains("`gotowebinar auth login --out cfg.json`"), "{}", error.message);
        // Without a connection the client's own advice stands.
        let Failure::Error(plain) = dead().into_failure() else { panic!("rebounded") };
        assert_eq!(plain.name, names::AUTH);
        assert!(!plain.message.contains("auth login"), "{}", plain.message);
    }

    #[test]
    fn a_legacy_credential_is_sent_to_the_current_host_for_credential_failures_only() {
        let legacy = CredentialAdvice { legacy: true, ..CredentialAdvice::default() };
        let dead = decided(client(OAuthError::new(400, "invalid_grant", None)), &legacy);
        assert_eq!(dead.name, names::AUTH);
        assert!(
            dead.message.contains(CURRENT_AUTH_HOST) && dead.message.contains("Citrix"),
            "{}",
            dead.message
        );
        assert!(!dead.message.contains("no longer accepts"), "the Citrix advice replaces the refresh advice");
        let rejected = decided(client(ApiError::from_response("GET /w", 401, "")), &legacy);
        assert!(rejected.message.contains(CURRENT_AUTH_HOST), "{}", rejected.message);
        let named = decided(ComponentError::named(names::AUTH, "no organizer"), &legacy);
        assert!(named.message.starts_with("no organizer. ") && named.message.contains("Citrix"));

        let missing = decided(client(ApiError::from_response("GET /w", 404, "")), &legacy);
        assert_eq!(missing.name, names::NOT_FOUND);
        assert!(!missing.message.contains("Citrix"), "{}", missing.message);
        let input = decided(ComponentError::input("`email` is required"), &legacy);
        assert_eq!(input.message, "`email` is required");
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
