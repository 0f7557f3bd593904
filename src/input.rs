//! Reading action inputs the way the platform delivers them: fields from the message body, with
//! the step's own fields as fallback, and values in the platform's forms (numbers and booleans
//! as strings, a checkbox as `"on"`), coerced according to the input's own schema.
//!
//! The fallback rule, the same for every function: a field the message does not carry is taken
//! from the step configuration only when the function declares it as a step field. Credential
//! fields ([`CREDENTIAL_FIELDS`]) never fill an input, even of the same name.
//!
//! Every value is checked by shape before anything is built or sent: keys are at most
//! [`MAX_KEY_DIGITS`] digits, text is within GoTo's limits ([`FIELD_SHAPES`]), and a message body
//! is at most [`MAX_MESSAGE_BYTES`].

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::schema;

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
    /// An error about one field. A very long problem text (one echoing a huge value) is cut in
    /// the middle, keeping its start and the advice at its end.
    pub fn field(name: &str, problem: impl fmt::Display) -> Self {
        Self(format!("`{}` {}", shorten(name, 80), shorten(&problem.to_string(), MAX_PROBLEM_CHARS)))
    }
}

/// The longest problem text of an [`InputError`], in characters.
const MAX_PROBLEM_CHARS: usize = 400;

/// `text` cut to at most `max` characters (and an ellipsis), keeping its start and end.
pub fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let tail = max / 3;
    let head = max - tail - 1;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// A value as error messages quote it: in quotes, at most 60 characters.
pub fn quoted(text: &str) -> String {
    format!("{:?}", shorten(text, 60))
}

/// The credential's fields in `cfg`: never an action's input, whatever the input's field names.
pub const CREDENTIAL_FIELDS: [&str; 3] = ["oauth", "organizerKey", "accountKey"];

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
fn leaf(path: &str) -> &str {
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

/// The platform-dialect input schema of `T`, generated once per type.
pub fn cached_schema<T: JsonSchema + 'static>() -> Value {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(TypeId::of::<T>()).or_insert_with(schema::input_schema::<T>).clone()
}

/// Reads `T` from the message body. A field the body does not carry (or carries as `null` / an
/// empty string) is taken from `cfg` only when it is one of the function's `step_fields`, and
/// never when it is a credential field.
pub fn parse_input<T: DeserializeOwned + JsonSchema + 'static>(
    body: &Value,
    cfg: &Value,
    step_fields: &[&str],
) -> Result<T, InputError> {
    check_message_size(body)?;
    let schema = cached_schema::<T>();
    let fallback = |name: &str| step_fields.contains(&name) && !CREDENTIAL_FIELDS.contains(&name);
    let merged = merge_fields(&schema, body, cfg, &fallback)?;
    deserialize(merged)
}

/// Reads `T` from the step configuration alone (a trigger's options): its fields by name, never a
/// credential field.
pub fn parse_step_config<T: DeserializeOwned + JsonSchema + 'static>(cfg: &Value) -> Result<T, InputError> {
    let schema = cached_schema::<T>();
    let fallback = |name: &str| !CREDENTIAL_FIELDS.contains(&name);
    let merged = merge_fields(&schema, &Value::Null, cfg, &fallback)?;
    deserialize(merged)
}

/// Deserializes with the failing field's path in the error.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, InputError> {
    let fields = match &value {
        Value::Object(map) => Some(map.clone()),
        _ => None,
    };
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        if path == "." || path.is_empty() {
            // Flattened fields hide the path: the field whose removal changes the error is it.
            if let Some(name) = fields.and_then(|fields| culprit::<T>(fields, &inner)) {
                return InputError::field(&name, format!("is invalid: {inner}"));
            }
            InputError(format!("invalid input: {}", shorten(&inner, MAX_PROBLEM_CHARS)))
        } else {
            InputError::field(&path, format!("is invalid: {inner}"))
        }
    })
}

