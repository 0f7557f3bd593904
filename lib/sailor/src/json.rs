//! JSON decoding that keeps long integers exact.
//!
//! The platform and the services behind it send ids such as `24576065432313123456` as JSON
//! numbers. Decoders that read numbers as `f64` (JavaScript, and `serde_json` for anything beyond
//! `u64`) silently round such values. [`parse_json_lossless`] turns every integer literal with more
//! than 15 digits into a JSON **string** before parsing, so those values arrive as strings holding
//! the exact digits. Shorter integers, floats and exponents are parsed as numbers, unchanged.

use serde_json::Value;

/// Integers with more digits than this may not survive a trip through an `f64`.
pub const MAX_EXACT_DIGITS: usize = 15;

/// Parses JSON, turning integer literals longer than 15 digits (outside strings) into strings.
///
/// `{"key": 24576065432313123456}` parses as `{"key": "24576065432313123456"}`; a negative value
/// keeps its sign inside the string. Strings, floats (`1.5`, `1e30`) and shorter integers are
/// untouched.
pub fn parse_json_lossless(text: &[u8]) -> Result<Value, serde_json::Error> {
    match quote_long_integers(text) {
        Some(rewritten) => serde_json::from_slice(&rewritten),
        None => serde_json::from_slice(text),
    }
}

/// The text with long integer literals quoted, or `None` when there is nothing to rewrite.
fn quote_long_integers(text: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    let mut in_string = false;
    while i < text.len() {
        let b = text[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                // Outside strings a digit or minus can only start a number.
                let start = i;
                i += 1;
                while i < text.len() && matches!(text[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let literal = &text[start..i];
                let is_integer = !literal.iter().any(|c| matches!(c, b'.' | b'e' | b'E' | b'+'))
                    && !literal[1..].contains(&b'-');
                let digits = literal.iter().filter(|c| c.is_ascii_digit()).count();
                if is_integer && digits > MAX_EXACT_DIGITS {
                    let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len() + 16));
                    buf.extend_from_slice(&text[copied..start]);
                    buf.push(b'"');
                    buf.extend_from_slice(literal);
                    buf.push(b'"');
                    copied = i;
                }
            }
            _ => i += 1,
        }
    }
    let mut buf = out?;
    buf.extend_from_slice(&text[copied.min(text.len())..]);
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BIG: &str = "24576065432313123456";

    fn parse(text: &str) -> Value {
        parse_json_lossless(text.as_bytes()).unwrap()
    }

    #[test]
    fn long_integers_become_strings_everywhere() {
        assert_eq!(parse(BIG), json!(BIG));
        assert_eq!(parse(&format!("[{BIG}, 1, {BIG}]")), json!([BIG, 1, BIG]));
        assert_eq!(parse(&format!(r#"{{"webinarKey":{BIG}}}"#)), json!({"webinarKey": BIG}));
        assert_eq!(
            parse(&format!(r#"{{"a":{{"b":[{{"c": {BIG} }}]}},"d":-{BIG}}}"#)),
            json!({"a": {"b": [{"c": BIG}]}, "d": format!("-{BIG}")})
        );
        // 16 digits: rewritten; 15 digits: still a number.
        assert_eq!(parse("[1234567890123456]"), json!(["1234567890123456"]));
        assert_eq!(parse("[123456789012345]"), json!([123456789012345u64]));
        assert_eq!(parse("[-123456789012345]"), json!([-123456789012345i64]));
    }

    #[test]
    fn strings_floats_and_exponents_are_untouched() {
        let text = format!(
            r#"{{"s":"{BIG}","q":"say \"{BIG}\" \\","f":1234567890.1234567890,"e":12345678901234567e3,"x":1E+300,"n":null,"t":true}}"#
        );
        let v = parse(&text);
        assert_eq!(v["s"], json!(BIG));
        assert_eq!(v["q"], json!(format!("say \"{BIG}\" \\")));
        assert!(v["f"].is_f64(), "{}", v["f"]);
        assert!(v["e"].is_f64(), "{}", v["e"]);
        assert_eq!(v["x"], json!(1e300));
        assert_eq!(v["n"], Value::Null);
        assert_eq!(v["t"], json!(true));
        // Nothing to rewrite: parsed as is.
        assert_eq!(parse(r#"{"a":[1,2.5,"3"]}"#), json!({"a": [1, 2.5, "3"]}));
    }

    #[test]
    fn keys_with_digits_and_invalid_json() {
        assert_eq!(parse(&format!(r#"{{"{BIG}":{BIG}}}"#)), json!({BIG: BIG}));
        assert!(parse_json_lossless(b"{\"a\":").is_err());
        assert!(parse_json_lossless(b"not json").is_err());
        assert!(parse_json_lossless(b"").is_err());
        // An unterminated string with a trailing backslash must not panic.
        assert!(parse_json_lossless(b"\"abc\\").is_err());
    }
}
