//! Polling triggers through `gotowebinar exec --snapshot FILE --save-snapshot` against the
//! sandbox: every poll is a fresh process that starts from the snapshot the previous successful
//! poll emitted, and every snapshot fits in the platform's 5 KB.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Timelike, Utc};
use gotowebinar_sandbox::{FaultConfig, SeedAttendee, SeedRegistrant, SeedSession, SeedTime};
use serde_json::{json, Value};
use support::{upcoming, Run, World};

/// The platform keeps a snapshot of at most 5 KB.
const SNAPSHOT_LIMIT: usize = 5120;

/// A polling step: its cfg file and the snapshot the platform would keep.
struct Poller<'w> {
    world: &'w World,
    function: &'static str,
    cfg: PathBuf,
    snapshot: PathBuf,
}

impl<'w> Poller<'w> {
    fn new(world: &'w World, function: &'static str, step: Value) -> Self {
        let cfg = world.cfg(step);
        let snapshot = world.write(&format!("snapshot-{function}-{}.json", uuid::Uuid::new_v4()), &json!({}));
        Self { world, function, cfg, snapshot }
    }

    fn snapshot(&self) -> Value {
        serde_json::from_slice(&std::fs::read(&self.snapshot).unwrap()).unwrap()
    }

    async fn run(&self) -> Run {
        let snapshot = self.snapshot.display().to_string();
        self.world.exec(self.function, &self.cfg, None, &["--snapshot", &snapshot, "--save-snapshot"]).await
    }

    fn set_snapshot(&self, value: &Value) {
        self.world.write(self.snapshot.file_name().unwrap().to_str().unwrap(), value);
    }

    /// One poll. Success: the data come first, then exactly one snapshot, which is kept for the next
    /// poll. Failure: an error and neither data nor snapshot; the old snapshot stays.
    async fn poll(&self) -> Result<Vec<Value>, Run> {
        let run = self.run().await;
        if run.code != 0 {
            run.assert_ends();
            assert_eq!(run.errors().len(), 1, "{run:#?}");
            assert!(run.data().is_empty(), "a failed poll emits no data: {run:#?}");
            assert!(run.of("snapshot").is_empty(), "a failed poll emits no snapshot: {run:#?}");
            return Err(run);
        }
        run.assert_ok();
        let kinds: Vec<&str> = run
            .events
            .iter()
            .map(|e| e["event"].as_str().unwrap_or(""))
            .filter(|k| *k == "data" || *k == "snapshot")
            .collect();
        assert_eq!(kinds.last(), Some(&"snapshot"), "the snapshot comes last: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "snapshot").count(), 1);
        let snapshot = run.of("snapshot")[0]["snapshot"].clone();
        assert_eq!(snapshot["version"], 2, "{snapshot}");
        let size = snapshot.to_string().len();
        assert!(size <= SNAPSHOT_LIMIT, "{} wrote a snapshot of {size} bytes", self.function);
        assert_eq!(self.snapshot(), snapshot, "--save-snapshot wrote the emitted snapshot");
        Ok(run.data())
    }

    async fn poll_ok(&self) -> Vec<Value> {
        match self.poll().await {
            Ok(data) => data,
            Err(run) => panic!("the poll failed: {run:#?}"),
        }
    }
}

fn person(n: usize) -> SeedRegistrant {
    SeedRegistrant::new("Person", &format!("No{n}"), &format!("person{n}@example.com"))
}

fn registered_at(n: usize, at: DateTime<Utc>) -> SeedRegistrant {
    SeedRegistrant { registration_date: Some(SeedTime::at(at)), ..person(n) }
}

/// A small deterministic generator, so a failing run can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn ids(data: &[Value]) -> Vec<String> {
    data.iter().map(|d| d["id"].as_str().expect("every body has a string id").to_string()).collect()
}

