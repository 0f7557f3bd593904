//! The command line as a person meets it: mistyped names, a reader that stops early, errors that
//! say how to recover, and progress only where a person watches.

use crate::support;
use sailor_testkit as broker;

use std::process::Stdio;

use chrono::Duration;
use gotowebinar_sandbox::{SeedRegistrant, SeedTime, SeedWebinar};
use serde_json::json;
use support::{run_binary, spawn_binary, World};

const BIN: &str = env!("CARGO_BIN_EXE_gotowebinar");

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_mistyped_function_or_method_gets_the_closest_name() {
    let run = run_binary(&args(&["exec", "listWebinar", "--cfg", "missing.json"]), &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("did you mean listWebinars?"), "{}", run.stderr);
    assert!(!run.stderr.contains("addParticipant"), "no list of every name: {}", run.stderr);

    let run = run_binary(&args(&["exec", "listwebinars", "--cfg", "missing.json"]), &[]).await;
    assert!(run.stderr.contains("did you mean listWebinars?"), "letter case: {}", run.stderr);

    let run = run_binary(
        &args(&["exec", "listWebinars", "--cfg", "missing.json", "--method", "verifyCredential"]),
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("did you mean verifyCredentials?"), "{}", run.stderr);

    // Nothing close: every valid name, so the person can pick one.
    let run = run_binary(&args(&["exec", "sendInvoices", "--cfg", "missing.json"]), &[]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("listWebinars") && run.stderr.contains("addParticipant"), "{}", run.stderr);
    assert!(!run.stderr.contains("did you mean"), "{}", run.stderr);
}

#[tokio::test]
async fn a_reader_that_closes_stdout_early_ends_the_run_quietly() {
    let world = World::new().await;
    let cfg =
        world.cfg(json!({"organizerKey": world.sandbox.organizer_key(), "emitBehavior": "emitIndividually"}));
    // A real pipe whose reading end is closed before anything is written: every write fails.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = tokio::process::Command::new(BIN)
        .args(["exec", "listWebinars", "--cfg", cfg.to_str().unwrap()])
        .envs(world.env().into_iter().filter(|(k, _)| k != "LOG_LEVEL"))
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("Broken pipe") && !stderr.contains("ERROR"), "stderr: {stderr}");

    // The same through a shell with `head -1`: the first line arrives, the run still ends with 0.
    let script = format!(
        "{BIN} exec listWebinars --cfg {} | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2",
        cfg.display()
    );
    let output = tokio::process::Command::new("bash")
        .args(["-c", &script])
        .envs(world.env().into_iter().filter(|(k, _)| k != "LOG_LEVEL"))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stderr.contains("status=0"), "stderr: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "stderr: {stderr}");
}

#[tokio::test]
async fn a_dead_refresh_token_says_to_log_in_again_with_the_cfg_file() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    world.sandbox.revoke_refresh_token(oauth["refresh_token"].as_str().unwrap());
    oauth.as_object_mut().unwrap().remove("access_token");
    let cfg =
        world.write("dead.json", &json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()}));
    let run = world.exec("listWebinars", &cfg, None, &[]).await;
    let message = run.assert_error("AuthError");
    let advice = format!("`gotowebinar auth login --out {}`", cfg.display());
    assert!(message.contains(&advice), "{message}");
    assert!(message.contains("invalid_grant"), "{message}");
    assert_eq!(message.matches("auth login").count(), 1, "the advice once: {message}");
    assert!(!message.contains(oauth["refresh_token"].as_str().unwrap()), "{message}");
}

#[tokio::test]
async fn a_wrong_client_secret_names_the_variables() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    oauth.as_object_mut().unwrap().remove("access_token");
    let cfg =
        world.write("cfg.json", &json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()}));
    let env: Vec<(String, String)> = world
        .env()
        .into_iter()
        .map(|(k, v)| if k == "CITRIX_APP_SECRET" { (k, "wrong-secret-value".into()) } else { (k, v) })
        .collect();
    let run = run_binary(&args(&["exec", "listWebinars", "--cfg", cfg.to_str().unwrap()]), &env).await;
    let message = run.assert_error("AuthError");
    assert!(message.contains("CITRIX_APP_SECRET") && message.contains("CITRIX_APP_ID"), "{message}");
    assert!(message.contains("invalid_client"), "{message}");
    assert!(!message.contains("wrong-secret-value"), "{message}");
}

