//! Registrant actions: list, get, create (with duplicate handling), delete, registration fields.

use async_trait::async_trait;
use gotowebinar::keys::{AnswerKey, QuestionKey, RegistrantKey, WebinarKey};
use gotowebinar::models::{CreateRegistrant, QuestionResponse, Registrant, RegistrationFields};
use gotowebinar::pagination::Page;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::actions::list::{self, emit_behavior_field, Pages};
use crate::actions::people::WebinarListIn;
use crate::actions::registration_form;
use crate::actions::webinars::WebinarKeyIn;
use crate::call::Organizer;
use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::{webinar_field, Field};
use crate::input::webinar_key;
use crate::output::{CreatedRegistrantOut, DoneOut, RegistrantOut, RegistrationFieldsOut};
use crate::{action, keys_input, schema_types};

/// Input of `listRegistrants`.
pub type ListRegistrantsIn = WebinarListIn;

action! {
    /// `listRegistrants`.
    ListRegistrants(list "listRegistrants", "List registrants",
            "Lists everyone registered for a webinar, every page", webinar_field(), emit_behavior_field())
    |call, input: ListRegistrantsIn| -> RegistrantOut {
        let what = format!("the registrants of webinar {}", input.webinar_key);
        list::emit(call, &input.paging, &what, RegistrantPages(call.goto().await?, input.webinar_key)).await
    }
}

/// The registrants of a webinar, page by page.
#[derive(Clone)]
struct RegistrantPages(Organizer, WebinarKey);

#[async_trait]
impl Pages for RegistrantPages {
    type Item = Registrant;
    type Out = RegistrantOut;
    const OUT_KEYS_SORTED: bool = true;

    async fn page(&self, number: u32, size: u32) -> gotowebinar::Result<Page<Registrant>> {
        self.0.registrants(&self.1).list_page(number, size).await
    }

    fn out(&self, registrant: Registrant) -> RegistrantOut {
        RegistrantOut::new(registrant, &self.1)
    }
}

keys_input! {
    /// Input naming one registrant.
    RegistrantKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The registrant's key.
        registrant_key: RegistrantKey,
    }
}

action! {
    /// `getRegistrant`.
    GetRegistrant("getRegistrant", "Get registrant",
            "Reads one registrant of a webinar with every field they filled", webinar_field())
    emit |goto, input: RegistrantKeyIn| -> RegistrantOut {
        goto.registrants(&input.webinar_key).get(&input.registrant_key)
            => |found| RegistrantOut::new(found, &input.webinar_key);
        "reading registrant {} of webinar {}", input.registrant_key, input.webinar_key
    }
}

/// What to do when the email is already registered for the webinar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum OnDuplicate {
    /// Emit the existing registration with `alreadyRegistered: true` (default).
    #[default]
    ReturnExisting,
    /// Emit a `Conflict` error.
    Fail,
}

schema_types! {
    /// An answer to a custom registration question.
    #[derive(Deserialize)]
    ResponseIn {
        #[schemars(with = "String")]
        question_key: QuestionKey = "The question's key (from `getRegistrationFields`).",
        response_text: Option<String> = "The answer to a short-answer question.",
        #[schemars(with = "Option<String>")]
        answer_key: Option<AnswerKey> = "The chosen answer of a multiple-choice question.",
    }

    /// Input of `createRegistrant`. With a webinar chosen in the step, the input also takes a
    /// `question_<questionKey>` property per custom question (see `registration_form`).
    #[derive(Deserialize)]
    CreateRegistrantIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        first_name: String = "First name.",
        last_name: String = "Last name.",
        email: String = "Email address.",
        source: Option<String> = "Where the registrant came from (shown in GoTo's reports).",
        address: Option<String> = "Street address.",
        city: Option<String> = "City.",
        state: Option<String> = "State or region.",
        zip_code: Option<String> = "Postal code.",
        country: Option<String> = "Country.",
        phone: Option<String> = "Phone number.",
        organization: Option<String> = "Organization.",
        job_title: Option<String> = "Job title.",
        questions_and_comments: Option<String> = "Questions and comments.",
        industry: Option<String> = "Industry.",
        number_of_employees: Option<String> = "Number of employees.",
        purchasing_time_frame: Option<String> = "Purchasing time frame.",
        purchasing_role: Option<String> = "Purchasing role.",
        responses: Option<Vec<ResponseIn>> = "Answers to the webinar's custom questions.",
        resend_confirmation: Option<bool> = "Send GoTo's confirmation email again when the person is already registered.",
        on_duplicate: Option<OnDuplicate> = "`returnExisting` (default): emit the existing registration; `fail`: emit a Conflict error.",
    }
}

