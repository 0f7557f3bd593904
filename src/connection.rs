//! From the platform's credential to a working GoToWebinar client: the stored keys, the token
//! manager (one per credential in a process), refreshed keys handed back with `updateKeys`, and
//! the organizer and account keys discovered when the credential does not carry them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{AccountKey, OrganizerKey};
use gotowebinar::oauth::{OAuthClient, OAuthKeys};
use gotowebinar::token::{CredentialStore, StoreError, TokenManager, TokenManagerConfig};
use gotowebinar::{Origins, Secret};
use sailor::Context;
use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::errors::{names, ComponentError, CredentialAdvice, Doing, Renewal};

/// Environment variable holding the OAuth client id.
pub const CLIENT_ID_ENV: &str = "CITRIX_APP_ID";
/// Environment variable holding the OAuth client secret.
pub const CLIENT_SECRET_ENV: &str = "CITRIX_APP_SECRET";
/// Environment variable that sets the client-side rate limit (requests per second, 0 = off).
pub const RATE_LIMIT_ENV: &str = "GOTO_RATE_LIMIT";

/// The credential part of a step's configuration.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The stored token response (`cfg.oauth`).
    pub oauth: OAuthKeys,
    /// `cfg.organizerKey`, else the legacy `oauth.organizer_key`.
    pub organizer_key: Option<String>,
    /// `cfg.accountKey`, else the legacy `oauth.account_key`.
    pub account_key: Option<String>,
    /// The platform's account id (`cfg._account`), when the platform runs the step.
    pub account_id: Option<String>,
    /// The token response has the legacy Citrix shape (see [`is_legacy_citrix`]).
    pub legacy: bool,
}

/// Whether a stored token response comes from the retired Citrix token host
/// (`api.citrixonline.com`): `expires_in` stored as a string, or an opaque (non-JWT) access token
/// next to `organizer_key`. Today's GoTo host answers a number and a JWT.
pub fn is_legacy_citrix(oauth: &OAuthKeys) -> bool {
    let string_lifetime = oauth.get("expires_in").is_some_and(Value::is_string);
    let opaque_token = oauth
        .get("access_token")
        .and_then(Value::as_str)
        .is_some_and(|token| !token.is_empty() && token.split('.').count() != 3);
    string_lifetime || (opaque_token && oauth.get("organizer_key").is_some())
}

fn key_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

impl Credential {
    /// Reads the credential from a step configuration.
    pub fn from_cfg(cfg: &Value) -> Result<Self, ComponentError> {
        let oauth = match cfg.get("oauth") {
            Some(Value::Object(map)) => Value::Object(map.clone()),
            // Some stores keep the token response as a JSON string.
            Some(Value::String(text)) => serde_json::from_str(text).map_err(|_| {
                ComponentError::named(names::AUTH, "the credential's `oauth` field is not a token response: connect the GoTo account again")
            })?,
            _ => {
                return Err(ComponentError::named(
                    names::AUTH,
                    "the step has no GoTo credential (`oauth` is missing): connect a GoTo account in the credential",
                ))
            }
        };
        let oauth = OAuthKeys::from_value(oauth)
            .map_err(|error| ComponentError::named(names::AUTH, error.to_string()))?;
        if oauth.access_token().is_none() && oauth.refresh_token().is_none() {
            return Err(ComponentError::named(
                names::AUTH,
                "the GoTo credential holds neither an access token nor a refresh token: connect the GoTo account again",
            ));
        }
        let organizer_key = key_text(cfg.get("organizerKey")).or_else(|| oauth.get_key("organizer_key"));
        let account_key = key_text(cfg.get("accountKey")).or_else(|| oauth.get_key("account_key"));
        let account_id = key_text(cfg.get("_account"));
        let legacy = is_legacy_citrix(&oauth);
        Ok(Self { oauth, organizer_key, account_key, account_id, legacy })
    }

