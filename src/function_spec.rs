//! How each function presents itself on the platform: title, description, step fields and
//! metadata. `component.json` is generated from these descriptions, so they are the single source
//! of what the manifest says.

use serde_json::{json, Map, Value};

/// What kind of function this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An action: runs once per incoming message.
    Action,
    /// A polling trigger: runs on the flow's schedule, keeps state in the snapshot.
    PollingTrigger,
    /// A webhook (instant) trigger: runs for each request to the flow's URL.
    WebhookTrigger,
}

/// Where a select field gets its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// A fixed list of `value → label`.
    Static(Vec<(&'static str, &'static str)>),
    /// A select-model method the component answers at design time.
    Method(&'static str),
}

/// A field the flow builder fills in the step's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The key under which the value arrives in `cfg`.
    pub name: &'static str,
    /// The label shown to the builder.
    pub label: &'static str,
    /// The platform's view class (`TextFieldView`, `SelectView`, `CheckBoxView`, …).
    pub view_class: &'static str,
    /// Whether the step can be saved without it.
    pub required: bool,
    /// Help text under the field.
    pub note: Option<&'static str>,
    /// Placeholder text.
    pub placeholder: Option<&'static str>,
    /// Options of a select field.
    pub model: Option<Model>,
    /// The prompt of a select field with nothing chosen.
    pub prompt: Option<&'static str>,
}

impl Field {
    /// A text field.
    pub fn text(name: &'static str, label: &'static str) -> Self {
        Self {
            name,
            label,
            view_class: "TextFieldView",
            required: false,
            note: None,
            placeholder: None,
            model: None,
            prompt: None,
        }
    }

    /// A select field with fixed options.
    pub fn select(
        name: &'static str,
        label: &'static str,
        options: Vec<(&'static str, &'static str)>,
    ) -> Self {
        Self { view_class: "SelectView", model: Some(Model::Static(options)), ..Self::text(name, label) }
    }

    /// A select field whose options come from a select-model method.
    pub fn select_from(name: &'static str, label: &'static str, method: &'static str) -> Self {
        Self { view_class: "SelectView", model: Some(Model::Method(method)), ..Self::text(name, label) }
    }

    /// A checkbox (the platform sends `"on"` when checked).
    pub fn checkbox(name: &'static str, label: &'static str) -> Self {
        Self { view_class: "CheckBoxView", ..Self::text(name, label) }
    }

    /// Marks the field as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Adds help text.
    pub fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    /// Adds a placeholder.
    pub fn placeholder(mut self, placeholder: &'static str) -> Self {
        self.placeholder = Some(placeholder);
        self
    }

    /// Adds a prompt for a select field.
    pub fn prompt(mut self, prompt: &'static str) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// The manifest's JSON for this field.
    pub fn to_manifest(&self) -> Value {
        let mut field = Map::new();
        field.insert("label".into(), json!(self.label));
        field.insert("viewClass".into(), json!(self.view_class));
        field.insert("required".into(), json!(self.required));
        if let Some(note) = self.note {
            field.insert("note".into(), json!(note));
        }
        if let Some(placeholder) = self.placeholder {
            field.insert("placeholder".into(), json!(placeholder));
        }
        if let Some(prompt) = self.prompt {
            field.insert("prompt".into(), json!(prompt));
        }
        match &self.model {
            Some(Model::Static(options)) => {
                let options: Map<String, Value> =
                    options.iter().map(|(value, label)| (value.to_string(), json!(label))).collect();
                field.insert("model".into(), Value::Object(options));
            }
            Some(Model::Method(method)) => {
                field.insert("model".into(), json!(method));
            }
            None => {}
        }
        Value::Object(field)
    }
}

/// The step field that picks a webinar (the message may carry `webinarKey` instead).
pub fn webinar_field() -> Field {
    Field::select_from("webinarKey", "Webinar", "selectWebinars")
        .note("The webinar to use; a `webinarKey` in the incoming message takes precedence")
}

/// The step field that picks a session of the step's webinar (the message may carry
/// `sessionKey` instead).
pub fn session_field() -> Field {
    Field::select_from("sessionKey", "Session", "selectSessions")
        .note("A held session of the chosen webinar; a `sessionKey` in the incoming message takes precedence")
}

/// The description of one action or trigger.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The function's name: the manifest key, the CLI name and what `main` dispatches on.
    pub name: &'static str,
    /// Action or trigger.
    pub kind: Kind,
    /// The title shown to the builder.
    pub title: &'static str,
    /// What it does, in a builder's words.
    pub description: &'static str,
    /// Step configuration fields.
    pub fields: Vec<Field>,
    /// The input schema in the platform's dialect.
    pub input: Value,
    /// The output schema in the platform's dialect.
    pub output: Value,
    /// The input schema depends on the step's configuration (the component answers `getMetaModel`).
    pub dynamic_metadata: bool,
    /// Kept for flows built with the original component; new flows should use another function.
    pub deprecated: Option<&'static str>,
}

impl FunctionSpec {
    /// A new description with no fields and empty schemas.
    pub fn new(name: &'static str, kind: Kind, title: &'static str, description: &'static str) -> Self {
        Self {
            name,
            kind,
            title,
            description,
            fields: Vec::new(),
            input: json!({"type": "object", "properties": {}}),
            output: json!({"type": "object", "properties": {}}),
            dynamic_metadata: false,
            deprecated: None,
        }
    }

    /// The manifest's JSON for this function.
    pub fn to_manifest(&self) -> Value {
        let mut function = Map::new();
        function.insert("title".into(), json!(self.title));
        function.insert("description".into(), json!(self.description));
        function.insert("main".into(), json!(self.name));
        // A webhook trigger has no `type`; `consumesRawData` is the component's, not the trigger's
        // (see `manifest::build`).
        if self.kind == Kind::PollingTrigger {
            function.insert("type".into(), json!("polling"));
        }
        if let Some(note) = self.deprecated {
            function.insert("deprecated".into(), json!(true));
            function.insert("help".into(), json!({ "description": note }));
        }
        if !self.fields.is_empty() {
            let fields: Map<String, Value> =
                self.fields.iter().map(|field| (field.name.to_string(), field.to_manifest())).collect();
            function.insert("fields".into(), Value::Object(fields));
        }
        // The platform asks `getMetaModel` for a function with dynamic metadata and ignores (its
        // reference says: leave out) any static metadata next to it.
        if self.dynamic_metadata {
            function.insert("dynamicMetadata".into(), json!(true));
        } else {
            function.insert("metadata".into(), json!({ "in": self.input, "out": self.output }));
        }
        Value::Object(function)
    }
}
