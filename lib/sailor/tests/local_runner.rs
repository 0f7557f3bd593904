//! The local runner driven with a small test component.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sailor::{
    run_local_with_io, Component, Context, EmitError, Event, ExecArgs, Function, FunctionError, HttpReply,
    Input, Services,
};
use sailor_testkit::SharedBuf;
use serde_json::{json, Value};

fn err_other(e: EmitError) -> FunctionError {
    FunctionError::new("EmitError", e.to_string())
}

/// Emits the input it was given.
struct Echo;

#[async_trait]
impl Function for Echo {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let body = json!({
            "body": input.msg.body,
            "headers": input.msg.headers,
            "metadata": input.msg.metadata,
            "cfg": input.cfg,
            "snapshot": input.snapshot,
        });
        ctx.data(body).await.map_err(err_other)
    }
}

struct Fail;

#[async_trait]
impl Function for Fail {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        ctx.data(json!({"partial": true})).await.map_err(err_other)?;
        Err(FunctionError::new("ValidationError", "webinarKey is required"))
    }
}

struct Rebound;

#[async_trait]
impl Function for Rebound {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        ctx.rebound("rate limited").await.map_err(err_other)
    }
}

/// Emits one of each non-data event, and `end` in the middle.
struct Everything;

#[async_trait]
impl Function for Everything {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        ctx.snapshot(json!({"cursor": 1})).await.map_err(err_other)?;
        ctx.update_snapshot(json!({"seen": ["a"]})).await.map_err(err_other)?;
        ctx.emit(Event::End).await.map_err(err_other)?;
        let mut reply = HttpReply::status(200);
        reply.body = json!("ok");
        ctx.http_reply(reply).await.map_err(err_other)?;
        ctx.data(json!({"n": 1})).await.map_err(err_other)
    }
}

/// Emits new keys, then reloads the credential and emits what it read.
struct Refresh;

#[async_trait]
impl Function for Refresh {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        if let Some(path) = input.cfg.get("deleteBeforeSave").and_then(Value::as_str) {
            std::fs::remove_file(path).map_err(|e| FunctionError::new("Test", e.to_string()))?;
        }
        let keys = json!({"oauth": {"access_token": "new-at", "refresh_token": "new-rt"}});
        if let Err(e) = ctx.update_keys(keys).await {
            return Err(FunctionError::new("KeysNotSaved", e.to_string()));
        }
        let reloaded = ctx.reload_credentials().await.map_err(err_other)?;
        ctx.data(json!({"reloaded": reloaded})).await.map_err(err_other)
    }
}

struct BadKeys;

#[async_trait]
impl Function for BadKeys {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        let result = ctx.update_keys(json!("not an object")).await;
        ctx.data(json!({"updateKeysFailed": result.is_err()})).await.map_err(err_other)
    }
}

/// Emits from many tasks at once.
struct Concurrent;

#[async_trait]
impl Function for Concurrent {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let ctx = ctx.clone();
                tokio::spawn(async move { ctx.data(json!({"i": i, "pad": "x".repeat(i * 50)})).await })
            })
            .collect();
        for t in tasks {
            t.await.map_err(|e| FunctionError::new("Join", e.to_string()))?.map_err(err_other)?;
        }
        Ok(())
    }
}

/// Reports whether a late emit succeeded.
type LateReport = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Leaves a task behind that emits after the function returned.
struct Late {
    result: Arc<Mutex<Option<LateReport>>>,
}

#[async_trait]
impl Function for Late {
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        let tx = self.result.lock().unwrap().take();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let r = ctx.data(json!({"late": true})).await.map_err(|e| e.to_string());
            if let Some(tx) = tx {
                let _ = tx.send(r);
            }
        });
        Ok(())
    }
}

struct Panics;

#[async_trait]
impl Function for Panics {
    async fn process(&self, _ctx: Context, _input: Input) -> Result<(), FunctionError> {
        panic!("boom in the function")
    }
}

struct InitFails;

#[async_trait]
impl Function for InitFails {
    async fn init(&self, _ctx: Context, _cfg: Value) -> Result<(), FunctionError> {
        Err(FunctionError::new("InitError", "init refused"))
    }
    async fn process(&self, ctx: Context, _input: Input) -> Result<(), FunctionError> {
        ctx.data(json!({"processed": true})).await.map_err(err_other)
    }
}

