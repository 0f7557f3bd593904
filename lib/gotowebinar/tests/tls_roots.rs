//! The system's root certificates are read once per process, not once per client: after the
//! first client, a store that no longer parses does not stop more clients (API or token
//! endpoint) from being built, while a client that reads the store itself fails on it.
//! One test in its own binary: it points the process's `SSL_CERT_FILE` at a file of its own.

use std::sync::Arc;
use std::time::Duration;

use gotowebinar::client::GoToWebinar;
use gotowebinar::oauth::{OAuthClient, TokenHttp};
use gotowebinar::{ClientSecret, Origins, Secret, StaticToken};

/// A self-signed root of no use but being a certificate that parses.
const ROOT: &str = include_str!("../../tlsroots/testdata/root.pem");

/// A PEM block whose contents are not a certificate.
const BROKEN: &str = include_str!("../../tlsroots/testdata/broken.pem");

fn api_client() -> gotowebinar::Result<GoToWebinar> {
    GoToWebinar::builder(Origins::default(), Arc::new(StaticToken(Secret::new("an access token")))).build()
}

#[test]
fn clients_share_one_reading_of_the_root_certificates() {
    let file = std::env::temp_dir().join(format!("gotowebinar-tls-roots-{}.pem", std::process::id()));
    std::fs::write(&file, ROOT).unwrap();
    std::env::set_var("SSL_CERT_FILE", &file);
    std::env::remove_var("SSL_CERT_DIR");

    api_client().expect("the first client reads the store");
    std::fs::write(&file, BROKEN).unwrap();
    let own = reqwest::Client::builder().build();
    assert!(own.is_err(), "a client reading the store itself now fails on it");

    api_client().expect("a second API client does not read the store again");
    OAuthClient::new("client-id", ClientSecret::new("client-secret"), Origins::default())
        .expect("nor does the token endpoint's client");
    TokenHttp::builder(Duration::from_secs(5)).form_encoded_answers().build().expect("nor a bare TokenHttp");
    std::fs::remove_file(&file).ok();
}
