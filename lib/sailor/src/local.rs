//! The local runner: runs one function as the platform would and prints every emitted event as
//! one JSON line on stdout.
//!
//! Lines: `{"event":"data","message":{…}}`, `{"event":"error","error":{name,message}}`,
//! `{"event":"updateKeys","keys":{…}}`, `{"event":"snapshot","snapshot":{…}}`,
//! `{"event":"updateSnapshot","snapshot":{…}}`, `{"event":"rebound","reason":…}`,
//! `{"event":"httpReply","reply":{statusCode,body,headers}}`, `{"event":"startup","data":…}` (method
//! `startup`), `{"event":"result","data":…}` (service methods), and always `{"event":"end"}` last.
//! Exit status: 0 without an error event, 1 with one, 2 for usage errors (one line on stderr, no events).
//! A reader that closes stdout early (`exec … | head -1`) stops the function at its next event;
//! the run ends quietly with 0, like any command whose reader has seen enough.

use std::fs;
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use crate::component::{Component, FunctionError, Input};
use crate::context::{Context, CredentialSource, EmitError, Emitter, StepInfo};
use crate::event::{ErrorInfo, Event};
use crate::json::parse_json_lossless;
use crate::keyfile::{self, KeyFileLock};
use crate::message::{json_type, Message};
use crate::shutdown::Signal;

/// Arguments of the local runner (`exec <function> --cfg FILE …`).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ExecArgs {
    /// The action or trigger to run (for getMetaModel: whose metadata; for selectModel: the
    /// function whose field uses the model).
    pub function: String,
    /// Step configuration: a JSON object with credential fields and step fields.
    #[arg(long, value_name = "FILE")]
    pub cfg: PathBuf,
    /// Incoming message: `{"body"?, "headers"?, "attachments"?, "metadata"?}`; default: empty body.
    #[arg(long, value_name = "FILE")]
    pub msg: Option<PathBuf>,
    /// The step's snapshot (JSON); default `{}`.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Write each emitted snapshot back into the --snapshot file (atomically, mode 0600), so the
    /// next run starts from it; a missing file is then the first run.
    #[arg(long, requires = "snapshot")]
    pub save_snapshot: bool,
    /// Write keys emitted with updateKeys back into the cfg file (checked writable first; locked
    /// against other runs; replaced atomically and durably, through a symlink, mode 0600).
    #[arg(long)]
    pub save_keys: bool,
    /// What to call: process, startup, shutdown, verifyCredentials, getMetaModel or selectModel.
    #[arg(long, value_name = "METHOD", default_value = "process")]
    pub method: String,
    /// The select-model method name (with --method selectModel).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// The flow's webhook URL for startup (sets ELASTICIO_FLOW_WEBHOOK_URI).
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// What startup returned, for --method shutdown (JSON); default `{}`.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

impl ExecArgs {
    /// Arguments that run `function`'s `process` with the cfg file and nothing else.
    pub fn new(function: impl Into<String>, cfg: impl Into<PathBuf>) -> Self {
        ExecArgs {
            function: function.into(),
            cfg: cfg.into(),
            msg: None,
            snapshot: None,
            save_snapshot: false,
            save_keys: false,
            method: Method::Process.as_str().to_string(),
            model: None,
            webhook_url: None,
            data: None,
        }
    }
}

/// What the local runner calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `init` then `process` with the message.
    Process,
    /// `startup` (webhook registration …).
    Startup,
    /// `shutdown` with the startup data.
    Shutdown,
    /// The `verifyCredentials` service function.
    VerifyCredentials,
    /// The `getMetaModel` service function.
    GetMetaModel,
    /// The `selectModel` service function.
    SelectModel,
}

impl Method {
    /// Every method, in the order the help lists them.
    pub const ALL: [Method; 6] = [
        Method::Process,
        Method::Startup,
        Method::Shutdown,
        Method::VerifyCredentials,
        Method::GetMetaModel,
        Method::SelectModel,
    ];

