//! Where GoToWebinar lives: the API and authentication origins.

use url::Url;

use crate::error::{Error, Result};

/// Default API origin.
pub const DEFAULT_API_URL: &str = "https://api.getgo.com";
/// Default authentication origin.
pub const DEFAULT_AUTH_URL: &str = "https://authentication.logmeininc.com";
/// Environment variable that overrides the API origin.
pub const API_URL_ENV: &str = "GOTO_API_URL";
/// Environment variable that overrides the authentication origin.
pub const AUTH_URL_ENV: &str = "GOTO_AUTH_URL";

/// The two origins the client talks to. Paths (`/G2W/rest/v2`, `/identity/v1`, `/admin/rest/v1`,
/// `/oauth/token`) are appended by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    /// The API origin, e.g. `https://api.getgo.com`.
    pub api: Url,
    /// The authentication origin, e.g. `https://authentication.logmeininc.com`.
    pub auth: Url,
}

impl Default for Origins {
    fn default() -> Self {
        Self {
            api: Url::parse(DEFAULT_API_URL).expect("valid default URL"),
            auth: Url::parse(DEFAULT_AUTH_URL).expect("valid default URL"),
        }
    }
}

impl Origins {
    /// Builds origins from two URL strings, checking each with [`parse_origin`].
    pub fn new(api: &str, auth: &str) -> Result<Self> {
        Ok(Self { api: parse_origin(API_URL_ENV, api)?, auth: parse_origin(AUTH_URL_ENV, auth)? })
    }

    /// Reads `GOTO_API_URL` and `GOTO_AUTH_URL`, falling back to GoTo's hosts.
    pub fn from_env() -> Result<Self> {
        let read = |name: &str, default: &str| {
            std::env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_string())
        };
        Self::new(&read(API_URL_ENV, DEFAULT_API_URL), &read(AUTH_URL_ENV, DEFAULT_AUTH_URL))
    }

    /// The base of the v2 REST API: `{api}/G2W/rest/v2`.
    pub fn rest_v2(&self) -> String {
        join(&self.api, "/G2W/rest/v2")
    }

    /// The token endpoint: `{auth}/oauth/token`.
    pub fn token_url(&self) -> String {
        join(&self.auth, "/oauth/token")
    }

    /// The authorization endpoint: `{auth}/oauth/authorize`.
    pub fn authorize_url(&self) -> String {
        join(&self.auth, "/oauth/authorize")
    }

    /// `{api}{path}` for identity/admin paths such as `/identity/v1/Users/me`.
    pub fn api_path(&self, path: &str) -> String {
        join(&self.api, path)
    }
}

fn join(origin: &Url, path: &str) -> String {
    format!("{}{}", origin.as_str().trim_end_matches('/'), path)
}

/// Parses an origin and refuses anything but `https://`, except on loopback (`127.0.0.0/8`,
/// `[::1]`, `localhost`) where `http://` is allowed for local services and tests.
/// A path, query or credentials in the URL are refused: an origin is scheme, host and port.
pub fn parse_origin(name: &str, value: &str) -> Result<Url> {
    let url = Url::parse(value.trim())
        .map_err(|e| Error::Config(format!("{name} is not a valid URL ({value:?}): {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!("{name} must not contain credentials")));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.path().trim_end_matches('/').is_empty() {
        return Err(Error::Config(format!(
            "{name} must be an origin such as https://api.getgo.com, without a path or query (got {value:?})"
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Config(format!(
            "{name} must use https:// (plain http is allowed only on loopback), got {value:?}"
        ))),
        other => Err(Error::Config(format!("{name} must use https://, got scheme {other:?}"))),
    }
}

/// True when the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        assert!(parse_origin("X", "https://api.getgo.com").is_ok());
        assert!(parse_origin("X", "http://127.0.0.1:8080").is_ok());
        assert!(parse_origin("X", "http://127.9.9.9:1").is_ok());
        assert!(parse_origin("X", "http://localhost:1").is_ok());
        assert!(parse_origin("X", "http://[::1]:1").is_ok());
    }

    #[test]
    fn other_origins_are_refused_with_the_variable_named() {
        let err = parse_origin("GOTO_API_URL", "http://api.getgo.com").unwrap_err().to_string();
        assert!(err.contains("GOTO_API_URL") && err.contains("https"), "{err}");
        assert!(parse_origin("X", "ftp://127.0.0.1").is_err());
        assert!(parse_origin("X", "https://api.getgo.com/G2W/rest").is_err());
        assert!(parse_origin("X", "https://user:pw@api.getgo.com").is_err());
        assert!(parse_origin("X", "not a url").is_err());
    }

    #[test]
    fn paths_are_appended_to_the_origin() {
        let origins =
            Origins::new("https://api.getgo.com/", "https://authentication.logmeininc.com").unwrap();
        assert_eq!(origins.rest_v2(), "https://api.getgo.com/G2W/rest/v2");
        assert_eq!(origins.token_url(), "https://authentication.logmeininc.com/oauth/token");
        assert_eq!(origins.api_path("/admin/rest/v1/me"), "https://api.getgo.com/admin/rest/v1/me");
    }
}
