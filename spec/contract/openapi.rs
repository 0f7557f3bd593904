//! GoTo's OpenAPI 3.0 document of the webinar API, read from outside the repository, and the checks
//! of a request or a response against one of its operations.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

/// The file name of the document.
const FILE: &str = "goto-webinar-v2.openapi.json";
/// Where the API lives under the server's origin.
pub const BASE_PATH: &str = "/G2W/rest/v2";

/// Where the document is read from: `GOTO_OPENAPI`, else `shared/` beside the repository.
pub fn location() -> PathBuf {
    match std::env::var_os("GOTO_OPENAPI") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/goto-openapi").join(FILE),
    }
}

/// One parameter of an operation (path, query or header).
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// The path template without the server's base path, e.g. `/organizers/{organizerKey}/webinars`.
    pub path: String,
    pub params: Vec<Param>,
    /// Content types of the request body and its schema; `None` when the operation takes no body.
    pub body: Option<(Vec<String>, Value, bool)>,
    /// Documented statuses with the JSON schema of the answer's body, if the document gives one.
    pub responses: BTreeMap<String, Option<Value>>,
}

/// The loaded document: its operations and its schemas converted to JSON Schema.
pub struct Doc {
    pub ops: Vec<Operation>,
    schemas: Value,
}

/// A problem with one request or response, as one readable line.
pub type Problems = Vec<String>;

impl Doc {
    /// Loads the document; the error is one line saying where to put it.
    pub fn load() -> Result<Doc, String> {
        let path = location();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "GoTo's OpenAPI document is not readable at {} ({e}): copy {FILE} there (shared/reference/goto-openapi/ beside the repository) or set GOTO_OPENAPI=<path to {FILE}>",
                path.display()
            )
        })?;
        let root: Value = serde_json::from_str(&text).map_err(|e| {
            format!("{} is not the JSON OpenAPI document ({e}); set GOTO_OPENAPI to {FILE}", path.display())
        })?;
        Self::from_value(&root)
    }

    /// Reads the operations of a parsed document.
    pub fn from_value(root: &Value) -> Result<Doc, String> {
        let schemas = root.pointer("/components/schemas").cloned().unwrap_or(json!({}));
        let mut schemas = convert(&schemas);
        errata::patch_schemas(&mut schemas);
        let shared_params = root.pointer("/components/parameters").cloned().unwrap_or(json!({}));
        let paths = root.get("paths").and_then(Value::as_object).ok_or("the document has no `paths`")?;
        let mut ops = Vec::new();
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| resolve_param(p, &shared_params))
                    .collect();
                let body = op.get("requestBody").map(|rb| {
                    let content = rb.get("content").and_then(Value::as_object).cloned().unwrap_or_default();
                    let types: Vec<String> = content.keys().cloned().collect();
                    let schema = content
                        .values()
                        .next()
                        .and_then(|c| c.get("schema"))
                        .map(convert)
                        .unwrap_or(json!({}));
                    (types, schema, rb.get("required").and_then(Value::as_bool).unwrap_or(false))
                });
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| {
                        let schema = r.pointer("/content/application~1json/schema").map(convert);
                        (status.clone(), schema)
                    })
                    .collect();
                ops.push(Operation {
                    id: op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_string(),
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    params,
                    body,
                    responses,
                });
            }
        }
        Ok(Doc { ops, schemas })
    }

    /// The operation serving `method` on a concrete path under the base path; the template with the
    /// most literal segments wins (`/registrants/fields` over `/registrants/{registrantKey}`).
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.strip_prefix(BASE_PATH)?;
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.ops
            .iter()
            .filter(|op| op.method == method)
            .filter_map(|op| {
                let template: Vec<&str> = op.path.split('/').collect();
                if template.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (i, (t, s)) in template.iter().zip(&segments).enumerate() {
                    if t.starts_with('{') {
                        // A segment another template spells out (`secretkey`) is that literal, not a key.
                        if s.is_empty() || self.is_literal_at(&segments[..i], s) {
                            return None;
                        }
                    } else if t == s {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, op))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
    }

    /// Whether some template has the literal `segment` right after a prefix matching `prefix`.
    fn is_literal_at(&self, prefix: &[&str], segment: &str) -> bool {
        self.ops.iter().any(|op| {
            let template: Vec<&str> = op.path.split('/').collect();
            template.len() > prefix.len()
                && template[prefix.len()] == segment
                && template.iter().zip(prefix).all(|(t, p)| t.starts_with('{') || t == p)
        })
    }

    /// Validates `instance` against a converted schema of this document.
    pub fn validate(&self, schema: &Value, instance: &Value) -> Problems {
        let mut root = schema.clone();
        if let Some(obj) = root.as_object_mut() {
            obj.insert("components".into(), json!({ "schemas": self.schemas }));
        } else {
            root = json!({"allOf": [schema], "components": {"schemas": self.schemas}});
        }
        let validator = match jsonschema::draft4::options().should_validate_formats(true).build(&root) {
            Ok(v) => v,
            Err(e) => return vec![format!("the document's schema does not compile: {e}")],
        };
        validator.iter_errors(instance).map(|e| format!("at `{}`: {e}", e.instance_path())).collect()
    }

    /// A parameter's value (as text) against its schema.
    pub fn check_param(&self, param: &Param, value: &str) -> Option<String> {
        let schema = convert(&param.schema);
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or("string");
        let instance = match kind {
            "integer" => {
                if !is_digits(value) {
                    return Some(format!(
                        "{} `{}` = `{value}` is not an integer",
                        param.location, param.name
                    ));
                }
                // Keys above int64 are allowed as decimal text (see errata); the schema sees a small one.
                match value.parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) => return None,
                }
            }
            "boolean" => match value {
                "true" => json!(true),
                "false" => json!(false),
                _ => {
                    return Some(format!(
                        "{} `{}` = `{value}` is not true or false",
                        param.location, param.name
                    ))
                }
            },
            "array" => Value::Array(value.split(',').map(|v| json!(v)).collect()),
            _ => json!(value),
        };
        let problems = self.validate(&schema, &instance);
        (!problems.is_empty())
            .then(|| format!("{} `{}` = `{value}`: {}", param.location, param.name, problems.join("; ")))
    }
}

