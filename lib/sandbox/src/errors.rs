//! Error bodies in GoTo's shapes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;

use crate::json::respond;

/// A product error: `{"errorCode","description","incident"}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self { status, code, description: description.into() }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", description)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", what)
    }

    pub fn webinar_not_found() -> Self {
        Self::not_found("Webinar with the specified key does not exist")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let incident: u64 = rand::thread_rng().gen_range(1_000_000_000..9_999_999_999);
        respond(
            self.status,
            &json!({"errorCode": self.code, "description": self.description, "incident": incident.to_string()}),
        )
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// 403 for a missing, expired, revoked or malformed token (GoTo never answers 401 here).
pub fn invalid_token() -> Response {
    respond(StatusCode::FORBIDDEN, &json!({"int_err_code": "InvalidToken", "msg": "Invalid token passed"}))
}

/// 404 for a path no route serves.
pub fn route_not_found(path: &str) -> Response {
    respond(
        StatusCode::NOT_FOUND,
        &json!({"errorCode": "NOT_FOUND", "message": format!("No resource found for path {path}")}),
    )
}

/// 429 without rate-limit headers.
pub fn rate_limited() -> Response {
    respond(StatusCode::TOO_MANY_REQUESTS, &json!({"msg": "Too many requests"}))
}

/// RFC 6749 §5.2 token endpoint error.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = respond(status, &json!({"error": error, "error_description": description}));
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Basic realm=\"oauth\""),
        );
    }
    resp
}

/// A minimal HTML page, as the edge and the authorization pages send.
pub fn html(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}
