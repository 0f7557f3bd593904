//! Panelist actions: list, invite, remove, resend the invitation.

use futures::FutureExt;
use gotowebinar::keys::{PanelistKey, WebinarKey};
use gotowebinar::models::NewPanelist;
use serde::Deserialize;

use crate::actions::list::{self, emit_behavior_field};
use crate::actions::people::{to_add, Change, WebinarListIn};
use crate::actions::registrants::plausible_email;
use crate::call::Call;
use crate::errors::ComponentError;
use crate::function_spec::webinar_field;
use crate::output::{CreatedPanelistsOut, DoneOut, PanelistOut};
use crate::{action, keys_input, schema_types};

/// Input of `listPanelists`.
pub type ListPanelistsIn = WebinarListIn;

action! {
    /// `listPanelists`.
    ListPanelists(list "listPanelists", "List panelists", "Lists the panelists of a webinar", webinar_field(), emit_behavior_field())
    |call, input: ListPanelistsIn| -> PanelistOut {
        let (goto, webinar) = (call.goto().await?, &input.webinar_key);
        let what = format!("the panelists of webinar {webinar}");
        list::emit_whole(call, &input.paging, &what, goto.panelists(webinar).list(), |p| PanelistOut::new(p, webinar)).await
    }
}

schema_types! {
    /// A panelist to invite.
    #[derive(Deserialize)]
    PanelistIn {
        name: String = "Name.",
        email: String = "Email address (the invitation goes there).",
    }

    /// Input of `createPanelists`.
    #[derive(Deserialize)]
    CreatePanelistsIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        panelists: Option<Vec<PanelistIn>> = "Several panelists at once; or give `name` and `email` for one.",
        name: Option<String> = "One panelist's name (with `email`).",
        email: Option<String> = "One panelist's email (with `name`).",
    }
}

impl CreatePanelistsIn {
    fn to_wire(&self) -> Result<Vec<NewPanelist>, ComponentError> {
        let one = match (&self.name, &self.email) {
            (Some(name), Some(email)) => Some(PanelistIn { name: name.clone(), email: email.clone() }),
            (None, None) => None,
            _ => return Err(ComponentError::input("give both `name` and `email` for one panelist")),
        };
        let none = "no panelist given: set `name` and `email`, or `panelists` as a list of {name, email}";
        to_add("panelists", self.panelists.as_deref(), one, none, |person, prefix| {
            let (name, email) = (person.name.trim(), person.email.trim());
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
    }
}

action! {
    /// `createPanelists`.
    CreatePanelists("createPanelists", "Invite panelists",
            "Invites one or more panelists to a future webinar; GoTo emails each their join link", webinar_field())
    |call, input: CreatePanelistsIn| -> CreatedPanelistsOut {
        let (body, webinar) = (input.to_wire()?, input.webinar_key);
        let goto = call.goto().await?;
        let panelists = goto.panelists(&webinar);
        call.emit_answer(panelists.create(&body), format!("inviting panelists to webinar {webinar}"), |created| {
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
            CreatedPanelistsOut { webinar_key: webinar.to_string(), panelists }
        })
        .await
    }
}

keys_input! {
    /// Input naming one panelist.
    PanelistKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The panelist's key (from `listPanelists` or `createPanelists`).
        panelist_key: PanelistKey,
    }
}

action! {
    /// `deletePanelist`.
    DeletePanelist("deletePanelist", "Remove panelist", "Removes a panelist from a webinar", webinar_field())
    |call, input: PanelistKeyIn| -> DoneOut { input.change(call, Change::Remove).await }
}

action! {
    /// `resendPanelistInvitation`.
    ResendPanelistInvitation("resendPanelistInvitation", "Resend panelist invitation",
            "Emails a panelist their invitation and join link again", webinar_field())
    |call, input: PanelistKeyIn| -> DoneOut { input.change(call, Change::Resend).await }
}

impl PanelistKeyIn {
    async fn change(&self, call: &Call, change: Change) -> Result<(), ComponentError> {
        let (goto, webinar, key) = (call.goto().await?, &self.webinar_key, &self.panelist_key);
        let panelists = goto.panelists(webinar);
        let request = match change {
            Change::Remove => panelists.delete(key).boxed(),
            Change::Resend => panelists.resend_invitation(key).boxed(),
        };
        change.emit(call, request, "panelist", webinar, key).await
    }
}
