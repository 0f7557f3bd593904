//! The platform's message: `{id, body, headers, attachments, metadata, passthrough?}`.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A message as it travels between flow steps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// Unique message id (a UUID for messages created here).
    pub id: String,
    /// The payload; always a JSON object on the platform.
    pub body: Value,
    /// Message headers.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// Attachments by name.
    #[serde(default)]
    pub attachments: Map<String, Value>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// What earlier steps emitted, carried along when the step is a passthrough step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passthrough: Option<Value>,
}

/// A message as the platform's JSON text, borrowed: its keys in the order `serde_json::to_value`
/// sorts them into, so the text is the same as that of the message's `Value`, without the copy.
#[derive(Serialize)]
pub(crate) struct MessageJson<'a, B: Serialize + ?Sized> {
    pub attachments: &'a Map<String, Value>,
    pub body: &'a B,
    pub headers: &'a Map<String, Value>,
    pub id: &'a str,
    pub metadata: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passthrough: Option<&'a Value>,
}

impl<'a> MessageJson<'a, Value> {
    /// The JSON form of `msg`.
    pub fn of(msg: &'a Message) -> Self {
        MessageJson {
            attachments: &msg.attachments,
            body: &msg.body,
            headers: &msg.headers,
            id: &msg.id,
            metadata: &msg.metadata,
            passthrough: msg.passthrough.as_ref(),
        }
    }
}

/// A new message whose body is JSON text already: serialized once, straight from a function's
/// output type, instead of through a `Value` first (the local runner writes it as it is). Headers,
/// attachments and metadata are empty, as in [`Message::new`].
#[derive(Debug, Clone)]
pub struct JsonMessage {
    /// Unique message id (a UUID).
    pub id: String,
    /// The payload as JSON text; a JSON object on the platform.
    pub body: Box<RawValue>,
}

impl JsonMessage {
    /// A message with a fresh UUID and `body`, serialized now.
    pub fn new<T: Serialize + ?Sized>(body: &T) -> Result<Self, serde_json::Error> {
        Ok(JsonMessage { id: new_id(), body: serde_json::value::to_raw_value(body)? })
    }

    /// The same message with its body as a `Value` (what `serde_json::to_value` of the body
    /// would have given), for the paths that edit a message (passthrough, object storage).
    pub fn to_message(&self) -> Message {
        let body = serde_json::from_str(self.body.get()).unwrap_or(Value::Null);
        let mut msg = Message::new(body);
        msg.id = self.id.clone();
        msg
    }

    /// The message's JSON text, in the same form as [`Message`]'s.
    pub(crate) fn json(&self) -> MessageJson<'_, RawValue> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        MessageJson {
            attachments: &EMPTY,
            body: &self.body,
            headers: &EMPTY,
            id: &self.id,
            metadata: &EMPTY,
            passthrough: None,
        }
    }
}

impl PartialEq for JsonMessage {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.body.get() == other.body.get()
    }
}

/// Why a JSON value is not a valid message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The message itself is not a JSON object.
    #[error("a message must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// A part (`body`, `headers`, …) has the wrong JSON type.
    #[error("message field `{field}` must be {expected}, got {got}")]
    WrongType {
        /// The offending field.
        field: &'static str,
        /// What the field must be.
        expected: &'static str,
        /// The JSON type found.
        got: &'static str,
    },
}

/// The JSON type name of a value, for error messages.
pub(crate) use jsonkit::kind as json_type;

impl Message {
    /// A new message with a fresh UUID, the given body and empty headers, attachments and metadata.
    pub fn new(body: Value) -> Self {
        Message {
            id: new_id(),
            body,
            headers: Map::new(),
            attachments: Map::new(),
            metadata: Map::new(),
            passthrough: None,
        }
    }

    /// Reads a message from JSON, as the platform delivers it or as a user writes it.
    ///
    /// Missing (or `null`) `body`, `headers`, `attachments` and `metadata` become `{}`; a missing
    /// `id` becomes a new UUID. Unknown top-level fields are ignored.
    pub fn from_json(v: Value) -> Result<Self, MessageError> {
        let mut obj = match v {
            Value::Object(o) => o,
            other => return Err(MessageError::NotAnObject(json_type(&other))),
        };
        let id = match obj.remove("id") {
            None | Some(Value::Null) => new_id(),
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(MessageError::WrongType {
                    field: "id",
                    expected: "a string",
                    got: json_type(&other),
                })
            }
        };
        let body = Value::Object(take_object(&mut obj, "body")?);
        let headers = take_object(&mut obj, "headers")?;
        let attachments = take_object(&mut obj, "attachments")?;
        let metadata = take_object(&mut obj, "metadata")?;
        let passthrough = match obj.remove("passthrough") {
            None | Some(Value::Null) => None,
            Some(p) => Some(p),
        };
        Ok(Message { id, body, headers, attachments, metadata, passthrough })
    }

    /// The body as an object map (empty when the body is not an object).
    pub fn body_object(&self) -> Map<String, Value> {
        self.body.as_object().cloned().unwrap_or_default()
    }
}

impl Default for Message {
    fn default() -> Self {
        Message::new(Value::Object(Map::new()))
    }
}

/// Decodes a payload as it arrives from the broker: decrypts it with the step's crypto settings,
/// parses it with long integers kept exact, and reads the message. Returns the message and the
/// decrypted bytes. Any input, however malformed, gives an error, never a panic.
pub fn decode_payload(
    crypto: &crate::crypto::MessageCrypto,
    data: &[u8],
    protocol_version: u8,
) -> Result<(Message, Vec<u8>), String> {
    let plain = crypto.decrypt(data, protocol_version).map_err(|e| e.to_string())?;
    let value = crate::json::parse_json_lossless(&plain)
        .map_err(|e| format!("the decrypted message is not JSON: {e}"))?;
    let msg = Message::from_json(value).map_err(|e| e.to_string())?;
    Ok((msg, plain))
}