    /// The method's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Process => "process",
            Method::Startup => "startup",
            Method::Shutdown => "shutdown",
            Method::VerifyCredentials => "verifyCredentials",
            Method::GetMetaModel => "getMetaModel",
            Method::SelectModel => "selectModel",
        }
    }
}

impl FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| crate::suggest::unknown_name("method", s, Method::ALL.iter().map(|m| m.as_str())))
    }
}

/// How long a run with `--save-keys` waits for another run on the same cfg file to finish.
const LOCK_WAIT: Duration = Duration::from_secs(300);

/// Runs one function with output on stdout; returns the process exit code.
///
/// SIGTERM and SIGINT cancel the function, but a token refresh under way is finished and its keys
/// emitted (and with `--save-keys` written) first; the exit code is then 143 or 130.
///
/// Must be called inside a Tokio runtime (the function runs in its own task so a panic becomes an
/// error event).
pub async fn run_local(component: &Component, args: ExecArgs) -> i32 {
    let stop = crate::shutdown::listen();
    run(component, args, io::stdout(), io::stderr(), stop).await
}

/// Like [`run_local`], writing event lines to `out` instead of stdout (signals are not handled).
pub async fn run_local_with_output<W>(component: &Component, args: ExecArgs, out: W) -> i32
where
    W: Write + Send + 'static,
{
    run_local_with_io(component, args, out, io::stderr()).await
}

/// Like [`run_local`], writing event lines to `out` and a usage error to `err` (signals are not
/// handled).
pub async fn run_local_with_io<W, E>(component: &Component, args: ExecArgs, out: W, err: E) -> i32
where
    W: Write + Send + 'static,
    E: Write,
{
    run(component, args, out, err, Box::pin(std::future::pending())).await
}

async fn run<W, E>(
    component: &Component,
    args: ExecArgs,
    out: W,
    mut err: E,
    mut stop: Pin<Box<dyn Future<Output = Signal> + Send>>,
) -> i32
where
    W: Write + Send + 'static,
    E: Write,
{
    let mut call = match prepare(component, &args) {
        Ok(call) => call,
        Err(reason) => {
            let _ = writeln!(err, "error: {}", crate::logging::printable(&reason, false));
            let _ = err.flush();
            return 2;
        }
    };
    let persist_keys = args.save_keys;
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            out: Box::new(out),
            closed: false,
            error_emitted: false,
            write_failed: false,
            reader_gone: false,
            emitted_keys: Map::new(),
            snapshot: call.snapshot.clone(),
        }),
        cfg_path: args.cfg.clone(),
        persist_keys,
        snapshot_path: args.snapshot.clone().filter(|_| args.save_snapshot),
    });

    // With --save-keys the file must take the new keys before a token can be spent, and runs on
    // one file take turns, so one refresh serves them all (each reads what the last one wrote).
    let _lock = if persist_keys {
        match claim_cfg(&args.cfg).await {
            Ok((lock, cfg)) => {
                call.cfg = cfg;
                Some(lock)
            }
            Err(reason) => {
                let mut st = shared.lock();
                st.write(&Event::Error(ErrorInfo::new("ConfigurationError", reason)).to_json());
                st.write(&Event::End.to_json());
                st.closed = true;
                return 1;
            }
        }
    } else {
        None
    };

    let mut step = StepInfo::from_env(args.function.clone());
    if let Some(url) = &args.webhook_url {
        // Components may read the URL from the environment as on the platform.
        std::env::set_var("ELASTICIO_FLOW_WEBHOOK_URI", url);
        step.flow_webhook_uri = Some(url.clone());
    }
    if step.exec_id.is_none() {
        step.exec_id = Some(uuid::Uuid::new_v4().to_string());
    }
    let ctx = Context::new(Arc::new(LocalEmitter(shared.clone())), step)
        .with_credentials(Arc::new(LocalCredentials(shared.clone())))
        .with_local_cfg(args.cfg.clone());

    tracing::debug!(function = %args.function, method = call.method.as_str(), "running");
    let mut task = tokio::spawn(call.run(ctx));
    let joined = tokio::select! {
        joined = &mut task => joined,
        signal = &mut stop => {
            tracing::warn!(
                signal = signal.name(),
                "stopping: the function is cancelled; a token refresh under way is finished and its keys saved first"
            );
            task.abort();
            let _ = task.await;
            crate::shutdown::drain(crate::shutdown::DRAIN_LIMIT).await;
            let mut st = shared.lock();
            st.write(&Event::End.to_json());
            st.closed = true;
            return signal.exit_code();
        }
    };
    let outcome = match joined {
        Ok(outcome) => outcome,
        Err(join) => Err(FunctionError::new("FunctionPanicked", crate::component::panic_text(join))),
    };
    match outcome {
        Ok(Some(line)) => {
            shared.lock().write(&line);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::debug!(error = %e, "function failed");
            let mut st = shared.lock();
            st.error_emitted = true;
            st.write(&Event::Error(e.into()).to_json());
        }
    }
    // A refresh still running in the background hands its keys over before `end`.
    crate::shutdown::drain(crate::shutdown::DRAIN_LIMIT).await;
    let mut st = shared.lock();
    st.write(&Event::End.to_json());
    st.closed = true;
    if st.reader_gone {
        return 0;
    }
    if st.write_failed {
        tracing::error!("could not write every event to the output");
        return 1;
    }
    i32::from(st.error_emitted)
}

