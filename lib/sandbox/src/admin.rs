//! The admin token of the control endpoints (`/_sandbox/*`). They hand out tokens and change
//! what the sandbox does, so a sandbox that listens beyond loopback answers them only to whoever
//! holds the token it printed at start. On loopback they stay open, as tests and the demo use them.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::App;

/// The header that may carry the admin token instead of `Authorization: Bearer …`.
pub const ADMIN_TOKEN_HEADER: &str = "x-sandbox-admin-token";

/// Lets a control request through when no token is required or the request carries it.
pub(crate) async fn admin_gate(State(app): State<App>, req: Request, next: Next) -> Response {
    let Some(expected) = app.0.admin_token.as_deref() else {
        return next.run(req).await;
    };
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let given = bearer.or_else(|| headers.get(ADMIN_TOKEN_HEADER).and_then(|v| v.to_str().ok()));
    if given.is_some_and(|given| same(given.as_bytes(), expected.as_bytes())) {
        return next.run(req).await;
    }
    let body = json!({
        "error": "admin_token_required",
        "message": "this sandbox listens beyond loopback: /_sandbox endpoints need the adminToken it printed at \
                    start (Authorization: Bearer <adminToken>, or the X-Sandbox-Admin-Token header)"
    });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