    /// The keys object handed to the platform with `updateKeys`: the credential's fields only,
    /// never step fields or `_account`.
    pub fn keys_value(oauth: &OAuthKeys, organizer_key: Option<&str>, account_key: Option<&str>) -> Value {
        let mut keys = Map::new();
        keys.insert("oauth".into(), oauth.to_value());
        if let Some(key) = organizer_key {
            keys.insert("organizerKey".into(), json!(key));
        }
        if let Some(key) = account_key {
            keys.insert("accountKey".into(), json!(key));
        }
        Value::Object(keys)
    }
}

/// Hands refreshed keys to the platform (`updateKeys`) and re-reads them when another process
/// may have rotated the refresh token.
struct PlatformStore {
    state: Mutex<StoreState>,
}

struct StoreState {
    context: Context,
    organizer_key: Option<String>,
    account_key: Option<String>,
}

impl PlatformStore {
    fn snapshot(&self) -> (Context, Option<String>, Option<String>) {
        let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (state.context.clone(), state.organizer_key.clone(), state.account_key.clone())
    }

    fn set_context(&self, context: Context) {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).context = context;
    }

    fn set_discovered(&self, organizer_key: Option<String>, account_key: Option<String>) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if organizer_key.is_some() {
            state.organizer_key = organizer_key;
        }
        if account_key.is_some() {
            state.account_key = account_key;
        }
    }
}

#[async_trait]
impl CredentialStore for PlatformStore {
    async fn save(&self, keys: &OAuthKeys) -> Result<(), StoreError> {
        let (context, organizer_key, account_key) = self.snapshot();
        let value = Credential::keys_value(keys, organizer_key.as_deref(), account_key.as_deref());
        context.update_keys(value).await.map_err(|error| StoreError::new(error.to_string()))
    }

    async fn reload(&self) -> Result<Option<OAuthKeys>, StoreError> {
        let (context, _, _) = self.snapshot();
        let Some(cfg) =
            context.reload_credentials().await.map_err(|error| StoreError::new(error.to_string()))?
        else {
            return Ok(None);
        };
        match cfg.get("oauth") {
            Some(oauth @ Value::Object(_)) => OAuthKeys::from_value(oauth.clone())
                .map(Some)
                .map_err(|error| StoreError::new(error.to_string())),
            _ => Ok(None),
        }
    }
}

/// A GoToWebinar client for one credential, with its organizer and account keys.
#[derive(Clone)]
pub struct Connection {
    client: GoToWebinar,
    tokens: TokenManager,
    store: Arc<PlatformStore>,
    /// Fingerprint of the keys the connection was built from.
    origin: u64,
    /// What this credential's failures tell a person.
    advice: Arc<CredentialAdvice>,
}

/// A process-local fingerprint of a credential (its refresh token, else its access token); never
/// logged or stored.
fn fingerprint(keys: &OAuthKeys) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    if let Some(token) = keys.refresh_token() {
        token.expose().hash(&mut hasher);
    } else if let Some(token) = keys.access_token() {
        token.expose().hash(&mut hasher);
    } else {
        0u8.hash(&mut hasher);
    }
    hasher.finish()
}

type Cache = Mutex<HashMap<String, Connection>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Token managers of connections outside the cache (credential checks).
fn unshared() -> &'static Mutex<Vec<TokenManager>> {
    static UNSHARED: OnceLock<Mutex<Vec<TokenManager>>> = OnceLock::new();
    UNSHARED.get_or_init(Default::default)
}

/// Waits until no token refresh of any connection in this process is running or being saved,
/// so a stopping process hands every rotated refresh token over before it exits.
pub async fn wait_until_all_keys_saved() {
    let mut managers: Vec<TokenManager> = {
        let cache = cache().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.values().map(|connection| connection.tokens.clone()).collect()
    };
    managers.extend(unshared().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().cloned());
    futures::future::join_all(managers.iter().map(TokenManager::settle)).await;
}

