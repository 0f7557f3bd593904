//! The flow-step mode: consume messages from the platform's queue, run the step's function and
//! publish what it emits, with the platform's wire protocol.
//!
//! This module starts the step (settings, hooks, connections); a message's life is in three parts:
//! `consume` (deliveries in, decoded, run through the function), `emit` (what the function emits,
//! published) and `settle` (the message acknowledged or rejected, once, on its newest delivery).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use lapin::options::BasicQosOptions;
use lapin::types::FieldTable;
use lapin::Acker;
use lapin::{Channel, Connection};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use crate::amqp::{self, put_text, Outgoing, PublishPolicy, Publisher, Throttle};
use crate::component::{Component, Function, FunctionError};
use crate::context::{Context, StepInfo};
use crate::crypto::{CryptoError, MessageCrypto};
use crate::object_storage::{ObjectStorage, OBJECT_ID_HEADER};
use crate::platform_api::{ApiError, PlatformApi, StepData};
use crate::settings::{AmqpSettings, Settings, SettingsError};

mod consume;
mod emit;
mod settle;

use emit::{hook_context, MessageRun};
use settle::Settled;

/// Why the sail mode stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SailError {
    /// The environment is incomplete or invalid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A platform API call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The message crypto settings are unusable.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The broker could not be reached or used.
    #[error("AMQP: {0}")]
    Amqp(String),
    /// `ELASTICIO_FUNCTION` names no registered function.
    #[error("ELASTICIO_FUNCTION is {name:?}, which this component does not have (known: {known})")]
    UnknownFunction {
        /// The requested name.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// A hook (`startup`, `init`, `shutdown`) or service function failed.
    #[error("{hook} failed: {error}")]
    Hook {
        /// Which hook.
        hook: &'static str,
        /// The function's error.
        error: FunctionError,
    },
    /// A service call could not be made or answered.
    #[error("{0}")]
    Service(String),
}

/// Runs the step until SIGTERM or SIGINT (the platform's `sail` command).
///
/// Sets up the platform's log lines on stdout unless a logger is already installed.
pub async fn run_sail(component: &Component, settings: Settings) -> Result<(), SailError> {
    crate::logging::init_platform_logging();
    run_sail_until(component, settings, shutdown_signal()).await
}

/// Resolves on SIGTERM or SIGINT. Listening starts at once, when this is called (see
/// [`crate::shutdown::listen`]), so a signal during startup or init stops the step the same way.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    let stop = crate::shutdown::listen();
    async move {
        let signal = stop.await;
        tracing::info!("{} received; shutting down", signal.name());
    }
}

/// Reads the step's settings from the process environment and runs it until SIGTERM or SIGINT.
///
/// Unlike [`run_sail`], an unusable environment is also reported to the flow's error queue when
/// the broker settings needed for that are there (see [`run_sail_with_env`]).
pub async fn run_sail_from_env(component: &Component) -> Result<(), SailError> {
    crate::logging::init_platform_logging();
    run_sail_with_env(component, |name| std::env::var(name).ok(), shutdown_signal()).await
}

/// The async runtime for [`run_sail_from_env`], sized to the messages in flight. With
/// `ELASTICIO_RABBITMQ_PREFETCH_SAILOR` at 1 (the platform's default) one thread runs everything:
/// a second worker would only hand each message from thread to thread, which costs CPU and
/// latency. With more messages in flight, one worker per core.
pub fn sail_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    // An unusable value counts as 1 here; the settings report it once the runtime runs.
    let prefetch = crate::settings::prefetch_from_lookup(|name| std::env::var(name).ok()).unwrap_or(1);
    sail_runtime_builder(prefetch).build()
}

/// The runtime for this many messages in flight.
fn sail_runtime_builder(prefetch: u16) -> tokio::runtime::Builder {
    let mut builder = if prefetch <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all();
    builder
}

