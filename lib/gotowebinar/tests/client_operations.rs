//! Each operation sends the documented method, path, query and body, and reads GoTo's answer
//! (wiremock on 127.0.0.1).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{
    AccountKey, AnswerKey, CoorganizerKey, OrganizerKey, PanelistKey, QuestionKey, RegistrantKey, SessionKey,
    WebhookKey, WebinarKey,
};
use gotowebinar::models::{
    CreateWebinar, NewCoorganizer, NewPanelist, NewWebhook, QuestionResponse, RecordingAssetSearch,
    SessionDetail, UpdateWebinar, WebinarTime,
};
use gotowebinar::pagination::collect_all;
use gotowebinar::retry::RetryPolicy;
use gotowebinar::{ErrorKind, Origins, Secret, StaticToken};
use serde_json::json;
use wiremock::matchers::{
    body_json, body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const BIG: &str = "24576065432313123456";
const BASE: &str = "/G2W/rest/v2/organizers/100";

fn client(server: &MockServer) -> GoToWebinar {
    let origins = Origins::new(&server.uri(), "http://127.0.0.1:9").unwrap();
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..Default::default()
    };
    GoToWebinar::builder(origins, Arc::new(StaticToken(Secret::new("t"))))
        .retry_policy(policy)
        .rate_limit(None)
        .build()
        .unwrap()
}

/// Requests with this method and path; further matchers narrow it.
fn on(verb: &str, route: impl Into<String>) -> MockBuilder {
    Mock::given(method(verb)).and(path(route))
}

/// Mounting an expected request together with its answer: `status` and, unless empty, `body`.
trait Answers {
    /// Answers every matching request.
    async fn answers(self, server: &MockServer, status: u16, body: impl Into<String>);
    /// Answers the one matching request the test must make.
    async fn answers_once(self, server: &MockServer, status: u16, body: impl Into<String>);
}

fn template(status: u16, body: String) -> ResponseTemplate {
    let answer = ResponseTemplate::new(status);
    if body.is_empty() {
        answer
    } else {
        answer.set_body_string(body)
    }
}

impl Answers for MockBuilder {
    async fn answers(self, server: &MockServer, status: u16, body: impl Into<String>) {
        self.respond_with(template(status, body.into())).mount(server).await;
    }

    async fn answers_once(self, server: &MockServer, status: u16, body: impl Into<String>) {
        self.respond_with(template(status, body.into())).expect(1).mount(server).await;
    }
}

fn organizer() -> OrganizerKey {
    OrganizerKey::new("100").unwrap()
}

