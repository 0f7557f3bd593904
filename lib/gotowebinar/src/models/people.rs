//! Panelists and co-organizers of a webinar.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Extra;
use crate::keys::{CoorganizerKey, OrganizerKey, PanelistKey};

/// A panelist of a webinar (listed, or just created with its join link).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Panelist {
    /// The panelist's key (create answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panelist_key: Option<PanelistKey>,
    /// The panelist's key (list answers call it `panelistId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panelist_id: Option<PanelistKey>,
    /// The panelist's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The panelist's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The panelist's join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_link: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Panelist {
    /// The panelist's key, whichever name GoTo used for it.
    pub fn key(&self) -> Option<&PanelistKey> {
        self.panelist_key.as_ref().or(self.panelist_id.as_ref())
    }
}

/// A panelist to invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPanelist {
    /// The panelist's name.
    pub name: String,
    /// The panelist's email.
    pub email: String,
}

/// A co-organizer of a webinar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Coorganizer {
    /// The co-organizer's key, as `coorganizerKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coorganizer_key: Option<CoorganizerKey>,
    /// The co-organizer's key, as `memberKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_key: Option<CoorganizerKey>,
    /// The co-organizer's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The co-organizer's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The co-organizer's surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// The co-organizer's join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_link: Option<String>,
    /// True when the co-organizer has no GoTo account in this organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Coorganizer {
    /// The co-organizer's key, whichever name GoTo used for it.
    pub fn key(&self) -> Option<&CoorganizerKey> {
        self.coorganizer_key.as_ref().or(self.member_key.as_ref())
    }
}

/// A co-organizer to add: an organizer of the account (`organizer_key`) or an external person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCoorganizer {
    /// True for a person without a GoTo account in this organization.
    pub external: bool,
    /// The organizer to add (internal co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer_key: Option<OrganizerKey>,
    /// The person's given name (external co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The person's email (external co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}
