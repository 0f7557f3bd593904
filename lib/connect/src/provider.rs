//! Which provider a command talks to: the program's built-in one ([`BuiltinProvider`]), an OAuth
//! 2.0 provider described by a provider file, or an OAuth 1.0a one (`"oauthVersion": "1.0a"`),
//! and the client id and secret (consumer key and secret) it authenticates with.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use gotowebinar::oauth::OAuthKeys;
use gotowebinar::{ClientSecret, Secret};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::oauth1::{self, OAuth1File};
use super::{AuthError, Commands};
use crate::token::{self, Grant};

/// What an authorization URL is made for: the client, where the browser comes back, the state
/// and the scopes.
#[derive(Debug, Clone, Copy)]
pub struct Authorization<'a> {
    /// The OAuth client id.
    pub client_id: &'a str,
    /// The redirect URI.
    pub redirect_uri: &'a str,
    /// The state the callback must bring back.
    pub state: &'a str,
    /// The scopes to request (none: the client's own settings apply).
    pub scopes: &'a [String],
}

/// What an authorization code is exchanged with: the client and its secret, the code, and the
/// redirect URI the code was issued for.
pub struct CodeExchange<'a> {
    /// The OAuth client id.
    pub client_id: &'a str,
    /// The OAuth client secret.
    pub client_secret: ClientSecret,
    /// The authorization code the callback brought.
    pub code: &'a str,
    /// The redirect URI the authorization URL named.
    pub redirect_uri: &'a str,
}

impl std::fmt::Debug for CodeExchange<'_> {
    // The code is spent for tokens, so it is no more shown than the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A provider built into the program: its name, where its client id and secret come from, its
/// token endpoint, and how a person runs the program's commands. Errors are [`AuthError`]s;
/// [`rejected`] words an RFC 6749 error answer.
#[async_trait::async_trait]
pub trait BuiltinProvider: std::fmt::Debug + Send + Sync {
    /// The name `--provider` takes and outputs show.
    fn name(&self) -> &str;
    /// The environment variable holding the client id.
    fn client_id_env(&self) -> &str;
    /// The environment variable holding the client secret.
    fn client_secret_env(&self) -> &str;
    /// The program's commands, named in advice for every provider.
    fn commands(&self) -> Commands;
    /// The authorization URL for this client, redirect URI, state and scopes.
    fn authorize_url(&self, request: &Authorization<'_>) -> Result<String, AuthError>;
    /// Exchanges an authorization code; the result carries `expires_at` and `refreshed_at`.
    async fn exchange(&self, request: CodeExchange<'_>) -> Result<OAuthKeys, AuthError>;
    /// Spends a refresh token; the result is the token response to merge.
    async fn refresh(
        &self,
        client_id: &str,
        client_secret: ClientSecret,
        refresh_token: &gotowebinar::RefreshToken,
    ) -> Result<Map<String, Value>, AuthError>;
}
/// Where a provider file's client id is read from unless it names another variable.
pub const GENERIC_CLIENT_ID_ENV: &str = "OAUTH_CLIENT_ID";
/// Where a provider file's client secret is read from unless it names another variable.
pub const GENERIC_CLIENT_SECRET_ENV: &str = "OAUTH_CLIENT_SECRET";

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)`.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// A provider file: any OAuth 2.0 authorization-code provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderFile {
    /// A short name, shown in outputs and stored with the credential.
    pub name: String,
    /// The authorization endpoint a person opens.
    pub authorize_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// Client authentication at the token endpoint.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Scopes requested when the command gives none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// What joins the scopes (a space unless given; `+` means a space in a query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_separator: Option<String>,
    /// Further query parameters of the authorization URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_authorize_params: BTreeMap<String, String>,
    /// Send a PKCE (S256) challenge and verifier.
    #[serde(default)]
    pub pkce: bool,
    /// The environment variable holding the client id (default `OAUTH_CLIENT_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_env: Option<String>,
    /// The environment variable holding the client secret (default `OAUTH_CLIENT_SECRET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// `"2.0"` when given (`"1.0a"` files are [`OAuth1File`]s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_version: Option<String>,
}

