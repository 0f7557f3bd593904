//! Registrant actions: list, get, create (with duplicate handling), delete, registration fields.

use async_trait::async_trait;
use gotowebinar::keys::{AnswerKey, QuestionKey, RegistrantKey, WebinarKey};
use gotowebinar::models::{CreateRegistrant, QuestionResponse, Registrant, RegistrationFields};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::action;
use crate::actions::common::{key, webinar_field, webinar_key};
use crate::actions::list::{emit_behavior_field, emit_list, Paging};
use crate::actions::output::{
    AnswerOut, CreatedRegistrantOut, DoneOut, PersonOut, QuestionOut, RegistrantOut, RegistrationFieldOut,
    RegistrationFieldsOut,
};
use crate::actions::registration_form;
use crate::actions::webinars::WebinarKeyIn;
use crate::call::{Call, Handler};
use crate::connection::Connection;
use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::{Field, FunctionSpec, Kind};

/// Fields the output names itself; everything else GoTo sends goes along as it came.
const NAMED_FIELDS: [&str; 9] = [
    "registrantKey",
    "webinarKey",
    "firstName",
    "lastName",
    "email",
    "status",
    "registrationDate",
    "joinUrl",
    "timeZone",
];

impl RegistrantOut {
    /// The output for a registrant of `webinar`.
    pub fn new(mut registrant: Registrant, webinar: &WebinarKey) -> Self {
        // The named fields are taken out first so they are not copied into `details` only to be
        // removed again (this runs once per registrant of a list).
        let first_name = registrant.first_name.take();
        let last_name = registrant.last_name.take();
        let email = registrant.email.take();
        let status = registrant.status.take();
        let registration_date = registrant.registration_date.take();
        let join_url = registrant.join_url.take();
        let time_zone = registrant.time_zone.take();
        let mut details = match serde_json::to_value(&registrant) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        for name in NAMED_FIELDS {
            details.remove(name);
        }
        details.retain(|_, value| !value.is_null());
        RegistrantOut {
            registrant_key: registrant.registrant_key.into_string(),
            webinar_key: Some(webinar.to_string()),
            person: PersonOut { first_name, last_name, email },
            status,
            registration_date: registration_date.map(gotowebinar::rfc3339),
            join_url,
            time_zone,
            details,
        }
    }
}

/// Input of `listRegistrants`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRegistrantsIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub paging: Paging,
}

action! {
/// `listRegistrants`.
    ListRegistrants(list "listRegistrants", "List registrants",
            "Lists everyone registered for a webinar, every page", webinar_field(), emit_behavior_field())
    |call, input: ListRegistrantsIn| -> RegistrantOut {
        let webinar = input.webinar_key.clone();
        let (connection, organizer) = call.organizer().await?;
        let client = connection.client().clone();
        let (c1, o1, w1) = (client.clone(), organizer.clone(), webinar.clone());
        let (c2, o2, w2) = (client, organizer, webinar.clone());
        emit_list(
            call,
            &input.paging,
            &format!("the registrants of webinar {webinar}"),
            move |size| c1.registrants(&o1, &w1).list(size),
            |page, size| async move { c2.registrants(&o2, &w2).list_page(page, size).await },
            |registrant| RegistrantOut::new(registrant, &webinar),
        )
        .await
    }
}

/// Input naming one registrant.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrantKeyIn {
    /// The webinar's key.
    #[schemars(with = "String")]
    pub webinar_key: WebinarKey,
    /// The registrant's key.
    #[schemars(with = "String")]
    pub registrant_key: RegistrantKey,
}

