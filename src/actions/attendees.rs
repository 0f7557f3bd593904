//! Attendee actions: list (a session's or a whole webinar's), get, and an attendee's poll
//! answers, questions and survey answers.

use futures::FutureExt;
use gotowebinar::keys::{RegistrantKey, SessionKey, WebinarKey};
use gotowebinar::models::Attendee;
use serde::{Deserialize, Serialize};

use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::function_spec::{session_field, webinar_field};
use crate::output::{time_text, PersonOut};
use crate::{action, keys_input, reports, schema_types};

schema_types! {
    /// When an attendee joined and left.
    #[derive(Serialize)]
    IntervalOut {
        join_time: Option<String> = "When they joined (ISO 8601, UTC).",
        leave_time: Option<String> = "When they left (ISO 8601, UTC).",
    }

    /// A registrant who attended a session.
    #[derive(Serialize)]
    AttendeeOut {
        registrant_key: Option<String> = "The attendee's registrant key.",
        session_key: Option<String> = "The session attended.",
        webinar_key: Option<String> = "The webinar attended.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        person: PersonOut,
        attendance_time_in_seconds: Option<u64> = "Total time attended, in seconds.",
        attendance: Vec<IntervalOut> = "Each time they joined and left.",
    }
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
            person: PersonOut {
                first_name: attendee.first_name,
                last_name: attendee.last_name,
                email: attendee.email,
            },
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

schema_types! {
    /// Input of `listAttendees`.
    #[derive(Deserialize)]
    ListAttendeesIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        #[schemars(with = "Option<String>")]
        session_key: Option<SessionKey> = "Only this session's attendees; leave empty for every session of the webinar.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

action! {
    /// `listAttendees`.
    ListAttendees(list "listAttendees", "List attendees",
            "Lists who attended one session, or every session of a webinar, every page", webinar_field(),
            session_field().note("Leave empty to list the attendees of every session of the webinar"),
            emit_behavior_field())
    |call, input: ListAttendeesIn| -> AttendeeOut {
        let (goto, webinar) = (call.goto().await?, input.webinar_key);
        match input.session_key {
            Some(session) => {
                let what = format!("the attendees of session {session} of webinar {webinar}");
                let attendees = goto.attendees(&webinar);
                let out = |a| AttendeeOut::new(a, &webinar, Some(&session));
                list::emit_whole(call, &input.paging, &what, attendees.of(&session), out).await
            }
            None => {
                let what = format!("the attendees of webinar {webinar}");
                let pages = Paged {
                    with: (goto, webinar),
                    read: |(goto, webinar), number, size| {
                        async move { goto.attendees(webinar).list_page(number, size).await }.boxed()
                    },
                    out: |(_, webinar), attendee| AttendeeOut::new(attendee, webinar, None),
                };
                list::emit(call, &input.paging, &what, pages).await
            }
        }
    }
}

keys_input! {
    /// Input naming one attendee of a session.
    AttendeeKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The session's key.
        session_key: SessionKey,
        /// The attendee's registrant key.
        registrant_key: RegistrantKey,
    }
}

action! {
    /// `getAttendee`.
    GetAttendee("getAttendee", "Get attendee", "Reads one attendee of a session: when they joined and left",
            webinar_field(), session_field())
    emit |goto, input: AttendeeKeyIn| -> AttendeeOut {
        goto.attendees(&input.webinar_key).get(&input.session_key, &input.registrant_key)
            => |found| AttendeeOut::new(found, &input.webinar_key, Some(&input.session_key));
        "reading attendee {} of session {} of webinar {}", input.registrant_key, input.session_key, input.webinar_key
    }
}

reports! {
    [
        of "one attendee",
        keys AttendeeKeyIn {
            webinar_key: "The webinar's key.",
            session_key: "The session's key.",
            registrant_key: "The attendee's registrant key."
        },
        read |goto, keys| goto.attendees(&keys.webinar_key), args (&keys.session_key, &keys.registrant_key),
        doing " of attendee {} in session {} of webinar {}", keys.registrant_key, keys.session_key, keys.webinar_key
    ]
    GetAttendeePolls(AttendeePollsOut, "getAttendeePolls", "Get attendee poll answers",
        "Reads how one attendee answered the polls of a session") polls "poll answers";
    GetAttendeeQuestions(AttendeeQuestionsOut, "getAttendeeQuestions", "Get attendee questions",
        "Reads the questions one attendee asked in a session, with the answers given") questions "questions";
    GetAttendeeSurveys(AttendeeSurveysOut, "getAttendeeSurveys", "Get attendee survey answers",
        "Reads how one attendee answered the surveys of a session") surveys "survey answers";
}
