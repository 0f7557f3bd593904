//! Reliability and security through the library and the `gotowebinar exec` binary against the
//! sandbox: a soak under injected faults with short-lived, single-use refresh tokens, processes
//! sharing one credential file, uncertain creates, rebounds, secrets in debug logs, and the
//! https-only and no-redirect rules.
//!
//! `SOAK_OPS` sizes the soak (default 1000 operations); `scripts/soak --ops N` runs it alone.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use futures::future::join_all;
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{OrganizerKey, RegistrantKey, WebinarKey};
use gotowebinar::models::{CreateRegistrant, CreateWebinar, UpdateWebinar, WebinarTime};
use gotowebinar::retry::RetryPolicy;
use gotowebinar::{
    ErrorKind, MemoryStore, OAuthClient, OAuthKeys, Origins, Secret, StaticToken, TokenManager,
};
use gotowebinar_sandbox::{FaultConfig, Sandbox, SandboxConfig, SeedRegistrant};
use serde_json::{json, Value};
use support::{next_week, run_binary, upcoming, Run, World};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEFAULT_SOAK_OPS: usize = 1000;

/// A sandbox with short-lived tokens and single-use rotating refresh tokens, no rate limit.
async fn rotating_world(token_ttl: Duration, faults: FaultConfig) -> World {
    World::with(SandboxConfig {
        rate_limit: None,
        token_ttl,
        rotate_refresh_tokens: true,
        single_use_refresh_tokens: true,
        faults,
        ..SandboxConfig::default()
    })
    .await
}

/// A rotating-token world whose access tokens outlive the test, with one upcoming webinar and a
/// credential file.
async fn long_lived_world_with_webinar(subject: &str) -> (World, String, PathBuf) {
    let world = rotating_world(Duration::from_secs(3600), FaultConfig::default()).await;
    let webinar = world.sandbox.add_webinar(upcoming(subject, 3)).unwrap();
    let cfg = world.cfg(json!({}));
    (world, webinar, cfg)
}

/// A JSON file, such as a credential file the binary saved.
fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every request answered 503, nothing else.
fn always_unavailable() -> FaultConfig {
    FaultConfig {
        rate: 1.0,
        server_error: false,
        unavailable: true,
        reset: false,
        slow: false,
        ..FaultConfig::default()
    }
}

/// `gotowebinar exec FUNCTION --cfg CFG --msg MSG --save-keys` against the world's sandbox.
async fn exec_saving(world: &World, function: &str, cfg: &Path, body: Value) -> Run {
    let msg = world.msg(body);
    let args: Vec<String> = vec![
        "exec".into(),
        function.into(),
        "--cfg".into(),
        cfg.display().to_string(),
        "--msg".into(),
        msg.display().to_string(),
        "--save-keys".into(),
    ];
    let run = run_binary(&args, &world.env()).await;
    let _ = std::fs::remove_file(msg);
    run
}