impl CreateRegistrantIn {
    fn to_wire(&self) -> Result<CreateRegistrant, ComponentError> {
        let body = person(&self.first_name, &self.last_name, &self.email, || {
            let mut responses = Vec::new();
            for (index, response) in self.responses.iter().flatten().enumerate() {
                if response.answer_key.is_none() && response.response_text.is_none() {
                    return Err(ComponentError::input(format!(
                        "`responses[{index}]` needs `responseText` (short answer) or `answerKey` (multiple choice)"
                    )));
                }
                responses.push(QuestionResponse {
                    question_key: response.question_key.clone(),
                    response_text: response.response_text.clone(),
                    answer_key: response.answer_key.clone(),
                });
            }
            Ok(responses)
        })?;
        Ok(CreateRegistrant {
            profile: gotowebinar::models::RegistrantProfile {
                source: self.source.clone(),
                address: self.address.clone(),
                city: self.city.clone(),
                state: self.state.clone(),
                zip_code: self.zip_code.clone(),
                country: self.country.clone(),
                phone: self.phone.clone(),
                organization: self.organization.clone(),
                job_title: self.job_title.clone(),
                questions_and_comments: self.questions_and_comments.clone(),
                industry: self.industry.clone(),
                number_of_employees: self.number_of_employees.clone(),
                purchasing_time_frame: self.purchasing_time_frame.clone(),
                purchasing_role: self.purchasing_role.clone(),
            },
            ..body
        })
    }
}

/// A registration of a person: names and email checked as GoTo would (the email first, then the
/// answers `responses` gives, then the names), nothing sent.
pub fn person(
    first_name: &str,
    last_name: &str,
    email: &str,
    responses: impl FnOnce() -> Result<Vec<QuestionResponse>, ComponentError>,
) -> Result<CreateRegistrant, ComponentError> {
    let required = |name: &str, value: &str| -> Result<String, ComponentError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(ComponentError::input(format!("`{name}` must not be empty")));
        }
        Ok(trimmed.to_string())
    };
    let email = required("email", email)?;
    if !plausible_email(&email) {
        return Err(ComponentError::input(format!(
            "`email` must be an email address such as ada@example.com, got {}",
            crate::input::quoted(&email)
        )));
    }
    let responses = responses()?;
    Ok(CreateRegistrant {
        first_name: required("firstName", first_name)?,
        last_name: required("lastName", last_name)?,
        email,
        responses,
        ..CreateRegistrant::default()
    })
}

/// Whether `email` looks like an address (GoTo checks it properly).
pub fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Registers a person, resolving duplicates and uncertain outcomes; shared with `addParticipant`.
pub async fn register(
    goto: &Organizer,
    webinar: &WebinarKey,
    body: &CreateRegistrant,
    resend: bool,
    on_duplicate: OnDuplicate,
) -> Result<CreatedRegistrantOut, ComponentError> {
    let registrants = goto.registrants(webinar);
    let doing = || format!("registering {} for webinar {webinar}", body.email);
    match registrants.create(body, resend).await {
        Ok(created) => Ok(CreatedRegistrantOut {
            registrant_key: created.registrant_key.into_string(),
            join_url: created.join_url,
            status: created.status,
            email: body.email.clone(),
            already_registered: false,
        }),
        Err(error) if error.status() == Some(409) => {
            if on_duplicate == OnDuplicate::Fail {
                return Err(ComponentError::named(
                    names::CONFLICT,
                    format!("{}: {} is already registered (onDuplicate is `fail`)", doing(), body.email),
                ));
            }
            match find(&registrants, &body.email).await? {
                Some(existing) => Ok(CreatedRegistrantOut::existing(existing, &body.email, true)),
                None => Err(ComponentError::Client { doing: doing(), error }),
            }
        }
        Err(error) if error.maybe_applied() => {
            // The registration may have been made: the email tells.
            match find(&registrants, &body.email).await {
                Ok(Some(existing)) => Ok(CreatedRegistrantOut::existing(existing, &body.email, false)),
                _ => Err(ComponentError::Client { doing: doing(), error }),
            }
        }
        Err(error) => Err(ComponentError::Client { doing: doing(), error }),
    }
}

