//! Log setup: JSON lines on stdout for the platform, stderr for the command line.
//!
//! The level comes from `LOG_LEVEL` (`error`, `warn`, `info`, `debug`, `trace` or any
//! `tracing` filter directive; default `info`).

use std::io::Write;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::context::StepInfo;

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
/// free for output. Human-readable, or JSON lines when `LOG_FORMAT=json`; without colors, and
/// without control characters from what is logged. Does nothing when a global subscriber is
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

/// Logging for flow steps on the platform: JSON lines on stdout with `time`, `level`, `message`,
/// the step's ids (`flowId`, `stepId`, `execId`, `function`, …) and the fields of the event and of
/// the spans it is in. Does nothing when a global subscriber is already set.
pub fn init_json_stdout_logging(step: &StepInfo) {
    let layer = JsonLogLayer::new(std::io::stdout, step_fields(step));
    let _ = tracing_subscriber::registry().with(env_filter()).with(layer).try_init();
}

/// The step's ids as log fields (only those that are set).
pub fn step_fields(step: &StepInfo) -> Map<String, Value> {
    let mut fields = Map::new();
    let ids = [
        ("flowId", &step.flow_id),
        ("stepId", &step.step_id),
        ("execId", &step.exec_id),
        ("compId", &step.comp_id),
        ("containerId", &step.container_id),
        ("workspaceId", &step.workspace_id),
        ("userId", &step.user_id),
    ];
    for (name, value) in ids {
        if let Some(v) = value {
            fields.insert(name.to_string(), Value::String(v.clone()));
        }
    }
    if !step.function.is_empty() {
        fields.insert("function".into(), Value::String(step.function.clone()));
    }
    fields
}

/// A `tracing` layer that writes each event as one JSON object per line.
pub struct JsonLogLayer<W> {
    make_writer: W,
    fields: Map<String, Value>,
}

impl<W> JsonLogLayer<W> {
    /// A layer writing to `make_writer`, adding `fields` to every line.
    pub fn new(make_writer: W, fields: Map<String, Value>) -> Self {
        JsonLogLayer { make_writer, fields }
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
        line.insert(
            "time".into(),
            Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        );
        line.insert("level".into(), Value::String(meta.level().as_str().to_ascii_lowercase()));
        line.insert("target".into(), Value::String(meta.target().into()));
        line.extend(self.fields.clone());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.clone());
                }
            }
        }
        event.record(&mut JsonVisitor(&mut line));
        if !line.contains_key("message") {
            line.insert("message".into(), Value::String(String::new()));
        }
        let mut text = Value::Object(line).to_string();
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

    #[test]
    fn writes_json_lines_with_step_ids_and_span_fields() {
        let buf = Buf::default();
        let step = StepInfo {
            function: "listWebinars".into(),
            flow_id: Some("flow-1".into()),
            step_id: Some("step_1".into()),
            exec_id: Some("exec-9".into()),
            ..Default::default()
        };
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new("info"))
            .with(JsonLogLayer::new(buf.clone(), step_fields(&step)));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("message", messageId = "m-1");
            let _guard = span.enter();
            tracing::info!(count = 3, "processed");
            tracing::debug!("filtered out");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line = &lines[0];
        assert_eq!(line["level"], "info");
        assert_eq!(line["message"], "processed");
        assert_eq!(line["count"], 3);
        assert_eq!(line["flowId"], "flow-1");
        assert_eq!(line["stepId"], "step_1");
        assert_eq!(line["execId"], "exec-9");
        assert_eq!(line["function"], "listWebinars");
        assert_eq!(line["messageId"], "m-1");
        assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(line.get("userId").is_none());
    }
}
