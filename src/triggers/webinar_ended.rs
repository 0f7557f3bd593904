//! `webinarEnded`: a session of a webinar ended since the last poll; carries its performance
//! summary (attendance, polls and surveys).

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use gotowebinar::models::Session;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::Call;
use crate::connection::Connection;
use crate::errors::{ComponentError, Doing};
use crate::output::time_text;
use crate::triggers::cursor::{self, Candidate, PollOptions, StartFrom, TimeCursor, SKEW_ALLOWANCE_MINUTES};
use crate::triggers::{emit_poll, keys_as_strings};

/// The trigger's name.
pub const NAME: &str = "webinarEnded";
/// Sessions are listed from this long before the cursor, since GoTo filters on the start time.
const LONGEST_SESSION_DAYS: i64 = 2;

/// A session that ended.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionEndedOut {
    /// Stable id for de-duplication: `<webinarKey>:<sessionKey>`.
    pub id: String,
    /// The webinar's key.
    pub webinar_key: String,
    /// The session's key.
    pub session_key: String,
    /// The webinar's title.
    pub webinar_name: Option<String>,
    /// The webinar's ID as shown to attendees.
    pub webinar_id: Option<String>,
    /// When the session started (ISO 8601, UTC).
    pub start_time: Option<String>,
    /// When the session ended (ISO 8601, UTC).
    pub end_time: String,
    /// How many registrants attended.
    pub registrants_attended: Option<u64>,
    /// GoTo's performance summary of the session (attendance, polls and surveys), keys as strings.
    pub performance: Option<Map<String, Value>>,
}

/// One poll: emits the sessions that ended since the last one, then the snapshot.
pub(super) async fn poll(call: &Call) -> Result<(), ComponentError> {
    let options = PollOptions::from_cfg(&call.cfg)?;
    let previous: Option<TimeCursor> = cursor::load_state(&call.snapshot, NAME, "organizer")?;
    let connection = call.connection().await?;
    let sessions = ended_sessions(connection, previous.as_ref(), &options).await?;
    let candidates: Vec<Candidate<Session>> = sessions
        .into_iter()
        .filter_map(|(session, end)| {
            let webinar = session.webinar_key.as_ref()?.to_string();
            Some(Candidate { id: format!("{webinar}:{}", session.session_key), at: end, item: session })
        })
        .collect();
    let start = previous.unwrap_or_else(|| TimeCursor::first(&options, &candidates, Utc::now()));
    let (chosen, next) = start.advance(candidates, &options);

    // Performance is read for every session before anything is emitted.
    let organizer = connection.organizer_key().await?;
    let mut bodies = Vec::new();
    for candidate in chosen {
        let session = candidate.item;
        let Some(webinar) = session.webinar_key.clone() else { continue };
        let performance = connection
            .client()
            .sessions(&organizer)
            .performance(&webinar, &session.session_key)
            .await
            .doing(format!(
                "reading the performance of session {} of webinar {webinar}",
                session.session_key
            ))?;
        let mut performance = serde_json::to_value(performance).unwrap_or(Value::Null);
        keys_as_strings(&mut performance);
        bodies.push(SessionEndedOut {
            id: candidate.id,
            webinar_key: webinar.to_string(),
            session_key: session.session_key.to_string(),
            webinar_name: session.webinar_name,
            webinar_id: session.webinar_id,
            start_time: session.start_time.map(time_text),
            end_time: time_text(candidate.at),
            registrants_attended: session.registrants_attended,
            performance: performance.as_object().cloned(),
        });
    }
    emit_poll(call, &bodies, cursor::store_state(NAME, "organizer", &next)).await
}

/// The organizer's ended sessions that may be at or after the cursor, each with its end time.
pub async fn ended_sessions(
    connection: &Connection,
    previous: Option<&TimeCursor>,
    options: &PollOptions,
) -> Result<Vec<(Session, DateTime<Utc>)>, ComponentError> {
    let now = Utc::now();
    let earliest = match (previous, options.start_from) {
        (Some(cursor), _) => cursor.since,
        (None, StartFrom::Time(time)) => time,
        (None, StartFrom::Now) => now - Duration::minutes(SKEW_ALLOWANCE_MINUTES) - options.look_back,
    };
    let from = earliest - Duration::days(LONGEST_SESSION_DAYS);
    // Our clock may lag GoTo's; a day ahead covers any sane skew.
    let to = now.max(earliest) + Duration::days(1);
    let organizer = connection.organizer_key().await?;
    let mut pages = connection.client().sessions(&organizer).list(from..to, 200);
    let mut sessions = Vec::new();
    while let Some(page) = pages.next().await {
        for session in page.doing("listing the organizer's sessions")?.items {
            if let Some(end) = session.end_time {
                sessions.push((session, end));
            }
        }
    }
    Ok(sessions)
}
