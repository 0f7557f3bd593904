//! The core actions through the `gotowebinar exec` binary against the sandbox.

use crate::support;

use chrono::{Duration, Utc};
use gotowebinar_sandbox::SeedRegistrant;
use serde_json::{json, Value};
use support::{next_week, upcoming, World};

#[tokio::test]
async fn list_webinars_follows_every_emit_behavior() {
    let world = World::new().await;
    for (subject, days) in [("Alpha", 1), ("Beta", 2), ("Gamma", 3)] {
        world.sandbox.add_webinar(upcoming(subject, days)).unwrap();
    }
    world.sandbox.add_webinar(upcoming("Too far", 500)).unwrap();
    let cfg = world.cfg(json!({}));

    let individually = world.exec("listWebinars", &cfg, None, &[]).await;
    individually.assert_ok();
    let subjects: Vec<Value> = individually.data().iter().map(|w| w["subject"].clone()).collect();
    let ours: Vec<&Value> = subjects
        .iter()
        .filter(|s| ["Alpha", "Beta", "Gamma", "Too far"].contains(&s.as_str().unwrap_or("")))
        .collect();
    assert_eq!(ours, vec!["Alpha", "Beta", "Gamma"], "default window is now .. +1 year, in start order");
    assert!(individually.data().iter().all(|w| w["webinarKey"].is_string()), "keys are strings");
    let total = subjects.len();

    let all =
        world.exec("listWebinars", &cfg, Some(&world.msg(json!({"emitBehavior": "fetchAll"}))), &[]).await;
    all.assert_ok();
    assert_eq!(all.data().len(), 1);
    assert_eq!(all.data()[0]["results"].as_array().unwrap().len(), total);

    let page_msg = world.msg(json!({"emitBehavior": "fetchPage", "page": "1", "size": "2"}));
    let page = world.exec("listWebinars", &cfg, Some(&page_msg), &[]).await;
    page.assert_ok();
    let body = &page.data()[0];
    assert_eq!(body["results"].as_array().unwrap().len(), 2.min(total - 2), "{body}");
    assert_eq!(body["results"][0]["subject"], subjects[2], "page 1 starts at the third webinar");
    let pages = total.div_ceil(2);
    assert_eq!(body["page"], json!({"number": 1, "size": 2, "totalElements": total, "totalPages": pages}));

    let wide = json!({"emitBehavior": "fetchAll", "toTime": (Utc::now() + Duration::days(600)).to_rfc3339()});
    let wide = world.exec("listWebinars", &cfg, Some(&world.msg(wide)), &[]).await;
    let results = wide.data()[0]["results"].as_array().unwrap().clone();
    assert!(results.iter().any(|w| w["subject"] == "Too far"), "toTime widens the window");
}

#[tokio::test]
async fn list_input_errors_name_the_field() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    for (body, field) in [
        (json!({"emitBehavior": "everything"}), "emitBehavior"),
        (json!({"emitBehavior": "fetchPage", "size": 201}), "size"),
        (json!({"fromTime": "next tuesday"}), "fromTime"),
        (json!({"scope": "galaxy"}), "scope"),
    ] {
        let run = world.exec("listWebinars", &cfg, Some(&world.msg(body.clone())), &[]).await;
        let message = run.assert_error("InputError");
        assert!(message.contains(field), "{body}: {message}");
    }
}

