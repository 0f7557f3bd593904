//! `gotowebinar demo`: the component's main job, end to end, on a sandbox started in-process.
//! Tokens live a few seconds, so the reader sees the component refresh them and keep going.
//! Output never shows a token, and a reader that goes away (`gotowebinar demo | head -1`) ends
//! the demo quietly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Duration as ChronoDuration, Utc};
use clap::Args;
use gotowebinar::oauth::is_secret_name;
use gotowebinar_sandbox::{Sandbox, SandboxConfig, SeedTime, SeedWebinar};
use sailor::ExecArgs;
use serde_json::{json, Value};

use crate::auth::{self, CredentialFile, LoginOptions, Provider};
use crate::component::component;

/// Why the demo stopped early.
enum Stop {
    /// A step failed; the reason is for the person watching.
    Failed(String),
    /// Stdout was closed by its reader: nothing more to show, and nothing went wrong.
    Closed,
}

impl From<String> for Stop {
    fn from(reason: String) -> Self {
        Stop::Failed(reason)
    }
}

/// Writes one line to stdout and flushes it, so a closed pipe is noticed at once (`println!`
/// would panic on it).
fn emit(line: &str) -> Result<(), Stop> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if sailor::output::reader_gone(&error) => Err(Stop::Closed),
        Err(error) => Err(Stop::Failed(format!("cannot write to stdout: {error}"))),
    }
}

/// `println!` that stops the demo with [`Stop`] when stdout is gone.
macro_rules! out {
    ($($arg:tt)*) => {
        emit(&format!($($arg)*))?
    };
}

/// Secret values found under secret-named fields (`access_token`, `refresh_token`, …) at any
/// depth, so they can also be scrubbed where they appear under other names.
fn collect_secrets(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, value) in map {
                match value {
                    Value::String(secret) if is_secret_name(name) && secret.len() >= 8 => {
                        found.push(secret.clone())
                    }
                    other => collect_secrets(other, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_secrets(item, found)),
        _ => {}
    }
}

/// True when `value` under the field `name` is a secret: text (or a structure) under a
/// secret-named field. A flag or number such as `isPasswordProtected: true` carries no secret.
fn holds_secret(name: &str, value: &Value) -> bool {
    is_secret_name(name) && matches!(value, Value::String(_) | Value::Array(_) | Value::Object(_))
}

/// A copy with the value of every secret field set to `[redacted]` and every known secret
/// replaced in other strings.
fn redact(value: &Value, secrets: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, value)| {
                    let value = if holds_secret(name, value) {
                        Value::String("[redacted]".into())
                    } else {
                        redact(value, secrets)
                    };
                    (name.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|item| redact(item, secrets)).collect()),
        Value::String(text) if secrets.iter().any(|secret| text.contains(secret.as_str())) => Value::String(
            secrets.iter().fold(text.clone(), |acc, secret| acc.replace(secret.as_str(), "[redacted]")),
        ),
        other => other.clone(),
    }
}

/// Options of `gotowebinar demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Print one JSON line per step instead of tables.
    #[arg(long)]
    pub json: bool,
    /// How long the sandbox's access tokens live, in seconds.
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    pub token_ttl: u64,
}

#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one step emitted.
struct StepRun {
    events: Vec<Value>,
}

impl StepRun {
    fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    fn data(&self) -> Vec<&Value> {
        self.of("data").into_iter().map(|e| &e["message"]["body"]).collect()
    }
}

struct Demo {
    token: Mutex<Value>,
    /// Every token seen so far, kept out of the output.
    secrets: Mutex<Vec<String>>,
    dir: tempfile::TempDir,
    cfg: PathBuf,
    json: bool,
}

impl Demo {
    async fn step(&self, title: &str, function: &str, body: Value) -> Result<StepRun, Stop> {
        self.run_step(title, function, body, None).await
    }

