//! Sign-in as GoTo runs it: the authorization request is checked (known client, registered
//! redirect URI) before anything is sent back, the person sees a consent page and approves or
//! denies, and only then is the browser sent back with a code or `error=access_denied`
//! (RFC 6749 §4.1.2). An unknown client or a redirect URI that is missing, malformed or not
//! registered gets an error page and never a redirect (§4.1.2.1).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonkit::text::escape_html;
use url::{Host, Url};

use crate::app::App;
use crate::config::SandboxError;
use crate::model::AuthCode;
use crate::oauth::SCOPE;

/// How long a consent page can be answered.
const PENDING_LIFETIME: Duration = Duration::from_secs(600);
/// Consent pages open at once; the oldest is forgotten beyond this.
const MAX_PENDING: usize = 1000;
/// Longest redirect URI accepted (and shown on a page).
const MAX_REDIRECT_URI: usize = 2048;
/// Longest `state`, `scope` or `login_hint` kept for a consent page.
const MAX_PARAM: usize = 2048;
/// How much of a refused value an error page shows.
const SHOWN: usize = 200;
const CODE_LIFETIME_MINUTES: i64 = 10;

/// The sandbox's sign-in settings and the consent pages waiting for an answer.
pub(crate) struct Signin {
    auto_approve: bool,
    registered: Vec<String>,
    pending: Mutex<HashMap<String, Pending>>,
}

struct Pending {
    request: AuthRequest,
    expires: Instant,
}

/// A checked authorization request.
#[derive(Clone)]
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    scope: String,
    organizer_key: String,
}

/// Checks a redirect URI given for registration (`--redirect-uri`).
pub(crate) fn check_registration(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_REDIRECT_URI {
        return Err(format!("redirect URI is longer than {MAX_REDIRECT_URI} characters"));
    }
    let url =
        Url::parse(uri).map_err(|e| format!("redirect URI {} is not an absolute URL: {e}", shown(uri)))?;
    if url.fragment().is_some() {
        return Err(format!("redirect URI {} must not contain a fragment (#…)", shown(uri)));
    }
    if url.cannot_be_a_base() {
        return Err(format!(
            "redirect URI {} has no authority or path (e.g. https://host/callback)",
            shown(uri)
        ));
    }
    Ok(())
}

/// `http://127.0.0.1`, `http://localhost` or `http://[::1]` on any port (RFC 8252 §7.3).
fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && url.username().is_empty()
        && url.password().is_none()
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
            Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

impl Signin {
    /// Settings from the configuration; every registered URI must be usable.
    pub(crate) fn new(auto_approve: bool, registered: &[String]) -> Result<Self, SandboxError> {
        for uri in registered {
            check_registration(uri).map_err(SandboxError::Invalid)?;
        }
        Ok(Self { auto_approve, registered: registered.to_vec(), pending: Mutex::new(HashMap::new()) })
    }