/// A webhook trigger: startup registers, shutdown needs what startup returned.
struct Hook;

#[async_trait]
impl Function for Hook {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        ctx.http_reply(HttpReply::status(200)).await.map_err(err_other)?;
        ctx.data(input.msg.body).await.map_err(err_other)
    }
    async fn startup(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        Ok(json!({"hookId": "h-1", "url": ctx.step().flow_webhook_uri, "account": cfg["_account"]}))
    }
    async fn shutdown(&self, ctx: Context, _cfg: Value, data: Value) -> Result<(), FunctionError> {
        match data.get("hookId") {
            Some(id) => ctx.data(json!({"deleted": id})).await.map_err(err_other),
            None => Err(FunctionError::new("ShutdownError", "no hookId in the startup data")),
        }
    }
}

struct Svc;

#[async_trait]
impl Services for Svc {
    async fn verify_credentials(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        ctx.update_keys(json!({"touched": true})).await.map_err(err_other)?;
        Ok(json!({"verified": cfg.get("oauth").is_some()}))
    }
    async fn get_meta_model(
        &self,
        _ctx: Context,
        function: &str,
        cfg: Value,
    ) -> Result<Value, FunctionError> {
        Ok(json!({"in": {"function": function, "webinarKey": cfg["webinarKey"]}, "out": {}}))
    }
    async fn select_model(&self, ctx: Context, method: &str, _cfg: Value) -> Result<Value, FunctionError> {
        if method == "broken" {
            return Err(FunctionError::new("ModelError", "cannot list"));
        }
        ctx.update_keys(json!({"fromModel": 1})).await.map_err(err_other)?;
        Ok(json!({"1": format!("{method} one")}))
    }
}

fn component() -> (Component, tokio::sync::oneshot::Receiver<Result<(), String>>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let c = Component::new()
        .function("echo", Echo)
        .function("fail", Fail)
        .function("rebound", Rebound)
        .function("everything", Everything)
        .function("refresh", Refresh)
        .function("badKeys", BadKeys)
        .function("concurrent", Concurrent)
        .function("late", Late { result: Arc::new(Mutex::new(Some(tx))) })
        .function("panics", Panics)
        .function("initFails", InitFails)
        .function("hook", Hook)
        .services(Svc);
    (c, rx)
}

struct Run {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

impl Run {
    fn events(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l["event"].as_str().unwrap_or("?")).collect()
    }
}

async fn run_with(c: &Component, args: ExecArgs) -> Run {
    let out = SharedBuf::default();
    let mut err = Vec::new();
    let code = run_local_with_io(c, args, out.clone(), &mut err).await;
    let text = out.text();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {l:?} is not JSON: {e}")))
        .collect();
    Run { code, lines, stderr: String::from_utf8(err).unwrap() }
}

async fn run(args: ExecArgs) -> Run {
    run_with(&component().0, args).await
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn process_gets_message_cfg_and_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", r#"{"organizerKey": "123", "webinarKey": "456"}"#);
    let msg = write(dir.path(), "msg.json", r#"{"body": {"email": "a@b.c"}, "headers": {"h": "1"}}"#);
    let snap = write(dir.path(), "snap.json", r#"{"cursor": "2024-01-01T00:00:00Z"}"#);
    let mut args = ExecArgs::new("echo", &cfg);
    args.msg = Some(msg);
    args.snapshot = Some(snap);
    let r = run(args).await;
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(r.events(), ["data", "end"]);
    let message = &r.lines[0]["message"];
    assert_eq!(message["body"]["body"], json!({"email": "a@b.c"}));
    assert_eq!(message["body"]["headers"], json!({"h": "1"}));
    assert_eq!(message["body"]["metadata"], json!({}));
    assert_eq!(message["body"]["cfg"], json!({"organizerKey": "123", "webinarKey": "456"}));
    assert_eq!(message["body"]["snapshot"], json!({"cursor": "2024-01-01T00:00:00Z"}));
    for part in ["headers", "attachments", "metadata"] {
        assert_eq!(message[part], json!({}), "{part}");
    }
    assert!(message["id"].as_str().is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert_eq!(r.lines[1], json!({"event": "end"}));
}

#[tokio::test]
async fn long_integers_in_files_arrive_as_exact_strings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", r#"{"organizerKey": 24576065432313123456, "small": 42}"#);
    let msg = write(
        dir.path(),
        "msg.json",
        r#"{"body": {"keys": [24576065432313123456, 1.5e300], "s": "24576065432313123456"}}"#,
    );
    let snap = write(dir.path(), "snap.json", r#"{"last": {"webinarKey": -24576065432313123456}}"#);
    let mut args = ExecArgs::new("echo", &cfg);
    args.msg = Some(msg);
    args.snapshot = Some(snap);
    let r = run(args).await;
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let body = &r.lines[0]["message"]["body"];
    assert_eq!(body["cfg"], json!({"organizerKey": "24576065432313123456", "small": 42}));
    assert_eq!(body["body"]["keys"], json!(["24576065432313123456", 1.5e300]));
    assert_eq!(body["body"]["s"], "24576065432313123456");
    assert_eq!(body["snapshot"]["last"]["webinarKey"], "-24576065432313123456");
}

#[tokio::test]
async fn defaults_without_msg_and_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("echo", &cfg)).await;
    assert_eq!(r.code, 0);
    let body = &r.lines[0]["message"]["body"];
    assert_eq!(body["body"], json!({}));
    assert_eq!(body["snapshot"], json!({}));
}

#[tokio::test]
async fn function_error_is_an_error_event_then_end_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("fail", &cfg)).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.events(), ["data", "error", "end"]);
    assert_eq!(
        r.lines[1],
        json!({"event": "error", "error": {"name": "ValidationError", "message": "webinarKey is required"}})
    );
}