    /// Runs a polling trigger with the snapshot kept in the scratch directory, as the platform
    /// keeps it between polls.
    async fn poll(&self, title: &str, function: &str) -> Result<StepRun, Stop> {
        let snapshot = self.dir.path().join(format!("{function}-snapshot.json"));
        if !snapshot.exists() {
            write_json(&snapshot, &json!({}))?;
        }
        let run = self.run_step(title, function, json!({}), Some(snapshot.clone())).await?;
        if let Some(event) = run.of("snapshot").last() {
            write_json(&snapshot, &event["snapshot"])?;
        }
        Ok(run)
    }

    async fn run_step(
        &self,
        title: &str,
        function: &str,
        body: Value,
        snapshot: Option<PathBuf>,
    ) -> Result<StepRun, Stop> {
        let msg = self.dir.path().join(format!("{function}-msg.json"));
        write_json(&msg, &json!({ "body": body }))?;
        let mut args = ExecArgs::new(function, &self.cfg);
        args.msg = Some(msg);
        args.snapshot = snapshot;
        args.save_keys = true;
        let buffer = SharedBuffer::default();
        let spinner = crate::progress::StepSpinner::start(title);
        let code = sailor::run_local_with_io(&component(), args, buffer.clone(), std::io::sink()).await;
        drop(spinner);
        let text = String::from_utf8_lossy(&buffer.0.lock().unwrap_or_else(|p| p.into_inner())).to_string();
        let events: Vec<Value> = text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
        let run = StepRun { events };
        if self.json {
            let events = Value::Array(run.events.clone());
            let mut secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
            collect_secrets(&events, &mut secrets);
            let events = redact(&events, &secrets);
            drop(secrets);
            out!("{}", json!({ "step": title, "function": function, "exitCode": code, "events": events }));
        } else {
            out!("\n== {title}  ({function})");
            for keys in run.of("updateKeys") {
                let oauth = &keys["keys"]["oauth"];
                if oauth["access_token"] == self.last_token() {
                    out!("   credential updated with updateKeys (organizer key found and saved)");
                } else {
                    let expires = oauth["expires_at"].as_str().unwrap_or("?");
                    out!("   token refreshed and handed back with updateKeys (new token expires {expires})");
                }
                *self.token.lock().unwrap_or_else(|p| p.into_inner()) = oauth["access_token"].clone();
            }
        }
        if let Some(error) = run.of("error").first() {
            return Err(Stop::Failed(format!(
                "step {title:?} failed: {}: {}",
                error["error"]["name"], error["error"]["message"]
            )));
        }
        if code != 0 {
            return Err(Stop::Failed(format!("step {title:?} exited with {code}")));
        }
        Ok(run)
    }

    fn last_token(&self) -> Value {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn table(&self, headers: &[&str], rows: Vec<Vec<String>>) -> Result<(), Stop> {
        if self.json {
            return Ok(());
        }
        let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
            emit(&format!("   {}", padded.join("  ").trim_end()))
        };
        line(headers.iter().map(|h| h.to_string()).collect())?;
        line(widths.iter().map(|w| "-".repeat(*w)).collect())?;
        for row in rows {
            line(row)?;
        }
        Ok(())
    }

    fn say(&self, text: &str) -> Result<(), Stop> {
        if !self.json {
            out!("   {text}");
        }
        Ok(())
    }
}

fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Connects the way a person does with `gotowebinar auth login`: a local callback listener, the
/// authorization URL opened by a stand-in browser that follows the sandbox's redirect, the code
/// exchange, and the credential file written to `cfg`.
async fn connect(client_id: &str, cfg: &Path) -> Result<CredentialFile, String> {
    let options = LoginOptions {
        provider: Provider::Builtin(auth::builtin()),
        client_id: client_id.to_string(),
        redirect_uri: "http://127.0.0.1:0/callback".into(),
        timeout: Duration::from_secs(30),
        scopes: Vec::new(),
        out: cfg.to_path_buf(),
    };
    let browser = tlsroots::client_builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the stand-in browser: {e}"))?;
    let mut opened = None;
    let credential = auth::login(&options, |url, _, _| {
        let (browser, url) = (browser.clone(), url.to_string());
        opened = Some(tokio::spawn(async move { browser.get(url).send().await.map(|r| r.status()) }));
    })
    .await
    .map_err(|e| format!("connecting failed: {e}"))?;
    if let Some(page) = opened {
        match page.await {
            Ok(Ok(status)) if status.is_success() => {}
            Ok(Ok(status)) => return Err(format!("the callback page answered HTTP {status}")),
            Ok(Err(error)) => return Err(format!("the stand-in browser failed: {error}")),
            Err(error) => return Err(format!("the stand-in browser stopped: {error}")),
        }
    }
    Ok(credential)
}

