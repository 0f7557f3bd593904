//! The REST API: quirks and state changes.

use chrono::Duration;
use gotowebinar_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{at, start, IN_SESSION, PAST, SERIES, UPCOMING_WITH_QUESTIONS};

fn assert_invalid_token(r: &crate::Reply) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.json(), json!({"int_err_code": "InvalidToken", "msg": "Invalid token passed"}));
}

#[tokio::test]
async fn missing_malformed_expired_and_foreign_tokens_get_403_invalid_token() {
    let env = start().await;
    let path = env.webinar(UPCOMING_WITH_QUESTIONS);
    assert_eq!(env.get(&path).await.status, StatusCode::OK);

    let url = format!("{}/G2W/rest/v2{path}", env.sb.url());
    let no_auth = env.http.get(&url).send().await.unwrap();
    assert_eq!(no_auth.status(), StatusCode::FORBIDDEN);
    assert_eq!(no_auth.json::<serde_json::Value>().await.unwrap()["int_err_code"], "InvalidToken");

    assert_invalid_token(&env.call_as("not-a-token", Method::GET, &path, None).await);
    assert_invalid_token(&env.call_as("a.b.c", Method::GET, "/identity/v1/Users/me", None).await);

    // A token of another sandbox (another client) means nothing here.
    let other = Sandbox::start(SandboxConfig { rate_limit: None, ..SandboxConfig::default() }).await.unwrap();
    let foreign = other.issue_tokens()["access_token"].as_str().unwrap().to_string();
    assert_invalid_token(&env.call_as(&foreign, Method::GET, &path, None).await);
    other.shutdown().await;

    env.sb.expire_all_tokens();
    assert_invalid_token(&env.get(&path).await);
    assert_invalid_token(&env.get("/admin/rest/v1/me").await);
}

#[tokio::test]
async fn clock_offset_expires_tokens_and_moves_webinars_into_the_past() {
    let env = start().await;
    let path = env.webinar(UPCOMING_WITH_QUESTIONS);
    assert_eq!(env.get(&path).await.json()["inSession"], false);
    env.sb.set_clock_offset(Duration::hours(2));
    assert_invalid_token(&env.get(&path).await);
    let token = env.sb.issue_tokens()["access_token"].as_str().unwrap().to_string();
    let r = env.call_as(&token, Method::GET, &env.webinar(IN_SESSION), None).await;
    assert_eq!(r.json()["inSession"], false, "the in-session webinar has ended two hours later");
}