#[tokio::test]
async fn rebound_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("rebound", &cfg)).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.lines, [json!({"event": "rebound", "reason": "rate limited"}), json!({"event": "end"})]);
}

#[tokio::test]
async fn every_event_kind_prints_and_end_is_only_last() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("everything", &cfg)).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.events(), ["snapshot", "updateSnapshot", "httpReply", "data", "end"]);
    assert_eq!(r.lines[0]["snapshot"], json!({"cursor": 1}));
    assert_eq!(r.lines[1]["snapshot"], json!({"seen": ["a"]}));
    assert_eq!(r.lines[2]["reply"], json!({"statusCode": 200, "body": "ok", "headers": {}}));
}

#[tokio::test]
async fn concurrent_emits_are_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("concurrent", &cfg)).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.lines.len(), 65);
    assert_eq!(r.events().last(), Some(&"end"));
    let mut seen: Vec<u64> =
        r.lines[..64].iter().map(|l| l["message"]["body"]["i"].as_u64().unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..64).collect::<Vec<u64>>());
}

#[tokio::test]
async fn emitting_after_the_function_returned_is_refused_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let (c, rx) = component();
    let out = SharedBuf::default();
    let code = run_local_with_io(&c, ExecArgs::new("late", &cfg), out.clone(), Vec::new()).await;
    assert_eq!(code, 0);
    let late = rx.await.unwrap();
    assert!(late.is_err(), "a late emit must be refused");
    assert_eq!(out.text(), "{\"event\":\"end\"}\n");
}

#[tokio::test]
async fn a_panicking_function_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("panics", &cfg)).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.events(), ["error", "end"]);
    let message = r.lines[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("boom in the function"), "{message}");
}

#[tokio::test]
async fn init_runs_before_process_and_its_failure_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("initFails", &cfg)).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.events(), ["error", "end"]);
    assert_eq!(r.lines[0]["error"]["name"], "InitError");
}

#[cfg(unix)]
#[tokio::test]
async fn save_keys_merges_into_the_cfg_file_atomically_with_mode_0600() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let original = json!({
        "oauth": {"access_token": "old-at", "refresh_token": "old-rt", "organizer_key": "9"},
        "organizerKey": "123",
        "webinarKey": "456",
        "_account": "acc-1"
    });
    let cfg = write(dir.path(), "cfg.json", &original.to_string());
    std::fs::set_permissions(&cfg, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let inode_before = std::fs::metadata(&cfg).unwrap().ino();

    let mut args = ExecArgs::new("refresh", &cfg);
    args.save_keys = true;
    let r = run(args).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(r.events(), ["updateKeys", "data", "end"]);
    assert_eq!(r.lines[0]["keys"], json!({"oauth": {"access_token": "new-at", "refresh_token": "new-rt"}}));

    let saved = read_json(&cfg);
    let mut expected = original.clone();
    expected["oauth"] = json!({"access_token": "new-at", "refresh_token": "new-rt"});
    assert_eq!(saved, expected, "shallow merge of the emitted keys into the file's object");
    assert_eq!(r.lines[1]["message"]["body"]["reloaded"], expected, "reload re-reads the file");
    assert_eq!(mode(&cfg), 0o600);
    assert_ne!(std::fs::metadata(&cfg).unwrap().ino(), inode_before, "the file was replaced by a rename");
    let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, [".cfg.json.lock", "cfg.json"], "no temp file left behind (only the lock file)");
}

