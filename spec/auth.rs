//! `gotowebinar auth …` through the binary against the sandbox's OAuth endpoints (and a small
//! local fake for a generic OAuth 2.0 provider). The tests play the person's browser.

use crate::support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gotowebinar_sandbox::SandboxConfig;
use serde_json::{json, Value};
use support::{run_binary, spawn_binary, Run, World};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout};

const ANY_PORT: &str = "http://127.0.0.1:0/callback";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).expect("a URL").query_pairs().into_owned().collect()
}

/// A browser: loopback only, no proxy.
fn browser(follow: bool) -> reqwest::Client {
    let policy =
        if follow { reqwest::redirect::Policy::limited(5) } else { reqwest::redirect::Policy::none() };
    reqwest::Client::builder().no_proxy().redirect(policy).build().expect("an HTTP client")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("the file exists").permissions().mode() & 0o777
}

/// Secrets that must never show in any output.
fn assert_no_secrets(run_text: &str, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        assert!(!run_text.contains(secret), "a secret leaked: {run_text}");
    }
}

/// The callback page refused the request and says why.
async fn assert_refused_page(page: reqwest::Response, says: &str) {
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains(says));
}

/// The login ended with exit code 1, the error `code` and every one of `says` on stderr.
fn assert_login_failed(run: &Run, code: &str, says: &[&str]) {
    assert_eq!(run.code, 1);
    assert_eq!(run.events[0]["error"]["code"], code);
    assert!(says.iter().all(|s| run.stderr.contains(s)), "{}", run.stderr);
}

/// `auth login` flags: a loopback redirect on any port, the credential written to `out`, and `extra`.
fn login_flags<'a>(out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut flags = vec!["--redirect-uri", ANY_PORT, "--out", out.to_str().unwrap()];
    flags.extend_from_slice(extra);
    flags
}

/// A running `auth login`: its first stdout line (the URL) already read.
struct Login {
    child: Child,
    stdout: BufReader<ChildStdout>,
    first: Value,
}

impl Login {
    async fn start(env: &[(String, String)], extra: &[&str]) -> Login {
        let args: Vec<&str> = ["auth", "login"].into_iter().chain(extra.iter().copied()).collect();
        let mut child = spawn_binary(&args, env);
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(20), stdout.read_line(&mut line))
            .await
            .expect("the login prints its URL in time")
            .expect("stdout is readable");
        let first: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        Login { child, stdout, first }
    }

    fn url(&self) -> String {
        self.first["oauthUrl"].as_str().expect("oauthUrl in the first line").to_string()
    }

    /// Waits for the end; the remaining stdout lines as events.
    async fn finish(mut self) -> Run {
        let mut rest = String::new();
        let mut stderr = String::new();
        let status = tokio::time::timeout(Duration::from_secs(30), async {
            self.stdout.read_to_string(&mut rest).await.expect("stdout");
            if let Some(mut err) = self.child.stderr.take() {
                err.read_to_string(&mut stderr).await.expect("stderr");
            }
            self.child.wait().await.expect("the login ends")
        })
        .await
        .expect("the login ends in time");
        let events =
            rest.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
        Run { code: status.code().unwrap_or(-1), events, stderr }
    }
}

/// The web application's redirect URI some tests use (not loopback, so it must be registered).
const WEB_REDIRECT: &str = "https://app.example.com/oauth/callback";

/// A sandbox that approves each sign-in at once, as if the person pressed Approve, and has
/// `WEB_REDIRECT` registered. The consent page itself is tested in `spec/signin.rs`.
async fn approving_world() -> World {
    World::with(SandboxConfig {
        rate_limit: None,
        auto_approve: true,
        redirect_uris: vec![WEB_REDIRECT.into()],
        ..SandboxConfig::default()
    })
    .await
}

fn cred_path(world: &World) -> PathBuf {
    world.dir.path().join("credential.json")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the file exists")).expect("JSON")
}

#[tokio::test]
async fn url_carries_client_state_scopes_and_redirect() {
    let world = World::new().await;
    let redirect = "http://127.0.0.1:8765/callback";
    let run = run_binary(
        &args(&[
            "auth",
            "url",
            "--redirect-uri",
            redirect,
            "--state",
            "st-42",
            "--scope",
            "collab: identity:scim.me",
        ]),
        &world.env(),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.events[0];
    assert_eq!(out["provider"], "gotowebinar");
    let url = out["oauthUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/oauth/authorize?", world.sandbox.url())), "{url}");
    let q = query(url);
    assert_eq!(q["client_id"], world.sandbox.client_id());
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], redirect);
    assert_eq!(q["state"], "st-42");
    assert_eq!(q["scope"], "collab: identity:scim.me");
    assert_no_secrets(&format!("{:?}{}", run.events, run.stderr), &[world.sandbox.client_secret()]);

    // Without --state a random one is made, and printed so the caller can check the callback.
    let first = run_binary(&args(&["auth", "url"]), &world.env()).await;
    let second = run_binary(&args(&["auth", "url"]), &world.env()).await;
    let state = first.events[0]["state"].as_str().unwrap().to_string();
    assert!(state.len() >= 32, "{state}");
    assert_eq!(query(first.events[0]["oauthUrl"].as_str().unwrap())["state"], state);
    assert_ne!(second.events[0]["state"], json!(state));
    assert_eq!(query(first.events[0]["oauthUrl"].as_str().unwrap())["redirect_uri"], redirect, "the default");

    // No client id: a usage error naming the variable.
    let env: Vec<(String, String)> = world.env().into_iter().filter(|(k, _)| k != "CITRIX_APP_ID").collect();
    let run = run_binary(&args(&["auth", "url"]), &env).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("CITRIX_APP_ID"), "{}", run.stderr);
}