fn culprit<T: DeserializeOwned>(fields: Map<String, Value>, error: &str) -> Option<String> {
    fields.keys().find_map(|name| {
        let mut without = fields.clone();
        without.remove(name);
        match serde_json::from_value::<T>(Value::Object(without)) {
            Err(other) if other.to_string() == error => None,
            _ => Some(name.clone()),
        }
    })
}

/// Checks a coerced value against the JSON type its schema declares (when it declares one).
fn expect_type(schema: &Value, value: &Value, path: &str) -> Result<(), InputError> {
    let Some(ty) = schema.get("type").and_then(Value::as_str) else {
        return Ok(());
    };
    let (fits, wanted) = match ty {
        "string" => (value.is_string(), "text"),
        "number" => (value.is_number(), "a number"),
        "integer" => (value.is_i64() || value.is_u64(), "a whole number"),
        "boolean" => (value.is_boolean(), "true or false"),
        "array" => (value.is_array(), "a list"),
        // A free-form object (no properties) stands for any JSON in the platform's dialect, which
        // allows one type per property; the field's own type has the last word.
        "object" if !schema.as_object().is_some_and(|s| s.contains_key("properties")) => (true, ""),
        "object" => (value.is_object(), "an object"),
        _ => (true, ""),
    };
    if fits {
        Ok(())
    } else {
        Err(InputError::field(path, format!("must be {wanted}, got {}", kind_of(value))))
    }
}

fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

fn merge_fields(
    schema: &Value,
    body: &Value,
    cfg: &Value,
    fallback: &dyn Fn(&str) -> bool,
) -> Result<Value, InputError> {
    if !(body.is_object() || body.is_null()) {
        return Err(InputError(format!("the message body must be a JSON object, not {}", kind_of(body))));
    }
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let mut merged = Map::new();
    for (name, property) in properties {
        let from_body = body.get(name);
        let chosen = match is_absent(from_body) {
            true if fallback(name) => cfg.get(name),
            true => None,
            false => from_body,
        };
        let value = match chosen {
            Some(value) if !is_absent(Some(value)) => coerce(value.clone(), property, name)?,
            _ => {
                if property.get("required") == Some(&Value::Bool(true)) {
                    let advice = if fallback(name) {
                        "is required: map it from the incoming message or set it in the step configuration"
                    } else {
                        "is required: map it from the incoming message"
                    };
                    return Err(InputError::field(name, advice));
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
/// a whole number where a key is expected → its digits, an enum value in any letter case → the
/// enum's. Any other JSON type than the schema's is an error naming the field; text is checked
/// against the field's [`Shape`].
fn coerce(value: Value, schema: &Value, path: &str) -> Result<Value, InputError> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("object");
    let coerced = match (ty, value) {
        ("boolean", Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Value::Bool(true),
            "off" | "false" | "no" | "0" => Value::Bool(false),
            _ => {
                return Err(InputError::field(path, format!("must be true or false, got {}", quoted(&text))))
            }
        },
        ("number", Value::String(text)) => {
            let trimmed = text.trim();
            if let Ok(integer) = trimmed.parse::<i64>() {
                Value::from(integer)
            } else if let Some(number) = trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Value::Number(number)
            } else {
                return Err(InputError::field(path, format!("must be a number, got {}", quoted(&text))));
            }
        }
        // Keys are documented to come as numbers too; other text fields take text only.
        ("string", Value::Number(n)) if shape_of(leaf(path)) == Shape::Key && (n.is_u64() || n.is_i64()) => {
            let text = n.to_string();
            check_shape(path, &text)?;
            Value::String(text)
        }
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
                            format!("must be one of {}, got {}", names.join(", "), quoted(&text)),
                        ));
                    }
                }
            }
            None => {
                check_shape(path, &text)?;
                Value::String(text)
            }
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
    expect_type(schema, &coerced, path)?;
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

