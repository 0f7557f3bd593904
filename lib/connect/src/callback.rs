//! The local redirect target of `auth login`: a small HTTP server on loopback that waits for the
//! provider to send the browser back with `code` + `state` (or `error`), or for OAuth 1.0a with
//! `oauth_token` + `oauth_verifier` (or `denied`), and answers the browser once the outcome is
//! known. Requests that carry none of these (a favicon, a bare `/callback`, a health check) are
//! answered and ignored.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jsonkit::text::escape_html;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use super::{AuthError, Commands};

/// The redirect URI `auth login` listens on unless told otherwise.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// How long a browser's callback request waits for the outcome (the code exchange) before it is
/// told to look at the terminal.
const OUTCOME_WAIT: Duration = Duration::from_secs(120);

/// A listener bound to the redirect URI's host and port.
pub struct CallbackListener {
    listener: TcpListener,
    redirect_uri: String,
    path: String,
}

/// A callback that carried a code; answer the browser with [`Callback::respond`].
pub struct Callback {
    /// The authorization code (for OAuth 1.0a the `oauth_verifier`).
    pub code: String,
    reply: oneshot::Sender<Response>,
    server: Server,
}

/// How the login ended, for the browser page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Connected; `account` names who, when the provider said.
    Connected {
        /// The provider's name.
        provider: String,
        /// The connected account (an email or user name), when known.
        account: Option<String>,
    },
    /// Not connected; the reason in plain words.
    Failed(String),
}

impl Callback {
    /// Tells the person in the browser how it ended, then stops the server once the page is sent.
    pub async fn respond(self, outcome: &Outcome) {
        let _ = self.reply.send(outcome_page(outcome));
        self.server.stop().await;
    }
}

/// The running HTTP server; stopping it lets answers in flight finish.
struct Server {
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn stop(self) {
        let _ = self.shutdown.send(());
        // Idle browser connections must not keep the command alive.
        let _ = tokio::time::timeout(Duration::from_secs(3), self.task).await;
    }
}

/// A callback request handed to the waiting login, with where to send the page.
type Request = (url::Url, oneshot::Sender<Response>);

