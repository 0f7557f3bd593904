//! Behaviour the Node sailor (2.7.8) has and the sail mode matches, against a real RabbitMQ (from
//! `scripts/test`), a fake platform API and a local object storage.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::BasicProperties;
use sailor::{
    run_sail_until, run_sail_with_env, Component, Context, Function, FunctionError, Input, Message,
};
use sailor_testkit::object_store::ObjectStore;
use sailor_testkit::*;
use serde_json::{json, Value};

/// Echoes what it received; the input body steers it.
#[derive(Clone, Default)]
struct Echo;

fn emit_err(e: sailor::EmitError) -> FunctionError {
    FunctionError::new("EmitError", e.to_string())
}

#[async_trait]
impl Function for Echo {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let body = input.msg.body.clone();
        if let Some(r) = body.get("rebound").and_then(Value::as_str) {
            return ctx.rebound(r).await.map_err(emit_err);
        }
        if let Some(m) = body.get("fail").and_then(Value::as_str) {
            return Err(FunctionError::new("EchoError", m));
        }
        if let Some(s) = body.get("updateSnapshot") {
            ctx.update_snapshot(s.clone()).await.map_err(emit_err)?;
        }
        if let Some(size) = body.get("emitBig").and_then(Value::as_u64) {
            let _ =
                ctx.emit(sailor::Event::Data(Message::new(json!({"big": "y".repeat(size as usize)})))).await;
            return Ok(());
        }
        let count = body.get("count").and_then(Value::as_u64).unwrap_or(1);
        for i in 0..count {
            let mut out = Message::new(json!({
                "i": i,
                "received": body,
                "headers": input.msg.headers,
                "passthrough": input.msg.passthrough,
            }));
            out.headers.insert("echo".into(), json!(true));
            let _ = ctx.emit(sailor::Event::Data(out)).await;
        }
        Ok(())
    }

    async fn startup(&self, _ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        match cfg.get("failStartup").and_then(Value::as_str) {
            Some(m) => Err(FunctionError::new("StartupError", m)),
            None => Ok(json!({})),
        }
    }

    async fn init(&self, _ctx: Context, cfg: Value) -> Result<(), FunctionError> {
        match cfg.get("failInit").and_then(Value::as_str) {
            Some(m) => Err(FunctionError::new("InitError", m)),
            None => Ok(()),
        }
    }
}

fn step(config: Value, passthrough: bool) -> Value {
    json!({"id": "step_2", "config": config, "snapshot": {}, "is_passthrough": passthrough})
}

/// The echo step running until [`stop`].
fn start(settings: sailor::Settings) -> Running {
    Running::start(Component::new().function("echo", Echo), settings)
}

/// Stops a step, which must end within 60 s.
async fn stop(running: Running) -> Result<(), sailor::SailError> {
    running.stop(Duration::from_secs(60)).await
}

fn crypto() -> sailor::MessageCrypto {
    sailor::MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap()
}

/// Declares a queue whose rejected messages go to `broker.custom`, so a test tells acks from rejects.
async fn dead_lettering_input(broker: &Broker) -> String {
    let name = unique("in-dlx");
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from(broker.exchange.clone())),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(LongString::from(broker.custom.clone())),
    );
    broker.channel.queue_declare(name.as_str().into(), QueueDeclareOptions::default(), args).await.unwrap();
    name
}

