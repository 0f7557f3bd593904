//! Signing in to `gotowebinar sandbox` the way a person does with GoTo: the consent page, Approve
//! and Deny, registered redirect URIs only, `--auto-approve` for scripts, and the ready
//! configuration (`--write-cfg`, `--print-env`) that `gotowebinar exec` uses as it is. Every
//! sandbox here is the binary, started with the flags a person would type.

use crate::support;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{binary, spawn_binary, Run};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout};

const LOOPBACK: &str = "http://127.0.0.1:38117/callback";

/// A browser on loopback: no proxy, redirects followed or not.
fn browser(follow: bool) -> reqwest::Client {
    let policy =
        if follow { reqwest::redirect::Policy::limited(5) } else { reqwest::redirect::Policy::none() };
    reqwest::Client::builder()
        .no_proxy()
        .redirect(policy)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).expect("a URL").query_pairs().into_owned().collect()
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line))
        .await
        .expect("a line in time")
        .expect("stdout is readable");
    line
}

/// A running `gotowebinar sandbox` and what it printed.
struct SandboxProc {
    child: Child,
    /// The JSON credential line, or `Null` with `--print-env`.
    credential: Value,
    /// The `--print-env` output, empty without it.
    env_text: String,
}

impl SandboxProc {
    async fn start(flags: &[&str]) -> SandboxProc {
        let mut args = vec!["sandbox", "--port", "0"];
        args.extend_from_slice(flags);
        let mut child = spawn_binary(&args, &[]);
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (mut credential, mut env_text) = (Value::Null, String::new());
        if flags.contains(&"--print-env") {
            // The last variable ends the block.
            while !env_text.contains("export CITRIX_WEBHOOK_SECRET=") {
                let next = line(&mut stdout).await;
                assert!(!next.is_empty(), "the sandbox stopped: {env_text}");
                env_text.push_str(&next);
            }
        } else {
            let first = line(&mut stdout).await;
            credential = serde_json::from_str(&first).unwrap_or_else(|e| panic!("not JSON ({e}): {first}"));
        }
        // Kept open so the sandbox never writes to a closed pipe.
        tokio::spawn(async move {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest).await;
        });
        SandboxProc { child, credential, env_text }
    }

    fn url(&self) -> String {
        match self.credential["apiUrl"].as_str() {
            Some(url) => url.to_string(),
            None => self.env("GOTO_API_URL"),
        }
    }

    fn client_id(&self) -> String {
        self.credential["clientId"].as_str().expect("clientId").to_string()
    }

    fn client_secret(&self) -> String {
        self.credential["clientSecret"].as_str().expect("clientSecret").to_string()
    }

    /// A value of the `--print-env` output, unquoted as a shell does.
    fn env(&self, name: &str) -> String {
        let prefix = format!("export {name}=");
        let raw =
            self.env_text.lines().find_map(|l| l.strip_prefix(&prefix)).expect("the variable is printed");
        unquote(raw)
    }

    /// The environment `auth` and `exec` need, from the JSON line.
    fn component_env(&self) -> Vec<(String, String)> {
        vec![
            ("GOTO_API_URL".into(), self.url()),
            ("GOTO_AUTH_URL".into(), self.url()),
            ("CITRIX_APP_ID".into(), self.client_id()),
            ("CITRIX_APP_SECRET".into(), self.client_secret()),
        ]
    }

    fn authorize_url(&self, client_id: &str, redirect_uri: &str, extra: &str) -> String {
        format!(
            "{}/oauth/authorize?client_id={}&response_type=code&redirect_uri={}&state=st-1{extra}",
            self.url(),
            encode(client_id),
            encode(redirect_uri)
        )
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Undoes `shell_quote`: a bare word, or single quotes with `'\''` inside.
fn unquote(raw: &str) -> String {
    match raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Some(inner) => inner.replace(r"'\''", "'"),
        None => raw.to_string(),
    }
}

/// The request id the consent page's form carries.
fn request_id(html: &str) -> String {
    let marker = "name=\"request\" value=\"";
    let start = html.find(marker).expect("the form carries a request id") + marker.len();
    let end = html[start..].find('"').expect("the value ends") + start;
    html[start..end].to_string()
}

/// Answers a consent page as the browser posts its form; returns the answer (not followed).
async fn answer(sandbox: &SandboxProc, request: &str, decision: &str) -> reqwest::Response {
    browser(false)
        .post(format!("{}/oauth/authorize", sandbox.url()))
        .form(&[("request", request), ("decision", decision)])
        .send()
        .await
        .expect("the sandbox answers")
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get("location").map(|l| l.to_str().expect("ASCII").to_string())
}

