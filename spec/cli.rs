//! The command line as a person meets it: mistyped names, a reader that stops early, errors that
//! say how to recover, and progress only where a person watches.

use crate::support;

use std::process::Stdio;

use serde_json::json;
use support::{run_binary, World};

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
