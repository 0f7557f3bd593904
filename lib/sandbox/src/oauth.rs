//! OAuth 2.0: the token endpoint and access token checks (the sign-in pages are in `signin`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::app::App;
use crate::errors::oauth_error;
use crate::model::{AccessToken, RefreshToken, State as Data};

/// The scope GoTo grants for webinar and identity access.
pub const SCOPE: &str = "collab: identity:scim.me";

const REFRESH_TOKEN_LIFETIME_DAYS: i64 = 30;

/// Who is calling the API, from a valid access token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub client_id: String,
    pub organizer_key: String,
    pub account_key: String,
}

fn b64url_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A JWT-shaped access token with an `exp` claim, signed with the server's key.
fn mint_access(
    app: &App,
    client_id: &str,
    organizer_key: &str,
    now: DateTime<Utc>,
    exp: DateTime<Utc>,
) -> String {
    let header = b64url_json(&json!({"alg": "HS256", "typ": "JWT"}));
    let payload = b64url_json(&json!({
        "iss": "gotowebinar-sandbox",
        "sub": organizer_key,
        "aud": client_id,
        "scope": SCOPE,
        "iat": now.timestamp(),
        "exp": exp.timestamp(),
        "jti": uuid::Uuid::new_v4().to_string(),
    }));
    let signing_input = format!("{header}.{payload}");
    let signature = match Hmac::<Sha256>::new_from_slice(&app.0.jwt_key) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{signature}")
}

fn new_refresh_token() -> String {
    format!("rt.{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Issues an access token for a grant; with `refresh`, also a refresh token. Returns the token response.
fn issue(app: &App, s: &mut Data, grant: &str, client_id: &str, organizer_key: &str, refresh: bool) -> Value {
    let now = app.now();
    let ttl = app.rt().token_ttl;
    let exp = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    // Keep the state small: forget access tokens that expired long ago.
    let horizon = now - chrono::Duration::hours(1);
    s.oauth.access_tokens.retain(|_, t| t.expires_at > horizon);
    s.oauth.refresh_tokens.retain(|_, t| t.expires_at > now);
    let access = mint_access(app, client_id, organizer_key, now, exp);
    s.oauth.access_tokens.insert(
        access.clone(),
        AccessToken {
            grant: grant.into(),
            client_id: client_id.into(),
            organizer_key: organizer_key.into(),
            expires_at: exp,
            revoked: false,
        },
    );
    let organizer = s.organizer(organizer_key).cloned();
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": SCOPE,
        "principal": organizer.as_ref().map(|o| o.email.clone()).unwrap_or_default(),
        "organizer_key": organizer_key,
        "account_key": s.account.key,
    });
    if refresh {
        let token = new_refresh_token();
        s.oauth.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                grant: grant.into(),
                client_id: client_id.into(),
                organizer_key: organizer_key.into(),
                scope: SCOPE.into(),
                expires_at: now + chrono::Duration::days(REFRESH_TOKEN_LIFETIME_DAYS),
                used: false,
                revoked: false,
            },
        );
        body["refresh_token"] = Value::String(token);
    }
    body
}

/// A full token response for a new grant of `organizer_key` to `client_id`.
pub(crate) fn issue_new_grant(app: &App, client_id: &str, organizer_key: Option<&str>) -> Value {
    let grant = uuid::Uuid::new_v4().to_string();
    app.write(|s| {
        let organizer = match organizer_key {
            Some(k) => k.to_string(),
            None => s.organizers.first().map(|o| o.key.clone()).unwrap_or_default(),
        };
        issue(app, s, &grant, client_id, &organizer, true)
    })
}

/// Checks a bearer token; `None` means 403 InvalidToken.
pub(crate) fn authenticate(app: &App, headers: &HeaderMap) -> Option<Caller> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    let now = app.now();
    app.read(|s| {
        let t = s.oauth.access_tokens.get(token)?;
        if t.revoked || t.expires_at <= now || !s.clients.contains_key(&t.client_id) {
            return None;
        }
        Some(Caller {
            client_id: t.client_id.clone(),
            organizer_key: t.organizer_key.clone(),
            account_key: s.account.key.clone(),
        })
    })
}

/// Marks every access token as expired.
pub(crate) fn expire_all(app: &App) {
    let now = app.now();
    app.write(|s| {
        for t in s.oauth.access_tokens.values_mut() {
            if t.expires_at > now {
                t.expires_at = now - chrono::Duration::seconds(1);
            }
        }
    });
}

/// Revokes one refresh token; false when unknown.
pub(crate) fn revoke_refresh(app: &App, token: &str) -> bool {
    app.write(|s| match s.oauth.refresh_tokens.get_mut(token) {
        Some(t) => {
            t.revoked = true;
            true
        }
        None => false,
    })
}

fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The client id and secret of an HTTP Basic header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

/// `POST /oauth/token`.
pub(crate) async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    };
    let known = app.read(|s| s.clients.get(&client_id).is_some_and(|expected| *expected == secret));
    if !known {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_grant(&app, &client_id, &form),
        Some("refresh_token") => refresh_grant(&app, &client_id, &form),
        Some(_) => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant type not supported"),
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    }
}

fn code_grant(app: &App, client_id: &str, form: &HashMap<String, String>) -> Response {
    let (Some(code), Some(redirect_uri)) = (form.get("code"), form.get("redirect_uri")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code and redirect_uri are required");
    };
    let now = app.now();
    let result = app.write(|s| {
        let Some(c) = s.oauth.codes.get_mut(code) else {
            return Err("unknown authorization code");
        };
        if c.used {
            return Err("authorization code already used");
        }
        if c.expires_at <= now {
            return Err("authorization code expired");
        }
        if c.client_id != client_id {
            return Err("authorization code was issued to another client");
        }
        if c.redirect_uri != *redirect_uri {
            return Err("redirect_uri does not match the authorization request");
        }
        c.used = true;
        let organizer = c.organizer_key.clone();
        let grant = uuid::Uuid::new_v4().to_string();
        Ok(issue(app, s, &grant, client_id, &organizer, true))
    });
    match result {
        Ok(body) => token_ok(&body),
        Err(why) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why),
    }
}

fn refresh_grant(app: &App, client_id: &str, form: &HashMap<String, String>) -> Response {
    let Some(presented) = form.get("refresh_token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required");
    };
    let now = app.now();
    let (rotate, single_use, revoke) = {
        let rt = app.rt();
        (rt.rotate || rt.single_use, rt.single_use, rt.revoke_on_refresh)
    };
    let result = app.write(|s| {
        let Some(t) = s.oauth.refresh_tokens.get_mut(presented) else {
            return Err("unknown refresh token");
        };
        if t.client_id != client_id {
            return Err("refresh token was issued to another client");
        }
        if t.revoked {
            return Err("refresh token revoked");
        }
        if t.used {
            return Err("refresh token already used");
        }
        if t.expires_at <= now {
            return Err("refresh token expired");
        }
        if single_use {
            t.used = true;
        }
        let (grant, organizer) = (t.grant.clone(), t.organizer_key.clone());
        if revoke {
            for a in s.oauth.access_tokens.values_mut().filter(|a| a.grant == grant) {
                a.revoked = true;
            }
        }
        Ok(issue(app, s, &grant, client_id, &organizer, rotate))
    });
    match result {
        Ok(body) => token_ok(&body),
        Err(why) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why),
    }
}

fn token_ok(body: &Value) -> Response {
    let mut resp = crate::json::respond(StatusCode::OK, body);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
