//! Instant triggers through `gotowebinar exec` against the sandbox: startup registers the webhook
//! for the flow's URL (a local receiver standing in for the platform), the sandbox delivers
//! events there, each delivery goes through `process` as the raw request, and shutdown removes
//! what startup made. The application's secret key is created once with `webhooks
//! create-secret` and given as `CITRIX_WEBHOOK_SECRET`; without it the triggers fail closed. A
//! wiremock GoTo checks that startup, shutdown and `create-secret` send exactly what GoTo's
//! OpenAPI document requires.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::Duration;
use gotowebinar_sandbox::{SeedRegistrant, SeedTime, SeedWebinar};
use serde_json::{json, Value};
use support::{run_binary, upcoming, Run, World};
use wiremock::matchers::{body_json, header, method, path, query_param};
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
    let mut headers = json!({"content-type": "application/json", "reply_to": "amq.rabbitmq.reply-to.hook"});
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
    /// The component's `CITRIX_WEBHOOK_SECRET` (empty: not configured).
    secret: String,
}

impl Step<'_> {
    async fn exec(&self, msg: Option<&Path>, extra: &[&str]) -> Run {
        let mut args: Vec<String> =
            vec!["exec".into(), self.function.into(), "--cfg".into(), self.cfg.display().to_string()];
        if let Some(msg) = msg {
            args.push("--msg".into());
            args.push(msg.display().to_string());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut env = self.world.env();
        env.push(("CITRIX_WEBHOOK_SECRET".into(), self.secret.clone()));
        run_binary(&args, &env).await
    }

    async fn startup(&self, url: &str) -> Run {
        self.exec(None, &["--method", "startup", "--webhook-url", url]).await
    }

    async fn shutdown(&self, data: &Value) -> Run {
        let file = self.world.write(&format!("startup-data-{}.json", uuid::Uuid::new_v4()), data);
        let file = file.display().to_string();
        self.exec(None, &["--method", "shutdown", "--data", &file]).await
    }

    /// Processes one request; a snapshot it emits is kept, as the platform keeps it.
    async fn process(&self, msg: &Path) -> Run {
        let snapshot = self.snapshot.display().to_string();
        let run = self.exec(Some(msg), &["--snapshot", &snapshot]).await;
        if let Some(event) = run.of("snapshot").last() {
            std::fs::write(&self.snapshot, event["snapshot"].to_string()).unwrap();
        }
        run
    }
}

/// A step of `function` whose component is configured with `secret` as CITRIX_WEBHOOK_SECRET.
fn step<'w>(world: &'w World, function: &'static str, secret: &str) -> Step<'w> {
    let cfg = world.cfg(json!({}));
    let snapshot = world.write(&format!("snapshot-{function}.json"), &json!({}));
    Step { world, function, cfg, snapshot, secret: secret.to_string() }
}

/// `gotowebinar webhooks create-secret` against the sandbox: the application's key, created once.
async fn create_secret(world: &World) -> String {
    let cfg = world.cfg(json!({}));
    let args: Vec<String> =
        vec!["webhooks".into(), "create-secret".into(), "--cfg".into(), cfg.display().to_string()];
    let run = run_binary(&args, &world.env()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.events.len(), 1, "the key is printed once: {run:#?}");
    assert!(run.stderr.contains("replaces the application's active webhook secret key"), "{}", run.stderr);
    run.events[0]["value"].as_str().expect("the key's value").to_string()
}

