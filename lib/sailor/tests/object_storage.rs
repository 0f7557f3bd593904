//! The object-storage client against a local store speaking the platform's protocol: requests
//! look as the platform's own client (`@elastic.io/maester-client`, used by the Node sailor)
//! makes them; and the sail mode's size threshold, against the test RabbitMQ (from `scripts/test`).

use sailor_testkit as common;

use common::object_store::ObjectStore;
use common::{IV, PASSWORD};
use sailor::{MessageCrypto, ObjectStorage};
use serde_json::json;

const TOKEN: &str = "storage-token-not-a-real-secret";

fn crypto() -> MessageCrypto {
    MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap()
}

#[tokio::test]
async fn an_upload_is_labelled_and_authorised_as_the_platform_client_does_it() {
    let store = ObjectStore::start(TOKEN).await;
    let client = ObjectStorage::new(&format!("{}/", store.uri), TOKEN, crypto(), "flow-1", "step_2");
    let body = json!({"subject": "Stored", "n": 1});
    let id = client.put(&body).await.expect("stored");

    let requests = store.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let upload = &requests[0];
    assert_eq!((upload.method.as_str(), upload.path.as_str()), ("POST", "/objects"));
    assert_eq!(upload.object_id.as_deref(), Some(id.as_str()));
    assert_eq!(upload.authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(upload.request_id.as_deref(), Some("f:flow-1;s:step_2;m:"));
    // The platform's client labels an encrypted body it cannot sniff as JSON.
    assert_eq!(upload.content_type.as_deref(), Some("application/json"));
    // Stored as the encrypted JSON, raw bytes.
    let plain = crypto().decrypt(&store.object(&id).unwrap(), 2).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&plain).unwrap(), body);
}

#[tokio::test]
async fn a_stored_object_reads_back_and_a_missing_one_is_a_clear_error() {
    let store = ObjectStore::start(TOKEN).await;
    store.insert("obj-1", crypto().encrypt(br#"{"big":"body"}"#, 2));
    let client = ObjectStorage::new(&store.uri, TOKEN, crypto(), "flow-1", "step_2");
    assert_eq!(client.get("obj-1").await.unwrap(), json!({"big": "body"}));
    let read = &store.requests()[0];
    assert_eq!((read.method.as_str(), read.path.as_str()), ("GET", "/objects/obj-1"));
    assert_eq!(read.authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));

    let missing = client.get("obj-2").await.unwrap_err();
    assert!(missing.contains("obj-2") && missing.contains("404"), "{missing}");
    let wrong = ObjectStorage::new(&store.uri, "another-token", crypto(), "flow-1", "step_2");
    let refused = wrong.get("obj-1").await.unwrap_err();
    assert!(refused.contains("401") && !refused.contains("another-token"), "{refused}");
}

/// Emits the input's `emit` value as the body of one data message.
struct Emit;

#[async_trait::async_trait]
impl sailor::Function for Emit {
    async fn process(&self, ctx: sailor::Context, input: sailor::Input) -> Result<(), sailor::FunctionError> {
        let body = input.msg.body.get("emit").cloned().unwrap_or_default();
        ctx.emit(sailor::Event::Data(sailor::Message::new(body)))
            .await
            .map_err(|e| sailor::FunctionError::new("EmitError", e.to_string()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_goes_light_only_when_larger_than_the_threshold() {
    let broker = common::Broker::new().await;
    let step = json!({"id": "step_2", "config": {}, "snapshot": {}, "is_passthrough": false});
    let api = common::FakeApi::start(step, &[]).await;
    let store = ObjectStore::start(TOKEN).await;
    let settings = broker.settings(
        &api,
        "emit",
        &[
            ("OBJECT_STORAGE_URI", &store.uri),
            ("OBJECT_STORAGE_TOKEN", TOKEN),
            ("EMIT_LIGHTWEIGHT_MESSAGE", "true"),
            ("OBJECT_STORAGE_SIZE_THRESHOLD", "40"),
        ],
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        let component = sailor::Component::new().function("emit", Emit);
        sailor::run_sail_until(&component, settings, async move {
            let _ = stopped.await;
        })
        .await
    });
    // As JSON, `{"text":"…"}` is 11 bytes more than its text; non-ASCII counts in UTF-8 bytes.
    let at_threshold = json!({"text": "é".repeat(14) + "x"});
    let above = json!({"text": "é".repeat(15)});
    assert_eq!((at_threshold.to_string().len(), above.to_string().len()), (40, 41));
    broker.send(&json!({"body": {"emit": at_threshold}}), 1, json!({"messageId": "m-1"})).await;
    broker.send(&json!({"body": {"emit": above}}), 1, json!({"messageId": "m-2"})).await;
    let data = broker.take(&broker.data, 2, 30).await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), running).await;

    let inline = data[0].decrypt(1);
    assert_eq!(inline["body"], at_threshold, "at the threshold: inline");
    assert!(inline["headers"].get("x-ipaas-object-storage-id").is_none(), "{inline}");
    let light = data[1].decrypt(1);
    assert_eq!(light["body"], json!({}), "above the threshold: light");
    let id = light["headers"]["x-ipaas-object-storage-id"].as_str().expect("object id");
    let stored = crypto().decrypt(&store.object(id).expect("stored"), 2).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&stored).unwrap(), above);
    assert_eq!(store.requests_with("POST").len(), 1);
}
