//! Hostile and careless inputs through the binary: transport and redirect rules, bounded input,
//! bounded output, and what reaches the terminal.

use crate::support;

use serde_json::{json, Value};
use support::{run_binary, World};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn client_env() -> Vec<(String, String)> {
    vec![
        ("OAUTH_CLIENT_ID".to_string(), "the-client".to_string()),
        ("OAUTH_CLIENT_SECRET".to_string(), "the-client-secret".to_string()),
    ]
}

/// `auth exchange` of a code with a provider file whose endpoints are on `origin`, writing `out`.
async fn exchange_with_provider(
    world: &World,
    origin: &str,
    out: &std::path::Path,
    env: &[(String, String)],
) -> support::Run {
    let provider = world.write(
        "provider.json",
        &json!({"name": "p", "authorizeUrl": format!("{origin}/a"), "tokenUrl": format!("{origin}/t")}),
    );
    let (provider, out) = (provider.to_str().unwrap(), out.to_str().unwrap());
    let list = [
        "auth",
        "exchange",
        "--provider",
        provider,
        "--code",
        "c",
        "--redirect-uri",
        "http://127.0.0.1:1/cb",
    ];
    run_binary(
        &args(&list).into_iter().chain(["--out".to_string(), out.to_string()]).collect::<Vec<_>>(),
        env,
    )
    .await
}

/// The `{"error": {…}}` line an `auth` command printed.
fn auth_error(events: &[Value]) -> Value {
    events.iter().find(|e| e.get("error").is_some()).cloned().unwrap_or(Value::Null)["error"].clone()
}

