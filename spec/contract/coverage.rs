//! The coverage table `docs/goto-api-coverage.md`: each operation of GoTo's document, the client
//! method that implements it, the component's steps that call it (from the recorded requests), and
//! why the others are not exposed. The test regenerates it and fails when the committed file differs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use gotowebinar_sandbox::RequestRecord;
use serde_json::json;

use super::openapi::{Doc, BASE_PATH};
use super::scenarios::{Call, PAST, SERIES, UPCOMING};
use crate::support::World;

/// Set to regenerate the committed table instead of comparing with it.
const UPDATE: &str = "UPDATE_COVERAGE";

/// The client methods (`file: Type::method`) of lib/gotowebinar/src/api that send each operation.
/// Each is checked to exist in that file.
const CLIENT: &[(&str, &str)] = &[
    ("getWebinars", "webinars.rs: Webinars::list_page"),
    ("getAllAccountWebinars", "webinars.rs: AccountWebinars::list_page"),
    ("createWebinar", "webinars.rs: Webinars::create"),
    ("getWebinar", "webinars.rs: Webinars::get"),
    ("updateWebinar", "webinars.rs: Webinars::update"),
    ("cancelWebinar", "webinars.rs: Webinars::cancel"),
    ("getWebinarMeetingTimes", "webinars.rs: Webinars::meeting_times"),
    ("getAudioInformation", "webinars.rs: Webinars::audio"),
    ("updateAudioInformation", "webinars.rs: Webinars::update_audio"),
    ("getPerformanceForAllWebinarSessions", "webinars.rs: Webinars::performance"),
    ("getInSessionWebinars", "webinars.rs: Webinars::in_session"),
    ("getStartUrl", "webinars.rs: Webinars::start_url"),
    ("copyWebinar", "webinars.rs: Webinars::copy"),
    ("getAllRegistrantsForWebinar", "registrants.rs: Registrants::list_page"),
    ("getRegistrant", "registrants.rs: Registrants::get"),
    ("createRegistrant", "registrants.rs: Registrants::create"),
    ("deleteRegistrant", "registrants.rs: Registrants::delete"),
    ("getRegistrationFields", "registrants.rs: Registrants::fields"),
    ("getOrganizerSessions", "sessions.rs: Sessions::list_page"),
    ("getAllSessions", "sessions.rs: Sessions::for_webinar_page"),
    ("getWebinarSession", "sessions.rs: Sessions::get"),
    ("getPerformance", "sessions.rs: Sessions::performance"),
    ("getPolls", "sessions.rs: Sessions::polls"),
    ("getQuestions", "sessions.rs: Sessions::questions"),
    ("getSurveys", "sessions.rs: Sessions::surveys"),
    ("getAttendeesForAllWebinarSessions", "sessions.rs: Attendees::list_page"),
    ("getAttendees", "sessions.rs: Attendees::of"),
    ("getAttendee", "sessions.rs: Attendees::get"),
    ("getAttendeePollAnswers", "sessions.rs: Attendees::polls"),
    ("getAttendeeQuestions", "sessions.rs: Attendees::questions"),
    ("getAttendeeSurveyAnswers", "sessions.rs: Attendees::surveys"),
    ("getPanelists", "panelists.rs: Panelists::list"),
    ("createPanelists", "panelists.rs: Panelists::create"),
    ("deleteWebinarPanelist", "panelists.rs: Panelists::delete"),
    ("resendPanelistInvitation", "panelists.rs: Panelists::resend_invitation"),
    ("getCoorganizers", "coorganizers.rs: Coorganizers::list"),
    ("createCoorganizers", "coorganizers.rs: Coorganizers::create"),
    ("deleteCoorganizer", "coorganizers.rs: Coorganizers::delete"),
    ("resendCoorganizerInvitation", "coorganizers.rs: Coorganizers::resend_invitation"),
    ("searchAssets", "recordings.rs: RecordingAssets::search_page"),
    ("createSecretKey", "webhooks.rs: Webhooks::create_secret_key"),
    ("createWebhooks", "webhooks.rs: Webhooks::create"),
    ("updateWebhooks", "webhooks.rs: Webhooks::set_state"),
    ("getWebhooks", "webhooks.rs: Webhooks::list"),
    ("deleteWebhooks", "webhooks.rs: Webhooks::delete"),
    ("createUserSubscriptions", "webhooks.rs: UserSubscriptions::create"),
    ("getUserSubscriptions", "webhooks.rs: UserSubscriptions::list"),
    ("deleteUserSubscriptions", "webhooks.rs: UserSubscriptions::delete"),
];

