//! Every function of the component run once or more through `gotowebinar exec` against the
//! sandbox (typical input, then every optional field filled), with every request it made recorded.

use std::time::Duration;

use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use gotowebinar_sandbox::{RequestRecord, SeedRegistrant};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Run, World};

/// The built-in seed's webinars (see lib/sandbox/README.md).
pub const UPCOMING: &str = "24576065432313123456";
pub const SERIES: &str = "12345678901234567890";
pub const EMPTY: &str = "8914733297516347393";
pub const PAST: &str = "31245098712345678901";

/// One request, the function that made it and how that function was called.
#[derive(Debug, Clone)]
pub struct Call {
    /// The manifest name of the function, e.g. `createRegistrant`.
    pub function: String,
    /// What ran: `action`, `trigger`, `startup`, `process`, `shutdown`, `verifyCredentials`, …
    pub how: String,
    pub record: RequestRecord,
}

/// Runs functions and keeps what they sent.
pub struct Recorder {
    pub world: World,
    pub calls: Vec<Call>,
    /// Runs that did not end as expected, reported by the test.
    pub failures: Vec<String>,
}

fn time(offset: ChronoDuration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Recorder {
    async fn exec(
        &mut self,
        function: &str,
        how: &str,
        step: Value,
        body: Option<Value>,
        extra: &[&str],
    ) -> Run {
        self.world.sandbox.clear_request_log();
        let cfg = self.world.cfg(step);
        let msg = body.map(|b| self.world.msg(b));
        let run = self.world.exec(function, &cfg, msg.as_deref(), extra).await;
        self.keep(function, how);
        if run.code != 0 {
            self.failures.push(format!("{function} ({how}): {:?}\n{}", run.errors(), run.stderr));
        }
        run
    }

    fn keep(&mut self, function: &str, how: &str) {
        for record in self.world.sandbox.request_log() {
            self.calls.push(Call { function: function.into(), how: how.into(), record });
        }
        self.world.sandbox.clear_request_log();
    }

    /// An action with this message body and step fields.
    async fn action(&mut self, function: &str, step: Value, body: Value) -> Run {
        self.exec(function, "action", step, Some(body), &[]).await
    }

    /// A key from the sandbox's state at a JSON pointer.
    fn key(&self, pointer: &str) -> String {
        let state = self.world.sandbox.state();
        match state.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            other => panic!("the sandbox state has no key at {pointer}: {other:?}"),
        }
    }

    fn webinar_index(&self, key: &str) -> usize {
        let state = self.world.sandbox.state();
        state["webinars"]
            .as_array()
            .and_then(|ws| ws.iter().position(|w| w["key"] == key))
            .unwrap_or_else(|| panic!("webinar {key} is in the seed"))
    }
}

/// Runs every scenario on a fresh sandbox.
pub async fn record_all() -> Recorder {
    let world = World::new().await;
    let mut r = Recorder { world, calls: Vec::new(), failures: Vec::new() };
    webinars(&mut r).await;
    registrants(&mut r).await;
    sessions(&mut r).await;
    people(&mut r).await;
    services(&mut r).await;
    polling_triggers(&mut r).await;
    webhook_triggers(&mut r).await;
    r
}

fn times(days: i64) -> Value {
    json!([{"startTime": time(ChronoDuration::days(days)), "endTime": time(ChronoDuration::days(days) + ChronoDuration::hours(1))}])
}

