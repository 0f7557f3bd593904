//! People around a webinar: a person's name and email, panelists and co-organizers.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::{Coorganizer, Panelist};
use serde::Serialize;

use crate::schema_types;

schema_types! {
    /// A person's name and email address, as registrants, attendees and webhook events carry them.
    #[derive(Default, Serialize)]
    PersonOut {
        first_name: Option<String> = "First name.",
        last_name: Option<String> = "Last name.",
        email: Option<String> = "Email address.",
    }
}

schema_types! {
    /// A panelist of a webinar.
    #[derive(Serialize)]
    PanelistOut {
        panelist_key: Option<String> = "The panelist's key.",
        webinar_key: String = "The webinar's key.",
        name: Option<String> = "Name.",
        email: Option<String> = "Email address.",
        join_link: Option<String> = "The panelist's personal link to join.",
    }
}

impl PanelistOut {
    /// The output for a panelist of `webinar`.
    pub(crate) fn new(panelist: Panelist, webinar: &WebinarKey) -> Self {
        PanelistOut {
            panelist_key: panelist.key().map(ToString::to_string),
            webinar_key: webinar.to_string(),
            name: panelist.name,
            email: panelist.email,
            join_link: panelist.join_link,
        }
    }
}

schema_types! {
    /// The panelists just invited.
    #[derive(Serialize)]
    CreatedPanelistsOut {
        webinar_key: String = "The webinar's key.",
        panelists: Vec<PanelistOut> = "Each invited panelist with their key and join link.",
    }
}

schema_types! {
    /// A co-organizer of a webinar.
    #[derive(Serialize)]
    CoorganizerOut {
        coorganizer_key: Option<String> = "The co-organizer's key.",
        webinar_key: String = "The webinar's key.",
        given_name: Option<String> = "Given name.",
        surname: Option<String> = "Surname.",
        email: Option<String> = "Email address.",
        external: Option<bool> = "True for a person without a GoTo account in this organization.",
        join_link: Option<String> = "The co-organizer's personal link to join.",
    }
}

impl CoorganizerOut {
    /// The output for a co-organizer of `webinar`.
    pub(crate) fn new(coorganizer: Coorganizer, webinar: &WebinarKey) -> Self {
        CoorganizerOut {
            coorganizer_key: coorganizer.key().map(ToString::to_string),
            webinar_key: webinar.to_string(),
            given_name: coorganizer.given_name,
            surname: coorganizer.surname,
            email: coorganizer.email,
            external: coorganizer.external,
            join_link: coorganizer.join_link,
        }
    }
}

schema_types! {
    /// The co-organizers just added.
    #[derive(Serialize)]
    CreatedCoorganizersOut {
        webinar_key: String = "The webinar's key.",
        coorganizers: Vec<CoorganizerOut> = "Each co-organizer added, with their key and join link.",
    }
}
