//! The component as a flow step: `gotowebinar sail` over a real RabbitMQ (started by
//! `scripts/test`) with a fake platform API, and `gotowebinar serve` for service calls.

use crate::support;
use sailor_testkit as broker;

use std::time::Duration;

use broker::{Broker, FakeApi, API_KEY, API_USER};
use serde_json::{json, Value};
use support::{spawn_binary, World};
use tokio::process::Child;

fn step(config: Value) -> Value {
    json!({"id": "step_2", "config": config, "snapshot": {}, "is_passthrough": false, "variables": {}})
}

/// The platform's environment for one step, plus the sandbox's.
fn sail_env(
    world: &World,
    broker: &Broker,
    api: &FakeApi,
    function: &str,
    prefetch: u32,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = broker
        .env(api, function, &[("RABBITMQ_PREFETCH_SAILOR", &prefetch.to_string())])
        .into_iter()
        .collect();
    env.extend(world.env());
    env.retain(|(k, _)| k != "LOG_LEVEL");
    env.push(("LOG_LEVEL".into(), "info".into()));
    env
}

/// A running step whose output is read as it comes (so a full pipe never blocks it).
struct Step {
    child: Child,
    stdout: tokio::task::JoinHandle<String>,
}

impl Step {
    fn start(env: &[(String, String)]) -> Step {
        let mut child = spawn_binary(&["sail"], env);
        let mut out = child.stdout.take().expect("piped stdout");
        let stdout = tokio::spawn(async move {
            let mut text = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut out, &mut text).await;
            text
        });
        let mut err = child.stderr.take().expect("piped stderr");
        tokio::spawn(async move { tokio::io::copy(&mut err, &mut tokio::io::stderr()).await });
        Step { child, stdout }
    }

    /// Asks the step to stop as the platform does (SIGTERM); returns its exit code and stdout.
    async fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(status.success());
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the step stops within 20 s of SIGTERM")
            .expect("exit status");
        (status.code().unwrap_or(-1), self.stdout.await.unwrap_or_default())
    }
}

fn upcoming(world: &World, subject: &str) -> String {
    world.sandbox.add_webinar(support::upcoming(subject, 3)).unwrap()
}

/// Sends `count` getWebinar messages for `webinar`, ids `in-N`, message ids `m-N`.
async fn send_get_webinar(broker: &Broker, webinar: &str, count: usize) {
    for n in 0..count {
        broker
            .send(
                &json!({"id": format!("in-{n}"), "body": {"webinarKey": webinar}}),
                1,
                json!({"messageId": format!("m-{n}")}),
            )
            .await;
    }
}

/// The sandbox's environment plus what a service call gets from the platform: `cfg`, where to post
/// the result, and the platform API.
fn service_env(world: &World, api: &FakeApi, cfg: &Value) -> Vec<(String, String)> {
    let mut env = world.env();
    env.extend([
        ("ELASTICIO_CFG".to_string(), cfg.to_string()),
        ("ELASTICIO_POST_RESULT_URL".to_string(), format!("{}/result", api.uri())),
        ("ELASTICIO_API_URI".to_string(), api.uri()),
        ("ELASTICIO_API_USERNAME".to_string(), API_USER.to_string()),
        ("ELASTICIO_API_KEY".to_string(), API_KEY.to_string()),
    ]);
    env
}

