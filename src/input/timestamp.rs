//! Points in time as inputs give them.

use chrono::{DateTime, NaiveDate, Utc};
use jsonkit::kind as kind_of;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::quoted;

/// A point in time given as ISO 8601 (`2026-03-13T10:00:00Z`, with any offset), a date
/// (`2026-03-13`, midnight UTC) or milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Parses the accepted forms.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Ok(Self(time.with_timezone(&Utc)));
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
                return Ok(Self(midnight.and_utc()));
            }
        }
        if let Ok(time) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
            return Ok(Self(time.and_utc()));
        }
        if let Ok(millis) = text.parse::<i64>() {
            if let Some(time) = DateTime::from_timestamp_millis(millis) {
                return Ok(Self(time));
            }
        }
        Err(format!("{} is not a date-time; use ISO 8601 such as 2026-03-13T10:00:00Z", quoted(text)))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Timestamp::parse(&text).map_err(serde::de::Error::custom),
            Value::Number(n) => n
                .as_i64()
                .and_then(DateTime::from_timestamp_millis)
                .map(Timestamp)
                .ok_or_else(|| serde::de::Error::custom("a number must be milliseconds since 1970")),
            other => Err(serde::de::Error::custom(format!("expected a date-time, got {}", kind_of(&other)))),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&gotowebinar::rfc3339(self.0))
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}
