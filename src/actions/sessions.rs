//! Session actions: list (organizer-wide or one webinar's), get, and a session's performance,
//! polls, questions and surveys.

use chrono::{Duration, Utc};
use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::{Performance, Session, SessionDetail};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action;
use crate::actions::attendees::AttendeeOut;
use crate::actions::common::{session_field, time_text, webinar_field};
use crate::actions::list::{emit_behavior_field, emit_list, Paging};
use crate::errors::{ComponentError, Doing};
use crate::function_spec::{FunctionSpec, Kind};
use crate::input::Timestamp;

/// A held session of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    /// The session's key.
    pub session_key: String,
    /// The webinar's key.
    pub webinar_key: Option<String>,
    /// The webinar's ID as shown to attendees.
    pub webinar_id: Option<String>,
    /// The webinar's title.
    pub webinar_name: Option<String>,
    /// When the session started (ISO 8601, UTC).
    pub start_time: Option<String>,
    /// When the session ended (ISO 8601, UTC).
    pub end_time: Option<String>,
    /// How many registrants attended.
    pub registrants_attended: Option<u64>,
}

impl SessionOut {
    fn new(session: Session, webinar: Option<&WebinarKey>) -> Self {
        SessionOut {
            session_key: session.session_key.into_string(),
            webinar_key: session
                .webinar_key
                .map(|k| k.into_string())
                .or_else(|| webinar.map(|w| w.to_string())),
            webinar_id: session.webinar_id,
            webinar_name: session.webinar_name,
            start_time: session.start_time.map(time_text),
            end_time: session.end_time.map(time_text),
            registrants_attended: session.registrants_attended,
        }
    }
}

/// Input of `listSessions`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListSessionsIn {
    /// Only this webinar's sessions; leave empty to list the organizer's sessions in a time range.
    #[schemars(with = "Option<String>")]
    pub webinar_key: Option<WebinarKey>,
    /// Without a webinar: sessions from this time (ISO 8601; default: 90 days ago).
    #[schemars(title = "From")]
    pub from_time: Option<Timestamp>,
    /// Without a webinar: sessions until this time (ISO 8601; default: now).
    #[schemars(title = "To")]
    pub to_time: Option<Timestamp>,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

action! {
/// `listSessions`.
    ListSessions(list "listSessions", "List sessions",
            "Lists held sessions: one webinar's, or all of the organizer's in a time range, every page", webinar_field()
                .note("Leave empty to list every session of the organizer between `fromTime` and `toTime`"),
            emit_behavior_field())
    |call, input: ListSessionsIn| -> SessionOut {
        let webinar = input.webinar_key.clone();
        let to = input.to_time.map_or_else(Utc::now, |t| t.0);
        let from = input.from_time.map_or(to - Duration::days(90), |t| t.0);
        if webinar.is_none() && to <= from {
            return Err(ComponentError::input("`toTime` must be after `fromTime`"));
        }
        input.paging.size()?;
        let (connection, organizer) = call.organizer().await?;
        let client = connection.client().clone();
        let (c1, o1, c2, o2) = (client.clone(), organizer.clone(), client, organizer);
        match webinar {
            Some(webinar) => {
                let (w1, w2) = (webinar.clone(), webinar.clone());
                emit_list(
                    call,
                    &input.paging,
                    &format!("the sessions of webinar {webinar}"),
                    move |size| c1.sessions(&o1).for_webinar(&w1, size),
                    |page, size| async move { c2.sessions(&o2).for_webinar_page(&w2, page, size).await },
                    |session| SessionOut::new(session, Some(&webinar)),
                )
                .await
            }
            None => {
                emit_list(
                    call,
                    &input.paging,
                    "the organizer's sessions",
                    move |size| c1.sessions(&o1).list(from, to, size),
                    |page, size| async move { c2.sessions(&o2).list_page(from, to, page, size).await },
                    |session| SessionOut::new(session, None),
                )
                .await
            }
        }
    }
}

/// Input naming one session of a webinar.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionKeyIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// The session's key.
    #[schemars(with = "String")]
    pub session_key: SessionKey,
}

impl SessionKeyIn {
    fn keys(&self) -> Result<(WebinarKey, SessionKey), ComponentError> {
        Ok((self.webinar_key.clone(), self.session_key.clone()))
    }
}