async fn find(
    registrants: &gotowebinar::api::registrants::Registrants<'_>,
    email: &str,
) -> Result<Option<Registrant>, ComponentError> {
    registrants.find_by_email(email).await.doing(format!("looking up the registration of {email}"))
}

action! {
    /// `createRegistrant`.
    CreateRegistrantAction("createRegistrant", "Create registrant",
            "Registers a person for a webinar; someone already registered is returned, not duplicated",
            webinar_field(),
            Field::select(
                "onDuplicate",
                "When already registered",
                vec![("returnExisting", "Return the existing registration"), ("fail", "Emit an error")],
            )
            .prompt("Return the existing registration"),
            Field::checkbox("resendConfirmation", "Resend the confirmation email to people already registered"))
    dynamic_metadata |call| {
        let base = crate::schema::input_schema::<CreateRegistrantIn>();
        let out = crate::schema::output_schema::<CreatedRegistrantOut>();
        let Some(text) = crate::input::key_in(&call.cfg, "webinarKey") else {
            return Ok(Some(serde_json::json!({ "in": base, "out": out })));
        };
        let fields = form(&call.goto().await?, &webinar_key(&text)?).await?;
        Ok(Some(serde_json::json!({ "in": registration_form::input_schema(&base, &fields), "out": out })))
    }
    |call, input: CreateRegistrantIn| -> CreatedRegistrantOut {
        let mut input = input;
        let webinar = input.webinar_key.clone();
        let mut body = input.to_wire()?;
        let answers = registration_form::question_answers(&call.msg.body, &call.cfg)?;
        let goto = call.goto().await?;
        if !answers.is_empty() {
            let mapped = registration_form::responses(&answers, &form(&goto, &webinar).await?, &webinar)?;
            // Answers given as `question_<key>` win over the same question in `responses`.
            let mut responses = input.responses.take().unwrap_or_default();
            responses.retain(|r| !mapped.iter().any(|m| m.question_key == r.question_key));
            responses.extend(mapped);
            input.responses = Some(responses);
            body = input.to_wire()?;
        }
        let (resend, on_duplicate) = (input.resend_confirmation.unwrap_or(false), input.on_duplicate.unwrap_or_default());
        call.emit(&register(&goto, &webinar, &body, resend, on_duplicate).await?).await
    }
}

/// The registration form of `webinar`.
async fn form(goto: &Organizer, webinar: &WebinarKey) -> Result<RegistrationFields, ComponentError> {
    goto.registrants(webinar)
        .fields()
        .await
        .doing(format!("reading the registration form of webinar {webinar}"))
}

action! {
    /// `deleteRegistrant`.
    DeleteRegistrant("deleteRegistrant", "Delete registrant", "Removes a registrant from a future webinar", webinar_field())
    emit |goto, input: RegistrantKeyIn| -> DoneOut {
        goto.registrants(&input.webinar_key).delete(&input.registrant_key)
            => |()| DoneOut::item(input.webinar_key.to_string(), input.registrant_key.to_string());
        "deleting registrant {} of webinar {}", input.registrant_key, input.webinar_key
    }
}

action! {
    /// `getRegistrationFields`.
    GetRegistrationFields("getRegistrationFields", "Get registration fields",
            "Reads a webinar's registration form: standard fields and custom questions with their keys", webinar_field())
    emit |goto, input: WebinarKeyIn| -> RegistrationFieldsOut {
        goto.registrants(&input.webinar_key).fields() => |fields| RegistrationFieldsOut::new(fields, &input.webinar_key);
        "reading the registration fields of webinar {}", input.webinar_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_loosely() {
        assert!(plausible_email("ada@example.com"));
        assert!(plausible_email("Ada.Lovelace+webinar@mail.example.co.uk"));
        for bad in ["ada", "ada@", "@example.com", "ada@example", "ada @example.com", "ada@example."] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
