//! The system's root certificates for `reqwest` clients, read and parsed once per process.
//!
//! A `reqwest` client built with the `rustls-tls-native-roots` feature reads every certificate of
//! the system's store (a bundle file and a directory of a few hundred files) and parses each,
//! every time a client is built: several milliseconds per client. [`client_builder`] starts a
//! builder whose TLS setup is exactly the one `reqwest` would make for a builder left at its TLS
//! defaults, with the roots read the first time any builder needs them and kept for the
//! process. [`warm_up`] reads them now, so a program can do it on a thread of its own while it
//! starts.
//!
//! What is trusted does not change: the system's roots (or `SSL_CERT_FILE` / `SSL_CERT_DIR` when
//! set), certificates that do not parse skipped, as `reqwest` does. When the store cannot be used
//! at all (no certificate in it parses), the builder is `reqwest`'s own, which reads the store
//! again and reports why at `build`, as before.
//!
//! The setup copies reqwest 0.12's own for rustls; `tests/client_hello.rs` compares the
//! ClientHello of both and fails when a reqwest upgrade (or one of its features, such as `http2`)
//! changes what reqwest would send.

#![warn(missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore};

static CONFIG: OnceLock<Option<ClientConfig>> = OnceLock::new();
static READS: AtomicUsize = AtomicUsize::new(0);

/// A `reqwest` client builder trusting the system's root certificates, read once per process.
///
/// Set anything but TLS on it (timeouts, redirects, user agent, …). Its TLS options
/// (`add_root_certificate`, `min_tls_version`, …) are not applied: the TLS setup is fixed here.
pub fn client_builder() -> reqwest::ClientBuilder {
    match shared_config() {
        Some(config) => {
            let mut config = config.clone();
            // A session cache of its own, as each client reqwest sets up has.
            config.resumption = rustls::client::Resumption::default();
            reqwest::Client::builder().use_preconfigured_tls(config)
        }
        None => reqwest::Client::builder(),
    }
}

/// Reads the root certificates now if no builder has yet. Cheap once they are read; meant for a
/// thread of its own at start-up (`std::thread::spawn(tlsroots::warm_up)`), so the reading
/// overlaps other start-up work. A store that cannot be used is reported later, by the `build`
/// of a client that needs it.
pub fn warm_up() {
    let _ = shared_config();
}

/// How many times this process has read the system's root certificates: 0 before the first
/// client or [`warm_up`], then 1.
pub fn reads() -> usize {
    READS.load(Ordering::Relaxed)
}

fn shared_config() -> &'static Option<ClientConfig> {
    CONFIG.get_or_init(read_config)
}

/// The TLS setup `reqwest` 0.12 makes for a builder at its TLS defaults (native roots, every TLS
/// version rustls has, SNI on, ALPN `http/1.1` as built without `http2`).
fn read_config() -> Option<ClientConfig> {
    READS.fetch_add(1, Ordering::Relaxed);
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (mut valid, mut invalid) = (0usize, 0usize);
    for cert in loaded.certs {
        // Stores often hold ancient or malformed roots; like reqwest, skip them.
        match roots.add(cert) {
            Ok(()) => valid += 1,
            Err(_) => invalid += 1,
        }
    }
    if valid == 0 && invalid > 0 {
        return None;
    }
    // A provider the program installed wins; else ring, as reqwest picks.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.enable_sni = true;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}
