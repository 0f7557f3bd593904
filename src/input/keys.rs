//! Keys from text, for what reads a step configuration or a trigger option itself (select models,
//! triggers, dynamic metadata) rather than through [`parse_input`](super::parse_input).

use gotowebinar::keys::WebinarKey;

use crate::errors::ComponentError;

/// Reads a GoTo key from text, naming the field when it is not a key.
pub fn key<K>(
    field: &str,
    text: &str,
    parse: fn(&str) -> gotowebinar::Result<K>,
) -> Result<K, ComponentError> {
    let trimmed = text.trim();
    if trimmed.len() > super::MAX_KEY_DIGITS {
        return Err(ComponentError::input(format!(
            "`{field}` must be a GoTo key of at most {} digits, got {} characters ({})",
            super::MAX_KEY_DIGITS,
            trimmed.chars().count(),
            super::quoted(trimmed)
        )));
    }
    parse(trimmed).map_err(|_| {
        ComponentError::input(format!(
            "`{field}` must be a GoTo key (digits only, such as 8475948563), got {}",
            super::quoted(text)
        ))
    })
}

/// The `webinarKey` of a step configuration or a trigger option as a key.
pub fn webinar_key(text: &str) -> Result<WebinarKey, ComponentError> {
    key("webinarKey", text, |t| WebinarKey::new(t))
}

/// A key-like value of `cfg` as text: a non-empty string or a number.
pub fn key_in(cfg: &serde_json::Value, name: &str) -> Option<String> {
    match cfg.get(name)? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