/// Runs the demo; returns the process exit code.
pub async fn run(args: DemoArgs) -> i32 {
    match demo(args).await {
        // A closed stdout is the reader's choice (`| head`), not a failure.
        Ok(()) | Err(Stop::Closed) => 0,
        Err(Stop::Failed(reason)) => {
            eprintln!("demo failed: {}", sailor::printable(&reason.to_string(), false));
            1
        }
    }
}

async fn demo(args: DemoArgs) -> Result<(), Stop> {
    let config = SandboxConfig {
        token_ttl: Duration::from_secs(args.token_ttl.max(1)),
        // The stand-in browser answers no consent page: the sign-in is approved at once.
        auto_approve: true,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.map_err(|e| format!("cannot start the sandbox: {e}"))?;
    for (subject, days) in [("Product tour", 2), ("Quarterly customer briefing", 9)] {
        let start = SeedTime::from_now(ChronoDuration::days(days));
        let end = SeedTime::from_now(ChronoDuration::days(days) + ChronoDuration::hours(1));
        sandbox.add_webinar(SeedWebinar::new(subject, start, end)).map_err(|e| e.to_string())?;
    }
    // The component reads its endpoints and OAuth client from the environment, as on the platform.
    std::env::set_var("GOTO_API_URL", sandbox.url());
    std::env::set_var("GOTO_AUTH_URL", sandbox.url());
    std::env::set_var("CITRIX_APP_ID", sandbox.client_id());
    std::env::set_var("CITRIX_APP_SECRET", sandbox.client_secret());

    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let cfg = dir.path().join("cfg.json");
    if !args.json {
        out!("GoToWebinar component demo on a local sandbox at {}", sandbox.url());
        out!("Access tokens live {} s; the component refreshes them before they expire.", args.token_ttl);
    }
    let credential = connect(sandbox.client_id(), &cfg).await?;
    let summary = credential.summary(Some(&cfg));
    if args.json {
        out!(
            "{}",
            json!({ "step": "Connect", "function": "auth login", "exitCode": 0, "credential": summary })
        );
    } else {
        out!("\n== Connect  (auth login: authorization URL, callback, code exchange)");
        out!(
            "   connected {} as {}: organizer {}, account {}; access token expires {}",
            text(&summary["provider"]),
            text(&summary["who"]),
            text(&summary["organizerKey"]),
            text(&summary["accountKey"]),
            text(&summary["expiresAt"]),
        );
        out!("   credential written to {} (mode 0600; tokens not shown)", cfg.display());
    }
    let token = credential.oauth().get("access_token").cloned().unwrap_or(Value::Null);
    let mut secrets = Vec::new();
    collect_secrets(&credential.oauth().to_value(), &mut secrets);
    let demo = Demo { token: Mutex::new(token), secrets: Mutex::new(secrets), dir, cfg, json: args.json };

    let listed =
        demo.step("List upcoming webinars", "listWebinars", json!({ "emitBehavior": "fetchAll" })).await?;
    let webinars = listed
        .data()
        .first()
        .map(|b| b["results"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default();
    demo.table(
        &["webinarKey", "subject", "starts"],
        webinars
            .iter()
            .map(|w| vec![text(&w["webinarKey"]), text(&w["subject"]), text(&w["times"][0]["startTime"])])
            .collect(),
    )?;

    let start = (Utc::now() + ChronoDuration::days(7)).format("%Y-%m-%dT15:00:00Z").to_string();
    let end = (Utc::now() + ChronoDuration::days(7)).format("%Y-%m-%dT16:00:00Z").to_string();
    let created = demo
        .step(
            "Create a webinar",
            "createWebinar",
            json!({ "subject": "Automating registrations", "times": [{ "startTime": start, "endTime": end }], "timeZone": "UTC" }),
        )
        .await?;
    let webinar_key = created.data().first().map(|b| text(&b["webinarKey"])).unwrap_or_default();
    demo.say(&format!("created webinar {webinar_key}"))?;

    demo.say(&format!("waiting {} s so the access token expires…", args.token_ttl + 1))?;
    tokio::time::sleep(Duration::from_secs(args.token_ttl + 1)).await;

    let first_poll = demo.poll("Poll for new registrants (first run starts now)", "newRegistrants").await?;
    demo.say(&format!(
        "{} registrants emitted; the snapshot now marks where the next poll starts",
        first_poll.data().len()
    ))?;

    let people = [
        ("Ada", "Lovelace", "ada@example.com"),
        ("Grace", "Hopper", "grace@example.com"),
        ("Ada", "Lovelace", "ADA@example.com"),
    ];
    let mut rows = Vec::new();
    for (first, last, email) in people {
        let run = demo
            .step(
                &format!("Register {email}"),
                "createRegistrant",
                json!({ "webinarKey": webinar_key, "firstName": first, "lastName": last, "email": email }),
            )
            .await?;
        if let Some(body) = run.data().first() {
            rows.push(vec![
                text(&body["email"]),
                text(&body["registrantKey"]),
                text(&body["alreadyRegistered"]),
            ]);
        }
    }
    demo.table(&["email", "registrantKey", "alreadyRegistered"], rows)?;

    let polled = demo.poll("Poll for new registrants again", "newRegistrants").await?;
    demo.table(
        &["id", "email"],
        polled.data().iter().map(|r| vec![text(&r["id"]), text(&r["email"])]).collect(),
    )?;
    if polled.data().len() != 2 {
        return Err(format!(
            "expected the poll to emit the 2 new registrants, it emitted {}",
            polled.data().len()
        )
        .into());
    }
    let again = demo.poll("Poll once more", "newRegistrants").await?;
    demo.say(&format!("{} registrants emitted: nothing is emitted twice", again.data().len()))?;
    if !again.data().is_empty() {
        return Err(Stop::Failed("a registrant was emitted twice".into()));
    }

    let listed = demo
        .step(
            "List the registrants",
            "listRegistrants",
            json!({ "webinarKey": webinar_key, "emitBehavior": "fetchAll" }),
        )
        .await?;
    let registrants = listed
        .data()
        .first()
        .map(|b| b["results"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default();
    demo.table(
        &["registrantKey", "name", "email", "status"],
        registrants
            .iter()
            .map(|r| {
                vec![
                    text(&r["registrantKey"]),
                    format!("{} {}", text(&r["firstName"]), text(&r["lastName"])),
                    text(&r["email"]),
                    text(&r["status"]),
                ]
            })
            .collect(),
    )?;
    if registrants.len() != 2 {
        return Err(Stop::Failed(format!(
            "expected 2 registrants (one person registered twice), found {}",
            registrants.len()
        )));
    }
    if !demo.json {
        out!("\nDone: {} token requests were made to the sandbox; nothing failed.", sandbox.token_requests());
    }
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod redaction {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_values_are_redacted_and_flags_named_like_secrets_are_kept() {
        let events = json!({
            "oauth": {"access_token": "access-123456", "refresh_token": "refresh-123456", "expires_in": 60},
            "webinar": {"isPasswordProtected": true, "password": "hunter2-pw", "subject": "uses access-123456"},
            "client_secret_count": 2
        });
        let mut secrets = Vec::new();
        collect_secrets(&events, &mut secrets);
        let shown = redact(&events, &secrets);
        assert_eq!(shown["webinar"]["isPasswordProtected"], json!(true));
        assert_eq!(shown["client_secret_count"], json!(2));
        assert_eq!(shown["oauth"]["expires_in"], json!(60));
        for field in
            [&shown["oauth"]["access_token"], &shown["oauth"]["refresh_token"], &shown["webinar"]["password"]]
        {
            assert_eq!(field, &json!("[redacted]"));
        }
        assert_eq!(shown["webinar"]["subject"], json!("uses [redacted]"));
    }
}
