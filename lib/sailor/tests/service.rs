//! The service mode posting its answers to a fake platform on 127.0.0.1.

use std::collections::HashMap;

use async_trait::async_trait;
use sailor::{run_service_with, Component, Context, Function, FunctionError, Input, ServiceEnv, Services};
use sailor_testkit::*;
use serde_json::{json, Value};

struct Noop;

#[async_trait]
impl Function for Noop {
    async fn process(&self, _ctx: Context, _input: Input) -> Result<(), FunctionError> {
        Ok(())
    }
}

struct Svc;

#[async_trait]
impl Services for Svc {
    async fn verify_credentials(&self, _ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        if cfg.get("fail").is_some() {
            return Err(FunctionError::new("AuthError", "the token was rejected"));
        }
        Ok(json!({"verified": true}))
    }

    async fn get_meta_model(&self, ctx: Context, function: &str, cfg: Value) -> Result<Value, FunctionError> {
        ctx.update_keys(json!({"oauth": {"access_token": "refreshed"}}))
            .await
            .map_err(|e| FunctionError::new("EmitError", e.to_string()))?;
        Ok(json!({"in": {"type": "object"}, "out": {"function": function, "key": cfg["organizerKey"]}}))
    }

    async fn select_model(&self, _ctx: Context, method: &str, _cfg: Value) -> Result<Value, FunctionError> {
        match method {
            "webinars" => Ok(json!({"24576065432313123456": "Big webinar"})),
            other => Err(FunctionError::new("ModelError", format!("no model {other}"))),
        }
    }
}

/// Logs the token it was given, carelessly.
struct Careless;

#[async_trait]
impl Services for Careless {
    async fn verify_credentials(&self, _ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        tracing::info!("checking {}", cfg["oauth"]["access_token"]);
        Ok(json!({"verified": true}))
    }

    async fn get_meta_model(&self, _ctx: Context, _f: &str, _cfg: Value) -> Result<Value, FunctionError> {
        Ok(json!({}))
    }

    async fn select_model(&self, _ctx: Context, _m: &str, _cfg: Value) -> Result<Value, FunctionError> {
        Ok(json!({}))
    }
}

// Current-thread runtime: the log subscriber set for this thread sees the lines of the call (those
// of callsites no other test of this binary uses: tracing caches callsite interest process-wide).
#[tokio::test]
async fn serve_logs_are_bunyan_records_without_the_configuration_tokens() {
    use tracing_subscriber::layer::SubscriberExt;
    let api = FakeApi::start(json!({}), &[]).await;
    let cfg = r#"{"oauth": {"access_token": "service-access-token-123"}}"#;
    let vars: HashMap<&str, &str> =
        [("ELASTICIO_FLOW_ID", "flow-9"), ("ELASTICIO_API_KEY", API_KEY), ("ELASTICIO_CFG", cfg)]
            .into_iter()
            .collect();
    let buf = SharedBuf::default();
    let layer =
        sailor::logging::JsonLogLayer::from_lookup(buf.clone(), |n| vars.get(n).map(|v| v.to_string()));
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let component = Component::new().function("listWebinars", Noop).services(Careless);
    run_service_with(&component, "verifyCredentials", env(&api, cfg, &[])).await.unwrap();
    let text = buf.text();
    assert!(!text.contains("service-access-token-123"), "{text}");
    assert!(!text.contains(API_KEY), "{text}");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let checking = lines
        .iter()
        .find(|l| l["msg"].as_str().is_some_and(|m| m.starts_with("checking")))
        .expect("the line");
    assert_eq!(checking["msg"], "checking \"***\"");
    for l in &lines {
        assert_eq!((l["v"].as_u64(), l["tag"].as_str()), (Some(0), Some("flow-9")), "{l}");
        assert!(
            l["level"].is_u64() && l["pid"].is_u64() && l["hostname"].is_string() && l["time"].is_string(),
            "{l}"
        );
    }
}

fn component() -> Component {
    Component::new().function("listWebinars", Noop).services(Svc)
}

