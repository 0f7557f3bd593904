//! Co-organizer actions: list, add, remove, resend the invitation.

use gotowebinar::keys::{CoorganizerKey, OrganizerKey, WebinarKey};
use gotowebinar::models::{Coorganizer, NewCoorganizer};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::action;
use crate::actions::common::{key, webinar_field};
use crate::actions::list::{emit_all, emit_behavior_field, Paging};
use crate::actions::output::DoneOut;
use crate::actions::registrants::plausible_email;
use crate::connection::Connection;
use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::Field;

/// A co-organizer of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoorganizerOut {
    /// The co-organizer's key.
    pub coorganizer_key: Option<String>,
    /// The webinar's key.
    pub webinar_key: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// True for a person without a GoTo account in this organization.
    pub external: Option<bool>,
    /// The co-organizer's personal link to join.
    pub join_link: Option<String>,
}

impl CoorganizerOut {
    fn new(coorganizer: Coorganizer, webinar: &WebinarKey) -> Self {
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

/// Input of `listCoorganizers`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListCoorganizersIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

action! {
/// `listCoorganizers`.
    ListCoorganizers(list "listCoorganizers", "List co-organizers",
            "Lists the co-organizers of a webinar", webinar_field(), emit_behavior_field())
    |call, input: ListCoorganizersIn| -> CoorganizerOut {
        let webinar = input.webinar_key.clone();
        input.paging.size()?;
        let (connection, organizer) = call.organizer().await?;
        let list = connection
            .client()
            .coorganizers(&organizer, &webinar)
            .list()
            .await
            .doing(format!("listing the co-organizers of webinar {webinar}"))?;
        emit_all(call, &input.paging, list.into_iter().map(|c| CoorganizerOut::new(c, &webinar)).collect())
            .await
    }
}

/// A co-organizer to add: another organizer of the account, or an external person.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoorganizerIn {
    /// For a colleague with a GoTo account in this organization: their organizer key.
    pub organizer_key: Option<String>,
    /// For an external person: their given name (with `email`).
    pub given_name: Option<String>,
    /// For an external person: their email (with `givenName`).
    pub email: Option<String>,
}

impl CoorganizerIn {
    fn to_wire(&self, prefix: &str) -> Result<NewCoorganizer, ComponentError> {
        match (&self.organizer_key, &self.given_name, &self.email) {
            (Some(organizer), None, None) => Ok(NewCoorganizer {
                external: false,
                organizer_key: Some(key(&format!("{prefix}organizerKey"), organizer, |t| {
                    OrganizerKey::new(t)
                })?),
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

/// Input of `createCoorganizers`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCoorganizersIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// Several co-organizers at once; or give `organizerKey`, or `givenName` and `email`, for one.
    pub coorganizers: Option<Vec<CoorganizerIn>>,
    /// One colleague's organizer key.
    pub organizer_key: Option<String>,
    /// One external person's given name.
    pub given_name: Option<String>,
    /// One external person's email.
    pub email: Option<String>,
}

impl CreateCoorganizersIn {
    fn to_wire(&self) -> Result<Vec<NewCoorganizer>, ComponentError> {
        let mut out = Vec::new();
        for (index, c) in self.coorganizers.iter().flatten().enumerate() {
            out.push(c.to_wire(&format!("coorganizers[{index}]."))?);
        }
        let single = CoorganizerIn {
            organizer_key: self.organizer_key.clone(),
            given_name: self.given_name.clone(),
            email: self.email.clone(),
        };
        if single.organizer_key.is_some() || single.given_name.is_some() || single.email.is_some() {
            out.push(single.to_wire("")?);
        }
        if out.is_empty() {
            return Err(ComponentError::input(
                "no co-organizer given: set `organizerKey` (a colleague), or `givenName` and `email` (an external person), or `coorganizers` as a list",
            ));
        }
        Ok(out)
    }
}

/// The co-organizers just added.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedCoorganizersOut {
    /// The webinar's key.
    pub webinar_key: String,
    /// Each co-organizer added, with their key and join link.
    pub coorganizers: Vec<CoorganizerOut>,
}

action! {
/// `createCoorganizers`.
    CreateCoorganizers("createCoorganizers", "Add co-organizers",
            "Adds colleagues (by organizer key) or external people (by name and email) as co-organizers of a future webinar", webinar_field())
    |call, input: CreateCoorganizersIn| -> CreatedCoorganizersOut {
        let webinar = input.webinar_key.clone();
        let body = input.to_wire()?;
        let (connection, organizer) = call.organizer().await?;
        let created = connection
            .client()
            .coorganizers(&organizer, &webinar)
            .create(&body)
            .await
            .doing(format!("adding co-organizers to webinar {webinar}"))?;
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
        call.emit(&CreatedCoorganizersOut { webinar_key: webinar.into_string(), coorganizers }).await
    }
}

/// Input naming one co-organizer.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoorganizerKeyIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// The co-organizer's key (from `listCoorganizers` or `createCoorganizers`).
    #[schemars(with = "String")]
    pub coorganizer_key: CoorganizerKey,
    /// Whether the co-organizer is external; looked up when left empty.
    pub external: Option<bool>,
}

impl CoorganizerKeyIn {
    /// The keys and the `external` flag, looked up in the webinar's co-organizers when not given.
    async fn resolve(
        &self,
        connection: &Connection,
    ) -> Result<(OrganizerKey, WebinarKey, CoorganizerKey, bool), ComponentError> {
        let (webinar, coorganizer) = (self.webinar_key.clone(), self.coorganizer_key.clone());
        let organizer = connection.organizer_key().await?;
        let external = match self.external {
            Some(external) => external,
            None => {
                let list = connection
                    .client()
                    .coorganizers(&organizer, &webinar)
                    .list()
                    .await
                    .doing(format!("looking up co-organizer {coorganizer} of webinar {webinar}"))?;
                let found = list.iter().find(|c| c.key() == Some(&coorganizer)).ok_or_else(|| {
                    ComponentError::named(
                        names::NOT_FOUND,
                        format!("webinar {webinar} has no co-organizer {coorganizer}: check `coorganizerKey` (listCoorganizers shows the keys)"),
                    )
                })?;
                found.external.unwrap_or(false)
            }
        };
        Ok((organizer, webinar, coorganizer, external))
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
    |call, input: CoorganizerKeyIn| -> DoneOut {
        let connection = call.connection().await?;
        let (organizer, webinar, coorganizer, external) = input.resolve(connection).await?;
        connection
            .client()
            .coorganizers(&organizer, &webinar)
            .delete(&coorganizer, external)
            .await
            .doing(format!("removing co-organizer {coorganizer} from webinar {webinar}"))?;
        call.emit(&DoneOut::item(webinar.into_string(), coorganizer.into_string())).await
    }
}

action! {
/// `resendCoorganizerInvitation`.
    ResendCoorganizerInvitation("resendCoorganizerInvitation", "Resend co-organizer invitation",
            "Emails a co-organizer their invitation and join link again", webinar_field(), external_field())
    |call, input: CoorganizerKeyIn| -> DoneOut {
        let connection = call.connection().await?;
        let (organizer, webinar, coorganizer, external) = input.resolve(connection).await?;
        connection
            .client()
            .coorganizers(&organizer, &webinar)
            .resend_invitation(&coorganizer, external)
            .await
            .doing(format!("resending the invitation of co-organizer {coorganizer} of webinar {webinar}"))?;
        call.emit(&DoneOut::item(webinar.into_string(), coorganizer.into_string())).await
    }
}
