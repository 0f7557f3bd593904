//! JSON text to a `Value` with every number literal seen as written.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// JSON text that could not be read: serde_json's error and where in the document it arose.
#[derive(Debug)]
pub struct Error {
    pointer: String,
    source: serde_json::Error,
}

impl Error {
    /// Where the fault is, as a JSON Pointer (RFC 6901); empty for the document as a whole.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// serde_json's error.
    pub fn inner(&self) -> &serde_json::Error {
        &self.source
    }

    /// serde_json's error, owned.
    pub fn into_inner(self) -> serde_json::Error {
        self.source
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.source)
        } else {
            write!(f, "{} (at `{}`)", self.source, self.pointer)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A number literal met by [`parse_with`].
#[derive(Debug)]
pub struct Literal<'a> {
    pointer: &'a str,
    text: &'a str,
    value: &'a Value,
}

impl Literal<'_> {
    /// Where the number stands, as a JSON Pointer (RFC 6901); empty for the root.
    pub fn pointer(&self) -> &str {
        self.pointer
    }

    /// The literal exactly as written, e.g. `24576065432313123456` or `-1.5e3`.
    pub fn text(&self) -> &str {
        self.text
    }

    /// What serde_json reads: an integer within the 64-bit range, else a float.
    pub fn value(&self) -> &Value {
        self.value
    }

    /// Whether the literal is written as an integer (no fraction, no exponent).
    pub fn is_integer(&self) -> bool {
        !self.text.contains(['.', 'e', 'E'])
    }

    /// Whether the literal is an integer outside the 64-bit range (`i64` and `u64`), which a
    /// `Value` holds only as a float that may have lost digits.
    pub fn is_big_integer(&self) -> bool {
        self.is_integer() && self.text.parse::<i64>().is_err() && self.text.parse::<u64>().is_err()
    }
}

/// Reads JSON text into a `Value`, keeping integers of any size exact: one outside the 64-bit
/// range becomes a string of its literal (`24576065432313123456` → `"24576065432313123456"`)
/// instead of a float that has lost digits. Everything else reads as `serde_json::from_str`.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_with(text, |number| number.is_big_integer().then(|| Value::String(number.text().to_string())))
}

