//! A local object storage on 127.0.0.1 speaking the platform's protocol, as the official client
//! (`@elastic.io/maester-client`) uses it: `POST /objects` stores the request body and answers
//! 201 `{"objectId"}`, `GET /objects/{id}` answers the stored bytes; both need
//! `Authorization: Bearer <token>`. Every request is recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One request the store received.
#[derive(Debug, Clone)]
pub struct StoreRequest {
    /// The HTTP method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The `x-request-id` header.
    pub request_id: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The id the store answered a POST with (or the id a GET asked for).
    pub object_id: Option<String>,
}

#[derive(Default)]
struct Inner {
    objects: HashMap<String, Vec<u8>>,
    requests: Vec<StoreRequest>,
    /// The status every upload is answered with instead of storing it.
    failing_uploads: Option<StatusCode>,
}

/// A running store; dropped with the test's runtime.
#[derive(Clone)]
pub struct ObjectStore {
    /// The base URI (`http://127.0.0.1:PORT`), for `ELASTICIO_OBJECT_STORAGE_URI`.
    pub uri: String,
    token: String,
    inner: Arc<Mutex<Inner>>,
}

impl ObjectStore {
    /// Starts a store that accepts `token` only.
    pub async fn start(token: &str) -> ObjectStore {
        let store = ObjectStore { uri: String::new(), token: token.to_string(), inner: Arc::default() };
        let app = axum::Router::new()
            .route("/objects", axum::routing::post(post_object))
            .route("/objects/{id}", axum::routing::get(get_object))
            .with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ObjectStore { uri: format!("http://{addr}"), ..store }
    }

    /// Stores `bytes` as object `id`.
    pub fn insert(&self, id: &str, bytes: Vec<u8>) {
        self.inner.lock().unwrap().objects.insert(id.to_string(), bytes);
    }

    /// Answers every later upload with `status` and stores nothing.
    pub fn fail_uploads(&self, status: u16) {
        self.inner.lock().unwrap().failing_uploads = Some(StatusCode::from_u16(status).unwrap());
    }

    /// The bytes stored as `id`.
    pub fn object(&self, id: &str) -> Option<Vec<u8>> {
        self.inner.lock().unwrap().objects.get(id).cloned()
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<StoreRequest> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// The requests with `method`.
    pub fn requests_with(&self, method: &str) -> Vec<StoreRequest> {
        self.requests().into_iter().filter(|r| r.method == method).collect()
    }

    /// Records a request; true when it carries the right token.
    fn record(&self, method: &str, path: String, headers: &HeaderMap, object_id: Option<String>) -> bool {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let authorization = text("authorization");
        let ok = authorization.as_deref() == Some(&format!("Bearer {}", self.token));
        self.inner.lock().unwrap().requests.push(StoreRequest {
            method: method.into(),
            path,
            authorization,
            request_id: text("x-request-id"),
            content_type: text("content-type"),
            object_id,
        });
        ok
    }
}

async fn get_object(
    State(store): State<ObjectStore>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !store.record("GET", format!("/objects/{id}"), &headers, Some(id.clone())) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match store.object(&id) {
        Some(bytes) => ([("content-type", "application/octet-stream")], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn post_object(State(store): State<ObjectStore>, headers: HeaderMap, body: Bytes) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    if !store.record("POST", "/objects".into(), &headers, Some(id.clone())) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Some(status) = store.inner.lock().unwrap().failing_uploads {
        return status.into_response();
    }
    store.insert(&id, body.to_vec());
    (StatusCode::CREATED, axum::Json(json!({"objectId": id}))).into_response()
}