/// Makes a stopping process (SIGTERM/SIGINT) wait for token refreshes (see
/// [`wait_until_all_keys_saved`]).
fn register_drain() {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| sailor::shutdown::on_drain(wait_until_all_keys_saved));
}

fn rate_limit_from_env() -> Option<u32> {
    match std::env::var(RATE_LIMIT_ENV) {
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(0) => None,
            Ok(limit) => Some(limit),
            Err(_) => {
                warn!(
                    variable = RATE_LIMIT_ENV,
                    "not a whole number; using GoTo's default quota of 10 requests/s"
                );
                Some(10)
            }
        },
        Err(_) => Some(10),
    }
}

impl Connection {
    /// The connection for the credential in `cfg`. Within one process, every message of the same
    /// credential shares one token manager, so concurrent messages refresh a token once and later
    /// messages use the refreshed token. The credential is known by the platform's account id, else
    /// by a fingerprint of its refresh token.
    pub fn for_cfg(context: &Context, cfg: &Value) -> Result<Self, ComponentError> {
        let credential = Credential::from_cfg(cfg)?;
        let given = fingerprint(&credential.oauth);
        let cache_key = match &credential.account_id {
            Some(account) => format!("account:{account}"),
            None => format!("token:{given}"),
        };
        // Held while a connection is built, so concurrent first messages of one credential share
        // one token manager instead of each refreshing (building makes no request).
        let mut cache = cache().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(connection) = cache.get(&cache_key) {
            // A credential connected again (new refresh token) starts afresh; a refresh of our own does not.
            if given == connection.origin || given == fingerprint(&connection.tokens.keys()) {
                connection.store.set_context(context.clone());
                return Ok(connection.clone());
            }
        }
        let connection = Self::build(context, credential, given, TokenManagerConfig::default(), false)?;
        cache.insert(cache_key, connection.clone());
        Ok(connection)
    }

    /// A connection for checking the credential (`verifyCredentials`): not shared, and it
    /// refreshes only a token that has expired or that GoTo rejects, never one still valid.
    /// Where renewed keys would not be kept ([`Context::keys_kept`]: the platform does not store
    /// keys renewed during a check) it never refreshes, so a single-use refresh token is not
    /// spent for nothing.
    pub fn for_verification(context: &Context, cfg: &Value) -> Result<Self, ComponentError> {
        let mut credential = Credential::from_cfg(cfg)?;
        let given = fingerprint(&credential.oauth);
        let no_renewal = !context.keys_kept() && credential.oauth.refresh_token().is_some();
        if no_renewal {
            credential.oauth.remove("refresh_token");
        }
        let config = TokenManagerConfig { skew: std::time::Duration::ZERO, ..TokenManagerConfig::default() };
        let connection = Self::build(context, credential, given, config, no_renewal)?;
        unshared().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(connection.tokens.clone());
        Ok(connection)
    }

    /// Builds the connection and decides here what its credential's failures will say.
    /// `no_renewal`: the refresh token was left out because renewed keys would not be kept.
    fn build(
        context: &Context,
        credential: Credential,
        origin: u64,
        config: TokenManagerConfig,
        no_renewal: bool,
    ) -> Result<Self, ComponentError> {
        let renewal = if no_renewal {
            Renewal::NotDuringCheck
        } else if credential.oauth.refresh_token().is_none() {
            Renewal::NoRefreshToken
        } else {
            Renewal::RefreshToken
        };
        let advice = Arc::new(CredentialAdvice {
            local_cfg: context.local_cfg().map(ToOwned::to_owned),
            renewal,
            legacy: credential.legacy,
        });
        let origins = Origins::from_env()
            .map_err(|error| ComponentError::named(names::CONFIGURATION, error.to_string()))?;
        let client_id = std::env::var(CLIENT_ID_ENV).unwrap_or_default();
        let client_secret = Secret::new(std::env::var(CLIENT_SECRET_ENV).unwrap_or_default());
        let oauth_client = OAuthClient::new(client_id, client_secret, origins.clone())
            .map_err(|error| ComponentError::named(names::CONFIGURATION, error.to_string()))?;
        let store = Arc::new(PlatformStore {
            state: Mutex::new(StoreState {
                context: context.clone(),
                organizer_key: credential.organizer_key.clone(),
                account_key: credential.account_key.clone(),
            }),
        });
        let tokens = TokenManager::new(oauth_client, credential.oauth, store.clone()).with_config(config);
        let client = GoToWebinar::builder(origins, Arc::new(tokens.clone()))
            .rate_limit(rate_limit_from_env())
            .build()
            .map_err(|error| ComponentError::named(names::CONFIGURATION, error.to_string()))?;
        register_drain();
        Ok(Self { client, tokens, store, origin, advice })
    }