/// Runs a message the way the platform does: a rebound is delivered again later.
async fn exec_until_settled(world: &World, function: &str, cfg: &Path, body: Value) -> (Run, Vec<Run>) {
    let mut rebounded = Vec::new();
    loop {
        let run = exec_saving(world, function, cfg, body.clone()).await;
        if run.of("rebound").is_empty() || rebounded.len() >= 10 {
            return (run, rebounded);
        }
        rebounded.push(run);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Soak
// ---------------------------------------------------------------------------------------------

fn soak_ops() -> usize {
    match std::env::var("SOAK_OPS") {
        Ok(text) => {
            text.trim().parse().unwrap_or_else(|_| panic!("SOAK_OPS must be a whole number, got {text:?}"))
        }
        Err(_) => DEFAULT_SOAK_OPS,
    }
}

/// What the soak saw.
#[derive(Default)]
struct Tally {
    /// Repeatable operations that failed: must stay empty.
    repeatable_failures: Vec<String>,
    /// Token or credential failures that reached a caller: must stay empty.
    token_failures: Vec<String>,
    /// Registrant creates: (webinar, email, reported success).
    registrant_creates: Vec<(String, String, bool)>,
    /// Webinar creates: (subject, reported success).
    webinar_creates: Vec<(String, bool)>,
    /// Registrants deleted successfully: (webinar, email).
    deleted: Vec<(String, String)>,
    /// Failed creates by error name.
    create_errors: BTreeMap<String, usize>,
    /// Messages the platform had to deliver again.
    rebounds: usize,
    library_ops: usize,
    binary_runs: usize,
}

type Shared = Arc<Mutex<Tally>>;

fn tally(shared: &Shared) -> std::sync::MutexGuard<'_, Tally> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn is_token_failure(error: &gotowebinar::Error) -> bool {
    matches!(error, gotowebinar::Error::Reauthorize(_) | gotowebinar::Error::TokenUnavailable { .. })
        || error.kind() == ErrorKind::Auth
}

struct LibraryPlan {
    client: GoToWebinar,
    organizer: OrganizerKey,
    webinars: Vec<String>,
    /// Pre-seeded registrants the soak deletes: (webinar, registrant key, email).
    doomed: Vec<(String, String, String)>,
}

async fn library_op(plan: &LibraryPlan, i: usize, shared: &Shared) {
    let webinar_text = &plan.webinars[i % plan.webinars.len()];
    let webinar = WebinarKey::new(webinar_text).expect("a sandbox webinar key");
    let webinars = plan.client.webinars(&plan.organizer);
    let registrants = plan.client.registrants(&plan.organizer, &webinar);
    let repeatable: Result<(), gotowebinar::Error> = match i % 8 {
        0 => {
            let now = Utc::now();
            webinars.list_page(now..now + chrono::Duration::days(365), 0, 20).await.map(|_| ())
        }
        1 => webinars.get(&webinar).await.map(|_| ()),
        2 | 5 => {
            let email = format!("lib-{i}@soak.example");
            let body = CreateRegistrant {
                first_name: "Soak".into(),
                last_name: format!("Lib {i}"),
                email: email.clone(),
                ..CreateRegistrant::default()
            };
            let result = registrants.create(&body, false).await;
            let mut t = tally(shared);
            if let Err(error) = &result {
                if is_token_failure(error) {
                    t.token_failures.push(format!("library create registrant: {error}"));
                }
                *t.create_errors.entry(format!("{:?}", error.kind())).or_default() += 1;
            }
            t.registrant_creates.push((webinar_text.clone(), email, result.is_ok()));
            return;
        }
        3 => registrants.list_page(0, 50).await.map(|_| ()),
        4 => {
            let body =
                UpdateWebinar { description: Some(format!("soak update {i}")), ..UpdateWebinar::default() };
            webinars.update(&webinar, &body, false).await
        }
        6 => match plan.doomed.get(i / 8) {
            Some((doomed_webinar, key, email)) => {
                let doomed_key = WebinarKey::new(doomed_webinar).expect("a sandbox webinar key");
                let registrant = RegistrantKey::new(key).expect("a sandbox registrant key");
                let result = plan.client.registrants(&plan.organizer, &doomed_key).delete(&registrant).await;
                if result.is_ok() {
                    tally(shared).deleted.push((doomed_webinar.clone(), email.clone()));
                }
                result
            }
            None => webinars.get(&webinar).await.map(|_| ()),
        },
        _ => {
            let subject = format!("Soak lib {i}");
            let start = Utc::now() + chrono::Duration::days(30);
            let body = CreateWebinar::new(
                &subject,
                vec![WebinarTime::new(start, start + chrono::Duration::hours(1))],
            );
            let result = webinars.create(&body).await;
            let mut t = tally(shared);
            if let Err(error) = &result {
                if is_token_failure(error) {
                    t.token_failures.push(format!("library create webinar: {error}"));
                }
                *t.create_errors.entry(format!("{:?}", error.kind())).or_default() += 1;
            }
            t.webinar_creates.push((subject, result.is_ok()));
            return;
        }
    };
    let mut t = tally(shared);
    if let Err(error) = repeatable {
        if is_token_failure(&error) {
            t.token_failures.push(format!("library op {i}: {error}"));
        }
        t.repeatable_failures.push(format!("library op {i} ({}): {error}", i % 8));
    }
}

async fn binary_op(world: &World, cfg: &Path, webinars: &[String], j: usize, shared: &Shared) {
    let webinar = &webinars[j % webinars.len()];
    let (function, body, create) = match j % 6 {
        0 => ("listWebinars", json!({"emitBehavior": "fetchPage", "page": 0, "size": 10}), None),
        1 => ("getWebinar", json!({"webinarKey": webinar}), None),
        2 | 5 => {
            let email = format!("bin-{j}@soak.example");
            let body = json!({"webinarKey": webinar, "firstName": "Soak", "lastName": format!("Bin {j}"), "email": email});
            ("createRegistrant", body, Some(email))
        }
        3 => {
            let subject = format!("Soak bin {j}");
            ("createWebinar", json!({"subject": subject, "times": next_week()}), Some(subject))
        }
        _ => ("updateWebinar", json!({"webinarKey": webinar, "description": format!("soak run {j}")}), None),
    };
    let (run, rebounded) = exec_until_settled(world, function, cfg, body).await;
    let mut t = tally(shared);
    t.binary_runs += 1 + rebounded.len();
    t.rebounds += rebounded.len();
    for earlier in rebounded.iter().chain(std::iter::once(&run)) {
        let text = format!("{}\n{:?}", earlier.stderr, earlier.events);
        if earlier.errors().iter().any(|e| e["name"] == "AuthError")
            || earlier.of("rebound").iter().any(|e| e.to_string().contains("access token"))
        {
            t.token_failures.push(format!("binary {function} run {j}: {text}"));
        }
    }
    let succeeded = run.code == 0 && run.errors().is_empty() && run.data().len() == 1;
    match (function, create) {
        ("createRegistrant", Some(email)) => {
            if !succeeded {
                let name =
                    run.errors().first().map(|e| e["name"].to_string()).unwrap_or_else(|| "none".into());
                *t.create_errors.entry(format!("binary {name}")).or_default() += 1;
            } else {
                // A success is ours: alreadyRegistered only when a rebound delivered it again.
                let again = run.data()[0]["alreadyRegistered"] == true;
                if again && rebounded.is_empty() {
                    t.repeatable_failures
                        .push(format!("registrant {email} reported as already registered: {:?}", run.data()));
                }
            }
            t.registrant_creates.push((webinar.clone(), email, succeeded));
        }
        ("createWebinar", Some(subject)) => {
            if !succeeded {
                let name =
                    run.errors().first().map(|e| e["name"].to_string()).unwrap_or_else(|| "none".into());
                *t.create_errors.entry(format!("binary {name}")).or_default() += 1;
            }
            t.webinar_creates.push((subject, succeeded));
        }
        _ => {
            if !succeeded {
                t.repeatable_failures.push(format!(
                    "binary {function} run {j}: exit {} events {:?}\nstderr tail: {}",
                    run.code,
                    run.events,
                    tail(&run.stderr)
                ));
            }
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Mixed operations through the library (parallel tasks sharing one token manager) and the
/// binary (parallel processes sharing one credential file), 5% faults of every kind, 4-second
/// tokens, single-use rotating refresh tokens, no rate limit.
async fn soak(ops: usize) {
    let started = Instant::now();
    let faults = FaultConfig {
        rate: 0.05,
        seed: 20260313,
        max_delay: Duration::from_secs(2),
        ..FaultConfig::default()
    };
    // Seed first, with faults off; they go on once the stage is set.
    let world = rotating_world(Duration::from_secs(4), FaultConfig::default()).await;
    let sandbox = &world.sandbox;
    let webinar_count = 8;
    let webinars: Vec<String> = (0..webinar_count)
        .map(|n| {
            sandbox.add_webinar(upcoming(&format!("Soak target {n}"), 10 + n as i64)).expect("seed a webinar")
        })
        .collect();
    let library_ops = ops - ops / 4;
    let binary_ops = (ops / 4).max(12);
    let doomed: Vec<(String, String, String)> = (0..library_ops / 8 + 1)
        .map(|n| {
            let webinar = webinars[n % webinars.len()].clone();
            let email = format!("doomed-{n}@soak.example");
            let key = sandbox
                .add_registrant(&webinar, SeedRegistrant::new("Doomed", &n.to_string(), &email))
                .expect("seed a registrant");
            (webinar, key, email)
        })
        .collect();

    let origins = Origins::new(&sandbox.url(), &sandbox.url()).expect("loopback origins");
    let oauth = OAuthClient::new(sandbox.client_id(), Secret::new(sandbox.client_secret()), origins.clone())
        .expect("an OAuth client");
    let keys = OAuthKeys::from_value(sandbox.issue_tokens()).expect("a token response");
    let tokens = TokenManager::new(oauth, keys, Arc::new(MemoryStore::new()));
    let client =
        GoToWebinar::builder(origins, Arc::new(tokens.clone())).rate_limit(None).build().expect("a client");
    let plan = Arc::new(LibraryPlan {
        client,
        organizer: OrganizerKey::new(sandbox.organizer_key()).expect("organizer key"),
        webinars: webinars.clone(),
        doomed: doomed.clone(),
    });
    let cfg = world.cfg(json!({}));
    sandbox.set_faults(faults);
    // Every worker starts with a token GoTo rejects, so even a short run refreshes at once (403,
    // one refresh per credential, replay); a long one also refreshes before each 4 s expiry.
    sandbox.expire_all_tokens();

    let shared: Shared = Arc::default();
    let library_workers = 8;
    let library = join_all((0..library_workers).map(|w| {
        let plan = plan.clone();
        let shared = shared.clone();
        async move {
            for i in (w..library_ops).step_by(library_workers) {
                library_op(&plan, i, &shared).await;
                tally(&shared).library_ops += 1;
            }
        }
    }));
    let binary_workers = 3;
    let binary = join_all((0..binary_workers).map(|w| {
        let (world, cfg, webinars, shared) = (&world, &cfg, &webinars, shared.clone());
        async move {
            for j in (w..binary_ops).step_by(binary_workers) {
                binary_op(world, cfg, webinars, j, &shared).await;
            }
        }
    }));
    futures::join!(library, binary);
    tokens.settle().await;
    sandbox.set_faults(FaultConfig::default());

    let t = std::mem::take(&mut *tally(&shared));
    let log = sandbox.request_log();
    let count = |status: u16| log.iter().filter(|r| r.status == status).count();
    let seen_500 = count(500);
    let seen_503 = count(503);
    let seen_reset = count(0);
    eprintln!(
        "soak: {} library ops, {} binary runs ({} rebounds) in {:.1} s; {} API requests, {} token requests; \
         faults seen: {seen_500}×500, {seen_503}×503, {seen_reset}×reset; failed creates: {:?}",
        t.library_ops,
        t.binary_runs,
        t.rebounds,
        started.elapsed().as_secs_f64(),
        log.len(),
        sandbox.token_requests(),
        t.create_errors,
    );

    assert!(t.token_failures.is_empty(), "token failures surfaced:\n{}", t.token_failures.join("\n---\n"));
    assert!(
        t.repeatable_failures.is_empty(),
        "{} repeatable operations failed:\n{}",
        t.repeatable_failures.len(),
        t.repeatable_failures.join("\n---\n")
    );
    assert_eq!(t.library_ops, library_ops);
    if ops >= 200 {
        assert!(seen_500 + seen_503 + seen_reset > 0, "no fault was injected");
    }
    // Tokens really rotated, for the library's credential and the binary's.
    assert!(sandbox.token_requests() >= 2, "tokens never refreshed");

    let mut created = 0;
    for (webinar, email, success) in &t.registrant_creates {
        let found = sandbox.registrants_with_email(webinar, email);
        assert!(found <= 1, "{email} is registered {found} times");
        if *success {
            created += 1;
            assert_eq!(found, 1, "{email} was reported as registered but is not");
        }
    }
    for (subject, success) in &t.webinar_creates {
        let found = sandbox.webinars_with_subject(subject).len();
        assert!(found <= 1, "webinar {subject:?} exists {found} times");
        if *success {
            created += 1;
            assert_eq!(found, 1, "webinar {subject:?} was reported as created but does not exist");
        }
    }
    for (webinar, email) in &t.deleted {
        assert_eq!(
            sandbox.registrants_with_email(webinar, email),
            0,
            "{email} was deleted but is still there"
        );
    }
    let attempted = t.registrant_creates.len() + t.webinar_creates.len();
    assert!(created * 10 >= attempted * 8, "only {created} of {attempted} creates succeeded");

    // The credential file still works after every rotation.
    exec_saving(&world, "listWebinars", &cfg, json!({"emitBehavior": "fetchPage", "size": 1}))
        .await
        .assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_mixed_operations_under_faults_lose_nothing_and_duplicate_nothing() {
    soak(soak_ops()).await;
}

// ---------------------------------------------------------------------------------------------
// Processes sharing one credential
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_processes_sharing_a_credential_file_with_single_use_refresh_tokens_keep_working() {
    let world = rotating_world(Duration::from_secs(2), FaultConfig::default()).await;
    let webinar = world.sandbox.add_webinar(upcoming("Shared credential", 3)).unwrap();
    let cfg = world.cfg(json!({}));
    let rounds = 5;
    for round in 0..rounds {
        // Both start with the same expired token and the same single-use refresh token.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (a, b) = tokio::join!(
            exec_saving(&world, "getWebinar", &cfg, json!({"webinarKey": webinar})),
            exec_saving(&world, "listWebinars", &cfg, json!({"emitBehavior": "fetchPage", "size": 1})),
        );
        for run in [&a, &b] {
            assert_eq!(run.code, 0, "round {round}: {:?}\n{}", run.events, run.stderr);
            run.assert_ok();
            assert_eq!(run.data().len(), 1, "round {round}");
        }
    }
    // Every round refreshed; the runs take turns on the file (its lock), so the second reads the
    // first one's keys instead of spending the used refresh token.
    assert!(world.sandbox.token_requests() >= rounds, "{} token requests", world.sandbox.token_requests());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the credential file is written 0600");
    }
    let saved = read_json(&cfg);
    assert!(saved["oauth"]["refresh_token"].is_string(), "{saved}");
}

#[tokio::test]
async fn a_process_whose_refresh_token_was_used_elsewhere_reloads_the_file_and_continues() {
    let (world, webinar, cfg) = long_lived_world_with_webinar("Reload").await;
    let stale = read_json(&cfg);
    // Another process refreshes (using up the refresh token) and saves the new keys.
    world.sandbox.expire_all_tokens();
    exec_saving(&world, "getWebinar", &cfg, json!({"webinarKey": webinar})).await.assert_ok();
    let fresh = std::fs::read(&cfg).unwrap();
    assert_ne!(
        serde_json::from_slice::<Value>(&fresh).unwrap()["oauth"]["refresh_token"],
        stale["oauth"]["refresh_token"],
        "the refresh token rotated"
    );
    // This process still holds the old keys: its token is expired, its refresh token used up.
    let mut stale = stale;
    let past = (Utc::now() - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    stale["oauth"]["expires_at"] = json!(past);
    let stale_cfg = world.write("stale.json", &stale);
    let writer = {
        let (stale_cfg, fresh) = (stale_cfg.clone(), fresh.clone());
        async move {
            // The other process's save lands while this one is already re-reading the file.
            tokio::time::sleep(Duration::from_millis(700)).await;
            std::fs::write(&stale_cfg, &fresh).unwrap();
        }
    };
    let (run, ()) =
        tokio::join!(exec_saving(&world, "getWebinar", &stale_cfg, json!({"webinarKey": webinar})), writer);
    run.assert_ok();
    assert!(run.stderr.contains("picked up a GoToWebinar credential refreshed elsewhere"), "{}", run.stderr);
    assert_eq!(run.data().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Uncertain creates and rebounds
// ---------------------------------------------------------------------------------------------

/// Finds a fault seed whose first request fails with a 500 *after* taking effect and whose next
/// two requests pass: the sequence a create and its email lookup meet.
async fn seed_for_a_create_applied_then_500(sandbox: &Sandbox) -> (FaultConfig, u64) {
    let origins = Origins::new(&sandbox.url(), &sandbox.url()).unwrap();
    let token = sandbox.issue_tokens()["access_token"].as_str().unwrap().to_string();
    let client = GoToWebinar::builder(origins, Arc::new(StaticToken(Secret::new(token))))
        .rate_limit(None)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let organizer = OrganizerKey::new(sandbox.organizer_key()).unwrap();
    let probe_webinar = sandbox.add_webinar(upcoming("Fault probe", 5)).unwrap();
    let probe = WebinarKey::new(&probe_webinar).unwrap();
    let registrants = client.registrants(&organizer, &probe);
    for seed in 0..2000 {
        let faults = FaultConfig {
            rate: 0.5,
            seed,
            server_error: true,
            unavailable: false,
            reset: false,
            slow: false,
            ..FaultConfig::default()
        };
        sandbox.set_faults(faults.clone());
        let email = format!("probe-{seed}@example.com");
        let body = CreateRegistrant {
            first_name: "P".into(),
            last_name: "P".into(),
            email: email.clone(),
            ..Default::default()
        };
        let created = registrants.create(&body, false).await;
        let applied = sandbox.registrants_with_email(&probe_webinar, &email) == 1;
        let lookup = registrants.list_page(0, 200).await;
        let again = registrants.list_page(0, 200).await;
        sandbox.set_faults(FaultConfig::default());
        if created.as_ref().err().and_then(|e| e.status()) == Some(500)
            && applied
            && lookup.is_ok()
            && again.is_ok()
        {
            return (faults, seed);
        }
    }
    panic!("no fault seed below 2000 gives a create applied before its 500");
}

#[tokio::test]
async fn a_registration_answered_500_after_it_was_made_is_found_by_email_and_reported_as_ours() {
    let world = World::new().await;
    let (faults, seed) = seed_for_a_create_applied_then_500(&world.sandbox).await;
    let webinar = world.sandbox.add_webinar(upcoming("Uncertain", 4)).unwrap();
    let cfg = world.cfg(json!({}));
    let email = "uncertain@example.com";
    let msg =
        world.msg(json!({"webinarKey": webinar, "firstName": "Una", "lastName": "Certain", "email": email}));
    world.sandbox.clear_request_log();
    // The same seed and the same request sequence meet the same faults as the probe.
    world.sandbox.set_faults(faults);
    let run = world.exec("createRegistrant", &cfg, Some(&msg), &[]).await;
    world.sandbox.set_faults(FaultConfig::default());
    run.assert_ok();
    let log = world.sandbox.request_log();
    let posts: Vec<u16> = log.iter().filter(|r| r.method == "POST").map(|r| r.status).collect();
    assert_eq!(posts, vec![500], "seed {seed}: the create was sent once and answered 500; log: {log:?}");
    let out = &run.data()[0];
    assert_eq!(out["alreadyRegistered"], false, "the registration found is the one just made: {out}");
    assert_eq!(out["email"], email);
    assert!(out["registrantKey"].is_string(), "{out}");
    assert_eq!(world.sandbox.registrants_with_email(&webinar, email), 1);
}

#[tokio::test]
async fn a_webinar_create_answered_503_is_an_error_not_a_rebound_that_could_create_it_twice() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    world.sandbox.set_faults(always_unavailable());
    let msg = world.msg(json!({"subject": "Maybe created", "times": next_week()}));
    let run = world.exec("createWebinar", &cfg, Some(&msg), &[]).await;
    world.sandbox.set_faults(FaultConfig::default());
    assert!(run.of("rebound").is_empty(), "a rebound would send the create again: {:?}", run.events);
    let message = run.assert_error("ApiError");
    assert!(message.contains("503") && message.contains("check before running it again"), "{message}");
    let posts = world.sandbox.request_log().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1, "a create is never repeated after a 503");
}

#[tokio::test]
async fn unavailable_past_the_retry_deadline_rebounds_the_message() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Unavailable", 3)).unwrap();
    let cfg = world.cfg(json!({}));
    world.sandbox.set_faults(always_unavailable());
    world.sandbox.clear_request_log();
    let run = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": webinar}))), &[]).await;
    world.sandbox.set_faults(FaultConfig::default());
    assert_eq!(run.code, 0, "a rebound is not a failure: {:?}\n{}", run.events, run.stderr);
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    let rebounds = run.of("rebound");
    assert_eq!(rebounds.len(), 1, "{:?}", run.events);
    assert!(rebounds[0].to_string().contains("503"), "{}", rebounds[0]);
    assert!(run.data().is_empty());
    run.assert_ends();
    let attempts = world.sandbox.request_log().iter().filter(|r| r.status == 503).count();
    assert_eq!(attempts, RetryPolicy::default().max_attempts as usize, "retried up to the limit first");
}

#[tokio::test]
async fn throttled_with_a_retry_after_beyond_the_deadline_rebounds_at_once() {
    let world = World::new().await;
    let api = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "120")
                .set_body_string(r#"{"msg":"Too many requests"}"#),
        )
        .mount(&api)
        .await;
    let cfg = world.cfg(json!({}));
    let msg = world.msg(json!({"webinarKey": "24576065432313123456"}));
    let mut env = world.env();
    env.retain(|(name, _)| name != "GOTO_API_URL");
    env.push(("GOTO_API_URL".into(), api.uri()));
    let args: Vec<String> = ["exec", "getWebinar", "--cfg"]
        .iter()
        .map(|s| s.to_string())
        .chain([cfg.display().to_string(), "--msg".into(), msg.display().to_string()])
        .collect();
    let started = Instant::now();
    let run = run_binary(&args, &env).await;
    assert_eq!(run.code, 0, "{:?}\n{}", run.events, run.stderr);
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(run.of("rebound").len(), 1, "{:?}", run.events);
    assert!(started.elapsed() < Duration::from_secs(20), "a wait past the deadline is not started");
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Secrets in debug logs
// ---------------------------------------------------------------------------------------------

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every form a secret could leak in: as is, percent-encoded (form bodies, URLs), base64.
fn leak_forms(secret: &str) -> Vec<String> {
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let mut forms =
        vec![secret.to_string(), percent_encode(secret), percent_encode(secret).replace("%20", "+")];
    forms.extend(engines.iter().map(|engine| engine.encode(secret)));
    forms
}

fn collect_secrets(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, value) in map {
                if matches!(name.as_str(), "access_token" | "refresh_token") {
                    if let Some(text) = value.as_str() {
                        into.push(text.to_string());
                    }
                }
                collect_secrets(value, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_secrets(item, into)),
        _ => {}
    }
}

#[tokio::test]
async fn a_full_run_with_debug_logging_shows_no_secret_in_any_form() {
    let (world, webinar, cfg) = long_lived_world_with_webinar("Secrets").await;
    let first = read_json(&cfg);
    let mut secrets = vec![world.sandbox.client_secret().to_string()];
    collect_secrets(&first, &mut secrets);
    let mut runs = Vec::new();

    // Plain calls, a create, a not-found, a rejected token (403 → refresh → replay), a refresh
    // before use, faults with HTML bodies, and finally a dead credential.
    runs.push(exec_saving(&world, "listWebinars", &cfg, json!({})).await);
    runs.push(
        exec_saving(
            &world,
            "createRegistrant",
            &cfg,
            json!({"webinarKey": webinar, "firstName": "Sam", "lastName": "Secret", "email": "sam@example.com"}),
        )
        .await,
    );
    runs.push(exec_saving(&world, "getWebinar", &cfg, json!({"webinarKey": "999999999999"})).await);
    world.sandbox.expire_all_tokens();
    runs.push(exec_saving(&world, "getWebinar", &cfg, json!({"webinarKey": webinar})).await);
    world.sandbox.set_faults(FaultConfig { rate: 0.5, seed: 7, ..FaultConfig::default() });
    for _ in 0..4 {
        runs.push(exec_saving(&world, "listRegistrants", &cfg, json!({"webinarKey": webinar})).await);
    }
    world.sandbox.set_faults(FaultConfig::default());
    let current = read_json(&cfg);
    collect_secrets(&current, &mut secrets);
    let refresh_token = current["oauth"]["refresh_token"].as_str().unwrap().to_string();
    world.sandbox.revoke_refresh_token(&refresh_token);
    world.sandbox.expire_all_tokens();
    let dead = exec_saving(&world, "getWebinar", &cfg, json!({"webinarKey": webinar})).await;
    assert!(dead.assert_error("AuthError").contains("re-authorize"), "{:?}", dead.errors());
    runs.push(dead);

    for run in &runs {
        for keys in run.update_keys() {
            collect_secrets(&keys, &mut secrets);
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() >= 5,
        "client secret, and at least two generations of both tokens: {}",
        secrets.len()
    );
    assert!(runs.iter().any(|r| !r.update_keys().is_empty()), "no refresh happened");
    let debug_lines = runs
        .iter()
        .map(|r| r.stderr.lines().filter(|l| l.contains("DEBUG") || l.contains("debug")).count())
        .sum::<usize>();
    assert!(debug_lines > 0, "debug logging was not on");

    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        world.sandbox.client_id(),
        world.sandbox.client_secret()
    ));
    for (index, run) in runs.iter().enumerate() {
        // updateKeys is the one place credentials belong; everything else is searched.
        let stdout: Vec<String> =
            run.events.iter().filter(|e| e["event"] != "updateKeys").map(Value::to_string).collect();
        let output = format!("{}\n{}", stdout.join("\n"), run.stderr);
        assert!(!output.contains(&basic), "run {index}: the Basic header value leaked");
        for secret in &secrets {
            for form in leak_forms(secret) {
                assert!(!output.contains(&form), "run {index}: a secret leaked as {form:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Security rules
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_http_origins_are_refused_except_on_loopback() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    world.sandbox.clear_request_log();
    for (variable, value) in
        [("GOTO_API_URL", "http://api.getgo.com"), ("GOTO_AUTH_URL", "http://authentication.example")]
    {
        let mut env = world.env();
        env.retain(|(name, _)| name != variable);
        env.push((variable.into(), value.into()));
        let args: Vec<String> = ["exec", "listWebinars", "--cfg"]
            .iter()
            .map(|s| s.to_string())
            .chain([cfg.display().to_string()])
            .collect();
        let run = run_binary(&args, &env).await;
        let message = run.assert_error("ConfigurationError");
        assert!(
            message.contains(variable) && message.contains("https://") && message.contains("loopback"),
            "{message}"
        );
    }
    assert!(world.sandbox.request_log().is_empty(), "nothing was sent anywhere");
    // The sandbox itself is on loopback by default.
    assert!(SandboxConfig::default().bind.ip().is_loopback());
    assert!(world.sandbox.url().starts_with("http://127.0.0.1:"), "{}", world.sandbox.url());
}

#[tokio::test]
async fn the_api_client_follows_no_redirect() {
    let elsewhere = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_string("{}")).mount(&elsewhere).await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&api)
        .await;
    let origins = Origins::new(&api.uri(), &api.uri()).unwrap();
    let client = GoToWebinar::builder(origins, Arc::new(StaticToken(Secret::new("TOKEN-NOT-TO-FOLLOW"))))
        .rate_limit(None)
        .build()
        .unwrap();
    let error = client
        .webinars(&OrganizerKey::new("1").unwrap())
        .get(&WebinarKey::new("2").unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(302), "{error}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "the redirect was followed");
}
