//! Shared pieces of the sailor's broker and API tests, and of the component's flow-step specs:
//! the broker URL, a fake platform API, a per-test exchange with queues and the step environment
//! for it, a step running in the test's runtime, a log capture, and a TCP proxy that can cut
//! connections. For tests only: every failure here panics with what went wrong.

#![warn(missing_docs)]

pub mod node;
pub mod object_store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use sailor::{run_sail_until, Component, Settings};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing_subscriber::fmt::MakeWriter;

/// The message crypto password of the test step.
pub const PASSWORD: &str = "testCryptoPassword";
/// The message crypto IV of the test step.
pub const IV: &str = "iv=any16_symbols";
/// The platform API user the fake API accepts.
pub const API_USER: &str = "api-user@example.com";
/// The platform API key the fake API accepts (a made-up value).
pub const API_KEY: &str = "api-key-not-a-real-secret";

/// The test step's identity: its `ELASTICIO_*` variable (without the prefix), the header the
/// Node sailor names it by on every message the step emits, and its value.
pub const STEP_IDS: [(&str, &str, &str); 7] = [
    ("FLOW_ID", "taskId", "flow-1"),
    ("EXEC_ID", "execId", "exec-1"),
    ("STEP_ID", "stepId", "step_2"),
    ("CONTAINER_ID", "containerId", "container-1"),
    ("WORKSPACE_ID", "workspaceId", "workspace-1"),
    ("USER_ID", "userId", "user-1"),
    ("COMP_ID", "compId", "comp-1"),
];

/// The headers (name, value) every message the test step emits for `function` carries.
pub fn step_headers(function: &str) -> Vec<(&'static str, String)> {
    let mut headers: Vec<(&'static str, String)> =
        STEP_IDS.iter().map(|(_, header, value)| (*header, value.to_string())).collect();
    headers.push(("function", function.to_string()));
    headers
}

/// The test broker's URL; a test that needs it and runs without it fails, saying what to do.
pub fn amqp_url() -> String {
    match std::env::var("GOTOWEBINAR_TEST_AMQP_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "GOTOWEBINAR_TEST_AMQP_URL is not set: this test needs the private RabbitMQ node that \
             `scripts/test` starts. Run the tests with `scripts/test` (e.g. `scripts/test -p sailor`)."
        ),
    }
}

/// Logs to stderr when `SAILOR_TEST_LOG` is set (e.g. `SAILOR_TEST_LOG=debug`).
pub fn init_test_logging() {
    if let Ok(level) = std::env::var("SAILOR_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .try_init();
    }
}

/// `prefix` with a fresh unique suffix, for names on the shared broker.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

// ---------------------------------------------------------------------------------------------
// Fake platform API

/// One request the fake API received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The Authorization header, when sent.
    pub authorization: Option<String>,
    /// The JSON body (`null` when empty or not JSON).
    pub body: Value,
}

/// What the fake API serves and what it was sent.
#[derive(Default)]
pub struct ApiState {
    /// The step answered for every step request.
    pub step: Value,
    /// Accounts by id.
    pub accounts: HashMap<String, Value>,
    /// The startup hook data, once posted.
    pub hook_data: Option<Value>,
    /// Every request, in order.
    pub requests: Vec<Recorded>,
    /// Status codes to answer the next account PUTs with (then 200).
    pub fail_account_puts: Vec<u16>,
}

/// A fake platform API on 127.0.0.1.
#[derive(Clone)]
pub struct FakeApi {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it serves and records.
    pub state: Arc<Mutex<ApiState>>,
}

impl FakeApi {
    /// Serves `step` for every step request and the given accounts.
    pub async fn start(step: Value, accounts: &[(&str, Value)]) -> FakeApi {
        let state = Arc::new(Mutex::new(ApiState {
            step,
            accounts: accounts.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            ..Default::default()
        }));
        let shared = state.clone();
        let app =
            axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { handle(state, method, uri, headers, body) }
            });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeApi { addr, state }
    }

    /// Its base URL.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The requests with `method` whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(path_prefix))
            .collect()
    }
}

