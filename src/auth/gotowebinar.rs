//! GoToWebinar as the built-in provider of `gotowebinar auth`: endpoints from `GOTO_AUTH_URL`,
//! client from `CITRIX_APP_ID`/`CITRIX_APP_SECRET`, token requests through the GoTo client.

use std::sync::Arc;

use connect::provider::rejected;
use connect::{AuthError, Authorization, BuiltinProvider, CodeExchange, Commands};
use gotowebinar::oauth::OAuthKeys;
use gotowebinar::{ClientSecret, OAuthClient, Origins, RefreshToken, Secret};
use serde_json::{Map, Value};

use crate::connection::{CLIENT_ID_ENV, CLIENT_SECRET_ENV};

/// The name of the built-in provider.
pub const GOTOWEBINAR: &str = "gotowebinar";

/// GoToWebinar's token endpoint, reached with the GoTo client.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoToWebinarProvider;

/// The built-in provider, for [`connect::Provider::resolve`].
pub fn builtin() -> Arc<dyn BuiltinProvider> {
    Arc::new(GoToWebinarProvider)
}

fn client(client_id: &str, client_secret: ClientSecret) -> Result<OAuthClient, AuthError> {
    let origins = Origins::from_env().map_err(|error| AuthError::usage(error.to_string()))?;
    OAuthClient::new(client_id, client_secret, origins).map_err(|error| AuthError::usage(error.to_string()))
}

/// A token endpoint failure of the GoTo client, said for a person.
fn token_error(what: &str, error: gotowebinar::Error) -> AuthError {
    match error {
        gotowebinar::Error::Reauthorize(oauth) => {
            rejected(what, &oauth.error, oauth.description.as_deref(), GoToWebinarProvider.commands())
        }
        other => AuthError::failed("token_endpoint", other.to_string()),
    }
}

#[async_trait::async_trait]
impl BuiltinProvider for GoToWebinarProvider {
    fn name(&self) -> &str {
        GOTOWEBINAR
    }

    fn client_id_env(&self) -> &str {
        CLIENT_ID_ENV
    }

    fn client_secret_env(&self) -> &str {
        CLIENT_SECRET_ENV
    }

    fn commands(&self) -> Commands {
        Commands {
            login: "gotowebinar auth login",
            show: "gotowebinar auth show",
            url: "gotowebinar auth url",
            exchange: "gotowebinar auth exchange",
        }
    }

    fn authorize_url(&self, request: &Authorization<'_>) -> Result<String, AuthError> {
        // The secret is not needed to build a URL, and `auth url` must work without it.
        let client = client(request.client_id, Secret::new("unused"))?;
        let scopes: Vec<&str> = request.scopes.iter().map(String::as_str).collect();
        client
            .authorize_url(request.redirect_uri, request.state, &scopes)
            .map_err(|error| AuthError::usage(error.to_string()))
    }

    async fn exchange(&self, request: CodeExchange<'_>) -> Result<OAuthKeys, AuthError> {
        client(request.client_id, request.client_secret)?
            .exchange_code(request.code, request.redirect_uri)
            .await
            .map_err(|error| token_error("the authorization code", error))
    }

    async fn refresh(
        &self,
        client_id: &str,
        client_secret: ClientSecret,
        refresh_token: &RefreshToken,
    ) -> Result<Map<String, Value>, AuthError> {
        Ok(client(client_id, client_secret)?
            .refresh(refresh_token)
            .await
            .map_err(|error| token_error("the refresh token", error))?
            .into_map())
    }
}
