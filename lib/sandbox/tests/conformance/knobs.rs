//! Knobs: rate limit, faults, logs, state dump, state file, seed file, HTTP control.

use std::time::Duration;

use gotowebinar_sandbox::{FaultConfig, Sandbox, SandboxConfig, SandboxError, SeedData, SeedRegistrant};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{at, client, start, start_with, Env, UPCOMING_WITH_QUESTIONS};

#[tokio::test]
async fn rate_limit_answers_429_without_headers_per_client() {
    let env = start_with(SandboxConfig { rate_limit: Some(5), ..SandboxConfig::default() }).await;
    let path = env.webinar(UPCOMING_WITH_QUESTIONS);
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..8 {
        let r = env.get(&path).await;
        statuses.push(r.status.as_u16());
        if r.status == StatusCode::TOO_MANY_REQUESTS && limited.is_none() {
            limited = Some(r);
        }
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    let limited = limited.unwrap();
    assert!(limited.text.len() < 100);
    assert!(serde_json::from_str::<Value>(&limited.text).is_ok());
    for h in limited.headers.keys() {
        let name = h.as_str();
        assert!(!name.contains("ratelimit") && name != "retry-after", "unexpected header {name}");
    }
    // Token and control endpoints are not limited, and another client has its own window.
    let rt = env.sb.issue_refresh_token();
    let ok = env
        .http
        .post(format!("{}/oauth/token", env.sb.url()))
        .basic_auth(env.sb.client_id(), Some(env.sb.client_secret()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(env.get("/_sandbox/state").await.status, StatusCode::OK);

    env.sb.set_rate_limit(None);
    for _ in 0..12 {
        assert_eq!(env.get(&path).await.status, StatusCode::OK);
    }
    let r = env
        .http
        .post(format!("{}/_sandbox/rate-limit", env.sb.url()))
        .json(&json!({"perSecond": 1}))
        .send()
        .await;
    assert_eq!(r.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(env.get(&path).await.status, StatusCode::OK);
    assert_eq!(env.get(&path).await.status, StatusCode::TOO_MANY_REQUESTS);
}

/// The outcome of each of `n` sequential GETs: a status, or 0 for a connection closed without answer.
async fn outcomes(env: &Env, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let url = format!("{}/G2W/rest/v2{}", env.sb.url(), env.webinar(UPCOMING_WITH_QUESTIONS));
        match env.http.get(url).bearer_auth(&env.token).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                if status == 500 {
                    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
                    assert!(ct.starts_with("text/html"), "{ct}");
                }
                out.push(status);
            }
            Err(_) => out.push(0),
        }
    }
    out
}

fn quick_faults(rate: f64, seed: u64) -> FaultConfig {
    FaultConfig { rate, seed, max_delay: Duration::from_millis(30), ..FaultConfig::default() }
}

#[tokio::test]
async fn faults_replay_with_the_same_seed() {
    let env = start().await;
    env.sb.set_faults(quick_faults(0.5, 7));
    let first = outcomes(&env, 30).await;
    env.sb.set_faults(quick_faults(0.5, 7));
    let again = outcomes(&env, 30).await;
    assert_eq!(first, again);
    for kind in [200, 500, 503, 0] {
        assert!(first.contains(&kind), "{kind} missing from {first:?}");
    }
    env.sb.set_faults(quick_faults(0.5, 8));
    assert_ne!(outcomes(&env, 30).await, first, "another seed, another run");
    env.sb.set_faults(FaultConfig::default());
    assert!(outcomes(&env, 10).await.iter().all(|s| *s == 200));
    let log = env.sb.request_log();
    assert!(log.iter().any(|r| r.status == 0), "resets are logged with status 0");
}

#[tokio::test]
async fn faults_on_the_token_endpoint_never_consume_a_refresh_token() {
    let env = start().await;
    env.sb.set_refresh_policy(false, true, false);
    let rt = env.sb.issue_refresh_token();
    let http = client();
    let send = || {
        http.post(format!("{}/oauth/token", env.sb.url()))
            .basic_auth(env.sb.client_id(), Some(env.sb.client_secret()))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str())])
            .send()
    };
    env.sb.set_faults(FaultConfig { slow: false, ..quick_faults(1.0, 3) });
    let before = env.sb.token_requests();
    for _ in 0..6 {
        if let Ok(r) = send().await {
            assert!(r.status().is_server_error(), "{}", r.status());
        }
    }
    assert_eq!(env.sb.token_requests(), before + 6);
    env.sb.set_faults(FaultConfig::default());
    let ok = send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK, "the single-use token survived every fault");
    assert_eq!(send().await.unwrap().status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_on_creates_strike_before_or_after_processing() {
    let env = start().await;
    env.sb.set_faults(FaultConfig { unavailable: false, reset: false, slow: false, ..quick_faults(1.0, 11) });
    let path = format!("{}/registrants", env.webinar("8914733297516347393"));
    let (mut happened, mut did_not) = (0, 0);
    for i in 0..16 {
        let email = format!("person{i}@example.com");
        let r =
            env.post(&path, &json!({"firstName": "P", "lastName": "Q", "email": email}).to_string()).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        match env.sb.registrants_with_email("8914733297516347393", &email) {
            1 => happened += 1,
            0 => did_not += 1,
            n => panic!("{n} registrants for {email}"),
        }
    }
    assert!(happened > 0 && did_not > 0, "after: {happened}, before: {did_not}");
}

#[tokio::test]
async fn request_log_and_state_dump_never_hold_token_values() {
    let env = start().await;
    let tokens = env.sb.issue_tokens();
    let _ = env.get(&env.webinar(UPCOMING_WITH_QUESTIONS)).await;
    let _ = env.get("/nowhere").await;
    let log = env.sb.request_log();
    let hit = log.iter().find(|r| r.path.ends_with(UPCOMING_WITH_QUESTIONS)).unwrap();
    assert_eq!((hit.method.as_str(), hit.status), ("GET", 200));
    assert!(log.iter().any(|r| r.path.ends_with("/nowhere") && r.status == 404));
    let http_log = env.get("/_sandbox/requests").await.text;
    let dump = env.get("/_sandbox/state").await.text;
    let rust_dump = env.sb.state().to_string();
    for secret in [
        env.token.as_str(),
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
        env.sb.client_secret(),
    ] {
        for text in [&http_log, &dump, &rust_dump, &format!("{log:?}")] {
            assert!(!text.contains(secret), "a secret leaked");
        }
    }
    assert!(dump.contains("Product Launch Q&A"));
    assert!(!env.get("/_sandbox/requests").await.text.contains("_sandbox"), "knob calls are not logged");
}

#[tokio::test]
async fn http_knobs_drive_tokens_data_and_config() {
    let env = start().await;
    let base = env.sb.url();
    let http = &env.http;
    let tokens: Value =
        http.post(format!("{base}/_sandbox/tokens")).send().await.unwrap().json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(env.call_as(access, Method::GET, "/admin/rest/v1/me", None).await.status, StatusCode::OK);
    assert_eq!(http.post(format!("{base}/_sandbox/expire-tokens")).send().await.unwrap().status(), 204);
    assert_eq!(
        env.call_as(access, Method::GET, "/admin/rest/v1/me", None).await.status,
        StatusCode::FORBIDDEN
    );

    let token = env.sb.issue_tokens()["access_token"].as_str().unwrap().to_string();
    let webinar = json!({"subject": "Added over HTTP", "times": [{"start": "now+3d", "end": "now+3d1h"}]});
    let r = http.post(format!("{base}/_sandbox/webinars")).json(&webinar).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let key = r.json::<Value>().await.unwrap()["webinarKey"].as_str().unwrap().to_string();
    let reg = json!({"firstName": "Http", "lastName": "Person", "email": "http@example.com"});
    let r = http.post(format!("{base}/_sandbox/webinars/{key}/registrants")).json(&reg).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let listed = env.call_as(&token, Method::GET, &format!("{}/registrants", env.webinar(&key)), None).await;
    assert_eq!(listed.json()[0]["email"], "http@example.com");
    let r = http.post(format!("{base}/_sandbox/webinars/{key}/registrants")).json(&reg).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "duplicates are refused here too");
    let r = http.post(format!("{base}/_sandbox/webinars/1/registrants")).json(&reg).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let session = json!({"start": "now-2h", "end": "now-1h"});
    let r =
        http.post(format!("{base}/_sandbox/webinars/{key}/sessions")).json(&session).send().await.unwrap();
    let skey = r.json::<Value>().await.unwrap()["sessionKey"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{base}/_sandbox/webinars/{key}/sessions/{skey}/attendees"))
        .json(&json!({"email": "http@example.com", "join": "now-2h", "leave": "now-1h"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let att = env
        .call_as(&token, Method::GET, &format!("{}/sessions/{skey}/attendees", env.webinar(&key)), None)
        .await;
    assert_eq!(att.json()[0]["attendanceTimeInSeconds"], 3600);

    let cfg: Value = http
        .post(format!("{base}/_sandbox/config"))
        .json(&json!({"tokenTtlSeconds": 5, "rotateRefreshTokens": true, "rateLimit": null, "clockOffsetSeconds": 60}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["tokenTtlSeconds"], 5);
    assert_eq!(cfg["rotateRefreshTokens"], true);
    assert_eq!(cfg["rateLimit"], Value::Null);
    assert_eq!(cfg["clockOffsetSeconds"], 60);
    assert_eq!(env.sb.issue_tokens()["expires_in"], 5);
    let r = http.post(format!("{base}/_sandbox/faults")).json(&json!({"rate": 2.0})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http.post(format!("{base}/_sandbox/config")).json(&json!({"bogus": 1})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let config = || SandboxConfig {
        rate_limit: None,
        state_file: Some(file.clone()),
        client_secret: "fixed-secret".into(),
        ..SandboxConfig::default()
    };
    let env = start_with(config()).await;
    let body = json!({"subject": "Persisted", "times": [{"startTime": at(&env.sb, chrono::Duration::days(2)),
                      "endTime": at(&env.sb, chrono::Duration::days(2) + chrono::Duration::hours(1))}]});
    let key = env.post(&format!("{}/webinars", env.org()), &body.to_string()).await.json()["webinarKey"]
        .as_str()
        .unwrap()
        .to_string();
    env.sb.add_registrant(&key, SeedRegistrant::new("Per", "Sisted", "per@example.com")).unwrap();
    let refresh_token = env.sb.issue_refresh_token();
    env.sb.shutdown().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let again = Sandbox::start(config()).await.unwrap();
    assert!(again.webinar_exists(&key));
    assert_eq!(again.registrants_with_email(&key, "per@example.com"), 1);
    let r = client()
        .post(format!("{}/oauth/token", again.url()))
        .basic_auth(again.client_id(), Some("fixed-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the stored credential still works");
    again.shutdown().await;

    std::fs::write(&file, "{broken").unwrap();
    let err = Sandbox::start(config()).await.unwrap_err();
    assert!(matches!(err, SandboxError::StateLoad { .. }), "{err}");
    assert!(err.to_string().contains("state.json"));
}

#[tokio::test]
async fn seed_files_and_startup_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(
        &path,
        r#"{"account": {"name": "Tiny"},
            "organizers": [{"key": "99999999999999999999", "email": "o@example.com", "firstName": "O", "lastName": "K"}],
            "webinars": [{"subject": "Only one", "times": [{"start": "now+1d", "end": "now+1d2h"}],
                          "registrants": [{"firstName": "R", "lastName": "S", "email": "r@example.com"}]}]}"#,
    )
    .unwrap();
    let seed = SeedData::from_file(&path).unwrap();
    let env =
        start_with(SandboxConfig { seed: Some(seed), rate_limit: None, ..SandboxConfig::default() }).await;
    assert_eq!(env.sb.organizer_key(), "99999999999999999999");
    let keys = env.sb.webinars_with_subject("Only one");
    assert_eq!(keys.len(), 1);
    assert_eq!(env.sb.registrant_count(&keys[0]), 1);
    let list = env.get(&format!("{}/webinars?{}", env.org(), env.wide_window())).await.json();
    assert_eq!(list["page"]["totalElements"], 1);

    let missing = dir.path().join("missing.json");
    let err = SeedData::from_file(&missing).unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
    std::fs::write(&path, r#"{"account": {"name": "X"}, "organizers": [], "surprise": 1}"#).unwrap();
    let err = SeedData::from_file(&path).unwrap_err();
    assert!(err.to_string().contains("seed.json") && err.to_string().contains("surprise"), "{err}");

    let taken = env.sb.local_addr();
    let err = Sandbox::start(SandboxConfig { bind: taken, ..SandboxConfig::default() }).await.unwrap_err();
    assert!(matches!(err, SandboxError::Bind { .. }));
    assert!(err.to_string().contains("in use"), "{err}");
}