impl CallbackListener {
    /// Binds to the redirect URI, which must be `http://` on this machine (127.0.0.1, `localhost`
    /// or `[::1]`). Port 0 picks a free port; the redirect URI then names the real one.
    /// `commands` are the program's, named in the advice when the URI cannot be listened on.
    pub async fn bind(redirect_uri: &str, commands: Commands) -> Result<Self, AuthError> {
        let url = url::Url::parse(redirect_uri).map_err(|error| {
            AuthError::usage(format!("--redirect-uri {redirect_uri:?} is not a URL: {error}"))
        })?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if url.scheme() != "http" || !loopback {
            let Commands { login, url, exchange, .. } = commands;
            return Err(AuthError::usage(format!(
                "--redirect-uri {redirect_uri:?}: `{login}` can only listen on http://127.0.0.1, \
                 http://localhost or http://[::1]; for a callback handled elsewhere use `{url}` and \
                 `{exchange}`"
            )));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let addr: SocketAddr = match url.host() {
            Some(url::Host::Ipv6(ip)) => (ip, port).into(),
            Some(url::Host::Ipv4(ip)) => (ip, port).into(),
            _ => (std::net::Ipv4Addr::LOCALHOST, port).into(),
        };
        let listener = TcpListener::bind(addr).await.map_err(|error| {
            AuthError::usage(format!(
                "cannot listen on {addr} for the callback ({error}): free the port or pass another \
                 --redirect-uri (it must equal the one registered with the provider)"
            ))
        })?;
        let mut actual = url.clone();
        if port == 0 {
            let real = listener.local_addr().map_err(|error| AuthError::usage(error.to_string()))?.port();
            let _ = actual.set_port(Some(real));
        }
        let path = url.path().to_string();
        Ok(Self { listener, redirect_uri: actual.into(), path })
    }

    /// The redirect URI to send in the authorization request (with the real port).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits up to `timeout` for the callback. Requests to other paths get 404, and requests to
    /// the callback path without `code` or `error` get a short page; both are ignored. A wrong
    /// `state` or an `error` ends the wait with an error (the browser is told why).
    pub async fn wait(self, expected_state: &str, timeout: Duration) -> Result<Callback, AuthError> {
        self.wait_for(timeout, |url| check_code(url, expected_state)).await
    }

    /// Waits up to `timeout` for an OAuth 1.0a callback: `oauth_token` must be this login's request
    /// token; `denied` ends the wait with `access_denied`; the result carries the verifier.
    pub async fn wait_oauth1(self, request_token: &str, timeout: Duration) -> Result<Callback, AuthError> {
        self.wait_for(timeout, |url| check_verifier(url, request_token)).await
    }

    /// Waits for the first callback request and checks it with `check`, which gives the code or
    /// the error the browser is shown.
    async fn wait_for(
        self,
        timeout: Duration,
        check: impl Fn(&url::Url) -> Result<String, AuthError>,
    ) -> Result<Callback, AuthError> {
        let (sender, mut requests) = mpsc::channel::<Request>(8);
        let path = self.path.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri| {
            let path = path.clone();
            let sender = sender.clone();
            async move { route(method, uri, &path, sender).await }
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let listener = self.listener;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let server = Server { shutdown, task };
        let outcome = tokio::time::timeout(timeout, async {
            let (url, reply) = requests.recv().await?;
            Some(match check(&url) {
                Ok(code) => Ok((code, reply)),
                Err(error) => {
                    let _ = reply.send(outcome_page(&Outcome::Failed(error.message().to_string())));
                    Err(error)
                }
            })
        })
        .await;
        match outcome {
            Ok(Some(Ok((code, reply)))) => Ok(Callback { code, reply, server }),
            Ok(Some(Err(error))) => {
                server.stop().await;
                Err(error)
            }
            Ok(None) => {
                server.stop().await;
                Err(AuthError::failed("listener_failed", "the callback listener stopped unexpectedly"))
            }
            Err(_) => {
                server.stop().await;
                Err(AuthError::failed(
                    "timeout",
                    format!(
                        "no callback arrived within {} s: open the printed oauthUrl in a browser and \
                         approve access, or pass a longer --timeout",
                        timeout.as_secs()
                    ),
                ))
            }
        }
    }
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// An OAuth 2.0 callback: the state first (a forged or stale link says nothing else that counts),
/// then `error`, then the code.
fn check_code(url: &url::Url, expected_state: &str) -> Result<String, AuthError> {
    if param(url, "state").as_deref() != Some(expected_state) {
        return Err(AuthError::failed(
            "state_mismatch",
            "the callback's state does not match the one in this login's URL (a link from another or an \
             earlier login was opened, or the request was forged): nothing was stored; run the login again \
             and open the URL it prints",
        ));
    }
    if let Some(error) = param(url, "error") {
        let description = param(url, "error_description").map(|d| format!(" ({d})")).unwrap_or_default();
        let message = if error == "access_denied" {
            format!("access was denied at the provider{description}: nothing was stored; run the login again and approve access")
        } else {
            format!(
                "the provider answered the authorization with error {error}{description}: nothing was stored"
            )
        };
        return Err(AuthError::failed(error, message));
    }
    param(url, "code").filter(|c| !c.is_empty()).ok_or_else(|| {
        AuthError::failed(
            "invalid_callback",
            "the callback carried neither a code nor an error: nothing was stored",
        )
    })
}

/// An OAuth 1.0a callback: `oauth_token` (or the token in `denied`) must be this login's request
/// token, then `denied`, then the verifier.
fn check_verifier(url: &url::Url, request_token: &str) -> Result<String, AuthError> {
    let denied = param(url, "denied");
    let token = param(url, "oauth_token").or_else(|| denied.clone().filter(|d| !d.is_empty()));
    if let Some(token) = token.filter(|t| t != request_token) {
        return Err(AuthError::failed(
            "token_mismatch",
            format!(
                "the callback's oauth_token does not match the request token of this login (got {token:?}: a \
                 link from another or an earlier login was opened, or the request was forged): nothing was \
                 stored; run the login again and open the URL it prints"
            ),
        ));
    }
    if denied.is_some() {
        return Err(AuthError::failed(
            "access_denied",
            "access was denied at the provider: nothing was stored; run the login again and approve access",
        ));
    }
    if param(url, "oauth_token").is_none() {
        return Err(AuthError::failed(
            "invalid_callback",
            "the callback carried no oauth_token (nor denied): nothing was stored; run the login again",
        ));
    }
    param(url, "oauth_verifier").filter(|v| !v.is_empty()).ok_or_else(|| {
        AuthError::failed(
            "invalid_callback",
            "the callback carried no oauth_verifier: nothing was stored; run the login again",
        )
    })
}

/// Parameters that make a request to the callback path a callback (OAuth 2.0 and 1.0a).
const CALLBACK_PARAMS: [&str; 4] = ["code", "error", "oauth_token", "denied"];

/// Answers one request: callbacks go to the waiting login and get its page; anything else is
/// answered here and changes nothing.
async fn route(method: Method, uri: Uri, path: &str, sender: mpsc::Sender<Request>) -> Response {
    let Ok(url) = url::Url::parse(&format!("http://callback{uri}")) else {
        return info_page(StatusCode::BAD_REQUEST, "Bad request", "The request target is not valid.");
    };
    if url.path() != path {
        return info_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This address only receives the login callback.",
        );
    }
    if method != Method::GET {
        return info_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not allowed",
            "The login callback is a GET request.",
        );
    }
    if !url.query_pairs().any(|(name, _)| CALLBACK_PARAMS.contains(&name.as_ref())) {
        return info_page(
            StatusCode::OK,
            "Waiting for the sign-in",
            "This is where the provider sends you back after you approve access. Open the link the \
             terminal printed to sign in.",
        );
    }
    let (reply, outcome) = oneshot::channel();
    if sender.send((url, reply)).await.is_err() {
        return info_page(
            StatusCode::GONE,
            "Login finished",
            "This login has already ended; see the terminal.",
        );
    }
    match tokio::time::timeout(OUTCOME_WAIT, outcome).await {
        Ok(Ok(page)) => page,
        _ => info_page(
            StatusCode::ACCEPTED,
            "Still working",
            "The login did not finish in time here; the terminal tells how it ended.",
        ),
    }
}

/// The page for how a login ended.
fn outcome_page(outcome: &Outcome) -> Response {
    let status = match outcome {
        Outcome::Connected { .. } => StatusCode::OK,
        Outcome::Failed(_) => StatusCode::BAD_REQUEST,
    };
    html(status, outcome_html(outcome))
}

/// The HTML of the page for how a login ended; every value from outside is escaped.
pub fn outcome_html(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Connected { provider, account } => {
            let who = match account {
                Some(account) => format!("<p class=\"who\">{}</p>", escape_html(account)),
                None => String::new(),
            };
            document(
                "ok",
                "&#10003;",
                "Connected",
                &format!("{who}<p>{} is connected and the credential is stored.</p>", escape_html(provider)),
            )
        }
        Outcome::Failed(reason) => {
            document("fail", "&#10007;", "Not connected", &format!("<p>{}</p>", escape_html(reason)))
        }
    }
}

