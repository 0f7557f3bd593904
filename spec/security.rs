//! Hostile and careless inputs through the binary: transport and redirect rules, bounded input,
//! bounded output, and what reaches the terminal.

mod support;

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
