//! The flow-step mode: consume messages from the platform's queue, run the step's function and
//! publish what it emits, with the platform's wire protocol.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::Acker;
use lapin::{BasicProperties, Channel, Connection};
use serde_json::{json, Map, Value};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::amqp::{
    self, header_int, header_text, put_int, put_text, Outgoing, PublishPolicy, Publisher, Throttle,
};
use crate::component::{Component, Function, FunctionError, Input};
use crate::context::{Context, EmitError, Emitter, StepInfo};
use crate::crypto::{CryptoError, MessageCrypto};
use crate::event::{ErrorInfo, Event, HttpReply};
use crate::message::{json_type, Message};
use crate::object_storage::{ObjectStorage, OBJECT_ID_HEADER};
use crate::platform_api::{account_id, AccountCredentials, ApiError, PlatformApi};
use crate::settings::{AmqpSettings, InputFormat, Settings, SettingsError};

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
    match publisher.publish(&out).await {
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
    with_reconnects(&settings, || publisher.open()).await.map_err(SailError::Amqp)?;
    let started = match find(&settings) {
        Ok(function) => {
            start(function, settings.clone(), amqp.clone(), crypto.clone(), api, publisher.clone(), shutdown)
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(error) = &started {
        tracing::error!(error = %error, "the step failed to start");
        let ids: Vec<(&str, Option<String>)> = [
            ("execId", &settings.exec_id),
            ("taskId", &settings.flow_id),
            ("workspaceId", &settings.workspace_id),
            ("containerId", &settings.container_id),
            ("userId", &settings.user_id),
            ("stepId", &settings.step_id),
            ("compId", &settings.comp_id),
            ("function", &settings.function),
        ]
        .into_iter()
        .map(|(k, v)| (k, Some(v.clone())))
        .collect();
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

/// Reads the step, runs its hooks and consumes until `shutdown`.
async fn start(
    function: Arc<dyn Function>,
    settings: Settings,
    amqp: AmqpSettings,
    crypto: MessageCrypto,
    api: PlatformApi,
    publisher: Arc<Publisher>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), SailError> {
    // Fail early when the broker or queue is unusable, before any hook runs.
    let name = connection_name(&settings, "consume");
    let (consume_conn, consume_channel) =
        with_reconnects(&settings, || open_consumer_channel(&amqp.uri, &name, settings.prefetch))
            .await
            .map_err(SailError::Amqp)?;

    let step = api.step(&settings.flow_id, &settings.step_id).await?;
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

/// Outcomes of recently settled messages, oldest first.
#[derive(Default)]
struct Settled {
    outcomes: HashMap<String, bool>,
    order: std::collections::VecDeque<String>,
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

    /// Consumes until `shutdown`, reconnecting when the broker connection is lost.
    async fn consume(
        self: Arc<Self>,
        first_conn: Connection,
        first_channel: Channel,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), SailError> {
        let queue = self.amqp.listen_messages_on.clone();
        let mut tasks = JoinSet::new();
        let mut next = Some((first_conn, first_channel));
        let mut shutdown = std::pin::pin!(shutdown);
        let mut reconnects: u32 = 0;
        let mut current: Option<(Connection, Channel)> = None;
        'outer: loop {
            let (conn, channel) = match next.take() {
                Some(c) => c,
                None => {
                    let delay = amqp::publish_retry_delay(reconnects.min(5));
                    tokio::select! {
                        _ = &mut shutdown => break 'outer,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    let name = connection_name(&self.settings, "consume");
                    match open_consumer_channel(&self.amqp.uri, &name, self.settings.prefetch).await {
                        Ok(c) => c,
                        Err(e) => {
                            reconnects = reconnects.saturating_add(1);
                            tracing::warn!(error = %e, attempt = reconnects, "cannot reconnect to the broker; retrying");
                            continue;
                        }
                    }
                }
            };
            let generation = self.consumer_generation.fetch_add(1, Ordering::SeqCst) + 1;
            let tag = format!("sailor-{}-{generation}", uuid::Uuid::new_v4().simple());
            let consumer = channel
                .basic_consume(
                    ShortString::from(queue.as_str()),
                    ShortString::from(tag.as_str()),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await;
            let mut consumer = match consumer {
                Ok(c) => c,
                Err(e) if generation == 1 => {
                    return Err(SailError::Amqp(format!("cannot consume queue {queue:?}: {e}")));
                }
                Err(e) => {
                    reconnects = reconnects.saturating_add(1);
                    tracing::warn!(error = %e, "cannot consume after reconnecting; retrying");
                    continue;
                }
            };
            self.bump();
            if generation == 1 {
                tracing::info!(queue = %queue, prefetch = self.settings.prefetch, "listening for messages");
            } else {
                tracing::info!(queue = %queue, "consuming again after reconnecting");
            }
            reconnects = 0;
            current = Some((conn, channel.clone()));
            loop {
                tokio::select! {
                    _ = &mut shutdown => {
                        tracing::info!(in_flight = tasks.len(), "stopping consumption; finishing in-flight messages");
                        let _ = channel.basic_cancel(ShortString::from(tag.as_str()), BasicCancelOptions::default()).await;
                        break 'outer;
                    }
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                    delivery = consumer.next() => match delivery {
                        Some(Ok(d)) => {
                            let me = self.clone();
                            tasks.spawn(async move { me.handle(d, generation).await });
                        }
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, "lost the broker connection; reconnecting");
                            break;
                        }
                        None => {
                            tracing::warn!("the broker cancelled the consumer; reconnecting");
                            break;
                        }
                    }
                }
            }
            if let Some((conn, _)) = current.take() {
                let _ = conn.close(200, ShortString::from("reconnecting")).await;
            }
        }
        self.stopping.store(true, Ordering::SeqCst);
        self.bump();
        while tasks.join_next().await.is_some() {}
        // Token refreshes still running hand their keys to the platform before the channel closes.
        crate::shutdown::drain(crate::shutdown::DRAIN_LIMIT).await;
        if let Some((conn, channel)) = current.take() {
            let _ = channel.close(200, ShortString::from("OK")).await;
            let _ = conn.close(200, ShortString::from("OK")).await;
        }
        Ok(())
    }

    /// Handles one delivery from consumer `generation`.
    async fn handle(self: Arc<Self>, delivery: Delivery, generation: u64) {
        let headers = delivery.properties.headers().clone().unwrap_or_default();
        let protocol_version = header_int(&headers, "protocolVersion").unwrap_or(1).clamp(1, 2) as u8;
        let message_id = header_text(&headers, "messageId");
        let thread_id = header_text(&headers, "threadId")
            .or_else(|| meta_header(&headers, "x-eio-meta-trace-id"))
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let parent_message_id = header_text(&headers, "parentMessageId");
        // The fields the Node sailor puts on every log line of a message.
        let span = tracing::info_span!(
            "message",
            threadId = %thread_id,
            messageId = message_id.as_deref().unwrap_or("unknown"),
            parentMessageId = parent_message_id.as_deref().unwrap_or("unknown"),
            deliveryTag = delivery.delivery_tag,
            exchange = delivery.exchange.as_str(),
            routingKey = delivery.routing_key.as_str(),
            redelivered = delivery.redelivered,
        );
        async move {
            let (msg, plain) = match self.decode(&delivery.data, protocol_version, &headers) {
                Ok(decoded) => decoded,
                Err(reason) => {
                    tracing::error!(reason = %reason, "cannot decode the message; rejecting it");
                    reject_quietly(&delivery.acker).await;
                    return;
                }
            };
            let mut msg = msg;
            let reply_to = header_text(&headers, "reply_to");
            if let Some(r) = &reply_to {
                msg.headers.insert("reply_to".into(), Value::String(r.clone()));
            }
            if let Some(id) = &message_id {
                let earlier = if delivery.redelivered { self.settled_before(id) } else { None };
                if let Some(ok) = earlier {
                    tracing::info!(
                        acked = ok,
                        "redelivery of a message already processed; settling it without processing it again"
                    );
                    if !settle_one(&delivery.acker, ok).await {
                        tracing::warn!("could not settle the redelivery: its channel is closed");
                    }
                    return;
                }
                let mut db = lock(&self.db);
                if let Some(tracked) = db.get_mut(id) {
                    let older = std::mem::replace(&mut tracked.acker, delivery.acker.clone());
                    tracked.generation = generation;
                    if older.usable() {
                        tracked.superseded.push(older);
                    }
                    drop(db);
                    self.bump();
                    tracing::warn!(
                        "duplicate delivery of a message still in processing; its first handler settles it"
                    );
                    return;
                }
                db.insert(
                    id.clone(),
                    Tracked { acker: delivery.acker.clone(), generation, superseded: Vec::new() },
                );
            } else {
                tracing::warn!("message has no messageId header");
            }
            tracing::info!("message received");
            let resolved = self.resolve_lightweight(&mut msg).await;
            let run = Arc::new(MessageRun {
                base_headers: self.outgoing_headers(
                    &headers,
                    message_id.as_deref(),
                    &thread_id,
                    reply_to.as_deref(),
                ),
                sail: self.clone(),
                incoming_data: delivery.data,
                incoming_properties: delivery.properties,
                incoming_headers: headers,
                incoming_protocol: protocol_version,
                incoming_plain: plain,
                incoming: msg.clone(),
                reply_to,
                state: tokio::sync::Mutex::new(RunState::default()),
            });
            if let Err(reason) = resolved {
                tracing::error!(reason = %reason, "cannot fetch the message body; rejecting the message");
                let _ = run.emit(Event::Error(ErrorInfo::new("ObjectStorageError", reason))).await;
                let ok = run.end().await;
                self.settle(message_id.as_deref(), &delivery.acker, ok).await;
                return;
            }
            let cfg = self.cfg();
            let snapshot = lock(&self.snapshot).clone();
            let ctx = Context::new(run.clone(), self.step_info.clone())
                .with_credentials(AccountCredentials::for_cfg(self.api.clone(), &cfg));
            let function = self.function.clone();
            let input = Input { msg, cfg, snapshot };
            let outcome =
                tokio::spawn(async move { function.process(ctx, input).await }.in_current_span()).await;
            let failure = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(ErrorInfo::from(e)),
                Err(join) => Some(ErrorInfo::new("FunctionPanicked", panic_text(join))),
            };
            if let Some(info) = failure {
                tracing::warn!(error = %info, "the function failed");
                let _ = run.emit(Event::Error(info)).await;
            }
            let ok = run.end().await;
            self.settle(message_id.as_deref(), &delivery.acker, ok).await;
        }
        .instrument(span)
        .await
    }

    /// Decrypts and parses a payload: the message and the decrypted bytes.
    ///
    /// With `ELASTICIO_INPUT_FORMAT=error` the payload is the error envelope an error-handler step
    /// receives, plain JSON `{error, errorInput, …}` whose two fields are base64 encrypted (whatever
    /// the protocol version); the message is `{body: {error: {name, message, stack}, errorInput:
    /// <the failed message>, …}, headers: <the AMQP headers>}`, as the Node sailor builds it.
    fn decode(
        &self,
        data: &[u8],
        protocol_version: u8,
        headers: &FieldTable,
    ) -> Result<(Message, Vec<u8>), String> {
        if self.settings.input_format == InputFormat::Default {
            return crate::message::decode_payload(&self.crypto, data, protocol_version);
        }
        let envelope = crate::json::parse_json_lossless(data)
            .map_err(|e| format!("the error message is not JSON: {e}"))?;
        let Value::Object(mut body) = envelope else {
            return Err(format!("the error message must be a JSON object, got {}", json_type(&envelope)));
        };
        for field in ["error", "errorInput"] {
            match body.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(text)) if text.is_empty() => {}
                Some(Value::String(text)) => {
                    let plain = self
                        .crypto
                        .decrypt(text.as_bytes(), 1)
                        .map_err(|e| format!("the error message's {field} does not decrypt: {e}"))?;
                    let value = crate::json::parse_json_lossless(&plain)
                        .map_err(|e| format!("the error message's {field} is not JSON: {e}"))?;
                    body.insert(field.to_string(), value);
                }
                Some(other) => {
                    return Err(format!(
                        "the error message's {field} must be a string, got {}",
                        json_type(other)
                    ));
                }
            }
        }
        let headers = Value::Object(amqp::table_to_json(headers));
        let msg = Message::from_json(json!({"body": body, "headers": headers})).map_err(|e| e.to_string())?;
        Ok((msg, data.to_vec()))
    }

    /// Fetches the bodies of a lightweight message (and of its passthrough) from object storage.
    async fn resolve_lightweight(&self, msg: &mut Message) -> Result<(), String> {
        if let Some(id) = object_id(&msg.headers) {
            msg.body = self.fetch_object(&id).await?;
        }
        if let Some(Value::Object(passthrough)) = &mut msg.passthrough {
            for (step, entry) in passthrough.iter_mut() {
                let id = entry.get("headers").and_then(Value::as_object).and_then(object_id);
                if let Some(id) = id {
                    let body = self
                        .fetch_object(&id)
                        .await
                        .map_err(|e| format!("passthrough of step {step}: {e}"))?;
                    entry["body"] = body;
                }
            }
        }
        Ok(())
    }

    async fn fetch_object(&self, id: &str) -> Result<Value, String> {
        let storage = self.object_storage.as_ref().ok_or_else(|| {
            format!(
                "the message body is kept in object storage ({OBJECT_ID_HEADER}: {id}) but \
                 ELASTICIO_OBJECT_STORAGE_URI and ELASTICIO_OBJECT_STORAGE_TOKEN are not both set"
            )
        })?;
        tracing::info!(objectId = id, "fetching the message body from object storage");
        storage.get(id).await
    }

    /// The headers every outgoing message of this incoming message starts from.
    fn outgoing_headers(
        &self,
        incoming: &FieldTable,
        message_id: Option<&str>,
        thread_id: &str,
        reply_to: Option<&str>,
    ) -> FieldTable {
        let mut h = FieldTable::default();
        for (k, v) in incoming.inner() {
            let lower = k.as_str().to_ascii_lowercase();
            if lower.starts_with("x-eio-meta-") {
                h.insert(ShortString::from(lower), v.clone());
            }
        }
        for (k, v) in &self.settings.additional_headers {
            put_text(&mut h, k, v);
        }
        put_text(&mut h, "threadId", thread_id);
        if let Some(id) = message_id {
            put_text(&mut h, "parentMessageId", id);
        }
        if let Some(r) = reply_to {
            put_text(&mut h, "reply_to", r);
        }
        let s = &self.settings;
        for (k, v) in [
            ("execId", &s.exec_id),
            ("taskId", &s.flow_id),
            ("workspaceId", &s.workspace_id),
            ("containerId", &s.container_id),
            ("userId", &s.user_id),
            ("stepId", &s.step_id),
            ("compId", &s.comp_id),
            ("function", &s.function),
        ] {
            put_text(&mut h, k, v);
        }
        put_int(&mut h, "start", now_ms());
        h
    }

    /// How a message with this id was settled lately, if it was.
    fn settled_before(&self, id: &str) -> Option<bool> {
        lock(&self.settled).outcomes.get(id).copied()
    }

    /// Remembers a settled message (the latest 10,000), so a redelivery is recognised.
    fn remember_settled(&self, id: &str, ok: bool) {
        const MAX: usize = 10_000;
        let mut settled = lock(&self.settled);
        if settled.outcomes.insert(id.to_string(), ok).is_none() {
            settled.order.push_back(id.to_string());
        }
        while settled.order.len() > MAX {
            if let Some(oldest) = settled.order.pop_front() {
                settled.outcomes.remove(&oldest);
            }
        }
    }

    /// Acknowledges (or rejects) the newest delivery of a finished message.
    ///
    /// After a reconnect the first delivery's channel is gone: wait for the broker to redeliver the
    /// message on the new consumer and settle that delivery instead, so it is not processed twice.
    async fn settle(&self, message_id: Option<&str>, own: &Acker, ok: bool) {
        let Some(id) = message_id else {
            if !settle_one(own, ok).await {
                tracing::warn!(
                    "could not settle the message: its channel is closed; the broker will redeliver it"
                );
            }
            return;
        };
        let mut version = self.db_version.subscribe();
        loop {
            version.borrow_and_update();
            let current = self.consumer_generation.load(Ordering::SeqCst);
            let stopping = self.stopping.load(Ordering::SeqCst);
            let tracked = lock(&self.db).get(id).map(|t| (t.acker.clone(), t.generation));
            let Some((acker, generation)) = tracked else {
                return;
            };
            if generation == current || stopping {
                let done = settle_one(&acker, ok).await;
                tracing::debug!(generation, current, done, "settling");
                if done || stopping {
                    if done {
                        self.remember_settled(id, ok);
                    }
                    let superseded = lock(&self.db).remove(id).map(|t| t.superseded).unwrap_or_default();
                    for older in superseded.iter().filter(|a| a.usable()) {
                        settle_one(older, ok).await;
                    }
                    if !done {
                        tracing::warn!(
                            "could not settle the message before stopping; the broker will redeliver it"
                        );
                    } else {
                        tracing::info!(acked = ok, "message settled");
                    }
                    return;
                }
            }
            tracing::debug!("waiting for the redelivery of the message on the new connection");
            // Also re-check now and then: the channel may die without a version bump yet.
            let _ = tokio::time::timeout(Duration::from_millis(500), version.changed()).await;
        }
    }
}

/// Acks (`ok`) or rejects without requeue; `false` when the channel is gone.
async fn settle_one(acker: &Acker, ok: bool) -> bool {
    let result = if ok {
        acker.ack(BasicAckOptions::default()).await
    } else {
        acker.reject(BasicRejectOptions { requeue: false }).await
    };
    matches!(result, Ok(true))
}

async fn reject_quietly(acker: &Acker) {
    if !settle_one(acker, false).await {
        tracing::warn!("could not reject the message: its channel is closed");
    }
}

/// The object id of a lightweight message's body, from its message headers.
fn object_id(headers: &Map<String, Value>) -> Option<String> {
    match headers.get(OBJECT_ID_HEADER) {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}

fn meta_header(h: &FieldTable, name: &str) -> Option<String> {
    h.inner()
        .iter()
        .find(|(k, _)| k.as_str().eq_ignore_ascii_case(name))
        .and_then(|(k, _)| header_text(h, k.as_str()))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn panic_text(join: tokio::task::JoinError) -> String {
    if !join.is_panic() {
        return "the function was cancelled".into();
    }
    let payload = join.into_panic();
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the function panicked: {detail}")
}

/// Per-message bookkeeping of emitted events.
#[derive(Default)]
struct RunState {
    ended: bool,
    errors: u32,
}

/// One incoming message being processed: the emitter its function's context sends events to.
struct MessageRun {
    sail: Arc<Sail>,
    incoming_data: Vec<u8>,
    incoming_properties: BasicProperties,
    incoming_headers: FieldTable,
    incoming_protocol: u8,
    incoming_plain: Vec<u8>,
    incoming: Message,
    reply_to: Option<String>,
    base_headers: FieldTable,
    /// Held while an event is published, so `end` waits for every earlier event's confirmation.
    state: tokio::sync::Mutex<RunState>,
}

#[async_trait]
impl Emitter for MessageRun {
    async fn emit(&self, event: Event) -> Result<(), EmitError> {
        if matches!(event, Event::End) {
            self.end().await;
            return Ok(());
        }
        let mut st = self.state.lock().await;
        if st.ended {
            tracing::warn!(event = event.name(), "event emitted after the message was finished; dropped");
            return Err(EmitError::Closed);
        }
        let name = event.name();
        let result = self.publish_event(&mut st, event).await;
        if let Err(reason) = &result {
            tracing::error!(event = name, reason = %reason, "event failed; reporting an error");
            self.publish_error(&mut st, ErrorInfo::new(error_name(name), reason.clone())).await;
        }
        result.map_err(EmitError::Failed)
    }
}

fn error_name(event: &str) -> String {
    let mut name = event.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{name}Error")
}

impl MessageRun {
    fn headers(&self, protocol_version: u8) -> FieldTable {
        let mut h = self.base_headers.clone();
        put_text(&mut h, "messageId", &uuid::Uuid::new_v4().to_string());
        put_int(&mut h, "end", now_ms());
        put_int(&mut h, "protocolVersion", i64::from(protocol_version));
        h
    }

    fn properties(headers: FieldTable) -> BasicProperties {
        BasicProperties::default()
            .with_content_type(ShortString::from("application/json"))
            .with_content_encoding(ShortString::from("utf8"))
            .with_headers(headers)
    }

    async fn send(
        &self,
        routing_key: &str,
        payload: Vec<u8>,
        properties: BasicProperties,
    ) -> Result<(), String> {
        let out = Outgoing {
            exchange: self.sail.amqp.publish_messages_to.clone(),
            routing_key: routing_key.to_string(),
            payload,
            properties,
        };
        self.sail.publisher.publish(&out).await.map_err(|e| e.to_string())
    }

    /// Publishes one event (other than `error` and `end`); `Err` is turned into an error event.
    async fn publish_event(&self, st: &mut RunState, event: Event) -> Result<(), String> {
        let sail = &self.sail;
        match event {
            Event::Data(msg) => self.publish_data(msg).await,
            Event::Error(info) => {
                self.publish_error(st, info).await;
                Ok(())
            }
            Event::Rebound { reason } => self.publish_rebound(&reason).await,
            Event::Snapshot(s) => {
                *lock(&sail.snapshot) = s.clone();
                sail.snapshot_throttle.pass().await;
                self.publish_snapshot(&s, "snapshot").await
            }
            Event::UpdateSnapshot(s) => {
                let Value::Object(update) = &s else {
                    return Err(format!("updateSnapshot needs a JSON object, got {}", json_type(&s)));
                };
                if update.contains_key("$set") {
                    // As the Node sailor: a warning, and the update is not applied.
                    tracing::warn!(
                        "updateSnapshot with `$set` is not supported; emit the fields to merge. Ignored"
                    );
                    return Ok(());
                }
                {
                    let mut snap = lock(&sail.snapshot);
                    match &mut *snap {
                        Value::Object(current) => current.extend(update.clone()),
                        other => *other = s.clone(),
                    }
                }
                self.publish_snapshot(&s, "updateSnapshot").await
            }
            Event::UpdateKeys(keys) => self.update_keys(keys).await,
            Event::HttpReply(reply) => self.publish_http_reply(reply).await,
            Event::End => Ok(()),
        }
    }

    async fn publish_data(&self, mut msg: Message) -> Result<(), String> {
        let sail = &self.sail;
        let routing_key =
            take_routing_key(&mut msg.headers).unwrap_or_else(|| sail.amqp.data_routing_key.clone());
        // What earlier steps emitted; this step's own entry is added after any upload, as Node does.
        let mut passthrough = None;
        if sail.is_passthrough {
            let mut p = match &self.incoming.passthrough {
                Some(Value::Object(p)) => p.clone(),
                _ => Map::new(),
            };
            if sail.settings.no_self_passthrough {
                if let Some(step_id) = header_text(&self.incoming_headers, "stepId") {
                    p.insert(step_id, without_passthrough(&self.incoming));
                }
            }
            passthrough = Some(p);
        }
        if sail.settings.emit_lightweight_message {
            self.offload(&mut msg, passthrough.as_mut())
                .await
                .map_err(|e| format!("Lightweight message/passthrough body upload error: {e}"))?;
        }
        if let Some(mut p) = passthrough {
            if !sail.settings.no_self_passthrough {
                p.insert(sail.settings.step_id.clone(), without_passthrough(&msg));
            }
            msg.passthrough = Some(Value::Object(p));
        }
        let value = serde_json::to_value(&msg).map_err(|e| format!("cannot serialize the message: {e}"))?;
        let pv = sail.settings.protocol_version;
        let payload = sail.crypto.encrypt_json(&value, pv);
        let limit = sail.settings.outgoing_message_size_limit;
        if payload.len() > limit {
            return Err(format!("Outgoing message size {} exceeds limit of {limit}.", payload.len()));
        }
        sail.data_throttle.pass().await;
        let mut headers = self.headers(pv);
        put_text(&mut headers, "messageId", &msg.id);
        self.send(&routing_key, payload, Self::properties(headers)).await
    }

    /// Moves the body (and passthrough bodies) to object storage when together they are larger
    /// than `ELASTICIO_OBJECT_STORAGE_SIZE_THRESHOLD`; each then travels as `{}` with the object id
    /// header. A passthrough body already stored keeps its object.
    async fn offload(
        &self,
        msg: &mut Message,
        passthrough: Option<&mut Map<String, Value>>,
    ) -> Result<(), String> {
        let sail = &self.sail;
        let body_len = msg.body.to_string().len();
        let passthrough_len: usize = passthrough
            .as_deref()
            .map(|p| p.values().map(|e| e.get("body").map_or(4, |b| b.to_string().len())).sum())
            .unwrap_or(0);
        let total = body_len + passthrough_len;
        if total <= sail.settings.object_storage_size_threshold {
            return Ok(());
        }
        let storage = sail.object_storage.as_ref().ok_or("the object storage is not configured")?;
        tracing::info!(
            totalLength = total,
            threshold = sail.settings.object_storage_size_threshold,
            "message above the size threshold; storing its body"
        );
        let id = storage.put(&msg.body).await?;
        msg.body = Value::Object(Map::new());
        msg.headers.insert(OBJECT_ID_HEADER.into(), Value::String(id.clone()));
        tracing::info!(objectId = %id, "message body stored");
        if let Some(p) = passthrough {
            for entry in p.values_mut() {
                let Value::Object(entry) = entry else { continue };
                let stored = entry.get("headers").and_then(Value::as_object).and_then(object_id);
                let id = match stored {
                    Some(id) => id,
                    None => storage.put(entry.get("body").unwrap_or(&Value::Null)).await?,
                };
                entry.insert("body".into(), Value::Object(Map::new()));
                let headers = entry.entry("headers").or_insert_with(|| Value::Object(Map::new()));
                if !headers.is_object() {
                    *headers = Value::Object(Map::new());
                }
                headers[OBJECT_ID_HEADER] = Value::String(id);
            }
        }
        Ok(())
    }

    /// Publishes an error the function emitted (paced by `ELASTICIO_ERROR_RATE_LIMIT`); the
    /// message is then rejected. Failures here can only be logged.
    async fn publish_error(&self, st: &mut RunState, info: ErrorInfo) {
        st.errors += 1;
        self.sail.error_throttle.pass().await;
        self.send_error(info).await;
    }

    /// Publishes an error: plain JSON to the error routing key and, unless disabled, the encrypted
    /// error to `reply_to`. Failures here can only be logged.
    async fn send_error(&self, info: ErrorInfo) {
        let sail = &self.sail;
        let error = json!({
            "name": info.name,
            "message": info.message,
            "stack": info.stack.clone().unwrap_or_else(|| "Not Available".into()),
        });
        let encrypted_error = sail.crypto.encrypt_json(&error, 1);
        let error_input = if self.incoming_protocol >= 2 {
            sail.crypto.encrypt(&self.incoming_plain, 1)
        } else {
            self.incoming_data.clone()
        };
        let payload = json!({
            "error": String::from_utf8_lossy(&encrypted_error),
            "errorInput": String::from_utf8_lossy(&error_input),
        });
        let headers = self.headers(1);
        let body = payload.to_string().into_bytes();
        if let Err(e) = self.send(&sail.amqp.error_routing_key, body, Self::properties(headers.clone())).await
        {
            tracing::error!(reason = %e, "could not publish an error");
        }
        if let (Some(reply_to), false) = (&self.reply_to, sail.settings.no_error_replies) {
            let mut headers = headers;
            headers.insert(ShortString::from("x-eio-error-response"), lapin::types::AMQPValue::Boolean(true));
            if let Err(e) = self.send(reply_to, encrypted_error, Self::properties(headers)).await {
                tracing::error!(reason = %e, "could not publish the error reply");
            }
        }
    }

    async fn publish_rebound(&self, reason: &str) -> Result<(), String> {
        let sail = &self.sail;
        let iteration = match header_int(&self.incoming_headers, "reboundIteration") {
            Some(n) if n > 0 => n.saturating_add(1),
            _ => 1,
        };
        if iteration > i64::from(sail.settings.rebound_limit) {
            // As the Node sailor: the error is reported, but the message is acknowledged.
            self.send_error(ErrorInfo::new("Error", "Rebound limit exceeded")).await;
            return Ok(());
        }
        let factor = 1u64.checked_shl((iteration - 1) as u32).unwrap_or(u64::MAX);
        let expiration = sail.settings.rebound_initial_expiration.saturating_mul(factor);
        let mut headers = self.incoming_headers.clone();
        put_int(&mut headers, "end", now_ms());
        put_text(&mut headers, "reboundReason", reason);
        put_int(&mut headers, "reboundIteration", iteration);
        let properties = self
            .incoming_properties
            .clone()
            .with_expiration(ShortString::from(expiration.to_string()))
            .with_headers(headers);
        self.send(&sail.amqp.rebound_routing_key, self.incoming_data.clone(), properties).await
    }

    async fn publish_snapshot(&self, snapshot: &Value, kind: &str) -> Result<(), String> {
        let mut headers = self.headers(1);
        put_text(&mut headers, "snapshotEvent", kind);
        let body = snapshot.to_string().into_bytes();
        self.send(&self.sail.amqp.snapshot_routing_key, body, Self::properties(headers)).await
    }

    async fn update_keys(&self, keys: Value) -> Result<(), String> {
        let Value::Object(new_keys) = &keys else {
            return Err(format!("updateKeys needs a JSON object, got {}", json_type(&keys)));
        };
        crate::logging::register_secrets_in(&keys);
        // Merge first: a refreshed token may have replaced the stored one even if saving fails.
        let account = {
            let mut cfg = self.sail.cfg.write().unwrap_or_else(|p| p.into_inner());
            if let Value::Object(c) = &mut *cfg {
                c.extend(new_keys.clone());
            }
            account_id(&cfg)
        };
        let Some(account) = account else {
            return Err("cannot save the keys: the step configuration has no _account".into());
        };
        self.sail.api.update_account_keys(&account, &keys).await.map_err(|e| e.to_string())?;
        tracing::info!("account keys updated");
        Ok(())
    }

    async fn publish_http_reply(&self, reply: HttpReply) -> Result<(), String> {
        let Some(reply_to) = &self.reply_to else {
            return Err("the function emitted httpReply but the message has no reply_to header".into());
        };
        let value = serde_json::to_value(&reply).map_err(|e| format!("cannot serialize the reply: {e}"))?;
        let payload = self.sail.crypto.encrypt_json(&value, 1);
        self.send(reply_to, payload, Self::properties(self.headers(1))).await
    }

    /// Marks the message finished (once); `true` when no error was emitted for it.
    async fn end(&self) -> bool {
        let mut st = self.state.lock().await;
        if st.ended {
            tracing::debug!("end emitted more than once; ignored");
        }
        st.ended = true;
        st.errors == 0
    }
}

/// Removes `x-eio-routing-key` (any case) from message headers, returning its value.
fn take_routing_key(headers: &mut Map<String, Value>) -> Option<String> {
    let keys: Vec<String> =
        headers.keys().filter(|k| k.eq_ignore_ascii_case("x-eio-routing-key")).cloned().collect();
    let mut found = None;
    for k in keys {
        if let Some(Value::String(rk)) = headers.remove(&k) {
            if !rk.is_empty() {
                found = Some(rk);
            }
        }
    }
    found
}

fn without_passthrough(msg: &Message) -> Value {
    let mut m = msg.clone();
    m.passthrough = None;
    serde_json::to_value(&m).unwrap_or(Value::Null)
}

/// A context for hooks (`startup`, `init`, `shutdown`): `updateKeys` is saved to the account and
/// merged into `cfg`; other events have no message to belong to and are logged and dropped.
fn hook_context(api: &PlatformApi, cfg: Arc<RwLock<Value>>, step: StepInfo) -> Context {
    let current = cfg.read().unwrap_or_else(|p| p.into_inner()).clone();
    let credentials = AccountCredentials::for_cfg(api.clone(), &current);
    Context::new(Arc::new(HookEmitter { api: api.clone(), cfg }), step).with_credentials(credentials)
}

struct HookEmitter {
    api: PlatformApi,
    cfg: Arc<RwLock<Value>>,
}

#[async_trait]
impl Emitter for HookEmitter {
    async fn emit(&self, event: Event) -> Result<(), EmitError> {
        match event {
            Event::UpdateKeys(keys) => {
                let Value::Object(new_keys) = &keys else {
                    return Err(EmitError::Invalid(format!(
                        "updateKeys needs a JSON object, got {}",
                        json_type(&keys)
                    )));
                };
                crate::logging::register_secrets_in(&keys);
                let account = {
                    let mut cfg = self.cfg.write().unwrap_or_else(|p| p.into_inner());
                    if let Value::Object(c) = &mut *cfg {
                        c.extend(new_keys.clone());
                    }
                    account_id(&cfg)
                };
                let account = account.ok_or_else(|| {
                    EmitError::Failed("cannot save the keys: the step configuration has no _account".into())
                })?;
                self.api
                    .update_account_keys(&account, &keys)
                    .await
                    .map_err(|e| EmitError::Failed(e.to_string()))
            }
            Event::Error(e) => {
                tracing::error!(error = %e, "error emitted outside a message");
                Ok(())
            }
            Event::End => Ok(()),
            other => {
                tracing::warn!(event = other.name(), "event emitted outside a message; dropped");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_key_header_is_taken_case_insensitively() {
        let mut h = Map::new();
        h.insert("X-EIO-Routing-Key".into(), json!("rk.custom"));
        h.insert("other".into(), json!("kept"));
        assert_eq!(take_routing_key(&mut h).as_deref(), Some("rk.custom"));
        assert_eq!(h.len(), 1);
        assert_eq!(take_routing_key(&mut h), None);
    }

    #[test]
    fn error_names_follow_the_event() {
        assert_eq!(error_name("data"), "DataError");
        assert_eq!(error_name("updateKeys"), "UpdateKeysError");
    }

    #[test]
    fn emptiness_like_the_platform() {
        assert!(is_empty(&Value::Null) && is_empty(&json!({})) && is_empty(&json!([])));
        assert!(!is_empty(&json!({"id": 1})) && !is_empty(&json!(0)));
    }
}