fn new_id() -> String {
    // A v4 UUID from the thread's CSPRNG: one system call per id was a large part of emitting
    // big lists.
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string()
}

fn take_object(
    obj: &mut Map<String, Value>,
    field: &'static str,
) -> Result<Map<String, Value>, MessageError> {
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(MessageError::WrongType { field, expected: "an object", got: json_type(&other) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_message_has_uuid_and_empty_parts() {
        let m = Message::new(json!({"a": 1}));
        assert!(uuid::Uuid::parse_str(&m.id).is_ok(), "id {} is not a uuid", m.id);
        assert_eq!(m.body, json!({"a": 1}));
        assert!(m.headers.is_empty() && m.attachments.is_empty() && m.metadata.is_empty());
        assert_eq!(m.passthrough, None);
        assert_ne!(Message::new(json!({})).id, Message::new(json!({})).id);
    }

    #[test]
    fn from_json_fills_missing_parts() {
        let m = Message::from_json(json!({"body": {"x": "y"}})).unwrap();
        assert_eq!(m.body, json!({"x": "y"}));
        assert!(uuid::Uuid::parse_str(&m.id).is_ok());
        assert!(m.headers.is_empty() && m.attachments.is_empty() && m.metadata.is_empty());

        let empty = Message::from_json(json!({})).unwrap();
        assert_eq!(empty.body, json!({}));

        let nulls = Message::from_json(json!({"body": null, "headers": null})).unwrap();
        assert_eq!(nulls.body, json!({}));
        assert!(nulls.headers.is_empty());
    }

    #[test]
    fn from_json_keeps_given_parts() {
        let v = json!({
            "id": "m-1",
            "body": {"b": 1},
            "headers": {"h": "v"},
            "attachments": {"f.txt": {"url": "u"}},
            "metadata": {"k": true},
            "passthrough": {"step_1": {"body": {}}},
            "unknown": 5
        });
        let m = Message::from_json(v).unwrap();
        assert_eq!(m.id, "m-1");
        assert_eq!(m.headers.get("h"), Some(&json!("v")));
        assert_eq!(m.attachments.get("f.txt"), Some(&json!({"url": "u"})));
        assert_eq!(m.metadata.get("k"), Some(&json!(true)));
        assert_eq!(m.passthrough, Some(json!({"step_1": {"body": {}}})));
    }

    #[test]
    fn from_json_rejects_wrong_types() {
        assert_eq!(Message::from_json(json!([1])), Err(MessageError::NotAnObject("an array")));
        let err = Message::from_json(json!({"body": "text"})).unwrap_err();
        assert_eq!(err, MessageError::WrongType { field: "body", expected: "an object", got: "a string" });
        assert!(err.to_string().contains("`body`"), "{err}");
        assert!(Message::from_json(json!({"headers": [1]})).is_err());
        assert!(Message::from_json(json!({"id": 7})).is_err());
    }

    #[test]
    fn serializes_without_absent_passthrough() {
        let mut m = Message::new(json!({"a": 1}));
        m.id = "fixed".into();
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"id": "fixed", "body": {"a": 1}, "headers": {}, "attachments": {}, "metadata": {}})
        );
        m.passthrough = Some(json!({"s": 1}));
        assert_eq!(serde_json::to_value(&m).unwrap()["passthrough"], json!({"s": 1}));
    }

    #[test]
    fn the_json_text_is_that_of_the_value_without_one() {
        let mut m = Message::new(json!({"z": 1, "a": {"y": [true, null], "b": "é"}}));
        m.headers.insert("x-h".into(), json!("v"));
        m.metadata.insert("k".into(), json!(2.5));
        for passthrough in [None, Some(json!({"step_1": {"body": {}}}))] {
            m.passthrough = passthrough;
            let text = serde_json::to_string(&MessageJson::of(&m)).unwrap();
            assert_eq!(text, serde_json::to_value(&m).unwrap().to_string());
        }
    }

    #[test]
    fn a_json_message_is_a_new_message_with_its_body_written_once() {
        #[derive(Serialize)]
        struct Out {
            b: u64,
            a: &'static str,
        }
        let m = JsonMessage::new(&Out { b: 12345678901234567890, a: "x" }).unwrap();
        assert!(uuid::Uuid::parse_str(&m.id).is_ok(), "{}", m.id);
        assert_eq!(m.body.get(), r#"{"b":12345678901234567890,"a":"x"}"#, "fields as the type writes them");
        let as_message = m.to_message();
        assert_eq!(as_message.id, m.id);
        assert_eq!(as_message.body, json!({"b": 12345678901234567890u64, "a": "x"}), "numbers kept exact");
        assert!(as_message.headers.is_empty() && as_message.attachments.is_empty());
        let text = serde_json::to_string(&m.json()).unwrap();
        let expected = format!(
            r#"{{"attachments":{{}},"body":{},"headers":{{}},"id":"{}","metadata":{{}}}}"#,
            m.body.get(),
            m.id
        );
        assert_eq!(text, expected);
        assert_ne!(JsonMessage::new(&1).unwrap().id, JsonMessage::new(&1).unwrap().id);
    }

    #[test]
    fn round_trips_through_serde() {
        let m = Message::from_json(json!({"id": "i", "body": {"z": [1, 2]}, "headers": {"a": "b"}})).unwrap();
        let back: Message = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
