//! `newAttendees`: the people who attended webinar sessions that ended since the last poll.

use chrono::Utc;
use schemars::JsonSchema;
use serde::Serialize;

use crate::call::Call;
use crate::errors::{ComponentError, Doing};
use crate::output::time_text;
use crate::triggers::cursor::{self, Candidate, PollOptions, TimeCursor};
use crate::triggers::emit_poll;
use crate::triggers::webinar_ended::ended_sessions;

/// The trigger's name.
pub const NAME: &str = "newAttendees";

/// An attendee of an ended session.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewAttendeeOut {
    /// Stable id for de-duplication: `<sessionKey>:<registrantKey>`.
    pub id: String,
    /// The webinar's key.
    pub webinar_key: String,
    /// The session's key.
    pub session_key: String,
    /// The attendee's registrant key.
    pub registrant_key: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Seconds spent in the session.
    pub attendance_time_in_seconds: Option<u64>,
    /// When they first joined (ISO 8601).
    pub join_time: Option<String>,
    /// When they last left (ISO 8601).
    pub leave_time: Option<String>,
    /// The webinar's title.
    pub webinar_name: Option<String>,
    /// When the session started (ISO 8601).
    pub session_start_time: Option<String>,
    /// When the session ended (ISO 8601).
    pub session_end_time: String,
}

/// One poll: emits the attendees of sessions that ended since the last one, then the snapshot.
pub(super) async fn poll(call: &Call) -> Result<(), ComponentError> {
    let options = PollOptions::from_cfg(&call.cfg)?;
    let previous: Option<TimeCursor> = cursor::load_state(&call.snapshot, NAME, "organizer")?;
    let (connection, organizer) = call.organizer().await?;
    let sessions = ended_sessions(connection, previous.as_ref(), &options).await?;
    // Attendees of sessions before the cursor were emitted (or skipped by startFrom) already.
    let floor = previous.as_ref().map(|c| c.since);
    let mut candidates = Vec::new();
    for (session, end) in sessions {
        if floor.is_some_and(|floor| end < floor) {
            continue;
        }
        let Some(webinar) = session.webinar_key.clone() else { continue };
        let attendees =
            connection.client().attendees(&organizer, &webinar).of(&session.session_key).await.doing(
                format!("listing the attendees of session {} of webinar {webinar}", session.session_key),
            )?;
        for attendee in attendees {
            let who = match (&attendee.registrant_key, &attendee.email) {
                (Some(key), _) => key.to_string(),
                (None, Some(email)) => email.to_ascii_lowercase(),
                (None, None) => continue,
            };
            let id = format!("{}:{who}", session.session_key);
            let intervals = attendee.attendance.clone().unwrap_or_default();
            let body = NewAttendeeOut {
                id: id.clone(),
                webinar_key: webinar.to_string(),
                session_key: session.session_key.to_string(),
                registrant_key: attendee.registrant_key.map(|k| k.to_string()),
                first_name: attendee.first_name,
                last_name: attendee.last_name,
                email: attendee.email,
                attendance_time_in_seconds: attendee.attendance_time_in_seconds,
                join_time: intervals.iter().filter_map(|i| i.join_time).min().map(time_text),
                leave_time: intervals.iter().filter_map(|i| i.leave_time).max().map(time_text),
                webinar_name: session.webinar_name.clone(),
                session_start_time: session.start_time.map(time_text),
                session_end_time: time_text(end),
            };
            candidates.push(Candidate { id, at: end, item: body });
        }
    }
    let start = previous.unwrap_or_else(|| TimeCursor::first(&options, &candidates, Utc::now()));
    let (chosen, next) = start.advance(candidates, &options);
    let bodies: Vec<NewAttendeeOut> = chosen.into_iter().map(|c| c.item).collect();
    emit_poll(call, &bodies, cursor::store_state(NAME, "organizer", &next)).await
}