impl ProviderFile {
    /// Reads and checks a provider definition from JSON.
    pub fn from_value(value: Value, origin: &str) -> Result<Self, AuthError> {
        let provider: ProviderFile = serde_json::from_value(value).map_err(|error| {
            AuthError::usage(format!(
                "{origin} is not a provider definition: {error} (expected {{\"name\", \"authorizeUrl\", \
                 \"tokenUrl\", \"clientAuth\": \"basic\"|\"body\", \"scopes\", \"scopeSeparator\", \
                 \"extraAuthorizeParams\", \"pkce\"}})"
            ))
        })?;
        provider.check(origin)?;
        Ok(provider)
    }

    fn check(&self, origin: &str) -> Result<(), AuthError> {
        if let Some(version) = &self.oauth_version {
            if version.trim() != "2.0" {
                return Err(AuthError::usage(format!(
                    "{origin}: oauthVersion {version:?} is not supported; use \"2.0\" (the default: \
                     authorization code grant) or \"1.0a\" (three-legged, with requestTokenUrl and \
                     accessTokenUrl)"
                )));
            }
        }
        if self.name.trim().is_empty() {
            return Err(AuthError::usage(format!("{origin}: `name` is empty: give the provider a name")));
        }
        for (field, value) in [("authorizeUrl", &self.authorize_url), ("tokenUrl", &self.token_url)] {
            super::check_endpoint(origin, field, value)?;
        }
        Ok(())
    }

    fn separator(&self) -> String {
        match self.scope_separator.as_deref() {
            None | Some("+") => " ".into(),
            Some(other) => other.into(),
        }
    }
}

/// The provider a command talks to.
#[derive(Debug, Clone)]
pub enum Provider {
    /// The program's own provider (stored credentials without a `provider` are its).
    Builtin(Arc<dyn BuiltinProvider>),
    /// An OAuth 2.0 provider described by a file, and the program's commands.
    Generic(Box<ProviderFile>, Commands),
    /// An OAuth 1.0a provider described by a file, and the program's commands.
    OAuth1(Box<OAuth1File>, Commands),
}

impl PartialEq for Provider {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Provider::Builtin(a), Provider::Builtin(b)) => a.name() == b.name(),
            (Provider::Generic(a, _), Provider::Generic(b, _)) => a == b,
            (Provider::OAuth1(a, _), Provider::OAuth1(b, _)) => a == b,
            _ => false,
        }
    }
}

