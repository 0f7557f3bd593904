//! What each field may hold: GoTo's limits by field name, and the size of a whole message.

use serde_json::Value;

use super::error::{quoted, InputError};

/// The most digits a GoTo key may have (GoTo's keys have about 20).
pub const MAX_KEY_DIGITS: usize = 32;

/// The largest message body an action reads, in bytes of JSON.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The longest text of a field [`FIELD_SHAPES`] does not name, in characters.
pub const DEFAULT_TEXT_CHARS: usize = 2048;

/// What a field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A GoTo key: decimal digits, at most [`MAX_KEY_DIGITS`].
    Key,
    /// An opaque id (letters, digits, `-`, `_`), at most 128 characters.
    Id,
    /// Text of at most this many characters.
    Text(usize),
}

/// GoTo's limits by field name, wherever the field appears (top level or inside a list). The
/// OpenAPI document declares no `maxLength`: the text limits come from its descriptions
/// (subject 128, description 2048) and from the registration form's `maxSize` (standard fields at
/// most 128, custom answers at most 1000). Any other text field is at most [`DEFAULT_TEXT_CHARS`].
pub const FIELD_SHAPES: &[(&str, Shape)] = &[
    ("webinarKey", Shape::Key),
    ("registrantKey", Shape::Key),
    ("sessionKey", Shape::Key),
    ("organizerKey", Shape::Key),
    ("accountKey", Shape::Key),
    ("panelistKey", Shape::Key),
    ("coorganizerKey", Shape::Key),
    ("questionKey", Shape::Key),
    ("answerKey", Shape::Key),
    ("recordingAssetKey", Shape::Id),
    ("subject", Shape::Text(128)),
    ("description", Shape::Text(2048)),
    ("firstName", Shape::Text(128)),
    ("lastName", Shape::Text(128)),
    ("email", Shape::Text(128)),
    ("address", Shape::Text(128)),
    ("city", Shape::Text(128)),
    ("state", Shape::Text(128)),
    ("zipCode", Shape::Text(128)),
    ("country", Shape::Text(128)),
    ("phone", Shape::Text(128)),
    ("organization", Shape::Text(128)),
    ("jobTitle", Shape::Text(128)),
    ("industry", Shape::Text(128)),
    ("numberOfEmployees", Shape::Text(128)),
    ("purchasingTimeFrame", Shape::Text(128)),
    ("purchasingRole", Shape::Text(128)),
    ("questionsAndComments", Shape::Text(1000)),
    ("responseText", Shape::Text(1000)),
    ("name", Shape::Text(128)),
    ("givenName", Shape::Text(128)),
    ("pattern", Shape::Text(128)),
    ("timeZone", Shape::Text(64)),
    ("locale", Shape::Text(16)),
];

/// The shape of the field `name`.
pub fn shape_of(name: &str) -> Shape {
    FIELD_SHAPES
        .iter()
        .find(|(field, _)| *field == name)
        .map(|(_, shape)| *shape)
        .unwrap_or(Shape::Text(DEFAULT_TEXT_CHARS))
}

/// The field name at the end of an input path (`coorganizers[0].organizerKey` → `organizerKey`).
pub(super) fn leaf(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

/// Checks text against the shape of the field at `path`.
pub fn check_shape(path: &str, text: &str) -> Result<(), InputError> {
    match shape_of(leaf(path)) {
        Shape::Key => {
            let digits = text.trim();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InputError::field(
                    path,
                    format!("must be a GoTo key (digits only, such as 8475948563), got {}", quoted(text)),
                ));
            }
            if digits.len() > MAX_KEY_DIGITS {
                return Err(InputError::field(
                    path,
                    format!(
                        "must be a GoTo key of at most {MAX_KEY_DIGITS} digits, got {} digits ({})",
                        digits.len(),
                        quoted(digits)
                    ),
                ));
            }
        }
        Shape::Id => {
            let id = text.trim();
            if id.chars().count() > 128
                || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(InputError::field(
                    path,
                    format!("must be an id of at most 128 letters, digits and dashes, got {}", quoted(text)),
                ));
            }
        }
        Shape::Text(max) => {
            let count = text.chars().count();
            if count > max {
                return Err(InputError::field(
                    path,
                    format!(
                        "is {count} characters long; GoTo takes at most {max} (it starts {})",
                        quoted(text)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Counts the bytes a value takes as JSON, stopping early once past `limit`.
fn json_size_over(value: &Value, limit: usize) -> Option<usize> {
    struct Counter {
        count: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.count += buf.len();
            if self.count > self.limit {
                return Err(std::io::Error::other("over the limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { count: 0, limit };
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => None,
        Err(_) => Some(counter.count),
    }
}

/// Refuses a message body larger than [`MAX_MESSAGE_BYTES`].
pub fn check_message_size(body: &Value) -> Result<(), InputError> {
    match json_size_over(body, MAX_MESSAGE_BYTES) {
        None => Ok(()),
        Some(_) => Err(InputError(format!(
            "the message body is larger than {MAX_MESSAGE_BYTES} bytes of JSON: send less data per \
             message (GoTo takes far less in one request)"
        ))),
    }
}
