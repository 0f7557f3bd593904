//! The `ELASTICIO_*` environment a flow step runs with.

use std::collections::HashMap;
use std::time::Duration;

use crate::context::StepInfo;

/// Why the environment is not a usable step configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A required variable is unset or empty.
    #[error("the environment variable {0} is required but not set")]
    Missing(String),
    /// A variable has a value that cannot be used.
    #[error("the environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable's full name.
        name: String,
        /// What is wrong and what is expected (never the value of a secret).
        reason: String,
    },
}

/// Where and how to exchange AMQP messages (absent in `HOOK_SHUTDOWN` mode).
#[derive(Clone, PartialEq, Eq)]
pub struct AmqpSettings {
    /// `ELASTICIO_AMQP_URI` (carries the broker password).
    pub uri: String,
    /// `ELASTICIO_LISTEN_MESSAGES_ON`: the queue to consume.
    pub listen_messages_on: String,
    /// `ELASTICIO_PUBLISH_MESSAGES_TO`: the exchange to publish to.
    pub publish_messages_to: String,
    /// `ELASTICIO_DATA_ROUTING_KEY`.
    pub data_routing_key: String,
    /// `ELASTICIO_ERROR_ROUTING_KEY`.
    pub error_routing_key: String,
    /// `ELASTICIO_REBOUND_ROUTING_KEY`.
    pub rebound_routing_key: String,
    /// `ELASTICIO_SNAPSHOT_ROUTING_KEY`.
    pub snapshot_routing_key: String,
    /// `ELASTICIO_MESSAGE_CRYPTO_IV`.
    pub message_crypto_iv: String,
    /// `ELASTICIO_MESSAGE_CRYPTO_PASSWORD`.
    pub message_crypto_password: String,
}

impl std::fmt::Debug for AmqpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpSettings")
            .field("uri", &redact_uri(&self.uri))
            .field("listen_messages_on", &self.listen_messages_on)
            .field("publish_messages_to", &self.publish_messages_to)
            .field("data_routing_key", &self.data_routing_key)
            .field("error_routing_key", &self.error_routing_key)
            .field("rebound_routing_key", &self.rebound_routing_key)
            .field("snapshot_routing_key", &self.snapshot_routing_key)
            .finish_non_exhaustive()
    }
}