#[tokio::test]
async fn new_registrants_starts_now_and_then_emits_only_what_is_new() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Trigger basics", 3)).unwrap();
    world.sandbox.add_registrant(&webinar, person(1)).unwrap();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));

    assert!(poller.poll_ok().await.is_empty(), "startFrom now: what exists is not emitted");
    let first = world.sandbox.add_registrant(&webinar, person(2)).unwrap();
    let second = world.sandbox.add_registrant(&webinar, person(3)).unwrap();
    let data = poller.poll_ok().await;
    let emitted: BTreeSet<String> = ids(&data).into_iter().collect();
    assert_eq!(emitted, BTreeSet::from([format!("{webinar}:{first}"), format!("{webinar}:{second}")]));
    let ada = data.iter().find(|d| d["registrantKey"] == json!(first)).expect("keys are strings");
    assert_eq!(ada["webinarKey"], json!(webinar));
    assert_eq!(ada["email"], "person2@example.com");
    assert!(data[0]["registrationDate"].as_str() <= data[1]["registrationDate"].as_str(), "oldest first");
    assert!(poller.poll_ok().await.is_empty(), "nothing twice");
    let snapshot = poller.snapshot();
    assert_eq!(snapshot["trigger"], "newRegistrants");
    assert_eq!(snapshot["scope"], format!("webinar:{webinar}"));
}

#[tokio::test]
async fn start_from_a_time_emits_everything_registered_since_then() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Trigger start", 3)).unwrap();
    let now = world.sandbox.now();
    world.sandbox.add_registrant(&webinar, registered_at(1, now - Duration::hours(3))).unwrap();
    let recent = world.sandbox.add_registrant(&webinar, registered_at(2, now - Duration::hours(1))).unwrap();
    let start = (now - Duration::hours(2)).to_rfc3339();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar, "startFrom": start }));
    assert_eq!(ids(&poller.poll_ok().await), [format!("{webinar}:{recent}")]);
    assert!(poller.poll_ok().await.is_empty());
}

#[tokio::test]
async fn equal_timestamps_and_the_cap_carry_over_in_order() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Trigger ties", 3)).unwrap();
    let poller =
        Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar, "maxItemsPerPoll": "2" }));
    assert!(poller.poll_ok().await.is_empty());

    let at = world.sandbox.now() - Duration::seconds(30);
    let mut expected: Vec<(DateTime<Utc>, String)> = Vec::new();
    for n in 0..5 {
        let key = world.sandbox.add_registrant(&webinar, registered_at(n, at)).unwrap();
        expected.push((at, format!("{webinar}:{key}")));
    }
    let first = ids(&poller.poll_ok().await);
    assert_eq!(first.len(), 2, "the cap");
    let mut original: Vec<String> = expected.iter().map(|(_, id)| id.clone()).collect();
    original.sort();
    assert_eq!(first, original[..2], "the two first in order of the same second");
    // One more at the very time the cursor stands on, after the poll.
    let key = world.sandbox.add_registrant(&webinar, registered_at(9, at)).unwrap();
    expected.push((at, format!("{webinar}:{key}")));
    let mut all = first;
    loop {
        let more = ids(&poller.poll_ok().await);
        assert!(more.len() <= 2);
        if more.is_empty() {
            break;
        }
        all.extend(more);
    }
    expected.sort();
    let mut sorted = all.clone();
    sorted.sort();
    let mut wanted: Vec<String> = expected.iter().map(|(_, id)| id.clone()).collect();
    wanted.sort();
    assert_eq!(sorted, wanted, "every registrant at the same second, once");
    // The carried-over rest (all of the same second) follows in id order.
    let rest = &all[2..];
    let mut ordered = rest.to_vec();
    ordered.sort();
    assert_eq!(rest, ordered.as_slice());
}

