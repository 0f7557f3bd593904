//! The GoToWebinar operations, one module per resource. Each handler is a short-lived view of the
//! client scoped to the keys a resource needs, e.g. `client.webinars(&organizer).get(&webinar)`.
//!
//! Reference: <https://developer.goto.com/GoToWebinarV2>.

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
