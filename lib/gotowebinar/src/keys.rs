//! Key newtypes: GoTo's identifiers, kept as decimal strings of any length.
//!
//! GoTo sends keys as JSON numbers that are often above 2^53 and sometimes above 2^64, and as
//! strings in some responses. A key read through a float is silently corrupted, and the next call
//! with it answers 404. Keys here are therefore read from the number's literal text
//! ([`jsonkit::Scalar`]), which needs serde_json's deserializer (`from_slice`, `from_str`,
//! `from_reader`, and `serde_json::Value`); a number with a fraction or exponent is refused
//! instead of being guessed.
//!
//! Keys always serialize as JSON strings ([`as_integer`] writes one as a JSON integer).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use jsonkit::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// Keys GoTo writes as opaque ids (UUIDs) rather than numbers.
const OPAQUE_KEYS: [&str; 2] = ["webhookKey", "userSubscriptionKey"];

/// Checks that `text` is a key: one or more ASCII digits (for webhook and subscription keys: letters,
/// digits and `-`/`_`, as in a UUID). Returns a message naming the problem.
fn check_digits(kind: &str, text: &str) -> std::result::Result<(), String> {
    if text.is_empty() {
        return Err(format!("{kind} must not be empty"));
    }
    if OPAQUE_KEYS.contains(&kind) {
        if text.len() > 128 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            let shown: String = text.chars().take(40).collect();
            return Err(format!("{kind} must be an id of letters, digits and dashes, got {shown:?}"));
        }
        return Ok(());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = text.chars().take(40).collect();
        return Err(format!("{kind} must contain only the digits 0-9, got {shown:?}"));
    }
    Ok(())
}

/// Turns a key as JSON carries it (a number literal or a string) into its digits.
fn digits_of(kind: &str, scalar: Scalar) -> std::result::Result<String, String> {
    let text = match scalar {
        Scalar::String(text) => text.trim().to_string(),
        Scalar::Number(text) | Scalar::Other(text) => text,
    };
    check_digits(kind, &text)?;
    Ok(text)
}

macro_rules! key_type {
    ($(#[doc = $doc:literal] $name:ident => $label:literal;)+) => {$(
        #[doc = $doc]
        ///
        /// A decimal string of any length; reads a JSON number or string, writes a JSON string.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// What this key is called in messages.
            pub const LABEL: &'static str = $label;

            /// Parses a key from its digits (surrounding whitespace is ignored).
            pub fn new(value: impl AsRef<str>) -> Result<Self> {
                let text = value.as_ref().trim();
                check_digits($label, text).map_err(Error::InvalidInput)?;
                Ok(Self(text.to_string()))
            }

            /// The digits.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The digits, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                Self(v.to_string())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let scalar = Scalar::deserialize(deserializer)?;
                digits_of($label, scalar).map(Self).map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                if OPAQUE_KEYS.contains(&$label) {
                    schemars::json_schema!({ "type": "string" })
                } else {
                    schemars::json_schema!({ "type": "string", "pattern": "^[0-9]+$" })
                }
            }
        }
    )+};
}

key_type! {
    /// Identifies a webinar (`webinarKey`).
    WebinarKey => "webinarKey";
    /// Identifies a registrant of a webinar (`registrantKey`).
    RegistrantKey => "registrantKey";
    /// Identifies an organizer (`organizerKey`, also called `userKey`).
    OrganizerKey => "organizerKey";
    /// Identifies a GoTo account (`accountKey`).
    AccountKey => "accountKey";
    /// Identifies one session of a webinar (`sessionKey`).
    SessionKey => "sessionKey";
    /// Identifies a panelist (`panelistKey`).
    PanelistKey => "panelistKey";
    /// Identifies a co-organizer (`coorganizerKey`).
    CoorganizerKey => "coorganizerKey";
    /// Identifies an attendee; GoTo uses the registrant key (`registrantKey`).
    AttendeeKey => "attendeeKey";
    /// Identifies a registration question (`questionKey`).
    QuestionKey => "questionKey";
    /// Identifies an answer of a multiple-choice question (`answerKey`).
    AnswerKey => "answerKey";
    /// Identifies a recording asset (`recordingAssetKey`).
    RecordingAssetKey => "recordingAssetKey";
    /// Identifies a webinar series or sequence (`recurrenceKey`).
    RecurrenceKey => "recurrenceKey";
    /// Identifies a GoTo webhook (`webhookKey`).
    WebhookKey => "webhookKey";
    /// Identifies a user subscription to a webhook (`userSubscriptionKey`).
    UserSubscriptionKey => "userSubscriptionKey";
}

/// Writes a numeric key as an exact JSON integer (for request fields GoTo types `int64`, such as
/// `responses[].questionKey`): its digits go out verbatim, never through a float, so keys above
/// 2^53 or 2^64 keep every digit. Use with `#[serde(serialize_with = "keys::as_integer")]`.
pub fn as_integer<K: AsRef<str>, S: Serializer>(
    key: &K,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    jsonkit::serialize_integer(key.as_ref(), serializer)
}

/// [`as_integer`] for an optional key (skip `None` with `skip_serializing_if`).
pub fn as_optional_integer<K: AsRef<str>, S: Serializer>(
    key: &Option<K>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match key {
        Some(key) => as_integer(key, serializer),
        None => serializer.serialize_none(),
    }
}

impl From<RegistrantKey> for AttendeeKey {
    fn from(value: RegistrantKey) -> Self {
        AttendeeKey(value.0)
    }
}

