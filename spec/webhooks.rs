//! Instant triggers through `gotowebinar exec` against the sandbox: startup registers the webhook
//! for the flow's URL (a local receiver standing in for the platform), the sandbox delivers
//! events there, each delivery goes through `process` as the raw request, and shutdown removes
//! what startup made.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::Duration;
use gotowebinar_sandbox::{SeedRegistrant, SeedTime, SeedWebinar};
use serde_json::{json, Value};
use support::{Run, World};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The flow's public URL: answers GoTo's GET check and records deliveries.
async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// The deliveries the receiver got so far, as the platform would pass them on: raw body and headers.
async fn deliveries(server: &MockServer, at_least: usize) -> Vec<(String, Option<String>)> {
    for _ in 0..100 {
        let posts: Vec<_> = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST")
            .collect();
        if posts.len() >= at_least {
            return posts
                .iter()
                .map(|r| {
                    let signature = r
                        .headers
                        .get("x-webhook-signature")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    (String::from_utf8_lossy(&r.body).into_owned(), signature)
                })
                .collect();
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("expected {at_least} deliveries");
}

fn raw_message(world: &World, body: &str, signature: Option<&str>) -> PathBuf {
    let mut headers = json!({"content-type": "application/json"});
    if let Some(signature) = signature {
        headers["X-Webhook-Signature"] = json!(signature);
    }
    world.write(
        &format!("delivery-{}.json", uuid::Uuid::new_v4()),
        &json!({ "body": { "rawData": body }, "headers": headers }),
    )
}

struct Step<'w> {
    world: &'w World,
    function: &'static str,
    cfg: PathBuf,
    snapshot: PathBuf,
}

impl Step<'_> {
    async fn startup(&self, url: &str) -> Run {
        self.world.exec(self.function, &self.cfg, None, &["--method", "startup", "--webhook-url", url]).await
    }

    async fn shutdown(&self, data: &Value) -> Run {
        let file = self.world.write("startup-data.json", data);
        let file = file.display().to_string();
        self.world.exec(self.function, &self.cfg, None, &["--method", "shutdown", "--data", &file]).await
    }

    /// Processes one request; a snapshot it emits is kept, as the platform keeps it.
    async fn process(&self, msg: &Path) -> Run {
        let snapshot = self.snapshot.display().to_string();
        let run = self.world.exec(self.function, &self.cfg, Some(msg), &["--snapshot", &snapshot]).await;
        if let Some(event) = run.of("snapshot").last() {
            std::fs::write(&self.snapshot, event["snapshot"].to_string()).unwrap();
        }
        run
    }
}

fn step<'w>(world: &'w World, function: &'static str) -> Step<'w> {
    let cfg = world.cfg(json!({}));
    let snapshot = world.write(&format!("snapshot-{function}.json"), &json!({}));
    Step { world, function, cfg, snapshot }
}

