//! Registration forms: standard fields and custom questions.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::RegistrationFields;
use serde::Serialize;

use crate::schema_types;

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

impl RegistrationFieldsOut {
    /// The output for the registration form of `webinar`.
    pub(crate) fn new(fields: RegistrationFields, webinar: &WebinarKey) -> Self {
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