    /// What this credential's failures tell a person (see [`ComponentError::decide`]).
    pub fn advice(&self) -> &CredentialAdvice {
        &self.advice
    }

    /// Waits (at most a minute) until a token refresh started by this call has finished and
    /// its keys are saved, so a rotated refresh token is never lost when the call ends.
    pub async fn wait_until_keys_saved(&self) {
        if tokio::time::timeout(std::time::Duration::from_secs(60), self.tokens.settle()).await.is_err() {
            warn!("a GoToWebinar token refresh was still running when the call ended");
        }
    }

    /// The API client.
    pub fn client(&self) -> &GoToWebinar {
        &self.client
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.tokens
    }

    /// The organizer key: from the credential, else discovered from `/admin/rest/v1/me`, else
    /// from `/identity/v1/Users/me`. A discovered key is persisted with the keys.
    pub async fn organizer_key(&self) -> Result<OrganizerKey, ComponentError> {
        let (_, known, _) = self.store.snapshot();
        if let Some(key) = known {
            return OrganizerKey::new(&key).map_err(|error| {
                ComponentError::input(format!(
                    "the credential's organizerKey {key:?} is not a GoTo key: {error}"
                ))
            });
        }
        let (organizer, _) = self.discover().await?;
        organizer.ok_or_else(|| {
            ComponentError::named(
                names::AUTH,
                "could not find the organizer key of the connected GoTo user: set `organizerKey` in the credential",
            )
        })
    }

    /// The account key: from the credential, else discovered from `/admin/rest/v1/me`.
    pub async fn account_key(&self) -> Result<AccountKey, ComponentError> {
        let (_, _, known) = self.store.snapshot();
        if let Some(key) = known {
            return AccountKey::new(&key).map_err(|error| {
                ComponentError::input(format!(
                    "the credential's accountKey {key:?} is not a GoTo key: {error}"
                ))
            });
        }
        let (_, account) = self.discover().await?;
        account.ok_or_else(|| {
            ComponentError::named(
                names::AUTH,
                "could not find the account key of the connected GoTo user: set `accountKey` in the credential",
            )
        })
    }