fn info_page(status: StatusCode, title: &str, message: &str) -> Response {
    html(
        status,
        document("info", "&#8505;", &escape_html(title), &format!("<p>{}</p>", escape_html(message))),
    )
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// A complete page: inline style only, nothing loaded from elsewhere. `title` and `content` are
/// HTML already.
fn document(kind: &str, icon: &str, title: &str, content: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · gotowebinar</title><style>{STYLE}</style></head>\
         <body><main class=\"card {kind}\"><div class=\"icon\" aria-hidden=\"true\">{icon}</div>\
         <h1>{title}</h1>{content}\
         <p class=\"close\">You can close this tab and return to the terminal.</p></main></body></html>"
    )
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
background:linear-gradient(160deg,#eef2f7,#dfe6ee);color:#1f2933}\
.card{background:#fff;max-width:30rem;width:calc(100% - 2rem);padding:2.5rem 2rem 2rem;\
border-radius:14px;box-shadow:0 10px 30px rgba(31,41,51,.12);text-align:center;border-top:6px solid #7b8794}\
.card.ok{border-top-color:#2f9e44}.card.fail{border-top-color:#d9480f}\
.icon{width:3.5rem;height:3.5rem;margin:0 auto 1rem;border-radius:50%;display:flex;align-items:center;\
justify-content:center;font-size:1.8rem;font-weight:700;color:#fff;background:#7b8794}\
.ok .icon{background:#2f9e44}.fail .icon{background:#d9480f}\
h1{margin:0 0 .75rem;font-size:1.5rem}\
p{margin:.5rem 0;line-height:1.5;overflow-wrap:anywhere}\
.who{font-weight:600;font-size:1.1rem}\
.close{margin-top:1.5rem;color:#616e7c;font-size:.95rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_name_the_account_or_the_reason_and_load_nothing() {
        let ok = outcome_html(&Outcome::Connected {
            provider: "Your GoToWebinar account".into(),
            account: Some("ada@example.com".into()),
        });
        assert!(ok.contains("ada@example.com") && ok.contains("Connected"), "{ok}");
        assert!(ok.contains("You can close this tab and return to the terminal."), "{ok}");
        let anonymous = outcome_html(&Outcome::Connected { provider: "birds".into(), account: None });
        assert!(!anonymous.contains("class=\"who\""), "{anonymous}");

        let failed = outcome_html(&Outcome::Failed("denied <img src=x onerror=alert(1)>".into()));
        assert!(failed.contains("Not connected"), "{failed}");
        assert!(failed.contains("denied &lt;img src=x onerror=alert(1)&gt;"), "{failed}");
        assert!(!failed.contains("<img"), "{failed}");
        for page in [&ok, &failed] {
            assert!(!page.contains("src=\"") && !page.contains("href=") && !page.contains("@import"));
        }
    }
}
