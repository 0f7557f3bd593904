//! The object-storage client against a local store speaking the platform's protocol: requests
//! look as the platform's own client (`@elastic.io/maester-client`, used by the Node sailor)
//! makes them.

mod common;

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