#[tokio::test]
async fn account_scope_lists_the_accounts_webinars() {
    let world = World::new().await;
    world.sandbox.add_webinar(upcoming("Account-wide", 3)).unwrap();
    let cfg = world.cfg(json!({"scope": "account"}));
    let run = world.exec("listWebinars", &cfg, None, &[]).await;
    run.assert_ok();
    assert!(run.data().iter().any(|w| w["subject"] == "Account-wide"), "{:?}", run.data());
    assert!(
        world.sandbox.request_log().iter().any(|r| r.path.contains("/accounts/")),
        "used the account endpoint"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_handed_back() {
    let world = World::new().await;
    world.sandbox.add_webinar(upcoming("Alpha", 1)).unwrap();
    let cfg = world.cfg(json!({"emitBehavior": "fetchAll"}));
    let before: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    world.sandbox.expire_all_tokens();

    let run = world.exec("listWebinars", &cfg, None, &["--save-keys"]).await;
    run.assert_ok();
    assert!(run.data()[0]["results"].as_array().unwrap().iter().any(|w| w["subject"] == "Alpha"));
    let keys = run.update_keys();
    assert!(!keys.is_empty(), "a refresh is handed back with updateKeys");
    let last = keys.last().unwrap();
    assert_ne!(last["oauth"]["access_token"], before["oauth"]["access_token"]);
    assert_eq!(
        last["oauth"]["refresh_token"], before["oauth"]["refresh_token"],
        "merge keeps the refresh token"
    );
    assert!(last["oauth"]["expires_at"].is_string());
    assert_eq!(
        last["organizerKey"],
        json!(world.sandbox.organizer_key()),
        "discovered organizer key persisted"
    );
    assert!(last.get("emitBehavior").is_none() && last.get("_account").is_none(), "no step fields: {last}");
    assert_eq!(world.sandbox.token_requests(), 1, "exactly one refresh");

    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert_eq!(
        saved["oauth"]["access_token"], last["oauth"]["access_token"],
        "--save-keys wrote the new keys"
    );
    assert_eq!(saved["emitBehavior"], "fetchAll", "step fields stay in the file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // The saved credential works without another refresh or discovery.
    let again = world.exec("listWebinars", &cfg, None, &[]).await;
    again.assert_ok();
    assert!(again.update_keys().is_empty(), "{:?}", again.update_keys());
    assert_eq!(world.sandbox.token_requests(), 1);
}

#[tokio::test]
async fn a_token_past_its_stored_expiry_is_refreshed_before_use() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    oauth["expires_at"] = json!((Utc::now() - Duration::minutes(1)).to_rfc3339());
    let cfg =
        world.write("cfg.json", &json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()}));
    let run = world.exec("listWebinars", &cfg, None, &[]).await;
    run.assert_ok();
    assert_eq!(world.sandbox.token_requests(), 1);
    let api_calls_with_old_token = world.sandbox.request_log().iter().filter(|r| r.status == 403).count();
    assert_eq!(api_calls_with_old_token, 0, "no call was made with the expired token");
    assert_eq!(run.update_keys().len(), 1);
}

#[tokio::test]
async fn a_dead_refresh_token_asks_for_reauthorization() {
    let world = World::new().await;
    let mut oauth = world.sandbox.issue_tokens();
    world.sandbox.revoke_refresh_token(oauth["refresh_token"].as_str().unwrap());
    oauth["expires_at"] = json!((Utc::now() - Duration::minutes(1)).to_rfc3339());
    let cfg =
        world.write("cfg.json", &json!({"oauth": oauth, "organizerKey": world.sandbox.organizer_key()}));
    let run = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": "1"}))), &[]).await;
    let message = run.assert_error("AuthError");
    assert!(message.to_lowercase().contains("re-authoriz"), "{message}");
    let secret = oauth["refresh_token"].as_str().unwrap();
    assert!(!run.stderr.contains(secret) && !message.contains(secret), "the refresh token never shows");
}

#[tokio::test]
async fn webinars_are_created_read_updated_and_cancelled() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let created = world
        .exec(
            "createWebinar",
            &cfg,
            Some(&world.msg(json!({"subject": "Launch", "times": next_week()}))),
            &[],
        )
        .await;
    created.assert_ok();
    let key = created.data()[0]["webinarKey"].as_str().expect("webinarKey as a string").to_string();
    assert!(world.sandbox.webinar_exists(&key));

    let got = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    got.assert_ok();
    assert_eq!(got.data()[0]["subject"], "Launch");
    assert_eq!(got.data()[0]["webinarKey"], json!(key));

    let update = json!({"webinarKey": key, "subject": "Launch (moved)", "notifyParticipants": "on"});
    world.exec("updateWebinar", &cfg, Some(&world.msg(update)), &[]).await.assert_ok();
    let got = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    assert_eq!(got.data()[0]["subject"], "Launch (moved)");

    let cancel = world.exec("cancelWebinar", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    cancel.assert_ok();
    assert_eq!(cancel.data()[0]["success"], true);
    assert!(!world.sandbox.webinar_exists(&key));
    let again = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    again.assert_error("NotFound");
}

