//! The GoToWebinar operations, one module per resource. Each handler is a short-lived view of the
//! client scoped to the keys a resource needs, e.g. `client.webinars(&organizer).get(&webinar)`.
//!
//! Reference: <https://developer.goto.com/GoToWebinarV2>.

use chrono::{DateTime, SecondsFormat, Utc};

pub mod coorganizers;
pub mod panelists;
pub mod recordings;
pub mod registrants;
pub mod sessions;
pub mod users;
pub mod webhooks;
pub mod webinars;

pub use coorganizers::Coorganizers;
pub use panelists::Panelists;
pub use recordings::RecordingAssets;
pub use registrants::Registrants;
pub use sessions::{Attendees, Sessions};
pub use webhooks::{UserSubscriptions, Webhooks};
pub use webinars::{AccountWebinars, Webinars};

/// Formats a time as GoTo's query parameters expect it: ISO-8601 UTC, e.g. `2026-03-13T10:00:00Z`.
pub fn query_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
