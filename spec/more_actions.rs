//! The actions beyond the core ones through the `gotowebinar exec` binary against the sandbox:
//! webinar extras, sessions, attendees, panelists, co-organizers, recordings, find by email,
//! raw requests, the deprecated addParticipant, question answers by name, legacy credentials.

use crate::support;

use chrono::{Duration, Utc};
use gotowebinar_sandbox::{SeedAttendee, SeedQuestion, SeedRegistrant, SeedSession, SeedTime};
use serde_json::{json, Value};
use support::{next_week, upcoming, World};

/// Seed webinars of the default sandbox.
const LAUNCH: &str = "24576065432313123456";
const SERIES: &str = "12345678901234567890";
const PAST: &str = "31245098712345678901";
const LIVE: &str = "15966072838194123456";
/// A key no webinar has.
const UNKNOWN: &str = "99999999999999999";

impl World {
    /// Runs `function` with this message body and no step fields.
    async fn call(&self, function: &str, body: Value) -> support::Run {
        let cfg = self.cfg(json!({}));
        self.exec(function, &cfg, Some(&self.msg(body)), &[]).await
    }

    /// The one data message of a successful run.
    async fn one(&self, function: &str, body: Value) -> Value {
        let run = self.call(function, body.clone()).await;
        run.assert_ok();
        let data = run.data();
        assert_eq!(data.len(), 1, "{function} {body}: {data:#?}");
        data[0].clone()
    }

    /// The session key of the past seed webinar's session.
    async fn past_session(&self) -> String {
        let session = self.one("listSessions", json!({"webinarKey": PAST})).await;
        session["sessionKey"].as_str().expect("sessionKey as a string").to_string()
    }
}

#[tokio::test]
async fn webinar_extras_read_and_change_a_webinar() {
    let world = World::new().await;

    let times = world.one("getWebinarMeetingTimes", json!({"webinarKey": SERIES})).await;
    assert_eq!(times["webinarKey"], SERIES);
    assert_eq!(times["times"].as_array().unwrap().len(), 2, "{times}");
    assert!(times["times"][0]["startTime"].as_str().unwrap().ends_with('Z'));

    let update = json!({"webinarKey": LAUNCH, "type": "voip"});
    let done = world.one("updateWebinarAudio", update).await;
    assert_eq!(done["success"], true);
    let audio = world.one("getWebinarAudio", json!({"webinarKey": LAUNCH})).await;
    assert_eq!(audio["type"], "VOIP", "the type is read back in GoTo's spelling: {audio}");

    let private = world.call("updateWebinarAudio", json!({"webinarKey": LAUNCH, "type": "Private"})).await;
    assert!(private.assert_error("InputError").contains("privateInfo"));
    let past = world.call("updateWebinarAudio", json!({"webinarKey": PAST, "type": "VOIP"})).await;
    assert!(past.assert_error("InputError").contains("over"), "GoTo's reason is kept");

    let performance = world.one("getWebinarPerformance", json!({"webinarKey": PAST})).await;
    let sessions = performance["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{performance}");
    assert!(sessions[0]["sessionKey"].is_string());
    assert_eq!(sessions[0]["attendance"]["registrantCount"], 3, "{performance}");

    let start = world.one("getWebinarStartUrl", json!({"webinarKey": LAUNCH})).await;
    assert!(start["startUrl"].as_str().is_some_and(|u| u.contains(LAUNCH)), "{start}");
}

#[tokio::test]
async fn webinars_in_session_follow_the_emit_behaviors() {
    let world = World::new().await;
    let individually = world.call("listInSessionWebinars", json!({})).await;
    individually.assert_ok();
    let subjects: Vec<Value> = individually.data().iter().map(|w| w["subject"].clone()).collect();
    assert_eq!(subjects, vec![json!("Live: Office Hours")]);
    assert_eq!(individually.data()[0]["webinarKey"], LIVE);

    let all = world.one("listInSessionWebinars", json!({"emitBehavior": "fetchAll"})).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 1);
    let page =
        world.one("listInSessionWebinars", json!({"emitBehavior": "fetchPage", "page": 1, "size": 1})).await;
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["page"], json!({"number": 1, "size": 1, "totalElements": 1, "totalPages": 1}));
}

