//! AMQP plumbing for the sail mode: connections, a confirming publisher with retries, and
//! conversions between AMQP header values and JSON.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use serde_json::{Map, Number, Value};

use crate::settings::redact_uri;

/// The longest wait between two publish attempts.
pub const MAX_PUBLISH_RETRY_DELAY: Duration = Duration::from_millis(300_000);

/// Delay before publish retry number `iteration` (0-based): `min(100 * 2^iteration, 300000)` ms.
pub fn publish_retry_delay(iteration: u32) -> Duration {
    retry_delay(Duration::from_millis(100), MAX_PUBLISH_RETRY_DELAY, iteration)
}

/// `min(first * 2^iteration, max)`, as the Node sailor computes its publish retry delays.
pub fn retry_delay(first: Duration, max: Duration, iteration: u32) -> Duration {
    let factor = 1u32.checked_shl(iteration).unwrap_or(u32::MAX);
    first.saturating_mul(factor).min(max)
}

/// How a [`Publisher`] retries and marks its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishPolicy {
    /// Total attempts; `None` retries without limit.
    pub attempts: Option<u32>,
    /// The first retry delay, doubled per retry.
    pub first_delay: Duration,
    /// The longest retry delay.
    pub max_delay: Duration,
    /// Delivery mode 2 (persistent) instead of 1.
    pub persistent: bool,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        PublishPolicy {
            attempts: None,
            first_delay: Duration::from_millis(100),
            max_delay: MAX_PUBLISH_RETRY_DELAY,
            persistent: false,
        }
    }
}

/// At most `limit` passes per `interval` (a sliding window); later callers wait their turn, in
/// order, as the Node sailor's throttles do: nothing is dropped.
pub(crate) struct Throttle {
    limit: usize,
    interval: Duration,
    /// When the latest `limit` passes were (or are scheduled to be) granted.
    granted: tokio::sync::Mutex<std::collections::VecDeque<tokio::time::Instant>>,
    delayed: AtomicU64,
}

impl Throttle {
    pub fn new(limit: u32, interval: Duration) -> Self {
        Throttle {
            limit: limit.max(1) as usize,
            interval,
            granted: tokio::sync::Mutex::new(std::collections::VecDeque::new()),
            delayed: AtomicU64::new(0),
        }
    }

    /// Waits until a pass is free.
    pub async fn pass(&self) {
        let at = {
            let mut granted = self.granted.lock().await;
            let now = tokio::time::Instant::now();
            // Passes older than the window cannot delay anyone: dropping them keeps the queue as
            // short as the traffic of one window (a lifted limit of 1,000,000 kept every pass).
            while granted.front().is_some_and(|t| *t + self.interval <= now) {
                granted.pop_front();
            }
            let at = if granted.len() < self.limit {
                now
            } else {
                let oldest = granted.pop_front().unwrap_or(now);
                (oldest + self.interval).max(now)
            };
            granted.push_back(at);
            at
        };
        if at > tokio::time::Instant::now() {
            self.delayed.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                delay_ms = (at - tokio::time::Instant::now()).as_millis() as u64,
                "throttling an outgoing message"
            );
            tokio::time::sleep_until(at).await;
        }
    }

    /// How many passes had to wait.
    #[cfg(test)]
    pub fn delayed(&self) -> u64 {
        self.delayed.load(Ordering::Relaxed)
    }

    /// How many passes the throttle remembers.
    #[cfg(test)]
    pub async fn remembered(&self) -> usize {
        self.granted.lock().await.len()
    }
}

/// How long one attempt to connect to the broker may take. A connect can otherwise wait forever
/// (seen while a broker was starting); the caller's reconnect loop tries again.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest frame asked of the broker unless the URI says `frame_max`: the Node sailor's
/// client asks for 4 KiB frames. lapin keeps two buffers of 32 frames per connection, so the
/// broker's usual 128 KiB frames would hold 16 MiB of buffers for two connections.
pub const DEFAULT_FRAME_MAX: u32 = 4096;