#[tokio::test]
async fn series_and_sequence_webinars_are_created() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let start = Utc::now() + Duration::days(3);
    let series = json!({"subject": "Course", "type": "series", "times": [
        {"startTime": start.to_rfc3339(), "endTime": (start + Duration::hours(1)).to_rfc3339()},
        {"startTime": (start + Duration::days(1)).to_rfc3339(), "endTime": (start + Duration::days(1) + Duration::hours(1)).to_rfc3339()}
    ], "emailSettings": {"reminderEmail": false}});
    let run = world.exec("createWebinar", &cfg, Some(&world.msg(series)), &[]).await;
    run.assert_ok();
    let key = run.data()[0]["webinarKey"].as_str().unwrap().to_string();
    let got = world.exec("getWebinar", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    assert_eq!(got.data()[0]["times"].as_array().unwrap().len(), 2);

    let sequence = json!({"subject": "Weekly office hours", "recurrence": {
        "start": {"startTime": start.to_rfc3339(), "endTime": (start + Duration::hours(1)).to_rfc3339()},
        "pattern": "weekly", "end": (start + Duration::days(28)).format("%Y-%m-%d").to_string()}});
    world.exec("createWebinar", &cfg, Some(&world.msg(sequence)), &[]).await.assert_ok();
}

#[tokio::test]
async fn create_webinar_input_errors_say_what_to_fix() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let start = Utc::now() + Duration::days(3);
    for (body, needle) in [
        (json!({"times": next_week()}), "subject"),
        (json!({"subject": "x"}), "times"),
        (
            json!({"subject": "x", "times": [{"startTime": start.to_rfc3339(), "endTime": (start - Duration::hours(1)).to_rfc3339()}]}),
            "endTime",
        ),
        (json!({"subject": "x", "type": "sequence"}), "recurrence"),
        (json!({"subject": "x".repeat(129), "times": next_week()}), "128"),
    ] {
        let run = world.exec("createWebinar", &cfg, Some(&world.msg(body.clone())), &[]).await;
        let message = run.assert_error("InputError");
        assert!(message.contains(needle), "{body}: {message}");
    }
    assert!(world.sandbox.request_log().iter().all(|r| r.method != "POST"), "nothing was sent");
}

#[tokio::test]
async fn registrants_are_created_once_listed_read_and_deleted() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Launch", 5)).unwrap();
    let cfg = world.cfg(json!({"webinarKey": webinar}));

    let ada = json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "organization": "Engines"});
    let first = world.exec("createRegistrant", &cfg, Some(&world.msg(ada)), &[]).await;
    first.assert_ok();
    let created = &first.data()[0];
    assert_eq!(created["alreadyRegistered"], false);
    assert_eq!(created["email"], "ada@example.com");
    let key = created["registrantKey"].as_str().unwrap().to_string();
    assert!(created.as_object().unwrap().contains_key("status"), "status is always present: {created}");

    let twice = json!({"firstName": "Ada", "lastName": "L.", "email": "ADA@Example.com"});
    let second = world.exec("createRegistrant", &cfg, Some(&world.msg(twice.clone())), &[]).await;
    second.assert_ok();
    assert_eq!(second.data()[0]["alreadyRegistered"], true);
    assert_eq!(second.data()[0]["registrantKey"], json!(key));
    assert_eq!(world.sandbox.registrants_with_email(&webinar, "ada@example.com"), 1);

    let mut fail = twice;
    fail["onDuplicate"] = json!("fail");
    world.exec("createRegistrant", &cfg, Some(&world.msg(fail)), &[]).await.assert_error("Conflict");

    let grace = json!({"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"});
    world.exec("createRegistrant", &cfg, Some(&world.msg(grace)), &[]).await.assert_ok();

    let listed = world.exec("listRegistrants", &cfg, None, &[]).await;
    listed.assert_ok();
    let mut sorted: Vec<String> =
        listed.data().iter().map(|r| r["email"].as_str().unwrap().to_string()).collect();
    sorted.sort();
    assert_eq!(sorted, vec!["ada@example.com", "grace@example.com"]);

    let get = world.exec("getRegistrant", &cfg, Some(&world.msg(json!({"registrantKey": key}))), &[]).await;
    get.assert_ok();
    assert_eq!(get.data()[0]["organization"], "Engines", "detail fields go along");
    assert_eq!(get.data()[0]["webinarKey"], json!(webinar));

    let delete =
        world.exec("deleteRegistrant", &cfg, Some(&world.msg(json!({"registrantKey": key}))), &[]).await;
    delete.assert_ok();
    assert_eq!(world.sandbox.registrant_count(&webinar), 1);
    let gone = world.exec("getRegistrant", &cfg, Some(&world.msg(json!({"registrantKey": key}))), &[]).await;
    gone.assert_error("NotFound");
}