async fn send_to(broker: &Broker, queue: &str, msg: &Value, headers: Value) {
    let payload = crypto().encrypt_json(msg, 1);
    broker
        .channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            &payload,
            BasicProperties::default().with_headers(to_table(&headers)),
        )
        .await
        .unwrap()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn additional_headers_message_id_and_persistence() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let extra = [
        ("ADDITIONAL_VARS_FOR_HEADERS", "ELASTICIO_TENANT_ID, ELASTICIO_CONTRACT_ID"),
        ("TENANT_ID", "tenant-7"),
        ("CONTRACT_ID", "contract-3"),
        ("AMQP_PERSISTENT_MESSAGES", "true"),
    ];
    let running = start(broker.settings(&api, "echo", &extra));
    broker.send(&json!({"body": {"n": 1}}), 1, json!({"messageId": "in-1"})).await;
    broker.send(&json!({"body": {"fail": "no"}}), 1, json!({"messageId": "in-2"})).await;
    let data = broker.take(&broker.data, 1, 30).await;
    let errors = broker.take(&broker.error, 1, 30).await;
    stop(running).await.unwrap();

    let d = &data[0];
    let msg = d.decrypt(1);
    assert_eq!(d.header("messageId"), &msg["id"], "the header is the emitted message's id");
    assert_eq!(d.header("parentMessageId"), "in-1");
    assert_eq!(d.header("tenantId"), "tenant-7");
    assert_eq!(d.header("contractId"), "contract-3");
    assert_eq!(d.delivery_mode, Some(2), "persistent");
    assert_eq!(errors[0].header("tenantId"), "tenant-7");
    assert_eq!(errors[0].delivery_mode, Some(2));

    // Without the setting, messages are transient (delivery mode 1) and carry no extra headers.
    let running = start(broker.settings(&api, "echo", &[]));
    broker.send(&json!({"body": {"n": 2}}), 1, json!({"messageId": "in-3"})).await;
    let data = broker.take(&broker.data, 1, 30).await;
    stop(running).await.unwrap();
    assert_eq!(data[0].delivery_mode, Some(1));
    assert_eq!(data[0].header("tenantId"), &Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_over_the_rate_limit_is_delayed_not_dropped() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    // Two data messages per 10 s: the third of one message's five waits for the next window.
    let settings = broker.settings(&api, "echo", &[("DATA_RATE_LIMIT", "2"), ("RATE_INTERVAL", "10000")]);
    let running = start(settings);
    broker.send(&json!({"body": {"count": 3}}), 1, json!({"messageId": "in-1"})).await;
    let first = broker.take(&broker.data, 2, 30).await;
    let early = broker.drain(&broker.data, 300).await;
    assert!(early.is_empty(), "the third data message waits for the next window, got {} early", early.len());
    let third = broker.take(&broker.data, 1, 40).await;
    stop(running).await.unwrap();
    let order: Vec<Value> = first.iter().chain(&third).map(|r| r.decrypt(1)["body"]["i"].clone()).collect();
    assert_eq!(order, [json!(0), json!(1), json!(2)], "all three, in order");
    assert_eq!(broker.input_counts().await, (0, 0), "the message is acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_rebound_limit_the_error_is_published_and_the_message_acknowledged() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let input = dead_lettering_input(&broker).await;
    let settings = broker.settings(&api, "echo", &[("REBOUND_LIMIT", "2"), ("LISTEN_MESSAGES_ON", &input)]);
    let running = start(settings);
    send_to(
        &broker,
        &input,
        &json!({"body": {"rebound": "busy"}}),
        json!({"messageId": "m-1", "reboundIteration": 2}),
    )
    .await;
    let errors = broker.take(&broker.error, 1, 30).await;
    // A failing message is rejected: it shows that the queue dead-letters what is rejected.
    send_to(&broker, &input, &json!({"body": {"fail": "boom"}}), json!({"messageId": "m-2"})).await;
    let dead = broker.take(&broker.custom, 1, 30).await;
    let more_dead = broker.drain(&broker.custom, 500).await;
    stop(running).await.unwrap();

    assert_eq!(decrypt_b64(errors[0].json()["error"].as_str().unwrap())["message"], "Rebound limit exceeded");
    assert!(broker.drain(&broker.rebound, 200).await.is_empty());
    assert_eq!(dead[0].header("messageId"), "m-2", "only the failed message is rejected");
    assert!(more_dead.is_empty(), "the message past the rebound limit is acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_snapshot_with_set_is_a_warning_not_an_error() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let running = start(broker.settings(&api, "echo", &[]));
    broker
        .send(&json!({"body": {"updateSnapshot": {"$set": {"a": 1}}}}), 1, json!({"messageId": "m-1"}))
        .await;
    let data = broker.take(&broker.data, 1, 30).await;
    let errors = broker.drain(&broker.error, 300).await;
    let snapshots = broker.drain(&broker.snapshot, 100).await;
    stop(running).await.unwrap();
    assert_eq!(data.len(), 1);
    assert!(errors.is_empty(), "no error message");
    assert!(snapshots.is_empty(), "the update is not applied");
    assert_eq!(broker.input_counts().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_handler_steps_receive_the_error_envelope() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let running = start(broker.settings(&api, "echo", &[("INPUT_FORMAT", "error")]));
    let c = crypto();
    let failed = json!({"id": "orig-1", "body": {"webinarKey": "123"}, "headers": {}});
    let envelope = json!({
        "error": String::from_utf8(c.encrypt_json(&json!({"name": "InputError", "message": "bad", "stack": "s"}), 1)).unwrap(),
        "errorInput": String::from_utf8(c.encrypt_json(&failed, 1)).unwrap(),
    });
    // The envelope is plain JSON whatever the protocol version says.
    broker
        .send_raw(
            envelope.to_string().as_bytes(),
            to_table(&json!({"messageId": "e-1", "protocolVersion": 2, "stepId": "step_1"})),
        )
        .await;
    let data = broker.take(&broker.data, 1, 30).await;
    stop(running).await.unwrap();
    let body = &data[0].decrypt(1)["body"];
    assert_eq!(body["received"]["error"], json!({"name": "InputError", "message": "bad", "stack": "s"}));
    assert_eq!(body["received"]["errorInput"], failed);
    assert_eq!(body["headers"]["stepId"], "step_1", "the AMQP headers are the message headers");
}

// ---------------------------------------------------------------------------------------------
// Object storage

const STORAGE_TOKEN: &str = "storage-token-not-real";

fn stored(store: &ObjectStore, id: &str) -> Value {
    let bytes = store.object(id).expect("object stored");
    let plain = crypto().decrypt(&bytes, 2).expect("encrypted with the message cipher, raw bytes");
    serde_json::from_slice(&plain).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lightweight_messages_are_fetched_before_processing() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let store = ObjectStore::start(STORAGE_TOKEN).await;
    let uri = store.uri.clone();
    let c = crypto();
    store.insert("body-1", c.encrypt(br#"{"webinarKey":"42","big":true}"#, 2));
    store.insert("pt-1", c.encrypt(br#"{"earlier":"body"}"#, 2));
    let settings = broker.settings(
        &api,
        "echo",
        &[("OBJECT_STORAGE_URI", &uri), ("OBJECT_STORAGE_TOKEN", STORAGE_TOKEN)],
    );
    let running = start(settings);
    broker
        .send(
            &json!({
                "body": {},
                "headers": {"x-ipaas-object-storage-id": "body-1"},
                "passthrough": {"step_1": {"body": {}, "headers": {"x-ipaas-object-storage-id": "pt-1"}}}
            }),
            1,
            json!({"messageId": "m-1"}),
        )
        .await;
    let data = broker.take(&broker.data, 1, 30).await;
    // An object that is not there: an error, and the message is rejected.
    broker
        .send(
            &json!({"body": {}, "headers": {"x-ipaas-object-storage-id": "missing"}}),
            1,
            json!({"messageId": "m-2"}),
        )
        .await;
    let errors = broker.take(&broker.error, 1, 30).await;
    stop(running).await.unwrap();

    let body = &data[0].decrypt(1)["body"];
    assert_eq!(body["received"], json!({"webinarKey": "42", "big": true}));
    assert_eq!(body["passthrough"]["step_1"]["body"], json!({"earlier": "body"}));
    let error = decrypt_b64(errors[0].json()["error"].as_str().unwrap());
    assert!(error["message"].as_str().unwrap().contains("missing"), "{error}");
    assert!(!error["message"].as_str().unwrap().contains(STORAGE_TOKEN), "{error}");
    let requests = store.requests();
    assert!(requests.iter().any(|r| r.method == "GET" && r.path == "/objects/body-1"), "{requests:?}");
    assert!(requests.iter().all(|r| r.request_id.as_deref() == Some("f:flow-1;s:step_2;m:")), "{requests:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_outgoing_bodies_are_stored_and_sent_as_lightweight_messages() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), true), &[]).await;
    let store = ObjectStore::start(STORAGE_TOKEN).await;
    let uri = store.uri.clone();
    let settings = broker.settings(
        &api,
        "echo",
        &[
            ("OBJECT_STORAGE_URI", &uri),
            ("OBJECT_STORAGE_TOKEN", STORAGE_TOKEN),
            ("EMIT_LIGHTWEIGHT_MESSAGE", "true"),
            ("OBJECT_STORAGE_SIZE_THRESHOLD", "1000"),
        ],
    );
    let running = start(settings);
    broker.send(&json!({"body": {"emitBig": 2000}}), 1, json!({"messageId": "m-1"})).await;
    broker.send(&json!({"body": {"emitBig": 10}}), 1, json!({"messageId": "m-2"})).await;
    let data = broker.take(&broker.data, 2, 30).await;
    stop(running).await.unwrap();

    let big = data[0].decrypt(1);
    assert_eq!(big["body"], json!({}), "sent without its body");
    let id = big["headers"]["x-ipaas-object-storage-id"].as_str().expect("object id header").to_string();
    assert_eq!(stored(&store, &id), json!({"big": "y".repeat(2000)}));
    // The step's own passthrough entry is the lightweight message too.
    assert_eq!(big["passthrough"]["step_2"]["headers"]["x-ipaas-object-storage-id"], id.as_str());
    let small = data[1].decrypt(1);
    assert_eq!(small["body"], json!({"big": "y".repeat(10)}), "below the threshold: inline");
    assert!(small["headers"].get("x-ipaas-object-storage-id").is_none());
    let posts = store.requests_with("POST").len();
    assert_eq!(posts, 1);
}

// ---------------------------------------------------------------------------------------------
// Start-up failures

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_broker_connect_is_tried_again_as_configured() {
    let broker = Broker::new().await;
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    // A "broker" that hangs up on every connection, counting them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("amqp://guest:guest@{}/%2f", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let settings = broker.settings_with_uri(
        &uri,
        &api,
        "echo",
        &[("AMQP_RECONNECT_ATTEMPTS", "2"), ("AMQP_RECONNECT_TIMEOUT", "10")],
    );
    let component = Component::new().function("echo", Echo);
    let err = run_sail_until(&component, settings, std::future::pending()).await.unwrap_err();
    assert!(matches!(err, sailor::SailError::Amqp(_)), "{err}");
    assert!(!err.to_string().contains(":guest@"), "no broker password: {err}");
    // The publishing and the consuming connection are opened side by side, as the Node sailor
    // opens its write and read connections, each with one attempt and two more.
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 6, "two connections, three attempts each");
}

/// The one start-up error on the error queue: its decrypted `{name, message}` and headers.
async fn startup_error(broker: &Broker) -> (Value, Received) {
    let errors = broker.take(&broker.error, 1, 30).await;
    let e = &errors[0];
    assert!(e.json().get("errorInput").is_none(), "no input to report");
    (decrypt_b64(e.json()["error"].as_str().unwrap()), e.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_failures_are_reported_to_the_error_queue() {
    let broker = Broker::new().await;
    let component = Component::new().function("echo", Echo);

    // init fails
    let api = FakeApi::start(step(json!({"failInit": "cannot init"}), false), &[]).await;
    let extra = [("ADDITIONAL_VARS_FOR_HEADERS", "ELASTICIO_TENANT_ID"), ("TENANT_ID", "t-1")];
    let err = run_sail_until(&component, broker.settings(&api, "echo", &extra), std::future::pending())
        .await
        .unwrap_err();
    let (e, received) = startup_error(&broker).await;
    assert_eq!(e["name"], "InitError");
    assert!(e["message"].as_str().unwrap().contains("cannot init"), "{e}");
    assert!(err.to_string().contains("cannot init"));
    assert_eq!(received.header("taskId"), "flow-1");
    assert_eq!(received.header("stepId"), "step_2");
    assert_eq!(received.header("execId"), "exec-1");
    assert_eq!(received.header("function"), "echo");
    assert_eq!(received.header("tenantId"), "t-1");
    assert!(received.header("messageId").as_str().is_some_and(|m| uuid::Uuid::parse_str(m).is_ok()));

    // startup fails
    let api = FakeApi::start(step(json!({"failStartup": "no webhook"}), false), &[]).await;
    let settings = broker.settings(&api, "echo", &[("STARTUP_REQUIRED", "true")]);
    run_sail_until(&component, settings, std::future::pending()).await.unwrap_err();
    let (e, _) = startup_error(&broker).await;
    assert_eq!(e["name"], "StartupError");

    // the step cannot be read (wrong API key)
    let api = FakeApi::start(step(json!({}), false), &[]).await;
    let mut settings = broker.settings(&api, "echo", &[("API_REQUEST_RETRY_ATTEMPTS", "1")]);
    settings.api_key = "wrong-api-key".into();
    run_sail_until(&component, settings, std::future::pending()).await.unwrap_err();
    let (e, _) = startup_error(&broker).await;
    assert!(e["message"].as_str().unwrap().contains("401"), "{e}");
    assert!(!e.to_string().contains("wrong-api-key"), "{e}");

    // the function is unknown
    run_sail_until(&component, broker.settings(&api, "nope", &[]), std::future::pending()).await.unwrap_err();
    let (e, _) = startup_error(&broker).await;
    assert_eq!(e["name"], "UnknownFunction");

    // the queue does not exist
    let settings = broker.settings(&api, "echo", &[("LISTEN_MESSAGES_ON", "no-such-queue-here")]);
    run_sail_until(&component, settings, std::future::pending()).await.unwrap_err();
    let (e, _) = startup_error(&broker).await;
    assert!(e["message"].as_str().unwrap().contains("no-such-queue-here"), "{e}");

    // the environment is incomplete, but the broker settings are there
    let mut env = broker.env(&api, "echo", &[]);
    env.remove("ELASTICIO_API_KEY");
    env.insert("ELASTICIO_REBOUND_LIMIT".into(), "many".into());
    let err =
        run_sail_with_env(&component, |n| env.get(n).cloned(), std::future::pending()).await.unwrap_err();
    assert!(matches!(err, sailor::SailError::Settings(_)), "{err}");
    let (e, received) = startup_error(&broker).await;
    assert_eq!(e["name"], "ConfigurationError");
    assert!(e["message"].as_str().unwrap().contains("ELASTICIO_API_KEY"), "{e}");
    assert_eq!(received.header("taskId"), "flow-1");

    // without the broker settings nothing can be sent: the error is returned all the same
    env.remove("ELASTICIO_ERROR_ROUTING_KEY");
    let err =
        run_sail_with_env(&component, |n| env.get(n).cloned(), std::future::pending()).await.unwrap_err();
    assert!(err.to_string().contains("ELASTICIO_API_KEY"), "{err}");
    assert!(broker.drain(&broker.error, 300).await.is_empty());
}