/// The broker URI with `frame_max` defaulted to [`DEFAULT_FRAME_MAX`].
pub(crate) fn broker_uri(uri: &str) -> Result<AMQPUri, String> {
    let mut parsed: AMQPUri =
        uri.parse().map_err(|e| format!("the AMQP URI {} is not valid: {e}", redact_uri(uri)))?;
    parsed.query.frame_max.get_or_insert(DEFAULT_FRAME_MAX);
    Ok(parsed)
}

/// Connects to the broker, naming the connection for the broker's connection list.
pub(crate) async fn connect(uri: &str, name: &str) -> Result<Connection, String> {
    let props = ConnectionProperties::default().with_connection_name(LongString::from(name.to_string()));
    let parsed = broker_uri(uri)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect_uri(parsed, props)).await {
        Ok(connected) => {
            connected.map_err(|e| format!("cannot connect to AMQP broker {}: {e}", redact_uri(uri)))
        }
        Err(_) => Err(format!(
            "cannot connect to AMQP broker {}: no answer within {} s",
            redact_uri(uri),
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Why a publish failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Every attempt failed; the last reason.
    #[error("could not publish to exchange {exchange:?} with routing key {routing_key:?} after {attempts} attempt(s): {reason}")]
    Failed {
        /// Target exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
}

/// One message to publish.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub exchange: String,
    pub routing_key: String,
    pub payload: Vec<u8>,
    pub properties: BasicProperties,
}

struct PublishChannel {
    generation: u64,
    connection: Connection,
    channel: Channel,
}

/// Publishes on a confirm channel of its own connection, `mandatory`, reconnecting when needed.
pub(crate) struct Publisher {
    uri: String,
    name: String,
    current: tokio::sync::Mutex<Option<PublishChannel>>,
    generations: AtomicU64,
    policy: PublishPolicy,
}

impl Publisher {
    /// A publisher for `uri` that retries and marks messages by `policy`.
    pub fn new(uri: &str, name: &str, policy: PublishPolicy) -> Self {
        Publisher {
            uri: uri.to_string(),
            name: name.to_string(),
            current: tokio::sync::Mutex::new(None),
            generations: AtomicU64::new(0),
            policy,
        }
    }

    /// Opens the connection now (so a broken broker URI fails at startup).
    pub async fn open(&self) -> Result<(), String> {
        self.channel().await.map(|_| ())
    }

    async fn channel(&self) -> Result<(u64, Channel), String> {
        let mut current = self.current.lock().await;
        if let Some(pc) = current.as_ref() {
            if pc.connection.status().connected() && pc.channel.status().connected() {
                return Ok((pc.generation, pc.channel.clone()));
            }
        }
        if let Some(old) = current.take() {
            let _ = old.connection.close(200, ShortString::from("reconnecting")).await;
        }
        let connection = connect(&self.uri, &self.name).await?;
        let channel = connection.create_channel().await.map_err(|e| format!("cannot open a channel: {e}"))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| format!("cannot enable publisher confirms: {e}"))?;
        let generation = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
        if generation > 1 {
            tracing::info!("publish connection re-established");
        }
        *current = Some(PublishChannel { generation, connection, channel: channel.clone() });
        Ok((generation, channel))
    }

    /// Drops the channel of `generation` so the next attempt reconnects.
    async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|pc| pc.generation == generation) {
            if let Some(old) = current.take() {
                let _ = old.connection.close(200, ShortString::from("reconnecting")).await;
            }
        }
    }

    async fn try_publish(&self, out: &Outgoing) -> Result<(), String> {
        let (generation, channel) = self.channel().await?;
        let result = async {
            let confirm = channel
                .basic_publish(
                    ShortString::from(out.exchange.as_str()),
                    ShortString::from(out.routing_key.as_str()),
                    BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
                    &out.payload,
                    out.properties.clone(),
                )
                .await
                .map_err(|e| (true, format!("publish failed: {e}")))?
                .await
                .map_err(|e| (true, format!("no confirmation from the broker: {e}")))?;
            match confirm {
                Confirmation::Ack(None) => Ok(()),
                Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned)) => Err((
                    false,
                    format!(
                        "the broker returned the message: {} {}",
                        returned.reply_code, returned.reply_text
                    ),
                )),
                Confirmation::Nack(None) => Err((false, "the broker refused the message (nack)".to_string())),
                Confirmation::NotRequested => Err((true, "publisher confirms are not enabled".to_string())),
            }
        }
        .await;
        match result {
            Ok(()) => Ok(()),
            Err((broken, reason)) => {
                if broken {
                    self.invalidate(generation).await;
                }
                Err(reason)
            }
        }
    }

    /// Publishes `out` with the policy's delivery mode, retrying with `min(first*2^i, max)` delays; a returned (unroutable) or
    /// refused message counts as a failed attempt. Retries carry a `retry` header with the attempt number.
    pub async fn publish(&self, out: Outgoing) -> Result<(), PublishError> {
        let mut iteration: u32 = 0;
        // Taken by value: the payload is not copied for the attempts.
        let mut attempt = out;
        let mode = if self.policy.persistent { 2 } else { 1 };
        attempt.properties = attempt.properties.with_delivery_mode(mode);
        loop {
            match self.try_publish(&attempt).await {
                Ok(()) => return Ok(()),
                Err(reason) => {
                    let tries = iteration + 1;
                    if self.policy.attempts.is_some_and(|max| tries >= max) {
                        return Err(PublishError::Failed {
                            exchange: attempt.exchange,
                            routing_key: attempt.routing_key,
                            attempts: tries,
                            reason,
                        });
                    }
                    let delay = retry_delay(self.policy.first_delay, self.policy.max_delay, iteration);
                    tracing::warn!(
                        exchange = %attempt.exchange,
                        routing_key = %attempt.routing_key,
                        attempt = tries,
                        delay_ms = delay.as_millis() as u64,
                        reason = %reason,
                        "publish failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    iteration += 1;
                    let mut headers = attempt.properties.headers().clone().unwrap_or_default();
                    headers.insert("retry".into(), AMQPValue::LongLongInt(i64::from(iteration)));
                    attempt.properties = attempt.properties.clone().with_headers(headers);
                }
            }
        }
    }

    /// Closes the publish connection.
    pub async fn close(&self) {
        if let Some(pc) = self.current.lock().await.take() {
            let _ = pc.connection.close(200, ShortString::from("OK")).await;
        }
    }
}