#[tokio::test]
async fn provider_endpoints_over_plain_http_to_another_host_are_refused_before_anything_is_sent() {
    let world = World::new().await;
    for (field, value) in [
        ("tokenUrl", "http://login.example.com/oauth/token"),
        ("authorizeUrl", "http://login.example.com/oauth/authorize"),
    ] {
        let mut file = json!({
            "name": "p", "authorizeUrl": "https://login.example.com/oauth/authorize",
            "tokenUrl": "https://login.example.com/oauth/token", "clientAuth": "body"
        });
        file[field] = json!(value);
        let provider = world.write("provider.json", &file);
        for command in [
            vec!["auth", "url", "--redirect-uri", "https://app.example.com/cb"],
            vec!["auth", "exchange", "--code", "c", "--redirect-uri", "https://app.example.com/cb"],
        ] {
            let mut list = command.clone();
            let out = world.dir.path().join("cred.json");
            if command[1] == "exchange" {
                list.extend(["--out", out.to_str().unwrap()]);
            }
            list.extend(["--provider", provider.to_str().unwrap()]);
            let run = run_binary(&args(&list), &client_env()).await;
            assert_eq!(run.code, 2, "{field} {value}: {}", run.stderr);
            let error = auth_error(&run.events);
            assert_eq!(error["code"], "ConfigurationError", "{error}");
            let message = error["message"].as_str().unwrap_or_default();
            assert!(message.contains(field) && message.contains("https"), "{message}");
            assert!(!run.stderr.contains("the-client-secret") && !out.exists());
        }
    }
    // The same file on loopback stays usable (local providers and tests).
    let provider = world.write(
        "local.json",
        &json!({"name": "p", "authorizeUrl": "http://127.0.0.1:9/a", "tokenUrl": "http://localhost:9/t"}),
    );
    let run = run_binary(
        &args(&[
            "auth",
            "url",
            "--provider",
            provider.to_str().unwrap(),
            "--redirect-uri",
            "http://127.0.0.1:1/cb",
        ]),
        &client_env(),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[tokio::test]
async fn redirect_uris_must_be_https_or_loopback_http() {
    let world = World::new().await;
    for refused in [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://attacker.example.com/cb",
        "ftp://127.0.0.1/cb",
        "https://app.example.com/cb#fragment",
    ] {
        let run = run_binary(&args(&["auth", "url", "--redirect-uri", refused]), &world.env()).await;
        assert_eq!(run.code, 2, "{refused} was accepted: {:?}", run.events);
        assert_eq!(auth_error(&run.events)["code"], "ConfigurationError", "{refused}");
        assert!(run.stderr.contains("redirect-uri"), "{}", run.stderr);
    }
    for accepted in
        ["https://app.example.com/oauth/callback", "http://localhost:8765/cb", "http://[::1]:1/cb"]
    {
        let run = run_binary(&args(&["auth", "url", "--redirect-uri", accepted]), &world.env()).await;
        assert_eq!(run.code, 0, "{accepted}: {}", run.stderr);
        assert_eq!(run.events[0]["redirectUri"], accepted);
    }
    let out = world.dir.path().join("cred.json");
    let run = run_binary(
        &args(&[
            "auth",
            "exchange",
            "--code",
            "c",
            "--redirect-uri",
            "javascript:alert(1)",
            "--out",
            out.to_str().unwrap(),
        ]),
        &world.env(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!out.exists());
}

/// Everything a run printed, stdout and stderr.
fn printed(run: &support::Run) -> usize {
    serde_json::to_string(&run.events).map(|s| s.len()).unwrap_or(0) + run.stderr.len()
}

#[tokio::test]
async fn a_five_megabyte_key_is_one_short_input_error() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let started = std::time::Instant::now();
    let msg = world.msg(json!({"webinarKey": "7".repeat(5 * 1024 * 1024)}));
    let run = world.exec("getWebinar", &cfg, Some(&msg), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.starts_with("the message body is larger than"), "{message}");
    assert!(printed(&run) < 20_000, "{} bytes printed", printed(&run));
    let msg = world.msg(json!({"webinarKey": "7".repeat(500 * 1024)}));
    let run = world.exec("getWebinar", &cfg, Some(&msg), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.starts_with("`webinarKey` must be a GoTo key of at most 32 digits"), "{message}");
    assert!(printed(&run) < 20_000, "{} bytes printed", printed(&run));
    // The same through the step configuration.
    let cfg = world.cfg(json!({"webinarKey": "7".repeat(100_000)}));
    let run = world.exec("getWebinar", &cfg, None, &[]).await;
    run.assert_error("InputError");
    assert!(printed(&run) < 20_000, "{} bytes printed", printed(&run));
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "no retries");
}

#[tokio::test]
async fn a_url_that_cannot_be_built_is_an_input_error_never_retried() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let msg = world.msg(json!({"method": "GET", "path": "/organizers/{organizerKey}/webinars", "query": {"q": "x".repeat(200_000)}}));
    let run = world.exec("rawRequest", &cfg, Some(&msg), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.contains("8192"), "{message}");
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(printed(&run) < 20_000, "{} bytes printed", printed(&run));
}

#[tokio::test]
async fn text_over_gotos_limits_and_wrong_types_are_input_errors_naming_the_field() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let next_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let end = (chrono::Utc::now() + chrono::Duration::days(7) + chrono::Duration::hours(1)).to_rfc3339();
    let times = json!([{"startTime": next_week, "endTime": end}]);
    for (body, expected) in [
        (
            json!({"subject": "s".repeat(129), "times": times}),
            "`subject` is 129 characters long; GoTo takes at most 128",
        ),
        (
            json!({"subject": "ok", "description": "d".repeat(2049), "times": times}),
            "`description` is 2049 characters long; GoTo takes at most 2048",
        ),
        (json!({"subject": true, "times": times}), "`subject` must be text, got a boolean"),
        (json!({"subject": 12, "times": times}), "`subject` must be text, got a number"),
    ] {
        let run = world.exec("createWebinar", &cfg, Some(&world.msg(body)), &[]).await;
        let message = run.assert_error("InputError");
        assert!(message.starts_with(expected), "{message}");
        assert!(message.len() < 400, "{message}");
    }
    let run = world
        .exec(
            "createRegistrant",
            &cfg,
            Some(&world.msg(json!({"webinarKey": "1", "firstName": "A", "lastName": "B", "email": "a@b.c", "resendConfirmation": 1}))),
            &[],
        )
        .await;
    assert!(run.assert_error("InputError").contains("`resendConfirmation` must be true or false"));
    let run = world
        .exec(
            "getWebinar",
            &cfg,
            Some(&world.msg(json!({"webinarKey": "1", "pad": "p".repeat(1_100_000)}))),
            &[],
        )
        .await;
    assert!(run.assert_error("InputError").starts_with("the message body is larger than 1048576 bytes"));
}

