//! What only the actions emit: registrations just made, changes, new keys and registration
//! forms (what triggers emit too is in [`crate::output`]).

use crate::schema_types;
use serde::Serialize;

schema_types! {
    /// A registration that was just made (or found, when the person was already registered).
    #[derive(Serialize)]
    CreatedRegistrantOut {
        registrant_key: String = "The registrant's key.",
        join_url: Option<String> = "Their personal link to join.",
        status: Option<String> = "`APPROVED`, `DENIED` or `WAITING`, when GoTo says.",
        email: String = "The email address registered.",
        already_registered: bool = "True when the person was registered before this step ran.",
    }

    /// The key of a webinar just created.
    #[derive(Serialize)]
    WebinarKeyOut {
        webinar_key: String = "The new webinar's key.",
    }

    /// The outcome of a change or deletion.
    #[derive(Serialize)]
    DoneOut {
        success: bool = "True when GoTo accepted the change.",
        webinar_key: Option<String> = "The key of the webinar concerned.",
        key: Option<String> = "The key of the registrant, panelist or co-organizer concerned.",
    }
}

impl DoneOut {
    /// A change GoTo accepted for a webinar.
    pub fn webinar(webinar: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: None }
    }

    /// A change GoTo accepted for one registrant, panelist or co-organizer of a webinar.
    pub fn item(webinar: String, key: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: Some(key) }
    }
}

schema_types! {
    /// A standard registration field of a webinar.
    #[derive(Serialize)]
    RegistrationFieldOut {
        field: String = "The field's name, e.g. `organization`.",
        required: bool = "Whether registrants must fill it.",
        max_size: Option<u32> = "The longest accepted value.",
        answers: Option<Vec<String>> = "The accepted values of a multiple-choice field.",
    }

    /// One answer of a multiple-choice question.
    #[derive(Serialize)]
    AnswerOut {
        answer_key: String = "The answer's key (give it as `answerKey` in `responses`).",
        answer: Option<String> = "The answer's text.",
    }

    /// A custom registration question of a webinar.
    #[derive(Serialize)]
    QuestionOut {
        question_key: String = "The question's key (give it as `questionKey` in `responses`).",
        question: Option<String> = "The question's text.",
        required: bool = "Whether registrants must answer.",
        #[serde(rename = "type")]
        #[schemars(title = "Question type")]
        question_type: Option<String> = "`shortAnswer` or `multipleChoice`.",
        max_size: Option<u32> = "The longest accepted answer.",
        answers: Vec<AnswerOut> = "The choices of a multiple-choice question.",
    }

    /// The registration form of a webinar.
    #[derive(Serialize)]
    RegistrationFieldsOut {
        webinar_key: String = "The webinar's key.",
        fields: Vec<RegistrationFieldOut> = "The standard fields.",
        questions: Vec<QuestionOut> = "The custom questions.",
    }
}