/// Everything a flow step reads from its `ELASTICIO_*` environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `ELASTICIO_FLOW_ID` (the task id).
    pub flow_id: String,
    /// `ELASTICIO_EXEC_ID`.
    pub exec_id: String,
    /// `ELASTICIO_STEP_ID`.
    pub step_id: String,
    /// `ELASTICIO_CONTAINER_ID`.
    pub container_id: String,
    /// `ELASTICIO_WORKSPACE_ID`.
    pub workspace_id: String,
    /// `ELASTICIO_USER_ID`.
    pub user_id: String,
    /// `ELASTICIO_COMP_ID`.
    pub comp_id: String,
    /// `ELASTICIO_FUNCTION`: the action or trigger this step runs.
    pub function: String,
    /// `ELASTICIO_API_URI`, without a trailing slash.
    pub api_uri: String,
    /// `ELASTICIO_API_USERNAME`.
    pub api_username: String,
    /// `ELASTICIO_API_KEY`.
    pub api_key: String,
    /// The AMQP settings; `None` only in `HOOK_SHUTDOWN` mode.
    pub amqp: Option<AmqpSettings>,
    /// `ELASTICIO_REBOUND_INITIAL_EXPIRATION` in ms (default 15000).
    pub rebound_initial_expiration: u64,
    /// `ELASTICIO_REBOUND_LIMIT` (default 20).
    pub rebound_limit: u32,
    /// `ELASTICIO_RABBITMQ_PREFETCH_SAILOR` (default 1).
    pub prefetch: u16,
    /// `ELASTICIO_STARTUP_REQUIRED` (default false).
    pub startup_required: bool,
    /// `ELASTICIO_HOOK_SHUTDOWN` (default false).
    pub hook_shutdown: bool,
    /// `ELASTICIO_OUTGOING_MESSAGE_SIZE_LIMIT` in bytes after encryption (default 10485760).
    pub outgoing_message_size_limit: usize,
    /// `ELASTICIO_PROTOCOL_VERSION` of outgoing data messages (default 1).
    pub protocol_version: u8,
    /// `ELASTICIO_NO_ERROR_REPLIES` (default false).
    pub no_error_replies: bool,
    /// `ELASTICIO_NO_SELF_PASSTRHOUGH` (the platform's spelling; default false).
    pub no_self_passthrough: bool,
    /// `ELASTICIO_AMQP_PUBLISH_RETRY_ATTEMPTS`; `None` (the default) retries without limit.
    pub amqp_publish_retry_attempts: Option<u32>,
    /// `ELASTICIO_API_REQUEST_RETRY_ATTEMPTS` (default 3).
    pub api_request_retry_attempts: u32,
    /// `ELASTICIO_API_REQUEST_RETRY_DELAY` (default 100 ms).
    pub api_request_retry_delay: Duration,
    /// `ELASTICIO_FLOW_WEBHOOK_URI`, for webhook triggers.
    pub flow_webhook_uri: Option<String>,
    /// `ELASTICIO_AMQP_PUBLISH_RETRY_DELAY`: the first publish retry delay (default 100 ms), doubled per retry.
    pub amqp_publish_retry_delay: Duration,
    /// `ELASTICIO_AMQP_PUBLISH_MAX_RETRY_DELAY`: the longest publish retry delay (default 300000 ms).
    pub amqp_publish_max_retry_delay: Duration,
    /// `ELASTICIO_AMQP_PERSISTENT_MESSAGES`: publish with delivery mode 2 instead of 1 (default false).
    pub amqp_persistent_messages: bool,
    /// `ELASTICIO_DATA_RATE_LIMIT`: data messages per rate interval (default 10).
    pub data_rate_limit: u32,
    /// `ELASTICIO_ERROR_RATE_LIMIT`: error messages per rate interval (default 2).
    pub error_rate_limit: u32,
    /// `ELASTICIO_SNAPSHOT_RATE_LIMIT`: snapshot messages per rate interval (default 2).
    pub snapshot_rate_limit: u32,
    /// `ELASTICIO_RATE_INTERVAL` (default 100 ms).
    pub rate_interval: Duration,
    /// `ELASTICIO_INPUT_FORMAT`: `default`, or `error` for error-handler steps.
    pub input_format: InputFormat,
    /// `ELASTICIO_OBJECT_STORAGE_URI`, without a trailing slash.
    pub object_storage_uri: Option<String>,
    /// `ELASTICIO_OBJECT_STORAGE_TOKEN` (a secret; never logged).
    pub object_storage_token: Option<String>,
    /// `ELASTICIO_OBJECT_STORAGE_SIZE_THRESHOLD` in bytes (default 1048576).
    pub object_storage_size_threshold: usize,
    /// `ELASTICIO_EMIT_LIGHTWEIGHT_MESSAGE` (default false).
    pub emit_lightweight_message: bool,
    /// `ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS`: `(header, value)` added to every outgoing message.
    pub additional_headers: Vec<(String, String)>,
    /// `ELASTICIO_AMQP_RECONNECT_ATTEMPTS`: more tries of a failed broker connect at start-up (default 3).
    pub amqp_reconnect_attempts: u32,
    /// `ELASTICIO_AMQP_RECONNECT_TIMEOUT`: the wait between those tries (default 100 ms).
    pub amqp_reconnect_timeout: Duration,
}

/// How incoming messages are read (`ELASTICIO_INPUT_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// An encrypted message (the default).
    #[default]
    Default,
    /// The error envelope `{error, errorInput}` an error-handler step receives.
    Error,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("flow_id", &self.flow_id)
            .field("exec_id", &self.exec_id)
            .field("step_id", &self.step_id)
            .field("function", &self.function)
            .field("api_uri", &self.api_uri)
            .field("amqp", &self.amqp)
            .field("prefetch", &self.prefetch)
            .field("startup_required", &self.startup_required)
            .field("hook_shutdown", &self.hook_shutdown)
            .field("protocol_version", &self.protocol_version)
            .field("input_format", &self.input_format)
            .field("object_storage_uri", &self.object_storage_uri)
            .field("emit_lightweight_message", &self.emit_lightweight_message)
            .field("additional_headers", &self.additional_headers)
            .finish_non_exhaustive()
    }
}

