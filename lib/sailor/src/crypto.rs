//! Message encryption as the platform does it: AES-256-CBC with PKCS#7 padding.
//!
//! Key = SHA-256 of the UTF-8 password; IV = the raw 16 UTF-8 bytes of the IV setting. Protocol
//! version 1 carries the base64 text of the ciphertext, version 2 the raw ciphertext. Without a
//! password messages are plain JSON.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// Why a message could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A password is set but no IV.
    #[error("ELASTICIO_MESSAGE_CRYPTO_IV must be set when a message crypto password is set")]
    MissingIv,
    /// The IV is not exactly 16 bytes of UTF-8.
    #[error("ELASTICIO_MESSAGE_CRYPTO_IV must be exactly 16 bytes (UTF-8), got {0}")]
    InvalidIvLength(usize),
    /// A protocol 1 payload is not valid base64.
    #[error("the message is not valid base64: {0}")]
    Base64(String),
    /// Decryption failed: wrong password or IV, or a corrupted message.
    #[error("the message could not be decrypted (wrong password or IV, or a corrupted message)")]
    Decrypt,
    /// The decrypted payload is not JSON.
    #[error("the decrypted message is not valid JSON: {0}")]
    Json(String),
}

/// Encrypts and decrypts message payloads with the step's crypto settings.
#[derive(Clone)]
pub struct MessageCrypto {
    // None: no password set, payloads are plain JSON.
    keys: Option<([u8; 32], [u8; 16])>,
}

impl std::fmt::Debug for MessageCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCrypto").field("encrypted", &self.keys.is_some()).finish()
    }
}

impl MessageCrypto {
    /// Crypto settings from the password and IV; no (or an empty) password means plain JSON.
    pub fn new(password: Option<&str>, iv: Option<&str>) -> Result<Self, CryptoError> {
        let Some(password) = password.filter(|p| !p.is_empty()) else {
            return Ok(MessageCrypto { keys: None });
        };
        let iv = iv.ok_or(CryptoError::MissingIv)?;
        let iv: [u8; 16] = iv.as_bytes().try_into().map_err(|_| CryptoError::InvalidIvLength(iv.len()))?;
        let key: [u8; 32] = Sha256::digest(password.as_bytes()).into();
        Ok(MessageCrypto { keys: Some((key, iv)) })
    }

    /// Whether payloads are encrypted (a password is set).
    pub fn is_enabled(&self) -> bool {
        self.keys.is_some()
    }

    /// Encrypts `plaintext` for the given protocol version (1: base64 text, 2 and above: raw bytes).
    pub fn encrypt(&self, plaintext: &[u8], protocol_version: u8) -> Vec<u8> {
        let Some((key, iv)) = &self.keys else {
            return plaintext.to_vec();
        };
        let cipher = Aes256CbcEnc::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        if protocol_version >= 2 {
            cipher
        } else {
            base64::engine::general_purpose::STANDARD.encode(cipher).into_bytes()
        }
    }

