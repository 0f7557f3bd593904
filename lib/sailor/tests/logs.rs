//! The log lines of a flow step, as the platform's Executions page reads them: bunyan records with
//! the Node sailor's context fields and no secrets. Against a real RabbitMQ (from `scripts/test`).
//!
//! One test in this binary: it installs the process-wide log subscriber.

use std::time::Duration;

use async_trait::async_trait;
use sailor::logging::JsonLogLayer;
use sailor::{Component, Context, Function, FunctionError, Input, Message};
use sailor_testkit::*;
use serde_json::{json, Value};
use tracing_subscriber::layer::SubscriberExt;

/// Logs carelessly: the token it was configured with, and the new one it saves.
struct Careless;

#[async_trait]
impl Function for Careless {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let token = input.cfg["oauth"]["access_token"].as_str().unwrap_or_default().to_string();
        tracing::info!(token = %token, "calling the API with {token}");
        let _ = ctx
            .update_keys(
                json!({"oauth": {"access_token": "at-new-0987654321", "refresh_token": "rt-new-0987654321"}}),
            )
            .await;
        tracing::warn!("refreshed to at-new-0987654321");
        ctx.emit(sailor::Event::Data(Message::new(json!({"ok": true}))))
            .await
            .map_err(|e| FunctionError::new("EmitError", e.to_string()))
    }
}

const ACCESS_TOKEN: &str = "at-secret-1234567890";
const REFRESH_TOKEN: &str = "rt-secret-1234567890";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_logs_are_bunyan_records_with_the_step_context_and_no_secrets() {
    let broker = Broker::new().await;
    let cfg =
        json!({"_account": "acc-1", "oauth": {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}});
    let api = FakeApi::start(json!({"config": cfg, "snapshot": {}}), &[]).await;
    let env = broker.env(&api, "careless", &[("OBJECT_STORAGE_TOKEN", "storage-token-1234567")]);
    let buf = SharedBuf::default();
    let layer = JsonLogLayer::from_lookup(buf.clone(), |n| env.get(n).cloned());
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::EnvFilter::new("debug")).with(layer);
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");

    let component = Component::new().function("careless", Careless);
    let settings = sailor::Settings::from_map(&env).unwrap();
    let running = Running::start(component, settings);
    broker
        .send(
            &json!({"body": {}}),
            1,
            json!({"messageId": "m-1", "parentMessageId": "p-1", "threadId": "t-1"}),
        )
        .await;
    broker.take(&broker.data, 1, 30).await;
    running.stop(Duration::from_secs(30)).await.unwrap();

    let text = buf.text();
    for secret in [
        API_KEY,
        PASSWORD,
        IV,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        "at-new-0987654321",
        "rt-new-0987654321",
        "storage-token-1234567",
    ] {
        assert!(!text.contains(secret), "{secret} in the logs:\n{text}");
    }
    let lines: Vec<Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON record per line")).collect();
    assert!(lines.len() > 5, "{text}");
    for line in &lines {
        assert!(matches!(line["name"].as_str(), Some("sailor" | "component")), "{line}");
        assert!(line["hostname"].as_str().is_some_and(|h| !h.is_empty()), "{line}");
        assert_eq!(line["pid"], std::process::id(), "{line}");
        assert!(matches!(line["level"].as_u64(), Some(10 | 20 | 30 | 40 | 50 | 60)), "{line}");
        assert!(line["msg"].is_string(), "{line}");
        assert!(
            line["time"].as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()),
            "{line}"
        );
        assert_eq!(line["v"], 0, "{line}");
        assert_eq!(line["ELASTICIO_FLOW_ID"], "flow-1", "{line}");
        assert_eq!(line["ELASTICIO_STEP_ID"], "step_2", "{line}");
        assert_eq!(line["ELASTICIO_EXEC_ID"], "exec-1", "{line}");
        assert_eq!(line["ELASTICIO_FUNCTION"], "careless", "{line}");
        assert_eq!(line["tag"], "flow-1", "{line}");
    }
    let call = lines
        .iter()
        .find(|l| l["msg"].as_str().is_some_and(|m| m.starts_with("calling the API")))
        .expect("the component's line");
    assert_eq!(call["name"], "component");
    assert_eq!(call["level"], 30);
    assert_eq!(call["msg"], "calling the API with ***");
    assert_eq!(call["token"], "***");
    assert_eq!(call["messageId"], "m-1");
    assert_eq!(call["parentMessageId"], "p-1");
    assert_eq!(call["threadId"], "t-1");
    let warn =
        lines.iter().find(|l| l["msg"] == "refreshed to ***").expect("the refreshed token is masked too");
    assert_eq!(warn["level"], 40);
    assert!(lines.iter().any(|l| l["name"] == "sailor" && l["msg"] == "message received"));
}
