//! Integers of any size as JSON numbers: written from their digits, read as their literal.

use std::fmt;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Whether `text` is a non-empty run of the ASCII digits 0-9.
pub fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Writes `digits` as a bare JSON integer of any size, never through a float (leading zeros are
/// dropped: JSON has none). Use in a `Serialize` impl or with `#[serde(serialize_with)]`. With
/// serde_json the digits go out verbatim; other serializers see a newtype struct holding them.
pub fn serialize_integer<S: Serializer>(digits: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if !is_digits(digits) {
        let shown: String = digits.chars().take(40).collect();
        return Err(S::Error::custom(format!("{shown:?} is not a whole number")));
    }
    let trimmed = digits.trim_start_matches('0');
    let text = if trimmed.is_empty() { "0" } else { trimmed };
    let raw = RawValue::from_string(text.to_string()).map_err(S::Error::custom)?;
    raw.serialize(serializer)
}

/// One JSON value read for its text: how identifiers sent as numbers of any size, or as strings,
/// are read without a float in between. Reading needs a serde_json deserializer (JSON text, a
/// reader or a `Value`); others are refused with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    /// A number literal exactly as written, e.g. `24576065432313123456` or `1.5`.
    Number(String),
    /// A string's content.
    String(String),
    /// Anything else (`true`, `null`, an array or an object), as its JSON text.
    Other(String),
}

impl Scalar {
    /// The number's literal or the string's content; `None` for anything else.
    pub fn text(&self) -> Option<&str> {
        match self {
            Scalar::Number(text) | Scalar::String(text) => Some(text),
            Scalar::Other(_) => None,
        }
    }
}

impl fmt::Display for Scalar {
    /// The value as JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Number(text) | Scalar::Other(text) => f.write_str(text),
            Scalar::String(text) => write!(f, "{}", serde_json::Value::from(text.as_str())),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        Ok(match text.as_bytes().first() {
            Some(b'"') => Scalar::String(serde_json::from_str(text).map_err(D::Error::custom)?),
            Some(b'-' | b'0'..=b'9') => Scalar::Number(text.to_string()),
            _ => Scalar::Other(text.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ABOVE_U64: &str = "24576065432313123456";

    struct Int(&'static str);

    impl Serialize for Int {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize_integer(self.0, serializer)
        }
    }

    #[test]
    fn digits_are_written_as_bare_integers_of_any_size() {
        let huge = "9".repeat(80);
        let ints = [Int(ABOVE_U64), Int("9007199254740993"), Int("007"), Int("0"), Int("000")];
        assert_eq!(serde_json::to_string(&ints).unwrap(), format!("[{ABOVE_U64},9007199254740993,7,0,0]"),);
        let text = serde_json::to_string(&json!({"k": serde_json::to_value(Int("5")).unwrap()})).unwrap();
        assert_eq!(text, r#"{"k":5}"#);
        let mut out = Vec::new();
        serialize_integer(&huge, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), huge);
    }

    #[test]
    fn what_is_not_digits_is_an_error_not_a_panic() {
        for bad in ["", "-1", "1.5", "1e3", " 1", "١٢", "12a"] {
            let error = serde_json::to_string(&Int(bad)).unwrap_err().to_string();
            assert!(error.contains("is not a whole number"), "{bad}: {error}");
        }
    }

    #[test]
    fn values_are_read_as_their_text() {
        let read: Vec<Scalar> =
            serde_json::from_str(&format!(r#"[{ABOVE_U64}, -1.5e3, "7\n", true, null, [1], {{"a": 1}}]"#))
                .unwrap();
        assert_eq!(
            read,
            [
                Scalar::Number(ABOVE_U64.into()),
                Scalar::Number("-1.5e3".into()),
                Scalar::String("7\n".into()),
                Scalar::Other("true".into()),
                Scalar::Other("null".into()),
                Scalar::Other("[1]".into()),
                Scalar::Other(r#"{"a": 1}"#.into()),
            ]
        );
        assert_eq!(read[0].text(), Some(ABOVE_U64));
        assert_eq!(read[2].text(), Some("7\n"));
        assert_eq!(read[3].text(), None);
        assert_eq!(read[2].to_string(), r#""7\n""#);
        // From a reader and from a `Value` too.
        let from_reader: Scalar = serde_json::from_reader(ABOVE_U64.as_bytes()).unwrap();
        assert_eq!(from_reader, Scalar::Number(ABOVE_U64.into()));
        let from_value: Scalar = serde_json::from_value(json!(18446744073709551615u64)).unwrap();
        assert_eq!(from_value, Scalar::Number("18446744073709551615".into()));
        let float: Scalar = serde_json::from_value(json!(2.5)).unwrap();
        assert_eq!(float, Scalar::Number("2.5".into()));
    }
}