fn webinar() -> WebinarKey {
    WebinarKey::new(BIG).unwrap()
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn webinars_page(keys: &[&str], number: u32, total_pages: u32) -> String {
    let items: Vec<String> =
        keys.iter().map(|k| format!(r#"{{"webinarKey":{k},"subject":"s{k}"}}"#)).collect();
    format!(
        r#"{{"_embedded":{{"webinars":[{}]}},"page":{{"size":2,"totalElements":{},"totalPages":{total_pages},"number":{number}}}}}"#,
        items.join(","),
        keys.len() as u32 + number * 2
    )
}

#[tokio::test]
async fn lists_webinars_page_by_page_with_the_time_range() {
    let server = MockServer::start().await;
    // Page 1 is read by the stream and once more by `list_page`.
    for (page, body, times) in
        [("0", webinars_page(&[BIG, "2"], 0, 2), 1), ("1", webinars_page(&["3"], 1, 2), 2)]
    {
        Mock::given(method("GET"))
            .and(path(format!("{BASE}/webinars")))
            .and(query_param("fromTime", "2026-03-13T10:00:00Z"))
            .and(query_param("toTime", "2027-03-13T10:00:00Z"))
            .and(query_param("page", page))
            .and(query_param("size", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(times)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let pages =
        client.webinars(&organizer()).list(time("2026-03-13T10:00:00Z")..time("2027-03-13T10:00:00Z"), 2);
    let all = collect_all(pages).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|w| w.webinar_key.as_str()).collect();
    assert_eq!(keys, [BIG, "2", "3"]);

    let page = client
        .webinars(&organizer())
        .list_page(time("2026-03-13T10:00:00Z")..time("2027-03-13T10:00:00Z"), 1, 2)
        .await
        .unwrap();
    assert_eq!(page.info.number, 1);
    assert_eq!(page.info.total_pages, Some(2));
}

#[tokio::test]
async fn page_sizes_outside_1_to_200_are_refused_without_a_request() {
    let server = MockServer::start().await;
    let client = client(&server);
    let mut stream = client.webinars(&organizer()).list(Utc::now()..Utc::now(), 201);
    let first = stream.next().await.unwrap().unwrap_err();
    assert_eq!(first.kind(), ErrorKind::InvalidInput);
    assert!(stream.next().await.is_none());
    let err = client.registrants(&organizer(), &webinar()).list_page(0, 0).await.unwrap_err();
    assert!(err.to_string().contains("between 1 and 200"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn account_webinars_use_the_account_path() {
    let server = MockServer::start().await;
    Mock::given(path("/G2W/rest/v2/accounts/555/webinars"))
        .and(query_param("page", "0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"page":{"size":20,"totalElements":0,"totalPages":0,"number":0}}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let account = AccountKey::new("555").unwrap();
    let all = collect_all(client(&server).account_webinars(&account).list(Utc::now()..Utc::now(), 20))
        .await
        .unwrap();
    assert!(all.is_empty());
}

#[tokio::test]
async fn creates_updates_cancels_and_copies_webinars() {
    let server = MockServer::start().await;
    let start = time("2026-03-13T10:00:00Z");
    let end = time("2026-03-13T11:00:00Z");
    on("POST", format!("{BASE}/webinars"))
        .and(body_json(json!({"subject": "Launch", "times": [{"startTime": "2026-03-13T10:00:00Z", "endTime": "2026-03-13T11:00:00Z"}], "timeZone": "Europe/Berlin"})))
        .answers_once(&server, 201, format!(r#"{{"webinarKey":"{BIG}"}}"#))
        .await;
    on("PUT", format!("{BASE}/webinars/{BIG}"))
        .and(query_param("notifyParticipants", "true"))
        .and(body_json(json!({"subject": "New"})))
        .answers_once(&server, 202, "")
        .await;
    on("DELETE", format!("{BASE}/webinars/{BIG}"))
        .and(query_param("sendCancellationEmails", "false"))
        .answers_once(&server, 204, "")
        .await;
    on("PUT", format!("/G2W/rest/v2/webinars/{BIG}/copy"))
        .answers_once(&server, 201, r#"{"webinarKey":"42"}"#)
        .await;

    let client = client(&server);
    let webinars = client.webinars(&organizer());
    let mut body = CreateWebinar::new("Launch", vec![WebinarTime::new(start, end)]);
    body.time_zone = Some("Europe/Berlin".into());
    assert_eq!(webinars.create(&body).await.unwrap(), webinar());
    let update = UpdateWebinar { subject: Some("New".into()), ..Default::default() };
    webinars.update(&webinar(), &update, true).await.unwrap();
    webinars.cancel(&webinar(), false).await.unwrap();
    assert_eq!(webinars.copy(&webinar(), None).await.unwrap().as_str(), "42");
}

#[tokio::test]
async fn reads_webinar_details_times_audio_performance_and_start_url() {
    let server = MockServer::start().await;
    let one = format!("{BASE}/webinars/{BIG}");
    let answers = [
        (
            format!("{one}/meetingtimes"),
            r#"[{"startTime":"2026-03-13T10:00:00Z","endTime":"2026-03-13T11:00:00Z"}]"#.to_string(),
        ),
        (
            format!("{one}/audio"),
            r#"{"type":"Hybrid","pstnInfo":{"US":{}},"confCallNumbers":{}}"#.to_string(),
        ),
        (format!("{one}/performance"), format!(r#"{{"{BIG}":{{"attendance":{{"registrantCount":3}}}}}}"#)),
        (format!("/G2W/rest/v2/webinars/{BIG}/startUrl"), r#"{"startUrl":"https://start"}"#.to_string()),
    ];
    for (p, body) in answers {
        on("GET", p).answers(&server, 200, body).await;
    }
    on("POST", format!("{one}/audio"))
        .and(body_json(json!({"type":"Hybrid","pstnInfo":{"US":{}},"confCallNumbers":{}})))
        .answers_once(&server, 204, "")
        .await;

    let client = client(&server);
    let webinars = client.webinars(&organizer());
    assert_eq!(webinars.meeting_times(&webinar()).await.unwrap()[0].start_time, time("2026-03-13T10:00:00Z"));
    let audio = webinars.audio(&webinar()).await.unwrap();
    assert_eq!(audio.audio_type.as_deref(), Some("Hybrid"));
    webinars.update_audio(&webinar(), &audio).await.unwrap();
    let performance = webinars.performance(&webinar()).await.unwrap();
    assert_eq!(performance[BIG]["attendance"]["registrantCount"], 3);
    assert_eq!(webinars.start_url(&webinar()).await.unwrap().start_url.as_deref(), Some("https://start"));
}

#[tokio::test]
async fn a_session_answered_as_documented_is_its_attendees() {
    // GoTo's document: `GET …/sessions/{s}` answers an array of Attendee.
    let server = MockServer::start().await;
    on("GET", format!("{BASE}/webinars/{BIG}/sessions/77"))
        .answers(&server, 200, format!(
            r#" [{{"registrantKey":{BIG},"firstName":"Ada","lastName":"L","email":"a@x.io","attendanceTimeInSeconds":60,
                 "sessionKey":77,"attendance":[{{"joinTime":"2026-03-13T10:00:00Z","leaveTime":"2026-03-13T10:01:00Z"}}]}}]"#
        ))
        .await;
    let client = client(&server);
    let answer =
        client.sessions(&organizer()).get(&webinar(), &SessionKey::new("77").unwrap()).await.unwrap();
    match answer {
        SessionDetail::Attendees(attendees) => {
            assert_eq!(attendees.len(), 1);
            assert_eq!(attendees[0].registrant_key.as_ref().unwrap().as_str(), BIG);
            assert_eq!(attendees[0].attendance_time_in_seconds, Some(60));
        }
        other => panic!("the documented array was answered, got {other:?}"),
    }
}

#[tokio::test]
async fn webinars_in_session_are_asked_for_a_time_range() {
    // GoTo's document declares fromTime and toTime (toTime required) on this operation.
    let server = MockServer::start().await;
    on("GET", format!("{BASE}/insessionWebinars"))
        .and(query_param("fromTime", "2026-03-13T10:00:00Z"))
        .and(query_param("toTime", "2026-03-14T10:00:00Z"))
        .answers_once(&server, 200, format!(r#"[{{"webinarKey":{BIG}}}]"#))
        .await;
    let client = client(&server);
    let webinars = client.webinars(&organizer());
    let found =
        webinars.in_session(time("2026-03-13T10:00:00Z")..time("2026-03-14T10:00:00Z")).await.unwrap();
    assert_eq!(found[0].webinar_key, webinar());
}

#[tokio::test]
async fn registrants_page_with_limit_and_unpaged_is_a_bare_array() {
    let server = MockServer::start().await;
    let registrants = format!("{BASE}/webinars/{BIG}/registrants");
    let person = |key: &str, email: &str| {
        format!(r#"{{"registrantKey":{key},"email":"{email}","status":"APPROVED"}}"#)
    };
    on("GET", registrants.clone())
        .and(query_param("page", "0"))
        .and(query_param("limit", "2"))
        .answers(
            &server,
            200,
            format!(
                r#"{{"data":[{},{}],"total":3,"page":0,"limit":2,"pageSize":2}}"#,
                person(BIG, "a@x.io"),
                person("2", "b@x.io")
            ),
        )
        .await;
    on("GET", registrants.clone())
        .and(query_param("page", "1"))
        .and(query_param("limit", "2"))
        .answers(
            &server,
            200,
            format!(
                r#"{{"data":[{}],"total":3,"page":1,"limit":2,"pageSize":1}}"#,
                person("3", "Carol@X.io")
            ),
        )
        .await;
    on("GET", registrants.clone())
        .and(query_param_is_missing("page"))
        .and(query_param_is_missing("limit"))
        .answers(&server, 200, format!("[{}]", person(BIG, "a@x.io")))
        .await;

    let client = client(&server);
    let handler = client.registrants(&organizer(), &webinar());
    let all = collect_all(handler.list(2)).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|r| r.registrant_key.as_str()).collect();
    assert_eq!(keys, [BIG, "2", "3"]);
    assert_eq!(handler.list_unpaged().await.unwrap()[0].registrant_key.as_str(), BIG);
    // Looking up by email reads pages of 200 and compares case-insensitively.
    on("GET", registrants.clone())
        .and(query_param("limit", "200"))
        .answers(
            &server,
            200,
            format!(
                r#"{{"data":[{},{}],"total":2,"page":0,"limit":200,"pageSize":2}}"#,
                person(BIG, "a@x.io"),
                person("3", "Carol@X.io")
            ),
        )
        .await;
    let found = handler.find_by_email(" carol@x.IO ").await.unwrap().unwrap();
    assert_eq!(found.registrant_key.as_str(), "3");
    assert!(handler.find_by_email("nobody@x.io").await.unwrap().is_none());
}

#[tokio::test]
async fn registration_answers_carry_their_keys_as_exact_integers() {
    // GoTo's document types responses[].questionKey and answerKey int64: JSON integers, every digit.
    let server = MockServer::start().await;
    on("POST", format!("{BASE}/webinars/{BIG}/registrants"))
        .and(body_string_contains(format!(r#""responses":[{{"questionKey":{BIG},"answerKey":18446744073709551617}},{{"questionKey":7,"responseText":"Hi"}}]"#)))
        .answers_once(&server, 201, format!(r#"{{"registrantKey":{BIG}}}"#))
        .await;
    let client = client(&server);
    let body = gotowebinar::models::CreateRegistrant {
        first_name: "Ada".into(),
        last_name: "L".into(),
        email: "ada@x.io".into(),
        responses: vec![
            QuestionResponse {
                question_key: QuestionKey::new(BIG).unwrap(),
                response_text: None,
                answer_key: Some(AnswerKey::new("18446744073709551617").unwrap()),
            },
            QuestionResponse {
                question_key: QuestionKey::new("7").unwrap(),
                response_text: Some("Hi".into()),
                answer_key: None,
            },
        ],
        ..Default::default()
    };
    let created = client.registrants(&organizer(), &webinar()).create(&body, false).await.unwrap();
    assert_eq!(created.registrant_key.as_str(), BIG);
}

#[tokio::test]
async fn registrant_create_get_and_fields() {
    let server = MockServer::start().await;
    let registrants = format!("{BASE}/webinars/{BIG}/registrants");
    Mock::given(method("POST"))
        .and(path(registrants.clone()))
        .and(query_param("resendConfirmation", "true"))
        .and(body_json(json!({"firstName":"Ada","lastName":"L","email":"ada@x.io","organization":"AE"})))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_string(format!(r#"{{"registrantKey":{BIG},"joinUrl":"https://join"}}"#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    on("GET", format!("{registrants}/{BIG}"))
        .answers(&server, 200, format!(
            r#"{{"registrantKey":{BIG},"firstName":"Ada","registrationDate":"2026-03-01T08:00:00Z","jobTitle":"Eng"}}"#
        ))
        .await;
    on("GET", format!("{registrants}/fields"))
        .answers(&server, 200, format!(
            r#"{{"fields":[{{"field":"email","required":true}}],"questions":[{{"questionKey":{BIG},"question":"Why?","type":"shortAnswer","required":false}}]}}"#
        ))
        .await;

    let client = client(&server);
    let handler = client.registrants(&organizer(), &webinar());
    let body = gotowebinar::models::CreateRegistrant {
        first_name: "Ada".into(),
        last_name: "L".into(),
        email: "ada@x.io".into(),
        profile: gotowebinar::models::RegistrantProfile {
            organization: Some("AE".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let created = handler.create(&body, true).await.unwrap();
    assert_eq!(created.registrant_key.as_str(), BIG);
    assert_eq!(created.status, None);
    let key = RegistrantKey::new(BIG).unwrap();
    let registrant = handler.get(&key).await.unwrap();
    assert_eq!(registrant.profile.job_title.as_deref(), Some("Eng"));
    let fields = handler.fields().await.unwrap();
    assert_eq!(fields.questions[0].question_key.as_str(), BIG);
}

#[tokio::test]
async fn sessions_and_attendees() {
    let server = MockServer::start().await;
    let session = format!("{BASE}/webinars/{BIG}/sessions/77");
    let session_json = format!(
        r#"{{"sessionKey":77,"webinarKey":{BIG},"startTime":"2026-03-13T10:00:00Z","registrantsAttended":4}}"#
    );
    let answers = vec![
        (
            format!("{BASE}/sessions"),
            format!(
                r#"{{"_embedded":{{"sessionInfoResources":[{session_json}]}},"page":{{"size":200,"totalElements":1,"totalPages":1,"number":0}}}}"#
            ),
        ),
        (format!("{BASE}/webinars/{BIG}/sessions"), format!(r#"[{session_json}]"#)),
        (session.clone(), session_json.clone()),
        (
            format!("{session}/performance"),
            r#"{"attendance":{"registrantCount":4},"pollsAndSurveys":{"pollCount":1}}"#.into(),
        ),
        (format!("{session}/polls"), r#"[{"question":"Q","numberOfResponses":2}]"#.into()),
        (format!("{session}/questions"), r#"[{"question":"Why?"}]"#.into()),
        (format!("{session}/surveys"), r#"[]"#.into()),
        (
            format!("{session}/attendees"),
            format!(
                r#"[{{"registrantKey":{BIG},"email":"a@x.io","attendanceTimeInSeconds":60,"attendance":[{{"joinTime":"2026-03-13T10:00:00Z","leaveTime":"2026-03-13T10:01:00Z"}}]}}]"#
            ),
        ),
        (format!("{session}/attendees/{BIG}"), format!(r#"{{"registrantKey":{BIG},"email":"a@x.io"}}"#)),
        (format!("{session}/attendees/{BIG}/polls"), r#"[{"question":"Q","answer":"A"}]"#.into()),
        (format!("{session}/attendees/{BIG}/questions"), r#"[]"#.into()),
        (format!("{session}/attendees/{BIG}/surveys"), r#"[]"#.into()),
        (
            format!("{BASE}/webinars/{BIG}/attendees"),
            format!(
                r#"{{"_embedded":{{"attendeeParticipationResponses":[{{"registrantKey":{BIG},"sessionKey":77}}]}},"page":{{"size":200,"totalElements":1,"totalPages":1,"number":0}}}}"#
            ),
        ),
    ];
    for (p, body) in answers {
        on("GET", p).answers(&server, 200, body).await;
    }
    let client = client(&server);
    let sessions = client.sessions(&organizer());
    let s = SessionKey::new("77").unwrap();
    let r = RegistrantKey::new(BIG).unwrap();
    let listed = collect_all(sessions.list(time("2026-01-01T00:00:00Z")..time("2026-12-31T00:00:00Z"), 200))
        .await
        .unwrap();
    assert_eq!(listed[0].webinar_key.as_ref().unwrap().as_str(), BIG);
    assert_eq!(collect_all(sessions.for_webinar(&webinar(), 200)).await.unwrap().len(), 1);
    match sessions.get(&webinar(), &s).await.unwrap() {
        SessionDetail::Session(session) => assert_eq!(session.registrants_attended, Some(4)),
        other => panic!("a session object was answered, got {other:?}"),
    }
    assert!(sessions.performance(&webinar(), &s).await.unwrap().attendance.is_some());
    assert_eq!(sessions.polls(&webinar(), &s).await.unwrap()[0]["numberOfResponses"], 2);
    assert_eq!(sessions.questions(&webinar(), &s).await.unwrap()[0]["question"], "Why?");
    assert_eq!(sessions.surveys(&webinar(), &s).await.unwrap(), json!([]));

    let attendees = client.attendees(&organizer(), &webinar());
    let of_session = attendees.of(&s).await.unwrap();
    assert_eq!(of_session[0].registrant_key.as_ref().unwrap().as_str(), BIG);
    assert_eq!(of_session[0].attendance.as_ref().unwrap().len(), 1);
    assert_eq!(attendees.get(&s, &r).await.unwrap().email.as_deref(), Some("a@x.io"));
    assert_eq!(attendees.polls(&s, &r).await.unwrap()[0]["answer"], "A");
    assert_eq!(attendees.questions(&s, &r).await.unwrap(), json!([]));
    assert_eq!(attendees.surveys(&s, &r).await.unwrap(), json!([]));
    let all = collect_all(attendees.list(200)).await.unwrap();
    assert_eq!(all[0].session_key.as_ref().unwrap().as_str(), "77");
}

#[tokio::test]
async fn panelists_and_coorganizers() {
    let server = MockServer::start().await;
    let one = format!("{BASE}/webinars/{BIG}");
    Mock::given(method("POST"))
        .and(path(format!("{one}/panelists")))
        .and(body_json(json!([{"name": "P", "email": "p@x.io"}])))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_string(format!(r#"[{{"panelistKey":{BIG},"joinLink":"https://j"}}]"#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{one}/panelists")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(format!(r#"[{{"panelistId":{BIG},"name":"P"}}]"#)),
        )
        .mount(&server)
        .await;
    on("DELETE", format!("{one}/panelists/{BIG}")).answers_once(&server, 204, "").await;
    on("POST", format!("{one}/panelists/{BIG}/resendInvitation")).answers_once(&server, 204, "").await;
    on("POST", format!("{one}/coorganizers"))
        .and(body_json(json!([{"external": true, "givenName": "C", "email": "c@x.io"}])))
        .answers_once(&server, 201, r#"[{"memberKey":5,"external":true}]"#)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{one}/coorganizers")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"[{"coorganizerKey":5,"email":"c@x.io"}]"#),
        )
        .mount(&server)
        .await;
    on("DELETE", format!("{one}/coorganizers/5"))
        .and(query_param("external", "true"))
        .answers_once(&server, 204, "")
        .await;
    on("POST", format!("{one}/coorganizers/5/resendInvitation"))
        .and(query_param("external", "false"))
        .answers_once(&server, 204, "")
        .await;

    let client = client(&server);
    let panelists = client.panelists(&organizer(), &webinar());
    let created =
        panelists.create(&[NewPanelist { name: "P".into(), email: "p@x.io".into() }]).await.unwrap();
    assert_eq!(created[0].key().unwrap().as_str(), BIG);
    assert_eq!(panelists.list().await.unwrap()[0].key().unwrap().as_str(), BIG);
    let p = PanelistKey::new(BIG).unwrap();
    panelists.delete(&p).await.unwrap();
    panelists.resend_invitation(&p).await.unwrap();

    let coorganizers = client.coorganizers(&organizer(), &webinar());
    let new = NewCoorganizer {
        external: true,
        organizer_key: None,
        given_name: Some("C".into()),
        email: Some("c@x.io".into()),
    };
    assert_eq!(coorganizers.create(&[new]).await.unwrap()[0].key().unwrap().as_str(), "5");
    assert_eq!(coorganizers.list().await.unwrap()[0].email.as_deref(), Some("c@x.io"));
    let c = CoorganizerKey::new("5").unwrap();
    coorganizers.delete(&c, true).await.unwrap();
    coorganizers.resend_invitation(&c, false).await.unwrap();
}

#[tokio::test]
async fn recording_search_is_a_paged_post_that_may_be_retried() {
    let server = MockServer::start().await;
    let search = json!({"accountKey": "555", "sortField": "NAME"});
    Mock::given(method("POST"))
        .and(path("/G2W/rest/v2/recordingassets/search"))
        .and(query_param("page", "0"))
        .and(body_json(search.clone()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/G2W/rest/v2/recordingassets/search"))
        .and(query_param("page", "0"))
        .and(query_param("size", "1"))
        .and(body_json(search.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"_embedded":{"recordingAssets":[{"recordingAssetKey":24576065432313123456,"name":"R"}]},"page":{"size":1,"totalElements":2,"totalPages":2,"number":0}}"#,
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/G2W/rest/v2/recordingassets/search"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"page":{"size":1,"totalElements":2,"totalPages":2,"number":1}}"#),
        )
        .mount(&server)
        .await;
    let query = RecordingAssetSearch {
        account_key: AccountKey::new("555").unwrap(),
        name: None,
        sort_field: Some("NAME".into()),
        sort_order: None,
    };
    let all = collect_all(client(&server).recording_assets().search(&query, 1)).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].recording_asset_key.as_ref().unwrap().as_str(), BIG);
}

#[tokio::test]
async fn webhooks_and_user_subscriptions() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/G2W/rest/v2/webhooks/secretkey"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_string(r#"{"value":"hmac-key","validFrom":"2026-01-01T00:00:00Z","id":"k1"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    on("POST", "/G2W/rest/v2/webhooks")
        .and(body_json(json!([{"callbackUrl":"https://cb","eventName":"registrant.added","eventVersion":"1.0.0","product":"g2w"}])))
        .answers_once(&server, 201, format!(
            r#"{{"_embedded":{{"webhooks":[{{"webhookKey":"{BIG}","state":"INACTIVE"}}]}}}}"#
        ))
        .await;
    Mock::given(method("GET"))
        .and(path("/G2W/rest/v2/webhooks"))
        .and(query_param("product", "g2w"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!(r#"[{{"webhookKey":{BIG},"state":"ACTIVE"}}]"#)),
        )
        .mount(&server)
        .await;
    on("PUT", "/G2W/rest/v2/webhooks")
        .and(body_json(json!([{"webhookKey": BIG, "state": "ACTIVE"}])))
        .answers_once(&server, 204, "")
        .await;
    on("DELETE", "/G2W/rest/v2/webhooks").and(body_json(json!([BIG]))).answers_once(&server, 202, "").await;
    on("POST", "/G2W/rest/v2/userSubscriptions")
        .and(body_json(json!([{"webhookKey": BIG, "userSubscriptionState": "ACTIVE"}])))
        .answers_once(&server, 201, r#"{"_embedded":{"userSubscriptions":[{"userSubscriptionKey":7,"userSubscriptionState":"ACTIVE"}]}}"#)
        .await;
    on("GET", "/G2W/rest/v2/userSubscriptions")
        .and(query_param("product", "g2w"))
        .answers(&server, 200, r#"[{"userSubscriptionKey":7}]"#)
        .await;
    on("DELETE", "/G2W/rest/v2/userSubscriptions")
        .and(body_json(json!(["7"])))
        .answers_once(&server, 202, "")
        .await;

    let client = client(&server);
    let webhooks = client.webhooks();
    let secret = webhooks.create_secret_key().await.unwrap();
    assert_eq!(secret.value.expose(), "hmac-key");
    let created = webhooks.create(&[NewWebhook::g2w("https://cb", "registrant.added")]).await.unwrap();
    let key = created[0].webhook_key.clone();
    assert_eq!(key.as_str(), BIG);
    assert_eq!(webhooks.list("g2w").await.unwrap()[0].state.as_deref(), Some("ACTIVE"));
    webhooks.activate(std::slice::from_ref(&key)).await.unwrap();
    webhooks.delete(&[WebhookKey::new(BIG).unwrap()]).await.unwrap();

    let subscriptions = client.user_subscriptions();
    let new = gotowebinar::models::NewUserSubscription {
        webhook_key: key,
        user_subscription_state: "ACTIVE".into(),
    };
    let created = subscriptions.create(&[new]).await.unwrap();
    let sub_key = created[0].user_subscription_key.clone().unwrap();
    assert_eq!(subscriptions.list("g2w").await.unwrap().len(), 1);
    subscriptions.delete(&[sub_key]).await.unwrap();
}

#[tokio::test]
async fn identity_and_admin_me_live_on_the_api_origin() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/identity/v1/Users/me"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(format!(r#"{{"id":"{BIG}","userName":"o@x.io"}}"#)),
        )
        .mount(&server)
        .await;
    on("GET", "/admin/rest/v1/me")
        .answers(&server, 200, format!(
            r#"{{"key":{BIG},"accountKey":9876543210987654321,"email":"o@x.io","accounts":[{{"key":9876543210987654321,"name":"Acme"}}],"products":["G2W"]}}"#
        ))
        .await;
    let client = client(&server);
    assert_eq!(client.identity_me().await.unwrap().id.as_str(), BIG);
    let me = client.admin_me().await.unwrap();
    assert_eq!(me.key.unwrap().as_str(), BIG);
    assert_eq!(me.account_key.unwrap().as_str(), "9876543210987654321");
}