#[tokio::test]
async fn copy_webinar_makes_a_new_webinar() {
    let world = World::new().await;
    let copy = world.one("copyWebinar", json!({"webinarKey": LAUNCH, "subject": "Launch (again)"})).await;
    let key = copy["webinarKey"].as_str().unwrap().to_string();
    assert_ne!(key, LAUNCH);
    assert!(world.sandbox.webinar_exists(&key));
    let got = world.one("getWebinar", json!({"webinarKey": key})).await;
    assert_eq!(got["subject"], "Launch (again)");

    // A past webinar's times cannot be reused: GoTo says so and the message names the field.
    let past = world.call("copyWebinar", json!({"webinarKey": PAST})).await;
    assert!(past.assert_error("InputError").contains("times"));
    let with_times = world.one("copyWebinar", json!({"webinarKey": PAST, "times": next_week()})).await;
    assert!(world.sandbox.webinar_exists(with_times["webinarKey"].as_str().unwrap()));
    let bad = world.call("copyWebinar", json!({"webinarKey": LAUNCH, "subject": "x".repeat(129)})).await;
    assert!(bad.assert_error("InputError").contains("subject"));
}

#[tokio::test]
async fn an_unknown_webinar_is_not_found_in_every_action() {
    let world = World::new().await;
    let cases = [
        ("getWebinarMeetingTimes", json!({})),
        ("getWebinarAudio", json!({})),
        ("updateWebinarAudio", json!({"type": "VOIP"})),
        ("getWebinarPerformance", json!({})),
        ("copyWebinar", json!({})),
        ("getWebinarStartUrl", json!({})),
        ("findRegistrantByEmail", json!({"email": "ada@example.com"})),
        ("listSessions", json!({})),
        ("getSession", json!({"sessionKey": "1"})),
        ("listAttendees", json!({})),
        ("getAttendee", json!({"sessionKey": "1", "registrantKey": "2"})),
        ("listPanelists", json!({})),
        ("createPanelists", json!({"name": "Pat", "email": "pat@example.com"})),
        ("deletePanelist", json!({"panelistKey": "1"})),
        ("listCoorganizers", json!({})),
        ("createCoorganizers", json!({"givenName": "Sam", "email": "sam@example.com"})),
        ("deleteCoorganizer", json!({"coorganizerKey": "1", "external": true})),
        ("addParticipant", json!({"firstName": "Ada", "lastName": "L", "email": "ada@example.com"})),
    ];
    for (function, mut body) in cases {
        body["webinarKey"] = json!(UNKNOWN);
        let run = world.call(function, body).await;
        let message = run.assert_error("NotFound");
        assert!(message.contains(UNKNOWN), "{function}: {message}");
        assert!(message.contains("Check the key"), "{function}: says what to check: {message}");
    }
}

#[tokio::test]
async fn past_and_running_webinars_give_conflicts_that_say_why() {
    let world = World::new().await;
    let past = world.call("cancelWebinar", json!({"webinarKey": PAST})).await;
    let message = past.assert_error("Conflict");
    assert!(message.contains("405") && message.contains("over"), "{message}");
    let live = world.call("cancelWebinar", json!({"webinarKey": LIVE})).await;
    let message = live.assert_error("Conflict");
    assert!(message.contains("409") && message.contains("in session"), "{message}");
    assert!(world.sandbox.webinar_exists(PAST) && world.sandbox.webinar_exists(LIVE));
}

#[tokio::test]
async fn find_registrant_by_email_ignores_case_and_reads_every_page() {
    let world = World::new().await;
    let found = world
        .one("findRegistrantByEmail", json!({"webinarKey": LAUNCH, "email": "Grace.Hopper@EXAMPLE.com"}))
        .await;
    assert_eq!(found["found"], true);
    assert_eq!(found["email"], "grace.hopper@example.com");
    assert_eq!(found["webinarKey"], LAUNCH);
    assert!(found["registrantKey"].is_string());

    let big = world.sandbox.add_webinar(upcoming("Big", 4)).unwrap();
    for i in 0..420 {
        let registrant = SeedRegistrant::new("P", &i.to_string(), &format!("p{i}@example.com"));
        world.sandbox.add_registrant(&big, registrant).unwrap();
    }
    let last =
        world.one("findRegistrantByEmail", json!({"webinarKey": big, "email": "P419@example.com"})).await;
    assert_eq!(last["lastName"], "419", "found on the third page");

    let absent = json!({"webinarKey": LAUNCH, "email": "nobody@example.com"});
    let nothing = world.call("findRegistrantByEmail", absent.clone()).await;
    nothing.assert_ok();
    assert!(nothing.data().is_empty(), "emitNothing is the default");
    let mut body = absent.clone();
    body["ifAbsent"] = json!("emitNotFound");
    let not_found = world.one("findRegistrantByEmail", body).await;
    assert_eq!(not_found, json!({"found": false, "email": "nobody@example.com", "webinarKey": LAUNCH}));
    let mut body = absent;
    body["ifAbsent"] = json!("fail");
    let failed = world.call("findRegistrantByEmail", body).await;
    assert!(failed.assert_error("NotFound").contains("nobody@example.com"));
    let empty = world.call("findRegistrantByEmail", json!({"webinarKey": LAUNCH, "email": " "})).await;
    assert!(empty.assert_error("InputError").contains("email"));
}