impl Provider {
    /// The built-in provider (when `spec` is empty or names it), or the path of a provider file.
    pub fn resolve(spec: Option<&str>, builtin: &Arc<dyn BuiltinProvider>) -> Result<Self, AuthError> {
        let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Provider::Builtin(builtin.clone()));
        };
        if spec.eq_ignore_ascii_case(builtin.name()) {
            return Ok(Provider::Builtin(builtin.clone()));
        }
        let path = Path::new(spec);
        if !path.is_file() {
            return Err(AuthError::usage(format!(
                "--provider {spec:?} is neither `{}` nor a provider file that exists",
                builtin.name()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|error| AuthError::usage(format!("cannot read the provider file {spec}: {error}")))?;
        let value: Value = serde_json::from_str(&text).map_err(|error| {
            AuthError::usage(format!("the provider file {spec} is not valid JSON: {error}"))
        })?;
        Self::from_value(value, &format!("the provider file {spec}"), builtin.commands())
    }

    /// A provider definition: OAuth 1.0a when `oauthVersion` says `1.0a`, else OAuth 2.0.
    /// `commands` are the program's, for advice in messages.
    pub fn from_value(value: Value, origin: &str, commands: Commands) -> Result<Self, AuthError> {
        let version = value.get("oauthVersion").and_then(Value::as_str).map(str::trim);
        if version == Some(oauth1::VERSION) {
            return Ok(Provider::OAuth1(Box::new(OAuth1File::from_value(value, origin)?), commands));
        }
        Ok(Provider::Generic(Box::new(ProviderFile::from_value(value, origin)?), commands))
    }

    /// The program's commands, for advice in messages.
    pub fn commands(&self) -> Commands {
        match self {
            Provider::Builtin(builtin) => builtin.commands(),
            Provider::Generic(_, commands) | Provider::OAuth1(_, commands) => *commands,
        }
    }

    /// The OAuth 1.0a definition, when this is such a provider.
    pub fn oauth1(&self) -> Option<&OAuth1File> {
        match self {
            Provider::OAuth1(file, _) => Some(file),
            _ => None,
        }
    }

    /// True for the program's own provider.
    pub fn is_builtin(&self) -> bool {
        matches!(self, Provider::Builtin(_))
    }

    /// The stored form of a file-defined provider (none for the built-in one).
    pub fn definition(&self) -> Option<Value> {
        match self {
            Provider::Builtin(_) => None,
            Provider::Generic(file, _) => serde_json::to_value(file).ok(),
            Provider::OAuth1(file, _) => serde_json::to_value(file).ok(),
        }
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        match self {
            Provider::Builtin(builtin) => builtin.name(),
            Provider::Generic(file, _) => &file.name,
            Provider::OAuth1(file, _) => &file.name,
        }
    }

    /// True when the token response gets exchanged for the PKCE verifier.
    pub fn pkce(&self) -> bool {
        matches!(self, Provider::Generic(file, _) if file.pkce)
    }

    fn id_env(&self) -> String {
        match self {
            Provider::Builtin(builtin) => builtin.client_id_env().into(),
            Provider::Generic(file, _) => {
                file.client_id_env.clone().unwrap_or_else(|| GENERIC_CLIENT_ID_ENV.into())
            }
            Provider::OAuth1(file, _) => {
                file.client_id_env.clone().unwrap_or_else(|| GENERIC_CLIENT_ID_ENV.into())
            }
        }
    }

    fn secret_env(&self) -> String {
        match self {
            Provider::Builtin(builtin) => builtin.client_secret_env().into(),
            Provider::Generic(file, _) => {
                file.client_secret_env.clone().unwrap_or_else(|| GENERIC_CLIENT_SECRET_ENV.into())
            }
            Provider::OAuth1(file, _) => {
                file.client_secret_env.clone().unwrap_or_else(|| GENERIC_CLIENT_SECRET_ENV.into())
            }
        }
    }

    /// The client id: `--client-id`, else the provider's environment variable.
    pub fn client_id(&self, flag: Option<&str>) -> Result<String, AuthError> {
        let env = self.id_env();
        flag.map(str::to_string)
            .or_else(|| std::env::var(&env).ok())
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                AuthError::usage(format!(
                    "no OAuth client id for {}: set {env} or pass --client-id",
                    self.name()
                ))
            })
    }

    /// The client secret, from the provider's environment variable only (never a flag: command
    /// lines are visible to other users of the machine).
    pub fn client_secret(&self) -> Result<ClientSecret, AuthError> {
        let env = self.secret_env();
        std::env::var(&env)
            .ok()
            .filter(|s| !s.is_empty())
            .map(Secret::new)
            .ok_or_else(|| AuthError::usage(format!("no OAuth client secret for {}: set {env}", self.name())))
    }

    /// The authorization URL for this client, redirect URI, state, scopes and PKCE challenge.
    pub fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        state: &str,
        scopes: &[String],
        pkce_challenge: Option<&str>,
    ) -> Result<String, AuthError> {
        match self {
            Provider::Builtin(builtin) => {
                builtin.authorize_url(&Authorization { client_id, redirect_uri, state, scopes })
            }
            Provider::Generic(file, _) => {
                let mut url = url::Url::parse(&file.authorize_url)
                    .map_err(|error| AuthError::usage(format!("authorizeUrl is not a URL: {error}")))?;
                let scopes = if scopes.is_empty() { &file.scopes } else { scopes };
                {
                    let mut pairs = url.query_pairs_mut();
                    pairs.append_pair("response_type", "code");
                    pairs.append_pair("client_id", client_id);
                    pairs.append_pair("redirect_uri", redirect_uri);
                    if !scopes.is_empty() {
                        pairs.append_pair("scope", &scopes.join(&file.separator()));
                    }
                    pairs.append_pair("state", state);
                    if let Some(challenge) = pkce_challenge {
                        pairs.append_pair("code_challenge", challenge);
                        pairs.append_pair("code_challenge_method", "S256");
                    }
                    for (name, value) in &file.extra_authorize_params {
                        pairs.append_pair(name, value);
                    }
                }
                Ok(url.into())
            }
            Provider::OAuth1(_, _) => Err(self.needs_login("its authorization URL")),
        }
    }

    fn not_refreshable(&self) -> AuthError {
        let Commands { login, show, .. } = self.commands();
        AuthError::usage(format!(
            "{} is an OAuth 1.0a provider: its access tokens do not expire and cannot be refreshed; \
             `{show}` tells what is stored, `{login}` connects again",
            self.name()
        ))
    }

    /// Why a step of the OAuth 2.0 flow cannot be done alone for an OAuth 1.0a provider.
    pub fn needs_login(&self, what: &str) -> AuthError {
        AuthError::usage(format!(
            "{} is an OAuth 1.0a provider: {what} needs a request token whose secret must stay with the \
             process that exchanges the verifier, so use `{}`",
            self.name(),
            self.commands().login
        ))
    }

    /// Exchanges an authorization code. The result carries `expires_at` and `refreshed_at`.
    pub async fn exchange(
        &self,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: Option<&str>,
    ) -> Result<OAuthKeys, AuthError> {
        match self {
            Provider::Builtin(builtin) => {
                let client_secret = self.client_secret()?;
                builtin.exchange(CodeExchange { client_id, client_secret, code, redirect_uri }).await
            }
            Provider::Generic(file, _) => {
                let grant = Grant::Code { code, redirect_uri, pkce_verifier };
                let response =
                    token::request(file, client_id, &self.client_secret()?, grant, self.commands()).await?;
                let mut keys = OAuthKeys::new();
                keys.merge_refresh(response, chrono::Utc::now());
                Ok(keys)
            }
            Provider::OAuth1(_, _) => Err(self.needs_login("the exchange")),
        }
    }

    /// Refreshes `keys` in place (the token response merged: an omitted refresh token is kept).
    pub async fn refresh(&self, client_id: &str, keys: &mut OAuthKeys) -> Result<(), AuthError> {
        if let Provider::OAuth1(_, _) = self {
            return Err(self.not_refreshable());
        }
        let Some(refresh_token) = keys.refresh_token() else {
            return Err(AuthError::failed(
                "no_refresh_token",
                format!(
                    "the credential holds no refresh token: connect the account again with `{}`",
                    self.commands().login
                ),
            ));
        };
        let response = match self {
            Provider::Builtin(builtin) => {
                builtin.refresh(client_id, self.client_secret()?, &refresh_token).await?
            }
            Provider::Generic(file, _) => {
                let grant = Grant::Refresh(&refresh_token);
                token::request(file, client_id, &self.client_secret()?, grant, self.commands()).await?
            }
            Provider::OAuth1(_, _) => return Err(self.not_refreshable()),
        };
        keys.merge_refresh(response, chrono::Utc::now());
        Ok(())
    }
}

