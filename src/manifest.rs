//! `component.json`, generated from the functions' descriptions.

use serde_json::{json, Map, Value};

use crate::function_spec::{FunctionSpec, Kind, Model};

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
    let mut manifest = json!({
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
    });
    // The platform reads `consumesRawData` at the top level only, for every webhook of the
    // component: the webhook triggers need the raw body to check GoTo's signature.
    if functions.iter().any(|function| function.kind == Kind::WebhookTrigger) {
        manifest["consumesRawData"] = json!(true);
    }
    manifest
}

/// The manifest as written to disk: pretty JSON with a trailing newline.
pub fn render(manifest: &Value) -> String {
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    text.push('\n');
    text
}

/// View classes the platform's validator knows (`elasticio-cli cmp:validate`).
pub const VIEW_CLASSES: [&str; 21] = [
    "TextFieldView",
    "TextFieldWithNoteView",
    "PasswordFieldView",
    "CheckBoxView",
    "CodeFieldView",
    "TextAreaView",
    "TextAreaWithNoteView",
    "SelectView",
    "MultiSelectView",
    "SelectTreeView",
    "SelectPropertyView",
    "OAuthFieldView",
    "WebHookPayloadView",
    "OutMetadataView",
    "InMetadataExtensionView",
    "CSVReadView",
    "CSVWriteView",
    "JSONataView",
    "RESTAPIView",
    "HTTPAuthView",
    "WebhookAuthView",
];

/// What a manifest is checked against besides itself: what the component actually answers.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The function names the binary dispatches on (every `main` must be one).
    pub functions: &'a [&'a str],
    /// The select-model methods the component answers (every string `model` must be one).
    pub select_models: &'a [&'a str],
    /// The functions `getMetaModel` answers for (every `dynamicMetadata` function must be one).
    pub meta_models: &'a [&'a str],
    /// The repository root, to check file references and `logo.png`; `None` skips file checks.
    pub root: Option<&'a std::path::Path>,
}

/// Checks a manifest with [`check`], taking `handlers` as the dispatched and `getMetaModel`
/// functions, without file checks.
pub fn problems(manifest: &Value, handlers: &[&str], select_models: &[&str]) -> Vec<String> {
    check(manifest, &Known { functions: handlers, select_models, meta_models: handlers, root: None })
}

