//! Webinar actions: list, get, create, update, cancel.

use chrono::{Duration, NaiveDate, Utc};
use futures::FutureExt;
use gotowebinar::models::{
    AttendeeFollowUpEmail, CreateWebinar, EmailSettings, EmailToggle, ExperienceType, RecurrencePattern,
    UpdateWebinar, WebinarTime, WebinarType,
};
use schemars::JsonSchema;
use serde::Deserialize;

use gotowebinar::keys::{AccountKey, OrganizerKey, WebinarKey};

use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::errors::{ComponentError, Doing};
use crate::function_spec::{webinar_field, Field};
use crate::input::Timestamp;
use crate::output::{DoneOut, WebinarKeyOut, WebinarOut};
use crate::{action, keys_input, schema_types};

/// Whose webinars to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// The connected organizer's webinars (default).
    #[default]
    Organizer,
    /// Every webinar of the GoTo account.
    Account,
}

schema_types! {
    /// Input of `listWebinars`.
    #[derive(Deserialize)]
    ListWebinarsIn {
        #[schemars(title = "From")]
        from_time: Option<Timestamp> = "Webinars starting at or after this time (ISO 8601; default: now).",
        #[schemars(title = "To")]
        to_time: Option<Timestamp> = "Webinars starting before this time (ISO 8601; default: one year after `fromTime`).",
        scope: Option<Scope> = "`organizer` (default): the connected organizer's webinars; `account`: the whole account's.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

action! {
    /// `listWebinars`.
    ListWebinars(list "listWebinars", "List webinars",
            "Lists the organizer's (or the account's) webinars in a time range, every page", emit_behavior_field(),
            Field::select(
                "scope",
                "Scope",
                vec![("organizer", "The connected organizer"), ("account", "The whole account")],
            )
            .prompt("The connected organizer"))
    |call, input: ListWebinarsIn| -> WebinarOut {
        let from = input.from_time.map_or_else(Utc::now, |t| t.0);
        let to = input.to_time.map_or(from + Duration::days(365), |t| t.0);
        if to <= from {
            return Err(ComponentError::input("`toTime` must be after `fromTime`"));
        }
        let connection = call.connection().await?;
        let (owner, what) = match input.scope.unwrap_or_default() {
            Scope::Organizer => (Owner::Organizer(connection.organizer_key().await?), "webinars"),
            Scope::Account => (Owner::Account(connection.account_key().await?), "the account's webinars"),
        };
        let pages = Paged {
            with: (connection.client().clone(), owner, from..to),
            read: |(client, owner, times), number, size| {
                async move {
                    match owner {
                        Owner::Organizer(key) => client.webinars(key).list_page(times.clone(), number, size).await,
                        Owner::Account(key) => {
                            client.account_webinars(key).list_page(times.clone(), number, size).await
                        }
                    }
                }
                .boxed()
            },
            out: |_, webinar| WebinarOut::from(webinar),
        };
        list::emit(call, &input.paging, what, pages).await
    }
}

/// Whose webinars a list reads.
#[derive(Clone)]
enum Owner {
    Organizer(OrganizerKey),
    Account(AccountKey),
}

keys_input! {
    /// Input naming one webinar.
    WebinarKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
    }
}

action! {
    /// `getWebinar`.
    GetWebinar("getWebinar", "Get webinar", "Reads one webinar by its key", webinar_field())
    emit |goto, input: WebinarKeyIn| -> WebinarOut {
        goto.webinars().get(&input.webinar_key) => WebinarOut::from;
        "reading webinar {}", input.webinar_key
    }
}

schema_types! {
    /// A session's start and end.
    #[derive(Deserialize)]
    TimeIn {
        start_time: Timestamp = "Start (ISO 8601).",
        end_time: Timestamp = "End (ISO 8601), after the start.",
    }
}

impl TimeIn {
    /// The wire time, checked to end after it starts (`index` names it in errors).
    pub fn to_wire(&self, index: usize) -> Result<WebinarTime, ComponentError> {
        if self.end_time <= self.start_time {
            return Err(ComponentError::input(format!(
                "`times[{index}].endTime` must be after its `startTime`"
            )));
        }
        Ok(WebinarTime::new(self.start_time.0, self.end_time.0))
    }
}

/// The wire times, each checked as [`TimeIn::to_wire`] does.
pub fn times_to_wire(times: &[TimeIn]) -> Result<Vec<WebinarTime>, ComponentError> {
    times.iter().enumerate().map(|(index, time)| time.to_wire(index)).collect()
}

schema_types! {
    /// The recurrence of a `sequence` webinar.
    #[derive(Deserialize)]
    RecurrenceIn {
        start: TimeIn = "The first occurrence.",
        pattern: RecurrencePattern = "`daily`, `weekly` or `monthly`.",
        end: String = "The last day of the sequence (YYYY-MM-DD).",
    }

    /// Which automatic emails GoTo sends.
    #[derive(Default, Deserialize)]
    EmailSettingsIn {
        confirmation_email: Option<bool> = "Send a confirmation when someone registers.",
        reminder_email: Option<bool> = "Send reminders before the webinar.",
        absentee_follow_up_email: Option<bool> = "Send a follow-up to those who did not attend.",
        attendee_follow_up_email: Option<bool> = "Send a follow-up to attendees.",
        include_certificate: Option<bool> = "Attach a certificate of attendance to the attendee follow-up.",
    }
}

impl EmailSettingsIn {
    fn to_wire(&self) -> EmailSettings {
        let toggle = |on: Option<bool>| on.map(|enabled| EmailToggle { enabled });
        EmailSettings {
            confirmation_email: toggle(self.confirmation_email),
            reminder_email: toggle(self.reminder_email),
            absentee_follow_up_email: toggle(self.absentee_follow_up_email),
            attendee_follow_up_email: self.attendee_follow_up_email.map(|enabled| AttendeeFollowUpEmail {
                enabled,
                include_certificate: self.include_certificate,
            }),
        }
    }
}

schema_types! {
    /// Input of `createWebinar`.
    #[derive(Deserialize)]
    CreateWebinarIn {
        subject: String = "The title (at most 128 characters).",
        description: Option<String> = "The description (at most 2048 characters).",
        times: Option<Vec<TimeIn>> = "The sessions (one for `single_session`, several for `series`); not used by `sequence`.",
        time_zone: Option<String> = "IANA time zone, e.g. `America/New_York` (default: the organizer's).",
        #[serde(rename = "type")]
        #[schemars(title = "Webinar type")]
        webinar_type: Option<WebinarType> = "`single_session` (default), `series` or `sequence`.",
        experience_type: Option<ExperienceType> = "`CLASSIC` (default), `BROADCAST` or `SIMULIVE`.",
        is_password_protected: Option<bool> = "Whether attendees need a password.",
        is_ondemand: Option<bool> = "Whether the webinar is on demand.",
        recording_asset_key: Option<String> = "The recording a `SIMULIVE` webinar plays.",
        recurrence: Option<RecurrenceIn> = "For `sequence`: when and how often it recurs.",
        email_settings: Option<EmailSettingsIn> = "Which automatic emails GoTo sends.",
    }
}

impl CreateWebinarIn {
    fn to_wire(&self) -> Result<CreateWebinar, ComponentError> {
        let subject = self.subject.trim();
        if subject.is_empty() {
            return Err(ComponentError::input("`subject` must not be empty"));
        }
        if subject.chars().count() > 128 {
            return Err(ComponentError::input("`subject` must be at most 128 characters"));
        }
        if self.description.as_deref().is_some_and(|d| d.chars().count() > 2048) {
            return Err(ComponentError::input("`description` must be at most 2048 characters"));
        }
        let webinar_type = self.webinar_type.unwrap_or(match self.recurrence {
            Some(_) => WebinarType::Sequence,
            None => WebinarType::SingleSession,
        });
        let times = times_to_wire(self.times.as_deref().unwrap_or_default())?;
        let mut body = CreateWebinar::new(subject, Vec::new());
        match webinar_type {
            WebinarType::SingleSession if times.len() != 1 => {
                return Err(ComponentError::input(format!(
                    "`times` must hold exactly one session for a single_session webinar, got {}",
                    times.len()
                )))
            }
            WebinarType::Series if times.is_empty() => {
                return Err(ComponentError::input("`times` must hold at least one session for a series"))
            }
            WebinarType::Sequence => {
                let Some(recurrence) = &self.recurrence else {
                    return Err(ComponentError::input(
                        "`recurrence` is required for a sequence: give `start`, `pattern` and `end`",
                    ));
                };
                let end = NaiveDate::parse_from_str(recurrence.end.trim(), "%Y-%m-%d").map_err(|_| {
                    ComponentError::input(format!(
                        "`recurrence.end` must be a date such as 2027-06-30, got {:?}",
                        recurrence.end
                    ))
                })?;
                let start = recurrence.start.to_wire(0)?;
                if end < start.start_time.date_naive() {
                    return Err(ComponentError::input(
                        "`recurrence.end` must not be before the first occurrence",
                    ));
                }
                body.recurrence_start = Some(start);
                body.recurrence_end = Some(end);
                body.recurrence_pattern = Some(recurrence.pattern);
            }
            _ => {}
        }
        if !matches!(webinar_type, WebinarType::Sequence) {
            body.times = times;
        }
        body.description = self.description.clone();
        body.time_zone = self.time_zone.clone();
        body.webinar_type = Some(webinar_type);
        body.experience_type = self.experience_type;
        body.is_password_protected = self.is_password_protected;
        body.is_ondemand = self.is_ondemand;
        body.recording_asset_key = match &self.recording_asset_key {
            Some(text) => Some(crate::input::key("recordingAssetKey", text, |t| {
                gotowebinar::keys::RecordingAssetKey::new(t)
            })?),
            None => None,
        };
        body.email_settings = self.email_settings.as_ref().map(EmailSettingsIn::to_wire);
        Ok(body)
    }
}

action! {
/// `createWebinar`.
    CreateWebinarAction("createWebinar", "Create webinar",
            "Creates a single-session, series or sequence webinar for the connected organizer")
    |call, input: CreateWebinarIn| -> WebinarKeyOut {
        let body = input.to_wire()?;
        let key = call.goto().await?.webinars().create(&body).await.doing_once("creating the webinar")?;
        call.emit(&WebinarKeyOut { webinar_key: key.into_string() }).await
    }
}

schema_types! {
    /// Input of `updateWebinar`.
    #[derive(Deserialize)]
    UpdateWebinarIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        subject: Option<String> = "A new title.",
        description: Option<String> = "A new description.",
        times: Option<Vec<TimeIn>> = "New session times (replace all times).",
        time_zone: Option<String> = "A new IANA time zone.",
        locale: Option<String> = "A new language for the registration pages, e.g. `en_US`.",
        is_password_protected: Option<bool> = "Whether attendees need a password.",
        email_settings: Option<EmailSettingsIn> = "Which automatic emails GoTo sends.",
        notify_participants: Option<bool> = "Email registrants about the change (default false).",
    }
}