/// Checks that the cfg file can be written, takes its lock and reads it again under the lock.
async fn claim_cfg(path: &Path) -> Result<(KeyFileLock, Value), String> {
    let advice = "; new keys could not be saved, so nothing was sent to GoTo";
    keyfile::check_writable(path).map_err(|e| format!("--save-keys: {e}{advice}"))?;
    let lock = keyfile::lock(path, LOCK_WAIT).await.map_err(|e| format!("--save-keys: {e}{advice}"))?;
    let cfg = read_json("--cfg", path)?;
    if !cfg.is_object() {
        return Err(format!(
            "--cfg file {} must contain a JSON object, got {}",
            path.display(),
            json_type(&cfg)
        ));
    }
    Ok((lock, cfg))
}

/// A validated call, ready to run.
struct Call {
    method: Method,
    target: Target,
    cfg: Value,
    msg: Message,
    snapshot: Value,
    data: Value,
    model: String,
    function: String,
}

enum Target {
    Function(Arc<dyn crate::component::Function>),
    Services(Arc<dyn crate::component::Services>),
}

impl Call {
    /// Runs the call; `Some(line)` is the line the method prints on success (startup / result).
    async fn run(self, ctx: Context) -> Result<Option<Value>, FunctionError> {
        match (self.method, self.target) {
            (Method::Process, Target::Function(f)) => {
                f.init(ctx.clone(), self.cfg.clone()).await?;
                let input = Input { msg: self.msg, cfg: self.cfg, snapshot: self.snapshot };
                f.process(ctx, input).await.map(|()| None)
            }
            (Method::Startup, Target::Function(f)) => {
                let data = f.startup(ctx, self.cfg).await?;
                Ok(Some(json!({"event": "startup", "data": data})))
            }
            (Method::Shutdown, Target::Function(f)) => {
                f.shutdown(ctx, self.cfg, self.data).await.map(|()| None)
            }
            (Method::VerifyCredentials, Target::Services(s)) => {
                result_line(s.verify_credentials(ctx, self.cfg).await)
            }
            (Method::GetMetaModel, Target::Services(s)) => {
                result_line(s.get_meta_model(ctx, &self.function, self.cfg).await)
            }
            (Method::SelectModel, Target::Services(s)) => {
                result_line(s.select_model(ctx, &self.model, self.cfg).await)
            }
            (method, _) => Err(FunctionError::new(
                "InternalError",
                format!("method {} was prepared for the wrong target", method.as_str()),
            )),
        }
    }
}