fn env(api: &FakeApi, cfg: &str, extra: &[(&str, &str)]) -> ServiceEnv {
    let mut vars: HashMap<String, String> = HashMap::new();
    let api_uri = api.uri();
    let result = format!("{}/result", api.uri());
    for (k, v) in [
        ("ELASTICIO_POST_RESULT_URL", result.as_str()),
        ("ELASTICIO_CFG", cfg),
        ("ELASTICIO_API_URI", api_uri.as_str()),
        ("ELASTICIO_API_USERNAME", API_USER),
        ("ELASTICIO_API_KEY", API_KEY),
        ("ELASTICIO_API_REQUEST_RETRY_DELAY", "5"),
    ]
    .iter()
    .chain(extra)
    {
        vars.insert(k.to_string(), v.to_string());
    }
    ServiceEnv::from_lookup(move |k| vars.get(k).cloned()).unwrap()
}

fn posted(api: &FakeApi) -> Vec<Value> {
    api.requests_to("POST", "/result").into_iter().map(|r| r.body).collect()
}

#[tokio::test]
async fn verify_credentials_answers_verified_or_the_reason() {
    let api = FakeApi::start(json!({}), &[]).await;
    run_service_with(&component(), "verifyCredentials", env(&api, r#"{"oauth":{}}"#, &[])).await.unwrap();
    run_service_with(&component(), "verifyCredentials", env(&api, r#"{"fail":1}"#, &[])).await.unwrap();
    assert_eq!(
        posted(&api),
        [
            json!({"status": "success", "data": {"verified": true}}),
            json!({"status": "success", "data": {"verified": false, "reason": "the token was rejected"}}),
        ]
    );
}

#[tokio::test]
async fn get_meta_model_saves_updated_keys_and_keeps_long_integers() {
    let api = FakeApi::start(json!({}), &[("acc-7", json!({"id": "acc-7", "keys": {}}))]).await;
    let cfg = r#"{"_account":"acc-7","organizerKey":24576065432313123456}"#;
    let e = env(&api, cfg, &[("ELASTICIO_ACTION_OR_TRIGGER", "listWebinars")]);
    run_service_with(&component(), "getMetaModel", e).await.unwrap();
    assert_eq!(
        posted(&api),
        [json!({"status": "success", "data": {"in": {"type": "object"},
            "out": {"function": "listWebinars", "key": "24576065432313123456"}}})]
    );
    let puts = api.requests_to("PUT", "/v1/accounts/acc-7");
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body, json!({"keys": {"oauth": {"access_token": "refreshed"}}}));
}

#[tokio::test]
async fn select_model_errors_are_posted_as_errors() {
    let api = FakeApi::start(json!({}), &[]).await;
    let ok = env(
        &api,
        "{}",
        &[("ELASTICIO_ACTION_OR_TRIGGER", "listWebinars"), ("ELASTICIO_GET_MODEL_METHOD", "webinars")],
    );
    run_service_with(&component(), "selectModel", ok).await.unwrap();
    let bad = env(
        &api,
        "{}",
        &[("ELASTICIO_ACTION_OR_TRIGGER", "listWebinars"), ("ELASTICIO_GET_MODEL_METHOD", "rooms")],
    );
    run_service_with(&component(), "selectModel", bad).await.unwrap();
    let missing = env(&api, "{}", &[("ELASTICIO_ACTION_OR_TRIGGER", "listWebinars")]);
    run_service_with(&component(), "selectModel", missing).await.unwrap();
    assert_eq!(
        posted(&api),
        [
            json!({"status": "success", "data": {"24576065432313123456": "Big webinar"}}),
            json!({"status": "error", "data": {"message": "no model rooms"}}),
            json!({"status": "error", "data": {"message": "ELASTICIO_GET_MODEL_METHOD is not provided"}}),
        ]
    );
}

#[tokio::test]
async fn unknown_method_and_unreachable_result_url_are_errors() {
    let api = FakeApi::start(json!({}), &[]).await;
    let err = run_service_with(&component(), "deleteEverything", env(&api, "{}", &[])).await.unwrap_err();
    assert!(err.to_string().contains("verifyCredentials"), "{err}");
    assert!(posted(&api).is_empty());

    // A port nothing listens on: the answer cannot be delivered, after the retries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut e = env(&api, "{}", &[("ELASTICIO_API_REQUEST_RETRY_ATTEMPTS", "1")]);
    e.post_result_url = format!("http://127.0.0.1:{port}/result");
    let err = run_service_with(&component(), "verifyCredentials", e).await.unwrap_err();
    assert!(err.to_string().contains("ELASTICIO_POST_RESULT_URL"), "{err}");
}
