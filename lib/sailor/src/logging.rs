//! Log setup: bunyan JSON lines on stdout for the platform, stderr for the command line.
//!
//! The level comes from `LOG_LEVEL` (`error`, `warn`, `info`, `debug`, `trace` or any
//! `tracing` filter directive; default `info`).
//!
//! On the platform every line is a bunyan record, as the Node sailor writes them and the
//! platform's Executions page reads them: `name` (`sailor` for the runtime's own lines,
//! `component` for the component's), `hostname`, `pid`, `level` (10 trace, 20 debug, 30 info,
//! 40 warn, 50 error), `msg`, `time`, `v: 0`, the step's context (`ELASTICIO_FLOW_ID`,
//! `ELASTICIO_STEP_ID`, … under those names, and `tag` = the flow id), and for a message
//! `threadId`, `messageId`, `parentMessageId` and the delivery's fields. Known secrets (the API
//! key, broker password, message crypto settings, object storage token, and every token or secret
//! in the step's configuration) are replaced by `***` in every line.

use std::io::Write;
use std::sync::RwLock;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The level filter from `LOG_LEVEL`, `info` when unset or invalid.
pub fn env_filter() -> EnvFilter {
    let level = std::env::var("LOG_LEVEL").ok().filter(|l| !l.trim().is_empty());
    level.and_then(|l| EnvFilter::try_new(l.trim()).ok()).unwrap_or_else(|| EnvFilter::new("info"))
}

/// True for characters a terminal may act on instead of showing: C0 and C1 controls, DEL, and
/// the bidirectional overrides that reorder what is shown.
fn is_terminal_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print on a terminal: every control character (ESC, BEL, …) written as a visible
/// `\u{1b}` escape; line breaks and tabs kept only when `lines` is true, else made spaces.
pub fn printable(text: &str, lines: bool) -> String {
    if !text.chars().any(is_terminal_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' if lines => out.push(c),
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_terminal_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Stderr that passes on only printable text (see [`printable`]), for logs that quote what a
/// provider or an input said.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintableStderr;

impl Write for PrintableStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(printable(&text, true).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Logging for the command line and the local runner: everything goes to stderr, so stdout stays
/// free for output. Human-readable, or bunyan JSON lines when `LOG_FORMAT=json`; without colors,
/// and without control characters from what is logged. Does nothing when a global subscriber is
/// already set.
pub fn init_stderr_logging() {
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(env_filter());
    let _ = if json {
        registry.with(JsonLogLayer::new(|| PrintableStderr, Map::new())).try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(|| PrintableStderr)
                    .with_target(false)
                    .with_ansi(false),
            )
            .try_init()
    };
}

/// Logging for `sail` and `serve` on the platform: bunyan lines on stdout with the step's context
/// from the process environment. Does nothing when a global subscriber is already set.
pub fn init_platform_logging() {
    let layer = JsonLogLayer::from_lookup(std::io::stdout, |name| std::env::var(name).ok());
    let _ = tracing_subscriber::registry().with(env_filter()).with(layer).try_init();
}

/// The step's context as the Node sailor puts it on every line: these variables under their own
/// names, when set, and `tag` = `ELASTICIO_FLOW_ID`.
pub const CONTEXT_VARS: [&str; 16] = [
    "ELASTICIO_API_USERNAME",
    "ELASTICIO_COMP_ID",
    "ELASTICIO_COMP_NAME",
    "ELASTICIO_CONTAINER_ID",
    "ELASTICIO_CONTRACT_ID",
    "ELASTICIO_EXEC_ID",
    "ELASTICIO_EXEC_TYPE",
    "ELASTICIO_EXECUTION_RESULT_ID",
    "ELASTICIO_FLOW_ID",
    "ELASTICIO_FLOW_VERSION",
    "ELASTICIO_FUNCTION",
    "ELASTICIO_STEP_ID",
    "ELASTICIO_TASK_USER_EMAIL",
    "ELASTICIO_TENANT_ID",
    "ELASTICIO_USER_ID",
    "ELASTICIO_WORKSPACE_ID",
];

/// The context fields of [`CONTEXT_VARS`] read through `lookup`.
pub fn context_fields(lookup: &dyn Fn(&str) -> Option<String>) -> Map<String, Value> {
    let mut fields = Map::new();
    for name in CONTEXT_VARS {
        if let Some(v) = lookup(name).filter(|v| !v.is_empty()) {
            fields.insert(name.to_string(), Value::String(v));
        }
    }
    if let Some(Value::String(flow)) = fields.get("ELASTICIO_FLOW_ID") {
        let flow = flow.clone();
        fields.insert("tag".into(), Value::String(flow));
    }
    fields
}

/// Secrets known from the environment: the API key, the broker password, the message crypto
/// settings and the object storage token.
pub fn environment_secrets(lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    for name in [
        "ELASTICIO_API_KEY",
        "ELASTICIO_MESSAGE_CRYPTO_PASSWORD",
        "ELASTICIO_MESSAGE_CRYPTO_IV",
        "ELASTICIO_OBJECT_STORAGE_TOKEN",
    ] {
        out.extend(lookup(name));
    }
    if let Some(uri) = lookup("ELASTICIO_AMQP_URI") {
        if let Ok(u) = url::Url::parse(&uri) {
            out.extend(u.password().map(str::to_string));
        }
    }
    if let Some(cfg) = lookup("ELASTICIO_CFG").and_then(|c| serde_json::from_str::<Value>(&c).ok()) {
        collect_secrets(&cfg, &mut out);
    }
    out
}

/// Secrets registered while running (tokens of the step configuration, refreshed keys).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());
/// Registered secrets kept at most; the oldest are dropped first.
const MAX_SECRETS: usize = 256;
/// Shorter values are not treated as secrets: masking them would garble every line.
const MIN_SECRET_LEN: usize = 6;

/// Keys whose string values are secrets, wherever they are in a configuration.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
    matches!(
        k.as_str(),
        "accesstoken"
            | "refreshtoken"
            | "idtoken"
            | "token"
            | "clientsecret"
            | "secret"
            | "password"
            | "apikey"
    )
}

fn collect_secrets(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match v {
                    Value::String(s) if is_secret_key(k) => out.push(s.clone()),
                    other => collect_secrets(other, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_secrets(v, out)),
        _ => {}
    }
}

/// Masks, in every later log line, the tokens and secrets found in `value` (a step
/// configuration, new credential keys): string values of keys such as `access_token`,
/// `refresh_token`, `client_secret`, `password`.
pub fn register_secrets_in(value: &Value) {
    let mut found = Vec::new();
    collect_secrets(value, &mut found);
    found.retain(|s| s.len() >= MIN_SECRET_LEN);
    if found.is_empty() {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for s in found {
        if !secrets.contains(&s) {
            secrets.push(s);
        }
    }
    let excess = secrets.len().saturating_sub(MAX_SECRETS);
    secrets.drain(..excess);
}

fn redact(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) => {
            for secret in secrets {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "***");
                }
            }
        }
        Value::Object(o) => o.values_mut().for_each(|v| redact(v, secrets)),
        Value::Array(a) => a.iter_mut().for_each(|v| redact(v, secrets)),
        _ => {}
    }
}