/// Reads the settings through `lookup` (full variable name → value) and runs the step until
/// `shutdown` resolves. When the settings are unusable, the error is published to the error
/// routing key before returning, as every later start-up failure is, provided
/// `ELASTICIO_AMQP_URI`, `_PUBLISH_MESSAGES_TO`, `_ERROR_ROUTING_KEY` and the message crypto
/// settings are there (without them nothing can be sent, and the error is only logged).
pub async fn run_sail_with_env(
    component: &Component,
    lookup: impl Fn(&str) -> Option<String>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), SailError> {
    match Settings::from_lookup(&lookup) {
        Ok(settings) => run_sail_until(component, settings, shutdown).await,
        Err(error) => {
            let error = SailError::Settings(error);
            tracing::error!(error = %error, "the step cannot start: its environment is unusable");
            report_unusable_environment(&lookup, &error).await;
            Err(error)
        }
    }
}

/// Publishes a start-up failure when the environment is not a valid step configuration.
async fn report_unusable_environment(lookup: &dyn Fn(&str) -> Option<String>, error: &SailError) {
    let var = |name: &str| lookup(&format!("ELASTICIO_{name}")).filter(|v| !v.trim().is_empty());
    let (Some(uri), Some(exchange), Some(routing_key)) =
        (var("AMQP_URI"), var("PUBLISH_MESSAGES_TO"), var("ERROR_ROUTING_KEY"))
    else {
        tracing::warn!("the error cannot be reported to the flow: the broker settings are missing");
        return;
    };
    let crypto = match MessageCrypto::new(
        var("MESSAGE_CRYPTO_PASSWORD").as_deref(),
        var("MESSAGE_CRYPTO_IV").as_deref(),
    ) {
        Ok(c) if c.is_enabled() => c,
        _ => {
            tracing::warn!(
                "the error cannot be reported to the flow: the message crypto settings are unusable"
            );
            return;
        }
    };
    let ids: Vec<(&str, Option<String>)> = STARTUP_HEADERS.iter().map(|(h, v)| (*h, var(v))).collect();
    let publisher = Publisher::new(
        &uri,
        "sailor-startup-error",
        PublishPolicy { attempts: Some(3), ..Default::default() },
    );
    let headers = startup_headers(&[], &ids);
    publish_startup_error(&publisher, &crypto, &exchange, &routing_key, headers, error).await;
    publisher.close().await;
}

/// The headers of a start-up error and the variables (without `ELASTICIO_`) they come from.
const STARTUP_HEADERS: [(&str, &str); 8] = [
    ("execId", "EXEC_ID"),
    ("taskId", "FLOW_ID"),
    ("workspaceId", "WORKSPACE_ID"),
    ("containerId", "CONTAINER_ID"),
    ("userId", "USER_ID"),
    ("stepId", "STEP_ID"),
    ("compId", "COMP_ID"),
    ("function", "FUNCTION"),
];

/// The headers the Node sailor sends a start-up error with: the additional headers, the step's
/// ids and a new `messageId`.
fn startup_headers(additional: &[(String, String)], ids: &[(&str, Option<String>)]) -> FieldTable {
    let mut h = FieldTable::default();
    for (k, v) in additional {
        put_text(&mut h, k, v);
    }
    for (k, v) in ids {
        if let Some(v) = v {
            put_text(&mut h, k, v);
        }
    }
    put_text(&mut h, "messageId", &uuid::Uuid::new_v4().to_string());
    h
}

/// Publishes `{"error": base64(encrypted {name, message, stack})}` for a start-up failure.
async fn publish_startup_error(
    publisher: &Publisher,
    crypto: &MessageCrypto,
    exchange: &str,
    routing_key: &str,
    headers: FieldTable,
    error: &SailError,
) {
    let message = error.to_string();
    let body = json!({"name": error.name(), "message": message, "stack": message});
    let payload = json!({"error": String::from_utf8_lossy(&crypto.encrypt_json(&body, 1))});
    let out = Outgoing {
        exchange: exchange.to_string(),
        routing_key: routing_key.to_string(),
        payload: payload.to_string().into_bytes(),
        properties: MessageRun::properties(headers),
    };
    match publisher.publish(out).await {
        Ok(()) => tracing::info!("start-up failure reported to the flow's error queue"),
        Err(e) => tracing::error!(reason = %e, "could not report the start-up failure to the flow"),
    }
}