/// Checks a manifest against the platform's component.json reference and the rules of its
/// published validator (`elasticio-cli cmp:validate`), warnings included. Returns the problems.
///
/// Top level: `title`, `description`, semver `version`, `buildType` `docker` or `slug`, `envVars`
/// as `{NAME: {required: bool, description}}`, every `{{VAR}}` declared there, `consumesRawData`
/// a boolean here and in no function, `docsUrl` an http(s) URL, `logo.png` present.
/// Credentials: `fields` with a label and a known view class each (a select with an object
/// model); an `OAuthFieldView` field goes with an `oauth2` (or `oauth1`) section holding its
/// client, endpoints and scopes, and the other way round. Functions: names match
/// `^[A-Za-z]+[\w_]*$` and are unique across triggers and actions; a title, a description and a
/// `main` the binary dispatches on; `metadata` (`in` for actions, `out`) or `dynamicMetadata: true`
/// answered by `getMetaModel`, never both; triggers' `type` is `polling` or absent, actions have
/// none; fields have a label and a known view class, and a select's `model` is an object or a
/// select-model method the component answers; `deprecated` a boolean, `help` an object.
pub fn check(manifest: &Value, known: &Known) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(top) = manifest.as_object() else {
        return vec!["the manifest must be a JSON object".into()];
    };
    for key in ["title", "description"] {
        if !non_empty(top.get(key)) {
            problems.push(format!("`{key}` must be a non-empty string"));
        }
    }
    match top.get("version").and_then(Value::as_str) {
        Some(version) if is_semver(version) => {}
        other => problems.push(format!("`version` must be a semantic version (1.2.3), got {other:?}")),
    }
    if let Some(build) = top.get("buildType") {
        if build != "docker" && build != "slug" {
            problems.push(format!("`buildType` must be \"docker\" or \"slug\", got {build}"));
        }
    }
    if let Some(url) = top.get("docsUrl") {
        if !url.as_str().is_some_and(is_http_url) {
            problems.push(format!("`docsUrl` must be an http(s) URL, got {url}"));
        }
    }
    if let Some(raw) = top.get("consumesRawData") {
        if !raw.is_boolean() {
            problems.push(format!("`consumesRawData` must be a boolean, got {raw}"));
        }
    }
    check_env_vars(top, &mut problems);
    check_help(top, "the component", &mut problems);
    check_credentials(top.get("credentials"), &mut problems);

    let mut seen = std::collections::BTreeSet::new();
    for section in ["triggers", "actions"] {
        let functions = match top.get(section) {
            Some(Value::Object(functions)) => functions,
            Some(_) => {
                problems.push(format!("`{section}` must be an object of functions by name"));
                continue;
            }
            None => {
                problems.push(format!("`{section}` is missing"));
                continue;
            }
        };
        for (name, function) in functions {
            let at = format!("{section}.{name}");
            if !valid_name(name) {
                problems.push(format!(
                    "{at}: a name must start with a letter and hold only letters, digits and \
                     underscores (^[A-Za-z]+[\\w_]*$)"
                ));
            }
            if !seen.insert(name.clone()) {
                problems.push(format!("{at}: the name is used by a trigger and an action"));
            }
            check_function(&at, section == "actions", function, known, &mut problems);
        }
    }

    let declared = top.get("envVars").and_then(Value::as_object).cloned().unwrap_or_default();
    for variable in placeholders(&manifest.to_string()) {
        if !declared.contains_key(&variable) {
            problems.push(format!("{{{{{variable}}}}} is used but not declared in envVars"));
        }
    }
    if let Some(root) = known.root {
        check_logo(&root.join("logo.png"), &mut problems);
    }
    problems
}

fn check_function(at: &str, is_action: bool, function: &Value, known: &Known, problems: &mut Vec<String>) {
    let Some(function) = function.as_object() else {
        problems.push(format!("{at}: must be an object"));
        return;
    };
    for key in ["title", "description"] {
        if !non_empty(function.get(key)) {
            problems.push(format!("{at}: needs a {key}"));
        }
    }
    match function.get("main").and_then(Value::as_str) {
        Some(main) if known.functions.contains(&main) => {}
        Some(main) => problems.push(format!("{at}: main {main:?} has no handler in the binary")),
        None => problems.push(format!("{at}: `main` is missing")),
    }
    if function.contains_key("consumesRawData") {
        problems.push(format!(
            "{at}: `consumesRawData` belongs at the top level of component.json (it applies to every webhook)"
        ));
    }
    match (function.get("type"), is_action) {
        (None, _) => {}
        (Some(kind), false) if kind == "polling" => {}
        (Some(kind), false) => {
            problems.push(format!("{at}: a trigger's `type` is \"polling\" or absent, got {kind}"))
        }
        (Some(kind), true) => problems.push(format!("{at}: an action has no `type`, got {kind}")),
    }
    let dynamic = function.get("dynamicMetadata");
    if let Some(flag) = dynamic {
        if flag != &json!(true) {
            problems.push(format!("{at}: `dynamicMetadata` is true or absent, got {flag}"));
        }
    }
    let dynamic = dynamic == Some(&json!(true));
    let name = function.get("main").and_then(Value::as_str).unwrap_or_default();
    match (function.get("metadata"), dynamic) {
        (None, false) => problems.push(format!("{at}: needs `metadata` or `dynamicMetadata`")),
        (Some(_), true) => problems.push(format!(
            "{at}: has both `dynamicMetadata` and `metadata`; the platform ignores the metadata, leave it out"
        )),
        (None, true) => {
            if !known.meta_models.contains(&name) {
                problems.push(format!("{at}: has `dynamicMetadata` but getMetaModel does not answer for it"));
            }
        }
        (Some(metadata), false) => check_metadata(at, is_action, metadata, known, problems),
    }
    if let Some(deprecated) = function.get("deprecated") {
        if !deprecated.is_boolean() {
            problems.push(format!("{at}: `deprecated` must be a boolean, got {deprecated}"));
        }
    }
    check_help(function, at, problems);
    match function.get("fields") {
        None => {}
        Some(Value::Object(fields)) => {
            for (field_name, field) in fields {
                check_field(&format!("{at}.fields.{field_name}"), field, Some(known.select_models), problems);
            }
        }
        Some(_) => problems.push(format!("{at}: `fields` must be an object of fields by name")),
    }
}

