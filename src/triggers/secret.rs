//! `gotowebinar webhooks create-secret`: creates the GoTo application's webhook secret key once,
//! outside any flow. GoTo keeps one active key per application and a new one replaces it, so the
//! key is application configuration (`CITRIX_WEBHOOK_SECRET`), not something a flow creates.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use clap::{Args, Subcommand};
use sailor::{Context, EmitError, Emitter, Event, StepInfo};
use serde_json::{json, Map, Value};

use crate::connection::Connection;
use crate::triggers::webhook::WEBHOOK_SECRET_ENV;

/// `gotowebinar webhooks …`: the application's webhook configuration.
#[derive(Debug, Args)]
pub struct WebhooksArgs {
    #[command(subcommand)]
    command: WebhooksCommand,
}

#[derive(Debug, Subcommand)]
enum WebhooksCommand {
    /// Create the application's webhook secret key (POST /webhooks/secretkey) and print its value
    /// once. It replaces the application's active key: every flow then verifies with the new one.
    CreateSecret {
        /// A credential file as `exec --cfg` reads it; refreshed keys are written back to it.
        #[arg(long, value_name = "FILE")]
        cfg: PathBuf,
    },
    /// Ask a running `gotowebinar sandbox` to send one signed sample delivery of an event to a URL.
    TestEvent(crate::triggers::test_event::TestEventArgs),
}

/// Keeps the keys a token refresh hands back, so a rotated refresh token is not lost.
#[derive(Default)]
struct KeysKept(Mutex<Map<String, Value>>);

#[async_trait]
impl Emitter for KeysKept {
    async fn emit(&self, event: Event) -> Result<(), EmitError> {
        if let Event::UpdateKeys(Value::Object(keys)) = event {
            self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(keys);
        }
        Ok(())
    }
}

/// Runs `gotowebinar webhooks …`; returns the exit status (0 done, 1 GoTo refused or could not
/// be reached, 2 usage: unreadable cfg, missing credential or OAuth client).
pub async fn run(args: WebhooksArgs) -> i32 {
    match args.command {
        WebhooksCommand::CreateSecret { cfg } => create_secret(&cfg).await,
        WebhooksCommand::TestEvent(args) => crate::triggers::test_event::run(args).await,
    }
}

async fn create_secret(path: &Path) -> i32 {
    let cfg = match read_cfg(path) {
        Ok(cfg) => cfg,
        Err(message) => return fail(2, &message),
    };
    let kept = Arc::new(KeysKept::default());
    let context = Context::new(kept.clone(), StepInfo::from_env("webhooks create-secret"));
    let connection = match Connection::for_cfg(&context, &cfg) {
        Ok(connection) => connection,
        Err(error) => return fail(2, &error.to_string()),
    };
    let created = connection.client().webhooks().create_secret_key().await;
    connection.wait_until_keys_saved().await;
    let keys = std::mem::take(&mut *kept.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    if !keys.is_empty() {
        if let Err(message) = save_keys(path, cfg, keys) {
            eprintln!("gotowebinar: {message}");
        }
    }
    let key = match created {
        Ok(key) => key,
        Err(error) => return fail(1, &format!("creating the application's webhook secret key: {error}")),
    };
    eprintln!(
        "gotowebinar: warning: this key replaces the application's active webhook secret key; \
         set its value as the component's environment variable {WEBHOOK_SECRET_ENV} now (flows \
         verifying with the old key reject deliveries signed with the new one). The value is \
         printed only this once."
    );
    let line = json!({
        "value": key.value.expose(),
        "validFrom": key.valid_from.map(jsonkit::time::rfc3339_exact),
        "id": key.id,
    });
    let mut out = io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(error) => fail(1, &format!("could not print the key: {error}")),
    }
}

fn fail(code: i32, message: &str) -> i32 {
    eprintln!("gotowebinar: {message}");
    code
}

fn read_cfg(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read(path).map_err(|error| format!("cannot read --cfg {}: {error}", path.display()))?;
    match sailor::parse_json_lossless(&text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(format!("--cfg {} must hold a JSON object", path.display())),
        Err(error) => Err(format!("--cfg {} is not JSON: {error}", path.display())),
    }
}

/// Merges refreshed keys into the cfg file: a 0600 temporary file, then a rename.
fn save_keys(path: &Path, cfg: Value, keys: Map<String, Value>) -> Result<(), String> {
    let mut cfg = match cfg {
        Value::Object(cfg) => cfg,
        _ => Map::new(),
    };
    cfg.extend(keys);
    let mut text = serde_json::to_string_pretty(&Value::Object(cfg)).map_err(|error| error.to_string())?;
    text.push('\n');
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(text.as_bytes()).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|error| format!("could not write the refreshed keys to {}: {error}", path.display()))
}