#[tokio::test]
async fn registrants_arriving_at_random_moments_are_each_emitted_once_despite_faults() {
    let world = World::new().await;
    let webinars = [
        world.sandbox.add_webinar(upcoming("Random A", 2)).unwrap(),
        world.sandbox.add_webinar(upcoming("Random B", 5)).unwrap(),
    ];
    // No webinarKey: every upcoming webinar of the organizer (the seed's included).
    let poller = Poller::new(&world, "newRegistrants", json!({ "maxItemsPerPoll": "4" }));
    assert!(poller.poll_ok().await.is_empty());

    let mut rng = Lcg(7);
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut emitted: Vec<String> = Vec::new();
    let mut failures = 0;
    let mut n = 0;
    for round in 0..14 {
        // A burst (same second, often) into one webinar, sometimes a late arrival dated 2 minutes back.
        for _ in 0..rng.below(6) {
            let webinar = &webinars[rng.below(2) as usize];
            let registrant = if rng.below(5) == 0 {
                registered_at(n, world.sandbox.now() - Duration::minutes(2))
            } else {
                person(n)
            };
            let key = world.sandbox.add_registrant(webinar, registrant).unwrap();
            added.insert(format!("{webinar}:{key}"));
            n += 1;
        }
        if round % 3 == 1 {
            let faults = FaultConfig { slow: false, ..FaultConfig::new(0.9, round) };
            world.sandbox.set_faults(faults);
        }
        match poller.poll().await {
            Ok(data) => {
                assert!(data.len() <= 4, "the cap holds");
                let dates: Vec<&str> = data.iter().map(|d| d["registrationDate"].as_str().unwrap()).collect();
                let mut sorted = dates.clone();
                sorted.sort();
                assert_eq!(dates, sorted, "oldest first");
                emitted.extend(ids(&data));
            }
            Err(_) => failures += 1,
        }
        world.sandbox.set_faults(FaultConfig::default());
    }
    for _ in 0..30 {
        let data = poller.poll_ok().await;
        if data.is_empty() {
            break;
        }
        emitted.extend(ids(&data));
    }
    assert!(failures > 0, "fault injection made some polls fail");
    let unique: BTreeSet<String> = emitted.iter().cloned().collect();
    assert_eq!(unique.len(), emitted.len(), "no registrant emitted twice");
    assert_eq!(unique, added, "every registrant emitted");
    assert!(n >= 20, "the run added enough registrants to mean something ({n})");
}

#[tokio::test]
async fn a_server_clock_ahead_or_behind_loses_nothing() {
    for offset in [Duration::minutes(-20), Duration::minutes(20)] {
        let world = World::new().await;
        world.sandbox.set_clock_offset(offset);
        let webinar = world.sandbox.add_webinar(upcoming("Skewed", 3)).unwrap();
        let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));
        assert!(poller.poll_ok().await.is_empty());
        let mut added = BTreeSet::new();
        for n in 0..3 {
            added.insert(format!("{webinar}:{}", world.sandbox.add_registrant(&webinar, person(n)).unwrap()));
        }
        let emitted: BTreeSet<String> = ids(&poller.poll_ok().await).into_iter().collect();
        assert_eq!(emitted, added, "clock offset {offset}");
        assert!(poller.poll_ok().await.is_empty());
    }
}

#[tokio::test]
async fn a_failed_poll_emits_an_error_and_no_snapshot() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Failing", 3)).unwrap();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));
    assert!(poller.poll_ok().await.is_empty());
    let before = poller.snapshot();
    let key = world.sandbox.add_registrant(&webinar, person(1)).unwrap();

    // The access token expired and the refresh token was revoked: re-authorization is needed.
    let cfg: Value = serde_json::from_slice(&std::fs::read(&poller.cfg).unwrap()).unwrap();
    world.sandbox.expire_all_tokens();
    assert!(world.sandbox.revoke_refresh_token(cfg["oauth"]["refresh_token"].as_str().unwrap()));
    let run = poller.poll().await.expect_err("the poll fails");
    assert_eq!(run.errors()[0]["name"], "AuthError", "{run:#?}");
    assert_eq!(poller.snapshot(), before, "the old snapshot stays");

    // With a working credential the next poll picks up where the last good one stopped.
    let fixed = Poller { cfg: world.cfg(json!({ "webinarKey": webinar })), ..poller };
    assert_eq!(ids(&fixed.poll_ok().await), [format!("{webinar}:{key}")]);
}

