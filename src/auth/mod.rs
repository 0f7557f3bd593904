//! `gotowebinar auth …`: turn an OAuth client id and secret into a stored, refreshable
//! credential the way a person does it: the authorization URL, the callback (`code` + `state`, or
//! `error`), the code exchange, and a credential file in the `cfg` shape `gotowebinar exec --cfg`
//! reads. GoToWebinar is built in; `--provider FILE` connects any OAuth 2.0 provider, or an
//! OAuth 1.0a one (request token, authorization, verifier, access token and token secret).
//!
//! Exit codes: 0 success, 1 authorization failed, 2 usage. Results are JSON lines on stdout;
//! messages go to stderr. No secret is ever printed.

pub mod gotowebinar;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ::gotowebinar::client::GoToWebinar;
use ::gotowebinar::oauth::OAuthKeys;
use ::gotowebinar::{AccessToken, Origins, StaticToken};
use clap::{Args, Subcommand};
use connect::{callback, check_redirect_uri, oauth1, random_state, split_scopes};
use serde_json::{json, Value};

pub use connect::{AuthError, CallbackListener, ClientAuth, Provider, ProviderFile, DEFAULT_REDIRECT_URI};
pub use gotowebinar::builtin;
pub use store::CredentialFile;

/// Default time `auth login` waits for the callback, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// Options of `gotowebinar auth`.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
}

/// Options every `auth` command takes.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// `gotowebinar` (the default) or the path of a provider file (OAuth 2.0, or OAuth 1.0a with
    /// `"oauthVersion": "1.0a"`).
    #[arg(long, value_name = "NAME|FILE")]
    pub provider: Option<String>,
    /// The OAuth client id or OAuth 1.0a consumer key (default: CITRIX_APP_ID, or the provider
    /// file's variable, OAUTH_CLIENT_ID unless it names another). The secret is read from the
    /// environment only.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
enum AuthCommand {
    /// Print the authorization URL a person opens: {"oauthUrl", "provider", "state", "redirectUri"}.
    Url {
        #[command(flatten)]
        provider: ProviderArgs,
        /// Where the provider sends the browser back (must equal the URI registered with it).
        #[arg(long, value_name = "URI", default_value = DEFAULT_REDIRECT_URI)]
        redirect_uri: String,
        /// The state to send (a random one when not given).
        #[arg(long, value_name = "S")]
        state: Option<String>,
        /// Scopes to request (repeat or separate with spaces).
        #[arg(long, value_name = "SCOPE", num_args = 1..)]
        scope: Vec<String>,
    },
    /// Listen for the callback, exchange the code and write the credential file.
    Login {
        #[command(flatten)]
        provider: ProviderArgs,
        /// The redirect URI to listen on: http on 127.0.0.1, localhost or [::1] (port 0 picks a
        /// free port, for tests).
        #[arg(long, value_name = "URI", default_value = DEFAULT_REDIRECT_URI)]
        redirect_uri: String,
        /// How long to wait for the callback.
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_SECS)]
        timeout: u64,
        /// The credential file to write.
        #[arg(long, value_name = "FILE", default_value = "credential.json")]
        out: PathBuf,
        /// Scopes to request (repeat or separate with spaces).
        #[arg(long, value_name = "SCOPE", num_args = 1..)]
        scope: Vec<String>,
    },
    /// Exchange a code received by a callback handled elsewhere and write the credential file.
    Exchange {
        #[command(flatten)]
        provider: ProviderArgs,
        /// The authorization code.
        #[arg(long, value_name = "C")]
        code: String,
        /// The redirect URI sent in the authorization request.
        #[arg(long, value_name = "URI")]
        redirect_uri: String,
        /// The credential file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The PKCE verifier, for providers that use PKCE (read from this environment variable).
        #[arg(long, value_name = "VAR")]
        pkce_verifier_env: Option<String>,
    },
    /// Refresh the access token of a credential file now and write it back.
    Refresh {
        #[command(flatten)]
        provider: ProviderArgs,
        /// The credential file.
        #[arg(long, value_name = "FILE")]
        cfg: PathBuf,
    },
    /// Show who a credential file connects, which organizer, and when its token expires.
    Show {
        /// The credential file.
        #[arg(long, value_name = "FILE")]
        cfg: PathBuf,
    },
}