#[tokio::test]
async fn login_connects_and_writes_a_private_credential_exec_can_use() {
    let world = approving_world().await;
    let out = cred_path(&world);
    let login = Login::start(&world.env(), &login_flags(&out, &["--timeout", "30"])).await;
    let url = login.url();
    let redirect = login.first["redirectUri"].as_str().unwrap().to_string();
    assert!(redirect.starts_with("http://127.0.0.1:") && !redirect.contains(":0/"), "{redirect}");
    assert_eq!(query(&url)["redirect_uri"], redirect);

    let first_line = login.first.to_string();
    // Browsers open connections ahead of time; an idle one must not hold up the callback.
    let listener = url::Url::parse(&redirect).unwrap();
    let _idle = tokio::net::TcpStream::connect((listener.host_str().unwrap(), listener.port().unwrap()))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let page = browser(true).get(&url).send().await.expect("the browser reaches the callback");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("connected"));
    assert!(started.elapsed() < Duration::from_secs(5), "the idle connection delayed the callback");
    let run = login.finish().await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = &run.events[0];
    assert_eq!(summary["status"], "connected");
    assert_eq!(summary["organizerKey"], world.sandbox.organizer_key());
    assert_eq!(summary["accountKey"], world.sandbox.account_key());
    assert_eq!(summary["hasRefreshToken"], true);
    assert!(summary["expiresAt"].is_string() && summary["who"].is_string(), "{summary}");

    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    let cfg = read_json(&out);
    let access = cfg["oauth"]["access_token"].as_str().unwrap().to_string();
    let refresh = cfg["oauth"]["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(cfg["organizerKey"], world.sandbox.organizer_key());
    assert!(cfg["oauth"]["expires_at"].is_string());
    let printed = format!("{first_line}{:?}{}", run.events, run.stderr);
    assert_no_secrets(&printed, &[&access, &refresh, world.sandbox.client_secret()]);

    // The file is a cfg `gotowebinar exec` reads as it is.
    let listed = world.exec("listWebinars", &out, None, &[]).await;
    listed.assert_ok();
    assert!(!listed.data().is_empty());
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused_and_nothing_is_written() {
    let world = approving_world().await;
    let out = cred_path(&world);
    let login = Login::start(&world.env(), &login_flags(&out, &[])).await;
    let answer = browser(false).get(login.url()).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let mut forged = url::Url::parse(&location).unwrap();
    let code = query(&location)["code"].clone();
    forged.query_pairs_mut().clear().append_pair("code", &code).append_pair("state", "forged");
    let page = browser(false).get(forged.as_str()).send().await.unwrap();
    assert_refused_page(page, "state does not match").await;
    let run = login.finish().await;
    assert_login_failed(&run, "state_mismatch", &["state does not match"]);
    assert!(!out.exists(), "no credential after a state mismatch");
}

#[tokio::test]
async fn denied_access_ends_with_exit_1_and_no_file() {
    let world = approving_world().await;
    let out = cred_path(&world);
    world.sandbox.deny_next_authorize();
    let login = Login::start(&world.env(), &login_flags(&out, &[])).await;
    let page = browser(true).get(login.url()).send().await.unwrap();
    assert_refused_page(page, "denied").await;
    let run = login.finish().await;
    assert_login_failed(&run, "access_denied", &["access was denied", "nothing was stored"]);
    assert!(!out.exists());
    assert_eq!(world.sandbox.token_requests(), 0, "no exchange after a denial");
}

#[tokio::test]
async fn no_callback_within_the_timeout_ends_cleanly() {
    let world = World::new().await;
    let out = cred_path(&world);
    let started = std::time::Instant::now();
    let login = Login::start(&world.env(), &login_flags(&out, &["--timeout", "1"])).await;
    // A stray request to another path does not end the wait.
    let redirect = login.first["redirectUri"].as_str().unwrap().replace("/callback", "/favicon.ico");
    assert_eq!(browser(false).get(redirect).send().await.unwrap().status(), 404);
    let run = login.finish().await;
    assert_login_failed(&run, "timeout", &["no callback arrived within 1 s"]);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(!out.exists());
}

#[tokio::test]
async fn login_checks_the_client_secret_before_it_prints_the_url() {
    let world = World::new().await;
    let out = cred_path(&world);
    let env: Vec<(String, String)> =
        world.env().into_iter().filter(|(k, _)| k != "CITRIX_APP_SECRET").collect();
    let run = run_binary(
        &args(&[
            "auth",
            "login",
            "--redirect-uri",
            ANY_PORT,
            "--out",
            out.to_str().unwrap(),
            "--timeout",
            "3",
        ]),
        &env,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.events.iter().all(|e| e.get("oauthUrl").is_none()), "no URL to open: {:?}", run.events);
    assert!(run.stderr.contains("CITRIX_APP_SECRET"), "{}", run.stderr);
}

#[tokio::test]
async fn requests_without_code_or_error_are_answered_and_the_login_keeps_waiting() {
    let world = approving_world().await;
    let out = cred_path(&world);
    let login = Login::start(&world.env(), &login_flags(&out, &["--timeout", "30"])).await;
    let redirect = login.first["redirectUri"].as_str().unwrap().to_string();
    let bare = browser(false).get(&redirect).send().await.unwrap();
    assert_eq!(bare.status(), 200);
    assert!(bare.text().await.unwrap().contains("Waiting for the sign-in"));
    let favicon = redirect.replace("/callback", "/favicon.ico");
    assert_eq!(browser(false).get(favicon).send().await.unwrap().status(), 404);
    let probe = browser(false).get(format!("{redirect}?health=1")).send().await.unwrap();
    assert_eq!(probe.status(), 200);

    let page = browser(true).get(login.url()).send().await.expect("the browser reaches the callback");
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    let run = login.finish().await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let who = run.events[0]["who"].as_str().expect("the account is known").to_string();
    assert!(html.contains("Connected") && html.contains(&who), "{html}");
    assert!(html.contains("You can close this tab and return to the terminal"), "{html}");
    assert!(html.contains("<style>") && !html.contains("http://") && !html.contains("https://"), "{html}");
    assert!(out.exists());
}

#[tokio::test]
async fn the_failure_page_shows_the_providers_error_escaped() {
    let world = World::new().await;
    let out = cred_path(&world);
    let login = Login::start(&world.env(), &login_flags(&out, &[])).await;
    let state = query(&login.url())["state"].clone();
    let mut callback = url::Url::parse(login.first["redirectUri"].as_str().unwrap()).unwrap();
    callback
        .query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("error", "server_error")
        .append_pair("error_description", "<script>alert(1)</script> & more");
    let page = browser(false).get(callback.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 400);
    let html = page.text().await.unwrap();
    assert!(html.contains("Not connected"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("You can close this tab and return to the terminal"), "{html}");
    let run = login.finish().await;
    assert_login_failed(&run, "server_error", &[]);
    assert!(!out.exists());
}

/// Plays the browser up to the redirect and returns the code it carries.
async fn code_for(world: &World, redirect: &str) -> String {
    let url = run_binary(&args(&["auth", "url", "--redirect-uri", redirect]), &world.env()).await.events[0]
        ["oauthUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = browser(false).get(url).send().await.unwrap();
    query(answer.headers()["location"].to_str().unwrap())["code"].clone()
}

#[tokio::test]
async fn exchange_writes_the_credential_and_a_reused_code_or_wrong_secret_fail_clearly() {
    let world = approving_world().await;
    let out = cred_path(&world);
    let redirect = WEB_REDIRECT;
    let code = code_for(&world, redirect).await;
    let exchange = |code: String, env: Vec<(String, String)>, out: PathBuf| async move {
        run_binary(
            &args(&[
                "auth",
                "exchange",
                "--code",
                &code,
                "--redirect-uri",
                redirect,
                "--out",
                out.to_str().unwrap(),
            ]),
            &env,
        )
        .await
    };
    let run = exchange(code.clone(), world.env(), out.clone()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.events[0]["organizerKey"], world.sandbox.organizer_key());
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    assert!(read_json(&out)["oauth"]["refresh_token"].is_string());

    let again = exchange(code.clone(), world.env(), world.dir.path().join("again.json")).await;
    assert_eq!(again.code, 1);
    assert_eq!(again.events[0]["error"]["code"], "invalid_grant");
    assert!(again.stderr.contains("already used") && again.stderr.contains("works once"), "{}", again.stderr);
    assert!(!world.dir.path().join("again.json").exists());

    let wrong: Vec<(String, String)> = world
        .env()
        .into_iter()
        .map(|(k, v)| if k == "CITRIX_APP_SECRET" { (k, "wrong-secret-value".into()) } else { (k, v) })
        .collect();
    let fresh = code_for(&world, redirect).await;
    let denied = exchange(fresh, wrong, world.dir.path().join("wrong.json")).await;
    assert_eq!(denied.code, 1);
    assert_eq!(denied.events[0]["error"]["code"], "invalid_client");
    assert!(denied.stderr.contains("check the client id and secret"), "{}", denied.stderr);
    assert_no_secrets(&format!("{:?}{}", denied.events, denied.stderr), &["wrong-secret-value"]);

    // The redirect URI must equal the one of the authorization request.
    let fresh = code_for(&world, redirect).await;
    let other = run_binary(
        &args(&[
            "auth",
            "exchange",
            "--code",
            &fresh,
            "--redirect-uri",
            "https://other.example.com/cb",
            "--out",
            world.dir.path().join("other.json").to_str().unwrap(),
        ]),
        &world.env(),
    )
    .await;
    assert_eq!(other.code, 1);
    assert!(other.stderr.contains("redirect_uri"), "{}", other.stderr);
}

#[tokio::test]
async fn refresh_merges_the_new_token_and_keeps_everything_else() {
    let world = World::new().await;
    let mut tokens = world.sandbox.issue_tokens();
    tokens["expires_at"] = json!("2020-01-01T00:00:00Z");
    tokens["refreshed_at"] = json!("2019-12-31T23:00:00Z");
    let old_access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    let cfg = world.write(
        "cfg.json",
        &json!({ "oauth": tokens, "organizerKey": "1234567890123456789012", "note": "kept" }),
    );
    let run = run_binary(&args(&["auth", "refresh", "--cfg", cfg.to_str().unwrap()]), &world.env()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.events[0]["status"], "refreshed");
    assert_eq!(run.events[0]["expired"], false);
    let after = read_json(&cfg);
    assert_ne!(after["oauth"]["access_token"], json!(old_access));
    assert_eq!(after["oauth"]["refresh_token"], json!(refresh_token), "kept when the answer omits it");
    assert_eq!(after["organizerKey"], "1234567890123456789012");
    assert_eq!(after["note"], "kept");
    let expires = after["oauth"]["expires_at"].as_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
    assert!(expires > chrono::Utc::now(), "{expires}");
    assert_ne!(after["oauth"]["refreshed_at"], "2019-12-31T23:00:00Z");
    #[cfg(unix)]
    assert_eq!(mode(&cfg), 0o600);
    let text = format!("{:?}{}", run.events, run.stderr);
    assert_no_secrets(&text, &[&refresh_token, after["oauth"]["access_token"].as_str().unwrap()]);

    // A revoked refresh token: exit 1 with what to do, and the file is left alone.
    assert!(world.sandbox.revoke_refresh_token(&refresh_token));
    let before = std::fs::read_to_string(&cfg).unwrap();
    let run = run_binary(&args(&["auth", "refresh", "--cfg", cfg.to_str().unwrap()]), &world.env()).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("auth login"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), before);
}

#[tokio::test]
async fn show_tells_who_and_when_without_secrets() {
    let world = World::new().await;
    let tokens = world.sandbox.issue_tokens();
    let mut oauth = tokens.clone();
    oauth["expires_at"] = json!("2020-01-01T00:00:00Z");
    oauth["refreshed_at"] = json!("2019-12-31T23:00:00Z");
    let cfg = world.write("cfg.json", &json!({ "oauth": oauth, "organizerKey": "42", "accountKey": "7" }));
    let run = run_binary(&args(&["auth", "show", "--cfg", cfg.to_str().unwrap()]), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown = &run.events[0];
    assert_eq!(shown["provider"], "gotowebinar");
    assert_eq!(shown["who"], tokens["principal"]);
    assert_eq!(shown["organizerKey"], "42");
    assert_eq!(shown["accountKey"], "7");
    assert_eq!(shown["expiresAt"], "2020-01-01T00:00:00Z");
    assert_eq!(shown["refreshedAt"], "2019-12-31T23:00:00Z");
    assert_eq!(shown["expired"], true);
    let text = format!("{:?}{}", run.events, run.stderr);
    assert_no_secrets(
        &text,
        &[tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap()],
    );

    let missing = run_binary(&args(&["auth", "show", "--cfg", "/nonexistent/cfg.json"]), &[]).await;
    assert_eq!(missing.code, 2);
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let world = World::new().await;
    let run = run_binary(&args(&["auth", "url", "--provider", "no-such-provider"]), &world.env()).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-provider"), "{}", run.stderr);
    let run =
        run_binary(&args(&["auth", "login", "--redirect-uri", "https://app.example.com/cb"]), &world.env())
            .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("auth exchange"), "{}", run.stderr);
    // An OAuth 1.0a file in the OAuth 2.0 shape: the message names the field to fix.
    let provider = world.write("v1.json", &json!({"name": "x", "oauthVersion": "1.0a", "authorizeUrl": "https://x.example/a", "tokenUrl": "https://x.example/t"}));
    let run =
        run_binary(&args(&["auth", "url", "--provider", provider.to_str().unwrap()]), &world.env()).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("OAuth 1.0a") && run.stderr.contains("tokenUrl"), "{}", run.stderr);
    let provider = world.write("v3.json", &json!({"name": "x", "oauthVersion": "3", "authorizeUrl": "https://x.example/a", "tokenUrl": "https://x.example/t"}));
    let run =
        run_binary(&args(&["auth", "url", "--provider", provider.to_str().unwrap()]), &world.env()).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("\"2.0\"") && run.stderr.contains("\"1.0a\""), "{}", run.stderr);
}

