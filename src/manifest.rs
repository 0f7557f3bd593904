//! `component.json`, generated from the functions' descriptions.

use serde_json::{json, Map, Value};

use crate::spec::{FunctionSpec, Kind, Model};

/// The GoTo authorization endpoint the platform sends people to.
pub const AUTHORIZE_URI: &str = "https://authentication.logmeininc.com/oauth/authorize";
/// The GoTo token endpoint the platform exchanges codes at.
pub const TOKEN_URI: &str = "https://authentication.logmeininc.com/oauth/token";
/// The scopes the component asks for.
pub const SCOPES: [&str; 2] = ["collab:", "identity:scim.me"];

/// Builds the manifest from the given function descriptions and select-model method names.
pub fn build(functions: &[FunctionSpec]) -> Value {
    let mut actions = Map::new();
    let mut triggers = Map::new();
    for function in functions {
        let target = if function.kind == Kind::Action { &mut actions } else { &mut triggers };
        target.insert(function.name.to_string(), function.to_manifest());
    }
    json!({
        "title": "GoToWebinar",
        "description": "Create and manage GoToWebinar webinars, registrants, sessions, attendees, panelists and co-organizers, and start flows when people register or join.",
        "version": env!("CARGO_PKG_VERSION"),
        "buildType": "docker",
        "docsUrl": "https://developer.goto.com/GoToWebinarV2",
        "envVars": {
            "CITRIX_APP_ID": {
                "required": true,
                "description": "Client ID of your OAuth client from the GoTo Developer Center"
            },
            "CITRIX_APP_SECRET": {
                "required": true,
                "description": "Client secret of your OAuth client from the GoTo Developer Center"
            },
            "CITRIX_WEBHOOK_SECRET": {
                "required": false,
                "description": "Webhook secret key of your GoTo application (create it once with `gotowebinar webhooks create-secret`); the instant triggers verify deliveries with it"
            }
        },
        "credentials": {
            "fields": {
                "oauth": {
                    "label": "GoTo account",
                    "viewClass": "OAuthFieldView",
                    "required": true,
                    "note": "Sign in with the GoTo account that organizes your webinars"
                },
                "organizerKey": {
                    "label": "Organizer key",
                    "viewClass": "TextFieldView",
                    "required": false,
                    "note": "Optional: found automatically from the signed-in account when left empty"
                },
                "accountKey": {
                    "label": "Account key",
                    "viewClass": "TextFieldView",
                    "required": false,
                    "note": "Optional: needed only for account-wide lists; found automatically when left empty"
                }
            },
            "oauth2": {
                "client_id": "{{CITRIX_APP_ID}}",
                "client_secret": "{{CITRIX_APP_SECRET}}",
                "auth_uri": AUTHORIZE_URI,
                "token_uri": TOKEN_URI,
                "scopes": SCOPES,
            }
        },
        "triggers": triggers,
        "actions": actions,
    })
}

/// The manifest as written to disk: pretty JSON with a trailing newline.
pub fn render(manifest: &Value) -> String {
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    text.push('\n');
    text
}

/// Checks a manifest against the platform's rules and this project's: function names match
/// `^[A-Za-z]+\w*$` and are unique across triggers and actions; every `main` names a known
/// handler; every function has metadata or dynamic metadata; every select `model` names a known
/// select-model method; every `{{VAR}}` is declared in `envVars`. Returns the problems found.
pub fn problems(manifest: &Value, handlers: &[&str], select_models: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for section in ["triggers", "actions"] {
        let Some(functions) = manifest.get(section).and_then(Value::as_object) else {
            problems.push(format!("`{section}` is missing"));
            continue;
        };
        for (name, function) in functions {
            if !valid_name(name) {
                problems.push(format!("{section}.{name}: name must match ^[A-Za-z]+\\w*$"));
            }
            if !seen.insert(name.clone()) {
                problems.push(format!("{section}.{name}: name used twice"));
            }
            match function.get("main").and_then(Value::as_str) {
                Some(main) if handlers.contains(&main) => {}
                Some(main) => problems.push(format!("{section}.{name}: main {main:?} has no handler")),
                None => problems.push(format!("{section}.{name}: `main` is missing")),
            }
            if function.get("metadata").is_none() && function.get("dynamicMetadata") != Some(&json!(true)) {
                problems.push(format!("{section}.{name}: needs `metadata` or `dynamicMetadata`"));
            }
            if function.get("title").and_then(Value::as_str).is_none_or(str::is_empty) {
                problems.push(format!("{section}.{name}: needs a title"));
            }
            if let Some(fields) = function.get("fields").and_then(Value::as_object) {
                for (field_name, field) in fields {
                    if field.get("label").and_then(Value::as_str).is_none_or(str::is_empty) {
                        problems.push(format!("{section}.{name}.fields.{field_name}: needs a label"));
                    }
                    if let Some(Value::String(model)) = field.get("model") {
                        if !select_models.contains(&model.as_str()) {
                            problems.push(format!(
                                "{section}.{name}.fields.{field_name}: select model {model:?} does not exist"
                            ));
                        }
                    }
                }
            }
        }
    }
    let declared = manifest.get("envVars").and_then(Value::as_object).cloned().unwrap_or_default();
    for variable in placeholders(&manifest.to_string()) {
        if !declared.contains_key(&variable) {
            problems.push(format!("{{{{{variable}}}}} is used but not declared in envVars"));
        }
    }
    problems
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                found.push(after[..end].trim().to_string());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    found
}

/// Select-model method names used by a manifest's fields (for cross-checks).
pub fn used_models(functions: &[FunctionSpec]) -> Vec<&'static str> {
    let mut models: Vec<&'static str> = functions
        .iter()
        .flat_map(|f| f.fields.iter())
        .filter_map(|field| match &field.model {
            Some(Model::Method(method)) => Some(*method),
            _ => None,
        })
        .collect();
    models.sort_unstable();
    models.dedup();
    models
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Field;

    fn sample() -> Vec<FunctionSpec> {
        let mut list = FunctionSpec::new("listWebinars", Kind::Action, "List webinars", "Lists webinars");
        list.fields.push(Field::select_from("webinarKey", "Webinar", "selectWebinars"));
        vec![list, FunctionSpec::new("newRegistrants", Kind::PollingTrigger, "New registrants", "Polls")]
    }

    #[test]
    fn a_good_manifest_has_no_problems() {
        let manifest = build(&sample());
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(manifest["triggers"]["newRegistrants"]["type"], "polling");
        assert_eq!(
            problems(&manifest, &["listWebinars", "newRegistrants"], &["selectWebinars"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_checker_finds_each_kind_of_problem() {
        let mut manifest = build(&sample());
        manifest["actions"]["bad-name"] = json!({"title": "x", "main": "nowhere"});
        manifest["actions"]["newRegistrants"] = manifest["triggers"]["newRegistrants"].clone();
        manifest["credentials"]["oauth2"]["client_id"] = json!("{{UNDECLARED}}");
        let found = problems(&manifest, &["listWebinars", "newRegistrants"], &[]);
        let has = |needle: &str| found.iter().any(|p| p.contains(needle));
        assert!(has("must match"), "{found:?}");
        assert!(has("has no handler"), "{found:?}");
        assert!(has("needs `metadata`"), "{found:?}");
        assert!(has("used twice"), "{found:?}");
        assert!(has("select model \"selectWebinars\" does not exist"), "{found:?}");
        assert!(has("UNDECLARED"), "{found:?}");
    }
}