/// The spec of an action on one session (or one of its attendees): the webinar and session fields.
pub fn session_spec(name: &'static str, title: &'static str, description: &'static str) -> FunctionSpec {
    let mut spec = FunctionSpec::new(name, Kind::Action, title, description);
    spec.fields = vec![webinar_field(), session_field()];
    spec
}

action! {
/// `getSession`.
    GetSession = session_spec(
            "getSession",
            "Get session",
            "Reads one held session of a webinar: the session, or its attendees when GoTo answers them (see `answer`)",
        );
    |call, input: SessionKeyIn| -> SessionDetailOut {
        let (webinar, session) = input.keys()?;
        let (connection, organizer) = call.organizer().await?;
        let found = connection
            .client()
            .sessions(&organizer)
            .get(&webinar, &session)
            .await
            .doing(format!("reading session {session} of webinar {webinar}"))?;
        call.emit(&SessionDetailOut::new(found, &webinar, &session)).await
    }
}

/// What `getSession` emits. GoTo's document says the call answers the session's attendees; the
/// API has also answered a session object. `answer` says which came: `session` (the session
/// fields are filled, `attendees` is absent) or `attendees` (`attendees` lists them and
/// `registrantsAttended` is their number; the times and webinar name are absent).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetailOut {
    /// `session` or `attendees`: the shape of GoTo's answer.
    pub answer: SessionAnswer,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub session: SessionOut,
    /// The session's attendees (only when `answer` is `attendees`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<AttendeeOut>>,
}

/// The shape of GoTo's answer to `getSession`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SessionAnswer {
    /// A session object.
    Session,
    /// The documented array of attendees.
    Attendees,
}

impl SessionDetailOut {
    fn new(found: SessionDetail, webinar: &WebinarKey, session: &SessionKey) -> Self {
        match found {
            SessionDetail::Session(found) => SessionDetailOut {
                answer: SessionAnswer::Session,
                session: SessionOut::new(found, Some(webinar)),
                attendees: None,
            },
            SessionDetail::Attendees(attendees) => {
                let attendees: Vec<AttendeeOut> =
                    attendees.into_iter().map(|a| AttendeeOut::new(a, webinar, Some(session))).collect();
                SessionDetailOut {
                    answer: SessionAnswer::Attendees,
                    session: SessionOut {
                        session_key: session.to_string(),
                        webinar_key: Some(webinar.to_string()),
                        webinar_id: None,
                        webinar_name: None,
                        start_time: None,
                        end_time: None,
                        registrants_attended: Some(attendees.len() as u64),
                    },
                    attendees: Some(attendees),
                }
            }
        }
    }
}

/// A session's attendance and engagement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionFiguresOut {
    /// The webinar's key.
    pub webinar_key: String,
    /// The session's key.
    pub session_key: String,
    /// Registrant count, attendance percentage, average interest and attendance time, …
    pub attendance: Option<Value>,
    /// Poll and survey counts and response rates.
    pub polls_and_surveys: Option<Value>,
}

action! {
/// `getSessionPerformance`.
    GetSessionPerformance = session_spec(
            "getSessionPerformance",
            "Get session performance",
            "Reads attendance and engagement figures of one held session",
        );
    |call, input: SessionKeyIn| -> SessionFiguresOut {
        let (webinar, session) = input.keys()?;
        let (connection, organizer) = call.organizer().await?;
        let figures: Performance = connection
            .client()
            .sessions(&organizer)
            .performance(&webinar, &session)
            .await
            .doing(format!("reading the performance of session {session} of webinar {webinar}"))?;
        call.emit(&SessionFiguresOut {
            webinar_key: webinar.into_string(),
            session_key: session.into_string(),
            attendance: figures.attendance,
            polls_and_surveys: figures.polls_and_surveys,
        })
        .await
    }
}