fn sandbox_list(world: &World, name: &str) -> Vec<Value> {
    world.sandbox.state()[name].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn registrant_added_from_startup_to_shutdown() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let secret = create_secret(&world).await;
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1);
    let step = step(&world, "registrantAdded", &secret);

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
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1, "startup creates no secret key");

    // A second startup of the same flow reuses what is there.
    let again = step.startup(&url).await;
    again.assert_ok();
    assert_eq!(again.of("startup")[0]["data"], data);
    assert_eq!(sandbox_list(&world, "webhooks").len(), 1);
    assert_eq!(sandbox_list(&world, "userSubscriptions").len(), 1);

    // GoTo's URL check reaches the step as a request without an event: answered when someone
    // waits for the answer (reply_to), and without reply_to nothing at all is emitted.
    let check = json!({"body": {"rawData": ""}, "headers": {"reply_to": "amq.rabbitmq.reply-to.check"}});
    let check = step.process(&world.write("check.json", &check)).await;
    check.assert_ok();
    assert!(check.data().is_empty());
    assert_eq!(check.of("httpReply").len(), 1);
    assert_eq!(check.of("httpReply")[0]["reply"]["statusCode"], 200);
    let unanswered = step.process(&world.write("check-plain.json", &json!({"body": {"rawData": ""}}))).await;
    unanswered.assert_ok();
    assert_eq!(unanswered.events.len(), 1, "only end: no error, no reply, no data: {:#?}", unanswered.events);

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
    assert_eq!(run.of("httpReply")[0]["reply"]["statusCode"], 200, "the delivery is answered");
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
async fn two_flows_share_the_application_secret_and_emit_string_keys() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let secret = create_secret(&world).await;
    let added = step(&world, "registrantAdded", &secret);
    let created = step(&world, "webinarCreated", &secret);
    let first = added.startup(&url).await;
    first.assert_ok();
    let started = created.startup(&url).await;
    started.assert_ok();
    assert_eq!(sandbox_list(&world, "secretKeys").len(), 1, "one key for the application, made once");
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
    let step = step(&world, "registrantJoined", "configured-key");
    let run = step.startup(&url).await;
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.of("startup").is_empty());
    assert!(sandbox_list(&world, "webhooks").is_empty(), "nothing left behind");
    assert!(sandbox_list(&world, "userSubscriptions").is_empty());

    let missing = step.exec(None, &["--method", "startup"]).await;
    let message = missing.assert_error("ConfigurationError");
    assert!(message.contains("ELASTICIO_FLOW_WEBHOOK_URI"), "{message}");
}

#[tokio::test]
async fn without_a_configured_secret_the_triggers_fail_closed() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let step = step(&world, "registrantAdded", "");

    // Startup refuses before touching GoTo, and says how to make and set the key.
    let refused = step.startup(&url).await;
    let message = refused.assert_error("ConfigurationError");
    assert!(message.contains("CITRIX_WEBHOOK_SECRET"), "{message}");
    assert!(message.contains("gotowebinar webhooks create-secret"), "{message}");
    assert!(sandbox_list(&world, "webhooks").is_empty());
    assert!(sandbox_list(&world, "secretKeys").is_empty(), "a flow never creates the application's key");

    // A genuine delivery that reaches the step anyway is rejected and emits nothing.
    let secret = create_secret(&world).await;
    let (body, signature) = signed_delivery(&world, &server, &secret).await;
    for signature in [Some(signature.as_str()), None] {
        let run = step.process(&raw_message(&world, &body, signature)).await;
        let message = run.assert_error("AuthError");
        assert!(message.contains("CITRIX_WEBHOOK_SECRET"), "{message}");
        assert!(run.data().is_empty() && run.of("snapshot").is_empty(), "{run:#?}");
    }

    // Told not to check, startup needs no key.
    let trusting = Step { cfg: world.cfg(json!({"skipSignatureCheck": true})), ..step };
    trusting.startup(&url).await.assert_ok();
}

/// Starts a `registrantAdded` flow configured with `secret`, registers someone and returns the
/// first delivery GoTo signed: raw body and signature.
async fn signed_delivery(world: &World, server: &MockServer, secret: &str) -> (String, String) {
    let url = format!("{}/hook", server.uri());
    step(world, "registrantAdded", secret).startup(&url).await.assert_ok();
    let start = SeedTime::from_now(Duration::days(2));
    let end = SeedTime::from_now(Duration::days(2) + Duration::hours(1));
    let webinar = world.sandbox.add_webinar(SeedWebinar::new("Signed", start, end)).unwrap();
    world
        .sandbox
        .add_registrant(&webinar, SeedRegistrant::new("Grace", "Hopper", "grace@example.com"))
        .unwrap();
    let (body, signature) = deliveries(server, 1).await.remove(0);
    (body, signature.expect("GoTo signs deliveries"))
}