#[tokio::test]
async fn sessions_are_listed_read_and_reported() {
    let world = World::new().await;
    let organizer_wide = world.call("listSessions", json!({})).await;
    organizer_wide.assert_ok();
    let ours: Vec<Value> = organizer_wide.data().into_iter().filter(|s| s["webinarKey"] == PAST).collect();
    assert_eq!(ours.len(), 1, "the past webinar's session is in the last 90 days");
    assert_eq!(ours[0]["webinarName"], "Spring Release Walkthrough");
    let narrow =
        json!({"fromTime": (Utc::now() - Duration::days(3)).to_rfc3339(), "emitBehavior": "fetchAll"});
    let narrow = world.one("listSessions", narrow).await;
    assert!(
        narrow["results"].as_array().unwrap().iter().all(|s| s["webinarKey"] != PAST),
        "fromTime narrows the range: {narrow}"
    );
    let reversed =
        json!({"fromTime": Utc::now().to_rfc3339(), "toTime": (Utc::now() - Duration::days(1)).to_rfc3339()});
    assert!(world.call("listSessions", reversed).await.assert_error("InputError").contains("toTime"));

    let session = world.past_session().await;
    let keys = json!({"webinarKey": PAST, "sessionKey": session});
    let got = world.one("getSession", keys.clone()).await;
    assert_eq!(got["registrantsAttended"], 2);
    assert_eq!(got["sessionKey"], json!(session));

    let performance = world.one("getSessionPerformance", keys.clone()).await;
    assert_eq!(performance["attendance"]["registrantCount"], 3, "{performance}");
    assert!(performance["pollsAndSurveys"].is_object());

    let polls = world.one("getSessionPolls", keys.clone()).await;
    assert_eq!(polls["polls"][0]["question"], "Which feature matters most to you?", "{polls}");
    let questions = world.one("getSessionQuestions", keys.clone()).await;
    assert_eq!(questions["questions"][0]["question"], "Is the new API backwards compatible?");
    let surveys = world.one("getSessionSurveys", keys).await;
    assert_eq!(surveys["surveys"].as_array().unwrap().len(), 1, "{surveys}");
    assert_eq!(surveys["sessionKey"], json!(session));

    let unknown = world.call("getSessionPolls", json!({"webinarKey": PAST, "sessionKey": "123"})).await;
    assert!(unknown.assert_error("NotFound").contains("123"));
    let bad = world.call("getSession", json!({"webinarKey": PAST, "sessionKey": "first"})).await;
    assert!(bad.assert_error("InputError").contains("sessionKey"));
}

