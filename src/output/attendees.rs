//! Attendees of held sessions.

use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::Attendee;
use serde::Serialize;

use super::{time_text, PersonOut};
use crate::schema_types;

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