fn resolve_param(p: &Value, shared: &Value) -> Option<Param> {
    let p = match p.get("$ref").and_then(Value::as_str) {
        Some(r) => shared.get(r.rsplit('/').next()?)?,
        None => p,
    };
    Some(Param {
        name: p.get("name")?.as_str()?.to_string(),
        location: p.get("in")?.as_str()?.to_string(),
        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
        schema: p.get("schema").cloned().unwrap_or(json!({})),
    })
}

/// Whether `text` is a non-empty run of ASCII digits.
pub fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// An OpenAPI 3.0 schema object as JSON Schema (draft 4): `nullable: true` admits `null`, and the
/// keywords JSON Schema does not know (examples, vendor extensions) are dropped.
pub fn convert(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut nullable = false;
            for (k, v) in map {
                match k.as_str() {
                    "nullable" => nullable = v.as_bool().unwrap_or(false),
                    "example" | "examples" | "discriminator" | "xml" | "externalDocs" | "deprecated"
                    | "readOnly" | "writeOnly" | "collectionFormat" => {}
                    k if k.starts_with("x-") => {}
                    // Property names are data, not keywords: keep them, convert their schemas.
                    "properties" => {
                        let props = v
                            .as_object()
                            .map(|p| p.iter().map(|(name, s)| (name.clone(), convert(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), convert(v));
                    }
                }
            }
            if nullable {
                json!({"anyOf": [Value::Object(out), {"type": "null"}]})
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        other => other.clone(),
    }
}

/// A JSON text as a `Value` for validation, plus what plain parsing would hide: integer literals
/// above the 64-bit range (replaced by `i64::MAX`, see errata) and integral values written as
/// fractions or exponents (`5.0`, `5e0`), which are not JSON integers.
pub fn parse_exact(text: &str) -> Result<(Value, Vec<String>), String> {
    let mut notes = Vec::new();
    let value = jsonkit::parse_with(text, |number| {
        let at = number.pointer();
        if number.is_big_integer() {
            notes.push(format!("big-integer `{at}`"));
            return Some(json!(i64::MAX));
        }
        if !number.is_integer() && number.value().as_f64().is_some_and(|f| f.fract() == 0.0) {
            notes.push(format!("fraction `{at}` = {}", number.text()));
        }
        None
    })
    .map_err(|e| match e.pointer() {
        "" => format!("the body is not JSON: {}", e.inner()),
        at => format!("the body is not JSON at `{at}`: {}", e.inner()),
    })?;
    Ok((value, notes))
}

/// The document's own faults (see the README beside it) and the tolerances they call for.
pub mod errata {
    use serde_json::Value;

    /// Each erratum with its reason, as the test reports them.
    pub const ERRATA: &[(&str, &str)] = &[
        (
            "Webinar.required: webinarId, status",
            "`Webinar` requires `webinarId` and `status` but defines `webinarID` and no `status`: both are dropped from `required`",
        ),
        (
            "getAllRegistrantsForWebinar 200 oneOf",
            "the answer is `oneOf [RegistrantArray, RegistrantPaginatedResponse]`, and the second has no `type: object`, so an array matches both: read as `anyOf`",
        ),
        (
            "getInSessionWebinars toTime",
            "`toTime` (parameter `optionalToTime`) is marked required, yet the description says a range is optional: the sandbox answers every webinar in session without one",
        ),
        (
            "getWebinarSession 200",
            "documented as an array of `Attendee`; GoTo answers a session object, which the sandbox serves and the response check accepts as a `Session`",
        ),
        (
            "keys above int64",
            "keys documented as `int64` exceed it in real accounts (e.g. 24576065432313123456): any decimal key sent as an exact JSON integer or path segment is accepted",
        ),
        (
            "`_embedded` on an empty page",
            "the document marks `_embedded` required in paged answers, yet GoTo leaves it out of an empty page (see gotowebinar-api.md, Pagination): it is not required",
        ),
        (
            "WebinarReqCreate sequence",
            "`WebinarReqCreate` requires `times` and has no sequence fields, yet GoTo creates a sequence (`type: sequence`) from `recurrenceStart`, `recurrencePattern` and `recurrenceEnd` without `times` (gotowebinar-api.md, Webinars): `times` is required unless the body is such a sequence",
        ),
        (
            "PollAnswer.answers example",
            "an array is given as the example of a string: examples are ignored",
        ),
    ];

    fn drop_embedded_requirement(schema: &mut Value) {
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != "_embedded");
        }
    }

    /// Applies the schema errata to the converted `components.schemas`.
    pub fn patch_schemas(schemas: &mut Value) {
        if let Some(all) = schemas.as_object_mut() {
            all.values_mut().for_each(drop_embedded_requirement);
        }
        if let Some(required) = schemas.pointer_mut("/Webinar/required").and_then(Value::as_array_mut) {
            required.retain(|r| r != "webinarId" && r != "status");
        }
        if let Some(create) = schemas.get_mut("WebinarReqCreate").and_then(Value::as_object_mut) {
            create.insert("required".into(), serde_json::json!(["subject"]));
            create.insert(
                "anyOf".into(),
                serde_json::json!([
                    {"required": ["times"]},
                    {
                        "required": ["type", "recurrenceStart", "recurrencePattern", "recurrenceEnd"],
                        "properties": {"type": {"enum": ["sequence"]}}
                    }
                ]),
            );
        }
    }

    /// Applies the errata of one operation's answer schema.
    pub fn patch_response(operation_id: &str, status: &str, schema: &mut Value) {
        drop_embedded_requirement(schema);
        if operation_id == "getAllRegistrantsForWebinar" && status == "200" {
            if let Some(obj) = schema.as_object_mut() {
                if let Some(one_of) = obj.remove("oneOf") {
                    obj.insert("anyOf".into(), one_of);
                }
            }
        }
        if operation_id == "getWebinarSession" && status == "200" {
            *schema =
                serde_json::json!({"anyOf": [schema.clone(), {"$ref": "#/components/schemas/Session"}]});
        }
    }
}
