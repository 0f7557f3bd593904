//! The GoToWebinar operations, one module per resource. Each handler is a short-lived view of the
//! client scoped to the keys a resource needs, e.g. `client.webinars(&organizer).get(&webinar)`.
//!
//! Reference: <https://developer.goto.com/GoToWebinarV2>.

use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::client::Request;
use crate::time::rfc3339;

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

/// The times a list by time covers, `from..to`: sent as GoTo's `fromTime` and `toTime`.
pub type TimeRange = Range<DateTime<Utc>>;

/// Adds a time range to a request as GoTo's `fromTime` and `toTime`.
fn between(request: Request, times: &TimeRange) -> Request {
    request.query("fromTime", rfc3339(times.start)).query("toTime", rfc3339(times.end))
}
