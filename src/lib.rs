//! The GoToWebinar component: actions, triggers, credential check and select models.

pub mod metadata;
pub mod input;
pub mod manifest;
pub mod spec;