mod generic {
    use super::*;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn a_provider_file_with_body_client_auth_and_pkce() {
        let world = World::new().await;
        let fake = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=authorization_code"))
            .and(body_string_contains("code=the-code"))
            .and(body_string_contains("client_secret=fake-secret-value"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "fake-access-1", "refresh_token": "fake-refresh-1", "expires_in": 3600,
                "token_type": "bearer", "user": {"username": "ada"}
            })))
            .mount(&fake)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=fake-refresh-1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "fake-access-2", "expires_in": 60})),
            )
            .mount(&fake)
            .await;
        let provider = world.write(
            "provider.json",
            &json!({
                "name": "photos", "authorizeUrl": format!("{}/authorize", fake.uri()), "tokenUrl": format!("{}/token", fake.uri()),
                "clientAuth": "body", "scopes": ["basic", "comments", "relationships", "likes"], "scopeSeparator": "+",
                "extraAuthorizeParams": {"prompt": "consent"}, "pkce": true
            }),
        );
        let env = vec![
            ("OAUTH_CLIENT_ID".to_string(), "fake-client".to_string()),
            ("OAUTH_CLIENT_SECRET".to_string(), "fake-secret-value".to_string()),
        ];
        let out = cred_path(&world);
        let login = Login::start(&env, &login_flags(&out, &["--provider", provider.to_str().unwrap()])).await;
        assert_eq!(login.first["provider"], "photos");
        let url = login.url();
        assert!(url.contains("scope=basic+comments+relationships+likes"), "{url}");
        let q = query(&url);
        assert_eq!(q["client_id"], "fake-client");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["code_challenge_method"], "S256");
        let challenge = q["code_challenge"].clone();
        let redirect = q["redirect_uri"].clone();
        // The provider's page sends the browser back with a code.
        let callback = format!("{redirect}?code=the-code&state={}", q["state"]);
        assert_eq!(browser(false).get(callback).send().await.unwrap().status(), 200);
        let run = login.finish().await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.events[0]["provider"], "photos");
        assert_no_secrets(
            &format!("{:?}{}", run.events, run.stderr),
            &["fake-secret-value", "fake-access-1", "fake-refresh-1"],
        );

        let requests = fake.received_requests().await.unwrap();
        let exchange = &requests[0];
        assert!(exchange.headers.get("authorization").is_none(), "body client auth: no Basic header");
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(&exchange.body).into_owned().collect();
        assert_eq!(form["client_id"], "fake-client");
        assert_eq!(form["redirect_uri"], redirect);
        let verifier = oauth2::PkceCodeVerifier::new(form["code_verifier"].clone());
        assert_eq!(oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str(), challenge);

        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600);
        let cfg = read_json(&out);
        assert_eq!(cfg["provider"]["name"], "photos");
        assert_eq!(cfg["oauth"]["access_token"], "fake-access-1");

        // The stored definition is enough to refresh.
        let run = run_binary(&args(&["auth", "refresh", "--cfg", out.to_str().unwrap()]), &env).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let cfg = read_json(&out);
        assert_eq!(cfg["oauth"]["access_token"], "fake-access-2");
        assert_eq!(cfg["oauth"]["refresh_token"], "fake-refresh-1");
        let refresh = &fake.received_requests().await.unwrap()[1];
        let form: HashMap<String, String> = url::form_urlencoded::parse(&refresh.body).into_owned().collect();
        assert_eq!(form["client_secret"], "fake-secret-value");
    }
}

