//! The component's actions.

pub mod attendees;
pub mod common;
pub mod coorganizers;
pub mod find_registrant;
pub mod legacy;
pub mod list;
pub mod panelists;
pub mod people;
pub mod raw;
pub mod recordings;
pub mod registrants;
pub mod registration_form;
pub mod sessions;
pub mod webinar_extras;
pub mod webinars;

use crate::registry::Registry;

/// Registers every action.
pub fn register(registry: &mut Registry) {
    registry.add::<webinars::ListWebinars>();
    registry.add::<webinars::GetWebinar>();
    registry.add::<webinars::CreateWebinarAction>();
    registry.add::<webinars::UpdateWebinarAction>();
    registry.add::<webinars::CancelWebinar>();
    registry.add::<registrants::ListRegistrants>();
    registry.add::<registrants::GetRegistrant>();
    registry.add::<registrants::CreateRegistrantAction>();
    registry.add::<registrants::DeleteRegistrant>();
    registry.add::<registrants::GetRegistrationFields>();
    registry.add::<webinar_extras::GetWebinarMeetingTimes>();
    registry.add::<webinar_extras::GetWebinarAudio>();
    registry.add::<webinar_extras::UpdateWebinarAudio>();
    registry.add::<webinar_extras::GetWebinarPerformance>();
    registry.add::<webinar_extras::ListInSessionWebinars>();
    registry.add::<webinar_extras::CopyWebinar>();
    registry.add::<webinar_extras::GetWebinarStartUrl>();
    registry.add::<find_registrant::FindRegistrantByEmail>();
    registry.add::<sessions::ListSessions>();
    registry.add::<sessions::GetSession>();
    registry.add::<sessions::GetSessionPerformance>();
    registry.add::<sessions::GetSessionPolls>();
    registry.add::<sessions::GetSessionQuestions>();
    registry.add::<sessions::GetSessionSurveys>();
    registry.add::<attendees::ListAttendees>();
    registry.add::<attendees::GetAttendee>();
    registry.add::<attendees::GetAttendeePolls>();
    registry.add::<attendees::GetAttendeeQuestions>();
    registry.add::<attendees::GetAttendeeSurveys>();
    registry.add::<panelists::ListPanelists>();
    registry.add::<panelists::CreatePanelists>();
    registry.add::<panelists::DeletePanelist>();
    registry.add::<panelists::ResendPanelistInvitation>();
    registry.add::<coorganizers::ListCoorganizers>();
    registry.add::<coorganizers::CreateCoorganizers>();
    registry.add::<coorganizers::DeleteCoorganizer>();
    registry.add::<coorganizers::ResendCoorganizerInvitation>();
    registry.add::<recordings::SearchRecordingAssets>();
    registry.add::<raw::RawRequest>();
    registry.add::<legacy::AddParticipant>();
}