const REQUIRED: [&str; 11] = [
    "FLOW_ID",
    "EXEC_ID",
    "STEP_ID",
    "CONTAINER_ID",
    "WORKSPACE_ID",
    "USER_ID",
    "COMP_ID",
    "FUNCTION",
    "API_URI",
    "API_USERNAME",
    "API_KEY",
];

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings from a map of variables (full names, e.g. `ELASTICIO_FLOW_ID`).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, SettingsError> {
        Self::from_lookup(|name| vars.get(name).cloned())
    }

    /// Reads the settings through `lookup` (full variable name → value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let env = Env(&lookup);
        for name in REQUIRED {
            env.required(name)?;
        }
        let hook_shutdown = env.bool("HOOK_SHUTDOWN", false)?;
        let amqp = if hook_shutdown {
            None
        } else {
            Some(AmqpSettings {
                uri: env.required("AMQP_URI")?,
                listen_messages_on: env.required("LISTEN_MESSAGES_ON")?,
                publish_messages_to: env.required("PUBLISH_MESSAGES_TO")?,
                data_routing_key: env.required("DATA_ROUTING_KEY")?,
                error_routing_key: env.required("ERROR_ROUTING_KEY")?,
                rebound_routing_key: env.required("REBOUND_ROUTING_KEY")?,
                snapshot_routing_key: env.required("SNAPSHOT_ROUTING_KEY")?,
                message_crypto_iv: env.required("MESSAGE_CRYPTO_IV")?,
                message_crypto_password: env.required("MESSAGE_CRYPTO_PASSWORD")?,
            })
        };
        let protocol_version: u8 = env.number("PROTOCOL_VERSION", 1)?;
        if !(1..=2).contains(&protocol_version) {
            return Err(invalid("PROTOCOL_VERSION", "must be 1 or 2"));
        }
        let prefetch = prefetch(&env)?;
        let amqp_publish_retry_attempts = match env.optional("AMQP_PUBLISH_RETRY_ATTEMPTS") {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("infinity") => None,
            Some(_) => Some(env.number("AMQP_PUBLISH_RETRY_ATTEMPTS", 0)?),
        };
        let rate = |name: &str, default: u32| -> Result<u32, SettingsError> {
            match env.number(name, default)? {
                0 => Err(invalid(name, "must be at least 1")),
                n => Ok(n),
            }
        };
        let input_format = match env.optional("INPUT_FORMAT").map(|v| v.trim().to_ascii_lowercase()) {
            None => InputFormat::Default,
            Some(v) if v == "default" => InputFormat::Default,
            Some(v) if v == "error" => InputFormat::Error,
            Some(v) => return Err(invalid("INPUT_FORMAT", format!("expected default or error, got {v:?}"))),
        };
        let emit_lightweight = env.bool("EMIT_LIGHTWEIGHT_MESSAGE", false)?;
        if emit_lightweight
            && (env.optional("OBJECT_STORAGE_URI").is_none()
                || env.optional("OBJECT_STORAGE_TOKEN").is_none())
        {
            return Err(invalid(
                "EMIT_LIGHTWEIGHT_MESSAGE",
                "needs ELASTICIO_OBJECT_STORAGE_URI and ELASTICIO_OBJECT_STORAGE_TOKEN",
            ));
        }
        let rate_interval: u64 = env.number("RATE_INTERVAL", 100)?;
        if rate_interval == 0 {
            return Err(invalid("RATE_INTERVAL", "must be at least 1 (milliseconds)"));
        }
        Ok(Settings {
            amqp_publish_retry_delay: Duration::from_millis(env.number("AMQP_PUBLISH_RETRY_DELAY", 100)?),
            amqp_publish_max_retry_delay: Duration::from_millis(
                env.number("AMQP_PUBLISH_MAX_RETRY_DELAY", 300_000)?,
            ),
            amqp_persistent_messages: env.bool("AMQP_PERSISTENT_MESSAGES", false)?,
            data_rate_limit: rate("DATA_RATE_LIMIT", 10)?,
            error_rate_limit: rate("ERROR_RATE_LIMIT", 2)?,
            snapshot_rate_limit: rate("SNAPSHOT_RATE_LIMIT", 2)?,
            rate_interval: Duration::from_millis(rate_interval),
            input_format,
            object_storage_uri: env
                .optional("OBJECT_STORAGE_URI")
                .map(|u| u.trim().trim_end_matches('/').to_string()),
            object_storage_token: env.optional("OBJECT_STORAGE_TOKEN"),
            object_storage_size_threshold: env.number("OBJECT_STORAGE_SIZE_THRESHOLD", 1_048_576)?,
            emit_lightweight_message: emit_lightweight,
            additional_headers: additional_headers(&lookup)?,
            amqp_reconnect_attempts: env.number("AMQP_RECONNECT_ATTEMPTS", 3)?,
            amqp_reconnect_timeout: Duration::from_millis(env.number("AMQP_RECONNECT_TIMEOUT", 100)?),
            flow_id: env.required("FLOW_ID")?,
            exec_id: env.required("EXEC_ID")?,
            step_id: env.required("STEP_ID")?,
            container_id: env.required("CONTAINER_ID")?,
            workspace_id: env.required("WORKSPACE_ID")?,
            user_id: env.required("USER_ID")?,
            comp_id: env.required("COMP_ID")?,
            function: env.required("FUNCTION")?,
            api_uri: env.required("API_URI")?.trim_end_matches('/').to_string(),
            api_username: env.required("API_USERNAME")?,
            api_key: env.required("API_KEY")?,
            amqp,
            rebound_initial_expiration: env.number("REBOUND_INITIAL_EXPIRATION", 15_000)?,
            rebound_limit: env.number("REBOUND_LIMIT", 20)?,
            prefetch,
            startup_required: env.bool("STARTUP_REQUIRED", false)?,
            hook_shutdown,
            outgoing_message_size_limit: env.number("OUTGOING_MESSAGE_SIZE_LIMIT", 10_485_760)?,
            protocol_version,
            no_error_replies: env.bool("NO_ERROR_REPLIES", false)?,
            no_self_passthrough: env.bool("NO_SELF_PASSTRHOUGH", false)?,
            amqp_publish_retry_attempts,
            api_request_retry_attempts: env.number("API_REQUEST_RETRY_ATTEMPTS", 3)?,
            api_request_retry_delay: Duration::from_millis(env.number("API_REQUEST_RETRY_DELAY", 100)?),
            flow_webhook_uri: env.optional("FLOW_WEBHOOK_URI"),
        })
    }

    /// The step's ids under the header names the platform's messages carry them with, in the
    /// order the Node sailor writes them.
    pub fn id_headers(&self) -> [(&'static str, &str); 8] {
        [
            ("execId", &self.exec_id),
            ("taskId", &self.flow_id),
            ("workspaceId", &self.workspace_id),
            ("containerId", &self.container_id),
            ("userId", &self.user_id),
            ("stepId", &self.step_id),
            ("compId", &self.comp_id),
            ("function", &self.function),
        ]
    }

    /// The step's ids, for contexts and log lines.
    pub fn step_info(&self) -> StepInfo {
        StepInfo {
            function: self.function.clone(),
            flow_id: Some(self.flow_id.clone()),
            step_id: Some(self.step_id.clone()),
            exec_id: Some(self.exec_id.clone()),
            workspace_id: Some(self.workspace_id.clone()),
            container_id: Some(self.container_id.clone()),
            user_id: Some(self.user_id.clone()),
            comp_id: Some(self.comp_id.clone()),
            flow_webhook_uri: self.flow_webhook_uri.clone(),
        }
    }
}

