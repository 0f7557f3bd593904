//! `addParticipant`: the original component's action, kept so existing flows keep working.
//! It registers like `createRegistrant` (an existing registration is returned, not duplicated).

use gotowebinar::keys::WebinarKey;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::action;
use crate::actions::common::webinar_field;
use crate::actions::output::CreatedRegistrantOut;
use crate::actions::registrants::{person, register, OnDuplicate};

/// Input of `addParticipant`, as the original component took it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantIn {
    /// The webinar's key (usually chosen in the step).
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
}

action! {
    /// `addParticipant` (deprecated).
    AddParticipant("addParticipant", "Add participant (deprecated)",
            "Registers a person for a webinar; kept for flows built with the original component", webinar_field())
    deprecated "Kept so flows built with the original component keep working. Use Create registrant in new flows: it takes every registration field and custom question."
    |call, input: AddParticipantIn| -> CreatedRegistrantOut {
        let body = person(&input.first_name, &input.last_name, &input.email, || Ok(Vec::new()))?;
        let goto = call.goto().await?;
        call.emit(&register(&goto, &input.webinar_key, &body, false, OnDuplicate::default()).await?).await
    }
}