/// Runs `command` under a pseudo-terminal (util-linux `script`), so stderr is a terminal; returns
/// what the terminal showed.
async fn on_a_terminal(command: &str, env: &[(String, String)]) -> String {
    let output = tokio::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("`script` (util-linux) runs: install it with `apt-get install -y util-linux`");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_bulk_list_shows_progress_on_a_terminal_and_none_when_piped() {
    let world = World::new().await;
    let cfg = world.cfg(json!({"organizerKey": world.sandbox.organizer_key(), "emitBehavior": "fetchAll"}));
    let env: Vec<(String, String)> = world.env().into_iter().filter(|(k, _)| k != "LOG_LEVEL").collect();

    let shown =
        on_a_terminal(&format!("{BIN} exec listWebinars --cfg {} > /dev/null", cfg.display()), &env).await;
    assert!(shown.contains("listing webinars:") && shown.contains(" items"), "{shown:?}");

    let piped = run_binary(&args(&["exec", "listWebinars", "--cfg", cfg.to_str().unwrap()]), &env).await;
    piped.assert_ok();
    assert_eq!(piped.data().len(), 1);
    assert!(!piped.stderr.contains("listing webinars"), "{:?}", piped.stderr);
    assert!(!piped.stderr.contains('\r') && !piped.stderr.contains('\u{1b}'), "{:?}", piped.stderr);
}

/// A webinar three days ahead with two registrants.
fn webinar_with_registrants(world: &World) -> String {
    let start = SeedTime::from_now(Duration::days(3));
    let end = SeedTime::from_now(Duration::days(3) + Duration::hours(1));
    let webinar = world.sandbox.add_webinar(SeedWebinar::new("Hints", start, end)).unwrap();
    for name in ["Ada", "Grace"] {
        let email = format!("{}@example.com", name.to_lowercase());
        world.sandbox.add_registrant(&webinar, SeedRegistrant::new(name, "L", &email)).unwrap();
    }
    webinar
}

/// The warning lines about unknown fields in what the run logged.
fn field_warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| line.contains("WARN") && line.contains("unknown")).collect()
}

const SECRET: &str = "s3cr3t-token-value-never-logged";