fn sandbox_list(world: &World, name: &str) -> Vec<Value> {
    world.sandbox.state()[name].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn registrant_added_from_startup_to_shutdown() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let step = step(&world, "registrantAdded");

    let started = step.startup(&url).await;
    started.assert_ok();
    let data = started.of("startup")[0]["data"].clone();
    assert!(data["webhookKey"].is_string() && data["userSubscriptionKey"].is_string(), "{data}");
    let webhooks = sandbox_list(&world, "webhooks");
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0]["state"], "ACTIVE");
    assert_eq!(webhooks[0]["callbackUrl"], json!(url));
    assert_eq!(webhooks[0]["eventName"], "registrant.added");
    assert_eq!(sandbox_list(&world, "userSubscriptions").len(), 1);
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1, "a secret key was created for the account");

    // A second startup of the same flow reuses what is there.
    let again = step.startup(&url).await;
    again.assert_ok();
    assert_eq!(again.of("startup")[0]["data"], data);
    assert_eq!(sandbox_list(&world, "webhooks").len(), 1);
    assert_eq!(sandbox_list(&world, "userSubscriptions").len(), 1);

    // GoTo's URL check reaches the step as a request without an event.
    let check = step.process(&world.write("check.json", &json!({"body": {}}))).await;
    check.assert_ok();
    assert!(check.data().is_empty());
    assert_eq!(check.of("httpReply")[0]["reply"]["statusCode"], 200);

    let start = SeedTime::from_now(Duration::days(3));
    let end = SeedTime::from_now(Duration::days(3) + Duration::hours(1));
    let webinar = world.sandbox.add_webinar(SeedWebinar::new("Instant", start, end)).unwrap();
    let registrant = world
        .sandbox
        .add_registrant(&webinar, SeedRegistrant::new("Ada", "Lovelace", "ada@example.com"))
        .unwrap();
    let delivered = deliveries(&server, 1).await;
    let (body, signature) = &delivered[0];
    let signature = signature.as_deref().expect("GoTo signs deliveries");

    let run = step.process(&raw_message(&world, body, Some(signature))).await;
    run.assert_ok();
    let emitted = run.data();
    assert_eq!(emitted.len(), 1);
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(emitted[0]["id"], event["eventKey"]);
    assert_eq!(emitted[0]["registrantKey"], json!(registrant), "keys as strings");
    assert_eq!(emitted[0]["webinarKey"], json!(webinar));
    assert_eq!(emitted[0]["email"], "ada@example.com");

    // The same event delivered again is emitted once.
    assert!(world.sandbox.redeliver_last_event().await);
    let delivered = deliveries(&server, 2).await;
    let (again_body, again_signature) = &delivered[1];
    assert_eq!(again_body, body);
    let again = step.process(&raw_message(&world, again_body, again_signature.as_deref())).await;
    again.assert_ok();
    assert!(again.data().is_empty(), "{again:#?}");

    // A forged or unsigned delivery is rejected.
    let forged_body = body.replace("ada@example.com", "eve@example.com");
    let forged = step.process(&raw_message(&world, &forged_body, Some(signature))).await;
    let message = forged.assert_error("AuthError");
    assert!(message.contains("X-Webhook-Signature"), "{message}");
    assert!(forged.data().is_empty());
    let unsigned = step.process(&raw_message(&world, &forged_body, None)).await;
    unsigned.assert_error("AuthError");
    // Unless the step was told not to check.
    let trusting = Step { cfg: world.cfg(json!({"skipSignatureCheck": "on"})), ..step };
    let accepted = trusting.process(&raw_message(&world, &forged_body, None)).await;
    accepted.assert_ok();
    assert_eq!(accepted.data().len(), 0, "still the same eventKey: emitted once");

    let stopped = trusting.shutdown(&data).await;
    stopped.assert_ok();
    assert!(sandbox_list(&world, "webhooks").is_empty());
    assert!(sandbox_list(&world, "userSubscriptions").is_empty());
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1, "the account's secret key stays");
    trusting.shutdown(&data).await.assert_ok();
}

#[tokio::test]
async fn webinar_created_reuses_the_account_secret_and_emits_string_keys() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let added = step(&world, "registrantAdded");
    let created = step(&world, "webinarCreated");
    let first = added.startup(&url).await;
    first.assert_ok();
    let started = created.startup(&url).await;
    started.assert_ok();
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1, "one key for the account");
    assert_eq!(sandbox_list(&world, "webhooks").len(), 2);

    let start = SeedTime::from_now(Duration::days(4));
    let end = SeedTime::from_now(Duration::days(4) + Duration::hours(1));
    let webinar = world.sandbox.add_webinar(SeedWebinar::new("Announced", start, end)).unwrap();
    let delivered = deliveries(&server, 1).await;
    let (body, signature) = &delivered[0];
    let run = created.process(&raw_message(&world, body, signature.as_deref())).await;
    run.assert_ok();
    assert_eq!(run.data()[0]["webinarKey"], json!(webinar));
    assert_eq!(run.data()[0]["subject"], "Announced");
    assert!(run.data()[0]["id"].is_string());

    created.shutdown(&started.of("startup")[0]["data"]).await.assert_ok();
    let left = sandbox_list(&world, "webhooks");
    assert_eq!(left.len(), 1, "only the other flow's webhook is left");
    assert_eq!(left[0]["eventName"], "registrant.added");
}

#[tokio::test]
async fn startup_fails_cleanly_when_the_url_does_not_answer() {
    let world = World::new().await;
    let server = MockServer::start().await; // answers 404 to GoTo's check
    let url = format!("{}/hook", server.uri());
    let step = step(&world, "registrantJoined");
    let run = step.startup(&url).await;
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.of("startup").is_empty());
    assert!(sandbox_list(&world, "webhooks").is_empty(), "nothing left behind");
    assert!(sandbox_list(&world, "userSubscriptions").is_empty());

    let missing = world.exec("registrantJoined", &step.cfg, None, &["--method", "startup"]).await;
    let message = missing.assert_error("ConfigurationError");
    assert!(message.contains("ELASTICIO_FLOW_WEBHOOK_URI"), "{message}");
}