#[tokio::test]
async fn the_snapshot_stays_bounded_over_a_long_history() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Long history", 3)).unwrap();
    let now = world.sandbox.now();
    let mut expected = Vec::new();
    for n in 0..60 {
        let at = now - Duration::minutes(600 - 10 * n as i64);
        expected.push(format!(
            "{webinar}:{}",
            world.sandbox.add_registrant(&webinar, registered_at(n, at)).unwrap()
        ));
    }
    let start = (now - Duration::hours(11)).to_rfc3339();
    let poller = Poller::new(
        &world,
        "newRegistrants",
        json!({ "webinarKey": webinar, "startFrom": start, "maxItemsPerPoll": 10 }),
    );
    let mut emitted = Vec::new();
    let mut sizes = BTreeSet::new();
    for _ in 0..10 {
        let data = poller.poll_ok().await;
        sizes.insert(poller.snapshot().to_string().len());
        if data.is_empty() {
            break;
        }
        emitted.extend(ids(&data));
    }
    assert_eq!(emitted, expected, "all, in registration order");
    // Only the seconds inside the 5-minute window are listed; the rest of the state has a fixed size.
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() < 40, "{sizes:?}");
    assert_eq!(poller.snapshot()["spans"].as_array().map(Vec::len), Some(1), "{}", poller.snapshot());
}

#[tokio::test]
async fn input_errors_name_the_field() {
    let world = World::new().await;
    for (step, field) in [
        (json!({"startFrom": "whenever"}), "startFrom"),
        (json!({"maxItemsPerPoll": "0"}), "maxItemsPerPoll"),
        (json!({"webinarKey": "12.5"}), "webinarKey"),
    ] {
        let poller = Poller::new(&world, "newRegistrants", step.clone());
        let message = poller.run().await.assert_error("InputError");
        assert!(message.contains(field), "{step}: {message}");
    }
    let poller = Poller::new(&world, "newRegistrants", json!({}));
    world.write(
        poller.snapshot.file_name().unwrap().to_str().unwrap(),
        &json!({"version": 99, "trigger": "newRegistrants"}),
    );
    let message = poller.run().await.assert_error("ConfigurationError");
    assert!(message.contains("newer version"), "{message}");
}

#[tokio::test]
async fn new_webinars_with_a_subject_filter_emits_only_matching_webinars_across_polls() {
    let world = World::new().await;
    let mut poller = Poller::new(
        &world,
        "newWebinars",
        json!({ "subjectContains": "  rust SERIES ", "includeChanged": "on", "maxItemsPerPoll": "1" }),
    );
    assert!(poller.poll_ok().await.is_empty(), "startFrom now: what exists is not emitted");
    let first = world.sandbox.add_webinar(upcoming("The Rust Series: ownership", 5)).unwrap();
    let go = world.sandbox.add_webinar(upcoming("Go basics", 6)).unwrap();
    let second = world.sandbox.add_webinar(upcoming("RUST SERIES, part 2", 7)).unwrap();
    world.sandbox.add_webinar(upcoming("Rust: a series?", 8)).unwrap();

    // One per poll (the cap), in start order; the others neither emitted nor counted.
    assert_eq!(ids(&poller.poll_ok().await), [first.as_str()]);
    assert_eq!(ids(&poller.poll_ok().await), [second.as_str()]);
    assert!(poller.poll_ok().await.is_empty(), "nothing else, nothing twice");
    let snapshot = poller.snapshot();
    assert_eq!(snapshot["scope"], "organizer", "the filter does not change what the snapshot follows");

    // Renamed into the filter: a change of a webinar the trigger already followed.
    world.sandbox.set_webinar_subject(&go, "Go, the rust series way").unwrap();
    let data = poller.poll_ok().await;
    assert_eq!(data.len(), 1, "{data:#?}");
    assert_eq!(
        (data[0]["webinarKey"].as_str(), data[0]["change"].as_str()),
        (Some(go.as_str()), Some("changed"))
    );
    // Renamed out of it: not emitted.
    world.sandbox.set_webinar_subject(&first, "Ownership in C++").unwrap();
    assert!(poller.poll_ok().await.is_empty());

    // Another filter applies from the next poll on: webinars scheduled before it are not emitted.
    poller.cfg = world.cfg(json!({ "subjectContains": "go", "maxItemsPerPoll": "1" }));
    assert!(poller.poll_ok().await.is_empty(), "the go webinar was scheduled before");
    let advanced = world.sandbox.add_webinar(upcoming("Advanced GO", 9)).unwrap();
    world.sandbox.add_webinar(upcoming("Rust Series 3", 9)).unwrap();
    let data = poller.poll_ok().await;
    assert_eq!(ids(&data), [advanced]);
    assert_eq!(data[0]["change"], "created");
    assert!(poller.poll_ok().await.is_empty());
}

