//! `gotowebinar webhooks test-event`: asks a running `gotowebinar sandbox` to send one sample
//! delivery of a webhook event to a URL, signed as its deliveries are, so an instant trigger (or
//! any receiver) can be tried without waiting for something to happen.

use std::io::{self, Write};
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};

/// The events the instant triggers receive.
pub const EVENTS: [&str; 4] = ["registrant.added", "registrant.joined", "webinar.created", "webinar.changed"];

/// Arguments of `webhooks test-event`.
#[derive(Debug, Args)]
pub struct TestEventArgs {
    /// The event to send.
    #[arg(long, value_name = "EVENT", value_parser = clap::builder::PossibleValuesParser::new(EVENTS))]
    event: String,
    /// Where to send it (a loopback URL); default: the sandbox's own receiver, `<sandbox>/receiver/test-event`.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The sandbox's origin, e.g. http://127.0.0.1:41234 (the `apiUrl` it printed).
    #[arg(long, value_name = "URL", env = "GOTO_API_URL")]
    sandbox: Option<String>,
}

/// The variable holding the sandbox's `adminToken`, needed only when it listens beyond loopback.
pub const ADMIN_TOKEN_ENV: &str = "GOTO_SANDBOX_ADMIN_TOKEN";

/// Runs the command: prints the delivery the sandbox logged (`eventKey`, `eventName`,
/// `callbackUrl`, `body`, `status`, `error`, `at`) as one JSON line. Exit status 0 when the URL
/// answered 2xx, 1 when it did not or the sandbox refused, 2 for a usage error.
pub async fn run(args: TestEventArgs) -> i32 {
    let Some(origin) = args.sandbox.as_deref().map(str::trim).filter(|origin| !origin.is_empty()) else {
        return fail(
            2,
            "no sandbox to ask: pass --sandbox <its apiUrl> or set GOTO_API_URL (test events come from `gotowebinar sandbox` only)",
        );
    };
    let origin = origin.trim_end_matches('/').to_string();
    let parsed = match url::Url::parse(&origin) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => parsed,
        _ => return fail(2, &format!("--sandbox (or GOTO_API_URL) `{origin}` is not an http(s) origin")),
    };
    let url = args.url.unwrap_or_else(|| format!("{origin}/receiver/test-event"));
    let client = match tlsroots::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(client) => client,
        Err(error) => return fail(1, &format!("cannot build an HTTP client: {error}")),
    };
    let mut request = client
        .post(format!("{origin}/_sandbox/test-event"))
        .json(&json!({"eventName": args.event, "url": url}));
    if let Ok(token) = std::env::var(ADMIN_TOKEN_ENV) {
        if !token.trim().is_empty() {
            request = request.bearer_auth(token.trim());
        }
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(_) => {
            return fail(
                1,
                &format!(
                "the sandbox at {} did not answer; start it with `gotowebinar sandbox` and pass its apiUrl",
                parsed.origin().ascii_serialization()
            ),
            )
        }
    };
    let status = response.status();
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(_) => {
            return fail(
                1,
                &format!("{origin} answered {status} without JSON: is it a `gotowebinar sandbox`?"),
            )
        }
    };
    if !status.is_success() {
        let reason = body.get("error").or_else(|| body.get("message")).and_then(Value::as_str).unwrap_or("");
        let hint = if status == reqwest::StatusCode::UNAUTHORIZED {
            format!(" (set {ADMIN_TOKEN_ENV} to the adminToken the sandbox printed)")
        } else {
            String::new()
        };
        return fail(1, &format!("the sandbox refused the test event ({status}): {reason}{hint}"));
    }
    if writeln!(io::stdout().lock(), "{body}").is_err() {
        return 1;
    }
    match body.get("status").and_then(Value::as_u64) {
        Some(code) if (200..300).contains(&code) => 0,
        Some(code) => fail(1, &format!("{url} answered the delivery with {code}")),
        None => fail(1, &format!("{url} did not answer the delivery")),
    }
}

fn fail(code: i32, message: &str) -> i32 {
    eprintln!("gotowebinar: {message}");
    code
}