/// Why an operation no function calls is left out; a reason for an operation that is called is not shown.
const NOT_EXPOSED: &[(&str, &str)] = &[
    ("searchAssetsForAdmin", "an account admin's search across organizers; Search recordings covers the organizer's own (reachable with Raw request)"),
    ("getRecordingAssets", "a webinar's recordings; Search recordings finds them by name (reachable with Raw request)"),
    ("getWebhook", "one webhook by key: the instant triggers keep their keys from startup"),
    ("updateUserSubscriptions", "subscriptions are created ACTIVE and deleted at shutdown, never changed"),
    ("getUserSubscription", "one subscription by key: the instant triggers keep their keys from startup"),
    ("createSecretKey", "no flow step: the webhook secret is application configuration, created once with `gotowebinar webhooks create-secret` (a new key replaces the one every flow verifies with)"),
];

/// What shows that GoTo serves a path the component uses although the document lacks it.
const UNDOCUMENTED_EVIDENCE: &[(&str, &str)] = &[];

/// Error answers the sandbox must give, as (operation, status); provoked by [`provoke_errors`].
pub const EXPECTED_ERRORS: &[(&str, u16)] = &[
    ("getWebinar", 404),
    ("getWebinar", 403),
    ("getWebinars", 400),
    ("createRegistrant", 400),
    ("createRegistrant", 409),
    ("createWebinar", 400),
    ("cancelWebinar", 404),
    ("createSecretKey", 400),
    ("getRegistrant", 404),
];

/// Sends requests the component would not send, to see the sandbox's documented errors.
pub async fn provoke_errors(world: &World) -> Vec<RequestRecord> {
    let sandbox = &world.sandbox;
    let token = sandbox.issue_tokens()["access_token"].as_str().unwrap_or_default().to_string();
    let o = sandbox.organizer_key();
    let api = format!("{}{BASE_PATH}", sandbox.url());
    let http = reqwest::Client::new();
    sandbox.clear_request_log();
    let send = |method: reqwest::Method, path: String, body: Option<serde_json::Value>, token: &str| {
        let mut req = http.request(method, format!("{api}{path}")).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send()
    };
    use reqwest::Method as M;
    let registrants = format!("/organizers/{o}/webinars/{UPCOMING}/registrants");
    let requests = vec![
        (M::GET, format!("/organizers/{o}/webinars/1234"), None, token.as_str()),
        (M::GET, format!("/organizers/{o}/webinars/{UPCOMING}"), None, "not-a-token"),
        (M::GET, format!("/organizers/{o}/webinars"), None, token.as_str()),
        (M::POST, registrants.clone(), Some(json!({"firstName": "No", "lastName": "Email"})), token.as_str()),
        (
            M::POST,
            format!("/organizers/{o}/webinars"),
            Some(
                json!({"subject": "Past", "times": [{"startTime": "2001-01-01T10:00:00Z", "endTime": "2001-01-01T11:00:00Z"}]}),
            ),
            token.as_str(),
        ),
        (M::DELETE, format!("/organizers/{o}/webinars/1234"), None, token.as_str()),
        (M::POST, "/webhooks/secretkey".to_string(), None, token.as_str()),
        (M::GET, format!("{registrants}/1234"), None, token.as_str()),
        (M::GET, format!("/organizers/{o}/webinars/{PAST}/sessions/1234"), None, token.as_str()),
    ];
    for (method, path, body, token) in requests {
        let _ = send(method, path, body, token).await;
    }
    // The series has no required custom question, so the second registration is a plain duplicate.
    let twice = json!({"firstName": "Twice", "lastName": "Here", "email": "twice@example.com"});
    for _ in 0..2 {
        let path = format!("/organizers/{o}/webinars/{SERIES}/registrants");
        let _ = send(M::POST, path, Some(twice.clone()), token.as_str()).await;
    }
    sandbox.request_log()
}

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/goto-api-coverage.md")
}

