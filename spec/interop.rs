//! Interoperability with the official Node.js sailor (`elasticio-sailor-nodejs` 2.7.8, installed
//! from the npm registry into `target/interop/`): what the Node sailor publishes is processed by
//! `gotowebinar sail`, and what `sail` publishes is decoded by the Node sailor's own code, with the
//! headers the Node sailor sets. Lightweight messages go both ways through a local object storage
//! (`lib/sailor-testkit/src/object_store.rs`), each side using its own object-storage client.
//! Needs `node`, `npm` (the registry once) and the test RabbitMQ.

use crate::support;
use sailor_testkit as broker;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use broker::object_store::ObjectStore;
use broker::{Broker, FakeApi};
use chrono::Duration as ChronoDuration;
use gotowebinar_sandbox::{FaultConfig, SeedTime, SeedWebinar};
use lapin::options::QueueBindOptions;
use lapin::types::FieldTable;
use serde_json::{json, Value};
use support::World;
use tokio::process::{Child, Command};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Node sailor's package directory, installed from the npm registry on first use.
fn node_sailor() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        broker::node::install(&root().join("target")).unwrap_or_else(|why| panic!("the interop test: {why}"))
    })
}

fn step(config: Value) -> Value {
    json!({"id": "step_2", "config": config, "snapshot": {}, "is_passthrough": false, "variables": {}})
}

/// The platform's environment for a step on `broker` (the sailor tests' own, with the protocol
/// version): read by `gotowebinar sail` and, for the same settings, by the Node sailor's `settings.js`.
fn step_env(broker: &Broker, api: &FakeApi, function: &str, protocol: u8) -> Vec<(String, String)> {
    broker.env(api, function, &[("PROTOCOL_VERSION", &protocol.to_string())]).into_iter().collect()
}

/// `gotowebinar sail` for one step, against the world's sandbox.
fn start_sail(world: &World, env: &[(String, String)]) -> Child {
    let mut all = env.to_vec();
    all.extend(world.env().into_iter().filter(|(k, _)| k != "LOG_LEVEL"));
    all.push(("LOG_LEVEL".into(), "warn".into()));
    Command::new(env!("CARGO_BIN_EXE_gotowebinar"))
        .arg("sail")
        .envs(all)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the gotowebinar binary starts")
}

/// Runs one of our Node scripts (spec/interop/*.js) with the step's environment; returns the
/// `RESULT` lines it printed as JSON.
async fn node(script: &str, args: &[&str], env: &[(String, String)], stdin: Option<&Value>) -> Vec<Value> {
    let path = root().join("spec").join("interop").join(script);
    let mut child = Command::new("node")
        .arg(&path)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("INTEROP_SAILOR_DIR", node_sailor())
        .env("LOG_LEVEL", "fatal")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut input = child.stdin.take().expect("piped stdin");
    let text = stdin.map(Value::to_string).unwrap_or_default();
    tokio::io::AsyncWriteExt::write_all(&mut input, text.as_bytes()).await.expect("write to node");
    drop(input);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("node {script} {args:?} did not finish within 60 s"))
        .expect("node output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node {script} {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("RESULT "))
        .map(|line| serde_json::from_str(line).expect("a RESULT line is JSON"))
        .collect()
}

/// Takes `count` messages from `queue` and decodes them with the Node sailor's decoder.
async fn node_decode(env: &[(String, String)], queue: &str, count: usize, mode: &str) -> Vec<Value> {
    let decoded = node("decode.js", &[queue, &count.to_string(), mode, "45000"], env, None).await;
    assert_eq!(decoded.len(), count, "{decoded:#?}");
    decoded
}

