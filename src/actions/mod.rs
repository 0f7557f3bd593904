//! The component's actions.

pub mod common;
pub mod list;
pub mod output;
pub mod registrants;
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
}
