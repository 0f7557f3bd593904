//! The list of the component's functions: each handler's description, its runtime adapter and
//! its dynamic metadata, so the manifest, the runtime and the services all read one list. Each
//! runtime function warns about the message and configuration fields it does not read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use sailor::{Context, Function, FunctionError, Input};
use serde_json::Value;
use tracing::warn;

use crate::actions::registration_form::QUESTION_PREFIX;
use crate::call::{describe, Adapter, DynamicMetadata, Handler};
use crate::function_spec::{FunctionSpec, Kind};
use crate::input::{
    cached_schema, is_platform_config_field, unknown_fields, FieldHints, FieldSide, CREDENTIAL_FIELDS,
};

/// One registered function.
pub struct Entry {
    /// Its name: the manifest's key and the CLI's function name.
    pub name: &'static str,
    /// Builds its full description (schemas included) when first asked for.
    describe: fn() -> FunctionSpec,
    spec: OnceLock<FunctionSpec>,
    /// The runtime adapter.
    pub function: Arc<dyn Function>,
    /// Its dynamic metadata for a step configuration, calling GoTo when it needs to.
    pub dynamic_metadata: Arc<dyn DynamicMetadata>,
}

/// The registered functions, in registration order.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// Registers a handler.
    pub fn add<H: Handler + Default>(&mut self) {
        let adapter = Arc::new(Adapter::new(H::default()));
        self.entries.push(Entry {
            name: H::describe().name,
            describe: describe::<H>,
            spec: OnceLock::new(),
            function: Arc::new(Hinted::new(adapter.clone())),
            dynamic_metadata: adapter,
        });
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.name == name)
    }
}

impl Entry {
    /// Its full description. Built on first use: running one action needs none of the schemas,
    /// and building all of them is a good part of a cold start.
    pub fn spec(&self) -> &FunctionSpec {
        self.spec.get_or_init(self.describe)
    }
}

/// Fields a function reads by a name pattern rather than from its input schema:
/// `createRegistrant` takes a `question_<questionKey>` answer per custom question from the
/// message or the configuration, and only GoTo knows the keys.
const READ_BY_PREFIX: &[(&str, &str)] = &[("createRegistrant", QUESTION_PREFIX)];

/// How many sets of unknown input fields a function remembers having warned about.
const MAX_REMEMBERED: usize = 64;

/// What one function reads, by field name.
#[derive(Debug)]
struct Reads {
    name: &'static str,
    kind: Kind,
    /// Its step fields: what it reads from the configuration.
    steps: Vec<&'static str>,
    /// The properties of its input schema: what it reads from the message (the input is read
    /// through this schema, see [`crate::input::parse_input`], so any other field is dropped).
    input: Vec<String>,
    /// Names with this prefix are read too (see [`READ_BY_PREFIX`]).
    prefix: Option<&'static str>,
}

impl Reads {
    fn of<H: Handler>() -> Self {
        let spec = H::describe();
        let schema = cached_schema::<H::Input>();
        let input = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        let prefix = READ_BY_PREFIX.iter().find(|(name, _)| *name == spec.name).map(|(_, prefix)| *prefix);
        Self {
            name: spec.name,
            kind: spec.kind,
            steps: spec.fields.iter().map(|field| field.name).collect(),
            input,
            prefix,
        }
    }

    fn by_prefix(&self, name: &str) -> bool {
        self.prefix.is_some_and(|prefix| name.starts_with(prefix))
    }