#[tokio::test]
async fn without_save_keys_the_file_is_untouched_but_reload_sees_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"oauth": {"access_token": "old-at"}, "organizerKey": "123"}"#;
    let cfg = write(dir.path(), "cfg.json", text);
    let r = run(ExecArgs::new("refresh", &cfg)).await;
    assert_eq!(r.code, 0);
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
    assert_eq!(
        r.lines[1]["message"]["body"]["reloaded"],
        json!({"oauth": {"access_token": "new-at", "refresh_token": "new-rt"}, "organizerKey": "123"})
    );
}

#[tokio::test]
async fn a_failed_save_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cfg.json");
    let cfg = write(dir.path(), "cfg.json", &json!({"deleteBeforeSave": path}).to_string());
    let mut args = ExecArgs::new("refresh", &cfg);
    args.save_keys = true;
    let r = run(args).await;
    assert_eq!(r.code, 1);
    // The keys are printed before the failed write, so they are not lost.
    assert_eq!(r.events(), ["updateKeys", "error", "error", "end"]);
    assert_eq!(r.lines[1]["error"]["name"], "UpdateKeysError");
    assert_eq!(r.lines[2]["error"]["name"], "KeysNotSaved");
    assert!(!path.exists(), "nothing was written");
}

#[tokio::test]
async fn update_keys_with_a_non_object_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let r = run(ExecArgs::new("badKeys", &cfg)).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.events(), ["error", "data", "end"]);
    assert_eq!(r.lines[1]["message"]["body"], json!({"updateKeysFailed": true}));
}

#[tokio::test]
async fn startup_prints_its_data_and_shutdown_receives_data() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", r#"{"_account": "acc-7"}"#);
    let mut args = ExecArgs::new("hook", &cfg);
    args.method = "startup".into();
    args.webhook_url = Some("https://example.test/hook/flow-1".into());
    let r = run(args).await;
    assert_eq!(r.code, 0);
    assert_eq!(
        r.lines,
        [
            json!({"event": "startup", "data": {"hookId": "h-1", "url": "https://example.test/hook/flow-1",
                "account": "acc-7"}}),
            json!({"event": "end"})
        ]
    );

    let data = write(dir.path(), "data.json", r#"{"hookId": "h-1"}"#);
    let mut args = ExecArgs::new("hook", &cfg);
    args.method = "shutdown".into();
    args.data = Some(data);
    let r = run(args).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.events(), ["data", "end"]);
    assert_eq!(r.lines[0]["message"]["body"], json!({"deleted": "h-1"}));

    let mut args = ExecArgs::new("hook", &cfg);
    args.method = "shutdown".into();
    let r = run(args).await;
    assert_eq!(r.code, 1, "shutdown without --data gets {{}}");
    assert_eq!(r.events(), ["error", "end"]);
}

#[tokio::test]
async fn service_methods_print_a_result() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", r#"{"oauth": {"access_token": "a"}, "webinarKey": "77"}"#);

    let mut args = ExecArgs::new("listWebinars", &cfg);
    args.method = "verifyCredentials".into();
    args.save_keys = true;
    let before = std::fs::read_to_string(&cfg).unwrap();
    let r = run(args).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.events(), ["updateKeys", "result", "end"]);
    assert_eq!(r.lines[1]["data"], json!({"verified": true}));
    assert_ne!(std::fs::read_to_string(&cfg).unwrap(), before, "verifyCredentials saves the keys it renewed");

    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "getMetaModel".into();
    let r = run(args).await;
    assert_eq!(r.code, 0);
    assert_eq!(
        r.lines[0],
        json!({"event": "result", "data": {"in": {"function": "echo", "webinarKey": "77"},
        "out": {}}})
    );

    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "selectModel".into();
    args.model = Some("webinars".into());
    args.save_keys = true;
    let r = run(args).await;
    assert_eq!(r.code, 0);
    assert_eq!(r.events(), ["updateKeys", "result", "end"]);
    assert_eq!(r.lines[1]["data"], json!({"1": "webinars one"}));
    assert_eq!(read_json(&cfg)["fromModel"], 1, "selectModel may persist keys");

    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "selectModel".into();
    args.model = Some("broken".into());
    let r = run(args).await;
    assert_eq!(r.code, 1);
    assert_eq!(
        r.lines,
        [
            json!({"event": "error", "error": {"name": "ModelError", "message": "cannot list"}}),
            json!({"event": "end"})
        ]
    );
}