/// Variables whose values are secrets: never copied into headers.
const SECRET_VARS: [&str; 6] =
    ["API_KEY", "AMQP_URI", "MESSAGE_CRYPTO_PASSWORD", "MESSAGE_CRYPTO_IV", "OBJECT_STORAGE_TOKEN", "CFG"];

/// `ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS` as the Node sailor reads it: comma-separated variable
/// names; the header is the name without `ELASTICIO_`, in camel case (`ELASTICIO_TENANT_ID` →
/// `tenantId`), the value that variable's. Unset variables add nothing.
fn additional_headers(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, SettingsError> {
    const NAME: &str = "ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS";
    let Some(list) = lookup(NAME).filter(|v| !v.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for var in list.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        let short = var.strip_prefix("ELASTICIO_").unwrap_or(var);
        if SECRET_VARS.contains(&short) {
            return Err(SettingsError::Invalid {
                name: NAME.into(),
                reason: format!(
                    "{var} holds a secret and cannot be sent in message headers; remove it from the list"
                ),
            });
        }
        let header = camel_case(short);
        if header.is_empty() {
            continue;
        }
        if let Some(value) = lookup(var) {
            out.push((header, value));
        }
    }
    Ok(out)
}

/// Camel case as lodash's `camelCase`: words split at separators, lower-to-upper case changes and
/// letter/digit changes; the first word lower case, the others capitalised.
pub(crate) fn camel_case(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if let Some(&prev) = word.chars().last().as_ref() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next_lower)
                || (prev.is_ascii_digit() != c.is_ascii_digit());
            if boundary {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        let lower = w.to_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut cs = lower.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(cs.as_str());
            }
        }
    }
    out
}

