//! `gotowebinar demo` through the binary, in one run (it takes a few seconds): it connects
//! through the login flow first, never prints a token, and a reader that closes stdout early
//! ends it quietly.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::support::spawn_binary;

/// Every string in a JSON value, with the name of the field holding it.
fn strings<'a>(value: &'a Value, name: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match value {
        Value::String(text) => out.push((name, text)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, name, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| strings(item, key, out)),
        _ => {}
    }
}

/// The sandbox's access tokens are JWTs (`eyJ…`), its refresh tokens `rt.` and 64 hex digits.
fn looks_like_a_token(text: &str) -> bool {
    text.contains("eyJ")
        || text.match_indices("rt.").any(|(at, _)| {
            let rest = &text[at + 3..];
            rest.len() >= 64 && rest[..64].bytes().all(|b| b.is_ascii_hexdigit())
        })
}

#[tokio::test]
async fn the_demo_connects_first_redacts_tokens_and_stops_quietly_when_stdout_closes() {
    let mut child = spawn_binary(&["demo", "--json", "--token-ttl", "1"], &[]);
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut steps: Vec<Value> = Vec::new();
    // Read up to the first registration: the access token has expired by then, so a step before
    // it carries the refreshed token in an updateKeys event.
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let mut line = String::new();
            let n = stdout.read_line(&mut line).await.expect("stdout is readable");
            assert!(n > 0, "the demo ended early; steps so far: {steps:#?}");
            let step: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let done = step["step"].as_str().is_some_and(|s| s.starts_with("Register "));
            steps.push(step);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the demo reaches the first registration in time");

    let connect = &steps[0];
    assert_eq!(connect["step"], "Connect");
    assert_eq!(connect["function"], "auth login");
    let credential = &connect["credential"];
    assert_eq!(credential["provider"], "gotowebinar");
    assert!(credential["organizerKey"].is_string() && credential["hasRefreshToken"] == true, "{credential}");
    assert_eq!(steps[1]["function"], "listWebinars");
    assert_eq!(steps[1]["exitCode"], 0);

    // The refreshed token came back with updateKeys, and shows only as [redacted].
    let update_keys: Vec<&Value> = steps[1..]
        .iter()
        .flat_map(|step| step["events"].as_array().expect("events").iter())
        .filter(|event| event["event"] == "updateKeys")
        .collect();
    assert!(!update_keys.is_empty(), "no updateKeys after the token expired: {steps:#?}");
    let oauth = &update_keys[0]["keys"]["oauth"];
    assert_eq!(oauth["access_token"], "[redacted]");
    assert_eq!(oauth["refresh_token"], "[redacted]");
    assert!(oauth["expires_at"].is_string(), "what is not secret stays: {oauth}");
    for step in &steps {
        let mut found = Vec::new();
        strings(step, "", &mut found);
        for (name, text) in found {
            assert!(!looks_like_a_token(text), "a token is printed under {name:?}: {step}");
        }
    }

    // The reader goes away (`| head`): the demo ends at its next line, without a panic.
    drop(stdout);
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the demo ends after stdout closes")
        .expect("the demo ends");
    let mut stderr = String::new();
    child.stderr.take().expect("piped stderr").read_to_string(&mut stderr).await.expect("stderr");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
}