async fn assert_usage_error(c: &Component, args: ExecArgs, expect_in_reason: &str) {
    let r = run_with(c, args).await;
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(r.lines.is_empty(), "no events on a usage error: {:?}", r.lines);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    assert!(r.stderr.contains(expect_in_reason), "{:?} should mention {expect_in_reason:?}", r.stderr);
}

#[tokio::test]
async fn usage_errors_exit_2_with_one_line() {
    let (c, _rx) = component();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let broken = write(dir.path(), "broken.json", "{\"a\": ");
    let array = write(dir.path(), "array.json", "[1, 2]");
    let text_body = write(dir.path(), "text.json", r#"{"body": "hello"}"#);
    let missing = dir.path().join("missing.json");

    assert_usage_error(&c, ExecArgs::new("nope", &cfg), "unknown function \"nope\"").await;
    assert_usage_error(&c, ExecArgs::new("echo", &missing), "cannot read --cfg file").await;
    assert_usage_error(&c, ExecArgs::new("echo", &broken), "not valid JSON").await;
    assert_usage_error(&c, ExecArgs::new("echo", &array), "must contain a JSON object").await;

    let mut args = ExecArgs::new("echo", &cfg);
    args.msg = Some(broken.clone());
    assert_usage_error(&c, args, "--msg").await;
    let mut args = ExecArgs::new("echo", &cfg);
    args.msg = Some(text_body);
    assert_usage_error(&c, args, "`body`").await;
    let mut args = ExecArgs::new("echo", &cfg);
    args.snapshot = Some(missing.clone());
    assert_usage_error(&c, args, "--snapshot").await;
    let mut args = ExecArgs::new("hook", &cfg);
    args.method = "shutdown".into();
    args.data = Some(broken);
    assert_usage_error(&c, args, "--data").await;

    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "run".into();
    assert_usage_error(&c, args, "unknown method \"run\"").await;
    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "selectModel".into();
    assert_usage_error(&c, args, "--model").await;
    let mut args = ExecArgs::new("nope", &cfg);
    args.method = "getMetaModel".into();
    assert_usage_error(&c, args, "unknown function").await;

    let no_services = Component::new().function("echo", Echo);
    let mut args = ExecArgs::new("echo", &cfg);
    args.method = "verifyCredentials".into();
    assert_usage_error(&no_services, args, "service functions").await;
}

#[tokio::test]
async fn save_snapshot_keeps_the_snapshot_as_the_platform_would_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.json", "{}");
    let snapshot = dir.path().join("snapshot.json");
    // No file yet: the first run.
    let args = ExecArgs {
        snapshot: Some(snapshot.clone()),
        save_snapshot: true,
        ..ExecArgs::new("everything", &cfg)
    };
    let r = run(args.clone()).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    // `snapshot` replaces, `updateSnapshot` merges into it.
    assert_eq!(read_json(&snapshot), json!({"cursor": 1, "seen": ["a"]}));
    assert_eq!(mode(&snapshot), 0o600);
    let r = run(ExecArgs { function: "echo".into(), ..args }).await;
    assert_eq!(r.lines[0]["message"]["body"]["snapshot"], json!({"cursor": 1, "seen": ["a"]}));
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");

    // Without --save-snapshot the file is only read.
    std::fs::write(&snapshot, r#"{"cursor": 0}"#).unwrap();
    let r = run(ExecArgs { snapshot: Some(snapshot.clone()), ..ExecArgs::new("everything", &cfg) }).await;
    assert_eq!(r.code, 0);
    assert_eq!(read_json(&snapshot), json!({"cursor": 0}));
}