fn check_metadata(at: &str, is_action: bool, metadata: &Value, known: &Known, problems: &mut Vec<String>) {
    match metadata {
        Value::String(path) => {
            if let Some(root) = known.root {
                if !root.join(path).is_file() {
                    problems.push(format!("{at}: metadata file {path} does not exist"));
                }
            }
        }
        Value::Object(sides) => {
            let wanted: &[&str] = if is_action { &["in", "out"] } else { &["out"] };
            for side in wanted {
                match sides.get(*side) {
                    Some(Value::Object(_)) | Some(Value::String(_)) => {}
                    Some(other) => {
                        problems.push(format!("{at}: metadata.{side} must be a schema, got {other}"))
                    }
                    None => problems.push(format!("{at}: metadata.{side} is missing")),
                }
            }
        }
        other => problems
            .push(format!("{at}: `metadata` must be an object {{in, out}} or a file path, got {other}")),
    }
}

/// A field of a function (`select_models` given) or of the credentials (`None`: only object models).
fn check_field(at: &str, field: &Value, select_models: Option<&[&str]>, problems: &mut Vec<String>) {
    let Some(field) = field.as_object() else {
        problems.push(format!("{at}: must be an object"));
        return;
    };
    if !non_empty(field.get("label")) {
        problems.push(format!("{at}: needs a label"));
    }
    let view_class = field.get("viewClass").and_then(Value::as_str);
    match view_class {
        None => problems.push(format!("{at}: needs a viewClass")),
        Some(class) if !VIEW_CLASSES.contains(&class) => {
            problems.push(format!("{at}: view class {class:?} is not one the platform knows"))
        }
        Some(_) => {}
    }
    if let Some(required) = field.get("required") {
        if !required.is_boolean() {
            problems.push(format!("{at}: `required` must be a boolean, got {required}"));
        }
    }
    if matches!(view_class, Some("SelectView" | "MultiSelectView")) {
        match (field.get("model"), select_models) {
            (Some(Value::Object(_)), _) => {}
            (Some(Value::String(model)), Some(methods)) if methods.contains(&model.as_str()) => {}
            (Some(Value::String(model)), Some(_)) => {
                problems.push(format!("{at}: select model {model:?} does not exist"))
            }
            _ => problems.push(format!(
                "{at}: a select needs a `model`: an object of options or a select-model method"
            )),
        }
    }
}

fn check_env_vars(top: &Map<String, Value>, problems: &mut Vec<String>) {
    match top.get("envVars") {
        None => {}
        Some(Value::Object(vars)) => {
            for (name, var) in vars {
                let good_name = name.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
                    && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !good_name {
                    problems.push(format!("envVars.{name}: an environment variable name is A-Z, 0-9 and _"));
                }
                if !var.get("required").is_some_and(Value::is_boolean) {
                    problems.push(format!("envVars.{name}: `required` must be a boolean"));
                }
                if !non_empty(var.get("description")) {
                    problems.push(format!("envVars.{name}: needs a description"));
                }
            }
        }
        Some(other) => problems
            .push(format!("`envVars` must be an object {{NAME: {{required, description}}}}, got {other}")),
    }
    if let Some(env) = top.get("env") {
        if !env.as_array().is_some_and(|names| names.iter().all(Value::is_string)) {
            problems.push(format!("`env` must be a list of variable names, got {env}"));
        }
    }
}