action! {
/// `getRegistrant`.
    GetRegistrant("getRegistrant", "Get registrant",
            "Reads one registrant of a webinar with every field they filled", webinar_field())
    |call, input: RegistrantKeyIn| -> RegistrantOut {
        let webinar = input.webinar_key.clone();
        let registrant = input.registrant_key.clone();
        let (connection, organizer) = call.organizer().await?;
        let found = connection
            .client()
            .registrants(&organizer, &webinar)
            .get(&registrant)
            .await
            .doing(format!("reading registrant {registrant} of webinar {webinar}"))?;
        call.emit(&RegistrantOut::new(found, &webinar)).await
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

/// An answer to a custom registration question.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseIn {
    /// The question's key (from `getRegistrationFields`).
    pub question_key: String,
    /// The answer to a short-answer question.
    pub response_text: Option<String>,
    /// The chosen answer of a multiple-choice question.
    pub answer_key: Option<String>,
}

/// Input of `createRegistrant`. With a webinar chosen in the step, the input also takes a
/// `question_<questionKey>` property per custom question (see `registration_form`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRegistrantIn {
    /// The webinar's key.
    pub webinar_key: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Where the registrant came from (shown in GoTo's reports).
    pub source: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Questions and comments.
    pub questions_and_comments: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Number of employees.
    pub number_of_employees: Option<String>,
    /// Purchasing time frame.
    pub purchasing_time_frame: Option<String>,
    /// Purchasing role.
    pub purchasing_role: Option<String>,
    /// Answers to the webinar's custom questions.
    pub responses: Option<Vec<ResponseIn>>,
    /// Send GoTo's confirmation email again when the person is already registered.
    pub resend_confirmation: Option<bool>,
    /// `returnExisting` (default): emit the existing registration; `fail`: emit a Conflict error.
    pub on_duplicate: Option<OnDuplicate>,
}

impl CreateRegistrantIn {
    /// Checks the input as GoTo would, without sending anything.
    pub fn check(&self) -> Result<(), ComponentError> {
        self.to_wire().map(|_| ())
    }

    fn to_wire(&self) -> Result<CreateRegistrant, ComponentError> {
        let required = |name: &str, value: &str| -> Result<String, ComponentError> {
            let trimmed = value.trim();
            if trimmed.is_empty() {
                return Err(ComponentError::input(format!("`{name}` must not be empty")));
            }
            Ok(trimmed.to_string())
        };
        let email = required("email", &self.email)?;
        if !plausible_email(&email) {
            return Err(ComponentError::input(format!(
                "`email` must be an email address such as ada@example.com, got {}",
                crate::input::quoted(&email)
            )));
        }
        let mut responses = Vec::new();
        for (index, response) in self.responses.iter().flatten().enumerate() {
            let question_key =
                key(&format!("responses[{index}].questionKey"), &response.question_key, |t| {
                    QuestionKey::new(t)
                })?;
            let answer_key = match &response.answer_key {
                Some(text) => {
                    Some(key(&format!("responses[{index}].answerKey"), text, |t| AnswerKey::new(t))?)
                }
                None => None,
            };
            if answer_key.is_none() && response.response_text.is_none() {
                return Err(ComponentError::input(format!(
                    "`responses[{index}]` needs `responseText` (short answer) or `answerKey` (multiple choice)"
                )));
            }
            responses.push(QuestionResponse {
                question_key,
                response_text: response.response_text.clone(),
                answer_key,
            });
        }
        Ok(CreateRegistrant {
            first_name: required("firstName", &self.first_name)?,
            last_name: required("lastName", &self.last_name)?,
            email,
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
            responses,
        })
    }
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
    connection: &Connection,
    webinar: &WebinarKey,
    input: &CreateRegistrantIn,
) -> Result<CreatedRegistrantOut, ComponentError> {
    let body = input.to_wire()?;
    let organizer = connection.organizer_key().await?;
    let registrants = connection.client().registrants(&organizer, webinar);
    let doing = || format!("registering {} for webinar {webinar}", body.email);
    let resend = input.resend_confirmation.unwrap_or(false);
    match registrants.create(&body, resend).await {
        Ok(created) => Ok(CreatedRegistrantOut {
            registrant_key: created.registrant_key.into_string(),
            join_url: created.join_url,
            status: created.status,
            email: body.email.clone(),
            already_registered: false,
        }),
        Err(error) if error.status() == Some(409) => {
            if input.on_duplicate.unwrap_or_default() == OnDuplicate::Fail {
                return Err(ComponentError::named(
                    names::CONFLICT,
                    format!("{}: {} is already registered (onDuplicate is `fail`)", doing(), body.email),
                ));
            }
            match find(&registrants, &body.email).await? {
                Some(existing) => Ok(existing_out(existing, &body.email, true)),
                None => Err(ComponentError::Client { doing: doing(), error }),
            }
        }
        Err(error) if error.maybe_applied() => {
            // The registration may have been made: the email tells.
            match find(&registrants, &body.email).await {
                Ok(Some(existing)) => Ok(existing_out(existing, &body.email, false)),
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

fn existing_out(registrant: Registrant, email: &str, already_registered: bool) -> CreatedRegistrantOut {
    CreatedRegistrantOut {
        registrant_key: registrant.registrant_key.into_string(),
        join_url: registrant.join_url,
        status: registrant.status,
        email: registrant.email.unwrap_or_else(|| email.to_string()),
        already_registered,
    }
}

/// `createRegistrant`.
#[derive(Default)]
pub struct CreateRegistrantAction;

#[async_trait]
impl Handler for CreateRegistrantAction {
    type Input = CreateRegistrantIn;
    type Output = CreatedRegistrantOut;

    fn describe() -> FunctionSpec {
        let mut spec = FunctionSpec::new(
            "createRegistrant",
            Kind::Action,
            "Create registrant",
            "Registers a person for a webinar; someone already registered is returned, not duplicated",
        );
        spec.fields = vec![
            webinar_field(),
            Field::select(
                "onDuplicate",
                "When already registered",
                vec![("returnExisting", "Return the existing registration"), ("fail", "Emit an error")],
            )
            .prompt("Return the existing registration"),
            Field::checkbox(
                "resendConfirmation",
                "Resend the confirmation email to people already registered",
            ),
        ];
        spec.dynamic_metadata = true;
        spec
    }

    async fn meta_model(&self, call: &Call) -> Result<Option<Value>, ComponentError> {
        let base = crate::metadata::input_schema::<CreateRegistrantIn>();
        let out = crate::metadata::output_schema::<CreatedRegistrantOut>();
        let Some(text) = crate::actions::common::key_in(&call.cfg, "webinarKey") else {
            return Ok(Some(serde_json::json!({ "in": base, "out": out })));
        };
        let webinar = webinar_key(&text)?;
        let connection = call.connection().await?;
        let fields = form(connection, &webinar).await?;
        Ok(Some(serde_json::json!({ "in": registration_form::input_schema(&base, &fields), "out": out })))
    }

    async fn run(&self, call: &Call, mut input: CreateRegistrantIn) -> Result<(), ComponentError> {
        let webinar = webinar_key(&input.webinar_key)?;
        input.to_wire()?;
        let answers = registration_form::question_answers(&call.msg.body, &call.cfg)?;
        let connection = call.connection().await?;
        if !answers.is_empty() {
            let fields = form(connection, &webinar).await?;
            let mapped = registration_form::responses(&answers, &fields, &webinar)?;
            // Answers given as `question_<key>` win over the same question in `responses`.
            let mut responses = input.responses.take().unwrap_or_default();
            responses.retain(|r| !mapped.iter().any(|m| m.question_key == r.question_key.trim()));
            responses.extend(mapped);
            input.responses = Some(responses);
            input.to_wire()?;
        }
        let created = register(connection, &webinar, &input).await?;
        call.emit(&created).await
    }
}

/// The registration form of `webinar`.
async fn form(connection: &Connection, webinar: &WebinarKey) -> Result<RegistrationFields, ComponentError> {
    let organizer = connection.organizer_key().await?;
    connection
        .client()
        .registrants(&organizer, webinar)
        .fields()
        .await
        .doing(format!("reading the registration form of webinar {webinar}"))
}

action! {
/// `deleteRegistrant`.
    DeleteRegistrant("deleteRegistrant", "Delete registrant",
            "Removes a registrant from a future webinar", webinar_field())
    |call, input: RegistrantKeyIn| -> DoneOut {
        let webinar = input.webinar_key.clone();
        let registrant = input.registrant_key.clone();
        let (connection, organizer) = call.organizer().await?;
        connection
            .client()
            .registrants(&organizer, &webinar)
            .delete(&registrant)
            .await
            .doing(format!("deleting registrant {registrant} of webinar {webinar}"))?;
        call.emit(&DoneOut::item(webinar.into_string(), registrant.into_string())).await
    }
}

impl RegistrationFieldsOut {
    fn new(fields: RegistrationFields, webinar: &WebinarKey) -> Self {
        RegistrationFieldsOut {
            webinar_key: webinar.to_string(),
            fields: fields
                .fields
                .into_iter()
                .map(|f| RegistrationFieldOut {
                    field: f.field,
                    required: f.required.unwrap_or(false),
                    max_size: f.max_size,
                    answers: f.answers,
                })
                .collect(),
            questions: fields
                .questions
                .into_iter()
                .map(|q| QuestionOut {
                    question_key: q.question_key.into_string(),
                    question: q.question,
                    required: q.required.unwrap_or(false),
                    question_type: q.question_type,
                    max_size: q.max_size,
                    answers: q
                        .answers
                        .into_iter()
                        .map(|a| AnswerOut { answer_key: a.answer_key.into_string(), answer: a.answer })
                        .collect(),
                })
                .collect(),
        }
    }
}

action! {
/// `getRegistrationFields`.
    GetRegistrationFields("getRegistrationFields", "Get registration fields",
            "Reads a webinar's registration form: standard fields and custom questions with their keys", webinar_field())
    |call, input: WebinarKeyIn| -> RegistrationFieldsOut {
        let webinar = input.webinar_key.clone();
        let (connection, organizer) = call.organizer().await?;
        let fields = connection
            .client()
            .registrants(&organizer, &webinar)
            .fields()
            .await
            .doing(format!("reading the registration fields of webinar {webinar}"))?;
        call.emit(&RegistrationFieldsOut::new(fields, &webinar)).await
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