#[tokio::test]
async fn a_flow_started_by_the_earlier_version_keeps_working_once_the_key_is_set() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let secret = create_secret(&world).await;
    // What the earlier version's startup left: a webhook and subscription, startup data without
    // any key, and a snapshot in its format (event key -> when it was emitted).
    let earlier = step(&world, "registrantAdded", &secret);
    let started = earlier.startup(&url).await;
    started.assert_ok();
    let data = started.of("startup")[0]["data"].clone();
    let old_data = json!({"webhookKey": data["webhookKey"], "userSubscriptionKey": data["userSubscriptionKey"],
                          "eventName": "registrant.added", "callbackUrl": url});
    let (body, signature) = {
        let start = SeedTime::from_now(Duration::days(2));
        let end = SeedTime::from_now(Duration::days(2) + Duration::hours(1));
        let webinar = world.sandbox.add_webinar(SeedWebinar::new("Upgrade", start, end)).unwrap();
        world.sandbox.add_registrant(&webinar, SeedRegistrant::new("Ada", "L", "ada@example.com")).unwrap();
        world.sandbox.add_registrant(&webinar, SeedRegistrant::new("Bob", "M", "bob@example.com")).unwrap();
        let mut all = deliveries(&server, 2).await;
        let second = all.remove(1);
        let first: Value = serde_json::from_str(&all[0].0).unwrap();
        let old_snapshot = json!({"version": 1, "trigger": "registrantAdded", "scope": "events",
                                  "events": {first["eventKey"].as_str().unwrap(): "2026-01-01T00:00:00Z"}});
        std::fs::write(&earlier.snapshot, old_snapshot.to_string()).unwrap();
        // The earlier version already emitted the first event: its redelivery is not emitted again.
        let again = earlier.process(&raw_message(&world, &all[0].0, all[0].1.as_deref())).await;
        again.assert_ok();
        assert!(again.data().is_empty(), "{again:#?}");
        (second.0, second.1)
    };
    let run = earlier.process(&raw_message(&world, &body, signature.as_deref())).await;
    run.assert_ok();
    assert_eq!(run.data().len(), 1);
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(run.data()[0]["id"], event["eventKey"]);
    let snapshot = &run.of("snapshot")[0]["snapshot"];
    assert_eq!(snapshot["recent"].as_array().map(Vec::len), Some(2), "migrated and kept: {snapshot}");

    let stopped = earlier.shutdown(&old_data).await;
    stopped.assert_ok();
    assert!(sandbox_list(&world, "webhooks").is_empty());
    assert!(sandbox_list(&world, "userSubscriptions").is_empty());
}

const V2: &str = "/G2W/rest/v2";

/// A GoTo that answers only requests of the form GoTo's OpenAPI document describes.
async fn strict_goto(callback: &str) -> MockServer {
    let goto = MockServer::start().await;
    let hook = json!({"webhookKey": "3b2f9a5e-0c1d-4e8f-9a7b-1c2d3e4f5a6b", "callbackUrl": callback,
                      "eventName": "registrant.added", "eventVersion": "1.0.0", "product": "g2w"});
    let subscription = json!({"userSubscriptionKey": "6a7b8c9d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                              "webhookKey": hook["webhookKey"], "userSubscriptionState": "ACTIVE"});
    let listed = |items: Value, name: &str| json!({ "_embedded": { name: items } });
    Mock::given(method("GET"))
        .and(path(format!("{V2}/webhooks")))
        .and(query_param("product", "g2w"))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed(json!([]), "webhooks")))
        .mount(&goto)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{V2}/webhooks")))
        .and(header("content-type", "application/json"))
        .and(body_json(json!([{"callbackUrl": callback, "eventName": "registrant.added",
                               "eventVersion": "1.0.0", "product": "g2w"}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed(json!([hook.clone()]), "webhooks")))
        .expect(1)
        .mount(&goto)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{V2}/webhooks")))
        .and(body_json(json!([{"webhookKey": hook["webhookKey"], "state": "ACTIVE"}])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&goto)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{V2}/userSubscriptions")))
        .and(query_param("product", "g2w"))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed(json!([]), "userSubscriptions")))
        .mount(&goto)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{V2}/userSubscriptions")))
        .and(body_json(json!([{"webhookKey": hook["webhookKey"], "userSubscriptionState": "ACTIVE"}])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(listed(json!([subscription.clone()]), "userSubscriptions")),
        )
        .expect(1)
        .mount(&goto)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{V2}/userSubscriptions")))
        .and(body_json(json!([subscription["userSubscriptionKey"]])))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&goto)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{V2}/webhooks")))
        .and(body_json(json!([hook["webhookKey"]])))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&goto)
        .await;
    goto
}

