//! Co-organizer actions: list, add, remove, resend the invitation.

use gotowebinar::keys::{CoorganizerKey, OrganizerKey, WebinarKey};
use gotowebinar::models::NewCoorganizer;
use serde::Deserialize;

use futures::FutureExt;

use crate::actions::list::{self, emit_behavior_field};
use crate::actions::people::{to_add, Change, WebinarListIn};
use crate::actions::registrants::plausible_email;
use crate::call::Call;
use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::{webinar_field, Field};
use crate::output::{CoorganizerOut, CreatedCoorganizersOut, DoneOut};
use crate::{action, schema_types};

/// Input of `listCoorganizers`.
pub type ListCoorganizersIn = WebinarListIn;

action! {
    /// `listCoorganizers`.
    ListCoorganizers(list "listCoorganizers", "List co-organizers", "Lists the co-organizers of a webinar", webinar_field(), emit_behavior_field())
    |call, input: ListCoorganizersIn| -> CoorganizerOut {
        let (goto, webinar) = (call.goto().await?, &input.webinar_key);
        let what = format!("the co-organizers of webinar {webinar}");
        list::emit_whole(call, &input.paging, &what, goto.coorganizers(webinar).list(), |c| CoorganizerOut::new(c, webinar)).await
    }
}

schema_types! {
    /// A co-organizer to add: another organizer of the account, or an external person.
    #[derive(Deserialize)]
    CoorganizerIn {
        #[schemars(with = "Option<String>")]
        organizer_key: Option<OrganizerKey> = "For a colleague with a GoTo account in this organization: their organizer key.",
        given_name: Option<String> = "For an external person: their given name (with `email`).",
        email: Option<String> = "For an external person: their email (with `givenName`).",
    }
}

impl CoorganizerIn {
    fn to_wire(&self, prefix: &str) -> Result<NewCoorganizer, ComponentError> {
        match (&self.organizer_key, &self.given_name, &self.email) {
            (Some(organizer), None, None) => Ok(NewCoorganizer {
                external: false,
                organizer_key: Some(organizer.clone()),
                given_name: None,
                email: None,
            }),
            (None, Some(name), Some(email)) => {
                if name.trim().is_empty() {
                    return Err(ComponentError::input(format!("`{prefix}givenName` must not be empty")));
                }
                if !plausible_email(email.trim()) {
                    return Err(ComponentError::input(format!(
                        "`{prefix}email` must be an email address such as sam@example.com, got {email:?}"
                    )));
                }
                Ok(NewCoorganizer {
                    external: true,
                    organizer_key: None,
                    given_name: Some(name.trim().to_string()),
                    email: Some(email.trim().to_string()),
                })
            }
            _ => {
                let which = match prefix.trim_end_matches('.') {
                    "" => "a co-organizer".to_string(),
                    item => format!("`{item}`"),
                };
                Err(ComponentError::input(format!(
                    "{which} needs either `{prefix}organizerKey` (a colleague in this GoTo account) or `{prefix}givenName` and `{prefix}email` (an external person), not both"
                )))
            }
        }
    }
}

schema_types! {
    /// Input of `createCoorganizers`.
    #[derive(Deserialize)]
    CreateCoorganizersIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        coorganizers: Option<Vec<CoorganizerIn>> = "Several co-organizers at once; or give `organizerKey`, or `givenName` and `email`, for one.",
        #[schemars(with = "Option<String>")]
        organizer_key: Option<OrganizerKey> = "One colleague's organizer key.",
        given_name: Option<String> = "One external person's given name.",
        email: Option<String> = "One external person's email.",
    }
}