/// Runs an `auth` command; returns the process exit code.
///
/// SIGTERM or SIGINT stops it at once, except while a token request is under way: then its answer
/// is written first, and the exit code is 143 (SIGTERM) or 130 (SIGINT).
pub async fn run(args: AuthArgs) -> i32 {
    let mut stop = sailor::shutdown::listen();
    let mut work = std::pin::pin!(command(args.command));
    let result = tokio::select! {
        result = &mut work => result,
        signal = &mut stop => {
            eprintln!("gotowebinar auth: {} received; stopping", signal.name());
            if let Some(Err(error)) = sailor::shutdown::finish_critical(work, sailor::shutdown::DRAIN_LIMIT).await {
                eprintln!("gotowebinar auth: {error}");
            }
            return signal.exit_code();
        }
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            println!("{}", json!({ "error": { "code": error.code(), "message": error.message() } }));
            // Provider text (error_description) is quoted in the message: no control characters.
            eprintln!("gotowebinar auth: {}", sailor::printable(error.message(), false));
            error.exit_code()
        }
    }
}

async fn command(command: AuthCommand) -> Result<(), AuthError> {
    match command {
        AuthCommand::Url { provider, redirect_uri, state, scope } => {
            let resolved = Provider::resolve(provider.provider.as_deref(), &builtin())?;
            if resolved.oauth1().is_some() {
                return Err(resolved.needs_login("its authorization URL"));
            }
            let client_id = resolved.client_id(provider.client_id.as_deref())?;
            if resolved.pkce() {
                return Err(AuthError::usage(format!(
                    "{} uses PKCE: the verifier must stay with the process that exchanges the code, so \
                     use `gotowebinar auth login`",
                    resolved.name()
                )));
            }
            check_redirect_uri(&redirect_uri)?;
            let state = state.unwrap_or_else(random_state);
            let url =
                resolved.authorize_url(&client_id, &redirect_uri, &state, &split_scopes(&scope), None)?;
            println!(
                "{}",
                json!({ "oauthUrl": url, "provider": resolved.name(), "state": state, "redirectUri": redirect_uri })
            );
            Ok(())
        }
        AuthCommand::Login { provider, redirect_uri, timeout, out, scope } => {
            let resolved = Provider::resolve(provider.provider.as_deref(), &builtin())?;
            if resolved.oauth1().is_some() && !scope.is_empty() {
                return Err(AuthError::usage(format!(
                    "--scope: {} is an OAuth 1.0a provider, which has no scopes: leave --scope out \
                     (access levels are set with the provider's app settings)",
                    resolved.name()
                )));
            }
            let options = LoginOptions {
                client_id: resolved.client_id(provider.client_id.as_deref())?,
                provider: resolved,
                redirect_uri,
                timeout: Duration::from_secs(timeout),
                scopes: split_scopes(&scope),
                out,
            };
            let credential = login(&options, |url, redirect_uri, provider| {
                println!("{}", json!({ "oauthUrl": url, "provider": provider, "redirectUri": redirect_uri }));
                eprintln!(
                    "Open the oauthUrl above in a browser; waiting up to {timeout} s for the callback…"
                );
            })
            .await?;
            println!("{}", connected(&credential, &options.out));
            Ok(())
        }
        AuthCommand::Exchange { provider, code, redirect_uri, out, pkce_verifier_env } => {
            let resolved = Provider::resolve(provider.provider.as_deref(), &builtin())?;
            if resolved.oauth1().is_some() {
                return Err(resolved.needs_login("the exchange"));
            }
            let client_id = resolved.client_id(provider.client_id.as_deref())?;
            check_redirect_uri(&redirect_uri)?;
            store::check_out(&out)?;
            let verifier = match pkce_verifier_env {
                Some(name) => Some(std::env::var(&name).map_err(|_| {
                    AuthError::usage(format!("--pkce-verifier-env {name}: the variable is not set"))
                })?),
                None => None,
            };
            // From the code exchange until the file is written a stop waits: the code works once.
            let critical = sailor::shutdown::critical();
            let credential =
                exchange(&resolved, &client_id, &code, &redirect_uri, verifier.as_deref()).await?;
            credential.write(&out)?;
            drop(critical);
            println!("{}", connected(&credential, &out));
            Ok(())
        }
        AuthCommand::Refresh { provider, cfg } => {
            // The file must take the answer before the refresh token is spent, and runs on one
            // file (this and `exec --save-keys`) take turns.
            sailor::keyfile::check_writable(&cfg).map_err(|error| {
                AuthError::usage(format!("{error}; nothing was sent to the token endpoint"))
            })?;
            let _lock =
                sailor::keyfile::lock(&cfg, Duration::from_secs(300)).await.map_err(AuthError::usage)?;
            let mut credential = CredentialFile::read(&cfg)?;
            let resolved = match provider.provider.as_deref() {
                Some(spec) => Provider::resolve(Some(spec), &builtin())?,
                None => credential.provider()?,
            };
            let client_id = resolved.client_id(provider.client_id.as_deref())?;
            let mut oauth = credential.oauth();
            let critical = sailor::shutdown::critical();
            resolved.refresh(&client_id, &mut oauth).await?;
            credential.set_oauth(&oauth);
            if resolved.is_builtin() && credential.organizer_key().is_none() {
                discover_into(&mut credential, &oauth).await;
            }
            credential.write(&cfg)?;
            drop(critical);
            let mut summary = credential.summary(Some(&cfg));
            summary["status"] = json!("refreshed");
            println!("{summary}");
            Ok(())
        }
        AuthCommand::Show { cfg } => {
            let credential = CredentialFile::read(&cfg)?;
            println!("{}", credential.summary(Some(&cfg)));
            Ok(())
        }
    }
}