/// GoTo's answer as a list: an array as it is, anything else as one entry, nothing as none.
pub fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Defines an action emitting one report GoTo answers as a list (`polls`, `questions`,
/// `surveys`) of a session or an attendee, with the keys that name it.
#[macro_export]
macro_rules! report {
    (
        $handler:ident, $out:ident, $name:literal, $title:literal, $description:literal,
        $field:ident, $what:literal, $of:literal, $input:ty { $($key:ident: $key_doc:literal),+ },
        |$goto:ident, $in:ident| $request:expr, $doing:expr
    ) => {
        #[doc = concat!("The ", $what, " of ", $of, ".")]
        #[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $out {
            $(#[doc = $key_doc] pub $key: String,)+
            #[doc = concat!("The ", $what, " as GoTo reports them.")]
            pub $field: Vec<serde_json::Value>,
        }

        $crate::action! {
            #[doc = concat!("`", $name, "`.")]
            $handler = $crate::actions::sessions::session_spec($name, $title, $description);
            |call, input: $input| -> $out {
                let ($goto, $in) = (call.goto().await?, &input);
                call.emit_answer($request, $doing, |found| $out {
                    $($key: input.$key.to_string(),)+
                    $field: $crate::actions::sessions::as_list(found),
                })
                .await
            }
        }
    };
}

/// Defines an action emitting one report of a session.
macro_rules! session_report {
    ($handler:ident, $out:ident, $name:literal, $title:literal, $description:literal, $field:ident, $what:literal) => {
        $crate::report!(
            $handler,
            $out,
            $name,
            $title,
            $description,
            $field,
            $what,
            "a session",
            SessionKeyIn { webinar_key: "The webinar's key.", session_key: "The session's key." },
            |goto, keys| goto.sessions().$field(&keys.webinar_key, &keys.session_key),
            format!(
                concat!("reading the ", $what, " of session {} of webinar {}"),
                keys.session_key, keys.webinar_key
            )
        );
    };
}

session_report!(
    GetSessionPolls,
    SessionPollsOut,
    "getSessionPolls",
    "Get session polls",
    "Reads the polls of a held session with how many chose each answer",
    polls,
    "polls"
);
session_report!(
    GetSessionQuestions,
    SessionQuestionsOut,
    "getSessionQuestions",
    "Get session questions",
    "Reads the questions attendees asked in a held session, with the answers given",
    questions,
    "questions"
);
session_report!(
    GetSessionSurveys,
    SessionSurveysOut,
    "getSessionSurveys",
    "Get session surveys",
    "Reads the surveys of a held session with how many chose each answer",
    surveys,
    "surveys"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn get_session_says_which_shape_gotos_answer_had() {
        let webinar = WebinarKey::new("24576065432313123456").unwrap();
        let session = SessionKey::new("77").unwrap();
        let object: Session = serde_json::from_str(
            r#"{"sessionKey":77,"startTime":"2026-03-13T10:00:00Z","endTime":"2026-03-13T11:00:00Z","registrantsAttended":4}"#,
        )
        .unwrap();
        let out =
            serde_json::to_value(SessionDetailOut::new(SessionDetail::Session(object), &webinar, &session))
                .unwrap();
        assert_eq!(out["answer"], "session");
        assert_eq!(out["sessionKey"], "77");
        assert_eq!(out["webinarKey"], "24576065432313123456");
        assert_eq!(out["registrantsAttended"], 4);
        assert!(out.get("attendees").is_none(), "{out}");

        // The documented answer: an array of Attendee.
        let attendees: Vec<gotowebinar::models::Attendee> = serde_json::from_str(
            r#"[{"registrantKey":18446744073709551617,"firstName":"Ada","lastName":"L","email":"a@x.io",
                 "attendanceTimeInSeconds":60,"sessionKey":77,
                 "attendance":[{"joinTime":"2026-03-13T10:00:00Z","leaveTime":"2026-03-13T10:01:00Z"}]}]"#,
        )
        .unwrap();
        let out = serde_json::to_value(SessionDetailOut::new(
            SessionDetail::Attendees(attendees),
            &webinar,
            &session,
        ))
        .unwrap();
        assert_eq!(out["answer"], "attendees");
        assert_eq!(out["sessionKey"], "77");
        assert_eq!(out["registrantsAttended"], 1);
        assert_eq!(out["startTime"], json!(null));
        assert_eq!(out["attendees"][0]["registrantKey"], "18446744073709551617");
        assert_eq!(out["attendees"][0]["attendanceTimeInSeconds"], 60);
    }
}
