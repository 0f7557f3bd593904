//! JSON helpers: keys written as JSON numbers of any size, keys read from numbers or strings, times.
//!
//! `serde_json::Value` cannot hold an integer above `u64::MAX` without the `arbitrary_precision`
//! feature, which would change number handling for every crate in the workspace. Responses are
//! therefore built as `Value`s in which a key is a string tagged with a private-use marker, and
//! [`to_text`] writes tagged strings as raw number text ([`jsonkit::serialize_integer`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonkit::Scalar;
use serde::de::Error as _;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub use jsonkit::is_digits;
/// Parses an ISO-8601 time with an offset (`Z` or `±hh:mm`).
pub use jsonkit::time::parse_rfc3339 as parse_time;
/// A time as GoTo writes it: ISO-8601 UTC with seconds, e.g. `2026-03-13T10:00:00Z`.
pub use jsonkit::time::rfc3339 as fmt_time;

const MARK: char = '\u{E000}';

/// A key to be written as a JSON number.
pub fn num(key: &str) -> Value {
    Value::String(format!("{MARK}{key}"))
}

struct Out<'a>(&'a Value);

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(text) => match text.strip_prefix(MARK) {
                Some(digits) if is_digits(digits) => jsonkit::serialize_integer(digits, s),
                _ => s.serialize_str(text),
            },
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Out(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut out = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    out.serialize_entry(k, &Out(v))?;
                }
                out.end()
            }
            other => other.serialize(s),
        }
    }
}

/// The JSON text of `value`, tagged keys written as numbers.
pub fn to_text(value: &Value) -> String {
    serde_json::to_string(&Out(value)).unwrap_or_default()
}

/// A JSON response with the given status.
pub fn respond(status: StatusCode, value: &Value) -> Response {
    let mut resp = (status, to_text(value)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A key read from a JSON number (of any size) or a JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyText(pub String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::String(text) => Ok(KeyText(text)),
            Scalar::Number(text) if is_digits(&text) => Ok(KeyText(text)),
            _ => Err(D::Error::custom("a key must be an integer or a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_keys_become_numbers_of_any_size() {
        let v = serde_json::json!({"a": num("24576065432313123456"), "b": "x", "c": [num("1")]});
        assert_eq!(to_text(&v), r#"{"a":24576065432313123456,"b":"x","c":[1]}"#);
    }

    #[test]
    fn keys_read_from_numbers_and_strings() {
        let v: Vec<KeyText> = serde_json::from_str(r#"[24576065432313123456, "77"]"#).unwrap();
        assert_eq!(v, vec![KeyText("24576065432313123456".into()), KeyText("77".into())]);
        assert!(serde_json::from_str::<KeyText>("1.5").is_err());
    }
}