    async fn discover(&self) -> Result<(Option<OrganizerKey>, Option<AccountKey>), ComponentError> {
        let (organizer, account) = match self.client.admin_me().await {
            Ok(me) => (me.key.clone(), me.account_key.clone()),
            Err(error) => {
                info!(error = %error, "admin/me is not available; asking identity/Users/me");
                let user = self.client.identity_me().await.doing("finding the connected GoTo user")?;
                (Some(user.id), None)
            }
        };
        self.store.set_discovered(
            organizer.as_ref().map(ToString::to_string),
            account.as_ref().map(ToString::to_string),
        );
        let (context, organizer_key, account_key) = self.store.snapshot();
        let keys =
            Credential::keys_value(&self.tokens.keys(), organizer_key.as_deref(), account_key.as_deref());
        if let Err(error) = context.update_keys(keys).await {
            warn!(error = %error, "could not store the discovered organizer key; it will be looked up again next time");
        }
        Ok((organizer, account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: Value) -> OAuthKeys {
        OAuthKeys::from_value(value).unwrap_or_default()
    }

    struct Discard;

    #[async_trait]
    impl sailor::Emitter for Discard {
        async fn emit(&self, _event: sailor::Event) -> Result<(), sailor::EmitError> {
            Ok(())
        }
    }

    #[test]
    fn concurrent_first_messages_of_one_credential_share_one_connection() {
        let cfg = json!({"_account": "concurrent-first-messages",
                         "oauth": {"access_token": "a", "refresh_token": "r", "expires_in": 3600}});
        // Building needs the app's client; no test of this crate expects it to be missing.
        for (name, value) in [(CLIENT_ID_ENV, "test-client"), (CLIENT_SECRET_ENV, "test-secret")] {
            if std::env::var_os(name).is_none() {
                std::env::set_var(name, value);
            }
        }
        let threads = 8;
        let barrier = std::sync::Barrier::new(threads);
        let stores: Vec<Arc<PlatformStore>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let context = Context::new(Arc::new(Discard), sailor::StepInfo::default());
                        barrier.wait();
                        Connection::for_cfg(&context, &cfg).expect("a connection").store
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().expect("no panic")).collect()
        });
        assert!(
            stores.iter().all(|store| Arc::ptr_eq(store, &stores[0])),
            "one token manager per credential"
        );
    }

    #[test]
    fn a_connection_knows_what_its_credential_failures_say_from_the_start() {
        for (name, value) in [(CLIENT_ID_ENV, "test-client"), (CLIENT_SECRET_ENV, "test-secret")] {
            if std::env::var_os(name).is_none() {
                std::env::set_var(name, value);
            }
        }
        let context = || Context::new(Arc::new(Discard), sailor::StepInfo::default());
        let renewable =
            json!({"oauth": {"access_token": "eyJh.eyJl.c2ln", "refresh_token": "r1", "expires_in": 3600}});
        let local = context().with_local_cfg("cfg.json");
        let advice = Connection::for_cfg(&local, &renewable).expect("a connection").advice().clone();
        assert_eq!(advice.renewal, Renewal::RefreshToken);
        assert_eq!(advice.local_cfg.as_deref(), Some(std::path::Path::new("cfg.json")));
        assert!(!advice.legacy);

        let bare = json!({"oauth": {"access_token": "eyJh.eyJl.c2lu", "expires_in": 3600}});
        let advice = Connection::for_cfg(&context(), &bare).expect("a connection").advice().clone();
        assert_eq!(advice.renewal, Renewal::NoRefreshToken);
        assert_eq!(advice.local_cfg, None);

        let check = context().with_keys_kept(false);
        let connection = Connection::for_verification(&check, &renewable).expect("a connection");
        assert_eq!(connection.advice().renewal, Renewal::NotDuringCheck);
        assert!(connection.tokens().keys().refresh_token().is_none(), "the check holds no refresh token");

        let citrix =
            json!({"oauth": {"access_token": "RjY2NjM5", "expires_in": "30758399", "refresh_token": "d1c"}});
        assert!(Connection::for_cfg(&context(), &citrix).expect("a connection").advice().legacy);
    }

    #[test]
    fn the_legacy_citrix_shape_is_recognised() {
        let citrix = json!({"access_token": "RjY2NjM5NzA4OGNm", "expires_in": "30758399",
                            "refresh_token": "d1cp20yB3hrF", "organizer_key": "8439885694023999999"});
        assert!(is_legacy_citrix(&keys(citrix)));
        let opaque = json!({"access_token": "RjY2NjM5NzA4OGNm", "expires_in": 3600, "organizer_key": "1"});
        assert!(is_legacy_citrix(&keys(opaque)));
        let current = json!({"access_token": "eyJh.eyJl.c2ln", "expires_in": 3600, "organizer_key": "1",
                             "refresh_token": "r"});
        assert!(!is_legacy_citrix(&keys(current)));
        assert!(!is_legacy_citrix(&keys(json!({"access_token": "opaque", "expires_in": 3600}))));
    }
}
