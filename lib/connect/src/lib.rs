//! Connect flows, provider-agnostic: the OAuth 2.0 authorization-code grant (with PKCE) for any
//! provider described by a provider file or built into the program, the OAuth 1.0a three-legged
//! flow, and a loopback server that receives the login callback. Nothing here knows the
//! integration platform; a program adds its own provider through [`BuiltinProvider`].

pub mod callback;
pub mod oauth1;
pub mod provider;
pub mod token;

/// The OAuth 2.0 crate the flows use (its PKCE types are part of this API).
pub use oauth2;

pub use callback::{CallbackListener, DEFAULT_REDIRECT_URI};
pub use provider::{Authorization, BuiltinProvider, ClientAuth, CodeExchange, Provider, ProviderFile};

/// How a person runs the program's own commands, for the advice in messages ("connect the account
/// again with …"). The program supplies them through [`BuiltinProvider::commands`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commands {
    /// The command that connects an account and stores its credential (`app auth login`).
    pub login: &'static str,
    /// The command that tells what a stored credential holds (`app auth show`).
    pub show: &'static str,
    /// The command that prints an authorization URL (`app auth url`).
    pub url: &'static str,
    /// The command that exchanges a code received elsewhere (`app auth exchange`).
    pub exchange: &'static str,
}

use jsonkit::text::{quoted, shorten};

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The command was called wrongly or the setup is incomplete (exit 2).
    Usage(String),
    /// A provider file or redirect URI breaks the transport rules (exit 2, code
    /// `ConfigurationError`); nothing was sent.
    Config(String),
    /// Authorization did not succeed (exit 1); `code` is machine-readable (`access_denied`,
    /// `state_mismatch`, `timeout`, `invalid_grant`, …).
    Failed {
        /// A short code.
        code: String,
        /// What happened and what to do, for a person.
        message: String,
    },
}

impl AuthError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        AuthError::Usage(message.into())
    }

    /// A configuration that must not be used (plain http to another host, an unsafe redirect URI).
    pub fn config(message: impl Into<String>) -> Self {
        AuthError::Config(message.into())
    }

    /// An authorization failure.
    pub fn failed(code: impl Into<String>, message: impl Into<String>) -> Self {
        AuthError::Failed { code: code.into(), message: message.into() }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AuthError::Usage(_) | AuthError::Config(_) => 2,
            AuthError::Failed { .. } => 1,
        }
    }

    /// The machine-readable code.
    pub fn code(&self) -> &str {
        match self {
            AuthError::Usage(_) => "usage",
            AuthError::Config(_) => "ConfigurationError",
            AuthError::Failed { code, .. } => code,
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            AuthError::Usage(message) | AuthError::Config(message) | AuthError::Failed { message, .. } => {
                message
            }
        }
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AuthError {}

/// Checks an endpoint of a provider file before anything is sent to it: `https`, or `http` only
/// on a loopback host (local services and tests). Plain http elsewhere would carry the client
/// secret, codes and tokens in clear text.
pub fn check_endpoint(origin: &str, field: &str, value: &str) -> Result<url::Url, AuthError> {
    let shown = quoted(value);
    let url = url::Url::parse(value.trim())
        .map_err(|error| AuthError::usage(format!("{origin}: `{field}` {shown} is not a URL: {error}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if gotowebinar::config::is_loopback(&url) => Ok(url),
        "http" => Err(AuthError::config(format!(
            "{origin}: `{field}` {shown} uses plain http to another host, which would send the client \
             secret and tokens in clear text: use https:// (http is allowed only on 127.0.0.1, \
             localhost or [::1])"
        ))),
        other => Err(AuthError::config(format!(
            "{origin}: `{field}` must be an https:// URL, got the scheme {:?}",
            shorten(other, 40)
        ))),
    }
}

/// Checks a redirect URI (RFC 8252 sections 7.3 and 8.3): `https`, or `http` on a loopback
/// address; never a scheme that runs or reads something in the browser (`javascript:`, `data:`,
/// `file:`, …). A fragment is refused too (RFC 6749 section 3.1.2).
pub fn check_redirect_uri(uri: &str) -> Result<url::Url, AuthError> {
    let shown = quoted(uri);
    let url = url::Url::parse(uri.trim())
        .map_err(|error| AuthError::usage(format!("--redirect-uri {shown} is not a URL: {error}")))?;
    let allowed = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => gotowebinar::config::is_loopback(&url),
        _ => false,
    };
    if !allowed {
        return Err(AuthError::config(format!(
            "--redirect-uri {shown} is refused: the code may only be sent to an https:// URL, or to \
             http:// on 127.0.0.1, localhost or [::1]"
        )));
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(AuthError::config(format!(
            "--redirect-uri {shown} must not carry a #fragment or credentials"
        )));
    }
    Ok(url)
}

/// Scopes given as repeated values or separated by spaces, one per item.
pub fn split_scopes(scopes: &[String]) -> Vec<String> {
    scopes.iter().flat_map(|s| s.split_whitespace()).map(str::to_string).collect()
}

/// A random state (128 bits, URL safe).
pub fn random_state() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Commands for the tests' advice.
#[cfg(test)]
pub(crate) const TEST_COMMANDS: Commands = Commands {
    login: "app auth login",
    show: "app auth show",
    url: "app auth url",
    exchange: "app auth exchange",
};