    /// The message body's fields this function does not read, given the input properties of
    /// its dynamic metadata for the step (`dynamic`). Only actions are checked: a trigger reads
    /// no message body (a webhook's is GoTo's request, a poll's the platform's tick).
    fn unknown_input<'a>(&self, body: &'a Value, dynamic: &[String]) -> Vec<&'a str> {
        if self.kind != Kind::Action {
            return Vec::new();
        }
        unknown_fields(body, |name| {
            self.input.iter().chain(dynamic).any(|known| known == name) || self.by_prefix(name)
        })
    }

    /// The warning about the message body's fields this function does not read (see
    /// [`Reads::unknown_input`]).
    fn input_warning(&self, body: &Value, dynamic: &[String]) -> Option<String> {
        let unknown = self.unknown_input(body, dynamic);
        if unknown.is_empty() {
            return None;
        }
        let mut candidates: Vec<&str> = self.input.iter().map(String::as_str).collect();
        for name in dynamic {
            if !candidates.contains(&name.as_str()) {
                candidates.push(name);
            }
        }
        let other_side = self.steps.iter().copied().filter(|step| !candidates.contains(step)).collect();
        FieldHints {
            function: self.name,
            side: FieldSide::Input,
            reads: candidates.clone(),
            candidates,
            other_side,
        }
        .warning(&unknown)
    }

    /// The warning about the configuration's fields this function does not read. The
    /// credential's and the platform's fields are always expected (see
    /// [`is_platform_config_field`]).
    fn config_warning(&self, cfg: &Value) -> Option<String> {
        let unknown = unknown_fields(cfg, |name| {
            self.steps.contains(&name) || is_platform_config_field(name) || self.by_prefix(name)
        });
        let other_side = match self.kind {
            Kind::Action => {
                self.input.iter().map(String::as_str).filter(|name| !self.steps.contains(name)).collect()
            }
            _ => Vec::new(),
        };
        FieldHints {
            function: self.name,
            side: FieldSide::Config,
            candidates: self.steps.iter().copied().chain(CREDENTIAL_FIELDS).collect(),
            reads: self.steps.clone(),
            other_side,
        }
        .warning(&unknown)
    }
}

/// A function that warns about the fields it does not read and then runs as always: a mistyped
/// field would otherwise vanish silently. The configuration is checked once, when the step
/// starts (`init`, which `exec` calls too); each message body before it is processed.
struct Hinted<H: Handler> {
    adapter: Arc<Adapter<H>>,
    reads: OnceLock<Reads>,
    /// The sets of unknown input fields already warned about: a step's messages mostly share
    /// one shape, and one warning per shape says it.
    warned: Mutex<HashSet<Vec<String>>>,
}

impl<H: Handler> Hinted<H> {
    fn new(adapter: Arc<Adapter<H>>) -> Self {
        Self { adapter, reads: OnceLock::new(), warned: Mutex::default() }
    }

    fn reads(&self) -> &Reads {
        self.reads.get_or_init(Reads::of::<H>)
    }

    fn check_input(&self, body: &Value, cfg: &Value) {
        let reads = self.reads();
        let shape: Vec<String> = reads.unknown_input(body, &[]).into_iter().map(str::to_string).collect();
        if shape.is_empty() {
            return;
        }
        {
            let mut warned = self.warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if warned.contains(&shape) {
                return;
            }
            if warned.len() >= MAX_REMEMBERED {
                warned.clear();
            }
            warned.insert(shape);
        }
        // A function whose schema follows the step (dynamic metadata) may read more fields; the
        // static schema is checked first so a body that fits it costs no schema generation.
        let dynamic: Vec<String> = H::dynamic_metadata(cfg)
            .as_ref()
            .and_then(|metadata| metadata.get("in")?.get("properties")?.as_object().cloned())
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(warning) = reads.input_warning(body, &dynamic) {
            warn!(function = reads.name, "{warning}");
        }
    }
}

