//! Reading an input: the message body with the step configuration as fallback, coerced from the
//! platform's forms according to the input's own schema.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use jsonkit::kind as kind_of;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{quoted, shorten, InputError, MAX_PROBLEM_CHARS};
use super::shape::{check_message_size, check_shape, leaf, shape_of, Shape};
use crate::schema;

/// The credential's fields in `cfg`: never an action's input, whatever the input's field names.
pub const CREDENTIAL_FIELDS: [&str; 3] = ["oauth", "organizerKey", "accountKey"];

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

pub(super) fn merge_fields(
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
