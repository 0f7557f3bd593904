//! Reading action inputs the way the platform delivers them: fields from the message body, with
//! the step's configuration as fallback, and values in the platform's forms (numbers and booleans
//! as strings, a checkbox as `"on"`), coerced according to the input's own schema.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::metadata;

/// Invalid input: the message names the field and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// An error about one field.
    pub fn field(name: &str, problem: impl fmt::Display) -> Self {
        Self(format!("`{name}` {problem}"))
    }
}

/// The platform-dialect input schema of `T`, generated once per type.
pub fn cached_schema<T: JsonSchema + 'static>() -> Value {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(TypeId::of::<T>()).or_insert_with(metadata::input_schema::<T>).clone()
}

/// Reads `T` from the message body, falling back to `cfg` for each top-level field the body
/// does not carry (or carries as `null` / an empty string).
pub fn parse_input<T: DeserializeOwned + JsonSchema + 'static>(
    body: &Value,
    cfg: &Value,
) -> Result<T, InputError> {
    let schema = cached_schema::<T>();
    let merged = merge_fields(&schema, body, cfg)?;
    deserialize(merged)
}

/// Deserializes with the failing field's path in the error.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, InputError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        if path == "." || path.is_empty() {
            InputError(format!("invalid input: {inner}"))
        } else {
            InputError::field(&path, format!("is invalid: {inner}"))
        }
    })
}

fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

