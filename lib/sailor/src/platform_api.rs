//! The platform's REST API as a step uses it: step data, account keys and hook data.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::context::{CredentialSource, EmitError};
use crate::json::parse_json_lossless;
use crate::settings::Settings;

/// Why a platform API call failed. Never carries credentials or response bodies (which may hold keys).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request could not be sent or no response arrived.
    #[error("platform API {method} {path} failed: {reason}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Request path (no credentials).
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The API answered with an error status.
    #[error("platform API {method} {path} answered HTTP {status}")]
    Status {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The answer is not the JSON expected.
    #[error("platform API {method} {path} answered with unexpected content: {reason}")]
    Body {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ApiError {
    /// The HTTP status, when the API answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The step as the platform describes it (`GET /v1/tasks/{flow}/steps/{step}`).
#[derive(Debug, Clone, PartialEq)]
pub struct StepData {
    /// The step configuration (`config`), `{}` when absent; becomes `cfg`.
    pub config: Value,
    /// The stored snapshot, `{}` when absent.
    pub snapshot: Value,
    /// Whether the step carries passthrough (`is_passthrough`).
    pub is_passthrough: bool,
    /// The whole answer (`variables` and the rest).
    pub raw: Value,
}

/// A client for the platform API with Basic auth and retries.
#[derive(Clone)]
pub struct PlatformApi {
    /// Built on the first call, so the system's root certificates can be read (once per process)
    /// while the step connects to the broker rather than before.
    /// Built on first use; an error when the HTTP client cannot be built (e.g. no usable TLS setup).
    client: Arc<OnceLock<Result<reqwest::Client, String>>>,
    base: String,
    username: String,
    key: String,
    retries: u32,
    retry_delay: Duration,
}

impl std::fmt::Debug for PlatformApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformApi").field("base", &self.base).field("username", &self.username).finish()
    }
}

impl PlatformApi {
    /// A client for `base` (e.g. `https://api.example.com`), retrying a failed call `retries` times
    /// `retry_delay` apart (connection errors, HTTP 5xx and 429).
    pub fn new(
        base: impl Into<String>,
        username: impl Into<String>,
        key: impl Into<String>,
        retries: u32,
        retry_delay: Duration,
    ) -> Self {
        PlatformApi {
            client: Arc::default(),
            base: base.into().trim_end_matches('/').to_string(),
            username: username.into(),
            key: key.into(),
            retries,
            retry_delay,
        }
    }

    fn client(&self) -> Result<&reqwest::Client, String> {
        let built = self.client.get_or_init(|| {
            tlsroots::client_builder()
                .timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        });
        built.as_ref().map_err(Clone::clone)
    }

    /// A client with the step's API settings.
    pub fn from_settings(s: &Settings) -> Self {
        Self::new(
            s.api_uri.clone(),
            s.api_username.clone(),
            s.api_key.clone(),
            s.api_request_retry_attempts,
            s.api_request_retry_delay,
        )
    }

    /// `GET /v1/tasks/{flow_id}/steps/{step_id}`: the step's config, snapshot and passthrough flag.
    /// Integers longer than 15 digits in the answer arrive as strings.
    pub async fn step(&self, flow_id: &str, step_id: &str) -> Result<StepData, ApiError> {
        let path = format!("/v1/tasks/{}/steps/{}", seg(flow_id), seg(step_id));
        let raw = self.call(Method::GET, &path, None).await?.unwrap_or(Value::Null);
        let Some(obj) = raw.as_object() else {
            return Err(body_error("GET", &path, "expected a JSON object"));
        };
        let config = match obj.get("config") {
            None | Some(Value::Null) => json!({}),
            Some(c @ Value::Object(_)) => c.clone(),
            Some(_) => return Err(body_error("GET", &path, "`config` is not an object")),
        };
        let snapshot = match obj.get("snapshot") {
            None | Some(Value::Null) => json!({}),
            Some(s) => s.clone(),
        };
        let is_passthrough = obj.get("is_passthrough").and_then(Value::as_bool).unwrap_or(false);
        Ok(StepData { config, snapshot, is_passthrough, raw })
    }

    /// `GET /v1/accounts/{account_id}`: the whole account.
    pub async fn account(&self, account_id: &str) -> Result<Value, ApiError> {
        let path = format!("/v1/accounts/{}", seg(account_id));
        Ok(self.call(Method::GET, &path, None).await?.unwrap_or(Value::Null))
    }

    /// The account's `keys` object, `None` when it has none.
    pub async fn account_keys(&self, account_id: &str) -> Result<Option<Value>, ApiError> {
        let account = self.account(account_id).await?;
        // Some API versions wrap the account in `data`.
        let keys = account.get("keys").or_else(|| account.get("data").and_then(|d| d.get("keys")));
        Ok(keys.filter(|k| k.is_object()).cloned())
    }

    /// `PUT /v1/accounts/{account_id}` with `{"keys": keys}`.
    pub async fn update_account_keys(&self, account_id: &str, keys: &Value) -> Result<(), ApiError> {
        let path = format!("/v1/accounts/{}", seg(account_id));
        self.call(Method::PUT, &path, Some(&json!({ "keys": keys }))).await.map(|_| ())
    }

    /// Stores what `startup` returned: `POST /sailor-support/hooks/task/{flow_id}/startup/data`;
    /// on 409 (already stored) deletes the old data and posts again.
    pub async fn create_startup_data(&self, flow_id: &str, data: &Value) -> Result<(), ApiError> {
        let path = startup_path(flow_id);
        match self.call(Method::POST, &path, Some(data)).await {
            Err(e) if e.status() == Some(409) => {
                tracing::warn!("startup data already stored; replacing it");
                self.delete_startup_data(flow_id).await?;
                self.call(Method::POST, &path, Some(data)).await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// `GET` the stored startup data (`{}` when the answer is empty).
    pub async fn startup_data(&self, flow_id: &str) -> Result<Value, ApiError> {
        Ok(self.call(Method::GET, &startup_path(flow_id), None).await?.unwrap_or_else(|| json!({})))
    }

    /// `DELETE` the stored startup data.
    pub async fn delete_startup_data(&self, flow_id: &str) -> Result<(), ApiError> {
        self.call(Method::DELETE, &startup_path(flow_id), None).await.map(|_| ())
    }

    /// One call with retries; `Ok(None)` for an empty answer.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ApiError> {
        let url = format!("{}{}", self.base, path);
        let client = self.client().map_err(|reason| ApiError::Transport {
            method: method.to_string(),
            path: path.to_string(),
            reason,
        })?;
        let mut attempt = 0;
        loop {
            let mut req = client.request(method.clone(), &url).basic_auth(&self.username, Some(&self.key));
            if let Some(b) = body {
                req = req.json(b);
            }
            let result = req.send().await;
            let retryable = match &result {
                Err(_) => true,
                Ok(resp) => resp.status().is_server_error() || resp.status() == StatusCode::TOO_MANY_REQUESTS,
            };
            if retryable && attempt < self.retries {
                attempt += 1;
                let why = match &result {
                    Err(e) => transport_reason(e),
                    Ok(r) => format!("HTTP {}", r.status().as_u16()),
                };
                tracing::warn!(method = %method, path, attempt, reason = %why, "platform API call failed; retrying");
                tokio::time::sleep(self.retry_delay).await;
                continue;
            }
            let resp = result.map_err(|e| ApiError::Transport {
                method: method.to_string(),
                path: path.to_string(),
                reason: transport_reason(&e),
            })?;
            let status = resp.status();
            if !status.is_success() {
                return Err(ApiError::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                });
            }
            let bytes = resp.bytes().await.map_err(|e| ApiError::Transport {
                method: method.to_string(),
                path: path.to_string(),
                reason: transport_reason(&e),
            })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            return parse_json_lossless(&bytes)
                .map(Some)
                .map_err(|e| body_error(method.as_str(), path, &format!("not JSON ({e})")));
        }
    }
}

fn startup_path(flow_id: &str) -> String {
    format!("/sailor-support/hooks/task/{}/startup/data", seg(flow_id))
}

/// Percent-encodes one path segment.
fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

fn body_error(method: &str, path: &str, reason: &str) -> ApiError {
    ApiError::Body { method: method.to_string(), path: path.to_string(), reason: reason.to_string() }
}

/// The error without the URL (which reqwest includes and which is already in the message).
fn transport_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// Re-reads the step account's keys from the platform (`GET /v1/accounts/{_account}`).
#[derive(Debug, Clone)]
pub struct AccountCredentials {
    api: PlatformApi,
    account_id: Option<String>,
}

impl AccountCredentials {
    /// Reads the keys of `account_id` (the cfg's `_account`) through `api`; no account, no keys.
    pub fn new(api: PlatformApi, account_id: Option<String>) -> Self {
        AccountCredentials { api, account_id }
    }

    /// A credential source for the account named in `cfg._account`.
    pub fn for_cfg(api: PlatformApi, cfg: &Value) -> Arc<Self> {
        Arc::new(Self::new(api, account_id(cfg)))
    }
}

/// The cfg's `_account` as a string (also accepted as a number).
pub(crate) fn account_id(cfg: &Value) -> Option<String> {
    match cfg.get("_account") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[async_trait]
impl CredentialSource for AccountCredentials {
    async fn reload(&self) -> Result<Option<Value>, EmitError> {
        let Some(id) = &self.account_id else {
            return Ok(None);
        };
        self.api.account_keys(id).await.map_err(|e| EmitError::Failed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("abc-123_x"), "abc-123_x");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn account_id_from_cfg() {
        assert_eq!(account_id(&json!({"_account": "acc-1"})), Some("acc-1".into()));
        assert_eq!(account_id(&json!({"_account": 7})), Some("7".into()));
        assert_eq!(account_id(&json!({"_account": ""})), None);
        assert_eq!(account_id(&json!({})), None);
    }

    #[test]
    fn debug_hides_the_key() {
        let api = PlatformApi::new("http://127.0.0.1:9", "u", "secret-key", 0, Duration::ZERO);
        assert!(!format!("{api:?}").contains("secret-key"));
    }
}