fn connected(credential: &CredentialFile, out: &Path) -> Value {
    let mut summary = credential.summary(Some(out));
    summary["status"] = json!("connected");
    summary
}

/// What `auth login` needs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// The provider.
    pub provider: Provider,
    /// The OAuth client id.
    pub client_id: String,
    /// The redirect URI to listen on.
    pub redirect_uri: String,
    /// How long to wait for the callback.
    pub timeout: Duration,
    /// Scopes to request (the provider's defaults when empty).
    pub scopes: Vec<String>,
    /// The credential file to write.
    pub out: PathBuf,
}

/// The whole login: listen, hand the authorization URL to `show_url(url, redirect_uri,
/// provider)`, wait for the callback, check it, exchange the code, find the organizer and
/// account keys, write the credential file, and tell the browser how it ended. Nothing is written
/// unless every step succeeded. OAuth 1.0a providers get a request token first and exchange the
/// verifier for the access token and token secret.
pub async fn login(
    options: &LoginOptions,
    show_url: impl FnOnce(&str, &str, &str),
) -> Result<CredentialFile, AuthError> {
    if let Some(file) = options.provider.oauth1() {
        return login_oauth1(file, options, show_url).await;
    }
    store::check_out(&options.out)?;
    // The secret is needed only for the exchange, but asking for it after the person approved
    // in the browser would waste their approval.
    options.provider.client_secret()?;
    let listener = CallbackListener::bind(&options.redirect_uri, options.provider.commands()).await?;
    let redirect_uri = listener.redirect_uri().to_string();
    let state = random_state();
    let pkce = options.provider.pkce().then(connect::oauth2::PkceCodeChallenge::new_random_sha256);
    let url = options.provider.authorize_url(
        &options.client_id,
        &redirect_uri,
        &state,
        &options.scopes,
        pkce.as_ref().map(|(challenge, _)| challenge.as_str()),
    )?;
    show_url(&url, &redirect_uri, options.provider.name());
    let callback = listener.wait(&state, options.timeout).await?;
    let verifier = pkce.as_ref().map(|(_, verifier)| verifier.secret().as_str());
    let critical = sailor::shutdown::critical();
    let outcome = match exchange(
        &options.provider,
        &options.client_id,
        &callback.code,
        &redirect_uri,
        verifier,
    )
    .await
    {
        Ok(credential) => credential.write(&options.out).map(|()| credential),
        Err(error) => Err(error),
    };
    drop(critical);
    finish(callback, options, outcome).await
}

