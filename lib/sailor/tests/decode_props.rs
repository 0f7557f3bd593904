//! Property tests for message decoding: whatever bytes arrive from the broker, decoding answers
//! a message or an error, never a panic; well-formed messages survive the round trip.

use proptest::prelude::*;
use sailor::json::parse_json_lossless;
use sailor::message::decode_payload;
use sailor::{Message, MessageCrypto};
use serde_json::{Map, Value};

fn crypto() -> MessageCrypto {
    MessageCrypto::new(Some("a test password"), Some("0123456789abcdef")).unwrap()
}

fn plain() -> MessageCrypto {
    MessageCrypto::new(None, None).unwrap()
}

/// Strings with control characters, combining marks, bidi controls, emoji and quotes.
fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\"\\\\\u{200b}-\u{200f}\u{202a}-\u{202e}\u{301}\u{fe0f}\u{1f600}-\u{1f64f}a-z0-9]{0,40}",
    ]
}

/// JSON values whose integers stay exact through the lossless parser (at most 15 digits).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-999_999_999_999_999i64..=999_999_999_999_999).prop_map(Value::from),
        odd_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(odd_text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// JSON text, mostly valid, sometimes cut short or with a byte changed.
fn json_bytes() -> impl Strategy<Value = Vec<u8>> {
    (json_value(), any::<usize>(), any::<u8>(), 0..3u8).prop_map(|(value, at, byte, damage)| {
        let mut bytes = serde_json::to_vec(&value).unwrap();
        let at = at % (bytes.len() + 1);
        match damage {
            0 => {}
            1 => bytes.truncate(at),
            _ => {
                if at < bytes.len() {
                    bytes[at] = byte;
                }
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512), version in 0u8..4) {
        let _ = decode_payload(&plain(), &data, version);
        let _ = decode_payload(&crypto(), &data, version);
    }

    #[test]
    fn damaged_json_never_panics_and_errors_say_why(data in json_bytes(), version in 0u8..4) {
        if let Err(reason) = decode_payload(&plain(), &data, version) {
            prop_assert!(!reason.is_empty());
        }
        let encrypted = crypto().encrypt(&data, version);
        if let Err(reason) = decode_payload(&crypto(), &encrypted, version) {
            prop_assert!(!reason.is_empty());
        }
    }

    #[test]
    fn the_lossless_parser_accepts_exactly_what_json_accepts(text in prop_oneof![
        json_bytes(),
        prop::collection::vec(prop_oneof![Just(b'-'), Just(b'1'), Just(b'9'), Just(b'"'), Just(b'\\'), Just(b'e'), Just(b'.'), Just(b'['), Just(b','), Just(b' ')], 0..64),
        "[-0-9]{14,40}".prop_map(String::into_bytes),
    ]) {
        let strict = serde_json::from_slice::<Value>(&text).is_ok();
        let lossless = parse_json_lossless(&text).is_ok();
        prop_assert_eq!(strict, lossless, "{:?}", String::from_utf8_lossy(&text));
    }

    #[test]
    fn messages_survive_encryption_and_decoding(body in json_value(), headers in json_value(), version in 0u8..4) {
        let mut json = serde_json::json!({"id": "m-1", "body": {"value": body}});
        if let Value::Object(headers) = headers {
            json["headers"] = Value::Object(headers);
        }
        let expected = Message::from_json(json.clone()).unwrap();
        for crypto in [plain(), crypto()] {
            let payload = crypto.encrypt_json(&json, version);
            let (decoded, _) = decode_payload(&crypto, &payload, version).unwrap();
            prop_assert_eq!(&decoded, &expected);
        }
    }
}

#[test]
fn huge_and_deeply_nested_payloads_are_errors_not_crashes() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(decode_payload(&plain(), deep.as_bytes(), 2).is_err(), "nesting beyond serde's limit is refused");
    let long = format!(r#"{{"body":{{"text":"{}"}}}}"#, "é".repeat(2_000_000));
    let (msg, _) = decode_payload(&plain(), long.as_bytes(), 2).unwrap();
    assert_eq!(msg.body["text"].as_str().unwrap().chars().count(), 2_000_000);
    let digits = format!(r#"{{"body":{{"key":{}}}}}"#, "9".repeat(10_000));
    let (msg, _) = decode_payload(&plain(), digits.as_bytes(), 2).unwrap();
    assert_eq!(msg.body["key"].as_str().unwrap().len(), 10_000, "a long integer arrives as its digits");
}
