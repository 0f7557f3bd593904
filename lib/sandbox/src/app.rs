//! Shared server state: the data, the runtime knobs, the clock, logs.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::config::FaultConfig;
use crate::model::State;

/// One request as the sandbox saw it. Never holds token values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query string with secret-looking parameters redacted, if any.
    pub query: Option<String>,
    /// Response status; 0 when the connection was closed without an answer.
    pub status: u16,
    /// Server time of arrival.
    pub at: DateTime<Utc>,
    /// Request headers, names in lower case; credentials (`authorization`, cookies) redacted.
    pub headers: Vec<(String, String)>,
    /// Raw request body of an API request (UTF-8, lossy); `None` when empty or under `/oauth/…`.
    pub body: Option<String>,
    /// Raw response body of an API request; `None` when empty, under `/oauth/…`, or after a reset.
    /// Secret key values are redacted.
    pub response_body: Option<String>,
}

/// One webhook delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// The event's `eventKey`.
    pub event_key: String,
    /// The event's name, e.g. `registrant.added`.
    pub event_name: String,
    /// Where it was sent.
    pub callback_url: String,
    /// The raw body sent.
    pub body: String,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why it failed, if it did not answer.
    pub error: Option<String>,
    /// Server time of the attempt.
    pub at: DateTime<Utc>,
}

pub(crate) struct Runtime {
    pub token_ttl: Duration,
    pub rotate: bool,
    pub single_use: bool,
    pub revoke_on_refresh: bool,
    pub rate_limit: Option<u32>,
    pub windows: HashMap<String, VecDeque<Instant>>,
    pub faults: FaultConfig,
    pub fault_rng: StdRng,
    pub deny_next_authorize: bool,
    /// How long the token endpoint holds an answer after issuing it (a slow provider: the old
    /// refresh token is already spent while the client waits).
    pub token_answer_delay: Duration,
    pub log: VecDeque<RequestRecord>,
    pub deliveries: Vec<WebhookDelivery>,
    /// The last event sent: (event key, event name, callback URL, body), kept for redelivery.
    pub last_event: Option<(String, String, String, String)>,
    /// What the local receiver (`/receiver/…`) was sent.
    pub received: crate::test_events::Received,
}

const LOG_CAP: usize = 100_000;

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub rt: Mutex<Runtime>,
    pub dirty: AtomicBool,
    pub clock_offset_ms: AtomicI64,
    pub token_requests: AtomicUsize,
    pub base_url: String,
    pub http: reqwest::Client,
    pub runtime: tokio::runtime::Handle,
    pub jwt_key: Vec<u8>,
    pub client_id: String,
    pub client_secret: String,
    /// The configured webhook secret key; signs deliveries while no newer key was created.
    pub webhook_secret: String,
    /// Required by `/_sandbox/*` when the sandbox listens beyond loopback.
    pub admin_token: Option<String>,
    /// Sign-in settings (auto-approve, registered redirect URIs) and open consent pages.
    pub signin: crate::signin::Signin,
}

/// Cheap handle to the shared server state.
#[derive(Clone)]
pub(crate) struct App(pub Arc<Shared>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    /// Server time: real time plus the configured offset.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.0.clock_offset_ms.load(Ordering::Relaxed))
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&lock(&self.0.state))
    }

    /// Changes the state and marks it for saving.
    pub fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let out = f(&mut lock(&self.0.state));
        self.0.dirty.store(true, Ordering::Release);
        out
    }

    pub fn rt(&self) -> MutexGuard<'_, Runtime> {
        lock(&self.0.rt)
    }

    pub fn base(&self) -> &str {
        &self.0.base_url
    }

    pub fn join_url(&self, webinar: &str, registrant: &str) -> String {
        format!("{}/join/{webinar}/{registrant}", self.base())
    }

    pub fn log_request(&self, rec: RequestRecord) {
        let mut rt = self.rt();
        if rt.log.len() >= LOG_CAP {
            rt.log.pop_front();
        }
        rt.log.push_back(rec);
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        let mut rt = self.rt();
        rt.fault_rng = StdRng::seed_from_u64(faults.seed);
        rt.faults = faults;
    }

    /// Admits one request of `client` under the rate limit; false means 429.
    pub fn admit(&self, client: &str) -> bool {
        let mut rt = self.rt();
        let Some(limit) = rt.rate_limit.filter(|l| *l > 0) else {
            return true;
        };
        let now = Instant::now();
        let window = rt.windows.entry(client.to_string()).or_default();
        while window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_millis(1000)) {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}

/// Header names whose values are credentials and never logged.
const SECRET_HEADERS: [&str; 4] = ["authorization", "cookie", "set-cookie", "proxy-authorization"];

/// Request headers for the log: names in lower case, credential values redacted.
pub(crate) fn redact_headers(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                "<redacted>".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// Query string with secret-looking parameters redacted.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            let lower = name.to_ascii_lowercase();
            if ["token", "code", "secret", "password", "assertion", "pat"].iter().any(|s| lower.contains(s)) {
                format!("{name}=<redacted>")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}
