//! `addParticipant`: the original component's action, kept so existing flows keep working.
//! It registers like `createRegistrant` (an existing registration is returned, not duplicated).

use gotowebinar::keys::WebinarKey;
use serde::Deserialize;

use crate::actions::registrants::{person, register, OnDuplicate};
use crate::function_spec::webinar_field;
use crate::output::CreatedRegistrantOut;
use crate::{action, schema_types};

schema_types! {
    /// Input of `addParticipant`, as the original component took it.
    #[derive(Deserialize)]
    AddParticipantIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key (usually chosen in the step).",
        first_name: String = "First name.",
        last_name: String = "Last name.",
        email: String = "Email address.",
    }
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
