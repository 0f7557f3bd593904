//! Session actions: list (organizer-wide or one webinar's), get, and a session's performance,
//! polls, questions and surveys.

use chrono::{Duration, Utc};
use futures::FutureExt;
use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::{Performance, Session, SessionDetail};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actions::attendees::AttendeeOut;
use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::errors::ComponentError;
use crate::function_spec::{session_field, webinar_field};
use crate::input::Timestamp;
use crate::output::time_text;
use crate::{action, keys_input, reports, schema_types};

schema_types! {
    /// A held session of a webinar.
    #[derive(Default, Serialize)]
    SessionOut {
        session_key: String = "The session's key.",
        webinar_key: Option<String> = "The webinar's key.",
        webinar_id: Option<String> = "The webinar's ID as shown to attendees.",
        webinar_name: Option<String> = "The webinar's title.",
        start_time: Option<String> = "When the session started (ISO 8601, UTC).",
        end_time: Option<String> = "When the session ended (ISO 8601, UTC).",
        registrants_attended: Option<u64> = "How many registrants attended.",
    }
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

schema_types! {
    /// Input of `listSessions`.
    #[derive(Deserialize)]
    ListSessionsIn {
        #[schemars(with = "Option<String>")]
        webinar_key: Option<WebinarKey> = "Only this webinar's sessions; leave empty to list the organizer's sessions in a time range.",
        #[schemars(title = "From")]
        from_time: Option<Timestamp> = "Without a webinar: sessions from this time (ISO 8601; default: 90 days ago).",
        #[schemars(title = "To")]
        to_time: Option<Timestamp> = "Without a webinar: sessions until this time (ISO 8601; default: now).",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
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
        let what = match &webinar {
            Some(webinar) => format!("the sessions of webinar {webinar}"),
            None => "the organizer's sessions".to_string(),
        };
        let pages = Paged {
            with: (call.goto().await?, webinar, from, to),
            read: |(goto, webinar, from, to), number, size| {
                async move {
                    let sessions = goto.sessions();
                    match webinar {
                        Some(webinar) => sessions.for_webinar_page(webinar, number, size).await,
                        None => sessions.list_page(*from..*to, number, size).await,
                    }
                }
                .boxed()
            },
            out: |(_, webinar, ..), session| SessionOut::new(session, webinar.as_ref()),
        };
        list::emit(call, &input.paging, &what, pages).await
    }
}

keys_input! {
    /// Input naming one session of a webinar.
    SessionKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The session's key.
        session_key: SessionKey,
    }
}

action! {
    /// `getSession`.
    GetSession("getSession", "Get session",
            "Reads one held session of a webinar: the session, or its attendees when GoTo answers them (see `answer`)",
            webinar_field(), session_field())
    emit |goto, input: SessionKeyIn| -> SessionDetailOut {
        goto.sessions().get(&input.webinar_key, &input.session_key)
            => |found| SessionDetailOut::new(found, &input.webinar_key, &input.session_key);
        "reading session {} of webinar {}", input.session_key, input.webinar_key
    }
}

schema_types! {
    /// What `getSession` emits. GoTo's document says the call answers the session's attendees; the
    /// API has also answered a session object. `answer` says which came: `session` (the session
    /// fields are filled, `attendees` is absent) or `attendees` (`attendees` lists them and
    /// `registrantsAttended` is their number; the times and webinar name are absent).
    #[derive(Serialize)]
    SessionDetailOut {
        answer: SessionAnswer = "`session` or `attendees`: the shape of GoTo's answer.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        session: SessionOut,
        #[serde(skip_serializing_if = "Option::is_none")]
        attendees: Option<Vec<AttendeeOut>> = "The session's attendees (only when `answer` is `attendees`).",
    }
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
                        registrants_attended: Some(attendees.len() as u64),
                        ..SessionOut::default()
                    },
                    attendees: Some(attendees),
                }
            }
        }
    }
}

schema_types! {
    /// A session's attendance and engagement.
    #[derive(Serialize)]
    SessionFiguresOut {
        webinar_key: String = "The webinar's key.",
        session_key: String = "The session's key.",
        attendance: Option<Value> = "Registrant count, attendance percentage, average interest and attendance time, …",
        polls_and_surveys: Option<Value> = "Poll and survey counts and response rates.",
    }
}

action! {
    /// `getSessionPerformance`.
    GetSessionPerformance("getSessionPerformance", "Get session performance",
            "Reads attendance and engagement figures of one held session", webinar_field(), session_field())
    emit |goto, input: SessionKeyIn| -> SessionFiguresOut {
        goto.sessions().performance(&input.webinar_key, &input.session_key) => |figures: Performance| SessionFiguresOut {
            webinar_key: input.webinar_key.to_string(),
            session_key: input.session_key.to_string(),
            attendance: figures.attendance,
            polls_and_surveys: figures.polls_and_surveys,
        };
        "reading the performance of session {} of webinar {}", input.session_key, input.webinar_key
    }
}

reports! {
    [
        of "a session",
        keys SessionKeyIn { webinar_key: "The webinar's key.", session_key: "The session's key." },
        read |goto, keys| goto.sessions(), args (&keys.webinar_key, &keys.session_key),
        doing " of session {} of webinar {}", keys.session_key, keys.webinar_key
    ]
    GetSessionPolls(SessionPollsOut, "getSessionPolls", "Get session polls",
        "Reads the polls of a held session with how many chose each answer") polls "polls";
    GetSessionQuestions(SessionQuestionsOut, "getSessionQuestions", "Get session questions",
        "Reads the questions attendees asked in a held session, with the answers given") questions "questions";
    GetSessionSurveys(SessionSurveysOut, "getSessionSurveys", "Get session surveys",
        "Reads the surveys of a held session with how many chose each answer") surveys "surveys";
}

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
