//! Configuration and errors of the sandbox.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::seed::SeedData;

/// Default client id of the registered OAuth client.
pub const DEFAULT_CLIENT_ID: &str = "gotowebinar-sandbox";

/// How the sandbox starts.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Lifetime of access tokens.
    pub token_ttl: Duration,
    /// Issue a new refresh token on every refresh.
    pub rotate_refresh_tokens: bool,
    /// A refresh token works once (implies rotation).
    pub single_use_refresh_tokens: bool,
    /// A refresh revokes the access tokens issued before it for the same grant.
    pub revoke_on_refresh: bool,
    /// Requests per second per client id (sliding 1000 ms window); `None` turns the limit off.
    pub rate_limit: Option<u32>,
    /// Fault injection.
    pub faults: FaultConfig,
    /// Seed data; `None` uses the built-in realistic seed.
    pub seed: Option<SeedData>,
    /// File to save the state to and reload it from.
    pub state_file: Option<PathBuf>,
    /// The registered OAuth client id.
    pub client_id: String,
    /// The registered OAuth client secret.
    pub client_secret: String,
    /// The developer application's webhook secret key: deliveries are signed with it until a
    /// `POST /webhooks/secretkey` creates a newer one.
    pub webhook_secret: String,
    /// `GET /oauth/authorize` approves at once instead of showing the consent page (for scripts
    /// and tests that play no browser).
    pub auto_approve: bool,
    /// Redirect URIs registered besides loopback (`http://127.0.0.1`, `localhost`, `[::1]` on any
    /// port, always allowed); compared as exact strings.
    pub redirect_uris: Vec<String>,
}

/// The webhook secret a sandbox signs with unless configured otherwise (a development value only).
pub const DEFAULT_WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            token_ttl: Duration::from_secs(3600),
            rotate_refresh_tokens: false,
            single_use_refresh_tokens: false,
            revoke_on_refresh: false,
            rate_limit: Some(10),
            faults: FaultConfig::default(),
            seed: None,
            state_file: None,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: random_secret(),
            webhook_secret: DEFAULT_WEBHOOK_SECRET.to_string(),
            auto_approve: false,
            redirect_uris: Vec::new(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("bind", &self.bind)
            .field("token_ttl", &self.token_ttl)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("single_use_refresh_tokens", &self.single_use_refresh_tokens)
            .field("revoke_on_refresh", &self.revoke_on_refresh)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("seed", &self.seed.as_ref().map(|_| "custom"))
            .field("state_file", &self.state_file)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .field("auto_approve", &self.auto_approve)
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

/// A new random client secret.
pub(crate) fn random_secret() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Fault injection: which fraction of API and token responses fail, and how.
///
/// Decisions come from an RNG seeded with `seed`, drawn once per request in arrival order, so the
/// same sequence of requests meets the same faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultConfig {
    /// Fraction of requests (0.0..=1.0) that meet a fault.
    pub rate: f64,
    /// RNG seed.
    pub seed: u64,
    /// Longest delay of a slow answer.
    #[serde(with = "millis", rename = "maxDelayMs")]
    pub max_delay: Duration,
    /// 500 with an HTML body.
    pub server_error: bool,
    /// 503 with an HTML body.
    pub unavailable: bool,
    /// The TCP connection is closed without an answer.
    pub reset: bool,
    /// The answer comes late (up to `max_delay`), but it comes.
    pub slow: bool,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: 0,
            max_delay: Duration::from_secs(2),
            server_error: true,
            unavailable: true,
            reset: true,
            slow: true,
        }
    }
}

impl FaultConfig {
    /// Faults at `rate` with `seed`, all kinds enabled.
    pub fn new(rate: f64, seed: u64) -> Self {
        Self { rate, seed, ..Self::default() }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// What can go wrong starting, driving or stopping the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source} (is the port already in use?)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    SeedRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A seed file is not valid.
    #[error("seed file {path} is not valid: {message}")]
    SeedInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Seed data is not valid.
    #[error("invalid seed data: {0}")]
    Seed(String),
    /// A state file could not be read or parsed.
    #[error("cannot load state file {path}: {message}")]
    StateLoad {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A state file could not be written.
    #[error("cannot save state file {path}: {source}")]
    StateSave {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An item named in a helper call does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A helper call was given invalid input.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The ready cfg file (`--write-cfg`) could not be written.
    #[error("cannot write the cfg file {path}: {message}")]
    CfgWrite {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Any other I/O failure.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