#[tokio::test]
async fn list_registrants_reads_every_page() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Big", 5)).unwrap();
    for i in 0..450 {
        world
            .sandbox
            .add_registrant(&webinar, SeedRegistrant::new("P", &format!("{i}"), &format!("p{i}@example.com")))
            .unwrap();
    }
    let cfg = world.cfg(json!({"webinarKey": webinar}));
    let run = world.exec("listRegistrants", &cfg, None, &[]).await;
    run.assert_ok();
    assert_eq!(run.data().len(), 450);
    let all =
        world.exec("listRegistrants", &cfg, Some(&world.msg(json!({"emitBehavior": "fetchAll"}))), &[]).await;
    assert_eq!(all.data()[0]["results"].as_array().unwrap().len(), 450);
    let page = world
        .exec(
            "listRegistrants",
            &cfg,
            Some(&world.msg(json!({"emitBehavior": "fetchPage", "page": 2, "size": 200}))),
            &[],
        )
        .await;
    page.assert_ok();
    assert_eq!(page.data()[0]["results"].as_array().unwrap().len(), 50);
    assert_eq!(page.data()[0]["page"]["totalElements"], 450);
}

#[tokio::test]
async fn create_registrant_input_errors_name_the_field() {
    let world = World::new().await;
    let webinar = world.sandbox.add_webinar(upcoming("Launch", 5)).unwrap();
    let cfg = world.cfg(json!({"webinarKey": webinar}));
    for (body, field) in [
        (json!({"firstName": "Ada", "lastName": "L"}), "email"),
        (json!({"firstName": "Ada", "lastName": "L", "email": "not-an-email"}), "email"),
        (json!({"lastName": "L", "email": "a@example.com"}), "firstName"),
        (
            json!({"firstName": "Ada", "lastName": "L", "email": "a@example.com", "onDuplicate": "merge"}),
            "onDuplicate",
        ),
        (
            json!({"firstName": "Ada", "lastName": "L", "email": "a@example.com", "webinarKey": "abc"}),
            "webinarKey",
        ),
    ] {
        let run = world.exec("createRegistrant", &cfg, Some(&world.msg(body.clone())), &[]).await;
        let message = run.assert_error("InputError");
        assert!(message.contains(field), "{body}: {message}");
    }
}

#[tokio::test]
async fn registration_fields_carry_question_keys_as_strings() {
    let world = World::new().await;
    let mut webinar = upcoming("With questions", 5);
    webinar.required_fields = vec!["organization".into()];
    webinar.questions = vec![gotowebinar_sandbox::SeedQuestion {
        question: "How did you hear about us?".into(),
        kind: "shortAnswer".into(),
        required: false,
        max_size: Some(128),
        answers: vec![],
    }];
    let key = world.sandbox.add_webinar(webinar).unwrap();
    let cfg = world.cfg(json!({}));
    let run =
        world.exec("getRegistrationFields", &cfg, Some(&world.msg(json!({"webinarKey": key}))), &[]).await;
    run.assert_ok();
    let body = &run.data()[0];
    assert!(
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "organization" && f["required"] == true),
        "{body}"
    );
    let question = &body["questions"][0];
    assert!(question["questionKey"].is_string(), "{body}");
    assert_eq!(question["question"], "How did you hear about us?");
}

#[tokio::test]
async fn the_legacy_organizer_key_inside_oauth_is_used_without_discovery() {
    let world = World::new().await;
    world.sandbox.add_webinar(upcoming("Alpha", 1)).unwrap();
    let mut oauth = world.sandbox.issue_tokens();
    oauth["organizer_key"] = json!(world.sandbox.organizer_key());
    let cfg = world.write("cfg.json", &json!({"oauth": oauth}));
    let run = world.exec("listWebinars", &cfg, None, &[]).await;
    run.assert_ok();
    assert!(run.data().iter().any(|w| w["subject"] == "Alpha"));
    assert!(world.sandbox.request_log().iter().all(|r| !r.path.contains("/me")), "no discovery call");
}

#[tokio::test]
async fn usage_errors_exit_2_with_one_line() {
    let world = World::new().await;
    let cfg = world.cfg(json!({}));
    let unknown = world.exec("noSuchAction", &cfg, None, &[]).await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("noSuchAction"), "{}", unknown.stderr);
    let bad = world.write("bad.json", &json!("x"));
    std::fs::write(&bad, "{not json").unwrap();
    let invalid = world.exec("listWebinars", &bad, None, &[]).await;
    assert_eq!(invalid.code, 2, "{}", invalid.stderr);
    assert!(invalid.events.is_empty());
}