fn check_help(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let Some(help) = object.get("help") else { return };
    if !help.is_object() || !non_empty(help.get("description")) {
        problems.push(format!("{at}: `help` must be an object with a description"));
    }
    if let Some(link) = help.get("link") {
        if !link.as_str().is_some_and(is_http_url) {
            problems.push(format!("{at}: help.link must be an http(s) URL, got {link}"));
        }
    }
}

fn check_credentials(credentials: Option<&Value>, problems: &mut Vec<String>) {
    let Some(credentials) = credentials else {
        problems.push("`credentials` is missing".into());
        return;
    };
    let Some(fields) = credentials.get("fields").and_then(Value::as_object) else {
        problems.push("credentials: the fields must be in `credentials.fields`".into());
        return;
    };
    let mut oauth_fields = 0;
    for (name, field) in fields {
        check_field(&format!("credentials.fields.{name}"), field, None, problems);
        if field.get("viewClass") == Some(&json!("OAuthFieldView")) {
            oauth_fields += 1;
        }
    }
    let oauth2 = credentials.get("oauth2");
    let oauth1 = credentials.get("oauth1");
    if oauth_fields > 1 {
        problems.push("credentials: one OAuthFieldView field at most".into());
    }
    if oauth_fields > 0 && oauth2.is_none() && oauth1.is_none() {
        problems.push("credentials: an OAuthFieldView field needs an `oauth2` (or `oauth1`) section".into());
    }
    if oauth_fields == 0 && (oauth2.is_some() || oauth1.is_some()) {
        problems
            .push("credentials: an OAuth section needs an OAuthFieldView field to hold the tokens".into());
    }
    if let Some(oauth2) = oauth2 {
        for key in ["client_id", "client_secret"] {
            if !non_empty(oauth2.get(key)) {
                problems.push(format!("credentials.oauth2.{key} is missing"));
            }
        }
        for key in ["auth_uri", "token_uri"] {
            if !oauth2
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|uri| uri.starts_with("https://") || uri.starts_with("{{"))
            {
                problems.push(format!("credentials.oauth2.{key} must be an https URL"));
            }
        }
        if let Some(scopes) = oauth2.get("scopes") {
            if !scopes
                .as_array()
                .is_some_and(|list| list.iter().all(|s| s.as_str().is_some_and(|s| !s.is_empty())))
            {
                problems
                    .push(format!("credentials.oauth2.scopes must be a list of scope names, got {scopes}"));
            }
        }
    }
    if let Some(oauth1) = oauth1 {
        for key in ["consumer_key", "consumer_secret", "request_token_uri", "auth_uri", "access_token_uri"] {
            if !non_empty(oauth1.get(key)) {
                problems.push(format!("credentials.oauth1.{key} is missing"));
            }
        }
    }
}

fn check_logo(path: &std::path::Path, problems: &mut Vec<String>) {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    match std::fs::read(path) {
        Ok(bytes) if bytes.starts_with(PNG) => {}
        Ok(_) => problems.push(format!("{} is not a PNG image", path.display())),
        Err(error) => {
            problems.push(format!("{} (the flow builder's icon) cannot be read: {error}", path.display()))
        }
    }
}

fn non_empty(value: Option<&Value>) -> bool {
    value.and_then(Value::as_str).is_some_and(|text| !text.trim().is_empty())
}