/// Routes what an upstream step publishes to the exchange, with the input queue's name as
/// routing key, into the input queue.
async fn bind_input(broker: &Broker) {
    broker
        .channel
        .queue_bind(
            broker.input.as_str().into(),
            broker.exchange.as_str().into(),
            broker.input.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
}

fn upcoming(world: &World, subject: &str) -> String {
    let start = SeedTime::from_now(ChronoDuration::days(3));
    let end = SeedTime::from_now(ChronoDuration::days(3) + ChronoDuration::hours(1));
    world.sandbox.add_webinar(SeedWebinar::new(subject, start, end)).unwrap()
}

/// The headers the Node sailor puts on every message a step emits for an incoming one
/// (lib/sailor.js, processMessage), with the values our step environment gives them.
fn assert_step_headers(headers: &Value, function: &str, parent: &str, what: &str) {
    let mut expected = broker::step_headers(function);
    expected.push(("parentMessageId", parent.to_string()));
    for (name, value) in expected {
        assert_eq!(headers[name], value.as_str(), "{what}: header {name}: {headers:#}");
    }
    for name in ["messageId", "threadId"] {
        assert!(headers[name].as_str().is_some_and(|s| !s.is_empty()), "{what}: header {name}: {headers:#}");
    }
    assert!(headers["start"].is_number(), "{what}: header start: {headers:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_published_messages_are_processed_and_sail_output_decodes_in_node() {
    node_sailor();
    for protocol in [1u8, 2] {
        node_and_sail_round_trip(protocol).await;
    }
}

/// The Node sailor emits into `sail`'s input queue (protocol `protocol`); `sail` answers with
/// data and an error, then (GoTo unavailable) a rebound; the Node sailor decodes all three.
async fn node_and_sail_round_trip(protocol: u8) {
    let what = format!("protocol {protocol}");
    let world = World::new().await;
    let webinar = upcoming(&world, "Across sailors");
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});
    let api = FakeApi::start(step(cfg), &[]).await;
    let broker = Broker::new().await;
    bind_input(&broker).await;
    let env = step_env(&broker, &api, "getWebinar", protocol);
    let mut upstream = env.clone();
    upstream.retain(|(k, _)| k != "ELASTICIO_DATA_ROUTING_KEY");
    upstream.push(("ELASTICIO_DATA_ROUTING_KEY".into(), broker.input.clone()));
    let good = json!({"id": "msg-good", "body": {"webinarKey": webinar}, "headers": {}});
    let bad = json!({"id": "msg-bad", "body": {"webinarKey": "not-a-key"}, "headers": {}});
    let sent = node(
        "publish.js",
        &[],
        &upstream,
        Some(&json!([
            {"message": good, "headers": {"messageId": "node-1", "threadId": "thread-1", "x-eio-meta-trace-id": "trace-1"}},
            {"message": bad, "headers": {"messageId": "node-2", "threadId": "thread-2", "reply_to": broker.reply}},
        ])),
    )
    .await;
    assert_eq!(sent.len(), 2, "{what}: {sent:?}");

    let mut sail = start_sail(&world, &env);

    // Data: decoded by the Node sailor, answering the Node sailor's message.
    let data = node_decode(&env, &broker.data, 1, "default").await;
    assert_eq!(data[0]["message"]["body"]["subject"], "Across sailors", "{what}: {:#}", data[0]);
    assert_eq!(data[0]["message"]["body"]["webinarKey"], json!(webinar), "{what}");
    let headers = &data[0]["headers"];
    assert_step_headers(headers, "getWebinar", "node-1", &what);
    assert_eq!(headers["threadId"], "thread-1", "{what}: the thread goes on");
    assert_eq!(headers["x-eio-meta-trace-id"], "trace-1", "{what}: meta headers are passed on");
    assert!(headers["end"].is_number(), "{what}: {headers:#}");
    assert_eq!(headers["protocolVersion"], protocol, "{what}: data goes out in the step's protocol");
    assert_eq!(data[0]["properties"]["contentType"], "application/json");
    assert_eq!(data[0]["properties"]["contentEncoding"], "utf8");

    // Error: the Node sailor's error decoder reads the error and the input it failed on.
    let errors = node_decode(&env, &broker.error, 1, "error").await;
    let error = &errors[0]["message"]["body"];
    assert_eq!(error["error"]["name"], "InputError", "{what}: {error:#}");
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("webinarKey"), "{error:#}");
    assert_eq!(error["errorInput"]["body"], bad["body"], "{what}: errorInput is the message as received");
    assert_eq!(error["errorInput"]["id"], "msg-bad", "{what}");
    assert_step_headers(&errors[0]["headers"], "getWebinar", "node-2", &what);

    // The same error goes to the `reply_to` the message named (a caller waiting for the answer):
    // the encrypted error alone, marked as an error response.
    let replies = node_decode(&env, &broker.reply, 1, "reply-error").await;
    let reply = &replies[0];
    assert_eq!(reply["message"]["name"], "InputError", "{what}: {reply:#}");
    assert_eq!(reply["message"]["message"], error["error"]["message"], "{what}");
    assert_eq!(reply["headers"]["x-eio-error-response"], true, "{what}: {reply:#}");
    assert_step_headers(&reply["headers"], "getWebinar", "node-2", &what);

    // Rebound: GoTo keeps answering 503, so the step asks for the message again later.
    world.sandbox.set_faults(FaultConfig {
        rate: 1.0,
        server_error: false,
        reset: false,
        slow: false,
        ..FaultConfig::default()
    });
    let again = json!({"id": "msg-again", "body": {"webinarKey": webinar}, "headers": {}});
    node(
        "publish.js",
        &[],
        &upstream,
        Some(&json!([{"message": again, "headers": {"messageId": "node-3", "threadId": "thread-3"}}])),
    )
    .await;
    let rebounds = node_decode(&env, &broker.rebound, 1, "default").await;
    let rebound = &rebounds[0];
    assert_eq!(rebound["message"]["id"], "msg-again", "{what}: the original message comes back: {rebound:#}");
    assert_eq!(rebound["message"]["body"], again["body"], "{what}");
    assert_eq!(rebound["headers"]["reboundIteration"], 1, "{what}: {rebound:#}");
    assert!(rebound["headers"]["reboundReason"].as_str().is_some_and(|r| !r.is_empty()), "{rebound:#}");
    assert_eq!(rebound["headers"]["messageId"], "node-3", "{what}: the original headers stay");
    assert_eq!(rebound["properties"]["expiration"], "15000", "{what}: {rebound:#}");

    let _ = sail.start_kill();
    let _ = sail.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_http_replies_and_start_up_errors_of_sail_decode_in_node() {
    node_sailor();
    let world = World::new().await;
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});

    // A polling trigger's first poll: a snapshot, plain JSON with `snapshotEvent`.
    let api = FakeApi::start(step(cfg.clone()), &[]).await;
    let broker = Broker::new().await;
    let env = step_env(&broker, &api, "newRegistrants", 1);
    let mut sail = start_sail(&world, &env);
    broker.send(&json!({"id": "tick-1", "body": {}}), 1, json!({"messageId": "tick-1"})).await;
    let snapshots = node_decode(&env, &broker.snapshot, 1, "plain").await;
    let snapshot = &snapshots[0];
    assert_eq!(snapshot["message"]["trigger"], "newRegistrants", "{snapshot:#}");
    assert_eq!(snapshot["headers"]["snapshotEvent"], "snapshot", "{snapshot:#}");
    assert_step_headers(&snapshot["headers"], "newRegistrants", "tick-1", "snapshot");
    let _ = sail.start_kill();
    let _ = sail.wait().await;

    // A webhook trigger answering GoTo's URL check: an httpReply to `reply_to`.
    let api = FakeApi::start(step(cfg), &[]).await;
    let broker = Broker::new().await;
    let env = step_env(&broker, &api, "registrantAdded", 1);
    let mut sail = start_sail(&world, &env);
    broker
        .send(
            &json!({"id": "check-1", "body": {}, "headers": {}}),
            1,
            json!({"messageId": "check-1", "reply_to": broker.reply}),
        )
        .await;
    let replies = node_decode(&env, &broker.reply, 1, "default").await;
    let reply = &replies[0];
    assert_eq!(reply["message"]["statusCode"], 200, "{reply:#}");
    assert_eq!(reply["headers"]["protocolVersion"], 1, "{reply:#}");
    assert_step_headers(&reply["headers"], "registrantAdded", "check-1", "httpReply");
    assert!(broker.drain(&broker.data, 300).await.is_empty(), "a URL check emits no data");
    let _ = sail.start_kill();
    let _ = sail.wait().await;

    // A step that cannot start (its function is unknown) reports that to the flow's error queue:
    // an error without input, read by the Node sailor's error decoder.
    let api = FakeApi::start(step(json!({})), &[]).await;
    let broker = Broker::new().await;
    let env = step_env(&broker, &api, "noSuchFunction", 1);
    let mut sail = start_sail(&world, &env);
    let errors = node_decode(&env, &broker.error, 1, "error").await;
    let status = tokio::time::timeout(Duration::from_secs(30), sail.wait()).await;
    assert!(matches!(&status, Ok(Ok(s)) if !s.success()), "sail exits failing: {status:?}");
    let error = &errors[0]["message"]["body"];
    assert_eq!(error["error"]["name"], "UnknownFunction", "{error:#}");
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("noSuchFunction"), "{error:#}");
    assert!(error.get("errorInput").is_none(), "no input to report: {error:#}");
    let headers = &errors[0]["headers"];
    for (name, value) in
        [("taskId", "flow-1"), ("stepId", "step_2"), ("execId", "exec-1"), ("function", "noSuchFunction")]
    {
        assert_eq!(headers[name], value, "start-up error: header {name}: {headers:#}");
    }
    assert!(headers["messageId"].as_str().is_some_and(|m| !m.is_empty()), "{headers:#}");
}