/// An OAuth client of the sandbox's application.
fn oauth_client(world: &World) -> gotowebinar::OAuthClient {
    use gotowebinar::{OAuthClient, Origins, Secret};
    let origins = Origins::new(&world.sandbox.url(), &world.sandbox.url()).unwrap();
    OAuthClient::new(world.sandbox.client_id(), Secret::new(world.sandbox.client_secret()), origins).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_step_runs_actions_and_hands_refreshed_keys_to_the_platform() {
    let world = World::new().await;
    let webinar = upcoming(&world, "Over AMQP");
    let tokens = world.sandbox.issue_tokens();
    world.sandbox.expire_all_tokens();
    let keys = json!({"oauth": tokens, "organizerKey": world.sandbox.organizer_key()});
    let mut cfg = keys.clone();
    cfg["_account"] = json!("acc-1");
    let api = FakeApi::start(step(cfg), &[("acc-1", json!({"id": "acc-1", "keys": keys}))]).await;
    let broker = Broker::new().await;
    let child = Step::start(&sail_env(&world, &broker, &api, "getWebinar", 4));

    send_get_webinar(&broker, &webinar, 5).await;
    broker
        .send(&json!({"id": "bad", "body": {"webinarKey": "not-a-key"}}), 1, json!({"messageId": "m-bad"}))
        .await;

    let data = broker.take(&broker.data, 5, 60).await;
    for message in &data {
        let body = &message.decrypt(1)["body"];
        assert_eq!(body["subject"], "Over AMQP");
        assert_eq!(body["webinarKey"], json!(webinar), "keys as strings");
    }
    let errors = broker.take(&broker.error, 1, 30).await;
    let error = broker::decrypt_b64(errors[0].json()["error"].as_str().expect("an encrypted error"));
    assert_eq!(error["name"], "InputError", "{error}");
    assert!(error["message"].as_str().unwrap().contains("webinarKey"), "{error}");

    // One refresh for all messages, handed to the platform once.
    assert_eq!(world.sandbox.token_requests(), 1, "one refresh for every message of the step");
    let puts = api.requests_to("PUT", "/v1/accounts/acc-1");
    assert_eq!(puts.len(), 1, "{puts:#?}");
    let stored = &puts[0].body["keys"];
    assert_ne!(stored["oauth"]["access_token"], tokens["access_token"]);
    assert_eq!(stored["oauth"]["refresh_token"], tokens["refresh_token"]);
    assert!(stored.get("_account").is_none());

    let (code, stdout) = child.terminate().await;
    assert_eq!(code, 0, "graceful stop; stdout: {stdout}");
    for line in stdout.lines() {
        let log: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
        assert!(
            log.get("level").is_some() && log.get("message").is_some() || log.get("msg").is_some(),
            "{line}"
        );
        for secret in [tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap()] {
            assert!(!line.contains(secret), "a secret in the logs: {line}");
        }
        assert!(!line.contains(world.sandbox.client_secret()), "the client secret in the logs: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_messages_are_each_answered_once() {
    let world = World::new().await;
    let webinar = upcoming(&world, "Busy");
    let cfg = json!({"_account": "acc-2", "oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});
    let api = FakeApi::start(step(cfg), &[]).await;
    let broker = Broker::new().await;
    let child = Step::start(&sail_env(&world, &broker, &api, "getWebinar", 10));
    send_get_webinar(&broker, &webinar, 300).await;
    let data = broker.take(&broker.data, 300, 120).await;
    let mut parents: Vec<String> =
        data.iter().map(|m| m.header("parentMessageId").as_str().unwrap_or_default().to_string()).collect();
    parents.sort();
    parents.dedup();
    assert_eq!(parents.len(), 300, "every input answered exactly once");
    let extra = broker.drain(&broker.data, 500).await;
    assert!(extra.is_empty(), "no message answered twice");
    let (code, _) = child.terminate().await;
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_calls_post_their_result() {
    let world = World::new().await;
    upcoming(&world, "Pick me");
    let api = FakeApi::start(step(json!({})), &[]).await;
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});
    let mut env = service_env(&world, &api, &cfg);
    env.extend([
        ("ELASTICIO_ACTION_OR_TRIGGER".to_string(), "getWebinar".to_string()),
        ("ELASTICIO_GET_MODEL_METHOD".to_string(), "selectWebinars".to_string()),
    ]);
    for method in ["verifyCredentials", "selectModel", "getMetaModel"] {
        let output = spawn_binary(&["serve", method], &env).wait_with_output().await.unwrap();
        assert_eq!(output.status.code(), Some(0), "{method}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let results: Vec<Value> = api.requests_to("POST", "/result").into_iter().map(|r| r.body).collect();
    assert_eq!(results.len(), 3, "{results:#?}");
    assert_eq!(results[0], json!({"status": "success", "data": {"verified": true}}));
    assert_eq!(results[1]["status"], "success");
    let options = results[1]["data"].as_object().unwrap();
    assert!(options.values().any(|label| label.as_str().unwrap().starts_with("Pick me (")), "{options:?}");
    assert_eq!(results[2]["status"], "success");
    assert!(results[2]["data"]["in"]["properties"]["webinarKey"].is_object(), "{}", results[2]);

    // A dead credential is answered with verified: false and a reason, not an error.
    let mut dead = cfg.clone();
    world.sandbox.revoke_refresh_token(dead["oauth"]["refresh_token"].as_str().unwrap());
    world.sandbox.expire_all_tokens();
    dead["oauth"]["expires_at"] = json!("2000-01-01T00:00:00Z");
    let mut env = env.clone();
    env.retain(|(k, _)| k != "ELASTICIO_CFG");
    env.push(("ELASTICIO_CFG".into(), dead.to_string()));
    let output = spawn_binary(&["serve", "verifyCredentials"], &env).wait_with_output().await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    let last = api.requests_to("POST", "/result").pop().unwrap().body;
    assert_eq!(last["data"]["verified"], false, "{last}");
    assert!(last["data"]["reason"].as_str().unwrap().to_lowercase().contains("re-authoriz"), "{last}");
    // On the platform the way back is the platform's credential, not the command line.
    let reason = last["data"]["reason"].as_str().unwrap();
    assert!(reason.contains("reconnect the GoTo credential in the platform"), "{reason}");
    assert!(!reason.contains("auth login"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_refresh_finishes_it_and_hands_the_keys_to_the_platform() {
    let world = World::new().await;
    let webinar = upcoming(&world, "Stopping");
    world.sandbox.set_refresh_policy(true, true, false);
    let tokens = world.sandbox.issue_tokens();
    world.sandbox.expire_all_tokens();
    let mut oauth = tokens.clone();
    oauth["expires_at"] = json!("2000-01-01T00:00:00Z");
    let keys = json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()});
    let mut cfg = keys.clone();
    cfg["_account"] = json!("acc-7");
    let api = FakeApi::start(step(cfg), &[("acc-7", json!({"id": "acc-7", "keys": keys}))]).await;
    let broker = Broker::new().await;
    world.sandbox.set_token_answer_delay(Duration::from_millis(1500));
    let child = Step::start(&sail_env(&world, &broker, &api, "getWebinar", 1));
    broker.send(&json!({"body": {"webinarKey": webinar}}), 1, json!({"messageId": "m-1"})).await;
    let started = std::time::Instant::now();
    while world.sandbox.token_requests() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no token request within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (code, stdout) = child.terminate().await;
    assert_eq!(code, 0, "{stdout}");
    let data = broker.take(&broker.data, 1, 10).await;
    assert_eq!(data[0].decrypt(1)["body"]["subject"], "Stopping", "the in-flight message was finished");
    let puts = api.requests_to("PUT", "/v1/accounts/acc-7");
    let saved = puts.last().unwrap_or_else(|| panic!("no keys handed to the platform\n{stdout}"));
    let rotated = saved.body["keys"]["oauth"]["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(
        rotated,
        tokens["refresh_token"].as_str().unwrap(),
        "the platform holds the new refresh token"
    );
    world.sandbox.set_token_answer_delay(Duration::ZERO);
    let handed_over = gotowebinar::Secret::new(rotated);
    assert!(oauth_client(&world).refresh(&handed_over).await.is_ok(), "the handed-over refresh token works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_credential_check_never_spends_a_refresh_token_it_cannot_hand_back() {
    let world = World::new().await;
    world.sandbox.set_refresh_policy(true, true, false);
    let api = FakeApi::start(step(json!({})), &[]).await;
    let mut oauth = world.sandbox.issue_tokens();
    world.sandbox.expire_all_tokens();
    oauth["expires_at"] = json!("2000-01-01T00:00:00Z");
    // Even with an account to store keys in: the platform stores the credential as submitted.
    let cfg = json!({"_account": "acc-9", "oauth": oauth});
    let env = service_env(&world, &api, &cfg);
    let output = spawn_binary(&["serve", "verifyCredentials"], &env).wait_with_output().await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let answer = api.requests_to("POST", "/result").pop().unwrap().body;
    assert_eq!(answer["data"]["verified"], false, "{answer}");
    let reason = answer["data"]["reason"].as_str().unwrap();
    assert!(reason.contains("expired") && reason.contains("could not be made"), "{reason}");
    assert_eq!(world.sandbox.token_requests(), 0, "the refresh token is not spent");
    assert!(api.requests_to("PUT", "/v1/accounts/acc-9").is_empty());
    // The stored refresh token still works.
    let stored = gotowebinar::Secret::new(oauth["refresh_token"].as_str().unwrap());
    assert!(oauth_client(&world).refresh(&stored).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_rotated_by_another_replica_is_picked_up_from_the_platform() {
    use gotowebinar::Secret;
    let world = World::new().await;
    let webinar = upcoming(&world, "Shared credential");
    world.sandbox.set_refresh_policy(true, true, false);
    let tokens = world.sandbox.issue_tokens();
    // Another replica refreshed first: the old refresh token is spent, the platform holds the new keys.
    let oauth = oauth_client(&world);
    let rotated = oauth.refresh(&Secret::new(tokens["refresh_token"].as_str().unwrap())).await.unwrap();
    let organizer = world.sandbox.organizer_key();
    let mut stale_oauth = tokens.clone();
    stale_oauth["expires_at"] = json!("2000-01-01T00:00:00Z");
    let stale = json!({"_account": "acc-3", "oauth": stale_oauth, "organizerKey": organizer});
    let current = json!({"oauth": rotated.to_value(), "organizerKey": organizer});
    let api = FakeApi::start(step(stale), &[("acc-3", json!({"id": "acc-3", "keys": current}))]).await;
    let broker = Broker::new().await;
    let child = Step::start(&sail_env(&world, &broker, &api, "getWebinar", 1));
    broker.send(&json!({"body": {"webinarKey": webinar}}), 1, json!({"messageId": "m-1"})).await;
    let errors = broker.drain(&broker.error, 1000).await;
    if !errors.is_empty() {
        let error = broker::decrypt_b64(errors[0].json()["error"].as_str().unwrap_or_default());
        let (_, stdout) = child.terminate().await;
        panic!("error instead of data: {error}\n{stdout}");
    }
    let data = broker.take(&broker.data, 1, 60).await;
    assert_eq!(data[0].decrypt(1)["body"]["subject"], "Shared credential");
    assert!(!api.requests_to("GET", "/v1/accounts/acc-3").is_empty(), "the account was re-read");
    // The platform already holds the picked-up keys; the spent refresh token is never written back.
    for put in api.requests_to("PUT", "/v1/accounts/acc-3") {
        assert_ne!(put.body["keys"]["oauth"]["refresh_token"], tokens["refresh_token"], "{:?}", put.body);
    }
    let (code, _) = child.terminate().await;
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_account_id_later_messages_still_use_the_refreshed_token() {
    let world = World::new().await;
    let webinar = upcoming(&world, "No account id");
    world.sandbox.set_refresh_policy(true, true, false);
    let mut oauth = world.sandbox.issue_tokens();
    oauth["expires_at"] = json!("2000-01-01T00:00:00Z");
    let cfg = json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()});
    let api = FakeApi::start(step(cfg), &[]).await;
    let broker = Broker::new().await;
    let child = Step::start(&sail_env(&world, &broker, &api, "getWebinar", 1));
    for n in 0..3 {
        broker
            .send(&json!({"body": {"webinarKey": webinar}}), 1, json!({"messageId": format!("m-{n}")}))
            .await;
    }
    let data = broker.take(&broker.data, 3, 60).await;
    assert!(data.iter().all(|m| m.decrypt(1)["body"]["subject"] == "No account id"));
    assert_eq!(world.sandbox.token_requests(), 1, "single-use refresh token used once");
    let (code, _) = child.terminate().await;
    assert_eq!(code, 0);
}
