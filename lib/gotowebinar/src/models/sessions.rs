//! Held sessions and their attendees.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{time, Extra};
use crate::keys::{RegistrantKey, SessionKey, WebinarKey};

/// One held session of a webinar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The session's key.
    pub session_key: SessionKey,
    /// The webinar the session belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// The webinar's public ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_id: Option<String>,
    /// The webinar's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_name: Option<String>,
    /// When the session started.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// When the session ended.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// How many registrants attended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrants_attended: Option<u64>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// When an attendee joined and left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttendanceInterval {
    /// When the attendee joined.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub join_time: Option<DateTime<Utc>>,
    /// When the attendee left.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub leave_time: Option<DateTime<Utc>>,
}

/// A registrant who attended a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attendee {
    /// The attendee's registrant key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant_key: Option<RegistrantKey>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Total time attended, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance_time_in_seconds: Option<u64>,
    /// Each join and leave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Vec<AttendanceInterval>>,
    /// The session attended (webinar-wide lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<SessionKey>,
    /// The webinar attended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `GET …/sessions/{s}` answered: the documented array of attendees, or a session object.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionDetail {
    /// A session object (`sessionKey`, times, `registrantsAttended`, …).
    Session(Session),
    /// The session's attendees, as GoTo's document describes the answer.
    Attendees(Vec<Attendee>),
}
