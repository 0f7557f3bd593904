//! Message decoding as the broker delivers it: plain and encrypted, protocol versions 1 and 2.
//! Any input must give a message or an error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sailor::message::decode_payload;
use sailor::MessageCrypto;

fuzz_target!(|data: &[u8]| {
    let plain = MessageCrypto::new(None, None).expect("no password is valid");
    let encrypted =
        MessageCrypto::new(Some("fuzz password"), Some("0123456789abcdef")).expect("a 16-byte IV is valid");
    for version in [1u8, 2] {
        let _ = decode_payload(&plain, data, version);
        let _ = decode_payload(&encrypted, data, version);
        // Also well-encrypted garbage, so the JSON and message layers behind the cipher get fuzzed.
        let sealed = encrypted.encrypt(data, version);
        let _ = decode_payload(&encrypted, &sealed, version);
    }
});