#[async_trait]
impl<H: Handler> Function for Hinted<H> {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        self.check_input(&input.msg.body, &input.cfg);
        self.adapter.process(ctx, input).await
    }

    async fn startup(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        self.adapter.startup(ctx, cfg).await
    }

    async fn shutdown(&self, ctx: Context, cfg: Value, data: Value) -> Result<(), FunctionError> {
        self.adapter.shutdown(ctx, cfg, data).await
    }

    async fn init(&self, ctx: Context, cfg: Value) -> Result<(), FunctionError> {
        let reads = self.reads();
        if let Some(warning) = reads.config_warning(&cfg) {
            warn!(function = reads.name, "{warning}");
        }
        self.adapter.init(ctx, cfg).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::registry;
    use serde_json::json;

    fn reads(name: &str) -> Reads {
        let entry = registry().get(name).unwrap_or_else(|| panic!("{name} is registered"));
        let spec = entry.spec();
        let input =
            spec.input["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
        let prefix = READ_BY_PREFIX.iter().find(|(n, _)| *n == name).map(|(_, p)| *p);
        Reads {
            name: spec.name,
            kind: spec.kind,
            steps: spec.fields.iter().map(|f| f.name).collect(),
            input,
            prefix,
        }
    }

    #[test]
    fn what_a_function_reads_is_its_input_schema_and_step_fields() {
        let from_types = Reads::of::<crate::actions::registrants::ListRegistrants>();
        let from_spec = reads("listRegistrants");
        assert_eq!((from_types.input, from_types.steps), (from_spec.input, from_spec.steps));
        for entry in registry().entries() {
            if entry.spec().kind == Kind::Action {
                let properties = entry.spec().input["properties"].as_object();
                assert!(properties.is_some_and(|p| !p.is_empty()), "{} reads no input fields", entry.name);
            }
        }
    }

    #[test]
    fn a_mistyped_input_field_is_named_with_the_closest_one() {
        let list = reads("listRegistrants");
        let body = json!({"webinarkey": "123", "accessToken": "secret-value-123"});
        let warning = list.input_warning(&body, &[]).unwrap();
        assert!(warning.contains(r#""webinarkey" (did you mean "webinarKey"?)"#), "{warning}");
        assert!(warning.contains(r#""accessToken""#), "{warning}");
        assert!(!warning.contains("secret-value-123") && !warning.contains("123\""), "no value: {warning}");
        assert_eq!(list.input_warning(&json!({"webinarKey": "123", "emitBehavior": "fetchAll"}), &[]), None);
        assert_eq!(list.input_warning(&json!({}), &[]), None);
    }

    #[test]
    fn fields_read_by_pattern_or_by_the_dynamic_schema_are_known() {
        let create = reads("createRegistrant");
        let body = json!({"webinarKey": "1", "firstName": "A", "lastName": "B", "email": "a@b.c",
            "question_7031": "Yes"});
        assert_eq!(create.input_warning(&body, &[]), None);
        assert_eq!(create.config_warning(&json!({"question_7031": "Yes"})), None);
        let list = reads("listRegistrants");
        let body = json!({"webinarKey": "1", "extra": 1});
        assert!(list.input_warning(&body, &[]).is_some());
        assert_eq!(list.input_warning(&body, &["extra".to_string()]), None);
    }

    #[test]
    fn the_credential_and_platform_config_fields_are_never_warned_about() {
        let list = reads("listRegistrants");
        let cfg = json!({"oauth": {"access_token": "a"}, "organizerKey": "1", "accountKey": "2",
            "_account": "acc-1", "provider": {"name": "goto"}, "access_token": "t",
            "webinarKey": "1", "emitBehavior": "fetchAll"});
        assert_eq!(list.config_warning(&cfg), None);
        let warning =
            list.config_warning(&json!({"emitBehaviour": "fetchAll", "organizerkey": "1"})).unwrap();
        assert!(warning.contains(r#""emitBehaviour" (did you mean "emitBehavior"?)"#), "{warning}");
        assert!(warning.contains(r#""organizerkey" (did you mean "organizerKey"?)"#), "{warning}");
    }

    #[test]
    fn an_input_field_in_the_config_says_to_map_it_from_the_message() {
        let create = reads("createRegistrant");
        let warning = create.config_warning(&json!({"email": "a@b.c"})).unwrap();
        assert_eq!(
            warning,
            r#"unknown config field "email"; createRegistrant reads it from the incoming message only"#
        );
    }

    #[test]
    fn triggers_check_their_config_and_not_the_message() {
        let trigger = reads("newRegistrants");
        assert_eq!(trigger.input_warning(&json!({"rawData": "{}", "anything": 1}), &[]), None);
        assert_eq!(trigger.config_warning(&json!({"webinarKey": "1", "maxItemsPerPoll": "10"})), None);
        let warning = trigger.config_warning(&json!({"maxItemPerPoll": "10"})).unwrap();
        assert!(warning.contains(r#"did you mean "maxItemsPerPoll"?"#), "{warning}");
    }
}