/// The bunyan level of a `tracing` level.
pub fn bunyan_level(level: &Level) -> u8 {
    match *level {
        Level::TRACE => 10,
        Level::DEBUG => 20,
        Level::INFO => 30,
        Level::WARN => 40,
        Level::ERROR => 50,
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// A `tracing` layer that writes each event as one bunyan JSON record per line.
pub struct JsonLogLayer<W> {
    make_writer: W,
    fields: Map<String, Value>,
    secrets: Vec<String>,
    hostname: String,
}

impl<W> JsonLogLayer<W> {
    /// A layer writing to `make_writer`, adding `fields` to every line.
    pub fn new(make_writer: W, fields: Map<String, Value>) -> Self {
        JsonLogLayer { make_writer, fields, secrets: Vec::new(), hostname: hostname() }
    }

    /// A layer with the step's context and secrets read through `lookup` (full variable name →
    /// value), as [`init_platform_logging`] sets it up from the process environment.
    pub fn from_lookup(make_writer: W, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut layer = JsonLogLayer::new(make_writer, context_fields(&lookup));
        layer.secrets = environment_secrets(&lookup);
        layer.secrets.retain(|s| s.len() >= MIN_SECRET_LEN);
        layer
    }
}

/// Span fields, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(
            field.name().into(),
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        );
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::String(value.into()));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), Value::String(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

impl<S, W> Layer<S> for JsonLogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = Map::new();
            attrs.record(&mut JsonVisitor(&mut fields));
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
                values.record(&mut JsonVisitor(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let meta = event.metadata();
        let mut line = Map::new();
        line.extend(self.fields.clone());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.clone());
                }
            }
        }
        let mut own = Map::new();
        event.record(&mut JsonVisitor(&mut own));
        let msg = match own.remove("message") {
            Some(Value::String(m)) => m,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        line.extend(own);
        // The record's own fields come last, so nothing overrides them.
        let name = if meta.target().starts_with("sailor") { "sailor" } else { "component" };
        line.insert("name".into(), Value::String(name.into()));
        line.insert("hostname".into(), Value::String(self.hostname.clone()));
        line.insert("pid".into(), Value::from(std::process::id()));
        line.insert("level".into(), Value::from(bunyan_level(meta.level())));
        line.insert("msg".into(), Value::String(msg));
        line.insert("time".into(), Value::String(jsonkit::time::rfc3339_millis(chrono::Utc::now())));
        line.insert("v".into(), Value::from(0));
        let mut line = Value::Object(line);
        redact(&mut line, &self.secrets);
        {
            let registered = SECRETS.read().unwrap_or_else(|p| p.into_inner());
            if !registered.is_empty() {
                redact(&mut line, &registered);
            }
        }
        let mut text = line.to_string();
        text.push('\n');
        // One write per line so concurrent lines do not interleave; a failed log write is dropped.
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(printable("plain text", false), "plain text");
        assert_eq!(printable("a\x1b[2Jb\x07c", false), "a\\u{1b}[2Jb\\u{7}c");
        assert_eq!(printable("x\u{9b}y\u{202e}z\x7f", false), "x\\u{9b}y\\u{202e}z\\u{7f}");
        assert_eq!(printable("one\ntwo\r", false), "one two ");
        assert_eq!(printable("one\ntwo\r", true), "one\ntwo ");
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    fn lines(buf: &Buf) -> Vec<Value> {
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).expect("one JSON record per line")).collect()
    }

    #[test]
    fn writes_bunyan_records_with_the_node_sailor_context_and_span_fields() {
        let buf = Buf::default();
        let env: std::collections::HashMap<&str, &str> = [
            ("ELASTICIO_FLOW_ID", "flow-1"),
            ("ELASTICIO_STEP_ID", "step_1"),
            ("ELASTICIO_EXEC_ID", "exec-9"),
            ("ELASTICIO_FUNCTION", "listWebinars"),
            ("ELASTICIO_API_KEY", "api-key-secret-value"),
        ]
        .into_iter()
        .collect();
        let layer = JsonLogLayer::from_lookup(buf.clone(), |n| env.get(n).map(|v| v.to_string()));
        let subscriber = tracing_subscriber::registry().with(EnvFilter::new("info")).with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("message", messageId = "m-1", threadId = "t-1");
            let _guard = span.enter();
            tracing::info!(target: "gotowebinar_component::actions", count = 3, "processed");
            tracing::error!(target: "sailor::sail", "failed with api-key-secret-value");
            tracing::debug!("filtered out");
        });
        let lines = lines(&buf);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], 30);
        assert_eq!(line["msg"], "processed");
        assert_eq!(line["name"], "component");
        assert_eq!(line["v"], 0);
        assert_eq!(line["pid"], std::process::id());
        assert!(line["hostname"].as_str().is_some_and(|h| !h.is_empty()));
        assert_eq!(line["count"], 3);
        assert_eq!(line["ELASTICIO_FLOW_ID"], "flow-1");
        assert_eq!(line["tag"], "flow-1");
        assert_eq!(line["ELASTICIO_STEP_ID"], "step_1");
        assert_eq!(line["ELASTICIO_EXEC_ID"], "exec-9");
        assert_eq!(line["ELASTICIO_FUNCTION"], "listWebinars");
        assert_eq!(line["messageId"], "m-1");
        assert_eq!(line["threadId"], "t-1");
        assert!(line["time"].as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()));
        assert!(line.get("ELASTICIO_USER_ID").is_none() && line.get("ELASTICIO_API_KEY").is_none());
        assert_eq!(lines[1]["level"], 50);
        assert_eq!(lines[1]["name"], "sailor");
        assert_eq!(lines[1]["msg"], "failed with ***");
    }

    #[test]
    fn registered_configuration_secrets_are_masked() {
        let buf = Buf::default();
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new("info"))
            .with(JsonLogLayer::new(buf.clone(), Map::new()));
        register_secrets_in(&serde_json::json!({
            "oauth": {"access_token": "at-0123456789", "refresh_token": "rt-0123456789", "expires_in": 3600},
            "organizerKey": "1234567890"
        }));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(token = "at-0123456789", "refresh with rt-0123456789 failed for 1234567890");
        });
        let lines = lines(&buf);
        assert_eq!(lines[0]["token"], "***");
        assert_eq!(lines[0]["msg"], "refresh with *** failed for 1234567890", "only secrets are masked");
        assert_eq!(lines[0]["level"], 40);
    }
}