/// An AMQP header value as JSON (byte strings as UTF-8 text when they are, else arrays of bytes).
pub fn amqp_to_json(v: &AMQPValue) -> Value {
    match v {
        AMQPValue::Boolean(b) => Value::Bool(*b),
        AMQPValue::ShortShortInt(n) => Value::from(*n),
        AMQPValue::ShortShortUInt(n) => Value::from(*n),
        AMQPValue::ShortInt(n) => Value::from(*n),
        AMQPValue::ShortUInt(n) => Value::from(*n),
        AMQPValue::LongInt(n) => Value::from(*n),
        AMQPValue::LongUInt(n) => Value::from(*n),
        AMQPValue::LongLongInt(n) => Value::from(*n),
        AMQPValue::Timestamp(n) => Value::from(*n),
        AMQPValue::Float(f) => Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number),
        AMQPValue::Double(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        AMQPValue::DecimalValue(d) => {
            let v = f64::from(d.value) / 10f64.powi(i32::from(d.scale));
            Number::from_f64(v).map_or(Value::Null, Value::Number)
        }
        AMQPValue::ShortString(s) => Value::String(s.as_str().to_string()),
        AMQPValue::LongString(s) => bytes_to_json(s.as_bytes()),
        AMQPValue::ByteArray(b) => bytes_to_json(b.as_slice()),
        AMQPValue::FieldArray(a) => Value::Array(a.as_slice().iter().map(amqp_to_json).collect()),
        AMQPValue::FieldTable(t) => Value::Object(table_to_json(t)),
        AMQPValue::Void => Value::Null,
    }
}