/// Reads JSON text into a `Value`, offering each number literal to `on_number`: what it returns
/// stands in the number's place, and `None` keeps serde_json's reading. Object members keep the
/// last of repeated names, as serde_json does.
pub fn parse_with(
    text: &str,
    mut on_number: impl FnMut(&Literal<'_>) -> Option<Value>,
) -> Result<Value, Error> {
    let raw: Box<RawValue> =
        serde_json::from_str(text).map_err(|source| Error { pointer: String::new(), source })?;
    let mut pointer = String::new();
    read(&raw, &mut pointer, 0, &mut on_number)
}

/// The deepest nesting read, as serde_json allows when it reads a `Value`. Unread raw text is not
/// limited by serde_json, and reading it level by level must not run out of stack.
const MAX_DEPTH: usize = 128;

/// Reads one already validated value; `pointer` is its place, restored on return.
fn read(
    raw: &RawValue,
    pointer: &mut String,
    depth: usize,
    on_number: &mut dyn FnMut(&Literal<'_>) -> Option<Value>,
) -> Result<Value, Error> {
    let text = raw.get().trim();
    if depth > MAX_DEPTH {
        let message = format!("nested deeper than {MAX_DEPTH} arrays and objects");
        return Err(fault(pointer, serde::de::Error::custom(message)));
    }
    match text.as_bytes().first() {
        Some(b'{') => {
            let Members(members) = serde_json::from_str(text).map_err(|source| fault(pointer, source))?;
            let mut map = Map::new();
            for (name, value) in members {
                let len = pointer.len();
                push_token(pointer, &name);
                let value = read(&value, pointer, depth + 1, on_number)?;
                pointer.truncate(len);
                map.insert(name, value);
            }
            Ok(Value::Object(map))
        }
        Some(b'[') => {
            let items: Vec<Box<RawValue>> =
                serde_json::from_str(text).map_err(|source| fault(pointer, source))?;
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                out.push(read(item, pointer, depth + 1, on_number)?);
                pointer.truncate(len);
            }
            Ok(Value::Array(out))
        }
        Some(b'-' | b'0'..=b'9') => {
            let value: Value = serde_json::from_str(text).map_err(|source| fault(pointer, source))?;
            let literal = Literal { pointer, text, value: &value };
            Ok(on_number(&literal).unwrap_or(value))
        }
        _ => serde_json::from_str(text).map_err(|source| fault(pointer, source)),
    }
}

fn fault(pointer: &str, source: serde_json::Error) -> Error {
    Error { pointer: pointer.to_string(), source }
}

/// Appends `/name` to a JSON Pointer, escaping `~` and `/` (RFC 6901).
fn push_token(pointer: &mut String, name: &str) {
    pointer.push('/');
    pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
}

/// An object's members in the order written, each value unread.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ABOVE_U64: &str = "24576065432313123456";
    /// 2^53 + 1: the first integer a float cannot hold.
    const ABOVE_FLOAT: &str = "9007199254740993";

    #[test]
    fn integers_above_u64_become_their_digits_and_the_rest_reads_as_serde_does() {
        let text = format!(
            r#"{{"big": {ABOVE_U64}, "neg": -{ABOVE_U64}, "float": {ABOVE_FLOAT}, "max": 18446744073709551615,
                "min": -9223372036854775808, "f": 1.5, "e": 1e3, "s": "x", "n": null, "b": true,
                "list": [{ABOVE_U64}, [{{"deep": {ABOVE_U64}}}]]}}"#
        );
        let value = parse(&text).unwrap();
        assert_eq!(value["big"], json!(ABOVE_U64));
        assert_eq!(value["neg"], json!(format!("-{ABOVE_U64}")));
        assert_eq!(value["float"].as_u64(), Some(9_007_199_254_740_993), "above 2^53 stays an integer");
        assert_eq!(value["max"].as_u64(), Some(u64::MAX));
        assert_eq!(value["min"].as_i64(), Some(i64::MIN));
        assert_eq!(parse("-0").unwrap(), json!(-0.0), "zero is no big integer, though serde reads a float");
        assert_eq!(value["f"], json!(1.5));
        assert_eq!(value["e"], json!(1000.0));
        assert_eq!((&value["s"], &value["n"], &value["b"]), (&json!("x"), &json!(null), &json!(true)));
        assert_eq!(value["list"], json!([ABOVE_U64, [{"deep": ABOVE_U64}]]));
        // Without big integers the result is serde_json's own.
        let plain = r#"{"a": [1, -2, 3.25, "é\n", {"b": {}}], "c": 1.0e-2}"#;
        assert_eq!(parse(plain).unwrap(), serde_json::from_str::<Value>(plain).unwrap());
    }

    #[test]
    fn every_number_is_offered_with_its_place_and_literal() {
        let mut seen = Vec::new();
        let value = parse_with(&format!(r#"{{"a/b": [1, {ABOVE_U64}], "c~": 5.0}}"#), |number| {
            seen.push((number.pointer().to_string(), number.text().to_string(), number.is_big_integer()));
            number.is_big_integer().then(|| json!(0))
        })
        .unwrap();
        assert_eq!(value, json!({"a/b": [1, 0], "c~": 5.0}));
        assert_eq!(
            seen,
            [
                ("/a~1b/0".to_string(), "1".to_string(), false),
                ("/a~1b/1".to_string(), ABOVE_U64.to_string(), true),
                ("/c~0".to_string(), "5.0".to_string(), false),
            ]
        );
        assert!(parse_with("7", |n| {
            assert_eq!(n.pointer(), "");
            None
        })
        .is_ok());
    }

    #[test]
    fn repeated_names_keep_the_last_as_serde_does() {
        assert_eq!(parse(r#"{"a": 1, "a": 2}"#).unwrap(), json!({"a": 2}));
    }

    #[test]
    fn bad_text_is_an_error_with_its_place_not_a_panic() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "nul", "\"\\x\"", "[1] 2", "NaN"] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.pointer(), "", "{bad}: {error}");
        }
        // Valid syntax, but a number beyond any float: found while reading the member.
        let error = parse(r#"{"a": [0, 1e400]}"#).unwrap_err();
        assert_eq!(error.pointer(), "/a/1");
        assert!(error.to_string().contains("(at `/a/1`)"), "{error}");
        // Deep nesting is refused, not a stack overflow; what serde_json reads is read.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse(&deep).unwrap_err();
        assert!(error.to_string().contains("nested deeper than 128"), "{error}");
        let deep = format!(r#"{}{{"a":1}}{}"#, "[".repeat(120), "]".repeat(120));
        assert_eq!(parse(&deep).unwrap(), serde_json::from_str::<Value>(&deep).unwrap());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn digits() -> impl Strategy<Value = String> {
        ("[1-9][0-9]{0,60}", any::<bool>()).prop_map(|(d, neg)| if neg { format!("-{d}") } else { d })
    }

    proptest! {
        #[test]
        fn integers_of_any_size_keep_every_digit(numbers in prop::collection::vec(digits(), 1..8)) {
            let text = format!("{{\"k\": [{}]}}", numbers.join(", "));
            let value = parse(&text).unwrap();
            let read: Vec<String> = value["k"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            prop_assert_eq!(read, numbers);
        }

        #[test]
        fn any_text_reads_exactly_when_serde_json_reads_it(text in "[\\[\\]{}\":,0-9eE.+ -]{0,24}|.{0,24}") {
            prop_assert_eq!(parse(&text).is_ok(), serde_json::from_str::<Value>(&text).is_ok());
        }
    }
}