    /// Decrypts a payload received with the given protocol version.
    pub fn decrypt(&self, payload: &[u8], protocol_version: u8) -> Result<Vec<u8>, CryptoError> {
        let Some((key, iv)) = &self.keys else {
            return Ok(payload.to_vec());
        };
        let decoded;
        let cipher: &[u8] = if protocol_version >= 2 {
            payload
        } else {
            decoded = base64::engine::general_purpose::STANDARD
                .decode(payload.trim_ascii())
                .map_err(|e| CryptoError::Base64(e.to_string()))?;
            &decoded
        };
        Aes256CbcDec::new(key.into(), iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(cipher)
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Serializes and encrypts a JSON value.
    pub fn encrypt_json(&self, value: &Value, protocol_version: u8) -> Vec<u8> {
        // Serializing a `Value` cannot fail: its keys are always strings.
        let plain = serde_json::to_vec(value).unwrap_or_default();
        self.encrypt(&plain, protocol_version)
    }

    /// Decrypts a payload and parses it as JSON.
    pub fn decrypt_json(&self, payload: &[u8], protocol_version: u8) -> Result<Value, CryptoError> {
        let plain = self.decrypt(payload, protocol_version)?;
        serde_json::from_slice(&plain).map_err(|e| CryptoError::Json(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PASSWORD: &str = "testCryptoPassword";
    const IV: &str = "iv=any16_symbols";
    const PLAIN: &str = r#"{"body":{"hello":"world"}}"#;
    const CIPHER_B64: &str = "axyl/YcFb4wgFzIyJ9McA9xyf/alvd9InmVcpgXq9OA=";

    fn crypto() -> MessageCrypto {
        MessageCrypto::new(Some(PASSWORD), Some(IV)).unwrap()
    }

    #[test]
    fn matches_the_platform_test_vector() {
        let c = crypto();
        assert_eq!(String::from_utf8(c.encrypt(PLAIN.as_bytes(), 1)).unwrap(), CIPHER_B64);
        assert_eq!(c.decrypt(CIPHER_B64.as_bytes(), 1).unwrap(), PLAIN.as_bytes());
    }

    #[test]
    fn protocol_2_is_raw_ciphertext() {
        let c = crypto();
        let raw = c.encrypt(PLAIN.as_bytes(), 2);
        let expected = base64::engine::general_purpose::STANDARD.decode(CIPHER_B64).unwrap();
        assert_eq!(raw, expected);
        assert_eq!(c.decrypt(&raw, 2).unwrap(), PLAIN.as_bytes());
    }

    #[test]
    fn round_trips_for_both_protocols_and_many_lengths() {
        let c = crypto();
        for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 1000] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for pv in [1u8, 2] {
                let enc = c.encrypt(&plain, pv);
                assert_ne!(enc, plain, "len {len} pv {pv} was not encrypted");
                assert_eq!(c.decrypt(&enc, pv).unwrap(), plain, "len {len} pv {pv}");
            }
        }
        let v = json!({"id": "x", "body": {"ü": "日本"}});
        assert_eq!(c.decrypt_json(&c.encrypt_json(&v, 1), 1).unwrap(), v);
    }

    #[test]
    fn base64_payload_with_trailing_newline_decrypts() {
        let payload = format!("{CIPHER_B64}\n");
        assert_eq!(crypto().decrypt(payload.as_bytes(), 1).unwrap(), PLAIN.as_bytes());
    }

    #[test]
    fn wrong_password_or_garbage_is_an_error() {
        let other = MessageCrypto::new(Some("anotherPassword"), Some(IV)).unwrap();
        assert_eq!(other.decrypt(CIPHER_B64.as_bytes(), 1), Err(CryptoError::Decrypt));
        let wrong_iv = MessageCrypto::new(Some(PASSWORD), Some("0123456789abcdef")).unwrap();
        // A wrong IV only garbles the first block, so the padding still checks out: JSON parsing catches it.
        assert!(wrong_iv.decrypt_json(CIPHER_B64.as_bytes(), 1).is_err());
        let c = crypto();
        assert!(matches!(c.decrypt(b"not base64 !!!", 1), Err(CryptoError::Base64(_))));
        assert_eq!(c.decrypt(b"short", 2), Err(CryptoError::Decrypt));
        assert_eq!(c.decrypt(&[0u8; 32], 2), Err(CryptoError::Decrypt));
        assert!(matches!(c.decrypt_json(&c.encrypt(b"not json", 1), 1), Err(CryptoError::Json(_))));
    }

    #[test]
    fn no_password_is_plain_json() {
        for c in [MessageCrypto::new(None, None).unwrap(), MessageCrypto::new(Some(""), Some(IV)).unwrap()] {
            assert!(!c.is_enabled());
            assert_eq!(c.encrypt(PLAIN.as_bytes(), 1), PLAIN.as_bytes());
            assert_eq!(c.decrypt(PLAIN.as_bytes(), 2).unwrap(), PLAIN.as_bytes());
        }
    }

    #[test]
    fn iv_must_be_16_bytes() {
        assert_eq!(MessageCrypto::new(Some(PASSWORD), None).unwrap_err(), CryptoError::MissingIv);
        assert_eq!(
            MessageCrypto::new(Some(PASSWORD), Some("short")).unwrap_err(),
            CryptoError::InvalidIvLength(5)
        );
        // 16 characters but 17 bytes of UTF-8.
        assert_eq!(
            MessageCrypto::new(Some(PASSWORD), Some("é23456789012345x")).unwrap_err(),
            CryptoError::InvalidIvLength(17)
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let text = format!("{:?}", crypto());
        assert_eq!(text, "MessageCrypto { encrypted: true }");
    }
}
