//! The GoToWebinar component: actions, triggers, credential check and select models.

pub mod actions;
pub mod auth;
pub mod call;
pub mod component;
pub mod connection;
pub mod demo;
pub mod errors;
pub mod function_spec;
pub mod input;
pub mod manifest;
pub mod output;
pub mod progress;
pub mod registry;
pub mod schema;
pub mod triggers;

pub use component::{component, manifest_text, specs};