fn is_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// `MAJOR.MINOR.PATCH[-pre][+build]` as semver.org defines it.
fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let number = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| c.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    let identifiers = |text: &str| {
        text.split('.').all(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|part| number(part))
        && pre.is_none_or(|pre| {
            identifiers(pre) && pre.split('.').all(|id| !id.chars().all(|c| c.is_ascii_digit()) || number(id))
        })
        && build.is_none_or(identifiers)
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
    use crate::function_spec::Field;

    fn sample() -> Vec<FunctionSpec> {
        let mut list = FunctionSpec::new("listWebinars", Kind::Action, "List webinars", "Lists webinars");
        list.fields.push(Field::select_from("webinarKey", "Webinar", "selectWebinars"));
        let mut create =
            FunctionSpec::new("createRegistrant", Kind::Action, "Create registrant", "Registers a person");
        create.dynamic_metadata = true;
        vec![
            list,
            create,
            FunctionSpec::new("newRegistrants", Kind::PollingTrigger, "New registrants", "Polls"),
            FunctionSpec::new("registrantAdded", Kind::WebhookTrigger, "Registrant added", "Webhook"),
        ]
    }

    const NAMES: [&str; 4] = ["listWebinars", "createRegistrant", "newRegistrants", "registrantAdded"];

    fn found(manifest: &Value) -> Vec<String> {
        problems(manifest, &NAMES, &["selectWebinars"])
    }

    /// Asserts that `change` makes the checker report a problem containing `needle`.
    fn finds(needle: &str, change: impl FnOnce(&mut Value)) {
        let mut manifest = build(&sample());
        change(&mut manifest);
        let found = found(&manifest);
        assert!(found.iter().any(|p| p.contains(needle)), "expected {needle:?} in {found:#?}");
    }

    #[test]
    fn a_good_manifest_has_no_problems() {
        let manifest = build(&sample());
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(manifest["triggers"]["newRegistrants"]["type"], "polling");
        assert_eq!(found(&manifest), Vec::<String>::new());
    }

    #[test]
    fn raw_data_is_asked_for_once_at_the_top_level() {
        let manifest = build(&sample());
        assert_eq!(manifest["consumesRawData"], true);
        assert!(manifest["triggers"]["registrantAdded"].get("consumesRawData").is_none());
        assert!(manifest["triggers"]["registrantAdded"].get("type").is_none(), "a webhook has no type");
        let polling_only = build(&sample()[..3]);
        assert!(polling_only.get("consumesRawData").is_none(), "no webhook, no raw data");
    }

    #[test]
    fn dynamic_metadata_comes_without_static_metadata() {
        let manifest = build(&sample());
        assert_eq!(manifest["actions"]["createRegistrant"]["dynamicMetadata"], true);
        assert!(manifest["actions"]["createRegistrant"].get("metadata").is_none());
        assert!(manifest["actions"]["listWebinars"]["metadata"]["in"].is_object());
    }

    #[test]
    fn the_checker_finds_each_kind_of_problem() {
        finds("must start with a letter", |m| {
            m["actions"]["bad-name"] = m["actions"]["listWebinars"].clone()
        });
        finds("must start with a letter", |m| m["actions"]["1st"] = m["actions"]["listWebinars"].clone());
        finds("used by a trigger and an action", |m| {
            m["actions"]["newRegistrants"] = m["triggers"]["newRegistrants"].clone()
        });
        finds("has no handler", |m| m["actions"]["listWebinars"]["main"] = json!("./lib/actions/list.js"));
        finds("`main` is missing", |m| {
            m["actions"]["listWebinars"].as_object_mut().unwrap().remove("main");
        });
        finds("needs `metadata` or `dynamicMetadata`", |m| {
            m["actions"]["listWebinars"].as_object_mut().unwrap().remove("metadata");
        });
        finds("both `dynamicMetadata` and `metadata`", |m| {
            m["actions"]["createRegistrant"]["metadata"] = json!({"in": {}, "out": {}})
        });
        finds("metadata.in is missing", |m| m["actions"]["listWebinars"]["metadata"] = json!({"out": {}}));
        finds("needs a title", |m| m["actions"]["listWebinars"]["title"] = json!(""));
        finds("needs a description", |m| {
            m["triggers"]["newRegistrants"].as_object_mut().unwrap().remove("description");
        });
        finds("select model \"selectNothing\" does not exist", |m| {
            m["actions"]["listWebinars"]["fields"]["webinarKey"]["model"] = json!("selectNothing")
        });
        finds("a select needs a `model`", |m| {
            m["actions"]["listWebinars"]["fields"]["webinarKey"].as_object_mut().unwrap().remove("model");
        });
        finds("not one the platform knows", |m| {
            m["actions"]["listWebinars"]["fields"]["webinarKey"]["viewClass"] = json!("FancyView")
        });
        finds("needs a viewClass", |m| {
            m["credentials"]["fields"]["organizerKey"].as_object_mut().unwrap().remove("viewClass");
        });
        finds("needs a label", |m| m["credentials"]["fields"]["organizerKey"]["label"] = json!(""));
        finds("`consumesRawData` belongs at the top level", |m| {
            m["triggers"]["registrantAdded"]["consumesRawData"] = json!(true)
        });
        finds("`consumesRawData` must be a boolean", |m| m["consumesRawData"] = json!("yes"));
        finds("a trigger's `type`", |m| m["triggers"]["newRegistrants"]["type"] = json!("webhook"));
        finds("an action has no `type`", |m| m["actions"]["listWebinars"]["type"] = json!("polling"));
        finds("semantic version", |m| m["version"] = json!("1.0"));
        finds("semantic version", |m| m["version"] = json!("01.0.0"));
        finds("`buildType`", |m| m["buildType"] = json!("nix"));
        finds("envVars.CITRIX_APP_ID: `required`", |m| {
            m["envVars"]["CITRIX_APP_ID"]["required"] = json!("yes")
        });
        finds("envVars.lower: an environment variable name", |m| {
            m["envVars"]["lower"] = json!({"required": false, "description": "x"})
        });
        finds("UNDECLARED", |m| m["credentials"]["oauth2"]["client_id"] = json!("{{UNDECLARED}}"));
        finds("oauth2.token_uri must be an https URL", |m| {
            m["credentials"]["oauth2"]["token_uri"] = json!("http://example.com/token")
        });
        finds("oauth2.client_secret is missing", |m| {
            m["credentials"]["oauth2"].as_object_mut().unwrap().remove("client_secret");
        });
        finds("scopes must be a list", |m| m["credentials"]["oauth2"]["scopes"] = json!("collab:"));
        finds("needs an `oauth2`", |m| {
            m["credentials"].as_object_mut().unwrap().remove("oauth2");
        });
        finds("`credentials` is missing", |m| {
            m.as_object_mut().unwrap().remove("credentials");
        });
        finds("`title` must be", |m| m["title"] = json!(null));
        finds("`docsUrl`", |m| m["docsUrl"] = json!("developer.goto.com"));
        finds("`deprecated` must be a boolean", |m| {
            m["actions"]["listWebinars"]["deprecated"] = json!("yes")
        });
        finds("getMetaModel does not answer", |m| {
            m["actions"]["listWebinars"]["dynamicMetadata"] = json!(true);
            m["actions"]["listWebinars"].as_object_mut().unwrap().remove("metadata");
            m["actions"]["listWebinars"]["main"] = json!("elsewhere");
        });
    }

    #[test]
    fn semantic_versions_are_told_apart() {
        for good in ["1.0.0", "0.1.2", "10.20.30", "1.0.0-alpha.1", "1.0.0+build.5", "1.0.0-rc.1+b"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1", "1.0", "1.0.0.0", "v1.0.0", "1.0.0-", "1.0.0-01", "1.a.0", ""] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn the_logo_must_be_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let mut problems = Vec::new();
        check_logo(&dir.path().join("logo.png"), &mut problems);
        assert!(problems[0].contains("cannot be read"), "{problems:?}");
        std::fs::write(dir.path().join("logo.png"), b"GIF89a").unwrap();
        problems.clear();
        check_logo(&dir.path().join("logo.png"), &mut problems);
        assert!(problems[0].contains("not a PNG"), "{problems:?}");
    }
}