impl CreateCoorganizersIn {
    fn to_wire(&self) -> Result<Vec<NewCoorganizer>, ComponentError> {
        let one = CoorganizerIn {
            organizer_key: self.organizer_key.clone(),
            given_name: self.given_name.clone(),
            email: self.email.clone(),
        };
        let given = one.organizer_key.is_some() || one.given_name.is_some() || one.email.is_some();
        let none = "no co-organizer given: set `organizerKey` (a colleague), or `givenName` and `email` (an external person), or `coorganizers` as a list";
        to_add(
            "coorganizers",
            self.coorganizers.as_deref(),
            given.then_some(one),
            none,
            CoorganizerIn::to_wire,
        )
    }
}

action! {
    /// `createCoorganizers`.
    CreateCoorganizers("createCoorganizers", "Add co-organizers",
            "Adds colleagues (by organizer key) or external people (by name and email) as co-organizers of a future webinar", webinar_field())
    |call, input: CreateCoorganizersIn| -> CreatedCoorganizersOut {
        let (body, webinar) = (input.to_wire()?, input.webinar_key);
        let goto = call.goto().await?;
        let coorganizers = goto.coorganizers(&webinar);
        call.emit_answer(coorganizers.create(&body), format!("adding co-organizers to webinar {webinar}"), |created| {
            let coorganizers = created
                .into_iter()
                .enumerate()
                .map(|(index, c)| {
                    let mut out = CoorganizerOut::new(c, &webinar);
                    if let Some(sent) = body.get(index) {
                        out.external.get_or_insert(sent.external);
                        if out.given_name.is_none() {
                            out.given_name.clone_from(&sent.given_name);
                        }
                    }
                    out
                })
                .collect();
            CreatedCoorganizersOut { webinar_key: webinar.to_string(), coorganizers }
        })
        .await
    }
}

schema_types! {
    /// Input naming one co-organizer.
    #[derive(Deserialize)]
    CoorganizerKeyIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        #[schemars(with = "String")]
        coorganizer_key: CoorganizerKey = "The co-organizer's key (from `listCoorganizers` or `createCoorganizers`).",
        external: Option<bool> = "Whether the co-organizer is external; looked up when left empty.",
    }
}

impl CoorganizerKeyIn {
    /// Makes `change` to the co-organizer, whose `external` flag is looked up in the webinar's
    /// co-organizers when not given.
    async fn change(&self, call: &Call, change: Change) -> Result<(), ComponentError> {
        let (goto, webinar, key) = (call.goto().await?, &self.webinar_key, &self.coorganizer_key);
        let coorganizers = goto.coorganizers(webinar);
        let external = match self.external {
            Some(external) => external,
            None => {
                let list = coorganizers
                    .list()
                    .await
                    .doing(format!("looking up co-organizer {key} of webinar {webinar}"))?;
                let found = list.iter().find(|c| c.key() == Some(key)).ok_or_else(|| {
                    ComponentError::named(
                        names::NOT_FOUND,
                        format!("webinar {webinar} has no co-organizer {key}: check `coorganizerKey` (listCoorganizers shows the keys)"),
                    )
                })?;
                found.external.unwrap_or(false)
            }
        };
        let request = match change {
            Change::Remove => coorganizers.delete(key, external).boxed(),
            Change::Resend => coorganizers.resend_invitation(key, external).boxed(),
        };
        change.emit(call, request, "co-organizer", webinar, key).await
    }
}

fn external_field() -> Field {
    Field::checkbox("external", "External co-organizer")
        .note("Tick for a person outside your GoTo account; leave as is to look it up")
}

action! {
    /// `deleteCoorganizer`.
    DeleteCoorganizer("deleteCoorganizer", "Remove co-organizer",
            "Removes a co-organizer from a webinar", webinar_field(), external_field())
    |call, input: CoorganizerKeyIn| -> DoneOut { input.change(call, Change::Remove).await }
}

action! {
    /// `resendCoorganizerInvitation`.
    ResendCoorganizerInvitation("resendCoorganizerInvitation", "Resend co-organizer invitation",
            "Emails a co-organizer their invitation and join link again", webinar_field(), external_field())
    |call, input: CoorganizerKeyIn| -> DoneOut { input.change(call, Change::Resend).await }
}