#[tokio::test]
async fn attendees_are_listed_by_session_and_webinar_and_reported() {
    let world = World::new().await;
    let session = world.past_session().await;
    let by_session = world.call("listAttendees", json!({"webinarKey": PAST, "sessionKey": session})).await;
    by_session.assert_ok();
    let mut emails: Vec<String> =
        by_session.data().iter().map(|a| a["email"].as_str().unwrap().to_string()).collect();
    emails.sort();
    assert_eq!(emails, vec!["edsger.dijkstra@example.com", "katherine.johnson@example.com"]);
    let katherine =
        by_session.data().into_iter().find(|a| a["email"] == "katherine.johnson@example.com").unwrap();
    assert_eq!(katherine["attendanceTimeInSeconds"], 55 * 60);
    assert!(katherine["attendance"][0]["joinTime"].is_string());
    let registrant = katherine["registrantKey"].as_str().unwrap().to_string();

    let keys = json!({"webinarKey": PAST, "sessionKey": session, "registrantKey": registrant});
    let got = world.one("getAttendee", keys.clone()).await;
    assert_eq!(got["lastName"], "Johnson");
    let polls = world.one("getAttendeePolls", keys.clone()).await;
    assert_eq!(
        polls["polls"],
        // GoTo's `PollAnswer` carries the choice also as the list `answers`.
        json!([{"question": "Which feature matters most to you?", "answer": "Reports", "answers": ["Reports"]}])
    );
    let surveys = world.one("getAttendeeSurveys", keys.clone()).await;
    assert_eq!(surveys["surveys"][0]["answer"], "Very useful");
    let questions = world.one("getAttendeeQuestions", keys).await;
    assert_eq!(questions["questions"], json!([]), "Katherine asked nothing");
    assert_eq!(questions["registrantKey"], json!(registrant));

    // A webinar-wide list reads every page.
    let big = world.sandbox.add_webinar(upcoming("Crowd", -2)).unwrap();
    let start = SeedTime::from_now(-Duration::days(2));
    let held = world
        .sandbox
        .add_session(
            &big,
            SeedSession::new(start, SeedTime::from_now(-Duration::days(2) + Duration::hours(1))),
        )
        .unwrap();
    for i in 0..230 {
        let email = format!("a{i}@example.com");
        world.sandbox.add_registrant(&big, SeedRegistrant::new("A", &i.to_string(), &email)).unwrap();
        world.sandbox.add_attendee(&big, &held, SeedAttendee::new(&email)).unwrap();
    }
    let all = world.call("listAttendees", json!({"webinarKey": big})).await;
    all.assert_ok();
    assert_eq!(all.data().len(), 230);
    let page =
        world.one("listAttendees", json!({"webinarKey": big, "emitBehavior": "fetchPage", "page": 1})).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 30);
    assert_eq!(page["page"]["totalElements"], 230);

    let unknown = json!({"webinarKey": PAST, "sessionKey": session, "registrantKey": "42"});
    assert!(world.call("getAttendeeSurveys", unknown).await.assert_error("NotFound").contains("42"));
}

#[tokio::test]
async fn panelists_are_invited_listed_reinvited_and_removed() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Panel", 6)).unwrap();
    let one = world
        .one(
            "createPanelists",
            json!({"webinarKey": webinar, "name": "Pat Panel", "email": "pat@example.com"}),
        )
        .await;
    let pat = one["panelists"][0].clone();
    assert_eq!(pat["name"], "Pat Panel");
    assert!(pat["panelistKey"].is_string() && pat["joinLink"].is_string(), "{one}");

    let two = json!({"webinarKey": webinar, "panelists": [
        {"name": "Quinn", "email": "quinn@example.com"}, {"name": "Robin", "email": "robin@example.com"}]});
    let two = world.one("createPanelists", two).await;
    assert_eq!(two["panelists"].as_array().unwrap().len(), 2);

    let listed = world.call("listPanelists", json!({"webinarKey": webinar})).await;
    listed.assert_ok();
    assert_eq!(listed.data().len(), 3);
    let all = world.one("listPanelists", json!({"webinarKey": webinar, "emitBehavior": "fetchAll"})).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 3);

    let key = pat["panelistKey"].as_str().unwrap();
    let resend =
        world.one("resendPanelistInvitation", json!({"webinarKey": webinar, "panelistKey": key})).await;
    assert_eq!(resend["success"], true);
    let removed = world.one("deletePanelist", json!({"webinarKey": webinar, "panelistKey": key})).await;
    assert_eq!(removed["key"], json!(key));
    let again = world.call("deletePanelist", json!({"webinarKey": webinar, "panelistKey": key})).await;
    assert!(again.assert_error("NotFound").contains(key));
    let listed = world.one("listPanelists", json!({"webinarKey": webinar, "emitBehavior": "fetchAll"})).await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 2);

    for (body, needle) in [
        (json!({"webinarKey": webinar}), "no panelist"),
        (json!({"webinarKey": webinar, "name": "Pat"}), "email"),
        (
            json!({"webinarKey": webinar, "panelists": [{"name": "Pat", "email": "nope"}]}),
            "panelists[0].email",
        ),
    ] {
        let run = world.call("createPanelists", body.clone()).await;
        let message = run.assert_error("InputError");
        assert!(message.contains(needle), "{body}: {message}");
    }
    let past = world
        .call("createPanelists", json!({"webinarKey": PAST, "name": "Pat", "email": "pat@example.com"}))
        .await;
    assert!(past.assert_error("InputError").contains("over"));
}