fn merge_fields(schema: &Value, body: &Value, cfg: &Value) -> Result<Value, InputError> {
    if !(body.is_object() || body.is_null()) {
        return Err(InputError(format!("the message body must be a JSON object, not {}", kind_of(body))));
    }
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let mut merged = Map::new();
    for (name, property) in properties {
        let from_body = body.get(name);
        let chosen = if is_absent(from_body) { cfg.get(name) } else { from_body };
        let value = match chosen {
            Some(value) if !is_absent(Some(value)) => coerce(value.clone(), property, name)?,
            _ => {
                if property.get("required") == Some(&Value::Bool(true)) {
                    return Err(InputError::field(
                        name,
                        "is required: map it from the incoming message or set it in the step configuration",
                    ));
                }
                continue;
            }
        };
        merged.insert(name.clone(), value);
    }
    Ok(Value::Object(merged))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Converts the platform's forms to what the schema says: `"on"`/`"true"` → `true`, `"42"` → `42`,
/// a number where a string is expected → its text, an enum value in any letter case → the enum's.
fn coerce(value: Value, schema: &Value, path: &str) -> Result<Value, InputError> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("object");
    let coerced = match (ty, value) {
        ("boolean", Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Value::Bool(true),
            "off" | "false" | "no" | "0" => Value::Bool(false),
            _ => return Err(InputError::field(path, format!("must be true or false, got {text:?}"))),
        },
        ("boolean", Value::Number(n)) => Value::Bool(n.as_f64().is_some_and(|f| f != 0.0)),
        ("number", Value::String(text)) => {
            let trimmed = text.trim();
            if let Ok(integer) = trimmed.parse::<i64>() {
                Value::from(integer)
            } else if let Some(number) = trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Value::Number(number)
            } else {
                return Err(InputError::field(path, format!("must be a number, got {text:?}")));
            }
        }
        ("string", Value::Number(n)) => Value::String(n.to_string()),
        ("string", Value::Bool(b)) => Value::String(b.to_string()),
        ("string", Value::String(text)) => match schema.get("enum").and_then(Value::as_array) {
            Some(allowed) => {
                let found =
                    allowed.iter().filter_map(Value::as_str).find(|a| a.eq_ignore_ascii_case(text.trim()));
                match found {
                    Some(value) => Value::String(value.to_string()),
                    None => {
                        let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                        return Err(InputError::field(
                            path,
                            format!("must be one of {}, got {text:?}", names.join(", ")),
                        ));
                    }
                }
            }
            None => Value::String(text),
        },
        ("array", Value::Array(items)) => {
            let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                out.push(coerce(item, &item_schema, &format!("{path}[{index}]"))?);
            }
            Value::Array(out)
        }
        ("array", single @ Value::Object(_)) => {
            let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
            Value::Array(vec![coerce(single, &item_schema, &format!("{path}[0]"))?])
        }
        ("object", Value::Object(fields)) => match schema.get("properties").and_then(Value::as_object) {
            Some(properties) => {
                let mut out = Map::new();
                for (name, value) in fields {
                    let value = match properties.get(&name) {
                        Some(property) if !is_absent(Some(&value)) => {
                            coerce(value, property, &format!("{path}.{name}"))?
                        }
                        Some(_) => continue,
                        None => value,
                    };
                    out.insert(name, value);
                }
                for (name, property) in properties {
                    if property.get("required") == Some(&Value::Bool(true)) && !out.contains_key(name) {
                        return Err(InputError::field(&format!("{path}.{name}"), "is required"));
                    }
                }
                Value::Object(out)
            }
            None => Value::Object(fields),
        },
        (_, other) => other,
    };
    Ok(coerced)
}

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
        Err(format!("{text:?} is not a date-time; use ISO 8601 such as 2026-03-13T10:00:00Z"))
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
        serializer.serialize_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        webinar_key: String,
        email: Option<String>,
        page: Option<u32>,
        resend_confirmation: Option<bool>,
        emit_behavior: Option<Behavior>,
        from_time: Option<Timestamp>,
        tags: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(rename_all = "camelCase")]
    enum Behavior {
        EmitIndividually,
        FetchAll,
    }

    #[test]
    fn body_wins_and_cfg_fills_the_gaps() {
        let body = json!({"email": "a@b.c", "webinarKey": ""});
        let cfg = json!({"webinarKey": "123", "email": "cfg@b.c", "oauth": {"access_token": "x"}});
        let sample: Sample = parse_input(&body, &cfg).unwrap();
        assert_eq!(sample.webinar_key, "123");
        assert_eq!(sample.email.as_deref(), Some("a@b.c"));
    }

    #[test]
    fn platform_forms_are_coerced() {
        let body = json!({
            "webinarKey": 24576065432313123u64, "page": "3", "resendConfirmation": "on",
            "emitBehavior": "FETCHALL", "fromTime": "2026-03-13", "tags": ["a"]
        });
        let sample: Sample = parse_input(&body, &json!({})).unwrap();
        assert_eq!(sample.webinar_key, "24576065432313123");
        assert_eq!(sample.page, Some(3));
        assert_eq!(sample.resend_confirmation, Some(true));
        assert_eq!(sample.emit_behavior, Some(Behavior::FetchAll));
        assert_eq!(sample.from_time.unwrap().0.to_rfc3339(), "2026-03-13T00:00:00+00:00");
    }

    #[test]
    fn errors_name_the_field_and_say_what_is_wrong() {
        let missing = parse_input::<Sample>(&json!({}), &json!({})).unwrap_err().to_string();
        assert!(missing.contains("`webinarKey` is required"), "{missing}");
        let bad_enum =
            parse_input::<Sample>(&json!({"webinarKey":"1","emitBehavior":"sometimes"}), &json!({}))
                .unwrap_err();
        assert!(
            bad_enum.0.contains("`emitBehavior` must be one of emitIndividually, fetchAll"),
            "{bad_enum}"
        );
        let bad_date =
            parse_input::<Sample>(&json!({"webinarKey":"1","fromTime":"yesterday"}), &json!({})).unwrap_err();
        assert!(bad_date.0.contains("fromTime") && bad_date.0.contains("ISO 8601"), "{bad_date}");
        let bad_number =
            parse_input::<Sample>(&json!({"webinarKey":"1","page":"x"}), &json!({})).unwrap_err();
        assert!(bad_number.0.contains("`page` must be a number"), "{bad_number}");
        let negative = parse_input::<Sample>(&json!({"webinarKey":"1","page":-1}), &json!({})).unwrap_err();
        assert!(negative.0.contains("page"), "{negative}");
        let not_object = parse_input::<Sample>(&json!([1]), &json!({})).unwrap_err();
        assert!(not_object.0.contains("JSON object"), "{not_object}");
    }

    #[test]
    fn timestamps_accept_common_forms() {
        assert!(Timestamp::parse("2026-03-13T10:00:00+02:00").is_ok());
        assert_eq!(Timestamp::parse("1773396000000").unwrap().0.to_rfc3339(), "2026-03-13T10:00:00+00:00");
        assert!(Timestamp::parse("13/03/2026").is_err());
    }
}
