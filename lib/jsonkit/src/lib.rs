//! Exact JSON for the workspace: integers of any size kept digit for digit, times in RFC 3339,
//! and the short quotes error messages make of values (with [`text::escape_html`] for values
//! shown in HTML pages).
//!
//! `serde_json::Value` holds integers only up to the 64-bit range unless serde_json's
//! `arbitrary_precision` feature is on, which would change number handling for every crate that
//! links serde_json. Integers beyond it (identifiers of external services often are) would turn
//! into floats and lose digits. This crate keeps them exact through serde_json's public
//! [`RawValue`](serde_json::value::RawValue) alone:
//!
//! - [`parse`] and [`parse_with`] read JSON text into a `Value`, handing every number literal to
//!   the caller as written;
//! - [`Scalar`] reads one value as its text (a number literal as written, or a string);
//! - [`serialize_integer`] writes a string of digits as a bare JSON integer of any size.

mod exact;
mod integer;
pub mod text;
pub mod time;

pub use exact::{parse, parse_with, Error, Literal};
pub use integer::{is_digits, serialize_integer, Scalar};

use serde_json::Value;

/// The JSON type of `value` as messages name it: `null`, `a boolean`, `a number`, `a string`,
/// `an array` or `an object`.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_are_named_with_their_article() {
        let named: Vec<&str> = [json!(null), json!(true), json!(1.5), json!("x"), json!([]), json!({})]
            .iter()
            .map(kind)
            .collect();
        assert_eq!(named, ["null", "a boolean", "a number", "a string", "an array", "an object"]);
    }
}
