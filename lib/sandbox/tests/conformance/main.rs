//! Conformance of the sandbox over real HTTP on loopback: GoTo's quirks, state changes, OAuth, knobs.

mod api;
mod knobs;
mod oauth;
mod webhooks;

use std::time::Duration;

use gotowebinar_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Seeded webinars (see `SeedData::realistic`).
pub const UPCOMING_WITH_QUESTIONS: &str = "24576065432313123456";
pub const SERIES: &str = "12345678901234567890";
pub const PAST: &str = "31245098712345678901";
pub const IN_SESSION: &str = "15966072838194123456";

pub struct Env {
    pub sb: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
}

/// A client that never follows redirects or uses a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A sandbox without a rate limit (tests that need one turn it on) and a valid access token.
pub async fn start() -> Env {
    start_with(SandboxConfig { rate_limit: None, ..SandboxConfig::default() }).await
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let sb = Sandbox::start(config).await.unwrap();
    let token = sb.issue_tokens()["access_token"].as_str().unwrap().to_string();
    Env { sb, http: client(), token }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The raw JSON text of every value of `field`, e.g. `24576065432313123456` or `"123"`.
    pub fn raw(&self, field: &str) -> Vec<String> {
        raw_values(&self.text, field)
    }
}

pub fn raw_values(text: &str, field: &str) -> Vec<String> {
    let needle = format!("\"{field}\":");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            quoted.find('"').map(|j| j + 2).unwrap_or(rest.len())
        } else {
            rest.find([',', '}', ']']).unwrap_or(rest.len())
        };
        out.push(rest[..end].to_string());
    }
    out
}

impl Env {
    pub fn org(&self) -> String {
        format!("/organizers/{}", self.sb.organizer_key())
    }

    pub fn webinar(&self, key: &str) -> String {
        format!("{}/webinars/{key}", self.org())
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        self.call_as(&self.token, method, path, body).await
    }

    pub async fn call_as(&self, token: &str, method: Method, path: &str, body: Option<&str>) -> Reply {
        let url = if path.starts_with('/')
            && !path.starts_with("/G2W")
            && !path.starts_with("/identity")
            && !path.starts_with("/admin")
            && !path.starts_with("/_sandbox")
            && !path.starts_with("/oauth")
        {
            format!("{}/G2W/rest/v2{path}", self.sb.url())
        } else {
            format!("{}{path}", self.sb.url())
        };
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        Reply { status, headers, text: resp.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `fromTime`/`toTime` spanning a wide window around now.
    pub fn wide_window(&self) -> String {
        let now = self.sb.now();
        let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        format!(
            "fromTime={}&toTime={}",
            fmt(now - chrono::Duration::days(60)),
            fmt(now + chrono::Duration::days(60))
        )
    }
}

/// An ISO time `offset` from the sandbox's now.
pub fn at(sb: &Sandbox, offset: chrono::Duration) -> String {
    (sb.now() + offset).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
