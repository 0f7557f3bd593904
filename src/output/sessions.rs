//! Held sessions: listed, read and their performance.

use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::{Session, SessionDetail};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{time_text, AttendeeOut};
use crate::schema_types;

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
    /// The output for a session of `webinar` (when GoTo leaves the webinar key out).
    pub(crate) fn new(session: Session, webinar: Option<&WebinarKey>) -> Self {
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
    /// The output for GoTo's answer about session `session` of `webinar`.
    pub(crate) fn new(found: SessionDetail, webinar: &WebinarKey, session: &SessionKey) -> Self {
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
