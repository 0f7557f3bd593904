//! Shared helpers for the behaviour tests: a sandbox per test, credential files, and running the
//! `gotowebinar` binary the way a flow builder or the platform would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use gotowebinar_sandbox::{Sandbox, SandboxConfig, SeedTime, SeedWebinar};
use serde_json::{json, Value};
use tempfile::TempDir;

/// A single-session webinar of one hour, `days` from now.
pub fn upcoming(subject: &str, days: i64) -> SeedWebinar {
    let start = chrono::Duration::days(days);
    SeedWebinar::new(
        subject,
        SeedTime::from_now(start),
        SeedTime::from_now(start + chrono::Duration::hours(1)),
    )
}

/// A `times` list of one hour a week from now, as the actions take it.
pub fn next_week() -> Value {
    let start = chrono::Utc::now() + chrono::Duration::days(7);
    json!([{ "startTime": start.to_rfc3339(), "endTime": (start + chrono::Duration::hours(1)).to_rfc3339() }])
}

/// A sandbox, a scratch directory and the credential that works against them.
pub struct World {
    pub sandbox: Sandbox,
    pub dir: TempDir,
}

/// What one `gotowebinar exec` printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub events: Vec<Value>,
    pub stderr: String,
}

impl Run {
    /// Bodies of the data events.
    pub fn data(&self) -> Vec<Value> {
        self.events.iter().filter(|e| e["event"] == "data").map(|e| e["message"]["body"].clone()).collect()
    }

    /// The error events' `error` objects.
    pub fn errors(&self) -> Vec<Value> {
        self.events.iter().filter(|e| e["event"] == "error").map(|e| e["error"].clone()).collect()
    }

    /// The keys of every updateKeys event.
    pub fn update_keys(&self) -> Vec<Value> {
        self.events.iter().filter(|e| e["event"] == "updateKeys").map(|e| e["keys"].clone()).collect()
    }

    /// Events of one kind.
    pub fn of(&self, kind: &str) -> Vec<Value> {
        self.events.iter().filter(|e| e["event"] == kind).cloned().collect()
    }

    /// Asserts exit 0, no error, `end` last.
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "exit code; events: {:#?}\nstderr: {}", self.events, self.stderr);
        assert!(self.errors().is_empty(), "unexpected errors: {:#?}", self.errors());
        self.assert_ends();
        self
    }

    /// Asserts `end` is the last event and appears once.
    pub fn assert_ends(&self) {
        assert_eq!(self.events.last().map(|e| e["event"].clone()), Some(json!("end")), "{:#?}", self.events);
        assert_eq!(self.of("end").len(), 1);
    }

    /// Asserts exit 1 with exactly one error of `name`; returns its message.
    pub fn assert_error(&self, name: &str) -> String {
        assert_eq!(self.code, 1, "exit code; events: {:#?}\nstderr: {}", self.events, self.stderr);
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0]["name"], name, "{errors:#?}");
        self.assert_ends();
        errors[0]["message"].as_str().unwrap_or_default().to_string()
    }
}

impl World {
    /// A sandbox with the default seed and no rate limit (tests drive it hard).
    pub async fn new() -> Self {
        Self::with(SandboxConfig { rate_limit: None, ..SandboxConfig::default() }).await
    }

    /// A sandbox with the given configuration.
    pub async fn with(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.expect("the sandbox starts on 127.0.0.1");
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self { sandbox, dir }
    }

    /// A cfg file for the default organizer with a fresh token response, plus step fields.
    pub fn cfg(&self, step: Value) -> PathBuf {
        let mut cfg = json!({ "oauth": self.sandbox.issue_tokens() });
        if let (Some(cfg), Some(step)) = (cfg.as_object_mut(), step.as_object()) {
            for (key, value) in step {
                cfg.insert(key.clone(), value.clone());
            }
        }
        self.write("cfg.json", &cfg)
    }

    /// Writes a JSON file in the scratch directory.
    pub fn write(&self, name: &str, value: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(value).expect("JSON")).expect("write a scratch file");
        path
    }

    /// A message file with this body.
    pub fn msg(&self, body: Value) -> PathBuf {
        self.write(&format!("msg-{}.json", uuid::Uuid::new_v4()), &json!({ "body": body }))
    }

    /// Runs `gotowebinar exec` against this sandbox.
    pub async fn exec(&self, function: &str, cfg: &Path, msg: Option<&Path>, extra: &[&str]) -> Run {
        let mut args: Vec<String> =
            vec!["exec".into(), function.into(), "--cfg".into(), cfg.display().to_string()];
        if let Some(msg) = msg {
            args.push("--msg".into());
            args.push(msg.display().to_string());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        run_binary(&args, &self.env()).await
    }

    /// The environment that points the component at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("GOTO_API_URL".into(), self.sandbox.url()),
            ("GOTO_AUTH_URL".into(), self.sandbox.url()),
            ("CITRIX_APP_ID".into(), self.sandbox.client_id().to_string()),
            ("CITRIX_APP_SECRET".into(), self.sandbox.client_secret().to_string()),
            // The application's webhook secret, as the sandbox signs its deliveries with it.
            ("CITRIX_WEBHOOK_SECRET".into(), self.sandbox.webhook_secret()),
            ("GOTO_RATE_LIMIT".into(), "0".into()),
            ("LOG_LEVEL".into(), "debug".into()),
        ]
    }
}

/// The binary under test: `GOTOWEBINAR_BIN` when set (`scripts/image-test` runs the container
/// image's binary through it), else the one this build made.
pub fn binary() -> std::ffi::OsString {
    std::env::var_os("GOTOWEBINAR_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_gotowebinar").into())
}

/// Starts the binary with arguments and environment, stdout and stderr piped; killed when dropped.
pub fn spawn_binary<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    env: &[(String, String)],
) -> tokio::process::Child {
    tokio::process::Command::new(binary())
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the gotowebinar binary starts")
}

/// Runs the binary with arguments and environment; parses every stdout line as JSON.
pub async fn run_binary(args: &[String], env: &[(String, String)]) -> Run {
    let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gotowebinar"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the gotowebinar binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let events = stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"))
        })
        .collect();
    Run {
        code: output.status.code().unwrap_or(-1),
        events,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
