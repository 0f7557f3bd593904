//! `addParticipant`: the original component's action, kept so existing flows keep working.
//! It registers like `createRegistrant` (an existing registration is returned, not duplicated).

use async_trait::async_trait;
use gotowebinar::keys::WebinarKey;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::actions::common::webinar_field;
use crate::actions::output::CreatedRegistrantOut;
use crate::actions::registrants::{register, CreateRegistrantIn};
use crate::call::{Call, Handler};
use crate::errors::ComponentError;
use crate::function_spec::{FunctionSpec, Kind};

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

/// `addParticipant` (deprecated).
#[derive(Default)]
pub struct AddParticipant;

#[async_trait]
impl Handler for AddParticipant {
    type Input = AddParticipantIn;
    type Output = CreatedRegistrantOut;

    fn describe() -> FunctionSpec {
        let mut spec = FunctionSpec::new(
            "addParticipant",
            Kind::Action,
            "Add participant (deprecated)",
            "Registers a person for a webinar; kept for flows built with the original component",
        );
        spec.fields = vec![webinar_field()];
        spec.deprecated = Some(
            "Kept so flows built with the original component keep working. Use Create registrant in new flows: it takes every registration field and custom question.",
        );
        spec
    }

    async fn run(&self, call: &Call, input: AddParticipantIn) -> Result<(), ComponentError> {
        let webinar = input.webinar_key.clone();
        let registration = CreateRegistrantIn {
            webinar_key: input.webinar_key.to_string(),
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            ..CreateRegistrantIn::default()
        };
        registration.check()?;
        let connection = call.connection().await?;
        let created = register(connection, &webinar, &registration).await?;
        call.emit(&created).await
    }
}