const STORAGE_TOKEN: &str = "storage-token-not-a-real-secret";
/// Small enough that every body in these tests is above it.
const SIZE_THRESHOLD: &str = "16";
const OBJECT_ID: &str = "x-ipaas-object-storage-id";

/// The object-storage settings of a step; `emit` turns on lightweight output.
fn storage_env(store: &ObjectStore, emit: bool) -> Vec<(String, String)> {
    let mut env = vec![
        ("ELASTICIO_OBJECT_STORAGE_URI".to_string(), store.uri.clone()),
        ("ELASTICIO_OBJECT_STORAGE_TOKEN".to_string(), STORAGE_TOKEN.to_string()),
        ("ELASTICIO_OBJECT_STORAGE_SIZE_THRESHOLD".to_string(), SIZE_THRESHOLD.to_string()),
    ];
    if emit {
        env.push(("ELASTICIO_EMIT_LIGHTWEIGHT_MESSAGE".to_string(), "true".to_string()));
    }
    env
}

/// `env` with `overrides` replacing the variables of the same name.
fn with(env: &[(String, String)], overrides: &[(String, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> =
        env.iter().filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k)).cloned().collect();
    all.extend(overrides.iter().cloned());
    all
}

/// An object as the store holds it: the JSON body encrypted with the message cipher, raw bytes.
fn decrypt_object(bytes: &[u8]) -> Value {
    let crypto = sailor::MessageCrypto::new(Some(broker::PASSWORD), Some(broker::IV)).unwrap();
    crypto.decrypt_json(bytes, 2).expect("an object is the encrypted JSON body, raw bytes")
}