#[tokio::test]
async fn new_registrants_across_webinars_with_a_subject_filter_follows_only_matching_webinars() {
    let world = World::new().await;
    let rust = world.sandbox.add_webinar(upcoming("Rust Series: async", 3)).unwrap();
    let python = world.sandbox.add_webinar(upcoming("Python series", 4)).unwrap();
    let later = world.sandbox.add_webinar(upcoming("THE RUST SERIES: unsafe", 10)).unwrap();
    world.sandbox.add_registrant(&rust, person(1)).unwrap();
    world.sandbox.add_registrant(&python, person(2)).unwrap();
    let mut poller = Poller::new(&world, "newRegistrants", json!({ "subjectContains": "rUsT sErIeS" }));
    assert!(poller.poll_ok().await.is_empty(), "startFrom now: what exists is not emitted");
    let snapshot = poller.snapshot();
    let scope = snapshot["scope"].as_str().unwrap().to_string();
    assert!(scope.starts_with("upcoming:") && scope.len() == "upcoming:".len() + 16, "{scope}");

    world.sandbox.clear_request_log();
    let mut expected = BTreeSet::new();
    let mut emitted = Vec::new();
    for round in 0..3 {
        for (n, webinar) in [(10 + round, &rust), (20 + round, &python), (30 + round, &later)] {
            let key = world.sandbox.add_registrant(webinar, person(n)).unwrap();
            if webinar != &python {
                expected.insert(format!("{webinar}:{key}"));
            }
        }
        let data = poller.poll_ok().await;
        assert!(data.iter().all(|d| d["webinarKey"] != json!(python)), "{data:#?}");
        emitted.extend(ids(&data));
    }
    emitted.extend(drain(&poller).await);
    assert_each_once(&emitted, &expected);
    let read_python = world
        .sandbox
        .request_log()
        .iter()
        .any(|r| r.path.contains(&format!("/webinars/{python}/registrants")));
    assert!(!read_python, "registrants of webinars outside the filter are not even read");
    assert_eq!(poller.snapshot()["scope"], scope);

    // The same filter in other letters keeps the snapshot; another filter starts afresh.
    poller.cfg = world.cfg(json!({ "subjectContains": "RUST series" }));
    assert!(poller.poll_ok().await.is_empty());
    assert_eq!(poller.snapshot()["scope"], scope);
    poller.cfg = world.cfg(json!({ "subjectContains": "python" }));
    assert!(poller.poll_ok().await.is_empty(), "a new filter is a first run: startFrom now");
    assert_ne!(poller.snapshot()["scope"], scope);
    let key = world.sandbox.add_registrant(&python, person(99)).unwrap();
    world.sandbox.add_registrant(&rust, person(98)).unwrap();
    assert_eq!(ids(&poller.poll_ok().await), [format!("{python}:{key}")]);

    // With a webinar chosen the filter does not apply.
    let mut chosen =
        Poller::new(&world, "newRegistrants", json!({ "webinarKey": python, "subjectContains": "rust" }));
    assert!(chosen.poll_ok().await.is_empty());
    let key = world.sandbox.add_registrant(&python, person(97)).unwrap();
    assert_eq!(ids(&chosen.poll_ok().await), [format!("{python}:{key}")]);
    chosen.cfg = world.cfg(json!({ "subjectContains": "x".repeat(129) }));
    let message = chosen.run().await.assert_error("InputError");
    assert!(message.contains("subjectContains"), "{message}");
}

