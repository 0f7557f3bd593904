//! Consuming: deliveries in, decoded and resolved, each run through the step's function.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Connection};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::amqp::{self, header_int, header_text, put_int, put_text};
use crate::component::Input;
use crate::context::{Context, Emitter};
use crate::event::{ErrorInfo, Event};
use crate::message::{json_type, Message};
use crate::object_storage::OBJECT_ID_HEADER;
use crate::platform_api::AccountCredentials;
use crate::settings::InputFormat;

use super::emit::{MessageRun, RunState};
use super::settle::{reject_quietly, settle_one};
use super::{connection_name, lock, now_ms, object_id, open_consumer_channel, Sail, SailError, Tracked};

impl Sail {
    /// Consumes until `shutdown`, reconnecting when the broker connection is lost.
    pub(super) async fn consume(
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
                // Only a passthrough step carries the incoming message along; others need no copy.
                incoming: if self.is_passthrough { Some(msg.clone()) } else { None },
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
            // A panic is caught in place rather than by a task of its own: one task hop less per
            // message, and the same error event.
            let outcome =
                AssertUnwindSafe(async move { function.process(ctx, input).await }).catch_unwind().await;
            let failure = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(ErrorInfo::from(e)),
                Err(payload) => {
                    Some(ErrorInfo::new("FunctionPanicked", crate::component::panic_payload_text(&*payload)))
                }
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
        for (k, v) in self.settings.id_headers() {
            put_text(&mut h, k, v);
        }
        put_int(&mut h, "start", now_ms());
        h
    }
}

fn meta_header(h: &FieldTable, name: &str) -> Option<String> {
    h.inner()
        .iter()
        .find(|(k, _)| k.as_str().eq_ignore_ascii_case(name))
        .and_then(|(k, _)| header_text(h, k.as_str()))
}