/// `ELASTICIO_RABBITMQ_PREFETCH_SAILOR` read through `lookup` (1 when unset): how many messages
/// the step may have in flight.
pub fn prefetch_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, SettingsError> {
    prefetch(&Env(&lookup))
}

fn prefetch(env: &Env<'_>) -> Result<u16, SettingsError> {
    match env.number("RABBITMQ_PREFETCH_SAILOR", 1)? {
        0 => Err(invalid("RABBITMQ_PREFETCH_SAILOR", "must be at least 1")),
        prefetch => Ok(prefetch),
    }
}

fn invalid(name: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid { name: format!("ELASTICIO_{name}"), reason: reason.into() }
}

/// Reads `ELASTICIO_`-prefixed variables; empty values count as unset.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.0)(&format!("ELASTICIO_{name}")).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &str) -> Result<String, SettingsError> {
        self.optional(name).ok_or_else(|| SettingsError::Missing(format!("ELASTICIO_{name}")))
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, SettingsError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| {
                invalid(name, format!("expected a non-negative whole number in range, got {:?}", v.trim()))
            }),
        }
    }

    fn bool(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        match self.optional(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) => match v.as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(invalid(name, format!("expected true or false, got {v:?}"))),
            },
        }
    }
}

/// The URI without its password, for logs and `Debug`.
pub(crate) fn redact_uri(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparsable URI>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> HashMap<String, String> {
        with(
            HashMap::new(),
            &[
                ("FLOW_ID", "flow-1"),
                ("EXEC_ID", "exec-1"),
                ("STEP_ID", "step_1"),
                ("CONTAINER_ID", "cont-1"),
                ("WORKSPACE_ID", "ws-1"),
                ("USER_ID", "user-1"),
                ("COMP_ID", "comp-1"),
                ("FUNCTION", "listWebinars"),
                ("API_URI", "http://127.0.0.1:9/"),
                ("API_USERNAME", "user@example.com"),
                ("API_KEY", "api-key-secret"),
                ("AMQP_URI", "amqp://guest:brokerpass@127.0.0.1:5672/%2f"),
                ("LISTEN_MESSAGES_ON", "q.in"),
                ("PUBLISH_MESSAGES_TO", "x.out"),
                ("DATA_ROUTING_KEY", "rk.data"),
                ("ERROR_ROUTING_KEY", "rk.error"),
                ("REBOUND_ROUTING_KEY", "rk.rebound"),
                ("SNAPSHOT_ROUTING_KEY", "rk.snapshot"),
                ("MESSAGE_CRYPTO_IV", "iv=any16_symbols"),
                ("MESSAGE_CRYPTO_PASSWORD", "cryptopass"),
            ],
        )
    }

    /// `m` with `ELASTICIO_<k>` set to `v` for each pair.
    fn with(mut m: HashMap<String, String>, pairs: &[(&str, &str)]) -> HashMap<String, String> {
        for (k, v) in pairs {
            m.insert(format!("ELASTICIO_{k}"), v.to_string());
        }
        m
    }

    /// The error for `ELASTICIO_<k>=<v>` on top of `base()`; it names the variable.
    fn refused(k: &str, v: &str) -> String {
        let err = Settings::from_map(&with(base(), &[(k, v)])).unwrap_err().to_string();
        assert!(err.contains(&format!("ELASTICIO_{k}")), "{err}");
        err
    }

    #[test]
    fn reads_required_values_and_defaults() {
        let s = Settings::from_map(&base()).unwrap();
        assert_eq!(s.flow_id, "flow-1");
        assert_eq!(s.api_uri, "http://127.0.0.1:9", "trailing slash trimmed");
        let amqp = s.amqp.as_ref().unwrap();
        assert_eq!(amqp.listen_messages_on, "q.in");
        assert_eq!(amqp.rebound_routing_key, "rk.rebound");
        assert_eq!(s.rebound_initial_expiration, 15_000);
        assert_eq!(s.rebound_limit, 20);
        assert_eq!(s.prefetch, 1);
        assert!(!s.startup_required && !s.hook_shutdown && !s.no_error_replies && !s.no_self_passthrough);
        assert_eq!(s.outgoing_message_size_limit, 10_485_760);
        assert_eq!(s.protocol_version, 1);
        assert_eq!(s.amqp_publish_retry_attempts, None);
        assert_eq!(s.api_request_retry_attempts, 3);
        assert_eq!(s.api_request_retry_delay, Duration::from_millis(100));
        assert_eq!(s.step_info().step_id.as_deref(), Some("step_1"));
    }

    #[test]
    fn reads_optional_values() {
        let m = with(
            base(),
            &[
                ("REBOUND_INITIAL_EXPIRATION", "1000"),
                ("REBOUND_LIMIT", "3"),
                ("RABBITMQ_PREFETCH_SAILOR", "10"),
                ("STARTUP_REQUIRED", "true"),
                ("OUTGOING_MESSAGE_SIZE_LIMIT", "2048"),
                ("PROTOCOL_VERSION", "2"),
                ("NO_ERROR_REPLIES", "1"),
                ("NO_SELF_PASSTRHOUGH", "true"),
                ("AMQP_PUBLISH_RETRY_ATTEMPTS", "5"),
                ("API_REQUEST_RETRY_ATTEMPTS", "0"),
                ("API_REQUEST_RETRY_DELAY", "7"),
                ("FLOW_WEBHOOK_URI", "https://in.example/hook/flow-1"),
            ],
        );
        let s = Settings::from_map(&m).unwrap();
        assert_eq!(
            (s.rebound_initial_expiration, s.rebound_limit, s.prefetch, s.outgoing_message_size_limit),
            (1000, 3, 10, 2048)
        );
        assert!(s.startup_required && s.no_error_replies && s.no_self_passthrough);
        assert_eq!(s.protocol_version, 2);
        assert_eq!(s.amqp_publish_retry_attempts, Some(5));
        assert_eq!(s.api_request_retry_attempts, 0);
        assert_eq!(s.api_request_retry_delay, Duration::from_millis(7));
        assert_eq!(s.flow_webhook_uri.as_deref(), Some("https://in.example/hook/flow-1"));
    }

    #[test]
    fn missing_required_variable_is_named() {
        for name in
            ["ELASTICIO_API_KEY", "ELASTICIO_FUNCTION", "ELASTICIO_AMQP_URI", "ELASTICIO_MESSAGE_CRYPTO_IV"]
        {
            let mut m = base();
            m.remove(name);
            let err = Settings::from_map(&m).unwrap_err();
            assert_eq!(err, SettingsError::Missing(name.into()));
            assert!(err.to_string().contains(name), "{err}");
        }
        let mut m = base();
        m.insert("ELASTICIO_STEP_ID".into(), "  ".into());
        assert_eq!(Settings::from_map(&m).unwrap_err(), SettingsError::Missing("ELASTICIO_STEP_ID".into()));
    }

    #[test]
    fn hook_shutdown_needs_no_amqp() {
        let mut m = base();
        m.retain(|k, _| {
            !k.contains("AMQP") && !k.contains("ROUTING") && !k.contains("CRYPTO") && !k.contains("MESSAGES")
        });
        assert!(matches!(Settings::from_map(&m), Err(SettingsError::Missing(_))));
        m.insert("ELASTICIO_HOOK_SHUTDOWN".into(), "true".into());
        let s = Settings::from_map(&m).unwrap();
        assert!(s.hook_shutdown);
        assert!(s.amqp.is_none());
    }

    #[test]
    fn invalid_values_are_named_without_secrets() {
        for (k, v) in [
            ("REBOUND_LIMIT", "many"),
            ("RABBITMQ_PREFETCH_SAILOR", "0"),
            ("PROTOCOL_VERSION", "3"),
            ("STARTUP_REQUIRED", "maybe"),
            ("API_REQUEST_RETRY_DELAY", "-1"),
        ] {
            refused(k, v);
        }
    }

    #[test]
    fn node_sailor_settings_have_its_defaults_and_are_read() {
        let s = Settings::from_map(&base()).unwrap();
        assert_eq!(s.amqp_publish_retry_delay, Duration::from_millis(100));
        assert_eq!(s.amqp_publish_max_retry_delay, Duration::from_millis(300_000));
        assert!(!s.amqp_persistent_messages && !s.emit_lightweight_message);
        assert_eq!((s.data_rate_limit, s.error_rate_limit, s.snapshot_rate_limit), (10, 2, 2));
        assert_eq!(s.rate_interval, Duration::from_millis(100));
        assert_eq!(s.input_format, InputFormat::Default);
        assert_eq!(s.object_storage_size_threshold, 1_048_576);
        assert!(s.object_storage_uri.is_none() && s.additional_headers.is_empty());
        assert_eq!((s.amqp_reconnect_attempts, s.amqp_reconnect_timeout), (3, Duration::from_millis(100)));

        let mut m = with(
            base(),
            &[
                ("AMQP_PUBLISH_RETRY_DELAY", "5"),
                ("AMQP_PUBLISH_MAX_RETRY_DELAY", "40"),
                ("AMQP_PERSISTENT_MESSAGES", "true"),
                ("DATA_RATE_LIMIT", "3"),
                ("ERROR_RATE_LIMIT", "4"),
                ("SNAPSHOT_RATE_LIMIT", "5"),
                ("RATE_INTERVAL", "1000"),
                ("INPUT_FORMAT", "error"),
                ("OBJECT_STORAGE_URI", "http://127.0.0.1:7/"),
                ("OBJECT_STORAGE_TOKEN", "storage-token-secret"),
                ("OBJECT_STORAGE_SIZE_THRESHOLD", "1024"),
                ("EMIT_LIGHTWEIGHT_MESSAGE", "true"),
                ("ADDITIONAL_VARS_FOR_HEADERS", " ELASTICIO_TENANT_ID, MY_CUSTOM_VAR,ELASTICIO_UNSET ,"),
                ("TENANT_ID", "tenant-7"),
                ("AMQP_RECONNECT_ATTEMPTS", "0"),
                ("AMQP_RECONNECT_TIMEOUT", "250"),
            ],
        );
        m.insert("MY_CUSTOM_VAR".into(), "custom".into());
        let s = Settings::from_map(&m).unwrap();
        assert_eq!((s.amqp_reconnect_attempts, s.amqp_reconnect_timeout), (0, Duration::from_millis(250)));
        assert_eq!(s.amqp_publish_retry_delay, Duration::from_millis(5));
        assert_eq!(s.amqp_publish_max_retry_delay, Duration::from_millis(40));
        assert!(s.amqp_persistent_messages && s.emit_lightweight_message);
        assert_eq!((s.data_rate_limit, s.error_rate_limit, s.snapshot_rate_limit), (3, 4, 5));
        assert_eq!(s.rate_interval, Duration::from_millis(1000));
        assert_eq!(s.input_format, InputFormat::Error);
        assert_eq!(s.object_storage_uri.as_deref(), Some("http://127.0.0.1:7"));
        assert_eq!(s.object_storage_size_threshold, 1024);
        assert_eq!(
            s.additional_headers,
            vec![("tenantId".to_string(), "tenant-7".to_string()), ("myCustomVar".into(), "custom".into())]
        );
        assert!(!format!("{s:?}").contains("storage-token-secret"));
    }

    #[test]
    fn bad_node_sailor_settings_are_named() {
        for (k, v) in [
            ("DATA_RATE_LIMIT", "0"),
            ("RATE_INTERVAL", "0"),
            ("INPUT_FORMAT", "xml"),
            ("AMQP_PERSISTENT_MESSAGES", "perhaps"),
            ("ADDITIONAL_VARS_FOR_HEADERS", "ELASTICIO_API_KEY"),
            ("EMIT_LIGHTWEIGHT_MESSAGE", "true"),
        ] {
            let err = refused(k, v);
            assert!(!err.contains("api-key-secret"), "{err}");
        }
    }

    #[test]
    fn camel_case_like_lodash() {
        for (from, to) in [
            ("TENANT_ID", "tenantId"),
            ("FOO", "foo"),
            ("fooBar", "fooBar"),
            ("foo-bar baz", "fooBarBaz"),
            ("HTTPServer", "httpServer"),
            ("VAR2", "var2"),
            ("__x__", "x"),
        ] {
            assert_eq!(camel_case(from), to, "{from}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Settings::from_map(&base()).unwrap();
        let text = format!("{s:?}");
        for secret in ["api-key-secret", "brokerpass", "cryptopass", "iv=any16_symbols"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(text.contains("127.0.0.1:5672"), "{text}");
    }
}
