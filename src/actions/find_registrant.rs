//! `findRegistrantByEmail`: looks a registration up by email address, ignoring letter case.

use gotowebinar::keys::WebinarKey;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::{webinar_field, Field};
use crate::output::{FoundRegistrantOut, RegistrantOut};
use crate::{action, schema_types};

/// What to do when nobody with the email is registered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum IfAbsent {
    /// Emit nothing: the flow stops here for this message (default).
    #[default]
    EmitNothing,
    /// Emit `{"found": false, "email", "webinarKey"}` so the flow can branch on `found`.
    EmitNotFound,
    /// Emit a `NotFound` error.
    Fail,
}

schema_types! {
    /// Input of `findRegistrantByEmail`.
    #[derive(Deserialize)]
    FindRegistrantIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        email: String = "The email address to look for (letter case does not matter).",
        if_absent: Option<IfAbsent> = "When nobody is registered with the email: `emitNothing` (default), `emitNotFound`\n(emit `{found: false}`) or `fail` (a NotFound error).",
    }

}

action! {
/// `findRegistrantByEmail`.
    FindRegistrantByEmail("findRegistrantByEmail", "Find registrant by email",
            "Looks up a webinar's registration by email address (any letter case), reading every page of registrants", webinar_field(),
            Field::select(
                "ifAbsent",
                "When nobody is registered with the email",
                vec![
                    ("emitNothing", "Emit nothing"),
                    ("emitNotFound", "Emit {found: false}"),
                    ("fail", "Emit a NotFound error"),
                ],
            )
            .prompt("Emit nothing"))
    |call, input: FindRegistrantIn| -> FoundRegistrantOut {
        let webinar = input.webinar_key.clone();
        let email = input.email.trim();
        if email.is_empty() {
            return Err(ComponentError::input("`email` must not be empty"));
        }
        let found = call.goto().await?.registrants(&webinar).find_by_email(email).await;
        let found = found.doing(format!("looking up {email} among the registrants of webinar {webinar}"))?;
        match (found, input.if_absent.unwrap_or_default()) {
            (Some(registrant), _) => {
                call.emit(&FoundRegistrantOut {
                    found: true,
                    registrant: RegistrantOut::new(registrant, &webinar),
                })
                .await
            }
            (None, IfAbsent::EmitNothing) => Ok(()),
            (None, IfAbsent::EmitNotFound) => {
                call.emit_value(json!({ "found": false, "email": email, "webinarKey": webinar.to_string() }))
                    .await
            }
            (None, IfAbsent::Fail) => Err(ComponentError::named(
                names::NOT_FOUND,
                format!("nobody is registered for webinar {webinar} with the email {email}"),
            )),
        }
    }
}