    /// Whether a code may be sent to `raw`; the error says why not.
    fn check_redirect(&self, raw: &str) -> Result<(), String> {
        if raw.len() > MAX_REDIRECT_URI {
            return Err(format!("The redirect_uri is longer than {MAX_REDIRECT_URI} characters."));
        }
        let url = Url::parse(raw).map_err(|e| format!("The redirect_uri is not an absolute URL ({e})."))?;
        if url.fragment().is_some() {
            return Err("The redirect_uri must not contain a fragment (#…).".into());
        }
        if self.registered.iter().any(|r| r == raw) || is_loopback(&url) {
            return Ok(());
        }
        Err("This redirect_uri is not registered for the application. Registered are loopback addresses \
             (http://127.0.0.1, http://localhost or http://[::1], any port) and each URI given to the \
             sandbox with --redirect-uri, compared exactly."
            .into())
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a request until its consent page is answered; returns the page's request id.
    fn hold(&self, request: AuthRequest) -> String {
        let id = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let now = Instant::now();
        let mut pending = self.pending();
        pending.retain(|_, p| p.expires > now);
        while pending.len() >= MAX_PENDING {
            let oldest = pending.iter().min_by_key(|(_, p)| p.expires).map(|(k, _)| k.clone());
            match oldest {
                Some(key) => pending.remove(&key),
                None => break,
            };
        }
        pending.insert(id.clone(), Pending { request, expires: now + PENDING_LIFETIME });
        id
    }

    /// The request of a consent page, once: a page is answered at most one time.
    fn take(&self, id: &str) -> Option<AuthRequest> {
        let pending = self.pending().remove(id)?;
        (pending.expires > Instant::now()).then_some(pending.request)
    }
}

/// `GET /oauth/authorize`: checks the request, then shows the consent page (or, with
/// auto-approve, answers at once).
pub(crate) async fn authorize(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    if client_id.is_empty() {
        return refuse("The request has no client_id.", None);
    }
    if !app.read(|s| s.clients.contains_key(&client_id)) {
        return refuse(
            &format!("The client_id {} is not a registered application.", shown(&client_id)),
            None,
        );
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return refuse("The request has no redirect_uri.", None);
    };
    if let Err(why) = app.0.signin.check_redirect(&redirect_uri) {
        return refuse(&why, Some(&redirect_uri));
    }
    let state = q.get("state").cloned();
    // From here on the redirect URI is trusted: errors go back to it (§4.1.2.1).
    if q.get("response_type").map(String::as_str) != Some("code") {
        return redirect(
            &redirect_uri,
            &[("error", "unsupported_response_type"), ("error_description", "response_type must be code")],
            state.as_deref(),
            StatusCode::FOUND,
        );
    }
    let too_long =
        ["state", "scope", "login_hint"].into_iter().find(|n| q.get(*n).is_some_and(|v| v.len() > MAX_PARAM));
    if let Some(name) = too_long {
        let description = format!("{name} is longer than {MAX_PARAM} characters");
        return redirect(
            &redirect_uri,
            &[("error", "invalid_request"), ("error_description", &description)],
            None,
            StatusCode::FOUND,
        );
    }
    let hint = q.get("login_hint").cloned();
    let organizer_key = app.read(|s| {
        hint.and_then(|h| s.organizers.iter().find(|o| o.email.eq_ignore_ascii_case(&h)))
            .or_else(|| s.organizers.first())
            .map(|o| o.key.clone())
            .unwrap_or_default()
    });
    let scope = q.get("scope").filter(|s| !s.trim().is_empty()).cloned().unwrap_or_else(|| SCOPE.into());
    let request = AuthRequest { client_id, redirect_uri, state, scope, organizer_key };
    if app.0.signin.auto_approve {
        return finish(&app, request, true, StatusCode::FOUND);
    }
    let id = app.0.signin.hold(request.clone());
    consent_page(&app, &id, &request)
}

/// `POST /oauth/authorize`: the consent page's answer (`request`, `decision=approve|deny`).
pub(crate) async fn decide(State(app): State<App>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let approve = match form.get("decision").map(String::as_str) {
        Some("approve") => true,
        Some("deny") => false,
        _ => return refuse("The answer must be decision=approve or decision=deny.", None),
    };
    let Some(request) = form.get("request").and_then(|id| app.0.signin.take(id)) else {
        return refuse(
            "This sign-in request is unknown, has expired or was already answered. Start the sign-in \
             again from the application.",
            None,
        );
    };
    // 303: the browser follows with a GET, whatever the form's method was.
    finish(&app, request, approve, StatusCode::SEE_OTHER)
}

/// Sends the browser back with a code, or with `error=access_denied`.
fn finish(app: &App, request: AuthRequest, approve: bool, status: StatusCode) -> Response {
    // `deny_next_authorize` stands in for a person who denies the next sign-in.
    let approve = approve && !std::mem::take(&mut app.rt().deny_next_authorize);
    if !approve {
        return redirect(
            &request.redirect_uri,
            &[("error", "access_denied"), ("error_description", "The user denied access")],
            request.state.as_deref(),
            status,
        );
    }
    let now = app.now();
    let code = uuid::Uuid::new_v4().simple().to_string();
    app.write(|s| {
        s.oauth.codes.retain(|_, c| c.expires_at > now);
        s.oauth.codes.insert(
            code.clone(),
            AuthCode {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                organizer_key: request.organizer_key.clone(),
                scope: request.scope.clone(),
                expires_at: now + chrono::Duration::minutes(CODE_LIFETIME_MINUTES),
                used: false,
            },
        );
    });
    redirect(&request.redirect_uri, &[("code", &code)], request.state.as_deref(), status)
}

/// A redirect to a checked redirect URI with these parameters added (and `state` last).
fn redirect(
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
    status: StatusCode,
) -> Response {
    let Ok(mut target) = Url::parse(redirect_uri) else {
        return refuse("The redirect_uri is not an absolute URL.", Some(redirect_uri));
    };
    {
        let mut pairs = target.query_pairs_mut();
        for (name, value) in params {
            pairs.append_pair(name, value);
        }
        if let Some(state) = state {
            pairs.append_pair("state", state);
        }
    }
    match HeaderValue::from_str(target.as_str()) {
        Ok(location) => {
            let mut resp = status.into_response();
            resp.headers_mut().insert(header::LOCATION, location);
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(_) => refuse("The redirect_uri cannot be used in a redirect.", Some(redirect_uri)),
    }
}

/// At most `SHOWN` characters of a value, for a message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// What a scope lets the application do, for the consent page.
fn scope_meaning(scope: &str) -> &'static str {
    match scope {
        "collab:" => "Read and manage your webinars, registrants, sessions, attendees and recordings",
        "identity:scim.me" => "Read your name, email address and user key",
        _ => "A scope this sandbox does not describe",
    }
}

const STYLE: &str = "\
body{margin:0;background:#f3f5f9;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b2733}\
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem 2.25rem;\
box-shadow:0 2px 12px rgba(20,40,80,.12)}\
.brand{margin:0 0 1rem;font-weight:600;color:#f68d2e;letter-spacing:.02em}\
h1{font-size:1.35rem;margin:0 0 1rem}h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;\
color:#5b6b7b;margin:1.5rem 0 .4rem}\
code{background:#eef1f6;border-radius:4px;padding:.05rem .3rem;word-break:break-all}\
ul{margin:0;padding-left:1.2rem}li{margin:.3rem 0}\
.target{word-break:break-all}\
form{display:flex;gap:.75rem;justify-content:flex-end;margin-top:2rem}\
button{font:inherit;border-radius:8px;padding:.55rem 1.4rem;cursor:pointer;border:1px solid #c5cfdb;\
background:#fff;color:#1b2733}\
button.approve{background:#1f6feb;border-color:#1f6feb;color:#fff}\
.note{margin-top:1.5rem;font-size:.85rem;color:#5b6b7b}\
.error h1{color:#b42318}";

/// A page that stands alone (inline style, nothing loaded from elsewhere), never framed or cached.
fn page(status: StatusCode, title: &str, main_class: &str, inner: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · GoToWebinar sandbox</title><style>{STYLE}</style></head>\
         <body><main class=\"{main_class}\"><p class=\"brand\">GoTo · sandbox sign-in</p>{inner}</main></body></html>",
        escape_html(title)
    );
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

/// 400 with what is wrong; no redirect, since the redirect URI could not be trusted.
fn refuse(why: &str, redirect_uri: Option<&str>) -> Response {
    let target = redirect_uri
        .map(|uri| {
            format!("<h2>Redirect URI</h2><p class=\"target\"><code>{}</code></p>", escape_html(&shown(uri)))
        })
        .unwrap_or_default();
    let inner = format!(
        "<h1>This sign-in cannot go on</h1><p>{}</p>{target}\
         <p class=\"note\">Nothing was sent to the application. Check the authorization URL it opened.</p>",
        escape_html(why)
    );
    page(StatusCode::BAD_REQUEST, "Sign-in refused", "error", &inner)
}

/// The page that asks the person to approve or deny.
fn consent_page(app: &App, id: &str, request: &AuthRequest) -> Response {
    let who = app.read(|s| {
        s.organizer(&request.organizer_key)
            .map(|o| format!("{} {} ({})", o.first_name, o.last_name, o.email))
            .unwrap_or_else(|| request.organizer_key.clone())
    });
    let scopes: String = request
        .scope
        .split_whitespace()
        .map(|s| format!("<li><code>{}</code> {}</li>", escape_html(s), escape_html(scope_meaning(s))))
        .collect();
    let inner = format!(
        "<h1>Allow <code>{client}</code> to use your GoToWebinar account?</h1>\
         <p>Signed in as <strong>{who}</strong>.</p>\
         <h2>Application</h2><p>Client id <code>{client}</code></p>\
         <h2>It asks to</h2><ul class=\"scopes\">{scopes}</ul>\
         <h2>Then you go back to</h2><p class=\"target\"><code>{target}</code></p>\
         <form method=\"post\" action=\"/oauth/authorize\">\
         <input type=\"hidden\" name=\"request\" value=\"{id}\">\
         <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\">Deny</button>\
         <button type=\"submit\" name=\"decision\" value=\"approve\" class=\"approve\">Approve</button>\
         </form>\
         <p class=\"note\">A simulated GoTo sign-in: approving sends a code to the address above.</p>",
        client = escape_html(&request.client_id),
        who = escape_html(&who),
        target = escape_html(&request.redirect_uri),
        id = escape_html(id),
    );
    page(StatusCode::OK, "Allow access?", "consent", &inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signin(registered: &[&str]) -> Signin {
        Signin::new(false, &registered.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn loopback_on_any_port_and_registered_uris_exactly() {
        let s = signin(&["https://app.example.com/oauth/callback"]);
        for ok in [
            "http://127.0.0.1:49152/callback",
            "http://127.0.0.1/cb?x=1",
            "http://localhost:8080/",
            "http://LOCALHOST:1/a",
            "http://[::1]:3000/callback",
            "https://app.example.com/oauth/callback",
        ] {
            assert!(s.check_redirect(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://evil.example/cb",
            "https://app.example.com/oauth/callback/",
            "https://app.example.com/oauth/callback?next=1",
            "https://127.0.0.1:8080/callback",
            "http://127.0.0.2:8080/callback",
            "http://localhost.evil.example/cb",
            "http://127.0.0.1@evil.example/cb",
            "http://user@127.0.0.1:80/cb",
            "http://127.0.0.1:1/cb#frag",
            "javascript:alert(1)",
            "/callback",
            "not a url",
            "",
        ] {
            assert!(s.check_redirect(bad).is_err(), "{bad}");
        }
        let long = format!("http://127.0.0.1:1/{}", "a".repeat(MAX_REDIRECT_URI));
        assert!(s.check_redirect(&long).unwrap_err().contains("longer"));
    }

    #[test]
    fn registration_needs_an_absolute_uri_without_fragment() {
        assert!(check_registration("https://app.example.com/cb").is_ok());
        assert!(check_registration("com.example.app:/oauth").is_ok());
        assert!(check_registration("https://app.example.com/cb#x").unwrap_err().contains("fragment"));
        assert!(check_registration("/cb").unwrap_err().contains("absolute"));
        assert!(check_registration("mailto:x@example.com").is_err());
        assert!(Signin::new(false, &["nope".into()]).is_err());
    }

    #[test]
    fn a_consent_request_is_answered_once_and_the_store_stays_bounded() {
        let s = signin(&[]);
        let request = AuthRequest {
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            state: None,
            scope: SCOPE.into(),
            organizer_key: "1".into(),
        };
        let id = s.hold(request.clone());
        assert!(s.take(&id).is_some());
        assert!(s.take(&id).is_none(), "answered once");
        assert!(s.take("unknown").is_none());
        for _ in 0..MAX_PENDING + 10 {
            s.hold(request.clone());
        }
        assert_eq!(s.pending().len(), MAX_PENDING);
    }

    #[test]
    fn shortening() {
        assert_eq!(shown(&"é".repeat(SHOWN + 5)).chars().count(), SHOWN + 1);
        assert_eq!(shown("short"), "short");
    }
}