fn result_line(r: Result<Value, FunctionError>) -> Result<Option<Value>, FunctionError> {
    r.map(|data| Some(json!({"event": "result", "data": data})))
}

/// Checks the arguments and reads the input files; `Err` is a one-line usage error.
fn prepare(component: &Component, args: &ExecArgs) -> Result<Call, String> {
    let method: Method = args.method.parse()?;
    let function = args.function.clone();
    let lookup = || {
        component
            .get(&function)
            .ok_or_else(|| crate::suggest::unknown_name("function", &function, component.names()))
    };
    let services = || {
        component.get_services().ok_or_else(|| {
            format!("--method {} needs service functions; this component has none", method.as_str())
        })
    };
    let mut model = String::new();
    let target = match method {
        Method::Process | Method::Startup | Method::Shutdown => Target::Function(lookup()?),
        Method::VerifyCredentials => Target::Services(services()?),
        Method::GetMetaModel => {
            lookup()?;
            Target::Services(services()?)
        }
        Method::SelectModel => {
            model = args
                .model
                .clone()
                .filter(|m| !m.is_empty())
                .ok_or("--method selectModel needs --model NAME (the select model's method name)")?;
            Target::Services(services()?)
        }
    };

    let cfg = read_json("--cfg", &args.cfg)?;
    if !cfg.is_object() {
        return Err(format!(
            "--cfg file {} must contain a JSON object, got {}",
            args.cfg.display(),
            json_type(&cfg)
        ));
    }
    let msg = match &args.msg {
        Some(path) => {
            let value = read_json("--msg", path)?;
            warn_unknown_message_fields(path, &value);
            Message::from_json(value).map_err(|e| format!("--msg file {}: {e}", path.display()))?
        }
        None => Message::new(Value::Object(Map::new())),
    };
    let snapshot = match &args.snapshot {
        // With --save-snapshot the file is the step's snapshot store: none yet is the first run.
        Some(path) if args.save_snapshot && !path.exists() => Value::Object(Map::new()),
        Some(path) => match read_json("--snapshot", path)? {
            Value::Null => Value::Object(Map::new()),
            s => s,
        },
        None => Value::Object(Map::new()),
    };
    let data = match &args.data {
        Some(path) => read_json("--data", path)?,
        None => Value::Object(Map::new()),
    };
    Ok(Call { method, target, cfg, msg, snapshot, data, model, function })
}

/// A message file with body fields at the top level is a common slip: they would be ignored.
fn warn_unknown_message_fields(path: &Path, value: &Value) {
    const PARTS: [&str; 6] = ["id", "body", "headers", "attachments", "metadata", "passthrough"];
    if let Some(obj) = value.as_object() {
        let unknown: Vec<_> =
            obj.keys().filter(|k| !PARTS.contains(&k.as_str())).map(String::as_str).collect();
        if !unknown.is_empty() {
            tracing::warn!(
                "--msg file {} has top-level fields {} that are not message parts and are ignored; \
                 put the payload under \"body\"",
                path.display(),
                unknown.join(", ")
            );
        }
    }
}

fn read_json(flag: &str, path: &Path) -> Result<Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {flag} file {}: {e}", path.display()))?;
    // Long integers (ids) arrive as strings, exactly as on the platform.
    parse_json_lossless(text.as_bytes())
        .map_err(|e| format!("{flag} file {} is not valid JSON: {e}", path.display()))
}

/// State shared by the emitter, the credential source and the runner.
struct Shared {
    state: Mutex<State>,
    cfg_path: PathBuf,
    persist_keys: bool,
    /// Where emitted snapshots are saved (--save-snapshot).
    snapshot_path: Option<PathBuf>,
}