action! {
/// `updateWebinar`.
    UpdateWebinarAction("updateWebinar", "Update webinar",
            "Changes a webinar's title, description, times, time zone, locale or email settings", webinar_field())
    |call, input: UpdateWebinarIn| -> DoneOut {
        let webinar = input.webinar_key;
        let body = UpdateWebinar {
            subject: input.subject.clone(),
            description: input.description.clone(),
            times: input.times.as_deref().map(times_to_wire).transpose()?,
            time_zone: input.time_zone.clone(),
            locale: input.locale.clone(),
            is_password_protected: input.is_password_protected,
            email_settings: input.email_settings.as_ref().map(EmailSettingsIn::to_wire),
        };
        if body == UpdateWebinar::default() {
            return Err(ComponentError::input(
                "nothing to change: give at least one of `subject`, `description`, `times`, `timeZone`, `locale`, `isPasswordProtected`, `emailSettings`",
            ));
        }
        let goto = call.goto().await?;
        let webinars = goto.webinars();
        let request = webinars.update(&webinar, &body, input.notify_participants.unwrap_or(false));
        call.emit_answer(request, format!("updating webinar {webinar}"), |()| DoneOut::webinar(webinar.to_string()))
            .await
    }
}

schema_types! {
    /// Input of `cancelWebinar`.
    #[derive(Deserialize)]
    CancelWebinarIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        send_cancellation_emails: Option<bool> = "Email registrants that the webinar is cancelled (default false).",
    }
}

action! {
    /// `cancelWebinar`.
    CancelWebinar(
        "cancelWebinar",
        "Cancel webinar",
        "Cancels a future webinar, optionally emailing its registrants",
        webinar_field(),
        Field::checkbox("sendCancellationEmails", "Email registrants"),
    )
    emit |goto, input: CancelWebinarIn| -> DoneOut {
        goto.webinars().cancel(&input.webinar_key, input.send_cancellation_emails.unwrap_or(false))
            => |()| DoneOut::webinar(input.webinar_key.to_string());
        "cancelling webinar {}", input.webinar_key
    }
}