fn client_methods() -> BTreeMap<&'static str, &'static str> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lib/gotowebinar/src/api");
    for (op, method) in CLIENT {
        let (file, name) = method.split_once(": ").expect("`file: Type::method`");
        let (_, function) = name.split_once("::").expect("`Type::method`");
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            text.contains(&format!("pub async fn {function}(")),
            "CLIENT says {op} is sent by {method}, but lib/gotowebinar/src/api/{file} has no `pub async fn {function}(`"
        );
    }
    CLIENT.iter().copied().collect()
}

/// The table as Markdown.
pub fn render(doc: &Doc, calls: &[Call]) -> String {
    let client = client_methods();
    let mut steps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut undocumented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in calls {
        let r = &call.record;
        match doc.find(&r.method, &r.path) {
            Some(op) => {
                steps.entry(op.id.clone()).or_default().insert(format!("`{}`", call.function));
            }
            None if r.path.starts_with(BASE_PATH) => {
                let key = format!("{} {}", r.method, r.path.strip_prefix(BASE_PATH).unwrap_or_default());
                undocumented.entry(key).or_default().insert(format!("`{}`", call.function));
            }
            None => {}
        }
    }
    let mut out = String::from(
        "# GoTo API coverage\n\n\
         Generated by `cargo test --test spec contract::` (`UPDATE_COVERAGE=1` rewrites it) from GoTo's OpenAPI \
         document of the webinar API (`shared/reference/goto-openapi/`, 53 operations) and the requests the \
         component makes when every function runs against the sandbox. Do not edit by hand.\n\n\
         | Operation | Method and path | Client (lib/gotowebinar) | Component functions that call it | Not exposed because |\n\
         |---|---|---|---|---|\n",
    );
    let mut ops: Vec<_> = doc.ops.iter().collect();
    ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    for op in ops {
        let used = steps.get(&op.id).map(|s| s.iter().cloned().collect::<Vec<_>>().join(", "));
        let why = match &used {
            Some(_) => String::new(),
            None => NOT_EXPOSED
                .iter()
                .find(|(id, _)| *id == op.id)
                .map(|(_, why)| why.to_string())
                .unwrap_or_else(|| {
                    panic!(
                        "{} is called by no function: add why to NOT_EXPOSED in spec/contract/coverage.rs",
                        op.id
                    )
                }),
        };
        out.push_str(&format!(
            "| `{}` | `{} {}` | {} | {} | {} |\n",
            op.id,
            op.method,
            op.path,
            client.get(op.id.as_str()).map(|m| format!("`{m}`")).unwrap_or_else(|| "—".into()),
            used.unwrap_or_else(|| "—".into()),
            why
        ));
    }
    out.push_str("\n## Used, but not in the document\n\n");
    if undocumented.is_empty() {
        out.push_str("Nothing under `/G2W/rest/v2`.\n");
    } else {
        out.push_str("| Method and path | Called by | Evidence that GoTo serves it |\n|---|---|---|\n");
        for (key, fns) in &undocumented {
            let template: String = key
                .split('/')
                .map(|s| if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() { "{key}" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let evidence = UNDOCUMENTED_EVIDENCE
                .iter()
                .find(|(k, _)| *k == template)
                .map(|(_, e)| *e)
                .unwrap_or_else(|| panic!("`{template}` is used but not in the document: add evidence to UNDOCUMENTED_EVIDENCE in spec/contract/coverage.rs"));
            out.push_str(&format!(
                "| `{template}` | {} | {evidence} |\n",
                fns.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    out.push_str(
        "\nOutside the webinar API, and so outside the document: `POST /oauth/token` (OAuth 2.0 token \
         endpoint of `authentication.logmeininc.com`), `GET /identity/v1/Users/me` and \
         `GET /admin/rest/v1/me` (who the token belongs to); see `shared/reference/gotowebinar-api.md`.\n",
    );
    out
}

/// Compares the committed table with a fresh one (or rewrites it with `UPDATE_COVERAGE=1`).
pub fn check_table(doc: &Doc, calls: &[Call]) {
    let fresh = render(doc, calls);
    let path = table_path();
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(&path, &fresh).expect("write docs/goto-api-coverage.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/goto-api-coverage.md is out of date; regenerate it with `UPDATE_COVERAGE=1 cargo test --test spec contract::the_coverage_table_is_current` and commit it.\nFresh table:\n{fresh}"
    );
}