struct State {
    out: Box<dyn Write + Send>,
    /// Set once `end` is written; later events are refused.
    closed: bool,
    error_emitted: bool,
    write_failed: bool,
    /// The reader closed stdout: nothing more is written, and that is no failure.
    reader_gone: bool,
    /// Every key emitted in this run, merged, so a reload sees them without --save-keys.
    emitted_keys: Map<String, Value>,
    /// The step's snapshot as the platform would hold it now.
    snapshot: Value,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state usable: it is only output bookkeeping.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Merges `keys` into the cfg file's object and replaces the file.
    fn save_keys(&self, keys: &Map<String, Value>) -> Result<(), String> {
        let path = &self.cfg_path;
        let mut cfg = match read_json("--cfg", path)? {
            Value::Object(cfg) => cfg,
            other => {
                return Err(format!(
                    "{} no longer holds a JSON object ({})",
                    path.display(),
                    json_type(&other)
                ))
            }
        };
        cfg.extend(keys.clone());
        keyfile::write_json(path, &Value::Object(cfg))
            .map_err(|e| format!("could not write the keys to {}: {e}", path.display()))
    }
}

impl State {
    /// Writes one line and flushes it; a failure is remembered and reported by the exit status.
    fn write(&mut self, line: &Value) -> bool {
        self.write_line(line.to_string())
    }

    /// Writes one line of text (a JSON object) and flushes it.
    fn write_line(&mut self, mut text: String) -> bool {
        if self.reader_gone {
            return false;
        }
        text.push('\n');
        let result = self.out.write_all(text.as_bytes()).and_then(|()| self.out.flush());
        if let Err(e) = result {
            if crate::output::reader_gone(&e) {
                self.reader_gone = true;
                return false;
            }
            if !self.write_failed {
                tracing::error!(error = %e, "could not write an event line");
            }
            self.write_failed = true;
            return false;
        }
        true
    }
}

/// Writes events as lines, in the order they are emitted, from any number of tasks.
struct LocalEmitter(Arc<Shared>);

#[async_trait]
impl Emitter for LocalEmitter {
    async fn emit(&self, event: Event) -> Result<(), EmitError> {
        let shared = &self.0;
        let mut st = shared.lock();
        if st.closed {
            tracing::warn!(event = event.name(), "event emitted after the function finished; dropped");
            return Err(EmitError::Closed);
        }
        match &event {
            // The runner writes `end` itself once the function returns, so it is always last.
            Event::End => return Ok(()),
            Event::Error(_) => st.error_emitted = true,
            Event::Snapshot(_) | Event::UpdateSnapshot(_) if shared.snapshot_path.is_some() => {
                if let Err(reason) = save_snapshot(shared, &mut st, &event) {
                    st.error_emitted = true;
                    st.write(&Event::Error(ErrorInfo::new("SnapshotError", reason.clone())).to_json());
                    return Err(EmitError::Failed(reason));
                }
            }
            Event::UpdateKeys(keys) => {
                let Some(keys) = keys.as_object() else {
                    let reason = format!("updateKeys needs a JSON object, got {}", json_type(keys));
                    st.error_emitted = true;
                    st.write(&Event::Error(ErrorInfo::new("UpdateKeysError", reason.clone())).to_json());
                    return Err(EmitError::Invalid(reason));
                };
                // Printed before the file is written: whatever the provider issued is out of
                // memory first, even when the write then fails.
                st.emitted_keys.extend(keys.clone());
                let printed = st.write_line(event.to_line());
                if shared.persist_keys {
                    let _critical = crate::shutdown::critical();
                    if let Err(reason) = shared.save_keys(keys) {
                        let reason = format!("{reason}; the new keys are in the updateKeys line before this error: copy them into the file");
                        st.error_emitted = true;
                        st.write(&Event::Error(ErrorInfo::new("UpdateKeysError", reason.clone())).to_json());
                        return Err(EmitError::Failed(reason));
                    }
                }
                return if printed {
                    Ok(())
                } else {
                    Err(EmitError::Failed("could not write the event line".into()))
                };
            }
            _ => {}
        }
        if st.write_line(event.to_line()) {
            Ok(())
        } else if st.reader_gone {
            // Keys are still saved (above) and kept: a rotated refresh token must not be lost.
            if matches!(event, Event::UpdateKeys(_)) {
                return Ok(());
            }
            // Ends the function like a finished message: its reader wants no more.
            Err(EmitError::Closed)
        } else {
            Err(EmitError::Failed("could not write the event line".into()))
        }
    }
}