/// The message for an RFC 6749 error answer to `what` (`the authorization code`, `the refresh
/// token`), with advice that names the program's `commands`.
pub fn rejected(what: &str, code: &str, description: Option<&str>, commands: Commands) -> AuthError {
    let detail = description.map(|d| format!(" ({d})")).unwrap_or_default();
    let advice = match code {
        "invalid_client" | "unauthorized_client" => {
            "the provider does not accept this client: check the client id and secret".to_string()
        }
        "invalid_grant" if what.contains("code") => format!(
            "an authorization code works once, expires within minutes and must be exchanged with the \
             same redirect URI: run `{}` again",
            commands.login
        ),
        "invalid_grant" => format!(
            "the refresh token is no longer valid: connect the account again with `{}`",
            commands.login
        ),
        _ => "check the provider settings and try again".to_string(),
    };
    AuthError::failed(code, format!("the token endpoint refused {what}: {code}{detail}; {advice}"))
}

/// Replaces every occurrence of a secret with `[redacted]`.
pub use gotowebinar::oauth::scrub;

/// The body of a provider's answer, read no further than the response cap
/// (`GOTOWEBINAR_MAX_RESPONSE_BYTES`, default 16 MiB): an oversized answer is an error, never held
/// in memory whole. A body that breaks off reads as empty, like any unreadable answer.
pub(crate) async fn capped_text(response: reqwest::Response, endpoint: &str) -> Result<String, AuthError> {
    use gotowebinar::client::{
        max_response_bytes_from_env, read_capped, ReadFailure, DEFAULT_MAX_RESPONSE_BYTES,
    };
    let max = max_response_bytes_from_env().unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
    match read_capped(response, max).await {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(ReadFailure::TooLarge(size)) => Err(AuthError::failed(
            "token_endpoint",
            format!("the answer of {endpoint} is {size}, above the {max} bytes a response may have"),
        )),
        Err(ReadFailure::Transport(_)) => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn file(token_url: &str, extra: Value) -> ProviderFile {
        let mut value = json!({"name": "p", "authorizeUrl": "https://p.example/auth", "tokenUrl": token_url});
        if let (Some(map), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        ProviderFile::from_value(value, "test").unwrap()
    }

    #[test]
    fn a_code_exchange_shows_neither_its_secret_nor_its_code() {
        let request = CodeExchange {
            client_id: "the-client",
            client_secret: Secret::new("s3cret-value"),
            code: "one-time-code",
            redirect_uri: "http://127.0.0.1:8765/callback",
        };
        let shown = format!("{request:?}");
        assert!(shown.contains("the-client") && shown.contains("127.0.0.1:8765"), "{shown}");
        assert!(!shown.contains("s3cret-value") && !shown.contains("one-time-code"), "{shown}");
    }

    #[test]
    fn provider_files_are_checked_with_messages_that_name_the_field() {
        let err = ProviderFile::from_value(
            json!({"name": "p", "authorizeUrl": "nope", "tokenUrl": "https://t"}),
            "f",
        )
        .unwrap_err();
        assert!(err.message().contains("authorizeUrl") && err.exit_code() == 2, "{err}");
        let err =
            ProviderFile::from_value(json!({"name": "p", "authorizeUrl": "https://a", "tokenURL": "x"}), "f")
                .unwrap_err();
        assert!(err.message().contains("tokenURL"), "{err}");
        let err = ProviderFile::from_value(
            json!({"name": "p", "authorizeUrl": "https://a", "tokenUrl": "https://t", "clientAuth": "header"}),
            "f",
        )
        .unwrap_err();
        assert!(err.message().contains("header"), "{err}");
    }

    #[test]
    fn plain_http_endpoints_are_refused_except_on_loopback() {
        for (field, url) in
            [("tokenUrl", "http://p.example/token"), ("authorizeUrl", "http://p.example/auth")]
        {
            let mut value = json!({"name": "p", "authorizeUrl": "https://p.example/auth", "tokenUrl": "https://p.example/token"});
            value[field] = json!(url);
            let err = ProviderFile::from_value(value, "f").unwrap_err();
            assert_eq!((err.code(), err.exit_code()), ("ConfigurationError", 2), "{err}");
            assert!(err.message().contains(field), "{err}");
        }
        let local =
            json!({"name": "p", "authorizeUrl": "http://localhost:1/a", "tokenUrl": "http://127.0.0.1:1/t"});
        assert!(ProviderFile::from_value(local, "f").is_ok());
        let err = crate::check_redirect_uri("javascript:alert(1)").unwrap_err();
        assert_eq!(err.code(), "ConfigurationError");
        assert!(crate::check_redirect_uri("http://127.0.0.1:8765/callback").is_ok());
    }

    #[tokio::test]
    async fn advice_names_the_programs_commands() {
        let provider =
            Provider::Generic(Box::new(file("https://p.example/token", json!({}))), crate::TEST_COMMANDS);
        let err = provider.refresh("id", &mut OAuthKeys::new()).await.unwrap_err();
        assert!(err.message().ends_with("connect the account again with `app auth login`"), "{err}");
        let err = rejected("the refresh token", "invalid_grant", None, crate::TEST_COMMANDS);
        assert!(err.message().ends_with("connect the account again with `app auth login`"), "{err}");
    }

    #[test]
    fn the_authorize_url_joins_scopes_with_the_separator() {
        let provider = Provider::Generic(
            Box::new(file(
                "https://p.example/token",
                json!({"scopes": ["a", "b"], "scopeSeparator": ",", "extraAuthorizeParams": {"access_type": "offline"}}),
            )),
            crate::TEST_COMMANDS,
        );
        let url = provider.authorize_url("id", "http://127.0.0.1:1/cb", "s", &[], None).unwrap();
        assert!(url.starts_with("https://p.example/auth?response_type=code&client_id=id&"), "{url}");
        assert!(
            url.contains("scope=a%2Cb")
                && url.contains("access_type=offline")
                && !url.contains("code_challenge")
        );
        let url =
            provider.authorize_url("id", "http://127.0.0.1:1/cb", "s", &["x".into()], Some("ch")).unwrap();
        assert!(
            url.contains("scope=x&") && url.contains("code_challenge=ch&code_challenge_method=S256"),
            "{url}"
        );
    }

    #[tokio::test]
    async fn basic_client_auth_and_a_form_encoded_answer() {
        let server = MockServer::start().await;
        // base64("id:top-secret-1")
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(header("authorization", "Basic aWQ6dG9wLXNlY3JldC0x"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                "access_token=at-1&token_type=bearer&expires_in=60",
                "application/x-www-form-urlencoded",
            ))
            .mount(&server)
            .await;
        let file = file(&format!("{}/token", server.uri()), json!({}));
        let grant = Grant::Code { code: "c-1", redirect_uri: "http://127.0.0.1:1/cb", pkce_verifier: None };
        let map = token::request(&file, "id", &Secret::new("top-secret-1"), grant, crate::TEST_COMMANDS)
            .await
            .unwrap();
        assert_eq!(map.get("access_token"), Some(&json!("at-1")));
        let body = String::from_utf8(server.received_requests().await.unwrap()[0].body.clone()).unwrap();
        assert!(!body.contains("client_secret") && !body.contains("top-secret-1"), "{body}");
    }

    #[tokio::test]
    async fn error_answers_are_explained_without_echoing_secrets() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_client", "error_description": "bad secret top-secret-2"}),
            ))
            .mount(&server)
            .await;
        let file = file(&format!("{}/token", server.uri()), json!({"clientAuth": "body"}));
        let grant = Grant::Code { code: "c-2", redirect_uri: "http://127.0.0.1:1/cb", pkce_verifier: None };
        let err = token::request(&file, "id", &Secret::new("top-secret-2"), grant, crate::TEST_COMMANDS)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_client");
        assert!(
            err.message().contains("client id and secret") && !err.message().contains("top-secret-2"),
            "{err}"
        );
    }
}