#[tokio::test]
async fn webinar_lists_require_a_valid_time_window() {
    let env = start().await;
    let list = format!("{}/webinars", env.org());
    for query in [
        String::new(),
        "?fromTime=2026-01-01T00:00:00Z".into(),
        "?toTime=2026-01-01T00:00:00Z".into(),
        "?fromTime=yesterday&toTime=2026-01-01T00:00:00Z".into(),
        // An unencoded `+` arrives as a space.
        "?fromTime=2026-01-01T00:00:00+01:00&toTime=2026-02-01T00:00:00Z".into(),
        "?fromTime=2026-02-01T00:00:00Z&toTime=2026-01-01T00:00:00Z".into(),
    ] {
        let r = env.get(&format!("{list}{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        let body = r.json();
        assert_eq!(body["errorCode"], "InvalidRequest");
        assert!(body["incident"].as_str().is_some_and(|i| !i.is_empty()));
    }
    let encoded =
        env.get(&format!("{list}?fromTime=2026-01-01T00:00:00%2B01:00&toTime=2026-02-01T00:00:00Z")).await;
    assert_eq!(encoded.status, StatusCode::OK, "{}", encoded.text);
    let sessions = env.get(&format!("{}/sessions", env.org())).await;
    assert_eq!(sessions.status, StatusCode::BAD_REQUEST);
    let account = env.get(&format!("/accounts/{}/webinars", env.sb.account_key())).await;
    assert_eq!(account.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn webinar_pages_embed_only_non_empty_pages_and_cap_the_size() {
    let env = start().await;
    let base = format!("{}/webinars?{}", env.org(), env.wide_window());
    let all = env.get(&base).await.json();
    assert_eq!(all["page"], json!({"size": 20, "totalElements": 5, "totalPages": 1, "number": 0}));
    assert_eq!(all["_embedded"]["webinars"].as_array().unwrap().len(), 5);

    let p = env.get(&format!("{base}&size=2&page=1")).await.json();
    assert_eq!(p["page"], json!({"size": 2, "totalElements": 5, "totalPages": 3, "number": 1}));
    assert_eq!(p["_embedded"]["webinars"].as_array().unwrap().len(), 2);
    let last = env.get(&format!("{base}&size=2&page=2")).await.json();
    assert_eq!(last["_embedded"]["webinars"].as_array().unwrap().len(), 1);
    let beyond = env.get(&format!("{base}&size=2&page=3")).await.json();
    assert!(beyond.get("_embedded").is_none(), "{beyond}");
    assert_eq!(env.get(&format!("{base}&size=5000")).await.json()["page"]["size"], 200);

    // The organizer's and the account's lists agree; unknown parameters are ignored.
    let acc = env
        .get(&format!("/accounts/{}/webinars?{}&frobnicate=1", env.sb.account_key(), env.wide_window()))
        .await
        .json();
    assert_eq!(acc["page"]["totalElements"], 5);

    let long_ago = env
        .get(&format!("{}/webinars?fromTime=2001-01-01T00:00:00Z&toTime=2001-02-01T00:00:00Z", env.org()))
        .await;
    assert_eq!(long_ago.status, StatusCode::OK);
    assert!(long_ago.json().get("_embedded").is_none());
    assert_eq!(long_ago.json()["page"]["totalElements"], 0);
}

#[tokio::test]
async fn keys_are_json_numbers_of_any_size_and_webinar_key_is_a_string_where_goto_sends_one() {
    let env = start().await;
    let one = env.get(&env.webinar(UPCOMING_WITH_QUESTIONS)).await;
    assert_eq!(one.raw("webinarKey"), vec![UPCOMING_WITH_QUESTIONS.to_string()], "{}", one.text);
    assert_eq!(one.raw("organizerKey"), vec![env.sb.organizer_key()]);
    assert!(UPCOMING_WITH_QUESTIONS.parse::<u64>().is_err(), "the seeded key is above u64::MAX");

    let list = env.get(&format!("{}/webinars?{}", env.org(), env.wide_window())).await;
    let keys = list.raw("webinarKey");
    assert!(keys.contains(&format!("\"{UPCOMING_WITH_QUESTIONS}\"")), "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with('"')));

    let regs = env.get(&format!("{}/registrants", env.webinar(UPCOMING_WITH_QUESTIONS))).await;
    assert!(regs.raw("registrantKey").iter().all(|k| k.bytes().all(|b| b.is_ascii_digit())), "{}", regs.text);

    // Session lists carry their keys as strings (`ReportingSession`).
    let sessions = env.get(&format!("{}/sessions", env.webinar(PAST))).await;
    assert_eq!(sessions.raw("webinarKey"), vec![format!("\"{PAST}\"")], "{}", sessions.text);

    let created = env
        .post(
            &format!("{}/webinars", env.org()),
            &json!({"subject": "Keys", "times": [{"startTime": at(&env.sb, Duration::days(3)),
                    "endTime": at(&env.sb, Duration::days(3) + Duration::hours(1))}]})
            .to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let key = created.json()["webinarKey"].as_str().unwrap().to_string();
    assert!(key.bytes().all(|b| b.is_ascii_digit()) && key.len() >= 19, "{key}");
}

#[tokio::test]
async fn webinar_create_list_get_update_cancel() {
    let env = start().await;
    let start_at = at(&env.sb, Duration::days(4));
    let end_at = at(&env.sb, Duration::days(4) + Duration::hours(1));
    let body = json!({"subject": "Quarterly update", "description": "All hands",
                      "times": [{"startTime": start_at, "endTime": end_at}], "timeZone": "Europe/Berlin"});
    let created = env.post(&format!("{}/webinars", env.org()), &body.to_string()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.json()["webinarKey"].as_str().unwrap().to_string();

    let list = env.get(&format!("{}/webinars?{}", env.org(), env.wide_window())).await;
    assert!(list.raw("webinarKey").contains(&format!("\"{key}\"")));

    let got = env.get(&env.webinar(&key)).await;
    assert_eq!(got.status, StatusCode::OK);
    let w = got.json();
    assert_eq!(w["subject"], "Quarterly update");
    assert_eq!(w["timeZone"], "Europe/Berlin");
    assert_eq!(w["times"][0]["startTime"], start_at);
    assert_eq!(w["numberOfRegistrants"], 0);
    assert_eq!(w["inSession"], false);
    assert_eq!(w["organizerEmail"], "morgan.lee@northwind.example");
    assert_eq!(w["organizerName"], "Morgan Lee");
    assert!(w["registrationLimit"].is_number());

    let new_times = json!([
        {"startTime": at(&env.sb, Duration::days(5)), "endTime": at(&env.sb, Duration::days(5) + Duration::hours(2))},
        {"startTime": at(&env.sb, Duration::days(6)), "endTime": at(&env.sb, Duration::days(6) + Duration::hours(2))}
    ]);
    let upd = env
        .call(
            Method::PUT,
            &format!("{}?notifyParticipants=false", env.webinar(&key)),
            Some(&json!({"subject": "Quarterly update (moved)", "times": new_times}).to_string()),
        )
        .await;
    assert_eq!(upd.status, StatusCode::ACCEPTED, "{}", upd.text);
    let w = env.get(&env.webinar(&key)).await.json();
    assert_eq!(w["subject"], "Quarterly update (moved)");
    assert_eq!(w["times"], new_times, "times are replaced as a whole");
    let times = env.get(&format!("{}/meetingtimes", env.webinar(&key))).await.json();
    assert_eq!(times, new_times);

    let del =
        env.call(Method::DELETE, &format!("{}?sendCancellationEmails=false", env.webinar(&key)), None).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert!(!env.sb.webinar_exists(&key));
    let gone = env.get(&env.webinar(&key)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.json()["errorCode"], "NotFound");
    assert_eq!(env.call(Method::DELETE, &env.webinar(&key), None).await.status, StatusCode::NOT_FOUND);
    let list = env.get(&format!("{}/webinars?{}", env.org(), env.wide_window())).await;
    assert!(!list.raw("webinarKey").contains(&format!("\"{key}\"")));
}

#[tokio::test]
async fn webinar_create_validates_its_input() {
    let env = start().await;
    let path = format!("{}/webinars", env.org());
    let future = |d: i64| at(&env.sb, Duration::days(d));
    let times = json!([{"startTime": future(1), "endTime": future(2)}]);
    let cases = [
        json!({"times": times}),
        json!({"subject": "x".repeat(129), "times": times}),
        json!({"subject": "No times"}),
        json!({"subject": "Past", "times": [{"startTime": future(-2), "endTime": future(-1)}]}),
        json!({"subject": "Backwards", "times": [{"startTime": future(2), "endTime": future(1)}]}),
        json!({"subject": "Bad type", "type": "weekly", "times": times}),
        json!({"subject": "Bad time", "times": [{"startTime": "tomorrow", "endTime": future(2)}]}),
        json!({"subject": "Simulive", "experienceType": "SIMULIVE", "times": times}),
        json!({"subject": "Two", "type": "single_session", "times": [
            {"startTime": future(1), "endTime": future(2)}, {"startTime": future(3), "endTime": future(4)}]}),
        // Fields the document does not declare, at the top and inside a time range.
        json!({"subject": "Undeclared", "times": times, "organizerEmail": "me@example.com"}),
        json!({"subject": "Undeclared", "times": [{"startTime": future(1), "endTime": future(2), "zone": "UTC"}]}),
    ];
    for case in cases {
        let r = env.post(&path, &case.to_string()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{case}: {}", r.text);
    }
    assert_eq!(env.post(&path, "{not json").await.status, StatusCode::BAD_REQUEST);

    let seq = json!({"subject": "Daily stand-up", "type": "sequence",
        "recurrenceStart": {"startTime": future(1), "endTime": at(&env.sb, Duration::days(1) + Duration::minutes(30))},
        "recurrencePattern": "daily",
        "recurrenceEnd": (env.sb.now() + Duration::days(3)).format("%Y-%m-%d").to_string()});
    let r = env.post(&path, &seq.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let key = r.json()["webinarKey"].as_str().unwrap().to_string();
    let w = env.get(&env.webinar(&key)).await.json();
    assert_eq!(w["type"], "sequence");
    assert_eq!(w["times"].as_array().unwrap().len(), 3, "{w}");
}

#[tokio::test]
async fn cancel_and_update_follow_the_webinar_phase() {
    let env = start().await;
    let past = env.call(Method::DELETE, &env.webinar(PAST), None).await;
    assert_eq!(past.status, StatusCode::METHOD_NOT_ALLOWED, "{}", past.text);
    let live = env.call(Method::DELETE, &env.webinar(IN_SESSION), None).await;
    assert_eq!(live.status, StatusCode::CONFLICT, "{}", live.text);
    assert_eq!(env.get(&env.webinar(IN_SESSION)).await.json()["inSession"], true);
    for key in [PAST, IN_SESSION] {
        let r = env.call(Method::PUT, &env.webinar(key), Some(r#"{"subject":"Renamed"}"#)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{key}: {}", r.text);
    }
    let unknown = env.call(Method::DELETE, &env.webinar("123"), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A key mangled by float parsing finds nothing.
    assert_eq!(env.get(&env.webinar("2.4576065432313123e19")).await.status, StatusCode::NOT_FOUND);
    let insession = env.get(&format!("{}/insessionWebinars", env.org())).await;
    // `BrokerWebinar` has an integer webinarKey.
    assert_eq!(insession.raw("webinarKey"), vec![IN_SESSION.to_string()]);
}

#[tokio::test]
async fn registrants_list_in_two_shapes_and_cap_the_limit() {
    let env = start().await;
    let path = format!("{}/registrants", env.webinar(UPCOMING_WITH_QUESTIONS));
    let bare = env.get(&path).await.json();
    assert_eq!(bare.as_array().map(Vec::len), Some(2), "{bare}");
    assert_eq!(bare[0]["status"], "APPROVED");
    assert!(bare[0]["joinUrl"].as_str().unwrap().starts_with(&env.sb.url()));

    let paged = env.get(&format!("{path}?limit=1")).await.json();
    assert_eq!(paged["total"], 2);
    assert_eq!(paged["page"], 0);
    assert_eq!(paged["limit"], 1);
    assert_eq!(paged["pageSize"], 1);
    assert_eq!(paged["data"].as_array().unwrap().len(), 1);
    let second = env.get(&format!("{path}?limit=1&page=1")).await.json();
    assert_ne!(second["data"][0]["email"], paged["data"][0]["email"]);
    let page_only = env.get(&format!("{path}?page=0")).await.json();
    assert_eq!(page_only["data"].as_array().unwrap().len(), 2);
    assert_eq!(env.get(&format!("{path}?limit=1000")).await.json()["limit"], 200);
    let empty = env.get(&format!("{}/registrants", env.webinar("8914733297516347393"))).await.json();
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn registrant_create_conflict_validation_get_delete() {
    let env = start().await;
    let w = env.webinar(UPCOMING_WITH_QUESTIONS);
    let fields = env.get(&format!("{w}/registrants/fields")).await;
    let f = fields.json();
    assert!(f["fields"].as_array().unwrap().iter().any(|x| x["field"] == "email" && x["required"] == true));
    let questions = f["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2);
    let mc = questions.iter().position(|q| q["type"] == "multipleChoice").unwrap();
    let short = questions.iter().position(|q| q["type"] == "shortAnswer").unwrap();
    assert_eq!(questions[mc]["required"], true);
    // Read the keys as raw text: they may not fit any integer type.
    let qkeys = fields.raw("questionKey");
    let akeys = fields.raw("answerKey");
    assert_eq!(akeys.len(), 3);

    let path = format!("{w}/registrants?resendConfirmation=false");
    let missing_required_answer =
        json!({"firstName": "Joan", "lastName": "Clarke", "email": "joan@example.com"});
    assert_eq!(env.post(&path, &missing_required_answer.to_string()).await.status, StatusCode::BAD_REQUEST);
    let body = format!(
        r#"{{"firstName":"Joan","lastName":"Clarke","email":"joan@example.com","organization":"Hut 8",
            "responses":[{{"questionKey":{},"answerKey":{}}},{{"questionKey":{},"responseText":"Crypto"}}]}}"#,
        qkeys[mc], akeys[1], qkeys[short]
    );
    let created = env.call(Method::POST, &path, Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let c = created.json();
    assert_eq!(c["status"], "APPROVED");
    assert!(c["joinUrl"].is_string());
    let rkey = created.raw("registrantKey").remove(0);
    assert!(rkey.bytes().all(|b| b.is_ascii_digit()), "registrantKey is a JSON number: {}", created.text);
    assert_eq!(env.sb.registrant_count(UPCOMING_WITH_QUESTIONS), 3);

    let dup = body.replace("joan@example.com", "JOAN@Example.COM");
    let conflict = env.call(Method::POST, &path, Some(&dup)).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    assert!(conflict.json()["errorCode"].is_string());
    assert_eq!(env.sb.registrants_with_email(UPCOMING_WITH_QUESTIONS, "joan@example.com"), 1);

    for bad in [
        json!({"lastName": "X", "email": "x@example.com"}),
        json!({"firstName": "X", "email": "x@example.com"}),
        json!({"firstName": "X", "lastName": "X"}),
        json!({"firstName": "X", "lastName": "X", "email": "not-an-email"}),
        json!({"firstName": 5, "lastName": "X", "email": "x@example.com"}),
        json!({"firstName": "X", "lastName": "X", "email": "x@example.com", "nickname": "undeclared"}),
    ] {
        let r = env.post(&path, &bad.to_string()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
    }
    let wrong_answer = body.replace("joan@example.com", "other@example.com").replace(&akeys[1], "1");
    assert_eq!(env.call(Method::POST, &path, Some(&wrong_answer)).await.status, StatusCode::BAD_REQUEST);

    let one = env.get(&format!("{w}/registrants/{rkey}")).await;
    assert_eq!(one.status, StatusCode::OK);
    let one = one.json();
    assert_eq!(one["email"], "joan@example.com");
    assert_eq!(one["organization"], "Hut 8");
    assert_eq!(one["responses"].as_array().unwrap().len(), 2);

    let del = env.call(Method::DELETE, &format!("{w}/registrants/{rkey}"), None).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(env.get(&format!("{w}/registrants/{rkey}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(env.sb.registrant_count(UPCOMING_WITH_QUESTIONS), 2);

    // Past webinars: no new registrants, none removed.
    let past_regs = env.get(&format!("{}/registrants", env.webinar(PAST))).await;
    let past_key = past_regs.raw("registrantKey").remove(0);
    let r = env.call(Method::DELETE, &format!("{}/registrants/{past_key}", env.webinar(PAST)), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = env
        .post(
            &format!("{}/registrants", env.webinar(PAST)),
            r#"{"firstName":"A","lastName":"B","email":"a@b.co"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sessions_attendees_and_their_reports() {
    let env = start().await;
    let list = env.get(&format!("{}/sessions?{}", env.org(), env.wide_window())).await;
    assert_eq!(list.status, StatusCode::OK);
    let l = list.json();
    let sessions = l["_embedded"]["sessionInfoResources"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "only ended sessions are listed: {l}");
    assert_eq!(l["page"]["totalElements"], 1);
    assert_eq!(sessions[0]["registrantsAttended"], 2);
    let skey = list.raw("sessionKey").remove(0).trim_matches('"').to_string();
    assert_eq!(list.raw("webinarKey"), vec![format!("\"{PAST}\"")]);

    let none = env.get(&format!("{}/sessions", env.webinar(IN_SESSION))).await.json();
    assert!(none.get("_embedded").is_none(), "{none}");

    let s = format!("{}/sessions/{skey}", env.webinar(PAST));
    assert_eq!(env.get(&s).await.json()["registrantsAttended"], 2);
    let attendees = env.get(&format!("{s}/attendees")).await;
    let a = attendees.json();
    assert_eq!(a.as_array().map(Vec::len), Some(2), "a bare array: {a}");
    assert!(a[0]["attendanceTimeInSeconds"].as_i64().unwrap() > 0);
    assert_eq!(attendees.raw("webinarKey"), vec![PAST.to_string(), PAST.to_string()]);
    let rkey = attendees.raw("registrantKey").remove(0);
    let one = env.get(&format!("{s}/attendees/{rkey}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(
        env.get(&format!("{s}/attendees/{rkey}/polls")).await.json().as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(env.get(&format!("{s}/attendees/{rkey}/surveys")).await.status, StatusCode::OK);
    assert_eq!(env.get(&format!("{s}/attendees/{rkey}/questions")).await.status, StatusCode::OK);
    assert_eq!(env.get(&format!("{s}/attendees/1")).await.status, StatusCode::NOT_FOUND);

    let perf = env.get(&format!("{s}/performance")).await.json();
    assert_eq!(perf["attendance"]["registrantCount"], 3);
    assert_eq!(perf["pollsAndSurveys"]["pollCount"], 1);
    assert_eq!(perf["pollsAndSurveys"]["questionsAsked"], 1);
    let polls = env.get(&format!("{s}/polls")).await.json();
    assert_eq!(polls[0]["numberOfResponses"], 2);
    assert_eq!(env.get(&format!("{s}/questions")).await.json()[0]["askedBy"], "edsger.dijkstra@example.com");
    assert_eq!(env.get(&format!("{s}/surveys")).await.json().as_array().map(Vec::len), Some(1));
    let wperf = env.get(&format!("{}/performance", env.webinar(PAST))).await.json();
    assert!(wperf.get(&skey).is_some(), "{wperf}");

    let wa = env.get(&format!("{}/attendees?size=1", env.webinar(PAST))).await.json();
    assert_eq!(wa["_embedded"]["attendeeParticipationResponses"].as_array().unwrap().len(), 1);
    assert_eq!(wa["page"]["totalElements"], 2);
    let wa_empty = env.get(&format!("{}/attendees", env.webinar(SERIES))).await.json();
    assert!(wa_empty.get("_embedded").is_none());
}

#[tokio::test]
async fn unrouted_paths_and_product_errors_have_their_shapes() {
    let env = start().await;
    let r = env.get("/G2W/rest/v2/nothing/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let b = r.json();
    assert_eq!(b["errorCode"], "NOT_FOUND");
    assert!(b["message"].is_string());
    let r = env.get(&env.webinar("999")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let b = r.json();
    assert_eq!(b["errorCode"], "NotFound");
    assert!(b["description"].is_string() && b["incident"].is_string());
    // Another organizer's path: a real permission error, not InvalidToken.
    let r =
        env.get("/organizers/42/webinars?fromTime=2026-01-01T00:00:00Z&toTime=2026-02-01T00:00:00Z").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json().get("int_err_code").is_none());
}

#[tokio::test]
async fn identity_endpoints_name_the_organizer() {
    let env = start().await;
    let me = env.get("/identity/v1/Users/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let m = me.json();
    assert_eq!(m["id"], env.sb.organizer_key());
    assert_eq!(m["userName"], "morgan.lee@northwind.example");
    assert_eq!(m["emails"][0]["value"], "morgan.lee@northwind.example");
    let admin = env.get("/admin/rest/v1/me").await;
    assert!(admin.raw("key").contains(&env.sb.organizer_key()), "{}", admin.text);
    assert_eq!(admin.raw("accountKey"), vec![env.sb.account_key()]);
    let a = admin.json();
    assert_eq!(a["firstName"], "Morgan");
    assert!(a["accounts"].is_array() && a["products"].is_array());
}

#[tokio::test]
async fn panelists_coorganizers_copy_audio_start_url_and_recordings() {
    let env = start().await;
    let w = env.webinar(SERIES);
    let added =
        env.post(&format!("{w}/panelists"), r#"[{"name":"Pat Panel","email":"pat@example.com"}]"#).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let pkey = added.raw("panelistKey").remove(0).trim_matches('"').to_string();
    assert_eq!(env.get(&format!("{w}/panelists")).await.json().as_array().map(Vec::len), Some(1));
    let resend = env.call(Method::POST, &format!("{w}/panelists/{pkey}/resendInvitation"), None).await;
    assert_eq!(resend.status, StatusCode::NO_CONTENT);
    assert_eq!(
        env.call(Method::DELETE, &format!("{w}/panelists/{pkey}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(env.get(&format!("{w}/panelists")).await.json(), json!([]));
    assert_eq!(
        env.post(&format!("{w}/panelists"), r#"[{"name":"No mail"}]"#).await.status,
        StatusCode::BAD_REQUEST
    );

    let co = env
        .post(
            &format!("{w}/coorganizers"),
            r#"[{"external":true,"givenName":"Cora","email":"cora@example.com"}]"#,
        )
        .await;
    assert_eq!(co.status, StatusCode::CREATED, "{}", co.text);
    let ckey = co.raw("memberKey").remove(0).trim_matches('"').to_string();
    let r = env
        .call(Method::POST, &format!("{w}/coorganizers/{ckey}/resendInvitation?external=true"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = env.call(Method::DELETE, &format!("{w}/coorganizers/{ckey}?external=false"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = env.call(Method::DELETE, &format!("{w}/coorganizers/{ckey}?external=true"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let audio = env.get(&format!("{w}/audio")).await.json();
    assert!(audio["type"].is_string());
    let set = env.post(&format!("{w}/audio"), r#"{"type":"VOIP"}"#).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    assert_eq!(env.get(&format!("{w}/audio")).await.json()["type"], "VOIP");
    assert_eq!(env.post(&format!("{w}/audio"), r#"{"type":"Smoke"}"#).await.status, StatusCode::BAD_REQUEST);

    let start_url = env.get(&format!("/webinars/{SERIES}/startUrl")).await.json();
    assert!(start_url["startUrl"].as_str().unwrap().starts_with(&env.sb.url()));

    let before = env.sb.webinar_keys().len();
    let times = json!({"times": [{"startTime": at(&env.sb, Duration::days(30)),
                                  "endTime": at(&env.sb, Duration::days(30) + Duration::hours(1))}]});
    let copy = env
        .call(Method::PUT, &format!("/webinars/{UPCOMING_WITH_QUESTIONS}/copy"), Some(&times.to_string()))
        .await;
    assert_eq!(copy.status, StatusCode::CREATED, "{}", copy.text);
    let copy_key = copy.json()["webinarKey"].as_str().unwrap().to_string();
    assert_eq!(env.sb.webinar_keys().len(), before + 1);
    let copied = env.get(&env.webinar(&copy_key)).await.json();
    assert_eq!(copied["subject"], "Product Launch Q&A");
    assert_eq!(copied["numberOfRegistrants"], 0);
    let past_copy = env.call(Method::PUT, &format!("/webinars/{PAST}/copy"), Some("{}")).await;
    assert_eq!(past_copy.status, StatusCode::BAD_REQUEST, "a past webinar needs new times");
    let bodiless = env.call(Method::PUT, &format!("/webinars/{UPCOMING_WITH_QUESTIONS}/copy"), None).await;
    assert_eq!(bodiless.status, StatusCode::BAD_REQUEST, "the document requires a body: {}", bodiless.text);
    // Routes the document lacks are not served.
    let organizer_copy =
        env.call(Method::PUT, &format!("{}/copy", env.webinar(UPCOMING_WITH_QUESTIONS)), Some("{}")).await;
    assert_eq!(organizer_copy.status, StatusCode::NOT_FOUND, "{}", organizer_copy.text);
    let post_copy =
        env.call(Method::POST, &format!("/webinars/{UPCOMING_WITH_QUESTIONS}/copy"), Some("{}")).await;
    assert_eq!(post_copy.status, StatusCode::METHOD_NOT_ALLOWED, "{}", post_copy.text);

    let search = format!(r#"{{"accountKey":{},"sortField":"NAME","sortOrder":"ASC"}}"#, env.sb.account_key());
    let found = env.post("/recordingassets/search?size=1", &search).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let f = found.json();
    assert_eq!(f["page"]["totalElements"], 2);
    assert_eq!(f["_embedded"]["recordingAssets"][0]["name"], "Onboarding basics");
    let none = env.post("/recordingassets/search?page=5", &search).await.json();
    assert!(none.get("_embedded").is_none());
}