async fn webinars(r: &mut Recorder) {
    r.action("listWebinars", json!({}), json!({})).await;
    r.action("listWebinars", json!({"emitBehavior": "fetchAll", "scope": "account"}), json!({})).await;
    let page = json!({"fromTime": time(-ChronoDuration::days(30)), "toTime": time(ChronoDuration::days(60)), "page": 0, "size": 2});
    r.action("listWebinars", json!({"emitBehavior": "fetchPage", "scope": "organizer"}), page).await;
    r.action("getWebinar", json!({}), json!({"webinarKey": UPCOMING})).await;
    r.action("createWebinar", json!({}), json!({"subject": "Contract basics", "times": times(10)})).await;
    let full = json!({
        "subject": "Contract everything", "description": "Every optional field", "times": times(11),
        "timeZone": "Europe/Berlin", "type": "single_session", "isPasswordProtected": false,
        "experienceType": "CLASSIC", "isOndemand": false,
        "emailSettings": {"confirmationEmail": true, "reminderEmail": true, "absenteeFollowUpEmail": false,
                          "attendeeFollowUpEmail": true, "includeCertificate": true}
    });
    r.action("createWebinar", json!({}), full).await;
    let asset = r.key("/recordingAssets/0/key");
    let simulive = json!({"subject": "Contract simulive", "times": times(12), "experienceType": "SIMULIVE",
                          "recordingAssetKey": asset});
    r.action("createWebinar", json!({}), simulive).await;
    let start = ChronoDuration::days(14);
    let sequence = json!({"subject": "Contract sequence", "type": "sequence", "timeZone": "UTC",
        "recurrence": {"start": {"startTime": time(start), "endTime": time(start + ChronoDuration::hours(1))},
                       "pattern": "weekly", "end": (Utc::now() + ChronoDuration::days(40)).format("%Y-%m-%d").to_string()}});
    r.action("createWebinar", json!({}), sequence).await;
    r.action("updateWebinar", json!({}), json!({"webinarKey": SERIES, "subject": "Renamed"})).await;
    let all = json!({"webinarKey": EMPTY, "subject": "Updated", "description": "New text", "times": times(20),
        "timeZone": "America/New_York", "locale": "de_DE", "isPasswordProtected": false, "notifyParticipants": true,
        "emailSettings": {"confirmationEmail": false, "reminderEmail": true, "absenteeFollowUpEmail": true,
                          "attendeeFollowUpEmail": false, "includeCertificate": false}});
    r.action("updateWebinar", json!({}), all).await;
    r.action("copyWebinar", json!({}), json!({"webinarKey": UPCOMING})).await;
    let copy = json!({"webinarKey": PAST, "subject": "Copied", "description": "A copy", "times": times(30),
                      "timeZone": "Europe/Paris"});
    r.action("copyWebinar", json!({}), copy).await;
    r.action("getWebinarMeetingTimes", json!({}), json!({"webinarKey": SERIES})).await;
    r.action("getWebinarAudio", json!({}), json!({"webinarKey": UPCOMING})).await;
    r.action("updateWebinarAudio", json!({}), json!({"webinarKey": UPCOMING, "type": "VOIP"})).await;
    let pstn = json!({"webinarKey": UPCOMING, "type": "Hybrid", "pstnInfo": {"US": {"tollFree": true}}});
    r.action("updateWebinarAudio", json!({}), pstn).await;
    let private = json!({"webinarKey": UPCOMING, "type": "Private",
        "privateInfo": {"attendee": "+1 555 0100 code 333", "organizer": "+1 555 0100 code 111", "panelist": "+1 555 0100 code 222"}});
    r.action("updateWebinarAudio", json!({}), private).await;
    r.action("getWebinarPerformance", json!({}), json!({"webinarKey": PAST})).await;
    r.action("listInSessionWebinars", json!({}), json!({})).await;
    r.action("listInSessionWebinars", json!({"emitBehavior": "fetchPage"}), json!({"page": 0, "size": 5}))
        .await;
    r.action("getWebinarStartUrl", json!({}), json!({"webinarKey": UPCOMING})).await;
    let doomed = r.world.sandbox.webinars_with_subject("Contract basics")[0].clone();
    r.action("cancelWebinar", json!({}), json!({"webinarKey": doomed})).await;
    let doomed = r.world.sandbox.webinars_with_subject("Contract simulive")[0].clone();
    r.action("cancelWebinar", json!({"sendCancellationEmails": true}), json!({"webinarKey": doomed})).await;
    r.action(
        "rawRequest",
        json!({"method": "GET", "path": format!("/organizers/{{organizerKey}}/webinars/{UPCOMING}")}),
        json!({}),
    )
    .await;
    let query = json!({"fromTime": time(-ChronoDuration::days(1)), "toTime": time(ChronoDuration::days(90))});
    r.action(
        "rawRequest",
        json!({"method": "GET", "path": "/organizers/{organizerKey}/webinars"}),
        json!({"query": query}),
    )
    .await;
}

