//! The sail mode against a real RabbitMQ (from `scripts/test`) and a fake platform API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use sailor::{
    run_sail_until, Component, Context, Function, FunctionError, HttpReply, Input, Message, Settings,
};
use sailor_testkit::*;
use serde_json::{json, Value};

/// What the probe saw: every processed body, the init cfg, shutdown calls.
#[derive(Default)]
struct Seen {
    bodies: Vec<Value>,
    inits: Vec<Value>,
    shutdowns: Vec<(Value, Value)>,
}

/// A function driven by its input body (see `process`).
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Seen>>);

impl Probe {
    fn bodies(&self) -> Vec<Value> {
        self.0.lock().unwrap().bodies.clone()
    }
}

fn emit_err(e: sailor::EmitError) -> FunctionError {
    FunctionError::new("EmitError", e.to_string())
}

#[async_trait]
impl Function for Probe {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let body = input.msg.body.clone();
        self.0.lock().unwrap().bodies.push(body.clone());
        if let Some(ms) = body.get("sleepMs").and_then(Value::as_u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if let Some(s) = body.get("snapshot") {
            ctx.snapshot(s.clone()).await.map_err(emit_err)?;
        }
        if let Some(s) = body.get("updateSnapshot") {
            ctx.update_snapshot(s.clone()).await.map_err(emit_err)?;
        }
        if let Some(k) = body.get("updateKeys") {
            // The runtime reports a failed save itself; the probe carries on.
            let _ = ctx.update_keys(k.clone()).await;
        }
        if let Some(r) = body.get("rebound").and_then(Value::as_str) {
            return ctx.rebound(r).await.map_err(emit_err);
        }
        if let Some(status) = body.get("httpReply").and_then(Value::as_u64) {
            let mut reply = HttpReply::status(status as u16);
            reply.body = json!("ok");
            ctx.http_reply(reply).await.map_err(emit_err)?;
        }
        if let Some(m) = body.get("fail").and_then(Value::as_str) {
            return Err(FunctionError::new("ProbeError", m));
        }
        if body.get("noData").is_some() {
            return Ok(());
        }
        let mut out = Message::new(json!({
            "n": body.get("n").cloned().unwrap_or(Value::Null),
            "cfg": input.cfg,
            "snapshot": input.snapshot,
        }));
        if let Some(size) = body.get("big").and_then(Value::as_u64) {
            out.body["padding"] = json!("x".repeat(size as usize));
        }
        if let Some(rk) = body.get("routingKey").and_then(Value::as_str) {
            out.headers.insert("X-EIO-Routing-Key".into(), json!(rk));
        }
        // Emit failures (oversize, unroutable) are already reported as error events.
        let _ = ctx.emit(sailor::Event::Data(out)).await;
        Ok(())
    }

    async fn init(&self, _ctx: Context, cfg: Value) -> Result<(), FunctionError> {
        self.0.lock().unwrap().inits.push(cfg);
        Ok(())
    }

    async fn startup(&self, _ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        Ok(json!({"hookId": "hook-1", "account": cfg["_account"]}))
    }

    async fn shutdown(&self, _ctx: Context, cfg: Value, data: Value) -> Result<(), FunctionError> {
        self.0.lock().unwrap().shutdowns.push((cfg, data));
        Ok(())
    }
}

fn step(config: Value, passthrough: bool) -> Value {
    json!({"id": "step_2", "config": config, "snapshot": {"cursor": 1}, "is_passthrough": passthrough, "variables": {}})
}

fn default_cfg() -> Value {
    json!({"_account": "acc-1", "organizerKey": "24576065432313123456", "oauth": {"access_token": "old"}})
}

/// A running step; `stop` shuts it down gracefully and returns its result.
/// The probe step running until [`stop`].
fn start(probe: &Probe, settings: Settings) -> Running {
    Running::start(Component::new().function("probe", probe.clone()), settings)
}

/// Stops a step, which must end within 30 s.
async fn stop(running: Running) -> Result<(), sailor::SailError> {
    running.stop(Duration::from_secs(30)).await
}

fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_snapshot_and_headers_protocol_1() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(default_cfg(), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[]));
    broker
        .send_text(
            r#"{"id": "in-1", "body": {"n": 1, "organizerKey": 24576065432313123456, "updateSnapshot": {"seen": 1}}}"#,
            json!({"messageId": "m-1", "threadId": "t-1", "X-EIO-Meta-Trace": "tr", "reply_to": "rk.reply",
                   "execId": "ignored-incoming"}),
        )
        .await;
    let data = broker.take(&broker.data, 1, 20).await;
    let snap = broker.take(&broker.snapshot, 1, 20).await;
    stop(running).await.unwrap();

    let d = &data[0];
    let msg = d.decrypt(1);
    assert_eq!(msg["body"]["n"], 1);
    assert_eq!(msg["body"]["snapshot"], json!({"cursor": 1}), "the snapshot from the step data");
    assert_eq!(msg["body"]["cfg"]["organizerKey"], "24576065432313123456");
    // The long integer reached the function as an exact string.
    assert_eq!(probe.bodies()[0]["organizerKey"], json!("24576065432313123456"));
    assert!(is_uuid(d.header("messageId")) && d.header("messageId") != "m-1", "{:?}", d.headers);
    assert_eq!(d.header("parentMessageId"), "m-1");
    assert_eq!(d.header("threadId"), "t-1");
    assert_eq!(d.header("x-eio-meta-trace"), "tr");
    assert_eq!(d.header("reply_to"), "rk.reply");
    for (k, v) in step_headers("probe") {
        assert_eq!(d.header(k), v.as_str(), "header {k}");
    }
    let (start, end) = (d.header("start").as_i64().unwrap(), d.header("end").as_i64().unwrap());
    assert!(start > 1_600_000_000_000 && end >= start, "start {start} end {end}");
    assert_eq!(d.header("protocolVersion"), 1);
    assert_eq!(d.content_type.as_deref(), Some("application/json"));
    assert_eq!(d.content_encoding.as_deref(), Some("utf8"));
    assert_ne!(d.delivery_mode, Some(2), "outgoing messages are not persistent");
    // Protocol 1: the body is base64 text.
    assert!(base64::engine::general_purpose::STANDARD.decode(&d.data).is_ok());

    let s = &snap[0];
    assert_eq!(s.json(), json!({"seen": 1}), "snapshots are plain JSON");
    assert_eq!(s.header("snapshotEvent"), "updateSnapshot");
    assert_eq!(s.header("parentMessageId"), "m-1");
    assert_eq!(broker.input_counts().await, (0, 0), "acknowledged, consumer gone");
    assert_eq!(probe.0.lock().unwrap().inits, vec![default_cfg()], "init ran once with the cfg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_replace_and_merge_for_later_messages() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[]));
    let bodies = [
        json!({"n": 1, "snapshot": {"cursor": 5}}),
        json!({"n": 2, "updateSnapshot": {"b": 1}}),
        json!({"n": 3}),
    ];
    let mut data = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        broker.send(&json!({ "body": body }), 1, json!({"messageId": format!("m-{i}")})).await;
        data.extend(broker.take(&broker.data, 1, 20).await);
    }
    let snaps = broker.take(&broker.snapshot, 2, 20).await;
    stop(running).await.unwrap();

    let seen: Vec<Value> = data.iter().map(|d| d.decrypt(1)["body"]["snapshot"].clone()).collect();
    assert_eq!(seen, [json!({"cursor": 1}), json!({"cursor": 5}), json!({"cursor": 5, "b": 1})]);
    assert_eq!(snaps[0].json(), json!({"cursor": 5}));
    assert_eq!(snaps[0].header("snapshotEvent"), "snapshot");
    assert_eq!(snaps[1].json(), json!({"b": 1}));
    assert_eq!(snaps[1].header("snapshotEvent"), "updateSnapshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_2_in_and_out_with_custom_routing_and_error_input() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(default_cfg(), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("PROTOCOL_VERSION", "2")]));
    broker
        .send(&json!({"body": {"n": 1, "routingKey": broker.custom}}), 2, json!({"messageId": "m-1"}))
        .await;
    broker.send(&json!({"body": {"n": 2, "fail": "boom"}}), 2, json!({"messageId": "m-2"})).await;
    let custom = broker.take(&broker.custom, 1, 20).await;
    let errors = broker.take(&broker.error, 1, 20).await;
    stop(running).await.unwrap();

    let c = &custom[0];
    assert_eq!(c.header("protocolVersion"), 2);
    assert!(
        base64::engine::general_purpose::STANDARD.decode(&c.data).is_err(),
        "protocol 2 is raw ciphertext"
    );
    let msg = c.decrypt(2);
    assert_eq!(msg["body"]["n"], 1);
    let headers = msg["headers"].as_object().unwrap();
    assert!(
        !headers.keys().any(|k| k.eq_ignore_ascii_case("x-eio-routing-key")),
        "routing header removed: {headers:?}"
    );
    assert!(broker.drain(&broker.data, 300).await.is_empty(), "nothing on the default data key");

    let e = errors[0].json();
    assert_eq!(decrypt_b64(e["error"].as_str().unwrap())["message"], "boom");
    // Protocol 2 input: errorInput is the decrypted input encrypted again as base64.
    let input = decrypt_b64(e["errorInput"].as_str().unwrap());
    assert_eq!(input["body"], json!({"n": 2, "fail": "boom"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_plain_json_replied_and_rejected() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(default_cfg(), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[]));
    let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
    let input = json!({"id": "in-9", "body": {"n": 9, "fail": "webinarKey is required"}});
    let sent = crypto.encrypt_json(&input, 1);
    broker
        .send_raw(
            &sent,
            to_table(&json!({"messageId": "m-9", "reply_to": broker.reply, "x-eio-meta-a": "b"})),
        )
        .await;
    let errors = broker.take(&broker.error, 1, 20).await;
    let replies = broker.take(&broker.reply, 1, 20).await;
    // Give a rejected message a moment to show up again if it were requeued.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(running).await.unwrap();

    let e = &errors[0];
    let payload = e.json();
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error", "errorInput"]);
    let error = decrypt_b64(payload["error"].as_str().unwrap());
    assert_eq!(error["name"], "ProbeError");
    assert_eq!(error["message"], "webinarKey is required");
    assert!(error["stack"].is_string());
    assert_eq!(
        payload["errorInput"].as_str().unwrap().as_bytes(),
        &sent[..],
        "protocol 1: the payload as received"
    );
    assert_eq!(e.header("parentMessageId"), "m-9");
    assert_eq!(e.header("x-eio-meta-a"), "b");
    assert!(e.header("x-eio-error-response").is_null());

    let r = &replies[0];
    assert_eq!(r.header("x-eio-error-response"), true);
    assert_eq!(r.decrypt(1)["message"], "webinarKey is required");
    assert_eq!(probe.bodies().len(), 1, "rejected without requeue: processed once");
    assert_eq!(broker.input_counts().await, (0, 0));
    assert!(broker.drain(&broker.data, 100).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_error_replies_and_undecodable_and_http_reply() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(default_cfg(), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("NO_ERROR_REPLIES", "true")]));
    broker.send_raw(b"this is not encrypted", to_table(&json!({"messageId": "garbage"}))).await;
    broker
        .send(
            &json!({"body": {"n": 1, "fail": "x"}}),
            1,
            json!({"messageId": "m-1", "reply_to": broker.reply}),
        )
        .await;
    broker
        .send(
            &json!({"body": {"n": 2, "httpReply": 202, "noData": true}}),
            1,
            json!({"messageId": "m-2", "reply_to": broker.reply}),
        )
        .await;
    let errors = broker.take(&broker.error, 1, 20).await;
    let replies = broker.take(&broker.reply, 1, 20).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(running).await.unwrap();

    assert_eq!(decrypt_b64(errors[0].json()["error"].as_str().unwrap())["message"], "x");
    // The only reply is the httpReply: NO_ERROR_REPLIES suppressed the error reply.
    let reply = replies[0].decrypt(1);
    assert_eq!(reply, json!({"statusCode": 202, "body": "ok", "headers": {}}));
    assert_eq!(replies[0].header("protocolVersion"), 1);
    assert!(broker.drain(&broker.reply, 200).await.is_empty());
    // The undecodable message was rejected without reaching the function.
    let ns: Vec<Value> = probe.bodies().iter().map(|b| b["n"].clone()).collect();
    assert_eq!(ns, [json!(1), json!(2)]);
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_keys_reach_the_api_and_later_messages_see_them() {
    let broker = Broker::new().await;
    let api =
        FakeApi::start(step(default_cfg(), false), &[("acc-1", json!({"id": "acc-1", "keys": {}}))]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[]));
    let keys = json!({"oauth": {"access_token": "new", "refresh_token": "r2"}, "organizerKey": "24576065432313123456"});
    broker.send(&json!({"body": {"n": 1, "updateKeys": keys}}), 1, json!({"messageId": "m-1"})).await;
    broker.take(&broker.data, 1, 20).await;
    broker.send(&json!({"body": {"n": 2}}), 1, json!({"messageId": "m-2"})).await;
    let second = broker.take(&broker.data, 1, 20).await;
    // A failing save becomes an error for that message.
    api.state.lock().unwrap().fail_account_puts = vec![400];
    broker.send(&json!({"body": {"n": 3, "updateKeys": {"x": 1}}}), 1, json!({"messageId": "m-3"})).await;
    let errors = broker.take(&broker.error, 1, 20).await;
    stop(running).await.unwrap();

    let puts = api.requests_to("PUT", "/v1/accounts/acc-1");
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert_eq!(puts[0].body, json!({"keys": keys}));
    assert!(puts[0].authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")));
    let cfg = &second[0].decrypt(1)["body"]["cfg"];
    assert_eq!(cfg["oauth"]["access_token"], "new", "merged into the running cfg: {cfg}");
    assert_eq!(cfg["_account"], "acc-1");
    let error = decrypt_b64(errors[0].json()["error"].as_str().unwrap());
    assert_eq!(error["name"], "UpdateKeysError");
    assert!(error["message"].as_str().unwrap().contains("400"), "{error}");
    assert_eq!(api.requests_to("GET", "/v1/tasks/flow-1/steps/step_2").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_none_lost_or_doubled() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("RABBITMQ_PREFETCH_SAILOR", "10")]));
    for n in 0..1000 {
        broker.send(&json!({"body": {"n": n}}), 1, json!({"messageId": format!("m-{n}")})).await;
    }
    let out = broker.take(&broker.data, 1000, 90).await;
    let extra = broker.drain(&broker.data, 300).await;
    stop(running).await.unwrap();

    assert!(extra.is_empty(), "{} extra messages", extra.len());
    let mut counts: HashMap<i64, u32> = HashMap::new();
    for r in &out {
        *counts.entry(r.decrypt(1)["body"]["n"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(counts.len(), 1000);
    assert!(counts.values().all(|c| *c == 1));
    assert_eq!(probe.bodies().len(), 1000);
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_with_and_without_self() {
    for no_self in [false, true] {
        let broker = Broker::new().await;
        let api = FakeApi::start(step(json!({}), true), &[]).await;
        let probe = Probe::default();
        let extra: &[(&str, &str)] = if no_self { &[("NO_SELF_PASSTRHOUGH", "true")] } else { &[] };
        let running = start(&probe, broker.settings(&api, "probe", extra));
        let earlier = json!({"step_1": {"id": "p1", "body": {"a": 1}, "headers": {}}});
        broker
            .send(
                &json!({"id": "in-1", "body": {"n": 1}, "passthrough": earlier}),
                1,
                json!({"messageId": "m-1", "stepId": "step_1"}),
            )
            .await;
        let out = broker.take(&broker.data, 1, 20).await;
        stop(running).await.unwrap();
        let msg = out[0].decrypt(1);
        let pt = msg["passthrough"].as_object().unwrap();
        if no_self {
            // The incoming message under the incoming stepId, replacing the earlier entry.
            assert_eq!(pt.len(), 1, "{pt:?}");
            assert_eq!(pt["step_1"]["id"], "in-1");
            assert_eq!(pt["step_1"]["body"], json!({"n": 1}));
            assert!(pt["step_1"].get("passthrough").is_none());
        } else {
            assert_eq!(pt["step_1"], earlier["step_1"]);
            assert_eq!(pt["step_2"]["body"], msg["body"], "own output under this step's id");
            assert!(pt["step_2"].get("passthrough").is_none());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_many_frames_arrives_and_leaves_whole() {
    // Frames are 4 KiB (as the Node sailor asks): 300 kB in and out spans about 75 frames each way.
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[]));
    let text = "0123456789abcdef".repeat(300_000 / 16);
    broker
        .send(&json!({"body": {"n": 1, "big": 300_000, "text": text}}), 1, json!({"messageId": "m-1"}))
        .await;
    let out = broker.take(&broker.data, 1, 20).await;
    stop(running).await.unwrap();
    let body = &out[0].decrypt(1)["body"];
    assert_eq!(body["padding"].as_str().map(str::len), Some(300_000));
    assert_eq!(probe.bodies()[0]["text"], json!(text), "the input arrived whole");
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_and_unroutable_become_errors() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let settings = broker.settings(
        &api,
        "probe",
        &[("OUTGOING_MESSAGE_SIZE_LIMIT", "2000"), ("AMQP_PUBLISH_RETRY_ATTEMPTS", "2")],
    );
    let running = start(&probe, settings);
    broker.send(&json!({"body": {"n": 1, "big": 1500}}), 1, json!({"messageId": "m-1"})).await;
    let first = broker.take(&broker.error, 1, 20).await;
    broker.send(&json!({"body": {"n": 2, "big": 10}}), 1, json!({"messageId": "m-2"})).await;
    broker.take(&broker.data, 1, 20).await;
    broker
        .send(&json!({"body": {"n": 3, "routingKey": "nobody.listens"}}), 1, json!({"messageId": "m-3"}))
        .await;
    let second = broker.take(&broker.error, 1, 20).await;
    stop(running).await.unwrap();

    let e1 = decrypt_b64(first[0].json()["error"].as_str().unwrap());
    assert_eq!(e1["name"], "DataError");
    assert!(e1["message"].as_str().unwrap().contains("exceeds limit of 2000"), "{e1}");
    let e2 = decrypt_b64(second[0].json()["error"].as_str().unwrap());
    assert!(e2["message"].as_str().unwrap().contains("returned"), "{e2}");
    assert!(e2["message"].as_str().unwrap().contains("2 attempt"), "{e2}");
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebound_expiration_grows_until_the_limit() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let settings =
        broker.settings(&api, "probe", &[("REBOUND_INITIAL_EXPIRATION", "60000"), ("REBOUND_LIMIT", "3")]);
    let running = start(&probe, settings);
    let crypto = sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
    let first = crypto.encrypt_json(&json!({"body": {"n": 1, "rebound": "busy"}}), 1);
    broker.send_raw(&first, to_table(&json!({"messageId": "m-1", "custom": "kept"}))).await;
    let r1 = broker.take(&broker.rebound, 1, 20).await;
    broker
        .send(
            &json!({"body": {"n": 2, "rebound": "still busy"}}),
            1,
            json!({"messageId": "m-2", "reboundIteration": 2}),
        )
        .await;
    let r2 = broker.take(&broker.rebound, 1, 20).await;
    broker
        .send(
            &json!({"body": {"n": 3, "rebound": "again"}}),
            1,
            json!({"messageId": "m-3", "reboundIteration": 3}),
        )
        .await;
    let errors = broker.take(&broker.error, 1, 20).await;
    stop(running).await.unwrap();

    let r = &r1[0];
    assert_eq!(r.data, first, "the original content");
    assert_eq!(r.expiration.as_deref(), Some("60000"));
    assert_eq!(r.header("reboundIteration"), 1);
    assert_eq!(r.header("reboundReason"), "busy");
    assert_eq!(r.header("custom"), "kept", "the original headers");
    assert_eq!(r.header("messageId"), "m-1");
    assert_eq!(r2[0].expiration.as_deref(), Some("240000"));
    assert_eq!(r2[0].header("reboundIteration"), 3);
    let e = decrypt_b64(errors[0].json()["error"].as_str().unwrap());
    assert_eq!(e["message"], "Rebound limit exceeded");
    assert!(broker.drain(&broker.rebound, 200).await.is_empty());
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_message_ids_in_flight_are_processed_once() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("RABBITMQ_PREFETCH_SAILOR", "4")]));
    for _ in 0..2 {
        broker.send(&json!({"body": {"n": 1, "sleepMs": 500}}), 1, json!({"messageId": "same"})).await;
    }
    broker.take(&broker.data, 1, 20).await;
    let extra = broker.drain(&broker.data, 500).await;
    stop(running).await.unwrap();
    assert!(extra.is_empty());
    assert_eq!(probe.bodies().len(), 1);
    assert_eq!(broker.input_counts().await, (0, 0), "both deliveries settled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_messages() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("RABBITMQ_PREFETCH_SAILOR", "3")]));
    for n in 0..3 {
        broker
            .send(&json!({"body": {"n": n, "sleepMs": 1000}}), 1, json!({"messageId": format!("m-{n}")}))
            .await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while probe.bodies().len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the messages did not arrive");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Stop while all three are still sleeping in the function.
    stop(running).await.unwrap();
    let out = broker.drain(&broker.data, 500).await;
    assert_eq!(out.len(), 3, "every in-flight message finished");
    assert_eq!(broker.input_counts().await, (0, 0), "and was acknowledged before closing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_connections_are_reestablished_without_losing_or_repeating_messages() {
    let broker = Broker::new().await;
    let proxy = Proxy::start(broker_addr(&broker.url)).await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let probe = Probe::default();
    let settings = broker.settings_with_uri(
        &proxy.url_for(&broker.url),
        &api,
        "probe",
        &[("RABBITMQ_PREFETCH_SAILOR", "5")],
    );
    let running = start(&probe, settings);
    const N: i64 = 40;
    for n in 0..N {
        broker
            .send(&json!({"body": {"n": n, "sleepMs": 150}}), 1, json!({"messageId": format!("m-{n}")}))
            .await;
    }
    // Cut the step's connections twice while messages are in flight.
    let mut received = broker.take(&broker.data, 8, 30).await;
    assert!(proxy.cut_all() >= 2, "the step's two connections went through the proxy");
    received.extend(broker.take(&broker.data, 12, 60).await);
    proxy.cut_all();
    let rest = (N as usize).saturating_sub(received.len());
    received.extend(broker.take(&broker.data, rest, 90).await);
    received.extend(broker.drain(&broker.data, 500).await);
    stop(running).await.unwrap();

    let mut processed: HashMap<i64, u32> = HashMap::new();
    for b in probe.bodies() {
        *processed.entry(b["n"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(processed.len(), N as usize, "every input processed");
    let repeated: Vec<_> = processed.iter().filter(|(_, c)| **c > 1).collect();
    assert!(repeated.is_empty(), "redelivered in-flight messages were processed again: {repeated:?}");
    let outputs: std::collections::HashSet<i64> =
        received.iter().map(|r| r.decrypt(1)["body"]["n"].as_i64().unwrap()).collect();
    assert_eq!(outputs.len(), N as usize, "every output published");
    assert_eq!(broker.input_counts().await, (0, 0), "every input acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_and_shutdown_hooks_use_the_hook_data_api() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(default_cfg(), false), &[]).await;
    // Left over from an earlier start: answered with 409, then replaced.
    api.state.lock().unwrap().hook_data = Some(json!({"stale": true}));
    let probe = Probe::default();
    let running = start(&probe, broker.settings(&api, "probe", &[("STARTUP_REQUIRED", "true")]));
    broker.send(&json!({"body": {"n": 1}}), 1, json!({"messageId": "m-1"})).await;
    broker.take(&broker.data, 1, 20).await;
    stop(running).await.unwrap();
    let methods: Vec<String> =
        api.requests().into_iter().filter(|r| r.path.contains("/startup/data")).map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "DELETE", "POST"]);
    let stored = api.state.lock().unwrap().hook_data.clone();
    assert_eq!(stored, Some(json!({"hookId": "hook-1", "account": "acc-1"})));

    // HOOK_SHUTDOWN: no AMQP settings at all.
    let mut vars: HashMap<String, String> = HashMap::new();
    for (k, v) in [
        ("FLOW_ID", "flow-1"),
        ("EXEC_ID", "exec-1"),
        ("STEP_ID", "step_2"),
        ("CONTAINER_ID", "c"),
        ("WORKSPACE_ID", "w"),
        ("USER_ID", "u"),
        ("COMP_ID", "comp"),
        ("FUNCTION", "probe"),
        ("API_URI", api.uri().as_str()),
        ("API_USERNAME", API_USER),
        ("API_KEY", API_KEY),
        ("HOOK_SHUTDOWN", "true"),
    ] {
        vars.insert(format!("ELASTICIO_{k}"), v.to_string());
    }
    let settings = Settings::from_map(&vars).unwrap();
    let component = Component::new().function("probe", probe.clone());
    run_sail_until(&component, settings, std::future::pending()).await.unwrap();
    let shutdowns = probe.0.lock().unwrap().shutdowns.clone();
    assert_eq!(shutdowns, vec![(default_cfg(), json!({"hookId": "hook-1", "account": "acc-1"}))]);
    assert_eq!(api.state.lock().unwrap().hook_data, None, "deleted after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_function_and_unreachable_api_fail_at_startup() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let component = Component::new().function("probe", Probe::default());
    let err = run_sail_until(&component, broker.settings(&api, "nope", &[]), std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("\"nope\"") && err.to_string().contains("probe"), "{err}");

    let mut settings = broker.settings(&api, "probe", &[("API_REQUEST_RETRY_ATTEMPTS", "1")]);
    settings.api_key = "wrong".into();
    let err = run_sail_until(&component, settings, std::future::pending()).await.unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    assert!(!err.to_string().contains("wrong"), "no credentials in errors: {err}");
}