#[tokio::test]
async fn webinars_created_and_changed_are_each_emitted_once_despite_faults() {
    let world = World::new().await;
    let poller =
        Poller::new(&world, "newWebinars", json!({ "includeChanged": "on", "maxItemsPerPoll": "2" }));
    assert!(poller.poll_ok().await.is_empty(), "the seed's webinars are not new");

    let mut rng = Lcg(11);
    let mut subjects: BTreeMap<String, String> = BTreeMap::new();
    let mut last_seen: BTreeMap<String, String> = BTreeMap::new();
    let mut created: Vec<String> = Vec::new();
    let mut all_ids: Vec<String> = Vec::new();
    let mut failures = 0;
    let mut record = |data: Vec<Value>, last_seen: &mut BTreeMap<String, String>| {
        for body in data {
            let key = body["webinarKey"].as_str().unwrap().to_string();
            match body["change"].as_str().unwrap() {
                "created" => created.push(key.clone()),
                "changed" => assert!(last_seen.contains_key(&key), "a change follows the creation"),
                other => panic!("unknown change {other}"),
            }
            assert_ne!(
                last_seen.get(&key),
                body["subject"].as_str().map(str::to_string).as_ref(),
                "a change changes something"
            );
            last_seen.insert(key, body["subject"].as_str().unwrap().to_string());
            all_ids.push(body["id"].as_str().unwrap().to_string());
        }
    };
    for round in 0..10u64 {
        for _ in 0..rng.below(3) {
            let subject = format!("Generated {}", subjects.len());
            let key = world.sandbox.add_webinar(upcoming(&subject, 1 + rng.below(30) as i64)).unwrap();
            subjects.insert(key, subject);
        }
        if !subjects.is_empty() && rng.below(2) == 0 {
            let keys: Vec<String> = subjects.keys().cloned().collect();
            let key = &keys[rng.below(keys.len() as u64) as usize];
            let subject = format!("{} (round {round})", subjects[key]);
            world.sandbox.set_webinar_subject(key, &subject).unwrap();
            subjects.insert(key.clone(), subject);
        }
        if round % 3 == 2 {
            world.sandbox.set_faults(FaultConfig { slow: false, ..FaultConfig::new(0.9, round) });
        }
        match poller.poll().await {
            Ok(data) => record(data, &mut last_seen),
            Err(_) => failures += 1,
        }
        world.sandbox.set_faults(FaultConfig::default());
    }
    for _ in 0..20 {
        let data = poller.poll_ok().await;
        if data.is_empty() {
            break;
        }
        record(data, &mut last_seen);
    }
    assert!(failures > 0, "fault injection made some polls fail");
    let unique: BTreeSet<&String> = all_ids.iter().collect();
    assert_eq!(unique.len(), all_ids.len(), "no id twice: {all_ids:?}");
    let created_set: BTreeSet<&String> = created.iter().collect();
    assert_eq!(created_set.len(), created.len(), "each webinar created once");
    assert_eq!(created_set, subjects.keys().collect(), "every webinar emitted as created");
    assert_eq!(last_seen, subjects, "the last emitted content is the current content");
}

#[tokio::test]
async fn webinar_ended_and_new_attendees_follow_sessions() {
    let world = World::new().await;
    let ended = Poller::new(&world, "webinarEnded", json!({}));
    let attendees = Poller::new(&world, "newAttendees", json!({}));
    assert!(ended.poll_ok().await.is_empty());
    assert!(attendees.poll_ok().await.is_empty());

    let webinar = world.sandbox.add_webinar(upcoming("Ended webinar", 1)).unwrap();
    for n in 0..3 {
        world.sandbox.add_registrant(&webinar, person(n)).unwrap();
    }
    let mut seed = SeedSession::new(
        SeedTime::from_now(Duration::minutes(-40)),
        SeedTime::from_now(Duration::minutes(-2)),
    );
    seed.attendees = vec![SeedAttendee::new("person0@example.com"), SeedAttendee::new("person1@example.com")];
    let session = world.sandbox.add_session(&webinar, seed).unwrap();

    let data = ended.poll_ok().await;
    assert_eq!(ids(&data), [format!("{webinar}:{session}")]);
    assert_eq!(data[0]["sessionKey"], json!(session));
    assert!(data[0]["performance"].is_object(), "{}", data[0]);
    assert!(ended.poll_ok().await.is_empty());

    let data = attendees.poll_ok().await;
    let emails: BTreeSet<&str> = data.iter().map(|d| d["email"].as_str().unwrap()).collect();
    assert_eq!(emails, BTreeSet::from(["person0@example.com", "person1@example.com"]));
    assert!(data.iter().all(|d| d["id"].as_str().unwrap().starts_with(&format!("{session}:"))));
    // A late attendee record of the same session still comes, once.
    world.sandbox.add_attendee(&webinar, &session, SeedAttendee::new("person2@example.com")).unwrap();
    tokio::time::sleep(StdDuration::from_millis(10)).await;
    let late = attendees.poll_ok().await;
    assert_eq!(late.len(), 1, "{late:#?}");
    assert_eq!(late[0]["email"], "person2@example.com");
    assert!(attendees.poll_ok().await.is_empty());
}

