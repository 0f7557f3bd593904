//! The platform's clients share one reading of the system's root certificates, and the platform
//! API's client reads them only when it is first used, so a step can read them while it connects
//! to the broker. One test in its own binary: it points the process's `SSL_CERT_FILE` at a file
//! of its own.

use std::time::Duration;

use sailor::{MessageCrypto, ObjectStorage, PlatformApi};
use sailor_testkit::{FakeApi, API_KEY, API_USER, IV, PASSWORD};
use serde_json::json;

/// A self-signed root of no use but being a certificate that parses.
const ROOT: &str = include_str!("../../tlsroots/testdata/root.pem");

/// A PEM block whose contents are not a certificate.
const BROKEN: &str = include_str!("../../tlsroots/testdata/broken.pem");

#[tokio::test]
async fn the_platform_clients_read_the_root_certificates_once_and_when_first_needed() {
    let file = std::env::temp_dir().join(format!("sailor-tls-roots-{}.pem", std::process::id()));
    std::fs::write(&file, ROOT).unwrap();
    std::env::set_var("SSL_CERT_FILE", &file);
    std::env::remove_var("SSL_CERT_DIR");
    let fake = FakeApi::start(json!({"config": {"a": 1}}), &[]).await;

    let api = PlatformApi::new(fake.uri(), API_USER, API_KEY, 0, Duration::ZERO);
    assert_eq!(tlsroots::reads(), 0, "building the platform API client reads nothing yet");
    let crypto = MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap();
    ObjectStorage::new("http://127.0.0.1:9", "token", crypto.clone(), "flow", "step");
    assert_eq!(tlsroots::reads(), 1);

    std::fs::write(&file, BROKEN).unwrap();
    assert!(reqwest::Client::builder().build().is_err(), "a client reading the store itself now fails on it");
    ObjectStorage::new("http://127.0.0.1:9", "token", crypto, "flow", "step");
    let step = api.step("flow", "step").await.expect("the platform API answers");
    assert_eq!(step.config, json!({"a": 1}));
    assert_eq!(tlsroots::reads(), 1);
    std::fs::remove_file(&file).ok();
}