#[tokio::test]
async fn coorganizers_are_added_listed_reinvited_and_removed() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Co-run", 6)).unwrap();
    let added = world
        .one(
            "createCoorganizers",
            json!({"webinarKey": webinar, "givenName": "Sam", "email": "sam@example.com"}),
        )
        .await;
    let sam = added["coorganizers"][0].clone();
    assert_eq!(sam["external"], true);
    let key = sam["coorganizerKey"].as_str().expect("coorganizerKey as a string").to_string();

    let listed = world.call("listCoorganizers", json!({"webinarKey": webinar})).await;
    listed.assert_ok();
    assert_eq!(listed.data().len(), 1);
    assert_eq!(listed.data()[0]["givenName"], "Sam");
    assert_eq!(listed.data()[0]["coorganizerKey"], json!(key));

    // Without `external` the flag is looked up.
    let resend =
        world.one("resendCoorganizerInvitation", json!({"webinarKey": webinar, "coorganizerKey": key})).await;
    assert_eq!(resend["success"], true);
    let removed = world.one("deleteCoorganizer", json!({"webinarKey": webinar, "coorganizerKey": key})).await;
    assert_eq!(removed["key"], json!(key));
    let gone = world.call("deleteCoorganizer", json!({"webinarKey": webinar, "coorganizerKey": key})).await;
    let message = gone.assert_error("NotFound");
    assert!(message.contains(&key) && message.contains("listCoorganizers"), "{message}");

    for (body, needle) in [
        (json!({"webinarKey": webinar}), "no co-organizer"),
        (json!({"webinarKey": webinar, "organizerKey": "1", "email": "x@example.com"}), "organizerKey"),
        (
            json!({"webinarKey": webinar, "coorganizers": [{"givenName": "Sam", "email": "bad"}]}),
            "coorganizers[0].email",
        ),
    ] {
        let run = world.call("createCoorganizers", body.clone()).await;
        let message = run.assert_error("InputError");
        assert!(message.contains(needle), "{body}: {message}");
    }
}

#[tokio::test]
async fn recordings_are_searched_by_name_and_sorted() {
    let world = World::new().await;
    let all = world.call("searchRecordingAssets", json!({})).await;
    all.assert_ok();
    let names: Vec<Value> = all.data().iter().map(|r| r["name"].clone()).collect();
    assert_eq!(
        names,
        vec![json!("Spring Release Walkthrough (recording)"), json!("Onboarding basics")],
        "newest first"
    );
    assert!(all.data()[0]["recordingAssetKey"].is_string());
    let by_name =
        world.one("searchRecordingAssets", json!({"name": "onboarding", "emitBehavior": "fetchAll"})).await;
    assert_eq!(by_name["results"].as_array().unwrap().len(), 1);
    let sorted = world
        .one(
            "searchRecordingAssets",
            json!({"sortField": "NAME", "sortOrder": "asc", "emitBehavior": "fetchAll"}),
        )
        .await;
    assert_eq!(sorted["results"][0]["name"], "Onboarding basics");
    let bad = world.call("searchRecordingAssets", json!({"sortField": "size"})).await;
    assert!(bad.assert_error("InputError").contains("sortField"));
}