async fn token(sandbox: &SandboxProc, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = browser(false)
        .post(format!("{}/oauth/token", sandbox.url()))
        .basic_auth(sandbox.client_id(), Some(sandbox.client_secret()))
        .form(form)
        .send()
        .await
        .expect("the token endpoint answers");
    (resp.status().as_u16(), resp.json().await.expect("JSON"))
}

#[tokio::test]
async fn the_consent_page_names_client_scopes_and_target_and_escapes_them() {
    let client = "crm<b>\"sync\"</b>&co";
    let sandbox = SandboxProc::start(&["--client-id", client]).await;
    assert_eq!(sandbox.client_id(), client);
    let redirect = "http://127.0.0.1:38117/cb?next=\"><script>alert(1)</script>";
    let url = sandbox.authorize_url(client, redirect, &format!("&scope={}", encode("collab: <i>x</i>")));
    let page = browser(false).get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(location(&page).is_none(), "no redirect before the person answers");
    let headers = page.headers().clone();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(headers["x-frame-options"], "DENY", "the consent page is never framed");
    assert_eq!(headers["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("crm&lt;b&gt;&quot;sync&quot;&lt;/b&gt;&amp;co"), "the client, escaped: {html}");
    assert!(html.contains("<code>collab:</code>") && html.contains("webinars"), "the scopes: {html}");
    assert!(html.contains("&lt;i&gt;x&lt;/i&gt;"), "an unknown scope, escaped: {html}");
    assert!(
        html.contains("http://127.0.0.1:38117/cb?next=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the redirect target, escaped: {html}"
    );
    assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("<i>"), "{html}");
    assert!(html.contains("morgan.lee@northwind.example"), "who is signed in: {html}");
    assert!(html.contains("<form method=\"post\" action=\"/oauth/authorize\">"), "{html}");
    assert!(html.contains("value=\"approve\"") && html.contains(">Approve</button>"), "{html}");
    assert!(html.contains("value=\"deny\"") && html.contains(">Deny</button>"), "{html}");
    assert!(html.contains("<style>") && !html.contains("https://"), "stands alone: {html}");
    assert!(request_id(&html).len() >= 32);
    sandbox.stop().await;
}

#[tokio::test]
async fn approve_sends_a_code_and_the_state_and_a_page_is_answered_once() {
    let sandbox = SandboxProc::start(&[]).await;
    let page =
        browser(false).get(sandbox.authorize_url(&sandbox.client_id(), LOOPBACK, "")).send().await.unwrap();
    let request = request_id(&page.text().await.unwrap());

    let approved = answer(&sandbox, &request, "approve").await;
    assert_eq!(approved.status(), 303);
    let to = location(&approved).expect("a redirect");
    assert!(to.starts_with(&format!("{LOOPBACK}?")), "{to}");
    let params = query(&to);
    assert_eq!(params["state"], "st-1");
    assert!(!params.contains_key("error"), "{to}");
    let code = params["code"].clone();
    let (status, body) =
        token(&sandbox, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", LOOPBACK)])
            .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());

    // A page is answered once; a forged or unknown request id goes nowhere.
    for (id, decision) in [(request.as_str(), "approve"), ("forged", "approve"), (request.as_str(), "maybe")]
    {
        let again = answer(&sandbox, id, decision).await;
        assert_eq!(again.status(), 400, "{id} {decision}");
        assert!(location(&again).is_none());
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn deny_sends_access_denied_with_the_state_and_no_code() {
    let sandbox = SandboxProc::start(&[]).await;
    let page =
        browser(false).get(sandbox.authorize_url(&sandbox.client_id(), LOOPBACK, "")).send().await.unwrap();
    let denied = answer(&sandbox, &request_id(&page.text().await.unwrap()), "deny").await;
    assert_eq!(denied.status(), 303);
    let to = location(&denied).expect("a redirect");
    assert!(to.starts_with(&format!("{LOOPBACK}?")), "{to}");
    let params = query(&to);
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(params["state"], "st-1");
    assert!(!params.contains_key("code"), "{to}");
    sandbox.stop().await;
}

#[tokio::test]
async fn auto_approve_redirects_with_a_code_at_once() {
    let sandbox = SandboxProc::start(&["--auto-approve"]).await;
    let resp =
        browser(false).get(sandbox.authorize_url(&sandbox.client_id(), LOOPBACK, "")).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let params = query(&location(&resp).expect("a redirect"));
    assert_eq!(params["state"], "st-1");
    assert_eq!(params["code"].len(), 32);
    sandbox.stop().await;
}

#[tokio::test]
async fn an_unregistered_or_malformed_redirect_uri_gets_an_error_page_and_no_redirect() {
    // Auto-approve on: even a sandbox that answers at once never redirects to these.
    let sandbox = SandboxProc::start(&["--auto-approve"]).await;
    let client = sandbox.client_id();
    let refused = [
        "https://attacker.example/steal",
        "http://127.0.0.1@attacker.example/cb",
        "http://localhost.attacker.example/cb",
        "https://127.0.0.1:38117/callback",
        "http://127.0.0.2:38117/callback",
        "http://127.0.0.1:38117/callback#fragment",
        "javascript:alert(1)",
        "/callback",
        "not a url",
    ];
    for redirect in refused {
        let resp = browser(false).get(sandbox.authorize_url(&client, redirect, "")).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{redirect}");
        assert!(location(&resp).is_none(), "no redirect to {redirect}");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = resp.text().await.unwrap();
        assert!(html.contains("redirect_uri"), "{redirect}: {html}");
        assert!(!html.contains("<script") && !html.contains("href="), "nothing to follow: {html}");
    }
    let html = browser(false)
        .get(sandbox.authorize_url(&client, "https://attacker.example/steal", ""))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("not registered") && html.contains("--redirect-uri"), "says what to fix: {html}");

    // No redirect_uri, or an unknown client: the same.
    let bare =
        format!("{}/oauth/authorize?client_id={}&response_type=code&state=s", sandbox.url(), encode(&client));
    let stranger = sandbox.authorize_url("stranger", LOOPBACK, "");
    for url in [bare, stranger] {
        let resp = browser(false).get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{url}");
        assert!(location(&resp).is_none(), "{url}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn redirect_uri_registers_a_uri_exactly() {
    let registered = "https://crm.example.com/oauth/callback";
    let sandbox = SandboxProc::start(&["--auto-approve", "--redirect-uri", registered]).await;
    let client = sandbox.client_id();
    let resp = browser(false).get(sandbox.authorize_url(&client, registered, "")).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{registered}?code=")), "{to}");
    for near in [
        "https://crm.example.com/oauth/callback/",
        "https://crm.example.com/oauth/callback?x=1",
        "https://crm.example.com/oauth/callback2",
        "http://crm.example.com/oauth/callback",
    ] {
        let resp = browser(false).get(sandbox.authorize_url(&client, near, "")).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{near}");
        assert!(location(&resp).is_none(), "{near}");
    }
    sandbox.stop().await;

    // A URI that can never be one is refused at start, naming the flag.
    let mut child =
        spawn_binary(&["sandbox", "--port", "0", "--redirect-uri", "https://crm.example.com/cb#x"], &[]);
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("it exits").unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("--redirect-uri") && stderr.contains("fragment"), "{stderr}");
}

#[tokio::test]
async fn loopback_on_any_port_is_registered() {
    let sandbox = SandboxProc::start(&["--auto-approve"]).await;
    let client = sandbox.client_id();
    for redirect in [
        "http://127.0.0.1:1/callback",
        "http://127.0.0.1:65535/oauth/done?from=cli",
        "http://127.0.0.1/callback",
        "http://localhost:8080/callback",
        "http://[::1]:49152/callback",
    ] {
        let resp = browser(false).get(sandbox.authorize_url(&client, redirect, "")).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{redirect}");
        let to = location(&resp).unwrap();
        assert!(query(&to).contains_key("code"), "{to}");
        assert_eq!(url::Url::parse(&to).unwrap().port(), url::Url::parse(redirect).unwrap().port(), "{to}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_wants_the_redirect_uri_the_code_was_issued_for() {
    let sandbox = SandboxProc::start(&["--auto-approve"]).await;
    let resp =
        browser(false).get(sandbox.authorize_url(&sandbox.client_id(), LOOPBACK, "")).send().await.unwrap();
    let code = query(&location(&resp).unwrap())["code"].clone();
    // Another loopback port is fine for a code to go to, but not for this code's exchange.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("credential.json");
    let args: Vec<String> = [
        "auth",
        "exchange",
        "--code",
        &code,
        "--redirect-uri",
        "http://127.0.0.1:38118/callback",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = support::run_binary(&args, &sandbox.component_env()).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.events[0]["error"]["code"], "invalid_grant");
    assert!(run.stderr.contains("redirect_uri"), "{}", run.stderr);
    assert!(!out.exists());
    // The refusal did not spend the code: the right redirect URI still works.
    let (status, body) =
        token(&sandbox, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", LOOPBACK)])
            .await;
    assert_eq!(status, 200, "{body}");
    sandbox.stop().await;
}

/// `auth login` against the sandbox binary; `approve` plays the person on the consent page.
async fn login(
    sandbox: &SandboxProc,
    out: &Path,
    browse: impl AsyncFnOnce(&str) -> reqwest::Response,
) -> Run {
    let mut child = spawn_binary(
        &["auth", "login", "--redirect-uri", "http://127.0.0.1:0/callback", "--out", out.to_str().unwrap()],
        &sandbox.component_env(),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let first: Value = serde_json::from_str(&line(&mut stdout).await).expect("the URL line");
    let page = browse(first["oauthUrl"].as_str().expect("oauthUrl")).await;
    assert_eq!(page.status(), 200, "the browser ends on the callback page");
    assert!(page.text().await.unwrap().contains("Connected"));
    let mut rest = String::new();
    let mut stderr = String::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        stdout.read_to_string(&mut rest).await.unwrap();
        child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
    })
    .await
    .expect("the login ends");
    let status = child.wait().await.unwrap();
    let events =
        rest.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    Run { code: status.code().unwrap_or(-1), events, stderr }
}

async fn exec_lists_webinars(sandbox: &SandboxProc, cfg: &Path) {
    let args: Vec<String> =
        ["exec", "listWebinars", "--cfg", cfg.to_str().unwrap()].iter().map(|s| s.to_string()).collect();
    let run = support::run_binary(&args, &sandbox.component_env()).await;
    run.assert_ok();
    assert!(!run.data().is_empty());
}

#[tokio::test]
async fn auth_login_connects_through_the_consent_page_like_a_browser() {
    let sandbox = SandboxProc::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("credential.json");
    let run = login(&sandbox, &out, async |url| {
        let page = browser(false).get(url).send().await.unwrap();
        assert_eq!(page.status(), 200, "the consent page");
        let request = request_id(&page.text().await.unwrap());
        // The browser follows the 303 to the login's callback.
        browser(true)
            .post(format!("{}/oauth/authorize", sandbox.url()))
            .form(&[("request", request.as_str()), ("decision", "approve")])
            .send()
            .await
            .unwrap()
    })
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.events[0]["status"], "connected");
    assert_eq!(run.events[0]["organizerKey"], sandbox.credential["organizerKey"]);
    exec_lists_webinars(&sandbox, &out).await;
    sandbox.stop().await;
}

#[tokio::test]
async fn auth_login_connects_at_once_with_auto_approve() {
    let sandbox = SandboxProc::start(&["--auto-approve"]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("credential.json");
    let run = login(&sandbox, &out, async |url| browser(true).get(url).send().await.unwrap()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    exec_lists_webinars(&sandbox, &out).await;
    sandbox.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn write_cfg_and_print_env_are_all_exec_needs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.json");
    std::fs::write(&cfg, "{}").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let secret = "it's a \"webhook\" $secret";
    let sandbox = SandboxProc::start(&[
        "--write-cfg",
        cfg.to_str().unwrap(),
        "--print-env",
        "--webhook-secret",
        secret,
    ])
    .await;
    for l in sandbox.env_text.lines() {
        assert!(l.starts_with("# ") || l.starts_with("export "), "only shell lines: {l}");
    }
    assert_eq!(std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777, 0o600);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    assert!(written["oauth"]["access_token"].is_string() && written["oauth"]["refresh_token"].is_string());
    assert!(written["oauth"]["expires_at"].is_string(), "{written}");
    assert!(written["organizerKey"].is_string() && written["accountKey"].is_string(), "{written}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file: {leftovers:?}");

    // Exactly what was printed, sourced by a shell, and nothing of the test's own environment.
    let env_file = dir.path().join("sandbox.env");
    std::fs::write(&env_file, &sandbox.env_text).unwrap();
    let script = "set -e; . \"$1\"; printf '%s' \"$CITRIX_WEBHOOK_SECRET\" > \"$2\"; \
                  exec \"$3\" exec listWebinars --cfg \"$4\" --save-keys";
    let bin = binary();
    let output = tokio::process::Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&env_file)
        .arg(dir.path().join("secret.txt"))
        .arg(&bin)
        .arg(&cfg)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let events: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|e| e["event"] == "data"), "{stdout}");
    assert!(events.iter().all(|e| e["event"] != "error"), "{stdout}");
    assert_eq!(std::fs::read_to_string(dir.path().join("secret.txt")).unwrap(), secret);
    assert_eq!(sandbox.env("CITRIX_WEBHOOK_SECRET"), secret);
    assert_eq!(sandbox.env("GOTO_AUTH_URL"), sandbox.env("GOTO_API_URL"));
    sandbox.stop().await;
}

#[tokio::test]
async fn write_cfg_into_a_missing_directory_fails_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("no-such-dir").join("cfg.json");
    let mut child = spawn_binary(&["sandbox", "--port", "0", "--write-cfg", cfg.to_str().unwrap()], &[]);
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("it exits").unwrap();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut stdout).await.unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(stdout.is_empty(), "no credential printed: {stdout}");
    assert!(stderr.contains("no-such-dir") && stderr.contains("does not exist"), "{stderr}");
}