/// Applies a snapshot event as the platform does (replace, or shallow merge) and writes the result
/// to the --save-snapshot file.
fn save_snapshot(shared: &Shared, st: &mut State, event: &Event) -> Result<(), String> {
    let Some(path) = &shared.snapshot_path else { return Ok(()) };
    let next = match (event, &st.snapshot) {
        (Event::UpdateSnapshot(Value::Object(fields)), Value::Object(current)) => {
            let mut merged = current.clone();
            merged.extend(fields.clone());
            Value::Object(merged)
        }
        (Event::UpdateSnapshot(Value::Object(fields)), _) => Value::Object(fields.clone()),
        (Event::UpdateSnapshot(other), _) => {
            return Err(format!("updateSnapshot needs a JSON object, got {}", json_type(other)))
        }
        (Event::Snapshot(snapshot), _) => snapshot.clone(),
        _ => return Ok(()),
    };
    crate::keyfile::write_json(path, &next)
        .map_err(|e| format!("could not write the snapshot to {}: {e}", path.display()))?;
    st.snapshot = next;
    Ok(())
}

/// Re-reads the cfg file, with the keys emitted in this run merged in.
struct LocalCredentials(Arc<Shared>);

#[async_trait]
impl CredentialSource for LocalCredentials {
    async fn reload(&self) -> Result<Option<Value>, EmitError> {
        let path = &self.0.cfg_path;
        let mut cfg = match read_json("--cfg", path).map_err(EmitError::Failed)? {
            Value::Object(cfg) => cfg,
            other => {
                return Err(EmitError::Failed(format!(
                    "{} no longer holds a JSON object ({})",
                    path.display(),
                    json_type(&other)
                )))
            }
        };
        cfg.extend(self.0.lock().emitted_keys.clone());
        Ok(Some(Value::Object(cfg)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        exec: ExecArgs,
    }

    #[test]
    fn parses_arguments_with_defaults() {
        let cli = Cli::try_parse_from(["exec", "listWebinars", "--cfg", "c.json"]).unwrap();
        assert_eq!(cli.exec, ExecArgs::new("listWebinars", "c.json"));
        let cli = Cli::try_parse_from([
            "exec",
            "newRegistrants",
            "--cfg",
            "c.json",
            "--msg",
            "m.json",
            "--snapshot",
            "s.json",
            "--save-keys",
            "--method",
            "selectModel",
            "--model",
            "webinars",
            "--webhook-url",
            "https://h/hook",
            "--data",
            "d.json",
        ])
        .unwrap();
        let e = cli.exec;
        assert_eq!(e.msg.as_deref(), Some(Path::new("m.json")));
        assert_eq!(e.snapshot.as_deref(), Some(Path::new("s.json")));
        assert!(e.save_keys);
        assert_eq!(e.method, "selectModel");
        assert_eq!(e.model.as_deref(), Some("webinars"));
        assert_eq!(e.webhook_url.as_deref(), Some("https://h/hook"));
        assert_eq!(e.data.as_deref(), Some(Path::new("d.json")));
        assert!(Cli::try_parse_from(["exec", "f"]).is_err(), "--cfg is required");
    }

    #[test]
    fn save_snapshot_needs_a_snapshot_file() {
        let cli =
            Cli::try_parse_from(["exec", "f", "--cfg", "c", "--snapshot", "s", "--save-snapshot"]).unwrap();
        assert!(cli.exec.save_snapshot);
        assert!(Cli::try_parse_from(["exec", "f", "--cfg", "c", "--save-snapshot"]).is_err());
    }

    #[test]
    fn methods_parse_by_platform_name() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>(), Ok(m));
        }
        let err = "verify".parse::<Method>().unwrap_err();
        assert!(err.contains("verifyCredentials") && !err.contains('\n'), "{err}");
    }
}
