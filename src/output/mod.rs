//! What the actions emit (and the triggers share), one file per resource: webinars,
//! registrants, sessions, attendees, panelists and co-organizers, recordings, registration forms
//! and raw answers. Keys are always strings. The types are kept apart from the client's wire models so that the manifest's
//! schemas describe exactly what a flow builder receives.

mod attendees;
mod people;
mod raw;
mod recordings;
mod registrants;
mod registration_form;
mod sessions;
mod webinars;

pub use attendees::*;
pub use people::*;
pub use raw::*;
pub use recordings::*;
pub use registrants::*;
pub use registration_form::*;
pub use sessions::*;
pub use webinars::*;

use serde::Serialize;

use crate::schema_types;

/// Formats a time as the outputs carry it: ISO 8601, UTC, whole seconds.
pub fn time_text(time: chrono::DateTime<chrono::Utc>) -> String {
    gotowebinar::rfc3339(time)
}

schema_types! {
    /// The outcome of a change or deletion.
    #[derive(Serialize)]
    DoneOut {
        success: bool = "True when GoTo accepted the change.",
        webinar_key: Option<String> = "The key of the webinar concerned.",
        key: Option<String> = "The key of the registrant, panelist or co-organizer concerned.",
    }
}

impl DoneOut {
    /// A change GoTo accepted for a webinar.
    pub fn webinar(webinar: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: None }
    }

    /// A change GoTo accepted for one registrant, panelist or co-organizer of a webinar.
    pub fn item(webinar: String, key: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: Some(key) }
    }
}
