//! Panelist actions: list, invite, remove, resend the invitation.

use gotowebinar::keys::{PanelistKey, WebinarKey};
use gotowebinar::models::{NewPanelist, Panelist};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::action;
use crate::actions::common::webinar_field;
use crate::actions::list::{emit_all, emit_behavior_field, Paging};
use crate::actions::output::DoneOut;
use crate::actions::registrants::plausible_email;
use crate::errors::{ComponentError, Doing};

/// A panelist of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PanelistOut {
    /// The panelist's key.
    pub panelist_key: Option<String>,
    /// The webinar's key.
    pub webinar_key: String,
    /// Name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// The panelist's personal link to join.
    pub join_link: Option<String>,
}

impl PanelistOut {
    fn new(panelist: Panelist, webinar: &WebinarKey) -> Self {
        PanelistOut {
            panelist_key: panelist.key().map(ToString::to_string),
            webinar_key: webinar.to_string(),
            name: panelist.name,
            email: panelist.email,
            join_link: panelist.join_link,
        }
    }
}

/// Input of `listPanelists`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPanelistsIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

action! {
/// `listPanelists`.
    ListPanelists(list "listPanelists", "List panelists",
            "Lists the panelists of a webinar", webinar_field(), emit_behavior_field())
    |call, input: ListPanelistsIn| -> PanelistOut {
        let webinar = input.webinar_key.clone();
        input.paging.size()?;
        let (connection, organizer) = call.organizer().await?;
        let panelists = connection
            .client()
            .panelists(&organizer, &webinar)
            .list()
            .await
            .doing(format!("listing the panelists of webinar {webinar}"))?;
        emit_all(call, &input.paging, panelists.into_iter().map(|p| PanelistOut::new(p, &webinar)).collect())
            .await
    }
}

/// A panelist to invite.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PanelistIn {
    /// Name.
    pub name: String,
    /// Email address (the invitation goes there).
    pub email: String,
}

/// Input of `createPanelists`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePanelistsIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// Several panelists at once; or give `name` and `email` for one.
    pub panelists: Option<Vec<PanelistIn>>,
    /// One panelist's name (with `email`).
    pub name: Option<String>,
    /// One panelist's email (with `name`).
    pub email: Option<String>,
}

impl CreatePanelistsIn {
    fn to_wire(&self) -> Result<Vec<NewPanelist>, ComponentError> {
        let mut people: Vec<(String, &str, &str)> = Vec::new();
        for (index, p) in self.panelists.iter().flatten().enumerate() {
            people.push((format!("panelists[{index}]."), &p.name, &p.email));
        }
        match (&self.name, &self.email) {
            (Some(name), Some(email)) => people.push((String::new(), name, email)),
            (None, None) => {}
            _ => return Err(ComponentError::input("give both `name` and `email` for one panelist")),
        }
        if people.is_empty() {
            return Err(ComponentError::input(
                "no panelist given: set `name` and `email`, or `panelists` as a list of {name, email}",
            ));
        }
        people
            .into_iter()
            .map(|(prefix, name, email)| {
                let (name, email) = (name.trim(), email.trim());
                if name.is_empty() {
                    return Err(ComponentError::input(format!("`{prefix}name` must not be empty")));
                }
                if !plausible_email(email) {
                    return Err(ComponentError::input(format!(
                        "`{prefix}email` must be an email address such as pat@example.com, got {email:?}"
                    )));
                }
                Ok(NewPanelist { name: name.to_string(), email: email.to_string() })
            })
            .collect()
    }
}

/// The panelists just invited.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPanelistsOut {
    /// The webinar's key.
    pub webinar_key: String,
    /// Each invited panelist with their key and join link.
    pub panelists: Vec<PanelistOut>,
}

action! {
/// `createPanelists`.
    CreatePanelists("createPanelists", "Invite panelists",
            "Invites one or more panelists to a future webinar; GoTo emails each their join link", webinar_field())
    |call, input: CreatePanelistsIn| -> CreatedPanelistsOut {
        let webinar = input.webinar_key.clone();
        let body = input.to_wire()?;
        let (connection, organizer) = call.organizer().await?;
        let created = connection
            .client()
            .panelists(&organizer, &webinar)
            .create(&body)
            .await
            .doing(format!("inviting panelists to webinar {webinar}"))?;
        // The answer may omit names; fill them from the request, in order.
        let panelists = created
            .into_iter()
            .enumerate()
            .map(|(index, p)| {
                let mut out = PanelistOut::new(p, &webinar);
                if let Some(sent) = body.get(index) {
                    out.name.get_or_insert_with(|| sent.name.clone());
                    out.email.get_or_insert_with(|| sent.email.clone());
                }
                out
            })
            .collect();
        call.emit(&CreatedPanelistsOut { webinar_key: webinar.into_string(), panelists }).await
    }
}

/// Input naming one panelist.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PanelistKeyIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// The panelist's key (from `listPanelists` or `createPanelists`).
    #[schemars(with = "String")]
    pub panelist_key: PanelistKey,
}

action! {
/// `deletePanelist`.
    DeletePanelist("deletePanelist", "Remove panelist",
            "Removes a panelist from a webinar", webinar_field())
    |call, input: PanelistKeyIn| -> DoneOut {
        let webinar = input.webinar_key.clone();
        let panelist = input.panelist_key.clone();
        let (connection, organizer) = call.organizer().await?;
        connection
            .client()
            .panelists(&organizer, &webinar)
            .delete(&panelist)
            .await
            .doing(format!("removing panelist {panelist} from webinar {webinar}"))?;
        call.emit(&DoneOut::item(webinar.into_string(), panelist.into_string())).await
    }
}

action! {
/// `resendPanelistInvitation`.
    ResendPanelistInvitation("resendPanelistInvitation", "Resend panelist invitation",
            "Emails a panelist their invitation and join link again", webinar_field())
    |call, input: PanelistKeyIn| -> DoneOut {
        let webinar = input.webinar_key.clone();
        let panelist = input.panelist_key.clone();
        let (connection, organizer) = call.organizer().await?;
        connection
            .client()
            .panelists(&organizer, &webinar)
            .resend_invitation(&panelist)
            .await
            .doing(format!("resending the invitation of panelist {panelist} of webinar {webinar}"))?;
        call.emit(&DoneOut::item(webinar.into_string(), panelist.into_string())).await
    }
}