#[tokio::test]
async fn raw_requests_reach_any_operation_under_the_api_base() {
    let world = World::new().await;
    let got = world
        .one(
            "rawRequest",
            json!({"method": "GET", "path": format!("/organizers/{{organizerKey}}/webinars/{LAUNCH}")}),
        )
        .await;
    assert_eq!(got["status"], 200);
    assert_eq!(got["body"]["subject"], "Product Launch Q&A");
    assert_eq!(got["body"]["webinarKey"], LAUNCH, "a long key arrives whole, as a string");

    let path = format!("organizers/{}/webinars/{LAUNCH}/panelists", world.sandbox.organizer_key());
    let created = world
        .one(
            "rawRequest",
            json!({"method": "post", "path": path, "body": [{"name": "Pat", "email": "pat@example.com"}]}),
        )
        .await;
    assert_eq!(created["status"], 201);
    assert_eq!(created["body"][0]["email"], "pat@example.com");

    let query = json!({"method": "GET", "path": "/organizers/{organizerKey}/webinars",
        "query": {"fromTime": Utc::now().to_rfc3339(), "toTime": (Utc::now() + Duration::days(30)).to_rfc3339()}});
    let listed = world.one("rawRequest", query).await;
    assert!(listed["body"]["_embedded"]["webinars"].as_array().is_some_and(|w| !w.is_empty()), "{listed}");

    let missing = world
        .call(
            "rawRequest",
            json!({"method": "GET", "path": format!("/organizers/{{organizerKey}}/webinars/{UNKNOWN}")}),
        )
        .await;
    missing.assert_error("NotFound");

    world.sandbox.clear_request_log();
    for path in
        ["https://evil.example/x", "//evil.example/x", "/organizers/../../admin", "/a?b=c", "/a/%2e%2e/b", ""]
    {
        let run = world.call("rawRequest", json!({"method": "GET", "path": path})).await;
        let message = run.assert_error("InputError");
        assert!(message.contains("`path`"), "{path:?}: {message}");
    }
    let bad_method = world.call("rawRequest", json!({"method": "TRACE", "path": "/x"})).await;
    assert!(bad_method.assert_error("InputError").contains("method"));
    assert!(world.sandbox.request_log().is_empty(), "nothing was sent for refused input");
}

#[tokio::test]
async fn add_participant_registers_like_create_registrant() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Legacy flow", 5)).unwrap();
    let cfg = world.cfg(json!({"webinarKey": webinar}));
    let ada = json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"});
    let first = world.exec("addParticipant", &cfg, Some(&world.msg(ada.clone())), &[]).await;
    first.assert_ok();
    assert_eq!(first.data()[0]["alreadyRegistered"], false);
    assert!(first.data()[0]["joinUrl"].is_string());
    let again = world.exec("addParticipant", &cfg, Some(&world.msg(ada)), &[]).await;
    again.assert_ok();
    assert_eq!(again.data()[0]["alreadyRegistered"], true);
    assert_eq!(again.data()[0]["registrantKey"], first.data()[0]["registrantKey"]);
    assert_eq!(world.sandbox.registrant_count(&webinar), 1);
    let bad = json!({"firstName": "Ada", "lastName": "L", "email": "ada"});
    let run = world.exec("addParticipant", &cfg, Some(&world.msg(bad)), &[]).await;
    assert!(run.assert_error("InputError").contains("email"));

    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/component.json")).unwrap(),
    )
    .unwrap();
    let action = &manifest["actions"]["addParticipant"];
    assert_eq!(action["deprecated"], true);
    assert!(action["help"]["description"].as_str().unwrap().contains("Create registrant"));
}