/// Polls until a poll emits nothing; every emitted id.
async fn drain(poller: &Poller<'_>) -> Vec<String> {
    let mut emitted = Vec::new();
    for _ in 0..20 {
        let data = poller.poll_ok().await;
        if data.is_empty() {
            return emitted;
        }
        emitted.extend(ids(&data));
    }
    panic!("{} never ran dry", poller.function);
}

fn assert_each_once(emitted: &[String], expected: &BTreeSet<String>) {
    let unique: BTreeSet<String> = emitted.iter().cloned().collect();
    assert_eq!(unique.len(), emitted.len(), "nothing emitted twice");
    assert_eq!(&unique, expected, "everything emitted");
}

#[tokio::test]
async fn two_thousand_registrants_in_bursts_inside_one_window_each_come_once() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Bursts", 3)).unwrap();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));
    assert!(poller.poll_ok().await.is_empty());
    let mut added = BTreeSet::new();
    let mut emitted = Vec::new();
    for burst in 0..5 {
        // Bursts a second or more apart (GoTo dates registrations to the second), all inside the window.
        tokio::time::sleep(StdDuration::from_millis(1100)).await;
        for i in 0..400 {
            let n = burst * 400 + i;
            // Some are listed late: dated a minute back, inside the look-back window.
            let registrant = if n % 50 == 7 {
                registered_at(n, world.sandbox.now() - Duration::minutes(1))
            } else {
                person(n)
            };
            added
                .insert(format!("{webinar}:{}", world.sandbox.add_registrant(&webinar, registrant).unwrap()));
        }
        let data = poller.poll_ok().await;
        assert_eq!(data.len(), 400, "burst {burst}");
        emitted.extend(ids(&data));
    }
    emitted.extend(drain(&poller).await);
    assert_each_once(&emitted, &added);
}

#[tokio::test]
async fn three_hundred_upcoming_webinars_are_each_created_once_and_changes_come_once() {
    let world = World::new().await;
    let poller = Poller::new(&world, "newWebinars", json!({ "includeChanged": "on" }));
    assert!(poller.poll_ok().await.is_empty());
    let mut created = BTreeSet::new();
    let mut emitted = Vec::new();
    for burst in 0..3 {
        for i in 0..100 {
            let n = burst * 100 + i;
            created
                .insert(world.sandbox.add_webinar(upcoming(&format!("Upcoming {n}"), 1 + n as i64)).unwrap());
        }
        let data = poller.poll_ok().await;
        assert_eq!(data.len(), 100, "burst {burst}");
        assert!(data.iter().all(|d| d["change"] == "created"));
        emitted.extend(ids(&data));
    }
    assert_each_once(&emitted, &created);
    let changed: Vec<&String> = created.iter().step_by(15).collect();
    for key in &changed {
        world.sandbox.set_webinar_subject(key, "Renamed").unwrap();
    }
    let data = poller.poll_ok().await;
    let keys: BTreeSet<&str> = data.iter().map(|d| d["webinarKey"].as_str().unwrap()).collect();
    assert_eq!(keys, changed.iter().map(|k| k.as_str()).collect());
    assert!(data.iter().all(|d| d["change"] == "changed" && d["subject"] == "Renamed"));
    assert!(drain(&poller).await.is_empty(), "nothing twice");
}

