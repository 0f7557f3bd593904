//! Small pieces every action uses: keys from input text, and the standard step fields.

use gotowebinar::keys::{RegistrantKey, SessionKey, WebinarKey};

use crate::errors::ComponentError;
use crate::spec::Field;

/// Reads a GoTo key from input text, naming the field when it is not a key.
pub fn key<K>(
    field: &str,
    text: &str,
    parse: fn(&str) -> gotowebinar::Result<K>,
) -> Result<K, ComponentError> {
    let trimmed = text.trim();
    if trimmed.len() > crate::input::MAX_KEY_DIGITS {
        return Err(ComponentError::input(format!(
            "`{field}` must be a GoTo key of at most {} digits, got {} characters ({})",
            crate::input::MAX_KEY_DIGITS,
            trimmed.chars().count(),
            crate::input::quoted(trimmed)
        )));
    }
    parse(trimmed).map_err(|_| {
        ComponentError::input(format!(
            "`{field}` must be a GoTo key (digits only, such as 8475948563), got {}",
            crate::input::quoted(text)
        ))
    })
}

/// The `webinarKey` input as a key.
pub fn webinar_key(text: &str) -> Result<WebinarKey, ComponentError> {
    key("webinarKey", text, |t| WebinarKey::new(t))
}

/// The `registrantKey` input as a key.
pub fn registrant_key(text: &str) -> Result<RegistrantKey, ComponentError> {
    key("registrantKey", text, |t| RegistrantKey::new(t))
}

/// The `sessionKey` input as a key.
pub fn session_key(text: &str) -> Result<SessionKey, ComponentError> {
    key("sessionKey", text, |t| SessionKey::new(t))
}

/// The step field that picks a webinar (the message may carry `webinarKey` instead).
pub fn webinar_field() -> Field {
    Field::select_from("webinarKey", "Webinar", "selectWebinars")
        .note("The webinar to use; a `webinarKey` in the incoming message takes precedence")
}

/// The step field that picks a session of the step's webinar (the message may carry
/// `sessionKey` instead).
pub fn session_field() -> Field {
    Field::select_from("sessionKey", "Session", "selectSessions")
        .note("A held session of the chosen webinar; a `sessionKey` in the incoming message takes precedence")
}

/// Formats a time as the outputs carry it: ISO 8601, UTC, whole seconds.
pub fn time_text(time: chrono::DateTime<chrono::Utc>) -> String {
    gotowebinar::rfc3339(time)
}

/// A key-like value of `cfg` as text: a non-empty string or a number.
pub fn key_in(cfg: &serde_json::Value, name: &str) -> Option<String> {
    match cfg.get(name)? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