impl From<AttendeeKey> for RegistrantKey {
    fn from(value: AttendeeKey) -> Self {
        RegistrantKey(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const BIG: &str = "24576065432313123456";

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Holder {
        webinar_key: WebinarKey,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        registrant_keys: Vec<RegistrantKey>,
    }

    #[test]
    fn integers_are_written_exactly() {
        #[derive(Serialize)]
        struct Out {
            #[serde(serialize_with = "as_integer")]
            key: QuestionKey,
            #[serde(serialize_with = "as_optional_integer")]
            answer: Option<AnswerKey>,
        }
        let out = Out { key: QuestionKey::new(BIG).unwrap(), answer: Some(AnswerKey::new("007").unwrap()) };
        assert_eq!(serde_json::to_string(&out).unwrap(), format!(r#"{{"key":{BIG},"answer":7}}"#));
    }

    #[test]
    fn big_number_in_a_list_keeps_every_digit() {
        let keys: Vec<WebinarKey> = serde_json::from_str(&format!("[1, {BIG}, 9007199254740993]")).unwrap();
        let texts: Vec<&str> = keys.iter().map(WebinarKey::as_str).collect();
        assert_eq!(texts, ["1", BIG, "9007199254740993"]);
    }

    #[test]
    fn big_number_in_an_object_and_nested_keeps_every_digit() {
        let json = format!(r#"{{"webinarKey": {BIG}, "inner": {{"registrantKeys": [{BIG}, "{BIG}"]}}}}"#);
        let holder: Holder = serde_json::from_slice(json.as_bytes()).unwrap();
        assert_eq!(holder.webinar_key.as_str(), BIG);
        let inner = holder.inner.unwrap();
        assert_eq!(inner.registrant_keys[0].as_str(), BIG);
        assert_eq!(inner.registrant_keys[1].as_str(), BIG);
        // Through a reader too.
        let holder: Holder = serde_json::from_reader(json.as_bytes()).unwrap();
        assert_eq!(holder.webinar_key.to_string(), BIG);
    }

    #[test]
    fn big_number_as_a_string_and_longer_than_any_integer() {
        let key: WebinarKey = serde_json::from_str(&format!("\"{BIG}\"")).unwrap();
        assert_eq!(key.as_str(), BIG);
        let huge = "1".repeat(60);
        let key: SessionKey = serde_json::from_str(&huge).unwrap();
        assert_eq!(key.as_str(), huge);
    }

    #[test]
    fn non_digit_strings_are_refused_with_the_key_named() {
        for bad in [r#""12a""#, r#""""#, r#""-5""#, r#""1.5""#, "-5", "1.5", "1e3", "true", "null", "[1]"] {
            let err = serde_json::from_str::<WebinarKey>(bad).unwrap_err().to_string();
            assert!(err.contains("webinarKey"), "{bad}: {err}");
        }
        let err = WebinarKey::new("abc").unwrap_err().to_string();
        assert!(err.contains("webinarKey") && err.contains("digits"), "{err}");
    }

    #[test]
    fn serializes_as_a_string() {
        let key = WebinarKey::new(BIG).unwrap();
        assert_eq!(serde_json::to_string(&key).unwrap(), format!("\"{BIG}\""));
        assert_eq!(key.to_string(), BIG);
        assert_eq!(serde_json::to_value(vec![key]).unwrap(), serde_json::json!([BIG]));
    }

    #[test]
    fn reads_from_a_value_and_next_to_a_flattened_map() {
        // serde_json::Value keeps integers up to u64::MAX exactly.
        let key: OrganizerKey = serde_json::from_value(serde_json::json!(18446744073709551615u64)).unwrap();
        assert_eq!(key.as_str(), "18446744073709551615");
        let key: OrganizerKey = serde_json::from_value(serde_json::json!(BIG)).unwrap();
        assert_eq!(key.as_str(), BIG);

        // Named fields next to a flattened map are read directly from the parser.
        #[derive(Deserialize)]
        struct Flat {
            #[serde(rename = "webinarKey")]
            key: WebinarKey,
            #[serde(flatten)]
            _rest: serde_json::Map<String, serde_json::Value>,
        }
        let flat: Flat = serde_json::from_str(r#"{"webinarKey": 8765432109876543210, "x": 1}"#).unwrap();
        assert_eq!(flat.key.as_str(), "8765432109876543210");
        let flat: Flat = serde_json::from_str(&format!(r#"{{"webinarKey": "{BIG}"}}"#)).unwrap();
        assert_eq!(flat.key.as_str(), BIG);
        let flat: Flat = serde_json::from_str(&format!(r#"{{"webinarKey": {BIG}}}"#)).unwrap();
        assert_eq!(flat.key.as_str(), BIG);
        // A float is refused rather than guessed.
        assert!(serde_json::from_value::<WebinarKey>(serde_json::json!(2.4576065432313123e19)).is_err());
    }

    #[test]
    fn schema_is_a_string() {
        let schema = schemars::schema_for!(WebinarKey);
        assert_eq!(schema.get("type"), Some(&serde_json::json!("string")));
    }
}

#[cfg(test)]
mod opaque_key_tests {
    use super::*;

    #[test]
    fn webhook_and_subscription_keys_are_uuids() {
        let uuid = "3f1c2a9e-6b1d-4c1e-9a0b-2f4e5d6c7b8a";
        assert_eq!(WebhookKey::new(uuid).unwrap().as_str(), uuid);
        let parsed: UserSubscriptionKey = serde_json::from_str(&format!("\"{uuid}\"")).unwrap();
        assert_eq!(parsed.as_str(), uuid);
        assert!(WebhookKey::new("a/b").is_err(), "no path characters");
        assert!(WebhookKey::new("").is_err());
        assert!(WebinarKey::new(uuid).is_err(), "webinar keys stay numeric");
    }
}
