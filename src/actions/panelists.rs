//! Panelist actions: list, invite, remove, resend the invitation.

use async_trait::async_trait;
use gotowebinar::keys::{PanelistKey, WebinarKey};
use gotowebinar::models::{NewPanelist, Panelist};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action;
use crate::actions::common::{key, webinar_field, webinar_key};
use crate::actions::list::{emit_all, emit_behavior_field, Paging};
use crate::actions::output::DoneOut;
use crate::actions::registrants::plausible_email;
use crate::actions::webinars::list_metadata;
use crate::call::{Call, Handler};
use crate::errors::{ComponentError, Doing};
use crate::spec::{FunctionSpec, Kind};

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

fn panelist_key(text: &str) -> Result<PanelistKey, ComponentError> {
    key("panelistKey", text, |t| PanelistKey::new(t))
}

/// Input of `listPanelists`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPanelistsIn {
    /// The webinar's key.
    pub webinar_key: String,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

/// `listPanelists`.
#[derive(Default)]
pub struct ListPanelists;

#[async_trait]
impl Handler for ListPanelists {
    type Input = ListPanelistsIn;
    type Output = PanelistOut;

    fn describe() -> FunctionSpec {
        let mut spec = FunctionSpec::new(
            "listPanelists",
            Kind::Action,
            "List panelists",
            "Lists the panelists of a webinar",
        );
        spec.fields = vec![webinar_field(), emit_behavior_field()];
        spec.dynamic_metadata = true;
        spec
    }

    fn metadata(cfg: &Value) -> Option<Value> {
        list_metadata::<ListPanelistsIn, PanelistOut>(cfg)
    }

    async fn run(&self, call: &Call, input: ListPanelistsIn) -> Result<(), ComponentError> {
        let webinar = webinar_key(&input.webinar_key)?;
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
    pub webinar_key: String,
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
        let webinar = webinar_key(&input.webinar_key)?;
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
    pub webinar_key: String,
    /// The panelist's key (from `listPanelists` or `createPanelists`).
    pub panelist_key: String,
}

action! {
/// `deletePanelist`.
    DeletePanelist("deletePanelist", "Remove panelist",
            "Removes a panelist from a webinar", webinar_field())
    |call, input: PanelistKeyIn| -> DoneOut {
        let webinar = webinar_key(&input.webinar_key)?;
        let panelist = panelist_key(&input.panelist_key)?;
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
        let webinar = webinar_key(&input.webinar_key)?;
        let panelist = panelist_key(&input.panelist_key)?;
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