/// Fields a step configuration may carry besides the function's step fields, never warned about:
/// the credential's ([`CREDENTIAL_FIELDS`]); `provider`, which `gotowebinar auth login` writes
/// into a credential file; and a token response's fields, which some credential stores keep at
/// the top level. Any `_`-prefixed name (`_account`, …) is the platform's.
pub const PLATFORM_CONFIG_FIELDS: [&str; 9] = [
    "provider",
    "access_token",
    "refresh_token",
    "expires_in",
    "token_type",
    "scope",
    "id_token",
    "organizer_key",
    "account_key",
];

/// Whether `name` is a configuration field the credential or the platform puts there.
pub fn is_platform_config_field(name: &str) -> bool {
    name.starts_with('_') || CREDENTIAL_FIELDS.contains(&name) || PLATFORM_CONFIG_FIELDS.contains(&name)
}

/// The most names one unknown-field warning lists, of the unknown and of the known fields.
pub const MAX_LISTED_FIELDS: usize = 10;

/// The longest field name a warning quotes, in characters (a name is data too).
const MAX_NAME_CHARS: usize = 40;

/// The top-level field names of `value` that `known` refuses, in the object's order; nothing
/// when `value` is not an object. Only the top level is compared: a nested value (a
/// registrant's `responses`, `rawRequest`'s `query`) is read by the function's own types, and
/// some of its names are GoTo's, not the component's.
pub fn unknown_fields(value: &Value, known: impl Fn(&str) -> bool) -> Vec<&str> {
    match value {
        Value::Object(map) => map.keys().map(String::as_str).filter(|name| !known(name)).collect(),
        _ => Vec::new(),
    }
}

/// Where a field arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSide {
    /// The incoming message's body.
    Input,
    /// The step configuration.
    Config,
}

/// What a warning about the unknown fields of one function on one side can say.
#[derive(Debug, Clone)]
pub struct FieldHints<'a> {
    /// The function's name.
    pub function: &'a str,
    /// The side the fields arrived on.
    pub side: FieldSide,
    /// The names a mistyped field is compared with (of equally close names, the first wins).
    pub candidates: Vec<&'a str>,
    /// The names the function reads on this side, listed when no field has a closer hint.
    pub reads: Vec<&'a str>,
    /// The names the function reads only on the other side.
    pub other_side: Vec<&'a str>,
}