impl SailError {
    /// The error's name in the error message the flow shows.
    pub fn name(&self) -> String {
        match self {
            SailError::Settings(_) => "ConfigurationError".into(),
            SailError::Api(_) => "PlatformApiError".into(),
            SailError::Crypto(_) => "ConfigurationError".into(),
            SailError::Amqp(_) => "AmqpError".into(),
            SailError::UnknownFunction { .. } => "UnknownFunction".into(),
            SailError::Hook { error, .. } => error.name.clone(),
            SailError::Service(_) => "ServiceError".into(),
        }
    }
}

fn publish_policy(s: &Settings) -> PublishPolicy {
    PublishPolicy {
        attempts: s.amqp_publish_retry_attempts,
        first_delay: s.amqp_publish_retry_delay,
        max_delay: s.amqp_publish_max_retry_delay,
        persistent: s.amqp_persistent_messages,
    }
}

/// Runs the step until `shutdown` resolves: then stops consuming, lets in-flight messages finish
/// (their events published, the messages acknowledged) and closes the connections.
///
/// A failure once the broker is reachable (step data unreadable, unknown function, `startup` or
/// `init` failing, queue missing) is published to the error routing key before this returns, so
/// the flow shows why the step did not start.
///
/// In `HOOK_SHUTDOWN` mode runs the function's `shutdown` hook instead and returns.
pub async fn run_sail_until(
    component: &Component,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), SailError> {
    let find = |settings: &Settings| {
        component.get(&settings.function).ok_or_else(|| SailError::UnknownFunction {
            name: settings.function.clone(),
            known: component.names().collect::<Vec<_>>().join(", "),
        })
    };
    let api = PlatformApi::from_settings(&settings);
    if settings.hook_shutdown {
        return run_hook_shutdown(find(&settings)?, &settings, &api).await;
    }
    let amqp = settings.amqp.clone().ok_or(SettingsError::Missing("ELASTICIO_AMQP_URI".into()))?;
    let crypto = MessageCrypto::new(Some(&amqp.message_crypto_password), Some(&amqp.message_crypto_iv))?;
    let publisher = Arc::new(Publisher::new(
        &amqp.uri,
        &connection_name(&settings, "publish"),
        publish_policy(&settings),
    ));
    // The two broker connections and the step's data are independent: fetched side by side, they
    // cost one round of handshakes at start-up instead of three in a row.
    let name = connection_name(&settings, "consume");
    let prepare = async {
        let function = find(&settings)?;
        let consumer = async {
            with_reconnects(&settings, || open_consumer_channel(&amqp.uri, &name, settings.prefetch))
                .await
                .map_err(SailError::Amqp)
        };
        let step = async { Ok(api.step(&settings.flow_id, &settings.step_id).await?) };
        let (consumer, step) = tokio::try_join!(consumer, step)?;
        Ok(Prepared { function, consumer, step })
    };
    let (opened, prepared) = tokio::join!(with_reconnects(&settings, || publisher.open()), prepare);
    opened.map_err(SailError::Amqp)?;
    let started = match prepared {
        Ok(prepared) => {
            start(prepared, settings.clone(), amqp.clone(), crypto.clone(), api, publisher.clone(), shutdown)
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(error) = &started {
        tracing::error!(error = %error, "the step failed to start");
        let ids: Vec<(&str, Option<String>)> =
            settings.id_headers().into_iter().map(|(k, v)| (k, Some(v.to_string()))).collect();
        let headers = startup_headers(&settings.additional_headers, &ids);
        publish_startup_error(
            &publisher,
            &crypto,
            &amqp.publish_messages_to,
            &amqp.error_routing_key,
            headers,
            error,
        )
        .await;
    }
    publisher.close().await;
    started
}

/// Runs `connect`, trying again `ELASTICIO_AMQP_RECONNECT_ATTEMPTS` more times, each after
/// `ELASTICIO_AMQP_RECONNECT_TIMEOUT`, as the Node runtime connects at start-up.
async fn with_reconnects<T, F, Fut>(settings: &Settings, mut connect: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let mut tries = 0;
    loop {
        match connect().await {
            Ok(v) => return Ok(v),
            Err(e) if tries < settings.amqp_reconnect_attempts => {
                tries += 1;
                tracing::warn!(error = %e, attempt = tries, "cannot connect to the broker; trying again");
                tokio::time::sleep(settings.amqp_reconnect_timeout).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// What start-up gathers before any hook runs: it fails early when the broker, the queue or the
/// platform API is unusable.
struct Prepared {
    function: Arc<dyn Function>,
    consumer: (Connection, Channel),
    step: StepData,
}

/// Runs the step's hooks and consumes until `shutdown`.
async fn start(
    prepared: Prepared,
    settings: Settings,
    amqp: AmqpSettings,
    crypto: MessageCrypto,
    api: PlatformApi,
    publisher: Arc<Publisher>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), SailError> {
    let Prepared { function, consumer: (consume_conn, consume_channel), step } = prepared;
    crate::logging::register_secrets_in(&step.config);
    tracing::info!(is_passthrough = step.is_passthrough, "step data received");
    let (db_version, _) = watch::channel(0u64);
    let object_storage = match (&settings.object_storage_uri, &settings.object_storage_token) {
        (Some(uri), Some(token)) => {
            Some(ObjectStorage::new(uri, token, crypto.clone(), &settings.flow_id, &settings.step_id))
        }
        _ => None,
    };
    let sail = Arc::new(Sail {
        step_info: settings.step_info(),
        data_throttle: Throttle::new(settings.data_rate_limit, settings.rate_interval),
        error_throttle: Throttle::new(settings.error_rate_limit, settings.rate_interval),
        snapshot_throttle: Throttle::new(settings.snapshot_rate_limit, settings.rate_interval),
        object_storage,
        settings,
        amqp,
        crypto,
        api,
        publisher,
        function,
        is_passthrough: step.is_passthrough,
        cfg: Arc::new(RwLock::new(step.config)),
        snapshot: Mutex::new(step.snapshot),
        db: Mutex::new(HashMap::new()),
        settled: Mutex::new(Settled::default()),
        db_version,
        consumer_generation: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
    });

    if sail.settings.startup_required {
        let ctx = sail.hook_context();
        let data = sail
            .function
            .startup(ctx, sail.cfg())
            .await
            .map_err(|error| SailError::Hook { hook: "startup", error })?;
        let data = if is_empty(&data) { json!({}) } else { data };
        sail.api.create_startup_data(&sail.settings.flow_id, &data).await?;
        tracing::info!("startup hook done; its data is stored");
    }
    sail.function
        .init(sail.hook_context(), sail.cfg())
        .await
        .map_err(|error| SailError::Hook { hook: "init", error })?;

    let result = sail.clone().consume(consume_conn, consume_channel, shutdown).await;
    tracing::info!("stopped");
    result
}

fn connection_name(s: &Settings, role: &str) -> String {
    format!("sailor-{}-{}-{role}", s.flow_id, s.step_id)
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

async fn run_hook_shutdown(
    function: Arc<dyn Function>,
    settings: &Settings,
    api: &PlatformApi,
) -> Result<(), SailError> {
    let step = api.step(&settings.flow_id, &settings.step_id).await?;
    crate::logging::register_secrets_in(&step.config);
    let data = api.startup_data(&settings.flow_id).await?;
    let cfg = Arc::new(RwLock::new(step.config.clone()));
    let ctx = hook_context(api, cfg, settings.step_info());
    function
        .shutdown(ctx, step.config, data)
        .await
        .map_err(|error| SailError::Hook { hook: "shutdown", error })?;
    api.delete_startup_data(&settings.flow_id).await?;
    tracing::info!("shutdown hook done; its data is deleted");
    Ok(())
}

async fn open_consumer_channel(
    uri: &str,
    name: &str,
    prefetch: u16,
) -> Result<(Connection, Channel), String> {
    let conn = amqp::connect(uri, name).await?;
    let channel = conn.create_channel().await.map_err(|e| format!("cannot open a channel: {e}"))?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(|e| format!("cannot set the prefetch count: {e}"))?;
    Ok((conn, channel))
}

/// The newest delivery of a message that is being processed.
struct Tracked {
    acker: Acker,
    generation: u64,
    /// Older deliveries of the same message still open on a live channel (a message published
    /// twice with one id); settled together with the newest.
    superseded: Vec<Acker>,
}

/// State shared by everything that runs for one step.
struct Sail {
    settings: Settings,
    amqp: AmqpSettings,
    step_info: StepInfo,
    crypto: MessageCrypto,
    api: PlatformApi,
    publisher: Arc<Publisher>,
    function: Arc<dyn Function>,
    is_passthrough: bool,
    /// Paces outgoing data, error and snapshot messages (`ELASTICIO_*_RATE_LIMIT`).
    data_throttle: Throttle,
    error_throttle: Throttle,
    snapshot_throttle: Throttle,
    /// Where lightweight message bodies are kept, when configured.
    object_storage: Option<ObjectStorage>,
    /// The step configuration; `updateKeys` merges into it so later messages use new keys.
    cfg: Arc<RwLock<Value>>,
    /// The step's snapshot as the next message will see it.
    snapshot: Mutex<Value>,
    /// Messages in processing by `messageId`, with their newest delivery.
    db: Mutex<HashMap<String, Tracked>>,
    /// Messages settled lately, by `messageId`, with whether they were acknowledged: an ack can be
    /// lost with the connection it was written to, and the broker's redelivery must not be
    /// processed again.
    settled: Mutex<Settled>,
    /// Bumped whenever `db` gets a newer delivery, the consumer changes, or consumption stops.
    db_version: watch::Sender<u64>,
    /// Which consumer (one per broker connection) deliveries come from.
    consumer_generation: AtomicU64,
    stopping: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sail {
    fn cfg(&self) -> Value {
        self.cfg.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn hook_context(&self) -> Context {
        hook_context(&self.api, self.cfg.clone(), self.step_info.clone())
    }

    fn bump(&self) {
        self.db_version.send_modify(|v| *v += 1);
    }
}

/// The object id of a lightweight message's body, from its message headers.
fn object_id(headers: &Map<String, Value>) -> Option<String> {
    match headers.get(OBJECT_ID_HEADER) {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emptiness_like_the_platform() {
        assert!(is_empty(&Value::Null) && is_empty(&json!({})) && is_empty(&json!([])));
        assert!(!is_empty(&json!({"id": 1})) && !is_empty(&json!(0)));
    }

    #[test]
    fn one_message_in_flight_runs_on_one_thread_more_on_a_worker_per_core() {
        use tokio::runtime::RuntimeFlavor::{CurrentThread, MultiThread};
        let read = |value: Option<&str>| {
            crate::settings::prefetch_from_lookup(|name| {
                (name == "ELASTICIO_RABBITMQ_PREFETCH_SAILOR").then(|| value.map(str::to_string)).flatten()
            })
        };
        assert_eq!(read(None).unwrap(), 1);
        assert_eq!(read(Some(" 10 ")).unwrap(), 10);
        assert!(read(Some("x")).is_err() && read(Some("0")).is_err(), "the settings report these");
        for (prefetch, flavor) in [(1, CurrentThread), (2, MultiThread), (10, MultiThread)] {
            let runtime = sail_runtime_builder(prefetch).build().unwrap();
            assert_eq!(runtime.handle().runtime_flavor(), flavor, "prefetch {prefetch}");
        }
    }
}
