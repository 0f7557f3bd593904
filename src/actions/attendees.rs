//! Attendee actions: list (a session's or a whole webinar's), get, and an attendee's poll
//! answers, questions and survey answers.

use gotowebinar::keys::{RegistrantKey, SessionKey, WebinarKey};
use gotowebinar::models::Attendee;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::action;
use crate::actions::common::{session_field, time_text, webinar_field};
use crate::actions::list::{emit_all, emit_behavior_field, emit_list, Paging};
use crate::errors::{ComponentError, Doing};

/// When an attendee joined and left.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntervalOut {
    /// When they joined (ISO 8601, UTC).
    pub join_time: Option<String>,
    /// When they left (ISO 8601, UTC).
    pub leave_time: Option<String>,
}

/// A registrant who attended a session.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeOut {
    /// The attendee's registrant key.
    pub registrant_key: Option<String>,
    /// The session attended.
    pub session_key: Option<String>,
    /// The webinar attended.
    pub webinar_key: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Total time attended, in seconds.
    pub attendance_time_in_seconds: Option<u64>,
    /// Each time they joined and left.
    pub attendance: Vec<IntervalOut>,
}

impl AttendeeOut {
    pub(crate) fn new(attendee: Attendee, webinar: &WebinarKey, session: Option<&SessionKey>) -> Self {
        AttendeeOut {
            registrant_key: attendee.registrant_key.map(|k| k.into_string()),
            session_key: attendee
                .session_key
                .map(|k| k.into_string())
                .or_else(|| session.map(|s| s.to_string())),
            webinar_key: attendee.webinar_key.map(|k| k.into_string()).or_else(|| Some(webinar.to_string())),
            first_name: attendee.first_name,
            last_name: attendee.last_name,
            email: attendee.email,
            attendance_time_in_seconds: attendee.attendance_time_in_seconds,
            attendance: attendee
                .attendance
                .unwrap_or_default()
                .into_iter()
                .map(|i| IntervalOut {
                    join_time: i.join_time.map(time_text),
                    leave_time: i.leave_time.map(time_text),
                })
                .collect(),
        }
    }
}

/// Input of `listAttendees`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListAttendeesIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// Only this session's attendees; leave empty for every session of the webinar.
    #[schemars(with = "Option<String>")]
    pub session_key: Option<SessionKey>,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

action! {
/// `listAttendees`.
    ListAttendees(list "listAttendees", "List attendees",
            "Lists who attended one session, or every session of a webinar, every page", webinar_field(),
            session_field().note("Leave empty to list the attendees of every session of the webinar"),
            emit_behavior_field())
    |call, input: ListAttendeesIn| -> AttendeeOut {
        let webinar = input.webinar_key.clone();
        let session = input.session_key.clone();
        input.paging.size()?;
        let (connection, organizer) = call.organizer().await?;
        match session {
            Some(session) => {
                let attendees = connection
                    .client()
                    .attendees(&organizer, &webinar)
                    .of(&session)
                    .await
                    .doing(format!("listing the attendees of session {session} of webinar {webinar}"))?;
                let items =
                    attendees.into_iter().map(|a| AttendeeOut::new(a, &webinar, Some(&session))).collect();
                emit_all(call, &input.paging, items).await
            }
            None => {
                let client = connection.client().clone();
                let (c1, o1, w1) = (client.clone(), organizer.clone(), webinar.clone());
                let (c2, o2, w2) = (client, organizer, webinar.clone());
                emit_list(
                    call,
                    &input.paging,
                    &format!("the attendees of webinar {webinar}"),
                    move |size| c1.attendees(&o1, &w1).list(size),
                    |page, size| async move { c2.attendees(&o2, &w2).list_page(page, size).await },
                    |attendee| AttendeeOut::new(attendee, &webinar, None),
                )
                .await
            }
        }
    }
}

/// Input naming one attendee of a session.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeKeyIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// The session's key.
    #[schemars(with = "String")]
    pub session_key: SessionKey,
    /// The attendee's registrant key.
    #[schemars(with = "String")]
    pub registrant_key: RegistrantKey,
}

impl AttendeeKeyIn {
    fn keys(&self) -> Result<(WebinarKey, SessionKey, RegistrantKey), ComponentError> {
        Ok((self.webinar_key.clone(), self.session_key.clone(), self.registrant_key.clone()))
    }
}

action! {
/// `getAttendee`.
    GetAttendee = crate::actions::sessions::session_spec(
            "getAttendee",
            "Get attendee",
            "Reads one attendee of a session: when they joined and left",
        );
    |call, input: AttendeeKeyIn| -> AttendeeOut {
        let (webinar, session, registrant) = input.keys()?;
        let (connection, organizer) = call.organizer().await?;
        let found = connection
            .client()
            .attendees(&organizer, &webinar)
            .get(&session, &registrant)
            .await
            .doing(format!("reading attendee {registrant} of session {session} of webinar {webinar}"))?;
        call.emit(&AttendeeOut::new(found, &webinar, Some(&session))).await
    }
}

/// Defines an action emitting one report of an attendee.
macro_rules! attendee_report {
    ($handler:ident, $out:ident, $name:literal, $title:literal, $description:literal, $field:ident, $what:literal) => {
        $crate::report!(
            $handler,
            $out,
            $name,
            $title,
            $description,
            $field,
            $what,
            "one attendee",
            AttendeeKeyIn {
                webinar_key: "The webinar's key.",
                session_key: "The session's key.",
                registrant_key: "The attendee's registrant key."
            },
            |goto, keys| goto.attendees(&keys.webinar_key).$field(&keys.session_key, &keys.registrant_key),
            format!(
                concat!("reading the ", $what, " of attendee {} in session {} of webinar {}"),
                keys.registrant_key, keys.session_key, keys.webinar_key
            )
        );
    };
}

attendee_report!(
    GetAttendeePolls,
    AttendeePollsOut,
    "getAttendeePolls",
    "Get attendee poll answers",
    "Reads how one attendee answered the polls of a session",
    polls,
    "poll answers"
);
attendee_report!(
    GetAttendeeQuestions,
    AttendeeQuestionsOut,
    "getAttendeeQuestions",
    "Get attendee questions",
    "Reads the questions one attendee asked in a session, with the answers given",
    questions,
    "questions"
);
attendee_report!(
    GetAttendeeSurveys,
    AttendeeSurveysOut,
    "getAttendeeSurveys",
    "Get attendee survey answers",
    "Reads how one attendee answered the surveys of a session",
    surveys,
    "survey answers"
);