fn bytes_to_json(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => Value::Array(b.iter().map(|x| Value::from(*x)).collect()),
    }
}

/// A header table as a JSON object.
pub fn table_to_json(t: &FieldTable) -> Map<String, Value> {
    t.inner().iter().map(|(k, v)| (k.as_str().to_string(), amqp_to_json(v))).collect()
}

/// A JSON value as an AMQP header value.
pub fn json_to_amqp(v: &Value) -> AMQPValue {
    match v {
        Value::Null => AMQPValue::Void,
        Value::Bool(b) => AMQPValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => AMQPValue::LongLongInt(i),
            (None, Some(f)) => AMQPValue::Double(f),
            (None, None) => AMQPValue::LongString(LongString::from(n.to_string())),
        },
        Value::String(s) => AMQPValue::LongString(LongString::from(s.clone())),
        Value::Array(a) => {
            AMQPValue::FieldArray(FieldArray::from(a.iter().map(json_to_amqp).collect::<Vec<_>>()))
        }
        Value::Object(o) => {
            let mut t = FieldTable::default();
            for (k, v) in o {
                if let Ok(key) = ShortString::try_new(k.clone()) {
                    t.insert(key, json_to_amqp(v));
                }
            }
            AMQPValue::FieldTable(t)
        }
    }
}