#[tokio::test]
async fn startup_and_shutdown_send_what_gotos_document_requires() {
    let world = World::new().await;
    let callback = "https://flows.example.com/hook/abc";
    let goto = strict_goto(callback).await;
    let cfg = world.write("strict-cfg.json", &json!({"oauth": world.sandbox.issue_tokens()}));
    let exec = |extra: Vec<String>| {
        let mut args: Vec<String> =
            vec!["exec".into(), "registrantAdded".into(), "--cfg".into(), cfg.display().to_string()];
        args.extend(extra);
        let mut env = world.env();
        env.retain(|(name, _)| name != "GOTO_API_URL");
        env.push(("GOTO_API_URL".into(), goto.uri()));
        env.push(("CITRIX_WEBHOOK_SECRET".into(), "configured-key".into()));
        async move { run_binary(&args, &env).await }
    };
    let started =
        exec(vec!["--method".into(), "startup".into(), "--webhook-url".into(), callback.into()]).await;
    started.assert_ok();
    let data = started.of("startup")[0]["data"].clone();
    assert_eq!(data["webhookKey"], "3b2f9a5e-0c1d-4e8f-9a7b-1c2d3e4f5a6b");
    let file = world.write("strict-startup.json", &data).display().to_string();
    exec(vec!["--method".into(), "shutdown".into(), "--data".into(), file]).await.assert_ok();

    let requests = goto.received_requests().await.unwrap_or_default();
    for request in &requests {
        let target = format!("{} {}", request.method, request.url);
        assert!(!request.url.path().contains("secretkey"), "a flow never touches the secret key: {target}");
        if request.method.as_str() == "GET" {
            assert!(
                request.url.query().is_some_and(|q| q.contains("product=g2w")),
                "product is required: {target}"
            );
        }
    }
}

#[tokio::test]
async fn create_secret_sends_the_required_body_and_prints_the_key_once() {
    let world = World::new().await;
    let goto = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{V2}/webhooks/secretkey")))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"value": "f1679e36-17fe-48fa-93da-44195fd9e293", "validFrom": "2019-03-14T18:03:58.317Z", "id": 63}),
        ))
        .expect(1)
        .mount(&goto)
        .await;
    let cfg = world.write("secret-cfg.json", &json!({"oauth": world.sandbox.issue_tokens()}));
    let mut env = world.env();
    env.retain(|(name, _)| name != "GOTO_API_URL");
    env.push(("GOTO_API_URL".into(), goto.uri()));
    let args: Vec<String> =
        vec!["webhooks".into(), "create-secret".into(), "--cfg".into(), cfg.display().to_string()];
    let run = run_binary(&args, &env).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.events,
        vec![json!({"value": "f1679e36-17fe-48fa-93da-44195fd9e293",
                                       "validFrom": "2019-03-14T18:03:58.317Z", "id": 63})]
    );
    assert!(run.stderr.contains("replaces the application's active webhook secret key"), "{}", run.stderr);
    assert!(run.stderr.contains("CITRIX_WEBHOOK_SECRET"), "{}", run.stderr);
    assert!(!run.stderr.contains("f1679e36"), "the value is printed once, on stdout: {}", run.stderr);

    // A cfg that is not a credential is a usage error.
    let broken = world.write("broken-cfg.json", &json!([]));
    let args: Vec<String> =
        vec!["webhooks".into(), "create-secret".into(), "--cfg".into(), broken.display().to_string()];
    assert_eq!(run_binary(&args, &env).await.code, 2);
}