/// OAuth 1.0a against a small fake provider that checks every signature it receives with its
/// own implementation of RFC 5849 (not the component's), so a signing mistake fails here.
mod oauth1 {
    use super::*;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use std::sync::{Arc, Mutex};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    const KEY: &str = "consumer-key-1";
    const SECRET: &str = "consumer-secret-value";
    const ACCESS_TOKEN: &str = "42-access-token-value";
    const ACCESS_SECRET: &str = "access-token-secret-value";

    #[derive(Default)]
    struct State {
        deny: bool,
        /// request token → (secret, callback, verifier once authorized)
        tokens: HashMap<String, (String, String, Option<String>)>,
        issued: usize,
        /// Why the fake refused a request, in order.
        refusals: Vec<String>,
        /// Signed requests that passed the check.
        verified: Vec<&'static str>,
        access_requests: usize,
    }

    struct Fake {
        server: MockServer,
        state: Arc<Mutex<State>>,
    }

    fn rfc3986(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn unpercent(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }

    /// The protocol parameters of an `Authorization: OAuth …` header.
    fn header_params(request: &Request) -> Result<Vec<(String, String)>, String> {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or("no Authorization header")?;
        let rest = header.strip_prefix("OAuth ").ok_or("not an OAuth header")?;
        rest.split(',')
            .map(|part| {
                let (k, v) = part.trim().split_once('=').ok_or("a field without =")?;
                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or("an unquoted value")?;
                Ok((unpercent(k), unpercent(v)))
            })
            .collect()
    }

    /// Checks the HMAC-SHA1 signature of a request signed with the consumer secret and
    /// `token_secret`; returns the protocol parameters.
    fn verify(request: &Request, token_secret: &str) -> Result<HashMap<String, String>, String> {
        let params = header_params(request)?;
        let map: HashMap<String, String> = params.iter().cloned().collect();
        if map.get("oauth_consumer_key").map(String::as_str) != Some(KEY) {
            return Err("unknown consumer key".into());
        }
        if map.get("oauth_signature_method").map(String::as_str) != Some("HMAC-SHA1") {
            return Err("not HMAC-SHA1".into());
        }
        let mut all: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "oauth_signature")
            .map(|(k, v)| (rfc3986(k), rfc3986(v)))
            .collect();
        all.extend(request.url.query_pairs().map(|(k, v)| (rfc3986(&k), rfc3986(&v))));
        all.sort();
        let normalized = all.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        // The URI the client addressed: its Host header and the path.
        let host = request.headers.get("host").and_then(|v| v.to_str().ok()).ok_or("no Host header")?;
        let base_uri = format!("http://{}{}", host.to_ascii_lowercase(), request.url.path());
        let base = format!("POST&{}&{}", rfc3986(&base_uri), rfc3986(&normalized));
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(
            format!("{}&{}", rfc3986(SECRET), rfc3986(token_secret)).as_bytes(),
        )
        .unwrap();
        mac.update(base.as_bytes());
        let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        if map.get("oauth_signature") != Some(&expected) {
            return Err("invalid signature".into());
        }
        Ok(map)
    }