#[tokio::test]
async fn a_mistyped_input_field_is_named_with_the_closest_field_and_the_step_still_runs() {
    let world = World::new().await;
    let webinar = webinar_with_registrants(&world);
    let cfg = world.cfg(json!({"organizerKey": world.sandbox.organizer_key(), "emitBehavior": "fetchAll"}));

    // The key itself mistyped: the warning says which field was meant, the run fails as always.
    let msg = world.msg(json!({"webinarkey": webinar}));
    let run = world.exec("listRegistrants", &cfg, Some(&msg), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.contains("`webinarKey` is required"), "{message}");
    let warnings = field_warnings(&run.stderr);
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains(r#"unknown input field "webinarkey"; did you mean "webinarKey"?"#),
        "{}",
        run.stderr
    );

    // Everything required present: the step runs, the mistyped and unknown fields are named,
    // their values never shown.
    let msg = world.msg(json!({"webinarKey": webinar, "Size": 1, "apiToken": SECRET}));
    let run = world.exec("listRegistrants", &cfg, Some(&msg), &[]).await;
    run.assert_ok();
    assert_eq!(run.data()[0]["results"].as_array().map(Vec::len), Some(2), "{:?}", run.data());
    let warnings = field_warnings(&run.stderr);
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(warnings[0].contains(r#""Size" (did you mean "size"?)"#), "{}", run.stderr);
    assert!(warnings[0].contains(r#""apiToken""#), "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "a value in the logs: {}", run.stderr);
    assert!(run.events.iter().all(|event| !event.to_string().contains(SECRET)), "{:?}", run.events);
}

#[tokio::test]
async fn a_mistyped_config_field_is_named_with_the_closest_field_and_the_step_still_runs() {
    let world = World::new().await;
    let webinar = webinar_with_registrants(&world);
    let cfg = world.cfg(json!({
        "organizerKey": world.sandbox.organizer_key(),
        "webinarKey": webinar,
        "emitBehaviour": "fetchAll",
        "client_password": SECRET,
    }));
    let run = world.exec("listRegistrants", &cfg, None, &[]).await;
    run.assert_ok();
    // The mistyped behavior is ignored: one message per registrant, the default.
    assert_eq!(run.data().len(), 2, "{:?}", run.data());
    let warnings = field_warnings(&run.stderr);
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains(
            r#"unknown config fields "client_password", "emitBehaviour" (did you mean "emitBehavior"?)"#
        ),
        "{}",
        run.stderr
    );
    assert!(warnings[0].contains("listRegistrants reads: webinarKey, emitBehavior"), "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "a value in the logs: {}", run.stderr);
}

#[tokio::test]
async fn a_correct_step_logs_no_field_warning() {
    let world = World::new().await;
    let webinar = webinar_with_registrants(&world);
    // What the platform and `auth login` put in a configuration besides the step fields.
    let cfg = world.cfg(json!({
        "organizerKey": world.sandbox.organizer_key(),
        "accountKey": "1",
        "_account": "acc-1",
        "provider": "gotowebinar",
        "emitBehavior": "fetchPage",
    }));
    let msg = world.msg(json!({"webinarKey": webinar, "page": 1, "size": 1}));
    let run = world.exec("listRegistrants", &cfg, Some(&msg), &[]).await;
    run.assert_ok();
    assert_eq!(run.data()[0]["results"].as_array().map(Vec::len), Some(1), "{:?}", run.data());
    assert!(field_warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_step_warns_once_in_its_log_and_processes_every_message() {
    let world = World::new().await;
    let webinar = webinar_with_registrants(&world);
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key(),
        "_account": "acc-1", "webinarKy": SECRET});
    let step =
        json!({"id": "step_2", "config": cfg, "snapshot": {}, "is_passthrough": false, "variables": {}});
    let api = broker::FakeApi::start(step, &[]).await;
    let broker = broker::Broker::new().await;
    let mut env: Vec<(String, String)> = broker.env(&api, "getWebinar", &[]).into_iter().collect();
    env.extend(world.env().into_iter().filter(|(k, _)| k != "LOG_LEVEL"));
    env.push(("LOG_LEVEL".into(), "info".into()));
    let mut child = spawn_binary(&["sail"], &env);
    let mut out = child.stdout.take().expect("piped stdout");
    let stdout = tokio::spawn(async move {
        let mut text = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut out, &mut text).await;
        text
    });

    for n in 0..3 {
        let msg = json!({"id": format!("in-{n}"), "body": {"webinarKey": webinar, "webinarKye": SECRET}});
        broker.send(&msg, 1, json!({"messageId": format!("m-{n}")})).await;
    }
    let data = broker.take(&broker.data, 3, 60).await;
    assert_eq!(data.len(), 3, "every message is processed");

    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs").success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("the step stops within 20 s of SIGTERM")
        .expect("exit status");
    let stdout = stdout.await.unwrap_or_default();
    assert_eq!(status.code(), Some(0), "{stdout}");
    let warnings: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|log| log["level"] == 40)
        .collect();
    let messages: Vec<&str> = warnings.iter().filter_map(|log| log["msg"].as_str()).collect();
    assert_eq!(
        messages,
        [
            r#"unknown config field "webinarKy"; did you mean "webinarKey"?"#,
            r#"unknown input field "webinarKye"; did you mean "webinarKey"?"#,
        ],
        "the configuration once at start, the same input fields once: {stdout}"
    );
    assert!(!stdout.contains(SECRET), "a value in the logs: {stdout}");
}
