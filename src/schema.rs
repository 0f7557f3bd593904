//! JSON Schemas for action inputs and outputs, generated from Rust types with `schemars` and
//! converted, here and nowhere else, to the platform's metadata dialect: every property carries
//! one `type`, a `title`, and `required: true` on the property itself when it is mandatory.

use schemars::generate::{Contract, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// Declares the types schemas are generated from (inputs derive `Deserialize`, outputs
/// `Serialize`): each field as `name: Type = "description"`, the description being its doc and
/// its description in the schema; camelCase names, every item public. Several types may share
/// one invocation.
#[macro_export]
macro_rules! schema_types {
    ($(
        $(#[$attr:meta])*
        $name:ident { $($(#[$field_attr:meta])* $field:ident: $ty:ty $(= $doc:literal)?),* $(,)? }
    )+) => {$(
        $(#[$attr])*
        #[derive(Debug, Clone, schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $($(#[doc = $doc])? $(#[$field_attr])* pub $field: $ty,)*
        }
    )+};
}

/// How deep `$ref`s are followed before a schema is cut off (our types are not recursive;
/// this only guards against a mistake turning into endless output).
const MAX_DEPTH: usize = 24;

/// The platform-dialect schema of `T` as the component reads it (an action's input).
pub fn input_schema<T: JsonSchema>() -> Value {
    to_platform(generate::<T>(Contract::Deserialize))
}

/// The platform-dialect schema of `T` as the component writes it (an action's output).
pub fn output_schema<T: JsonSchema>() -> Value {
    to_platform(generate::<T>(Contract::Serialize))
}

/// The raw JSON Schema (draft-07) schemars generates for `T`.
pub fn generate<T: JsonSchema>(contract: Contract) -> Value {
    let settings = SchemaSettings::draft07().with(|s| {
        s.contract = contract;
    });
    settings.into_generator().into_root_schema_for::<T>().to_value()
}

/// Converts a draft-07 / 2020-12 schema to the platform's dialect: resolves `$ref`s, turns
/// `required: [..]` arrays into `required: true` on each property, gives every property a single
/// `type` (an `Option` is simply not required) and a `title`, and writes integers as `number`.
pub fn to_platform(root: Value) -> Value {
    let definitions = root
        .get("definitions")
        .or_else(|| root.get("$defs"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut converted = convert(&root, &definitions, 0);
    if let Some(object) = converted.as_object_mut() {
        object.remove("title");
        object.remove("description");
    }
    converted
}

fn convert(schema: &Value, definitions: &Map<String, Value>, depth: usize) -> Value {
    let Some(object) = schema.as_object() else {
        // `true` / `{}`: any JSON value.
        return json!({ "type": "object" });
    };
    if depth > MAX_DEPTH {
        return json!({ "type": "object" });
    }
    let mut node = resolve(object, definitions);

    // `Option<T>` arrives as `anyOf: [T, {type: null}]` or `type: [T, "null"]`.
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = node.get(combinator).cloned() {
            let non_null: Vec<&Value> =
                branches.iter().filter(|b| b.get("type").and_then(Value::as_str) != Some("null")).collect();
            if let Some(values) = const_values(&non_null) {
                node.remove(combinator);
                node.insert("type".into(), json!("string"));
                node.insert("enum".into(), Value::Array(values));
            } else if non_null.len() == 1 {
                node.remove(combinator);
                if let Some(inner) = non_null[0].as_object() {
                    let inner = resolve(inner, definitions);
                    for (key, value) in inner {
                        node.entry(key).or_insert(value);
                    }
                }
                return convert(&Value::Object(node), definitions, depth + 1);
            } else {
                // Several shapes are possible: the mapper can only show one type.
                node.remove(combinator);
                node.entry("type").or_insert(json!("object"));
            }
        }
    }
    if let Some(value) = node.remove("const") {
        node.insert("enum".into(), json!([value]));
    }

    let ty = single_type(&node);
    node.insert("type".into(), json!(ty));
    if let Some(Value::Array(values)) = node.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["$schema", "definitions", "$defs", "$ref", "additionalProperties", "nullable", "$id"] {
        node.remove(key);
    }
    if node.get("default").is_some_and(Value::is_null) {
        node.remove("default");
    }

    match ty {
        "object" => {
            let required: Vec<String> = match node.remove("required") {
                Some(Value::Array(names)) => {
                    names.iter().filter_map(Value::as_str).map(String::from).collect()
                }
                _ => Vec::new(),
            };
            if let Some(Value::Object(properties)) = node.remove("properties") {
                let mut converted = Map::new();
                for (name, property) in properties {
                    let mut value = convert(&property, definitions, depth + 1);
                    if let Some(object) = value.as_object_mut() {
                        if !object.contains_key("title") {
                            object.insert("title".into(), json!(humanize(&name)));
                        }
                        if required.contains(&name) {
                            object.insert("required".into(), json!(true));
                        }
                    }
                    converted.insert(name, value);
                }
                node.insert("properties".into(), Value::Object(converted));
            }
        }
        "array" => {
            if let Some(items) = node.remove("items") {
                node.insert("items".into(), convert(&items, definitions, depth + 1));
            } else {
                node.insert("items".into(), json!({ "type": "object" }));
            }
        }
        _ => {}
    }
    Value::Object(node)
}

/// Follows `$ref` to its definition, keeping the referring node's own keys (title, description).
fn resolve(object: &Map<String, Value>, definitions: &Map<String, Value>) -> Map<String, Value> {
    let mut node = object.clone();
    let mut hops = 0;
    while let Some(Value::String(reference)) = node.get("$ref").cloned() {
        hops += 1;
        let name = reference.rsplit('/').next().unwrap_or_default();
        node.remove("$ref");
        match definitions.get(name).and_then(Value::as_object) {
            Some(target) if hops <= MAX_DEPTH => {
                for (key, value) in target {
                    node.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            _ => break,
        }
    }
    // `allOf: [single]` is how older generators attach a description to a `$ref`.
    if let Some(Value::Array(parts)) = node.get("allOf").cloned() {
        if parts.len() == 1 {
            node.remove("allOf");
            if let Some(inner) = parts[0].as_object() {
                for (key, value) in resolve(inner, definitions) {
                    node.entry(key).or_insert(value);
                }
            }
        }
    }
    node
}

/// When every branch is a string constant (a documented unit enum), their values.
fn const_values(branches: &[&Value]) -> Option<Vec<Value>> {
    if branches.is_empty() {
        return None;
    }
    let mut values = Vec::new();
    for branch in branches {
        if let Some(value) = branch.get("const") {
            values.push(value.clone());
        } else if let Some(Value::Array(enumerated)) = branch.get("enum") {
            values.extend(enumerated.iter().cloned());
        } else {
            return None;
        }
    }
    values.iter().all(Value::is_string).then_some(values)
}

fn single_type(node: &Map<String, Value>) -> &'static str {
    let named = match node.get("type") {
        Some(Value::String(name)) => Some(name.as_str()),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).find(|name| *name != "null"),
        _ => None,
    };
    match named {
        Some("string") => "string",
        Some("integer" | "number") => "number",
        Some("boolean") => "boolean",
        Some("array") => "array",
        Some("object") => "object",
        _ if node.contains_key("properties") => "object",
        _ if node.contains_key("items") => "array",
        _ if node.get("enum").and_then(Value::as_array).is_some_and(|v| v.iter().all(Value::is_string)) => {
            "string"
        }
        _ => "object",
    }
}

/// `webinarKey` → `Webinar key`, `question_123` → `Question 123`.
pub fn humanize(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if ch == '_' || ch == '-' || ch == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.push(ch);
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut title = String::new();
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            title.push(' ');
        }
        let keep_case = word.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
        if index == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                title.extend(first.to_uppercase());
                title.push_str(&if keep_case {
                    chars.as_str().to_string()
                } else {
                    chars.as_str().to_lowercase()
                });
            }
        } else if keep_case {
            title.push_str(word);
        } else {
            title.push_str(&word.to_lowercase());
        }
    }
    title
}

/// Checks that a schema follows the dialect: every property has a single string `type` and a
/// `title`, `required` is a boolean on properties, and no `$ref` is left. Returns the problems.
pub fn dialect_problems(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(schema, "$", &mut problems);
    problems
}

fn check(schema: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(object) = schema.as_object() else {
        problems.push(format!("{path}: not an object schema"));
        return;
    };
    if !object.get("type").is_some_and(Value::is_string) {
        problems.push(format!("{path}: needs exactly one `type`"));
    }
    if object.contains_key("$ref") || object.contains_key("anyOf") || object.contains_key("oneOf") {
        problems.push(format!("{path}: `$ref`/`anyOf`/`oneOf` left in the schema"));
    }
    if let Some(required) = object.get("required") {
        if !required.is_boolean() {
            problems.push(format!("{path}: `required` must be a boolean on the property"));
        }
    }
    if let Some(Value::Object(properties)) = object.get("properties") {
        for (name, property) in properties {
            let child = format!("{path}.{name}");
            if !property.get("title").is_some_and(Value::is_string) {
                problems.push(format!("{child}: needs a `title`"));
            }
            check(property, &child, problems);
        }
    }
    if let Some(items) = object.get("items") {
        check(items, &format!("{path}[]"), problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    enum Mode {
        EmitIndividually,
        FetchAll,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        /// The answer's text.
        text: String,
        count: Option<u32>,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Sample {
        /// The webinar to read.
        #[schemars(title = "Webinar")]
        webinar_key: String,
        email: String,
        page_size: Option<u32>,
        flag: bool,
        mode: Option<Mode>,
        inner: Option<Inner>,
        list: Vec<Inner>,
        anything: Option<Value>,
    }

    #[test]
    fn required_moves_onto_properties_and_options_are_not_required() {
        let schema = input_schema::<Sample>();
        let properties = &schema["properties"];
        assert_eq!(schema["type"], "object");
        assert!(schema.get("required").is_none());
        assert_eq!(properties["webinarKey"]["required"], true);
        assert_eq!(properties["email"]["required"], true);
        assert!(properties["pageSize"].get("required").is_none());
        assert_eq!(properties["pageSize"]["type"], "number");
        assert_eq!(properties["flag"]["type"], "boolean");
    }

    #[test]
    fn every_property_has_a_title_and_one_type() {
        let schema = input_schema::<Sample>();
        assert_eq!(dialect_problems(&schema), Vec::<String>::new());
        assert_eq!(schema["properties"]["webinarKey"]["title"], "Webinar");
        assert_eq!(schema["properties"]["pageSize"]["title"], "Page size");
        assert_eq!(schema["properties"]["webinarKey"]["description"], "The webinar to read.");
    }

    #[test]
    fn refs_are_inlined_and_enums_become_string_enums() {
        let schema = input_schema::<Sample>();
        let mode = &schema["properties"]["mode"];
        assert_eq!(mode["type"], "string");
        assert_eq!(mode["enum"], json!(["emitIndividually", "fetchAll"]));
        let inner = &schema["properties"]["inner"];
        assert_eq!(inner["type"], "object");
        assert_eq!(inner["properties"]["text"]["required"], true);
        assert_eq!(schema["properties"]["list"]["items"]["properties"]["text"]["type"], "string");
        assert!(!schema.to_string().contains("$ref"));
    }

    #[test]
    fn the_checker_finds_dialect_problems() {
        let bad = json!({"type":"object","required":["a"],"properties":{"a":{"type":["string","null"]}}});
        let problems = dialect_problems(&bad);
        assert!(problems.iter().any(|p| p.contains("title")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("boolean")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("exactly one")), "{problems:?}");
    }

    #[test]
    fn names_become_titles() {
        assert_eq!(humanize("webinarKey"), "Webinar key");
        assert_eq!(humanize("question_123"), "Question 123");
        assert_eq!(humanize("emitBehavior"), "Emit behavior");
        assert_eq!(humanize("fromTime"), "From time");
        assert_eq!(humanize("joinURL"), "Join URL");
    }
}