/// What one leg of the lightweight round trip saw.
struct Leg {
    /// The data message as the Node sailor decoded it off the wire, with its AMQP headers.
    decoded: Value,
    /// The bodies the Node sailor fetched for it: {body, passthrough: {stepId: body}}.
    fetched: Value,
    /// The object the upstream Node step stored its body as.
    upstream_object: String,
}

/// A Node step (`step_1`, lightweight on) emits `{webinarKey}` through its own object-storage
/// client into `sail`'s input; `sail` (`step_2`, a passthrough step, lightweight output when
/// `emit`) fetches the body, calls GoTo and emits; the Node sailor decodes the data and fetches
/// every body it refers to.
async fn lightweight_leg(world: &World, webinar: &str, emit: bool, protocol: u8) -> Leg {
    let what = format!("protocol {protocol}, {} output", if emit { "lightweight" } else { "inline" });
    let what = what.as_str();
    let store = ObjectStore::start(STORAGE_TOKEN).await;
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});
    let mut step_data = step(cfg);
    step_data["is_passthrough"] = json!(true);
    let api = FakeApi::start(step_data, &[]).await;
    let broker = Broker::new().await;
    bind_input(&broker).await;
    let env = with(&step_env(&broker, &api, "getWebinar", protocol), &storage_env(&store, emit));
    let upstream = with(
        &env,
        &[
            ("ELASTICIO_DATA_ROUTING_KEY".into(), broker.input.clone()),
            ("ELASTICIO_STEP_ID".into(), "step_1".into()),
            ("ELASTICIO_EMIT_LIGHTWEIGHT_MESSAGE".into(), "true".into()),
        ],
    );
    let input = json!({"webinarKey": webinar});
    let sent = node(
        "emit.js",
        &[],
        &upstream,
        Some(&json!([{
            "message": {"body": input, "headers": {}},
            "headers": {"messageId": "node-light", "threadId": "thread-light"},
            "passthrough": true,
        }])),
    )
    .await;
    assert_eq!(sent.len(), 1, "{what}: {sent:?}");

    // The Node sailor stored the body through its own client: one upload, with the token.
    let uploads = store.requests_with("POST");
    assert_eq!(uploads.len(), 1, "{what}: the Node step stores its body once: {uploads:#?}");
    let upload = &uploads[0];
    assert_eq!(upload.authorization.as_deref(), Some(format!("Bearer {STORAGE_TOKEN}").as_str()));
    assert_eq!(upload.request_id.as_deref(), Some("f:flow-1;s:step_1;m:"), "{upload:#?}");
    let upstream_object = upload.object_id.clone().expect("the store answered an id");
    let stored = decrypt_object(&store.object(&upstream_object).expect("stored"));
    assert_eq!(stored, input, "{what}: the Node sailor stores the body encrypted, raw bytes");

    let mut sail = start_sail(world, &env);
    // The Node side reads as the next step, so its store requests tell apart from sail's.
    let downstream = with(&env, &[("ELASTICIO_STEP_ID".into(), "step_3".into())]);
    let decoded = node_decode(&downstream, &broker.data, 1, "lightweight").await;
    let _ = sail.start_kill();
    let _ = sail.wait().await;
    let decoded = decoded.into_iter().next().unwrap();
    let fetched = decoded["fetched"].clone();

    // `sail` fetched the Node step's body (and passthrough) with its token before processing.
    let gets: Vec<_> = store
        .requests_with("GET")
        .into_iter()
        .filter(|r| r.request_id.as_deref() == Some("f:flow-1;s:step_2;m:"))
        .collect();
    assert!(!gets.is_empty(), "{what}: sail fetched nothing: {:#?}", store.requests());
    for get in &gets {
        assert_eq!(get.path, format!("/objects/{upstream_object}"), "{what}: {get:#?}");
        assert_eq!(get.authorization.as_deref(), Some(format!("Bearer {STORAGE_TOKEN}").as_str()));
    }
    let webinar_calls = world
        .sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(&format!("/webinars/{webinar}")))
        .count();
    assert!(webinar_calls >= 1, "{what}: sail asked GoTo for the webinar the stored body names");

    // What the Node sailor processes: the webinar, and the bodies of both steps in passthrough.
    assert_eq!(fetched["body"]["subject"], "Light across sailors", "{what}: {decoded:#}");
    assert_eq!(fetched["body"]["webinarKey"], json!(webinar), "{what}");
    assert_eq!(fetched["passthrough"]["step_1"], input, "{what}: {decoded:#}");
    assert_eq!(fetched["passthrough"]["step_2"], fetched["body"], "{what}: {decoded:#}");
    let message = &decoded["message"];
    assert_eq!(
        message["passthrough"]["step_1"]["headers"][OBJECT_ID],
        upstream_object.as_str(),
        "{what}: the Node step's stored body keeps its object: {decoded:#}"
    );
    let headers = &decoded["headers"];
    assert_step_headers(headers, "getWebinar", "node-light", what);
    assert_eq!(headers["threadId"], "thread-light", "{what}");
    assert_eq!(headers["protocolVersion"], protocol, "{what}");

    let sail_uploads: Vec<_> = store.requests_with("POST").into_iter().skip(1).collect();
    if emit {
        // Sent light: an empty body naming the object `sail` stored, which holds the body.
        assert_eq!(message["body"], json!({}), "{what}: {decoded:#}");
        let id = message["headers"][OBJECT_ID].as_str().expect("object id header").to_string();
        assert_eq!(sail_uploads.len(), 1, "{what}: one upload, the step's own body: {sail_uploads:#?}");
        assert_eq!(sail_uploads[0].object_id.as_deref(), Some(id.as_str()), "{what}");
        assert_eq!(sail_uploads[0].request_id.as_deref(), Some("f:flow-1;s:step_2;m:"));
        assert_eq!(
            sail_uploads[0].content_type, upload.content_type,
            "{what}: uploaded as the Node sailor does"
        );
        assert_eq!(
            sail_uploads[0].authorization.as_deref(),
            Some(format!("Bearer {STORAGE_TOKEN}").as_str())
        );
        assert_eq!(decrypt_object(&store.object(&id).unwrap()), fetched["body"], "{what}");
        assert_eq!(message["passthrough"]["step_2"]["body"], json!({}), "{what}: {decoded:#}");
        assert_eq!(message["passthrough"]["step_2"]["headers"][OBJECT_ID], id.as_str(), "{what}");
        assert_eq!(message["passthrough"]["step_1"]["body"], json!({}), "{what}: {decoded:#}");
    } else {
        assert!(sail_uploads.is_empty(), "{what}: {sail_uploads:#?}");
        assert_eq!(message["body"], fetched["body"], "{what}: sent inline");
        assert!(message["headers"].get(OBJECT_ID).is_none(), "{what}: {decoded:#}");
    }
    Leg { decoded, fetched, upstream_object }
}