/// The OAuth 1.0a login: request token (with `oauth_callback` = the redirect URI), the
/// authorization URL with `oauth_token`, the callback with the same token and a verifier, the
/// access token and token secret.
async fn login_oauth1(
    file: &oauth1::OAuth1File,
    options: &LoginOptions,
    show_url: impl FnOnce(&str, &str, &str),
) -> Result<CredentialFile, AuthError> {
    store::check_out(&options.out)?;
    let secret = options.provider.client_secret()?;
    let consumer = oauth1::Consumer { key: &options.client_id, secret: &secret };
    let listener = CallbackListener::bind(&options.redirect_uri, options.provider.commands()).await?;
    let redirect_uri = listener.redirect_uri().to_string();
    let request = oauth1::request_token(file, &consumer, &redirect_uri).await?;
    let url = file.authorize_url(&request.token)?;
    show_url(&url, &redirect_uri, &file.name);
    let callback = listener.wait_oauth1(&request.token, options.timeout).await?;
    let critical = sailor::shutdown::critical();
    let commands = options.provider.commands();
    let outcome = match oauth1::access_token(file, &consumer, &request, &callback.code, commands).await {
        Ok(oauth) => {
            let credential = CredentialFile::new(&options.provider, &oauth, None, None);
            credential.write(&options.out).map(|()| credential)
        }
        Err(error) => Err(error),
    };
    drop(critical);
    finish(callback, options, outcome).await
}

/// Tells the browser how the login ended and passes the outcome on.
async fn finish(
    callback: callback::Callback,
    options: &LoginOptions,
    outcome: Result<CredentialFile, AuthError>,
) -> Result<CredentialFile, AuthError> {
    let page = match &outcome {
        Ok(credential) => callback::Outcome::Connected {
            provider: match options.provider {
                Provider::Builtin(_) => "Your GoToWebinar account".to_string(),
                ref other => other.name().to_string(),
            },
            account: credential.summary(None)["who"].as_str().map(str::to_string),
        },
        Err(error) => callback::Outcome::Failed(error.message().to_string()),
    };
    callback.respond(&page).await;
    outcome
}

/// Exchanges a code and builds the credential (for GoToWebinar with the organizer and account
/// keys discovered).
pub async fn exchange(
    provider: &Provider,
    client_id: &str,
    code: &str,
    redirect_uri: &str,
    pkce_verifier: Option<&str>,
) -> Result<CredentialFile, AuthError> {
    let oauth = provider.exchange(client_id, code, redirect_uri, pkce_verifier).await?;
    let mut credential = CredentialFile::new(provider, &oauth, None, None);
    if provider.is_builtin() {
        discover_into(&mut credential, &oauth).await;
    }
    Ok(credential)
}

/// Finds the organizer and account keys (`/admin/rest/v1/me`, else `/identity/v1/Users/me`) and
/// stores them; a failure is reported and left for `exec` to retry later.
async fn discover_into(credential: &mut CredentialFile, oauth: &OAuthKeys) {
    let Some(token) = oauth.access_token() else { return };
    match discover(token).await {
        Ok(found) => {
            if let Some(key) = found.organizer_key {
                credential.set("organizerKey", json!(key));
            }
            if let Some(key) = found.account_key {
                credential.set("accountKey", json!(key));
            }
            if oauth.get("principal").is_none() {
                if let Some(email) = found.email {
                    let mut oauth = oauth.clone();
                    oauth.insert("principal", json!(email));
                    credential.set_oauth(&oauth);
                }
            }
        }
        Err(message) => eprintln!(
            "gotowebinar auth: could not find the organizer key now ({}); `gotowebinar exec` will look it up on first use",
            sailor::printable(&message, false)
        ),
    }
}

struct Discovered {
    organizer_key: Option<String>,
    account_key: Option<String>,
    email: Option<String>,
}

async fn discover(token: AccessToken) -> Result<Discovered, String> {
    let origins = Origins::from_env().map_err(|e| e.to_string())?;
    let client = GoToWebinar::builder(origins, Arc::new(StaticToken(token)))
        .rate_limit(None)
        .build()
        .map_err(|e| e.to_string())?;
    match client.admin_me().await {
        Ok(me) => Ok(Discovered {
            organizer_key: me.key.map(|k| k.to_string()),
            account_key: me.account_key.map(|k| k.to_string()),
            email: me.email,
        }),
        Err(_) => {
            let user = client.identity_me().await.map_err(|e| e.to_string())?;
            Ok(Discovered {
                organizer_key: Some(user.id.to_string()),
                account_key: None,
                email: user.user_name,
            })
        }
    }
}
