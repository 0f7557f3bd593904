//! A refresh token is never lost: against a provider whose refresh tokens work once, every
//! credential file the component writes ends up holding a refresh token that works, whatever
//! happens around the refresh (an unwritable file, a stop signal, a symlink, concurrent runs, a
//! credential check).

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use gotowebinar::{OAuthClient, Origins, Secret};
use gotowebinar_sandbox::SandboxConfig;
use serde_json::{json, Value};
use support::{spawn_binary, Run, World};

/// A sandbox whose refresh tokens rotate and work once.
async fn single_use_world() -> World {
    World::with(SandboxConfig {
        rate_limit: None,
        rotate_refresh_tokens: true,
        single_use_refresh_tokens: true,
        ..SandboxConfig::default()
    })
    .await
}

fn upcoming(world: &World) -> String {
    world.sandbox.add_webinar(support::upcoming("Keys", 3)).expect("a webinar")
}

/// Token responses the sandbox has expired, so the next call must refresh.
fn expired_oauth(world: &World) -> Value {
    let mut oauth = world.sandbox.issue_tokens();
    world.sandbox.expire_all_tokens();
    oauth["expires_at"] = json!((Utc::now() - chrono::Duration::minutes(1)).to_rfc3339());
    oauth
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn refresh_token(cfg: &Value) -> String {
    cfg["oauth"]["refresh_token"].as_str().unwrap_or_default().to_string()
}

/// Whether the sandbox accepts `token` now (it is then spent, and its successor is dropped).
async fn works(world: &World, token: &str) -> bool {
    let origins = Origins::new(&world.sandbox.url(), &world.sandbox.url()).unwrap();
    let client =
        OAuthClient::new(world.sandbox.client_id(), Secret::new(world.sandbox.client_secret()), origins)
            .unwrap();
    client.refresh(&Secret::new(token)).await.is_ok()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn get_webinar(world: &World, cfg: &Path, webinar: &str) -> Vec<String> {
    let msg = world.msg(json!({"webinarKey": webinar}));
    args(&[
        "exec",
        "getWebinar",
        "--cfg",
        cfg.to_str().unwrap(),
        "--msg",
        msg.to_str().unwrap(),
        "--save-keys",
    ])
}

/// Files in `dir` other than the lock file and message files: what a run may have left behind.
fn leftovers(dir: &Path, expected: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            !name.starts_with("msg-") && !name.ends_with(".lock") && !expected.contains(&name.as_str())
        })
        .collect()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn an_unwritable_cfg_is_refused_before_the_refresh_token_is_spent() {
    let world = single_use_world().await;
    let webinar = upcoming(&world);

    // A read-only file.
    let cfg = world.write("cfg.json", &json!({"oauth": expired_oauth(&world)}));
    let before = std::fs::read(&cfg).unwrap();
    chmod(&cfg, 0o400);
    let run = support::run_binary(&get_webinar(&world, &cfg, &webinar), &world.env()).await;
    let message = run.assert_error("ConfigurationError");
    assert!(message.contains(cfg.to_str().unwrap()) && message.contains("read-only"), "{message}");
    assert!(run.update_keys().is_empty());
    assert_eq!(world.sandbox.token_requests(), 0, "nothing was sent to the token endpoint");
    assert_eq!(std::fs::read(&cfg).unwrap(), before);
    assert!(works(&world, &refresh_token(&read_json(&cfg))).await, "the stored refresh token is unspent");

    // A read-only directory.
    let dir = world.dir.path().join("locked");
    std::fs::create_dir(&dir).unwrap();
    let cfg = dir.join("cfg.json");
    write_json(&cfg, &json!({"oauth": expired_oauth(&world)}));
    chmod(&dir, 0o555);
    let requests = world.sandbox.token_requests();
    let run = support::run_binary(&get_webinar(&world, &cfg, &webinar), &world.env()).await;
    chmod(&dir, 0o755);
    let message = run.assert_error("ConfigurationError");
    assert!(message.contains(cfg.to_str().unwrap()) && message.contains("directory"), "{message}");
    assert_eq!(world.sandbox.token_requests(), requests, "nothing was sent to the token endpoint");
    assert!(leftovers(&dir, &["cfg.json"]).is_empty(), "{:?}", leftovers(&dir, &["cfg.json"]));
}

#[tokio::test]
async fn new_keys_are_printed_before_the_file_is_written_so_a_failed_write_loses_nothing() {
    let world = single_use_world().await;
    let webinar = upcoming(&world);
    let cfg = world.write("cfg.json", &json!({"oauth": expired_oauth(&world)}));
    world.sandbox.set_token_answer_delay(Duration::from_millis(1500));
    let child = spawn_binary(&get_webinar(&world, &cfg, &webinar), &world.env());
    wait_for_token_request(&world, 1).await;
    // While the provider answers, the file becomes something no keys can be written into.
    std::fs::remove_file(&cfg).unwrap();
    std::fs::create_dir(&cfg).unwrap();
    let run = finish(child).await;
    let message = run.assert_error("UpdateKeysError");
    assert!(message.contains("updateKeys"), "the error points to the printed keys: {message}");
    let keys = run.update_keys();
    assert_eq!(keys.len(), 1, "{:#?}", run.events);
    let position = |kind: &str| run.events.iter().position(|e| e["event"] == kind).unwrap();
    assert!(position("updateKeys") < position("error"), "{:#?}", run.events);
    world.sandbox.set_token_answer_delay(Duration::ZERO);
    assert!(works(&world, &refresh_token(&keys[0])).await, "the printed refresh token works");
}

async fn finish(child: tokio::process::Child) -> Run {
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the process ends within a minute")
        .unwrap();
    let events = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    Run {
        code: output.status.code().unwrap_or(-1),
        events,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn wait_for_token_request(world: &World, count: usize) {
    let started = Instant::now();
    while world.sandbox.token_requests() < count {
        assert!(started.elapsed() < Duration::from_secs(30), "no token request within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The request is in the provider's hands (the old token spent) when the signal comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
}

fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().expect("the process runs").to_string();
    let status = std::process::Command::new("kill").args([format!("-{name}"), pid]).status().unwrap();
    assert!(status.success(), "kill -{name}");
}

#[tokio::test]
async fn a_stop_signal_during_a_refresh_waits_for_the_answer_and_saves_it() {
    for (name, code) in [("TERM", 143), ("INT", 130)] {
        let world = single_use_world().await;
        let webinar = upcoming(&world);
        let cfg = world.write("cfg.json", &json!({"oauth": expired_oauth(&world)}));
        let old = refresh_token(&read_json(&cfg));
        world.sandbox.set_token_answer_delay(Duration::from_millis(1500));
        let child = spawn_binary(&get_webinar(&world, &cfg, &webinar), &world.env());
        wait_for_token_request(&world, 1).await;
        signal(&child, name);
        let run = finish(child).await;
        assert_eq!(run.code, code, "SIG{name}; events: {:#?}\nstderr: {}", run.events, run.stderr);
        assert_eq!(run.update_keys().len(), 1, "SIG{name}: {:#?}", run.events);
        let saved = refresh_token(&read_json(&cfg));
        assert_ne!(saved, old, "SIG{name}: the rotated refresh token is in the file");
        assert!(
            leftovers(world.dir.path(), &["cfg.json"]).is_empty(),
            "{:?}",
            leftovers(world.dir.path(), &["cfg.json"])
        );
        world.sandbox.set_token_answer_delay(Duration::ZERO);
        assert!(!works(&world, &old).await, "the old refresh token is spent");
        assert!(works(&world, &saved).await, "SIG{name}: the saved refresh token works");
    }
}

#[tokio::test]
async fn auth_refresh_stopped_mid_request_still_writes_the_answer() {
    let world = single_use_world().await;
    let cfg = world.write("credential.json", &json!({"oauth": expired_oauth(&world)}));
    let old = refresh_token(&read_json(&cfg));
    world.sandbox.set_token_answer_delay(Duration::from_millis(1500));
    let child = spawn_binary(&args(&["auth", "refresh", "--cfg", cfg.to_str().unwrap()]), &world.env());
    wait_for_token_request(&world, 1).await;
    signal(&child, "TERM");
    let output =
        tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.unwrap().unwrap();
    assert_eq!(output.status.code(), Some(143), "{}", String::from_utf8_lossy(&output.stderr));
    let saved = refresh_token(&read_json(&cfg));
    assert_ne!(saved, old);
    assert!(leftovers(world.dir.path(), &["credential.json"]).is_empty());
    world.sandbox.set_token_answer_delay(Duration::ZERO);
    assert!(works(&world, &saved).await, "the saved refresh token works");
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_cfg_is_written_through_the_link() {
    let world = single_use_world().await;
    let webinar = upcoming(&world);
    let real_dir = world.dir.path().join("secrets");
    std::fs::create_dir(&real_dir).unwrap();
    let target = real_dir.join("credential.json");
    write_json(&target, &json!({"oauth": expired_oauth(&world)}));
    chmod(&target, 0o600);
    let old = refresh_token(&read_json(&target));
    let link: PathBuf = world.dir.path().join("cfg.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = support::run_binary(&get_webinar(&world, &link, &webinar), &world.env()).await;
    run.assert_ok();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
    let saved = refresh_token(&read_json(&target));
    assert_ne!(saved, old, "the link's target holds the new keys");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(
        leftovers(&real_dir, &["credential.json"]).is_empty(),
        "{:?}",
        leftovers(&real_dir, &["credential.json"])
    );
    assert!(works(&world, &saved).await);
}

#[tokio::test]
async fn eight_runs_on_one_cfg_refresh_once() {
    let world = single_use_world().await;
    let webinar = upcoming(&world);
    let cfg = world.write("cfg.json", &json!({"oauth": expired_oauth(&world)}));
    let env = world.env();
    let runs = futures::future::join_all((0..8).map(|_| {
        let (args, env) = (get_webinar(&world, &cfg, &webinar), env.clone());
        async move { support::run_binary(&args, &env).await }
    }))
    .await;
    for run in &runs {
        run.assert_ok();
        assert_eq!(run.data().len(), 1);
    }
    assert_eq!(world.sandbox.token_requests(), 1, "one refresh serves all eight runs");
    let updates: usize = runs.iter().map(|run| run.update_keys().len()).sum();
    assert_eq!(updates, 1);
    assert!(works(&world, &refresh_token(&read_json(&cfg))).await);
}

#[tokio::test]
async fn a_local_credential_check_saves_the_keys_it_renewed() {
    let world = single_use_world().await;
    let cfg = world.write("cfg.json", &json!({"oauth": expired_oauth(&world)}));
    let old = refresh_token(&read_json(&cfg));
    let run = support::run_binary(
        &args(&[
            "exec",
            "verifyCredentials",
            "--cfg",
            cfg.to_str().unwrap(),
            "--method",
            "verifyCredentials",
            "--save-keys",
        ]),
        &world.env(),
    )
    .await;
    run.assert_ok();
    assert_eq!(run.of("result")[0]["data"], json!({"verified": true}));
    assert_eq!(world.sandbox.token_requests(), 1);
    let saved = refresh_token(&read_json(&cfg));
    assert_ne!(saved, old, "the renewed keys are in the file");
    assert_eq!(refresh_token(&run.update_keys()[0]), saved);
    assert!(works(&world, &saved).await);
}