fn handle(
    state: Arc<Mutex<ApiState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = state.lock().unwrap();
    let path = uri.path().to_string();
    let body_json: Value =
        if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
    st.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string),
        body: body_json.clone(),
    });
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{API_USER}:{API_KEY}"))
    );
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
    if path == "/result" && method == Method::POST {
        return StatusCode::OK.into_response();
    }
    if !authorized {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["v1", "tasks", _, "steps", _]) => json_response(st.step.clone()),
        ("GET", ["v1", "accounts", id]) => match st.accounts.get(*id) {
            Some(a) => json_response(a.clone()),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        ("PUT", ["v1", "accounts", id]) => {
            if !st.fail_account_puts.is_empty() {
                let code = st.fail_account_puts.remove(0);
                return StatusCode::from_u16(code).unwrap().into_response();
            }
            let id = id.to_string();
            let account = st.accounts.entry(id.clone()).or_insert_with(|| json!({"id": id}));
            if let Some(keys) = body_json.get("keys") {
                account["keys"] = keys.clone();
            }
            json_response(account.clone())
        }
        ("POST", ["sailor-support", "hooks", "task", _, "startup", "data"]) => {
            if st.hook_data.is_some() {
                return StatusCode::CONFLICT.into_response();
            }
            st.hook_data = Some(body_json);
            StatusCode::CREATED.into_response()
        }
        ("GET", ["sailor-support", "hooks", "task", _, "startup", "data"]) => match &st.hook_data {
            Some(d) => json_response(d.clone()),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        ("DELETE", ["sailor-support", "hooks", "task", _, "startup", "data"]) => {
            st.hook_data = None;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn json_response(v: Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

// ---------------------------------------------------------------------------------------------
// Broker fixture

/// A fresh exchange, input queue and one queue per outgoing routing key.
pub struct Broker {
    /// The broker's AMQP URL.
    pub url: String,
    /// The fixture's own connection.
    pub conn: Connection,
    /// A channel on it.
    pub channel: Channel,
    /// The step's exchange.
    pub exchange: String,
    /// The step's input queue.
    pub input: String,
    /// The queue (and routing key) for data.
    pub data: String,
    /// The queue (and routing key) for errors.
    pub error: String,
    /// The queue (and routing key) for rebounds.
    pub rebound: String,
    /// The queue (and routing key) for snapshots.
    pub snapshot: String,
    /// A queue (and routing key) for replies.
    pub reply: String,
    /// A queue (and routing key) for anything else.
    pub custom: String,
}

/// Connects to `url`, retrying for up to `limit`; a single connect can hang, so each attempt is
/// bounded. The error is the last attempt's failure.
pub async fn try_connect_within(url: &str, limit: Duration) -> Result<Connection, String> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(5),
            Connection::connect(url, ConnectionProperties::default()),
        )
        .await;
        let failure = match attempt {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer within 5 s".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(failure);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// [`try_connect_within`], failing the test when the broker cannot be reached.
pub async fn connect_within(url: &str, limit: Duration) -> Connection {
    try_connect_within(url, limit).await.unwrap_or_else(|failure| {
        panic!("cannot connect to the test broker at {url}: {failure}; run the tests with scripts/test")
    })
}

impl Broker {
    /// Declares everything with unique names on the broker at `url`.
    pub async fn new_at(url: &str) -> Broker {
        let conn = connect_within(url, Duration::from_secs(60)).await;
        let channel = conn.create_channel().await.unwrap();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let exchange = format!("x-{id}");
        channel
            .exchange_declare(
                exchange.as_str().into(),
                ExchangeKind::Direct,
                ExchangeDeclareOptions { auto_delete: false, durable: true, ..Default::default() },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let b = Broker {
            url: url.to_string(),
            conn,
            channel,
            input: format!("in-{id}"),
            data: format!("data-{id}"),
            error: format!("error-{id}"),
            rebound: format!("rebound-{id}"),
            snapshot: format!("snapshot-{id}"),
            reply: format!("reply-{id}"),
            custom: format!("custom-{id}"),
            exchange,
        };
        for q in [&b.input, &b.data, &b.error, &b.rebound, &b.snapshot, &b.reply, &b.custom] {
            b.channel
                .queue_declare(
                    q.as_str().into(),
                    QueueDeclareOptions { durable: true, ..Default::default() },
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        // Each output queue is bound with its own name as the routing key.
        for q in [&b.data, &b.error, &b.rebound, &b.snapshot, &b.reply, &b.custom] {
            b.channel
                .queue_bind(
                    q.as_str().into(),
                    b.exchange.as_str().into(),
                    q.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        b
    }

    /// [`Broker::new_at`] the test broker.
    pub async fn new() -> Broker {
        Broker::new_at(&amqp_url()).await
    }

    /// Opens a new connection (after a broker restart), keeping the names.
    pub async fn reconnect(&mut self) {
        self.conn = connect_within(&self.url, Duration::from_secs(60)).await;
        self.channel = self.conn.create_channel().await.unwrap();
    }

    /// Step settings pointing at this fixture and `api`; `extra` overrides (names without prefix).
    pub fn settings(&self, api: &FakeApi, function: &str, extra: &[(&str, &str)]) -> Settings {
        self.settings_with_uri(&self.url, api, function, extra)
    }

    /// [`Broker::settings`] with another AMQP URL (e.g. through a [`Proxy`]).
    pub fn settings_with_uri(
        &self,
        uri: &str,
        api: &FakeApi,
        function: &str,
        extra: &[(&str, &str)],
    ) -> Settings {
        Settings::from_map(&self.env_with_uri(uri, api, function, extra)).expect("test settings")
    }

    /// The step's environment (full variable names) for this fixture and `api`.
    pub fn env(&self, api: &FakeApi, function: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
        self.env_with_uri(&self.url, api, function, extra)
    }

    /// [`Broker::env`] with another AMQP URL.
    pub fn env_with_uri(
        &self,
        uri: &str,
        api: &FakeApi,
        function: &str,
        extra: &[(&str, &str)],
    ) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = HashMap::new();
        let api_uri = api.uri();
        for (k, _, v) in STEP_IDS {
            m.insert(format!("ELASTICIO_{k}"), v.to_string());
        }
        for (k, v) in [
            ("FUNCTION", function),
            ("API_URI", api_uri.as_str()),
            ("API_USERNAME", API_USER),
            ("API_KEY", API_KEY),
            ("AMQP_URI", uri),
            ("LISTEN_MESSAGES_ON", self.input.as_str()),
            ("PUBLISH_MESSAGES_TO", self.exchange.as_str()),
            ("DATA_ROUTING_KEY", self.data.as_str()),
            ("ERROR_ROUTING_KEY", self.error.as_str()),
            ("REBOUND_ROUTING_KEY", self.rebound.as_str()),
            ("SNAPSHOT_ROUTING_KEY", self.snapshot.as_str()),
            ("MESSAGE_CRYPTO_IV", IV),
            ("MESSAGE_CRYPTO_PASSWORD", PASSWORD),
            ("API_REQUEST_RETRY_DELAY", "10"),
        ] {
            m.insert(format!("ELASTICIO_{k}"), v.to_string());
        }
        for (k, v) in extra {
            m.insert(format!("ELASTICIO_{k}"), v.to_string());
        }
        m
    }

    /// Publishes an input message (persistent) straight to the input queue.
    pub async fn send_raw(&self, payload: &[u8], headers: FieldTable) {
        // Unconfirmed, but on one channel, so the broker keeps the order.
        let confirm = self
            .channel
            .basic_publish(
                "".into(),
                self.input.as_str().into(),
                BasicPublishOptions::default(),
                payload,
                BasicProperties::default().with_headers(headers).with_delivery_mode(2),
            )
            .await
            .unwrap();
        drop(confirm);
    }

    /// Encrypts `msg` for `protocol` and publishes it with `headers` (JSON object of header values).
    pub async fn send(&self, msg: &Value, protocol: u8, headers: Value) {
        let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
        let payload = crypto.encrypt_json(msg, protocol);
        let mut table = to_table(&headers);
        if protocol != 1 {
            table.insert("protocolVersion".into(), AMQPValue::LongLongInt(i64::from(protocol)));
        }
        self.send_raw(&payload, table).await;
    }

    /// A consumer of `queue` with manual acks, so what it does not take stays in the queue.
    async fn consumer(&self, queue: &str) -> (Channel, lapin::Consumer) {
        let channel = self.conn.create_channel().await.unwrap();
        channel.basic_qos(20, lapin::options::BasicQosOptions::default()).await.unwrap();
        let consumer = channel
            .basic_consume(
                queue.into(),
                unique("test").as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        (channel, consumer)
    }

    /// Encrypts the JSON text `text` as is (protocol 1) and publishes it.
    pub async fn send_text(&self, text: &str, headers: Value) {
        let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
        self.send_raw(&crypto.encrypt(text.as_bytes(), 1), to_table(&headers)).await;
    }

    /// Receives `n` messages from `queue`, failing after `secs` seconds.
    pub async fn take(&self, queue: &str, n: usize, secs: u64) -> Vec<Received> {
        let (channel, mut consumer) = self.consumer(queue).await;
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while out.len() < n {
            match tokio::time::timeout_at(deadline, consumer.next()).await {
                Ok(Some(Ok(d))) => {
                    d.acker.ack(lapin::options::BasicAckOptions::default()).await.unwrap();
                    out.push(Received::from(d));
                }
                Ok(other) => panic!("consumer of {queue} ended: {other:?}"),
                Err(_) => panic!("only {} of {n} messages arrived on {queue} within {secs} s", out.len()),
            }
        }
        let _ = channel.close(200, "done".into()).await;
        out
    }

    /// Receives what arrives on `queue` within `millis` ms.
    pub async fn drain(&self, queue: &str, millis: u64) -> Vec<Received> {
        let (channel, mut consumer) = self.consumer(queue).await;
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
        while let Ok(Some(Ok(d))) = tokio::time::timeout_at(deadline, consumer.next()).await {
            d.acker.ack(lapin::options::BasicAckOptions::default()).await.unwrap();
            out.push(Received::from(d));
        }
        let _ = channel.close(200, "done".into()).await;
        out
    }

    /// (messages ready, consumers) of the input queue.
    pub async fn input_counts(&self) -> (u32, u32) {
        let q = self
            .channel
            .queue_declare(
                self.input.as_str().into(),
                QueueDeclareOptions { passive: true, ..Default::default() },
                FieldTable::default(),
            )
            .await
            .unwrap();
        (q.message_count(), q.consumer_count())
    }
}

/// A JSON object as an AMQP header table.
pub fn to_table(v: &Value) -> FieldTable {
    match sailor::amqp::json_to_amqp(v) {
        AMQPValue::FieldTable(t) => t,
        _ => FieldTable::default(),
    }
}

/// One message taken from an output queue.
#[derive(Debug, Clone)]
pub struct Received {
    /// The payload as sent.
    pub data: Vec<u8>,
    /// The headers as JSON.
    pub headers: serde_json::Map<String, Value>,
    /// The headers as sent.
    pub raw_headers: FieldTable,
    /// The expiration property.
    pub expiration: Option<String>,
    /// The content type property.
    pub content_type: Option<String>,
    /// The content encoding property.
    pub content_encoding: Option<String>,
    /// The delivery mode (2: persistent).
    pub delivery_mode: Option<u8>,
}

impl From<lapin::message::Delivery> for Received {
    fn from(d: lapin::message::Delivery) -> Self {
        let raw_headers = d.properties.headers().clone().unwrap_or_default();
        Received {
            headers: sailor::amqp::table_to_json(&raw_headers),
            raw_headers,
            expiration: d.properties.expiration().as_ref().map(|s| s.as_str().to_string()),
            content_type: d.properties.content_type().as_ref().map(|s| s.as_str().to_string()),
            content_encoding: d.properties.content_encoding().as_ref().map(|s| s.as_str().to_string()),
            delivery_mode: *d.properties.delivery_mode(),
            data: d.data,
        }
    }
}

impl Received {
    /// Decrypts the body for the given protocol.
    pub fn decrypt(&self, protocol: u8) -> Value {
        let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
        crypto.decrypt_json(&self.data, protocol).expect("decryptable message")
    }

    /// The payload as plain JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.data).expect("plain JSON")
    }

    /// One header's value (`null` when absent).
    pub fn header(&self, name: &str) -> &Value {
        self.headers.get(name).unwrap_or(&Value::Null)
    }
}

/// Decrypts a base64 (protocol 1) string.
pub fn decrypt_b64(text: &str) -> Value {
    let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
    crypto.decrypt_json(text.as_bytes(), 1).expect("decryptable base64 payload")
}

/// A string header value.
pub fn header_str(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.to_string()))
}

/// An AMQP short string.
pub fn short(s: &str) -> ShortString {
    ShortString::from(s)
}

// ---------------------------------------------------------------------------------------------
// A step in the test's runtime, and its log lines

/// A step's `run_sail_until` on the test's runtime, stopped on demand.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), sailor::SailError>>,
}

impl Running {
    /// Runs `component` as the step `settings` describe until [`Running::stop`].
    pub fn start(component: Component, settings: Settings) -> Running {
        init_test_logging();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            run_sail_until(&component, settings, async move {
                let _ = rx.await;
            })
            .await
        });
        Running { stop: Some(tx), task }
    }

    /// Asks the step to stop; fails the test when it has not ended `within`.
    pub async fn stop(mut self, within: Duration) -> Result<(), sailor::SailError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(within, &mut self.task)
            .await
            .unwrap_or_else(|_| panic!("the step stops within {} s", within.as_secs()))
            .expect("the step task does not panic")
    }
}

/// An in-memory writer: give clones to a log layer or a runner, read what they wrote.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("UTF-8 text")
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for SharedBuf {
    type Writer = SharedBuf;
    fn make_writer(&'a self) -> SharedBuf {
        self.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy that can cut every connection through it

/// A TCP proxy on 127.0.0.1.
pub struct Proxy {
    /// The port it listens on.
    pub port: u16,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    _accept: JoinHandle<()>,
}

impl Proxy {
    /// Forwards 127.0.0.1:<port> to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let list = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().unwrap().push(task);
            }
        });
        Proxy { port, conns, _accept: accept }
    }

    /// Cuts every open connection (both sides see the socket close).
    pub fn cut_all(&self) -> usize {
        let mut list = self.conns.lock().unwrap();
        let n = list.iter().filter(|t| !t.is_finished()).count();
        for t in list.drain(..) {
            t.abort();
        }
        n
    }

    /// The AMQP URL through the proxy, with the credentials of `url`.
    pub fn url_for(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).unwrap();
        u.set_port(Some(self.port)).unwrap();
        u.to_string()
    }
}

/// The broker's socket address from its URL.
pub fn broker_addr(url: &str) -> SocketAddr {
    let u = url::Url::parse(url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5672)).parse().unwrap()
}
