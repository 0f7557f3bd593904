//! What a function emits while it runs.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::message::{JsonMessage, Message, MessageJson};

/// One event a function emits; the runtime turns each into its platform effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A message for the next step.
    Data(Message),
    /// A message for the next step whose body is serialized already (see [`JsonMessage`]);
    /// the same on the wire as `Data`.
    DataJson(JsonMessage),
    /// The function failed for this message.
    Error(ErrorInfo),
    /// Retry this message later.
    Rebound {
        /// Why the message is retried.
        reason: String,
    },
    /// Replace the step's snapshot.
    Snapshot(Value),
    /// Shallow-merge into the step's snapshot.
    UpdateSnapshot(Value),
    /// Persist new credential keys for the step's account.
    UpdateKeys(Value),
    /// Answer the HTTP request that delivered the message (webhooks).
    HttpReply(HttpReply),
    /// Processing of the message is finished.
    End,
}

impl Event {
    /// The event's name on the wire (`data`, `error`, `rebound`, `snapshot`, `updateSnapshot`,
    /// `updateKeys`, `httpReply`, `end`).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Data(_) | Event::DataJson(_) => "data",
            Event::Error(_) => "error",
            Event::Rebound { .. } => "rebound",
            Event::Snapshot(_) => "snapshot",
            Event::UpdateSnapshot(_) => "updateSnapshot",
            Event::UpdateKeys(_) => "updateKeys",
            Event::HttpReply(_) => "httpReply",
            Event::End => "end",
        }
    }

    /// [`Event::to_json`] as text, without copying a data message's body first (the local runner
    /// writes one line per item, so a copy per line was most of its cost on big lists).
    pub fn to_line(&self) -> String {
        match self {
            Event::Data(m) => {
                #[derive(Serialize)]
                struct DataLine<'a> {
                    event: &'static str,
                    message: MessageJson<'a, Value>,
                }
                let line = DataLine { event: self.name(), message: MessageJson::of(m) };
                serde_json::to_string(&line).unwrap_or_else(|_| self.to_json().to_string())
            }
            Event::DataJson(m) => {
                #[derive(Serialize)]
                struct DataLine<'a> {
                    event: &'static str,
                    message: MessageJson<'a, RawValue>,
                }
                let line = DataLine { event: self.name(), message: m.json() };
                serde_json::to_string(&line).unwrap_or_else(|_| self.to_json().to_string())
            }
            _ => self.to_json().to_string(),
        }
    }

    /// The event as one JSON object `{"event": <name>, …}`, the local runner's line format:
    /// `data` → `message`, `error` → `error`, `rebound` → `reason`, `snapshot`/`updateSnapshot` →
    /// `snapshot`, `updateKeys` → `keys`, `httpReply` → `reply`.
    pub fn to_json(&self) -> Value {
        let name = self.name();
        match self {
            Event::Data(m) => json!({"event": name, "message": m}),
            Event::DataJson(m) => json!({"event": name, "message": m.to_message()}),
            Event::Error(e) => json!({"event": name, "error": e}),
            Event::Rebound { reason } => json!({"event": name, "reason": reason}),
            Event::Snapshot(s) | Event::UpdateSnapshot(s) => json!({"event": name, "snapshot": s}),
            Event::UpdateKeys(k) => json!({"event": name, "keys": k}),
            Event::HttpReply(r) => json!({"event": name, "reply": r}),
            Event::End => json!({"event": name}),
        }
    }
}

/// An error as the platform reports it: `{name, message, stack?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Error class, e.g. `ValidationError`.
    pub name: String,
    /// What went wrong, for a person to read.
    pub message: String,
    /// Optional detail (the platform's stack trace field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

impl ErrorInfo {
    /// An error without a stack.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo { name: name.into(), message: message.into(), stack: None }
    }
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// The reply to an HTTP request that delivered a message: `{statusCode, body, headers}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpReply {
    /// HTTP status code.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// Response body (a JSON value; a string is sent as text).
    #[serde(default)]
    pub body: Value,
    /// Response headers.
    #[serde(default)]
    pub headers: Map<String, Value>,
}

impl HttpReply {
    /// A reply with the given status, no body and no headers.
    pub fn status(status_code: u16) -> Self {
        HttpReply { status_code, body: Value::Null, headers: Map::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_line_is_the_text_of_its_json() {
        let mut m = Message::new(json!({"b": [1, {"z": null, "a": "x"}], "a": "é\n"}));
        m.headers.insert("h".into(), json!(1));
        m.metadata.insert("m".into(), json!(true));
        for passthrough in [None, Some(json!({"step_1": {"body": {}}}))] {
            m.passthrough = passthrough;
            let event = Event::Data(m.clone());
            assert_eq!(event.to_line(), event.to_json().to_string());
        }
        let end = Event::End;
        assert_eq!(end.to_line(), end.to_json().to_string());
        // A body written once: the same line as the message with that body as a `Value`.
        let json_message = JsonMessage::new(&json!({"b": [1, {"z": null}], "a": "é\n"})).unwrap();
        let event = Event::DataJson(json_message.clone());
        assert_eq!(event.name(), "data");
        assert_eq!(event.to_line(), Event::Data(json_message.to_message()).to_line());
        assert_eq!(event.to_line(), event.to_json().to_string());
    }

    #[test]
    fn event_lines_have_the_documented_shapes() {
        let mut m = Message::new(json!({"a": 1}));
        m.id = "id-1".into();
        assert_eq!(
            Event::Data(m).to_json(),
            json!({"event": "data", "message": {"id": "id-1", "body": {"a": 1}, "headers": {},
                "attachments": {}, "metadata": {}}})
        );
        assert_eq!(
            Event::Error(ErrorInfo::new("Boom", "it broke")).to_json(),
            json!({"event": "error", "error": {"name": "Boom", "message": "it broke"}})
        );
        let with_stack = ErrorInfo { stack: Some("at x".into()), ..ErrorInfo::new("E", "m") };
        assert_eq!(Event::Error(with_stack).to_json()["error"]["stack"], json!("at x"));
        assert_eq!(
            Event::Rebound { reason: "busy".into() }.to_json(),
            json!({"event": "rebound", "reason": "busy"})
        );
        assert_eq!(
            Event::Snapshot(json!({"c": 1})).to_json(),
            json!({"event": "snapshot", "snapshot": {"c": 1}})
        );
        assert_eq!(
            Event::UpdateSnapshot(json!({"c": 2})).to_json(),
            json!({"event": "updateSnapshot", "snapshot": {"c": 2}})
        );
        assert_eq!(
            Event::UpdateKeys(json!({"oauth": {"access_token": "t"}})).to_json(),
            json!({"event": "updateKeys", "keys": {"oauth": {"access_token": "t"}}})
        );
        let mut reply = HttpReply::status(200);
        reply.headers.insert("content-type".into(), json!("text/plain"));
        reply.body = json!("ok");
        assert_eq!(
            Event::HttpReply(reply).to_json(),
            json!({"event": "httpReply", "reply": {"statusCode": 200, "body": "ok",
                "headers": {"content-type": "text/plain"}}})
        );
        assert_eq!(Event::End.to_json(), json!({"event": "end"}));
    }

    #[test]
    fn http_reply_reads_platform_shape() {
        let r: HttpReply = serde_json::from_value(json!({"statusCode": 204})).unwrap();
        assert_eq!(r, HttpReply::status(204));
    }
}