    fn refuse(state: &mut State, why: String) -> ResponseTemplate {
        state.refusals.push(why);
        // What Twitter answers to a request it cannot authenticate.
        ResponseTemplate::new(401)
            .set_body_json(json!({"errors": [{"code": 32, "message": "Could not authenticate you."}]}))
    }

    /// Answers `verb route` on the fake server with `answer`, which sees the shared state.
    async fn mount(
        server: &MockServer,
        state: &Arc<Mutex<State>>,
        verb: &str,
        route: &str,
        answer: impl Fn(&mut State, &Request) -> ResponseTemplate + Send + Sync + 'static,
    ) {
        let state = state.clone();
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(move |request: &Request| answer(&mut state.lock().unwrap(), request))
            .mount(server)
            .await;
    }

    /// A 200 with a form-encoded body, as Twitter answers the token requests.
    fn form_answer(body: String) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(body, "text/html")
    }

    impl Fake {
        async fn start() -> Fake {
            let server = MockServer::start().await;
            let state = Arc::new(Mutex::new(State::default()));
            mount(&server, &state, "POST", "/oauth/request_token", |state, request| {
                let params = match verify(request, "") {
                    Ok(params) => params,
                    Err(why) => return refuse(state, format!("request_token: {why}")),
                };
                let Some(callback) = params.get("oauth_callback").cloned() else {
                    return refuse(state, "request_token: no oauth_callback".into());
                };
                state.verified.push("request_token");
                state.issued += 1;
                let (token, secret) =
                    (format!("req-token-{}", state.issued), format!("req-secret-{}-value", state.issued));
                state.tokens.insert(token.clone(), (secret.clone(), callback, None));
                form_answer(format!(
                    "oauth_token={token}&oauth_token_secret={secret}&oauth_callback_confirmed=true"
                ))
            })
            .await;
            mount(&server, &state, "GET", "/oauth/authorize", |state, request| {
                let token = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "oauth_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let deny = state.deny;
                let Some(entry) = state.tokens.get_mut(&token) else {
                    return ResponseTemplate::new(400).set_body_string("unknown request token");
                };
                let mut callback = url::Url::parse(&entry.1).unwrap();
                if deny {
                    callback.query_pairs_mut().append_pair("denied", &token);
                } else {
                    let verifier = format!("verifier-for-{token}");
                    entry.2 = Some(verifier.clone());
                    callback
                        .query_pairs_mut()
                        .append_pair("oauth_token", &token)
                        .append_pair("oauth_verifier", &verifier);
                }
                ResponseTemplate::new(302).insert_header("location", callback.as_str())
            })
            .await;
            mount(&server, &state, "POST", "/oauth/access_token", |state, request| {
                    state.access_requests += 1;
                    let token = header_params(request)
                        .unwrap_or_default()
                        .into_iter()
                        .find(|(k, _)| k == "oauth_token")
                        .map(|(_, v)| v)
                        .unwrap_or_default();
                    // A request token works once.
                    let Some((secret, _, verifier)) = state.tokens.remove(&token) else {
                        return refuse(state, "access_token: unknown request token".into());
                    };
                    let params = match verify(request, &secret) {
                        Ok(params) => params,
                        Err(why) => return refuse(state, format!("access_token: {why}")),
                    };
                    if verifier.is_none() || params.get("oauth_verifier") != verifier.as_ref() {
                        return refuse(state, "access_token: wrong verifier".into());
                    }
                    state.verified.push("access_token");
                    form_answer(format!(
                        "oauth_token={ACCESS_TOKEN}&oauth_token_secret={ACCESS_SECRET}&user_id=42&screen_name=ada"
                    ))
            })
            .await;
            Fake { server, state }
        }

        fn provider(&self, world: &World) -> PathBuf {
            let uri = self.server.uri();
            world.write(
                "birds.json",
                &json!({
                    "oauthVersion": "1.0a", "name": "birds",
                    "requestTokenUrl": format!("{uri}/oauth/request_token"),
                    "authorizeUrl": format!("{uri}/oauth/authorize"),
                    "accessTokenUrl": format!("{uri}/oauth/access_token"),
                }),
            )
        }

        fn state(&self) -> std::sync::MutexGuard<'_, State> {
            self.state.lock().unwrap()
        }
    }

    fn env(secret: &str) -> Vec<(String, String)> {
        vec![
            ("OAUTH_CLIENT_ID".to_string(), KEY.to_string()),
            ("OAUTH_CLIENT_SECRET".to_string(), secret.to_string()),
        ]
    }

    async fn login(world: &World, fake: &Fake, extra: &[&str]) -> Login {
        let provider = fake.provider(world);
        let out = cred_path(world);
        let mut flags = vec!["--provider", provider.to_str().unwrap()];
        flags.extend_from_slice(extra);
        Login::start(&env(SECRET), &login_flags(&out, &flags)).await
    }

    #[tokio::test]
    async fn login_gets_a_request_token_then_the_access_token_and_token_secret() {
        let world = World::new().await;
        let fake = Fake::start().await;
        let login = login(&world, &fake, &[]).await;
        assert_eq!(login.first["provider"], "birds");
        let url = login.url();
        let redirect = login.first["redirectUri"].as_str().unwrap().to_string();
        assert!(
            url.starts_with(&format!("{}/oauth/authorize?oauth_token=req-token-1", fake.server.uri())),
            "{url}"
        );
        let first_line = login.first.to_string();

        // The person approves; the provider sends the browser to the callback.
        let page = browser(true).get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("birds is connected"));
        let run = login.finish().await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let summary = &run.events[0];
        assert_eq!(summary["status"], "connected");
        assert_eq!(summary["provider"], "birds");
        assert_eq!(summary["who"], "ada");
        assert_eq!(summary["hasRefreshToken"], false);

        {
            let state = fake.state();
            assert_eq!(state.refusals, Vec::<String>::new());
            assert_eq!(state.verified, vec!["request_token", "access_token"]);
        }
        // oauth_callback was the redirect URI the listener got.
        let requests = fake.server.received_requests().await.unwrap();
        let callback = header_params(&requests[0]).unwrap().into_iter().find(|(k, _)| k == "oauth_callback");
        assert_eq!(callback.map(|(_, v)| v), Some(redirect));

        let out = cred_path(&world);
        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600);
        let cfg = read_json(&out);
        assert_eq!(cfg["oauth"]["oauth_token"], ACCESS_TOKEN);
        assert_eq!(cfg["oauth"]["oauth_token_secret"], ACCESS_SECRET);
        assert_eq!(cfg["oauth"]["screen_name"], "ada");
        assert_eq!(cfg["provider"]["oauthVersion"], "1.0a");
        let printed = format!("{first_line}{:?}{}", run.events, run.stderr);
        assert_no_secrets(&printed, &[SECRET, ACCESS_TOKEN, ACCESS_SECRET, "req-secret-1-value"]);

        // show reads it; refresh and url explain what applies to OAuth 1.0a.
        let shown = run_binary(&args(&["auth", "show", "--cfg", out.to_str().unwrap()]), &[]).await;
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert_eq!(shown.events[0]["who"], "ada");
        assert_no_secrets(&format!("{:?}", shown.events), &[ACCESS_TOKEN, ACCESS_SECRET]);
        let refresh =
            run_binary(&args(&["auth", "refresh", "--cfg", out.to_str().unwrap()]), &env(SECRET)).await;
        assert_eq!(refresh.code, 2);
        assert!(refresh.stderr.contains("do not expire"), "{}", refresh.stderr);
        let provider = fake.provider(&world);
        let url =
            run_binary(&args(&["auth", "url", "--provider", provider.to_str().unwrap()]), &env(SECRET)).await;
        assert_eq!(url.code, 2);
        assert!(url.stderr.contains("OAuth 1.0a") && url.stderr.contains("auth login"), "{}", url.stderr);
        assert_eq!(fake.state().issued, 1, "`auth url` asks for no request token");
    }

    #[tokio::test]
    async fn denied_access_ends_with_exit_1_and_no_file() {
        let world = World::new().await;
        let fake = Fake::start().await;
        fake.state().deny = true;
        let login = login(&world, &fake, &[]).await;
        let page = browser(true).get(login.url()).send().await.unwrap();
        assert_refused_page(page, "access was denied").await;
        let run = login.finish().await;
        assert_login_failed(&run, "access_denied", &["access was denied", "nothing was stored"]);
        assert!(!cred_path(&world).exists());
        assert_eq!(fake.state().access_requests, 0, "no access token request after a denial");
    }

    #[tokio::test]
    async fn a_callback_for_another_request_token_is_refused() {
        let world = World::new().await;
        let fake = Fake::start().await;
        let login = login(&world, &fake, &[]).await;
        let redirect = login.first["redirectUri"].as_str().unwrap().to_string();
        let forged = format!("{redirect}?oauth_token=req-token-99&oauth_verifier=guess");
        let page = browser(false).get(forged).send().await.unwrap();
        assert_refused_page(page, "does not match the request token").await;
        let run = login.finish().await;
        assert_login_failed(&run, "token_mismatch", &["oauth_token does not match", "run the login again"]);
        assert!(!cred_path(&world).exists());
        assert_eq!(fake.state().access_requests, 0);
    }

    #[tokio::test]
    async fn a_verifier_the_provider_refuses_ends_with_what_to_do() {
        let world = World::new().await;
        let fake = Fake::start().await;
        let login = login(&world, &fake, &[]).await;
        let answer = browser(false).get(login.url()).send().await.unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_string();
        let mut tampered = url::Url::parse(&location).unwrap();
        let token = query(&location)["oauth_token"].clone();
        tampered
            .query_pairs_mut()
            .clear()
            .append_pair("oauth_token", &token)
            .append_pair("oauth_verifier", "guess");
        let page = browser(false).get(tampered.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 400);
        let run = login.finish().await;
        assert_login_failed(
            &run,
            "invalid_verifier",
            &["refused the request token and verifier", "nothing was stored"],
        );
        assert_eq!(fake.state().refusals, vec!["access_token: wrong verifier".to_string()]);
        assert!(!cred_path(&world).exists());
    }

    #[tokio::test]
    async fn a_wrong_consumer_secret_is_refused_at_the_request_token_with_what_to_check() {
        let world = World::new().await;
        let fake = Fake::start().await;
        let provider = fake.provider(&world);
        let out = cred_path(&world);
        let flags = login_flags(&out, &["--provider", provider.to_str().unwrap()]);
        let login = [&["auth", "login"][..], &flags].concat();
        let run = run_binary(&args(&login), &env("wrong-consumer-secret")).await;
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.events.len(), 1, "no URL is printed: {:?}", run.events);
        assert_eq!(run.events[0]["error"]["code"], "invalid_client");
        assert!(
            run.stderr.contains("refused the signed request")
                && run.stderr.contains("HTTP 401")
                && run.stderr.contains("Could not authenticate you")
                && run.stderr.contains("check the consumer key and secret")
                && run.stderr.contains("OAUTH_CLIENT_SECRET"),
            "{}",
            run.stderr
        );
        assert_no_secrets(&format!("{:?}{}", run.events, run.stderr), &["wrong-consumer-secret"]);
        assert_eq!(fake.state().refusals, vec!["request_token: invalid signature".to_string()]);
        assert!(!out.exists());
    }

    #[tokio::test]
    async fn no_callback_within_the_timeout_ends_cleanly() {
        let world = World::new().await;
        let fake = Fake::start().await;
        let started = std::time::Instant::now();
        let login = login(&world, &fake, &["--timeout", "1"]).await;
        let run = login.finish().await;
        assert_login_failed(&run, "timeout", &["no callback arrived within 1 s"]);
        assert!(started.elapsed() < Duration::from_secs(15));
        assert!(!cred_path(&world).exists());
        assert_eq!(fake.state().access_requests, 0);
    }
}