/// Node → `sail` → Node with lightweight messages, `sail` sending inline and then light.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lightweight_messages_cross_between_the_sailors_through_object_storage() {
    node_sailor();
    let world = World::new().await;
    let webinar = upcoming(&world, "Light across sailors");
    for protocol in [1u8, 2] {
        let inline = lightweight_leg(&world, &webinar, false, protocol).await;
        let light = lightweight_leg(&world, &webinar, true, protocol).await;
        same_for_node(&inline, &light, protocol);
    }
}

/// The object storage refuses `sail`'s upload (503 on every try): `sail` tries as often as the
/// Node sailor's client does, emits no data, and reports an error the Node sailor's error decoder
/// reads, with the lightweight message it received as `errorInput`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_is_an_error_the_node_sailor_reads() {
    node_sailor();
    let world = World::new().await;
    let webinar = upcoming(&world, "Refused upload");
    let store = ObjectStore::start(STORAGE_TOKEN).await;
    let cfg = json!({"oauth": world.sandbox.issue_tokens(), "organizerKey": world.sandbox.organizer_key()});
    let api = FakeApi::start(step(cfg), &[]).await;
    let broker = Broker::new().await;
    bind_input(&broker).await;
    let env = with(&step_env(&broker, &api, "getWebinar", 2), &storage_env(&store, true));
    let upstream = with(&env, &[("ELASTICIO_DATA_ROUTING_KEY".into(), broker.input.clone())]);
    let input = json!({"webinarKey": webinar});
    node(
        "emit.js",
        &[],
        &upstream,
        Some(&json!([{"message": {"body": input}, "headers": {"messageId": "node-refused"}, "passthrough": false}])),
    )
    .await;
    let upstream_object = store.requests_with("POST")[0].object_id.clone().unwrap();
    store.fail_uploads(503);

    let mut sail = start_sail(&world, &env);
    let errors = node_decode(&env, &broker.error, 1, "error").await;
    let _ = sail.start_kill();
    let _ = sail.wait().await;
    let error = &errors[0]["message"]["body"];
    let text = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        text.contains("Lightweight message/passthrough body upload error") && text.contains("503"),
        "{error:#}"
    );
    assert!(!error.to_string().contains(STORAGE_TOKEN), "{error:#}");
    assert_eq!(error["errorInput"]["body"], json!({}), "the message as received, light: {error:#}");
    assert_eq!(error["errorInput"]["headers"][OBJECT_ID], upstream_object.as_str(), "{error:#}");
    assert_step_headers(&errors[0]["headers"], "getWebinar", "node-refused", "refused upload");
    let tries = store.requests_with("POST").len() - 1;
    assert_eq!(tries, 3, "one try and two more, as the Node sailor's client: {:#?}", store.requests());
    assert!(broker.drain(&broker.data, 300).await.is_empty(), "no data without its body");
}

/// Sent light, the Node sailor gets what `sail` sends inline: the same bodies and headers.
fn same_for_node(inline: &Leg, light: &Leg, protocol: u8) {
    assert_eq!(light.fetched, inline.fetched, "protocol {protocol}");
    let comparable = |headers: &Value| {
        let mut h = headers.clone();
        for name in ["messageId", "start", "end"] {
            h.as_object_mut().unwrap().remove(name);
        }
        h
    };
    assert_eq!(
        comparable(&light.decoded["headers"]),
        comparable(&inline.decoded["headers"]),
        "protocol {protocol}"
    );
    let mut message_headers = light.decoded["message"]["headers"].clone();
    message_headers.as_object_mut().unwrap().remove(OBJECT_ID);
    assert_eq!(message_headers, inline.decoded["message"]["headers"], "protocol {protocol}");
    assert_ne!(light.upstream_object, inline.upstream_object, "each leg has its own store and message");
}