#[tokio::test]
async fn the_credentials_organizer_key_never_fills_an_actions_input() {
    let world = World::new().await;
    let webinar = world.sandbox.webinar_keys()[0].clone();
    // A credential that carries its organizer key, as `auth login` writes it.
    let cfg = world.cfg(json!({"organizerKey": world.sandbox.organizer_key(), "webinarKey": webinar}));
    let run = world
        .exec(
            "createCoorganizers",
            &cfg,
            Some(&world.msg(json!({"givenName": "Sam", "email": "sam@example.com"}))),
            &[],
        )
        .await;
    run.assert_ok();
    let added = &run.data()[0]["coorganizers"][0];
    assert_eq!(added["external"], true, "{added}");
    assert_eq!(added["email"], "sam@example.com", "{added}");
}

mod terminal {
    use super::*;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const HOSTILE: &str = "bad\u{1b}]0;owned\u{7} \u{1b}[2J\u{9b}31m\u{202e}gnp.exe";

    fn assert_printable(stderr: &str) {
        assert!(!stderr.is_empty());
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!stderr.contains(c), "{c:?} reached the terminal: {stderr:?}");
        }
    }

    #[tokio::test]
    async fn a_providers_error_description_reaches_stderr_without_control_characters() {
        let world = World::new().await;
        let fake = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(400)
                    .set_body_json(json!({"error": "invalid_grant", "error_description": HOSTILE})),
            )
            .mount(&fake)
            .await;
        let out = world.dir.path().join("cred.json");
        let run = exchange_with_provider(&world, &fake.uri(), &out, &client_env()).await;
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("invalid_grant") && run.stderr.contains("owned"), "{}", run.stderr);
        assert_printable(&run.stderr);
    }

    #[tokio::test]
    async fn an_api_error_text_is_logged_without_control_characters() {
        let world = World::new().await;
        let fake = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(json!({"errorCode": "Bad", "description": HOSTILE})),
            )
            .mount(&fake)
            .await;
        let cfg = world.cfg(json!({"organizerKey": "1"}));
        let msg = world.msg(json!({"webinarKey": "2", "note": HOSTILE}));
        let mut env = world.env();
        env.retain(|(name, _)| name != "GOTO_API_URL");
        env.push(("GOTO_API_URL".into(), fake.uri()));
        let mut list =
            args(&["exec", "getWebinar", "--cfg", cfg.to_str().unwrap(), "--msg", msg.to_str().unwrap()]);
        let run = run_binary(&list, &env).await;
        let message = run.assert_error("InputError");
        assert!(message.contains("owned"), "{message}");
        assert!(run.stderr.contains("owned"), "logged: {}", run.stderr);
        assert_printable(&run.stderr);
        // The usage line of the local runner too.
        list.push("--method".into());
        list.push(format!("x{HOSTILE}"));
        let run = run_binary(&list, &env).await;
        assert_eq!(run.code, 2);
        assert_printable(&run.stderr);
    }
}

#[tokio::test]
async fn a_providers_oversized_token_answer_is_refused_while_it_streams_in() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let world = World::new().await;
    let fake = MockServer::start().await;
    let huge = format!("{{\"access_token\": \"{}\"}}", "A".repeat(200_000));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(huge))
        .mount(&fake)
        .await;
    let out = world.dir.path().join("cred.json");
    let mut env = client_env();
    env.push(("GOTOWEBINAR_MAX_RESPONSE_BYTES".to_string(), "4096".to_string()));
    let run = exchange_with_provider(&world, &fake.uri(), &out, &env).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("above the 4096 bytes"), "{}", run.stderr);
    assert!(run.stderr.len() < 4096, "the answer is not echoed: {} bytes of stderr", run.stderr.len());
    assert!(!out.exists(), "nothing was written");
}