#[tokio::test]
async fn create_registrant_maps_question_answers_by_name() {
    let world = World::new().await;
    let fields = world.one("getRegistrationFields", json!({"webinarKey": LAUNCH})).await;
    let key_of = |text: &str| {
        fields["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["question"] == text)
            .and_then(|q| q["questionKey"].as_str())
            .unwrap()
            .to_string()
    };
    let choice = format!("question_{}", key_of("How did you hear about us?"));
    let short = format!("question_{}", key_of("What would you like us to cover?"));
    let cfg = world.cfg(json!({"webinarKey": LAUNCH}));

    let mut body = json!({"firstName": "Alan", "lastName": "Kay", "email": "alan.kay@example.com"});
    body[&choice] = json!("social MEDIA");
    body[&short] = json!("Roadmap");
    let run = world.exec("createRegistrant", &cfg, Some(&world.msg(body)), &[]).await;
    run.assert_ok();
    assert_eq!(world.sandbox.registrants_with_email(LAUNCH, "alan.kay@example.com"), 1);
    let state = world.sandbox.state().to_string();
    assert!(state.contains("Roadmap"), "the short answer was sent");

    let mut wrong = json!({"firstName": "B", "lastName": "C", "email": "b.c@example.com"});
    wrong[&choice] = json!("Carrier pigeon");
    let run = world.exec("createRegistrant", &cfg, Some(&world.msg(wrong)), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.contains(&choice) && message.contains("Social media"), "lists the choices: {message}");

    let unknown = json!({"firstName": "B", "lastName": "C", "email": "b.c@example.com", "question_1": "x"});
    let run = world.exec("createRegistrant", &cfg, Some(&world.msg(unknown)), &[]).await;
    let message = run.assert_error("InputError");
    assert!(message.contains("question_1") && message.contains(&choice), "{message}");

    // The required question left out: GoTo refuses and the component says so.
    let missing = json!({"firstName": "B", "lastName": "C", "email": "b.c@example.com"});
    let run = world.exec("createRegistrant", &cfg, Some(&world.msg(missing)), &[]).await;
    run.assert_error("InputError");
    assert_eq!(world.sandbox.registrants_with_email(LAUNCH, "b.c@example.com"), 0);
}

#[tokio::test]
async fn a_legacy_citrix_credential_is_told_to_reauthorize_on_the_current_host() {
    let world = World::new().await;
    let legacy = json!({
        "access_token": "RjY2NjM5NzA4OGNmYzY5ZmE5NjZh",
        "expires_in": "30758399",
        "refresh_token": "d1cp20yB3hrFAKEcitrixTOKEN",
        "organizer_key": world.sandbox.organizer_key(),
        "account_key": world.sandbox.account_key(),
        "firstName": "Morgan", "lastName": "Lee", "email": "morgan.lee@northwind.example",
        "platform": "GLOBAL", "version": "2"
    });
    let cfg = world.write("cfg.json", &json!({"oauth": legacy, "webinarKey": LAUNCH}));
    let run = world.exec("getWebinar", &cfg, None, &[]).await;
    let message = run.assert_error("AuthError");
    assert!(
        message.contains("re-authorize") && message.contains("authentication.logmeininc.com"),
        "{message}"
    );
    assert!(message.contains("Citrix"), "{message}");
    assert!(
        world.sandbox.request_log().iter().all(|r| !r.path.contains("/me")),
        "the legacy organizer_key is read, no discovery"
    );
    for secret in ["RjY2NjM5NzA4OGNmYzY5ZmE5NjZh", "d1cp20yB3hrFAKEcitrixTOKEN"] {
        assert!(!message.contains(secret) && !run.stderr.contains(secret), "no token in the output");
    }

    // Without a refresh token it is an AuthError too, not a retry.
    let mut bare = legacy.clone();
    bare.as_object_mut().unwrap().remove("refresh_token");
    let cfg = world.write("cfg.json", &json!({"oauth": bare, "webinarKey": LAUNCH}));
    let run = world.exec("getWebinar", &cfg, None, &[]).await;
    let message = run.assert_error("AuthError");
    assert!(
        message.contains("refresh token") && message.contains("authentication.logmeininc.com"),
        "{message}"
    );
    assert!(run.of("rebound").is_empty());
}

#[tokio::test]
async fn a_current_credential_without_refresh_token_asks_for_reauthorization() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    oauth.as_object_mut().unwrap().remove("refresh_token");
    world.sandbox.expire_all_tokens();
    let cfg =
        world.write("cfg.json", &json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()}));
    let run = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": LAUNCH}))), &[]).await;
    let message = run.assert_error("AuthError");
    assert!(message.contains("re-authorize") && !message.contains("Citrix"), "{message}");
}

#[tokio::test]
async fn required_fields_and_questions_of_a_seeded_webinar_are_enforced_by_goto() {
    let world = World::new().await;
    let mut webinar = upcoming("Strict form", 5);
    webinar.required_fields = vec!["organization".into()];
    webinar.questions = vec![SeedQuestion {
        question: "Team size?".into(),
        kind: "multipleChoice".into(),
        required: true,
        max_size: None,
        answers: vec!["1-10".into(), "11-100".into()],
    }];
    let key = world.sandbox.add_webinar(webinar).unwrap();
    let fields = world.one("getRegistrationFields", json!({"webinarKey": key})).await;
    let question = format!("question_{}", fields["questions"][0]["questionKey"].as_str().unwrap());
    let cfg = world.cfg(json!({"webinarKey": key}));
    let mut body =
        json!({"firstName": "D", "lastName": "E", "email": "d.e@example.com", "organization": "Org"});
    body[&question] = json!("11-100");
    world.exec("createRegistrant", &cfg, Some(&world.msg(body)), &[]).await.assert_ok();
    assert_eq!(world.sandbox.registrant_count(&key), 1);
}