/// A header as text (strings, and numbers written as decimals).
pub(crate) fn header_text(t: &FieldTable, key: &str) -> Option<String> {
    match t.inner().get(key)? {
        AMQPValue::ShortString(s) => Some(s.as_str().to_string()),
        AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok().map(str::to_string),
        other => match amqp_to_json(other) {
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
    }
    .filter(|s| !s.is_empty())
}

/// A header as an integer (any integer type, or a decimal string).
pub(crate) fn header_int(t: &FieldTable, key: &str) -> Option<i64> {
    match t.inner().get(key)? {
        AMQPValue::ShortString(s) => s.as_str().trim().parse().ok(),
        AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok()?.trim().parse().ok(),
        other => amqp_to_json(other).as_i64(),
    }
}

/// Inserts a text header.
pub(crate) fn put_text(t: &mut FieldTable, key: &str, value: &str) {
    t.insert(ShortString::from(key), AMQPValue::LongString(LongString::from(value.to_string())));
}

/// Inserts an integer header.
pub(crate) fn put_int(t: &mut FieldTable, key: &str, value: i64) {
    t.insert(ShortString::from(key), AMQPValue::LongLongInt(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test(start_paused = true)]
    async fn a_broker_that_accepts_but_never_answers_is_a_connect_error_not_a_hang() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("amqp://guest:secret@{}/%2f", listener.local_addr().unwrap());
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let attempt = tokio::time::timeout(CONNECT_TIMEOUT * 2, connect(&uri, "test")).await;
        let Err(error) = attempt.expect("connect gives up by itself") else {
            panic!("no connection expected")
        };
        assert!(error.contains("no answer within 30 s"), "{error}");
        assert!(!error.contains("secret"), "{error}");
        silent.abort();
    }

    #[test]
    fn the_frame_size_defaults_to_the_node_sailors_unless_the_uri_sets_one() {
        let plain = broker_uri("amqp://guest:secret@127.0.0.1:5672/%2f").unwrap();
        assert_eq!(plain.query.frame_max, Some(DEFAULT_FRAME_MAX));
        let explicit = broker_uri("amqp://guest:secret@127.0.0.1:5672/%2f?frame_max=131072").unwrap();
        assert_eq!(explicit.query.frame_max, Some(131_072));
        let error = broker_uri("amqp://guest:secret@127.0.0.1:notaport/%2f").unwrap_err();
        assert!(error.contains("is not valid") && !error.contains("secret"), "{error}");
    }

    #[tokio::test]
    async fn the_broker_agrees_to_the_frame_size_asked() {
        let uri = sailor_testkit::amqp_url();
        let joiner = if uri.contains('?') { '&' } else { '?' };
        for (uri, expected) in
            [(uri.clone(), DEFAULT_FRAME_MAX), (format!("{uri}{joiner}frame_max=16384"), 16_384)]
        {
            let connection = connect(&uri, "frame-size-test").await.unwrap();
            assert_eq!(connection.configuration().frame_max(), expected);
            let _ = connection.close(200, ShortString::from("done")).await;
        }
    }

    #[test]
    fn retry_delays_double_up_to_five_minutes() {
        let ms: Vec<u128> = (0..5).map(|i| publish_retry_delay(i).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600]);
        assert_eq!(publish_retry_delay(11).as_millis(), 204_800);
        assert_eq!(publish_retry_delay(12), MAX_PUBLISH_RETRY_DELAY);
        assert_eq!(publish_retry_delay(200), MAX_PUBLISH_RETRY_DELAY);
    }

    #[test]
    fn configured_retry_delays_double_up_to_their_maximum() {
        let ms = |i| retry_delay(Duration::from_millis(5), Duration::from_millis(30), i).as_millis();
        assert_eq!((0..5).map(ms).collect::<Vec<_>>(), [5, 10, 20, 30, 30]);
        assert_eq!(ms(64), 30, "no overflow");
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_delays_passes_over_the_limit_in_order_and_drops_none() {
        let throttle = std::sync::Arc::new(Throttle::new(2, Duration::from_millis(100)));
        let start = tokio::time::Instant::now();
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..5u32 {
            let (t, o) = (throttle.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                t.pass().await;
                o.lock().unwrap().push((i, (tokio::time::Instant::now() - start).as_millis()));
            }));
            // Let each caller take its place before the next one comes.
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4],
            "in order, none dropped"
        );
        // With the clock paused, time moves only by the throttle's own sleeps.
        assert_eq!(order.iter().map(|(_, ms)| *ms).collect::<Vec<_>>(), [0, 0, 100, 100, 200]);
        assert_eq!(throttle.delayed(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lifted_limit_remembers_only_the_passes_of_one_window() {
        let throttle = Throttle::new(1_000_000, Duration::from_millis(100));
        for _ in 0..50 {
            throttle.pass().await;
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        // 50 passes 10 ms apart: only those of the last 100 ms can still matter.
        assert!(throttle.remembered().await <= 10, "{} passes kept", throttle.remembered().await);
        assert_eq!(throttle.delayed(), 0);
    }

    #[test]
    fn header_values_convert_both_ways() {
        let v = json!({"s": "text", "i": 42, "b": true, "f": 1.5, "a": [1, "x"], "o": {"k": "v"}, "n": null});
        let AMQPValue::FieldTable(t) = json_to_amqp(&v) else { panic!("not a table") };
        assert_eq!(Value::Object(table_to_json(&t)), v);
        assert_eq!(header_text(&t, "s").as_deref(), Some("text"));
        assert_eq!(header_text(&t, "i").as_deref(), Some("42"));
        assert_eq!(header_int(&t, "i"), Some(42));
        assert_eq!(header_int(&t, "s"), None);
        assert_eq!(header_text(&t, "missing"), None);
        let mut t2 = FieldTable::default();
        t2.insert("n".into(), AMQPValue::ShortShortUInt(3));
        t2.insert("str".into(), AMQPValue::ShortString("7".into()));
        put_text(&mut t2, "empty", "");
        assert_eq!(header_int(&t2, "n"), Some(3));
        assert_eq!(header_int(&t2, "str"), Some(7));
        assert_eq!(header_text(&t2, "empty"), None);
        assert_eq!(amqp_to_json(&AMQPValue::LongString(LongString::from(vec![0xff, 0x00]))), json!([255, 0]));
    }
}