async fn registrants(r: &mut Recorder) {
    let w = r.webinar_index(UPCOMING);
    let registrant = r.key(&format!("/webinars/{w}/registrants/0/key"));
    let email = r.world.sandbox.state()["webinars"][w]["registrants"][0]["email"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let short = r.key(&format!("/webinars/{w}/questions/0/questionKey"));
    let choice = r.key(&format!("/webinars/{w}/questions/1/questionKey"));
    let answer = r.key(&format!("/webinars/{w}/questions/1/answers/0/answerKey"));
    r.action("listRegistrants", json!({}), json!({"webinarKey": UPCOMING})).await;
    r.action(
        "listRegistrants",
        json!({"emitBehavior": "fetchPage"}),
        json!({"webinarKey": UPCOMING, "page": 0, "size": 1}),
    )
    .await;
    r.action("listRegistrants", json!({"emitBehavior": "fetchAll", "webinarKey": UPCOMING}), json!({})).await;
    r.action("getRegistrant", json!({}), json!({"webinarKey": UPCOMING, "registrantKey": registrant})).await;
    r.action("getRegistrationFields", json!({}), json!({"webinarKey": UPCOMING})).await;
    r.action("createRegistrant", json!({}), json!({"webinarKey": SERIES, "firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"})).await;
    let full = json!({
        "webinarKey": UPCOMING, "firstName": "Alan", "lastName": "Turing", "email": "alan@example.com",
        "source": "contract", "address": "1 Main St", "city": "London", "state": "LDN", "zipCode": "NW1",
        "country": "UK", "phone": "+44 20 0000 0000", "organization": "Bletchley", "jobTitle": "Analyst",
        "questionsAndComments": "None", "industry": "Research", "numberOfEmployees": "100-500",
        "purchasingTimeFrame": "1-3 months", "purchasingRole": "Decision Maker",
        "responses": [{"questionKey": short, "responseText": "Everything"}, {"questionKey": choice, "answerKey": answer}]
    });
    r.action("createRegistrant", json!({"resendConfirmation": true, "onDuplicate": "returnExisting"}), full)
        .await;
    // Someone already registered: the duplicate is looked up.
    let again = json!({"webinarKey": SERIES, "firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"});
    r.action("createRegistrant", json!({"resendConfirmation": true}), again).await;
    r.action("findRegistrantByEmail", json!({}), json!({"webinarKey": UPCOMING, "email": email})).await;
    r.action(
        "findRegistrantByEmail",
        json!({"ifAbsent": "emitNotFound"}),
        json!({"webinarKey": UPCOMING, "email": "nobody@example.com"}),
    )
    .await;
    r.action(
        "addParticipant",
        json!({"webinarKey": SERIES}),
        json!({"firstName": "Ada", "lastName": "King", "email": "ada.king@example.com"}),
    )
    .await;
    let s = r.webinar_index(SERIES);
    let last = r.world.sandbox.state()["webinars"][s]["registrants"].as_array().map_or(0, Vec::len) - 1;
    let doomed = r.key(&format!("/webinars/{s}/registrants/{last}/key"));
    r.action("deleteRegistrant", json!({}), json!({"webinarKey": SERIES, "registrantKey": doomed})).await;
}

async fn sessions(r: &mut Recorder) {
    let w = r.webinar_index(PAST);
    let session = r.key(&format!("/webinars/{w}/sessions/0/key"));
    let attendee = r.key(&format!("/webinars/{w}/sessions/0/attendees/0/registrantKey"));
    r.action("listSessions", json!({}), json!({"webinarKey": PAST})).await;
    r.action("listSessions", json!({}), json!({})).await;
    let range = json!({"fromTime": time(-ChronoDuration::days(30)), "toTime": time(ChronoDuration::zero()), "page": 0, "size": 10});
    r.action("listSessions", json!({"emitBehavior": "fetchPage"}), range).await;
    let one = json!({"webinarKey": PAST, "sessionKey": session});
    for f in
        ["getSession", "getSessionPerformance", "getSessionPolls", "getSessionQuestions", "getSessionSurveys"]
    {
        r.action(f, json!({}), one.clone()).await;
    }
    r.action("listAttendees", json!({}), one.clone()).await;
    r.action(
        "listAttendees",
        json!({"emitBehavior": "fetchPage"}),
        json!({"webinarKey": PAST, "page": 0, "size": 5}),
    )
    .await;
    r.action("listAttendees", json!({"emitBehavior": "fetchAll"}), json!({"webinarKey": PAST})).await;
    let person = json!({"webinarKey": PAST, "sessionKey": session, "registrantKey": attendee});
    for f in ["getAttendee", "getAttendeePolls", "getAttendeeQuestions", "getAttendeeSurveys"] {
        r.action(f, json!({}), person.clone()).await;
    }
}

async fn people(r: &mut Recorder) {
    r.action("listPanelists", json!({}), json!({"webinarKey": UPCOMING})).await;
    r.action(
        "createPanelists",
        json!({}),
        json!({"webinarKey": UPCOMING, "name": "Pat Doe", "email": "pat.doe@example.com"}),
    )
    .await;
    let many = json!({"webinarKey": UPCOMING, "panelists": [{"name": "Lee One", "email": "lee1@example.com"}, {"name": "Lee Two", "email": "lee2@example.com"}]});
    r.action("createPanelists", json!({}), many).await;
    let w = r.webinar_index(UPCOMING);
    let panelist = r.key(&format!("/webinars/{w}/panelists/0/key"));
    r.action("resendPanelistInvitation", json!({}), json!({"webinarKey": UPCOMING, "panelistKey": panelist}))
        .await;
    r.action("deletePanelist", json!({}), json!({"webinarKey": UPCOMING, "panelistKey": panelist})).await;
    r.action(
        "createCoorganizers",
        json!({}),
        json!({"webinarKey": UPCOMING, "givenName": "Sam", "email": "sam@example.com"}),
    )
    .await;
    let many = json!({"webinarKey": UPCOMING, "coorganizers": [{"givenName": "Kim", "email": "kim@example.com"}, {"givenName": "Jo", "email": "jo@example.com"}]});
    r.action("createCoorganizers", json!({}), many).await;
    r.action("listCoorganizers", json!({}), json!({"webinarKey": UPCOMING})).await;
    let first = r.key(&format!("/webinars/{w}/coorganizers/0/key"));
    let second = r.key(&format!("/webinars/{w}/coorganizers/1/key"));
    r.action(
        "resendCoorganizerInvitation",
        json!({}),
        json!({"webinarKey": UPCOMING, "coorganizerKey": first}),
    )
    .await;
    r.action(
        "resendCoorganizerInvitation",
        json!({}),
        json!({"webinarKey": UPCOMING, "coorganizerKey": first, "external": true}),
    )
    .await;
    r.action("deleteCoorganizer", json!({}), json!({"webinarKey": UPCOMING, "coorganizerKey": first})).await;
    r.action(
        "deleteCoorganizer",
        json!({"external": true}),
        json!({"webinarKey": UPCOMING, "coorganizerKey": second}),
    )
    .await;
    r.action("searchRecordingAssets", json!({}), json!({})).await;
    r.action(
        "searchRecordingAssets",
        json!({"emitBehavior": "fetchPage", "sortField": "NAME", "sortOrder": "ASC"}),
        json!({"name": "Onboarding", "page": 0, "size": 10}),
    )
    .await;
}

async fn services(r: &mut Recorder) {
    r.exec("verifyCredentials", "verifyCredentials", json!({}), None, &["--method", "verifyCredentials"])
        .await;
    r.exec(
        "createRegistrant",
        "getMetaModel",
        json!({"webinarKey": UPCOMING}),
        None,
        &["--method", "getMetaModel"],
    )
    .await;
    r.exec(
        "listWebinars",
        "getMetaModel",
        json!({"emitBehavior": "fetchPage"}),
        None,
        &["--method", "getMetaModel"],
    )
    .await;
    r.exec(
        "getWebinar",
        "selectModel",
        json!({}),
        None,
        &["--method", "selectModel", "--model", "selectWebinars"],
    )
    .await;
    r.exec(
        "getSession",
        "selectModel",
        json!({"webinarKey": PAST}),
        None,
        &["--method", "selectModel", "--model", "selectSessions"],
    )
    .await;
}

/// First poll, then a later poll after something new happened.
async fn polling_triggers(r: &mut Recorder) {
    let steps = [
        ("newWebinars", json!({"includeChanged": true, "lookBackMinutes": 60, "maxItemsPerPoll": 50})),
        ("newRegistrants", json!({"webinarKey": UPCOMING, "lookBackMinutes": 60})),
        ("newRegistrants", json!({})),
        ("newAttendees", json!({"lookBackMinutes": 1440})),
        ("webinarEnded", json!({"lookBackMinutes": 1440, "maxItemsPerPoll": 10})),
    ];
    for (i, (function, step)) in steps.into_iter().enumerate() {
        let snapshot = r.world.write(&format!("snapshot-{i}.json"), &json!({}));
        let path = snapshot.display().to_string();
        for how in ["first poll", "later poll"] {
            let run = r.exec(function, how, step.clone(), None, &["--snapshot", &path]).await;
            if let Some(event) = run.of("snapshot").last() {
                std::fs::write(&snapshot, event["snapshot"].to_string()).expect("write the snapshot");
            }
            let added = SeedRegistrant {
                first_name: "Later".into(),
                last_name: format!("Poll{i}"),
                email: format!("later{i}@example.com"),
                ..SeedRegistrant::default()
            };
            let _ = r.world.sandbox.add_registrant(UPCOMING, added);
        }
    }
}

async fn webhook_triggers(r: &mut Recorder) {
    let receiver = MockServer::start().await;
    for verb in ["GET", "POST"] {
        Mock::given(method(verb))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&receiver)
            .await;
    }
    let url = format!("{}/hook", receiver.uri());
    for function in ["registrantAdded", "registrantJoined", "webinarCreated", "webinarChanged"] {
        let started = r
            .exec(function, "startup", json!({}), None, &["--method", "startup", "--webhook-url", &url])
            .await;
        let data = started.of("startup").first().map(|e| e["data"].clone()).unwrap_or(json!({}));
        if function == "registrantAdded" {
            let person = SeedRegistrant {
                first_name: "Hook".into(),
                last_name: "Event".into(),
                email: "hook.event@example.com".into(),
                ..SeedRegistrant::default()
            };
            let _ = r.world.sandbox.add_registrant(SERIES, person);
            let mut delivery = None;
            for _ in 0..100 {
                if let Some(d) = r.world.sandbox.webhook_deliveries().into_iter().find(|d| d.status.is_some())
                {
                    delivery = Some(d);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let posted = receiver
                .received_requests()
                .await
                .unwrap_or_default()
                .into_iter()
                .find(|q| q.method.as_str() == "POST");
            match (delivery, posted) {
                (Some(d), Some(q)) => {
                    let mut headers = json!({"content-type": "application/json"});
                    if let Some(sig) = q.headers.get("x-webhook-signature").and_then(|v| v.to_str().ok()) {
                        headers["X-Webhook-Signature"] = json!(sig);
                    }
                    let msg = r
                        .world
                        .write("delivery.json", &json!({"body": {"rawData": d.body}, "headers": headers}));
                    r.world.sandbox.clear_request_log();
                    let cfg = r.world.cfg(json!({}));
                    let run = r.world.exec(function, &cfg, Some(&msg), &[]).await;
                    r.keep(function, "process");
                    if run.code != 0 {
                        r.failures.push(format!("{function} (process): {:?}", run.errors()));
                    }
                }
                _ => r.failures.push(format!("{function} (delivery): the sandbox delivered no event")),
            }
        }
        let file = r.world.write("startup-data.json", &data);
        let file = file.display().to_string();
        r.exec(function, "shutdown", json!({}), None, &["--method", "shutdown", "--data", &file]).await;
    }
}
