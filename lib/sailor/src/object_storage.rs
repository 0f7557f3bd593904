//! The platform's object storage, where lightweight messages keep their bodies.
//!
//! A message whose headers carry [`OBJECT_ID_HEADER`] travels with an empty body; the body is the
//! object with that id. Objects are the JSON body encrypted with the message cipher, as raw bytes
//! (no base64): `POST /objects` stores one and answers `{"objectId"}`, `GET /objects/{id}` reads
//! it; both with `Authorization: Bearer <ELASTICIO_OBJECT_STORAGE_TOKEN>`. Uploads are labelled
//! `Content-Type: application/json`, as the platform's own client (`@elastic.io/maester-client`)
//! labels an encrypted body it cannot sniff a type from.

use std::time::Duration;

use serde_json::Value;

use crate::crypto::MessageCrypto;

/// The header naming the object that holds a message's body.
pub const OBJECT_ID_HEADER: &str = "x-ipaas-object-storage-id";

/// Retries of a request that failed with a 5xx answer or no answer (as the platform's client).
const RETRIES: u32 = 2;
/// The content type of an upload, as the platform's client sends it for an encrypted body.
const UPLOAD_CONTENT_TYPE: &str = "application/json";
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of the object storage.
#[derive(Clone)]
pub struct ObjectStorage {
    http: reqwest::Client,
    uri: String,
    token: String,
    crypto: MessageCrypto,
    request_id: String,
}

impl std::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStorage").field("uri", &self.uri).finish_non_exhaustive()
    }
}

impl ObjectStorage {
    /// A client of the storage at `uri` (no trailing slash) using `token`; bodies are encrypted
    /// with `crypto`. `flow_id`/`step_id` go into the `x-request-id` header, as the platform's
    /// client sends it.
    pub fn new(uri: &str, token: &str, crypto: MessageCrypto, flow_id: &str, step_id: &str) -> Self {
        ObjectStorage {
            http: tlsroots::client_builder()
                .timeout(REQUEST_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            uri: uri.trim_end_matches('/').to_string(),
            token: token.to_string(),
            crypto,
            request_id: format!("f:{flow_id};s:{step_id};m:"),
        }
    }

    /// Reads the body stored as object `id`.
    pub async fn get(&self, id: &str) -> Result<Value, String> {
        if id.is_empty() || id.contains(['/', '?', '#']) || id.contains("..") {
            return Err(format!("the object id {id:?} is not a valid object id"));
        }
        let url = format!("{}/objects/{id}", self.uri);
        let bytes =
            self.send(|| self.http.get(&url)).await.map_err(|e| format!("cannot read object {id}: {e}"))?;
        let plain = self.crypto.decrypt(&bytes, 2).map_err(|e| {
            format!("cannot read object {id}: it does not decrypt with the message cipher: {e}")
        })?;
        crate::json::parse_json_lossless(&plain)
            .map_err(|e| format!("cannot read object {id}: it is not JSON: {e}"))
    }

    /// Stores `body` as a new object and returns its id.
    pub async fn put(&self, body: &Value) -> Result<String, String> {
        let payload = self.crypto.encrypt(body.to_string().as_bytes(), 2);
        let url = format!("{}/objects", self.uri);
        let answer = self
            .send(|| {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, UPLOAD_CONTENT_TYPE)
                    .body(payload.clone())
            })
            .await
            .map_err(|e| format!("cannot store a message body: {e}"))?;
        let value: Value = serde_json::from_slice(&answer)
            .map_err(|_| "cannot store a message body: the object storage answered no JSON".to_string())?;
        match value.get("objectId") {
            Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
            _ => Err("cannot store a message body: the object storage answered no objectId".into()),
        }
    }

    /// Sends a request, retrying a 5xx answer or a transport failure; the answer's body.
    async fn send(&self, request: impl Fn() -> reqwest::RequestBuilder) -> Result<Vec<u8>, String> {
        let mut attempt = 0;
        loop {
            let sent =
                request().bearer_auth(&self.token).header("x-request-id", &self.request_id).send().await;
            let failure = match sent {
                Ok(r) if r.status().is_success() => {
                    return r
                        .bytes()
                        .await
                        .map(|b| b.to_vec())
                        .map_err(|e| format!("reading the answer failed: {e}"));
                }
                Ok(r) if r.status().is_server_error() => {
                    format!("the object storage answered {}", r.status())
                }
                Ok(r) => return Err(format!("the object storage answered {}", r.status())),
                // Without the URL: it is ours, and the error text stays short.
                Err(e) => format!("the object storage could not be reached: {}", e.without_url()),
            };
            if attempt >= RETRIES {
                return Err(failure);
            }
            tracing::warn!(attempt = attempt + 1, reason = %failure, "object storage request failed; retrying");
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            attempt += 1;
        }
    }
}