/// base64(HMAC-SHA256(secret, body)), computed here rather than with the sandbox's own function.
fn expected_signature(secret: &str, body: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn test_event(world: &World, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["webhooks".into(), "test-event".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_binary(&args, &world.env()).await
}

#[tokio::test]
async fn a_test_event_of_each_kind_arrives_signed_and_its_instant_trigger_emits_it() {
    let world = World::new().await;
    let server = receiver().await;
    let url = format!("{}/hook", server.uri());
    let secret = world.sandbox.webhook_secret();
    let cases = [
        ("registrantAdded", "registrant.added"),
        ("registrantJoined", "registrant.joined"),
        ("webinarCreated", "webinar.created"),
        ("webinarChanged", "webinar.changed"),
    ];
    for (n, (function, event)) in cases.into_iter().enumerate() {
        let sent = test_event(&world, &["--event", event, "--url", &url]).await;
        assert_eq!(sent.code, 0, "{sent:#?}");
        assert_eq!(sent.events.len(), 1, "{sent:#?}");
        assert_eq!(sent.events[0]["eventName"], event);
        assert_eq!(sent.events[0]["status"], 200);
        assert_eq!(sent.events[0]["callbackUrl"], json!(url));

        let (body, signature) = deliveries(&server, n + 1).await.remove(n);
        assert_eq!(signature.as_deref(), Some(expected_signature(&secret, &body).as_str()), "signed");
        let payload: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(payload["eventName"], event);
        assert_eq!(
            (payload["eventVersion"].as_str(), payload["product"].as_str()),
            (Some("1.0.0"), Some("g2w"))
        );
        assert_eq!(sent.events[0]["eventKey"], payload["eventKey"]);

        let step = step(&world, function, &secret);
        let run = step.process(&raw_message(&world, &body, signature.as_deref())).await;
        run.assert_ok();
        let data = run.data();
        assert_eq!(data.len(), 1, "{run:#?}");
        assert_eq!(data[0]["id"], payload["eventKey"]);
        assert_eq!(data[0]["eventName"], event);
        let webinar = data[0]["webinarKey"].as_str().expect("keys as strings").to_string();
        assert!(world.sandbox.webinar_exists(&webinar), "a webinar of the sandbox: {webinar}");

        // The sample is the sandbox's own data, so follow-up actions find it.
        let cfg = world.cfg(json!({}));
        let follow_up = match event {
            "registrant.added" | "registrant.joined" => {
                let registrant = data[0]["registrantKey"].as_str().expect("a registrant key").to_string();
                let msg = world.msg(json!({"webinarKey": webinar, "registrantKey": registrant}));
                world.exec("getRegistrant", &cfg, Some(&msg), &[]).await
            }
            _ => world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": webinar}))), &[]).await,
        };
        follow_up.assert_ok();
        assert_eq!(follow_up.data().len(), 1);
        if event.starts_with("webinar") {
            assert_eq!(follow_up.data()[0]["subject"], data[0]["subject"]);
        } else {
            assert_eq!(follow_up.data()[0]["email"], data[0]["email"]);
        }
    }

    // A wrong signature key makes the trigger refuse the same delivery.
    let (body, signature) = deliveries(&server, 1).await.remove(0);
    let other = step(&world, "registrantAdded", "another-key");
    other.process(&raw_message(&world, &body, signature.as_deref())).await.assert_error("AuthError");
}

#[tokio::test]
async fn test_events_refuse_unknown_events_and_urls_beyond_loopback() {
    let world = World::new().await;
    let unknown =
        test_event(&world, &["--event", "registrant.deleted", "--url", "http://127.0.0.1:9/x"]).await;
    assert_eq!(unknown.code, 2, "a usage error: {unknown:#?}");
    assert!(unknown.stderr.contains("registrant.added"), "the valid events are listed: {}", unknown.stderr);

    let remote =
        test_event(&world, &["--event", "webinar.created", "--url", "http://example.com/hook"]).await;
    assert_eq!(remote.code, 1, "{remote:#?}");
    assert!(remote.stderr.contains("loopback"), "{}", remote.stderr);
    assert!(world.sandbox.webhook_deliveries().is_empty(), "nothing was sent");

    // Nobody answers at the URL: the delivery is reported, with exit 1.
    let closed = test_event(&world, &["--event", "webinar.created", "--url", "http://127.0.0.1:9/x"]).await;
    assert_eq!(closed.code, 1, "{closed:#?}");
    assert_eq!(closed.events.len(), 1);
    assert!(closed.events[0]["status"].is_null() && closed.events[0]["error"].is_string(), "{closed:#?}");

    let mut env = world.env();
    env.retain(|(name, _)| name != "GOTO_API_URL");
    let args: Vec<String> =
        ["webhooks", "test-event", "--event", "webinar.created"].map(String::from).to_vec();
    let nowhere = run_binary(&args, &env).await;
    assert_eq!(nowhere.code, 2, "without a sandbox to ask: {nowhere:#?}");
    assert!(nowhere.stderr.contains("GOTO_API_URL"), "{}", nowhere.stderr);

    // A sandbox without the data an event needs says what to add.
    let mut seed = gotowebinar_sandbox::SeedData::realistic();
    seed.webinars.clear();
    let config =
        gotowebinar_sandbox::SandboxConfig { rate_limit: None, seed: Some(seed), ..Default::default() };
    let empty = World::with(config).await;
    let run = test_event(&empty, &["--event", "registrant.joined"]).await;
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("no session with an attendee"), "{}", run.stderr);
}

#[tokio::test]
async fn the_sandbox_receiver_stands_in_for_the_flow_url_in_the_local_example() {
    let world = World::new().await;
    let secret = world.sandbox.webhook_secret();
    let url = world.sandbox.receiver_url("hook");
    assert!(url.starts_with(&world.sandbox.url()) && url.ends_with("/receiver/hook"), "{url}");
    let step = step(&world, "registrantAdded", &secret);

    // GoTo's GET check of the callback URL is answered: startup works on the sandbox alone.
    let started = step.startup(&url).await;
    started.assert_ok();
    let data = started.of("startup")[0]["data"].clone();
    let webinar = world.sandbox.add_webinar(upcoming("Receiver", 3)).unwrap();
    let registrant = world
        .sandbox
        .add_registrant(&webinar, SeedRegistrant::new("Ada", "Lovelace", "ada@example.com"))
        .unwrap();

    // The receiver lists what arrived, each with the message the platform would pass on.
    let listed = received(&world, "hook", 2).await;
    assert_eq!(listed[0]["method"], "GET", "GoTo's check first: {listed:#?}");
    assert_eq!(listed[1]["method"], "POST");
    assert!(world.sandbox.received().len() >= 2);
    let message = listed[1]["message"].clone();
    assert_eq!(message["body"]["rawData"], listed[1]["body"]);
    assert!(message["headers"]["x-webhook-signature"].is_string(), "{message}");
    let run = step.process(&world.write("from-receiver.json", &message)).await;
    run.assert_ok();
    assert_eq!(run.data().len(), 1, "{run:#?}");
    assert_eq!(run.data()[0]["registrantKey"], json!(registrant));

    // Without --url a test event goes to the receiver too.
    let sent = test_event(&world, &["--event", "registrant.added"]).await;
    assert_eq!(sent.code, 0, "{sent:#?}");
    let tested = received(&world, "test-event", 1).await;
    let run = step.process(&world.write("test-event.json", &tested[0]["message"])).await;
    run.assert_ok();
    assert_eq!(run.data().len(), 1, "{run:#?}");
    assert_eq!(run.data()[0]["id"], sent.events[0]["eventKey"]);

    step.shutdown(&data).await.assert_ok();
    assert!(sandbox_list(&world, "webhooks").is_empty());
    let cleared =
        reqwest::Client::new().delete(format!("{}/_sandbox/receiver", world.sandbox.url())).send().await;
    assert_eq!(cleared.unwrap().status(), 204);
    assert!(world.sandbox.received().is_empty());
}

/// `GET /_sandbox/receiver/NAME`, waiting until at least `at_least` requests arrived.
async fn received(world: &World, name: &str, at_least: usize) -> Vec<Value> {
    let url = format!("{}/_sandbox/receiver/{name}", world.sandbox.url());
    for _ in 0..100 {
        let list: Vec<Value> = reqwest::get(&url).await.unwrap().json().await.unwrap();
        if list.len() >= at_least {
            return list;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("expected {at_least} requests at the receiver's {name}");
}