#[tokio::test]
async fn two_thousand_attendees_of_sessions_ending_inside_one_window_each_come_once() {
    let world = World::new().await;
    let step = json!({ "lookBackMinutes": "30" });
    let ended = Poller::new(&world, "webinarEnded", step.clone());
    let attendees = Poller::new(&world, "newAttendees", step);
    assert!(ended.poll_ok().await.is_empty());
    assert!(attendees.poll_ok().await.is_empty());

    let mut sessions = BTreeSet::new();
    let mut people = BTreeSet::new();
    let (mut ended_ids, mut attendee_ids) = (Vec::new(), Vec::new());
    // The third session ended before the second but is listed after it.
    for (s, ended_minutes_ago) in [(0usize, 20i64), (1, 4), (2, 12), (3, 3), (4, 2)] {
        let webinar = world.sandbox.add_webinar(upcoming(&format!("Held {s}"), 1)).unwrap();
        let mut seed = SeedSession::new(
            SeedTime::from_now(Duration::minutes(-ended_minutes_ago - 50)),
            SeedTime::from_now(Duration::minutes(-ended_minutes_ago)),
        );
        for i in 0..400 {
            let n = s * 400 + i;
            world.sandbox.add_registrant(&webinar, person(n)).unwrap();
            seed.attendees.push(SeedAttendee::new(&format!("person{n}@example.com")));
        }
        let session = world.sandbox.add_session(&webinar, seed).unwrap();
        sessions.insert(format!("{webinar}:{session}"));
        let data = attendees.poll_ok().await;
        assert_eq!(data.len(), 400, "session {s}");
        for body in &data {
            people.insert(format!("{session}:{}", body["registrantKey"].as_str().unwrap()));
        }
        attendee_ids.extend(ids(&data));
        ended_ids.extend(ids(&ended.poll_ok().await));
    }
    attendee_ids.extend(drain(&attendees).await);
    ended_ids.extend(drain(&ended).await);
    assert_each_once(&attendee_ids, &people);
    assert_eq!(people.len(), 2000);
    assert_each_once(&ended_ids, &sessions);
}

#[tokio::test]
async fn snapshot_files_follow_the_snapshot_rules() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Snapshot rules", 3)).unwrap();
    world.sandbox.add_registrant(&webinar, person(1)).unwrap();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));

    // With --save-snapshot, no file yet is the first run; the file is written 0600.
    std::fs::remove_file(&poller.snapshot).unwrap();
    assert!(poller.poll_ok().await.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&poller.snapshot).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let saved = poller.snapshot();

    // The event line as `exec` prints it stands for the snapshot it wraps.
    let key = world.sandbox.add_registrant(&webinar, person(2)).unwrap();
    poller.set_snapshot(&json!({ "event": "snapshot", "snapshot": saved }));
    assert_eq!(ids(&poller.poll_ok().await), [format!("{webinar}:{key}")]);

    // `null` is the first run (startFrom now: nothing).
    poller.set_snapshot(&Value::Null);
    assert!(poller.poll_ok().await.is_empty());

    // Another webinar's snapshot: a fresh start, with a warning.
    let other = world.sandbox.add_webinar(upcoming("Another", 3)).unwrap();
    let elsewhere = Poller::new(&world, "newRegistrants", json!({ "webinarKey": other }));
    elsewhere.set_snapshot(&saved);
    let run = elsewhere.run().await;
    run.assert_ok();
    assert!(run.stderr.contains("another trigger or scope"), "{}", run.stderr);

    // Anything else is an error naming the snapshot; the file is left alone.
    let unknown = json!({ "cursor": "2026-01-01T00:00:00Z" });
    poller.set_snapshot(&unknown);
    let message = poller.run().await.assert_error("ConfigurationError");
    assert!(message.contains("cursor") && message.contains("clear the step's snapshot"), "{message}");
    assert_eq!(poller.snapshot(), unknown);
}

#[tokio::test]
async fn a_format_1_snapshot_is_migrated_not_thrown_away() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Migration", 3)).unwrap();
    let at = (world.sandbox.now() - Duration::minutes(1)).with_nanosecond(0).unwrap();
    let old = world.sandbox.add_registrant(&webinar, registered_at(1, at)).unwrap();
    let poller = Poller::new(&world, "newRegistrants", json!({ "webinarKey": webinar }));
    poller.set_snapshot(&json!({
        "version": 1, "trigger": "newRegistrants", "scope": format!("webinar:{webinar}"),
        "since": (at - Duration::minutes(5)).to_rfc3339(),
        "seen": { format!("{webinar}:{old}"): at.to_rfc3339() }
    }));
    let new = world.sandbox.add_registrant(&webinar, registered_at(2, at)).unwrap();
    assert_eq!(ids(&poller.poll_ok().await), [format!("{webinar}:{new}")], "the old one was emitted before");
    assert!(poller.poll_ok().await.is_empty());
}