impl FieldHints<'_> {
    /// The warning about `unknown`, or `None` when it is empty. It names fields, never values,
    /// and lists at most [`MAX_LISTED_FIELDS`] of them.
    pub fn warning(&self, unknown: &[&str]) -> Option<String> {
        let (side, other) = match self.side {
            FieldSide::Input => ("input", "the step configuration"),
            FieldSide::Config => ("config", "the incoming message"),
        };
        let mut unhinted = false;
        let described: Vec<(String, Option<String>)> = unknown
            .iter()
            .take(MAX_LISTED_FIELDS)
            .map(|name| {
                let quoted = format!("{:?}", shorten(name, MAX_NAME_CHARS));
                let hint = if self.other_side.contains(name) {
                    Some(format!("{} reads it from {other} only", self.function))
                } else if let Some(close) = sailor::suggest::closest(name, self.candidates.iter().copied()) {
                    Some(format!("did you mean {close:?}?"))
                } else {
                    unhinted = true;
                    None
                };
                (quoted, hint)
            })
            .collect();
        let reads = || {
            if self.reads.is_empty() {
                return format!("{} reads no {side} fields", self.function);
            }
            let mut listed =
                self.reads.iter().take(MAX_LISTED_FIELDS).copied().collect::<Vec<_>>().join(", ");
            if self.reads.len() > MAX_LISTED_FIELDS {
                listed.push_str(", …");
            }
            format!("{} reads: {listed}", self.function)
        };
        match described.as_slice() {
            [] => None,
            [(name, hint)] if unknown.len() == 1 => {
                Some(format!("unknown {side} field {name}; {}", hint.clone().unwrap_or_else(reads)))
            }
            _ => {
                let mut text = format!("unknown {side} fields ");
                let parts: Vec<String> = described
                    .iter()
                    .map(|(name, hint)| match hint {
                        Some(hint) => format!("{name} ({hint})"),
                        None => name.clone(),
                    })
                    .collect();
                text.push_str(&parts.join(", "));
                if unknown.len() > described.len() {
                    text.push_str(&format!(" and {} more", unknown.len() - described.len()));
                }
                if unhinted {
                    text.push_str("; ");
                    text.push_str(&reads());
                }
                Some(text)
            }
        }
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
        let sample: Sample = parse_input(&body, &cfg, &["webinarKey"]).unwrap();
        assert_eq!(sample.webinar_key, "123");
        assert_eq!(sample.email.as_deref(), Some("a@b.c"));
    }

    #[test]
    fn platform_forms_are_coerced() {
        let body = json!({
            "webinarKey": 24576065432313123u64, "page": "3", "resendConfirmation": "on",
            "emitBehavior": "FETCHALL", "fromTime": "2026-03-13", "tags": ["a"]
        });
        let sample: Sample = parse_input(&body, &json!({}), &[]).unwrap();
        assert_eq!(sample.webinar_key, "24576065432313123");
        assert_eq!(sample.page, Some(3));
        assert_eq!(sample.resend_confirmation, Some(true));
        assert_eq!(sample.emit_behavior, Some(Behavior::FetchAll));
        assert_eq!(sample.from_time.unwrap().0.to_rfc3339(), "2026-03-13T00:00:00+00:00");
    }

    #[test]
    fn errors_name_the_field_and_say_what_is_wrong() {
        let missing = parse_input::<Sample>(&json!({}), &json!({}), &[]).unwrap_err().to_string();
        assert!(missing.contains("`webinarKey` is required"), "{missing}");
        let bad_enum =
            parse_input::<Sample>(&json!({"webinarKey":"1","emitBehavior":"sometimes"}), &json!({}), &[])
                .unwrap_err();
        assert!(
            bad_enum.0.contains("`emitBehavior` must be one of emitIndividually, fetchAll"),
            "{bad_enum}"
        );
        let bad_date =
            parse_input::<Sample>(&json!({"webinarKey":"1","fromTime":"yesterday"}), &json!({}), &[])
                .unwrap_err();
        assert!(bad_date.0.contains("fromTime") && bad_date.0.contains("ISO 8601"), "{bad_date}");
        let bad_number =
            parse_input::<Sample>(&json!({"webinarKey":"1","page":"x"}), &json!({}), &[]).unwrap_err();
        assert!(bad_number.0.contains("`page` must be a number"), "{bad_number}");
        let negative =
            parse_input::<Sample>(&json!({"webinarKey":"1","page":-1}), &json!({}), &[]).unwrap_err();
        assert!(negative.0.contains("page"), "{negative}");
        let not_object = parse_input::<Sample>(&json!([1]), &json!({}), &[]).unwrap_err();
        assert!(not_object.0.contains("JSON object"), "{not_object}");
    }

    #[test]
    fn long_values_are_cut_in_errors_and_the_advice_is_kept() {
        let huge = "é".repeat(100_000);
        let error = parse_input::<Sample>(&json!({"webinarKey": "1", "fromTime": huge}), &json!({}), &[])
            .unwrap_err();
        assert!(error.0.chars().count() < 300, "{} characters", error.0.chars().count());
        assert!(
            error.0.starts_with("`fromTime` is 100000 characters long; GoTo takes at most 2048"),
            "{error}"
        );
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "fromTime": "é".repeat(1000)}), &json!({}), &[])
                .unwrap_err();
        assert!(error.0.starts_with("`fromTime`") && error.0.ends_with("2026-03-13T10:00:00Z"), "{error}");
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefghij", 6), "abc…ij");
    }

    #[test]
    fn keys_and_text_are_checked_by_shape_with_the_value_quoted_briefly() {
        let key = "1".repeat(5 * 1024 * 1024 / 8);
        let error = parse_input::<Sample>(&json!({"webinarKey": key}), &json!({}), &[]).unwrap_err();
        assert!(error.0.starts_with("`webinarKey` must be a GoTo key of at most 32 digits"), "{error}");
        assert!(error.0.len() < 300, "{} bytes", error.0.len());
        let thirty_three = "9".repeat(33);
        assert!(parse_input::<Sample>(&json!({"webinarKey": thirty_three}), &json!({}), &[]).is_err());
        let ok: Sample = parse_input(&json!({"webinarKey": "9".repeat(32)}), &json!({}), &[]).unwrap();
        assert_eq!(ok.webinar_key.len(), 32);
        let error = parse_input::<Sample>(&json!({"webinarKey": "12a"}), &json!({}), &[]).unwrap_err();
        assert!(error.0.contains("digits only"), "{error}");
        let error = parse_input::<Sample>(&json!({"webinarKey": 1.5}), &json!({}), &[]).unwrap_err();
        assert!(error.0.starts_with("`webinarKey`"), "{error}");
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "email": "a".repeat(129)}), &json!({}), &[])
                .unwrap_err();
        assert!(error.0.starts_with("`email` is 129 characters long; GoTo takes at most 128"), "{error}");
        // One table: the limits the messages state are the table's.
        assert_eq!(shape_of("subject"), Shape::Text(128));
        assert_eq!(shape_of("description"), Shape::Text(2048));
        assert_eq!(shape_of("anything"), Shape::Text(DEFAULT_TEXT_CHARS));
        assert_eq!(leaf("coorganizers[0].organizerKey"), "organizerKey");
        assert_eq!(leaf("tags[3]"), "tags");
    }

    #[test]
    fn a_body_larger_than_the_limit_is_refused_before_reading_fields() {
        let body = json!({"webinarKey": "1", "tags": vec!["x".repeat(1000); 1100]});
        let error = parse_input::<Sample>(&body, &json!({}), &[]).unwrap_err();
        assert!(error.0.starts_with("the message body is larger than 1048576 bytes"), "{error}");
    }

    #[test]
    fn wrong_json_types_are_errors_not_coerced() {
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "email": true}), &json!({}), &[]).unwrap_err();
        assert_eq!(error.0, "`email` must be text, got a boolean");
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "email": 42}), &json!({}), &[]).unwrap_err();
        assert_eq!(error.0, "`email` must be text, got a number");
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "resendConfirmation": 1}), &json!({}), &[])
                .unwrap_err();
        assert_eq!(error.0, "`resendConfirmation` must be true or false, got a number");
        // The platform's forms stay accepted.
        let sample: Sample =
            parse_input(&json!({"webinarKey": 7, "resendConfirmation": "on", "page": "2"}), &json!({}), &[])
                .unwrap();
        assert_eq!(
            (sample.webinar_key.as_str(), sample.resend_confirmation, sample.page),
            ("7", Some(true), Some(2))
        );
    }

    #[test]
    fn only_declared_step_fields_fall_back_and_credential_fields_never_do() {
        #[derive(Debug, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase")]
        struct Coorganizer {
            organizer_key: Option<String>,
            email: Option<String>,
            webinar_key: Option<String>,
        }
        let cfg = json!({"oauth": {"access_token": "x"}, "organizerKey": "111", "email": "cfg@b.c", "webinarKey": "5"});
        let read: Coorganizer = parse_input(&json!({}), &cfg, &["webinarKey"]).unwrap();
        assert_eq!(read.webinar_key.as_deref(), Some("5"), "a declared step field falls back");
        assert_eq!(read.email, None, "an undeclared field does not");
        assert_eq!(read.organizer_key, None, "the credential's organizer key is not an input");
        let read: Coorganizer = parse_input(&json!({}), &cfg, &["organizerKey"]).unwrap();
        assert_eq!(read.organizer_key, None, "not even when a function names it");
        let read: Coorganizer = parse_step_config(&cfg).unwrap();
        assert_eq!((read.organizer_key, read.email.as_deref()), (None, Some("cfg@b.c")));
    }

    #[test]
    fn a_wrong_json_type_names_the_field_also_when_flattened() {
        let error =
            parse_input::<Sample>(&json!({"webinarKey": "1", "tags": "a"}), &json!({}), &[]).unwrap_err();
        assert_eq!(error.0, "`tags` must be a list, got a string");
        let error = parse_input::<Sample>(&json!({"webinarKey": ["1"]}), &json!({}), &[]).unwrap_err();
        assert_eq!(error.0, "`webinarKey` must be text, got an array");
        #[derive(Debug, Deserialize, JsonSchema)]
        struct Outer {
            #[serde(flatten)]
            _inner: Flat,
        }
        #[derive(Debug, Deserialize, JsonSchema)]
        struct Flat {
            _size: Option<u8>,
        }
        let error = deserialize::<Outer>(json!({"_size": 300})).unwrap_err();
        assert!(error.0.starts_with("`_size` is invalid"), "{error}");
    }

    fn hints(side: FieldSide) -> FieldHints<'static> {
        FieldHints {
            function: "listRegistrants",
            side,
            candidates: vec!["webinarKey", "emitBehavior", "page", "size"],
            reads: vec!["webinarKey", "emitBehavior", "page", "size"],
            other_side: vec!["scope"],
        }
    }

    #[test]
    fn unknown_fields_are_the_top_level_names_not_known() {
        let body = json!({"webinarKey": "1", "webinarkey": "2", "nested": {"deeper": 1}, "page": 1});
        let known = |name: &str| ["webinarKey", "page"].contains(&name);
        let mut unknown = unknown_fields(&body, known);
        unknown.sort_unstable();
        assert_eq!(unknown, ["nested", "webinarkey"], "only the top level, letter case counts");
        assert!(unknown_fields(&json!({"webinarKey": "1"}), known).is_empty());
        assert!(unknown_fields(&json!([{"x": 1}]), known).is_empty(), "not an object: nothing to name");
        assert!(unknown_fields(&Value::Null, known).is_empty());
    }

    #[test]
    fn a_mistyped_field_gets_the_closest_known_name() {
        let warning = hints(FieldSide::Input).warning(&["webinarkey"]).unwrap();
        assert_eq!(warning, r#"unknown input field "webinarkey"; did you mean "webinarKey"?"#);
        let warning = hints(FieldSide::Config).warning(&["emitBehaviour"]).unwrap();
        assert_eq!(warning, r#"unknown config field "emitBehaviour"; did you mean "emitBehavior"?"#);
        assert_eq!(hints(FieldSide::Input).warning(&[]), None);
    }

    #[test]
    fn a_field_nothing_is_close_to_lists_what_the_function_reads() {
        let warning = hints(FieldSide::Input).warning(&["colour"]).unwrap();
        assert_eq!(
            warning,
            r#"unknown input field "colour"; listRegistrants reads: webinarKey, emitBehavior, page, size"#
        );
        let none = FieldHints { reads: vec![], candidates: vec![], ..hints(FieldSide::Config) };
        assert_eq!(
            none.warning(&["colour"]).unwrap(),
            r#"unknown config field "colour"; listRegistrants reads no config fields"#
        );
        let many: Vec<&str> = (0..15).map(|n| ["a", "b", "c", "d", "e"][n % 5]).collect();
        let long = FieldHints { reads: many, ..hints(FieldSide::Input) };
        let warning = long.warning(&["colour"]).unwrap();
        assert!(warning.ends_with("reads: a, b, c, d, e, a, b, c, d, e, …"), "{warning}");
    }

    #[test]
    fn a_field_read_from_the_other_side_says_where_it_belongs() {
        let warning = hints(FieldSide::Input).warning(&["scope"]).unwrap();
        assert_eq!(
            warning,
            r#"unknown input field "scope"; listRegistrants reads it from the step configuration only"#
        );
        let warning = hints(FieldSide::Config).warning(&["scope"]).unwrap();
        assert!(warning.ends_with("reads it from the incoming message only"), "{warning}");
    }

    #[test]
    fn several_fields_are_listed_at_most_ten_with_their_hints() {
        let warning = hints(FieldSide::Input).warning(&["webinarkey", "colour"]).unwrap();
        assert_eq!(
            warning,
            r#"unknown input fields "webinarkey" (did you mean "webinarKey"?), "colour"; listRegistrants reads: webinarKey, emitBehavior, page, size"#
        );
        let warning = hints(FieldSide::Input).warning(&["webinarkey", "Page"]).unwrap();
        assert_eq!(
            warning,
            r#"unknown input fields "webinarkey" (did you mean "webinarKey"?), "Page" (did you mean "page"?)"#
        );
        let names: Vec<String> = (0..25).map(|n| format!("field{n:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let warning = hints(FieldSide::Input).warning(&names).unwrap();
        assert!(warning.contains(r#""field09""#) && !warning.contains("field10"), "{warning}");
        assert!(warning.contains(" and 15 more"), "{warning}");
    }

    #[test]
    fn odd_field_names_are_quoted_escaped_and_cut() {
        let long = format!("x{}", "y".repeat(10_000));
        let warning = hints(FieldSide::Input).warning(&[&long, "a\nb\u{1b}[31m"]).unwrap();
        assert!(warning.chars().count() < 300, "{warning}");
        assert!(!warning.contains('\n') && !warning.contains('\u{1b}'), "{warning:?}");
    }

    #[test]
    fn the_platform_and_credential_config_fields_are_expected() {
        for name in
            ["oauth", "organizerKey", "accountKey", "_account", "_anything", "provider", "access_token"]
        {
            assert!(is_platform_config_field(name), "{name}");
        }
        for name in ["webinarKey", "emitBehavior", "Oauth", "account"] {
            assert!(!is_platform_config_field(name), "{name}");
        }
    }

    #[test]
    fn timestamps_accept_common_forms() {
        assert!(Timestamp::parse("2026-03-13T10:00:00+02:00").is_ok());
        assert_eq!(Timestamp::parse("1773396000000").unwrap().0.to_rfc3339(), "2026-03-13T10:00:00+00:00");
        assert!(Timestamp::parse("13/03/2026").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::actions::registrants::{CreateRegistrantIn, ListRegistrantsIn, RegistrantKeyIn};
    use crate::actions::webinars::{
        CancelWebinarIn, CreateWebinarIn, ListWebinarsIn, UpdateWebinarIn, WebinarKeyIn,
    };
    use proptest::prelude::*;

    /// Field names the actions read, so generated bodies reach the coercion of real fields.
    const NAMES: [&str; 24] = [
        "webinarKey",
        "registrantKey",
        "email",
        "firstName",
        "lastName",
        "emitBehavior",
        "page",
        "size",
        "fromTime",
        "toTime",
        "scope",
        "times",
        "startTime",
        "endTime",
        "responses",
        "questionKey",
        "answerKey",
        "responseText",
        "resendConfirmation",
        "onDuplicate",
        "subject",
        "recurrence",
        "emailSettings",
        "sendCancellationEmails",
    ];

    fn odd_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\\x00-\\x1f\"\\\\\u{200b}-\u{200f}\u{202a}-\u{202e}\u{301}\u{fe0f}\u{1f600}-\u{1f64f}a-zA-Z0-9 @.:+-]{0,40}",
            prop_oneof![
                Just("on"),
                Just("42"),
                Just("-1"),
                Just("1e400"),
                Just("NaN"),
                Just("2026-03-13"),
                Just("2026-03-13T10:00:00Z"),
                Just("99999999999999999999999"),
                Just("fetchAll"),
                Just("ada@example.com"),
            ]
            .prop_map(String::from),
            (1usize..4).prop_map(|n| "x\u{1f600}é".repeat(40_000 * n)),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
            odd_text().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 5, |inner| {
            let name = prop_oneof![prop::sample::select(NAMES.to_vec()).prop_map(String::from), odd_text()];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(name, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// A body: mostly an object of the actions' field names, sometimes any JSON at all.
    fn body() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => prop::collection::btree_map(prop::sample::select(NAMES.to_vec()), json_value(), 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            1 => json_value(),
        ]
    }

    /// A value around the limits: digit strings and text of any length up to 100 000, numbers, flags.
    fn sized_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            (0usize..40).prop_map(|n| Value::String("7".repeat(n))),
            (0usize..100_000).prop_map(|n| Value::String("9".repeat(n))),
            (100usize..3000).prop_map(|n| Value::String("é".repeat(n))),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
            any::<bool>().prop_map(Value::Bool),
            odd_text().prop_map(Value::String),
        ]
    }

    /// An input schema with one text property per field of [`FIELD_SHAPES`].
    fn json_schema_of_all_shapes() -> Value {
        let properties: Map<String, Value> = FIELD_SHAPES
            .iter()
            .map(|(name, _)| (name.to_string(), serde_json::json!({"type": "string"})))
            .collect();
        serde_json::json!({"type": "object", "properties": properties})
    }

    /// Parsing never panics; an error names a field (or says the body is not an object) and
    /// stays short, however long the input was.
    fn check<T: DeserializeOwned + JsonSchema + 'static>(
        body: &Value,
        cfg: &Value,
    ) -> Result<(), TestCaseError> {
        let Err(error) = parse_input::<T>(body, cfg, &["webinarKey", "emitBehavior"]) else { return Ok(()) };
        let message = error.0;
        let names_a_field = message.contains('`') || message.starts_with("the message body");
        prop_assert!(names_a_field, "the error names no field: {}", shorten(&message, 300));
        prop_assert!(
            message.chars().count() <= 600,
            "the error is {} characters long",
            message.chars().count()
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn action_inputs_never_panic_and_errors_name_the_field(body in body(), cfg in body()) {
            check::<ListWebinarsIn>(&body, &cfg)?;
            check::<WebinarKeyIn>(&body, &cfg)?;
            check::<CreateWebinarIn>(&body, &cfg)?;
            check::<UpdateWebinarIn>(&body, &cfg)?;
            check::<CancelWebinarIn>(&body, &cfg)?;
            check::<ListRegistrantsIn>(&body, &cfg)?;
            check::<RegistrantKeyIn>(&body, &cfg)?;
            check::<CreateRegistrantIn>(&body, &cfg)?;
        }

        #[test]
        fn what_passes_is_within_bounds_and_errors_stay_short(
            fields in prop::collection::btree_map(
                prop::sample::select(FIELD_SHAPES.iter().map(|(name, _)| *name).collect::<Vec<_>>()),
                sized_value(),
                0..6,
            ),
            cfg_fields in prop::collection::btree_map(
                prop::sample::select(FIELD_SHAPES.iter().map(|(name, _)| *name).collect::<Vec<_>>()),
                sized_value(),
                0..6,
            ),
        ) {
            let body = Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            let cfg = Value::Object(cfg_fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            let schema = json_schema_of_all_shapes();
            let step_fields: Vec<&str> = FIELD_SHAPES.iter().map(|(name, _)| *name).collect();
            let fallback = |name: &str| step_fields.contains(&name) && !CREDENTIAL_FIELDS.contains(&name);
            match merge_fields(&schema, &body, &cfg, &fallback) {
                Ok(Value::Object(merged)) => {
                    for (name, value) in &merged {
                        prop_assert!(!CREDENTIAL_FIELDS.contains(&name.as_str()) || body.get(name).is_some(),
                            "{name} came from the credential");
                        let text = value.as_str().unwrap_or_default();
                        prop_assert!(check_shape(name, text).is_ok(), "{name} passed out of bounds");
                    }
                }
                Ok(other) => prop_assert!(false, "not an object: {other}"),
                Err(error) => prop_assert!(error.0.chars().count() <= 400, "{} characters", error.0.chars().count()),
            }
        }

        #[test]
        fn timestamps_never_panic(text in odd_text(), millis in any::<i64>()) {
            let _ = Timestamp::parse(&text);
            let _ = deserialize::<Timestamp>(Value::from(millis));
        }
    }
}
