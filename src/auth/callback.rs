//! The local redirect target of `auth login`: a tiny HTTP listener that waits for the provider
//! to send the browser back with `code` + `state` (or `error`), or for OAuth 1.0a with
//! `oauth_token` + `oauth_verifier` (or `denied`), and answers the browser once the outcome is
//! known.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::AuthError;

/// The redirect URI `auth login` listens on unless told otherwise.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// Most bytes read of a callback request (the request line and headers).
const MAX_REQUEST: usize = 16 * 1024;

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
    stream: TcpStream,
}

impl Callback {
    /// Tells the person in the browser how it ended.
    pub async fn respond(mut self, ok: bool, message: &str) {
        let status = if ok { "200 OK" } else { "400 Bad Request" };
        answer(&mut self.stream, status, if ok { "Connected" } else { "Not connected" }, message).await;
    }
}

impl CallbackListener {
    /// Binds to the redirect URI, which must be `http://` on this machine (127.0.0.1, `localhost`
    /// or `[::1]`). Port 0 picks a free port; the redirect URI then names the real one.
    pub async fn bind(redirect_uri: &str) -> Result<Self, AuthError> {
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
            return Err(AuthError::usage(format!(
                "--redirect-uri {redirect_uri:?}: `auth login` can only listen on http://127.0.0.1, \
                 http://localhost or http://[::1]; for a callback handled elsewhere use `auth url` and \
                 `auth exchange`"
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

    /// Waits up to `timeout` for the callback. Requests to other paths get 404 and are ignored.
    /// A wrong `state`, an `error` or a missing code end the wait with an error (the browser is
    /// told why).
    pub async fn wait(&self, expected_state: &str, timeout: Duration) -> Result<Callback, AuthError> {
        self.wait_for(timeout, |url| check_code(url, expected_state)).await
    }

    /// Waits up to `timeout` for an OAuth 1.0a callback: `oauth_token` must be this login's request
    /// token; `denied` ends the wait with `access_denied`; the result carries the verifier.
    pub async fn wait_oauth1(&self, request_token: &str, timeout: Duration) -> Result<Callback, AuthError> {
        self.wait_for(timeout, |url| check_verifier(url, request_token)).await
    }

    /// Waits for the first request to the callback path and checks it with `check`, which gives
    /// the code or the error the browser is shown.
    async fn wait_for(
        &self,
        timeout: Duration,
        check: impl Fn(&url::Url) -> Result<String, AuthError>,
    ) -> Result<Callback, AuthError> {
        // Each connection is read on its own task: a browser may open idle connections ahead of
        // time, and one of them must not hold up the real callback.
        let (sender, mut requests) = tokio::sync::mpsc::channel::<(TcpStream, url::Url)>(8);
        let path = self.path.clone();
        let wait = async {
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => {
                        let Ok((stream, _)) = accepted else {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        };
                        tokio::spawn(route(stream, path.clone(), sender.clone()));
                    }
                    Some((mut stream, url)) = requests.recv() => {
                        return match check(&url) {
                            Ok(code) => Ok(Callback { code, stream }),
                            Err(error) => {
                                answer(&mut stream, "400 Bad Request", "Not connected", error.message()).await;
                                Err(error)
                            }
                        };
                    }
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(result) => result,
            Err(_) => Err(AuthError::failed(
                "timeout",
                format!(
                    "no callback arrived within {} s: open the printed oauthUrl in a browser and approve \
                     access, or pass a longer --timeout",
                    timeout.as_secs()
                ),
            )),
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

/// Reads one request; callbacks go to `sender`, anything else is answered here.
async fn route(
    mut stream: TcpStream,
    path: String,
    sender: tokio::sync::mpsc::Sender<(TcpStream, url::Url)>,
) {
    let Some(target) = read_target(&mut stream).await else {
        answer(&mut stream, "400 Bad Request", "Bad request", "This is not an HTTP GET.").await;
        return;
    };
    let Ok(url) = url::Url::parse(&format!("http://callback{target}")) else {
        answer(&mut stream, "400 Bad Request", "Bad request", "The request target is not valid.").await;
        return;
    };
    if url.path() != path {
        answer(&mut stream, "404 Not Found", "Not found", "This is the login callback only.").await;
        return;
    }
    let _ = sender.send((stream, url)).await;
}

/// The target of a GET request line, once the headers have arrived.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < MAX_REQUEST {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.ok()??;
    let text = String::from_utf8_lossy(&buffer);
    let mut parts = text.lines().next()?.split_whitespace();
    (parts.next()? == "GET").then_some(())?;
    let target = parts.next()?;
    target.starts_with('/').then(|| target.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn answer(stream: &mut TcpStream, status: &str, title: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{}</p><p>You can close this window.</p></body></html>",
        escape(message)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
