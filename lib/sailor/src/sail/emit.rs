//! Emitting: publishing what a step's function emits for a message, or from a hook.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use lapin::types::{FieldTable, ShortString};
use lapin::BasicProperties;
use serde_json::{json, Map, Value};

use crate::amqp::{header_int, header_text, put_int, put_text, Outgoing};
use crate::context::{Context, EmitError, Emitter, StepInfo};
use crate::event::{ErrorInfo, Event, HttpReply};
use crate::message::{json_type, Message, MessageJson};
use crate::object_storage::OBJECT_ID_HEADER;
use crate::platform_api::{AccountCredentials, PlatformApi};
use crate::update_keys;

use super::{lock, now_ms, object_id, Sail};

/// Per-message bookkeeping of emitted events.
#[derive(Default)]
pub(super) struct RunState {
    ended: bool,
    errors: u32,
}

/// One incoming message being processed: the emitter its function's context sends events to.
pub(super) struct MessageRun {
    pub(super) sail: Arc<Sail>,
    pub(super) incoming_data: Vec<u8>,
    pub(super) incoming_properties: BasicProperties,
    pub(super) incoming_headers: FieldTable,
    pub(super) incoming_protocol: u8,
    pub(super) incoming_plain: Vec<u8>,
    /// The incoming message, kept only when the step is a passthrough step.
    pub(super) incoming: Option<Message>,
    pub(super) reply_to: Option<String>,
    pub(super) base_headers: FieldTable,
    /// Held while an event is published, so `end` waits for every earlier event's confirmation.
    pub(super) state: tokio::sync::Mutex<RunState>,
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

    pub(super) fn properties(headers: FieldTable) -> BasicProperties {
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
        self.sail.publisher.publish(out).await.map_err(|e| e.to_string())
    }

    /// Publishes one event (other than `error` and `end`); `Err` is turned into an error event.
    async fn publish_event(&self, st: &mut RunState, event: Event) -> Result<(), String> {
        let sail = &self.sail;
        match event {
            Event::Data(msg) => self.publish_data(msg).await,
            Event::DataJson(msg) => {
                if sail.is_passthrough || sail.settings.emit_lightweight_message {
                    // These paths edit the message, so it needs its `Value` form.
                    return self.publish_data(msg.to_message()).await;
                }
                let plain = serde_json::to_vec(&msg.json())
                    .map_err(|e| format!("cannot serialize the message: {e}"))?;
                self.send_data(&sail.amqp.data_routing_key, plain, &msg.id).await
            }
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
            let incoming = self.incoming.as_ref();
            let mut p = match incoming.and_then(|m| m.passthrough.as_ref()) {
                Some(Value::Object(p)) => p.clone(),
                _ => Map::new(),
            };
            if sail.settings.no_self_passthrough {
                if let (Some(step_id), Some(incoming)) =
                    (header_text(&self.incoming_headers, "stepId"), incoming)
                {
                    p.insert(step_id, without_passthrough(incoming));
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
        // Straight to text: the same bytes as through a `Value`, without copying the message.
        let plain = serde_json::to_vec(&MessageJson::of(&msg))
            .map_err(|e| format!("cannot serialize the message: {e}"))?;
        self.send_data(&routing_key, plain, &msg.id).await
    }

    /// Encrypts a data message's JSON text and publishes it, within the size and rate limits.
    async fn send_data(&self, routing_key: &str, plain: Vec<u8>, id: &str) -> Result<(), String> {
        let sail = &self.sail;
        let pv = sail.settings.protocol_version;
        let payload = sail.crypto.encrypt(&plain, pv);
        drop(plain);
        let limit = sail.settings.outgoing_message_size_limit;
        if payload.len() > limit {
            return Err(format!("Outgoing message size {} exceeds limit of {limit}.", payload.len()));
        }
        sail.data_throttle.pass().await;
        let mut headers = self.headers(pv);
        put_text(&mut headers, "messageId", id);
        self.send(routing_key, payload, Self::properties(headers)).await
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
        update_keys::merge_and_save(&self.sail.api, &self.sail.cfg, &keys)
            .await
            .map_err(|e| e.to_string())?;
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
    pub(super) async fn end(&self) -> bool {
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
pub(super) fn hook_context(api: &PlatformApi, cfg: Arc<RwLock<Value>>, step: StepInfo) -> Context {
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
            Event::UpdateKeys(keys) => Ok(update_keys::merge_and_save(&self.api, &self.cfg, &keys).await?),
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
}
