//! A simulated GoToWebinar service (REST API v2 + OAuth 2.0 + identity) for local flows and tests.
//!
//! One axum server on loopback serves the API origin and the authentication origin. It keeps its
//! data in memory (optionally in a state file), reproduces GoTo's quirks (403 `InvalidToken`, keys as
//! JSON numbers above `u64::MAX`, two pagination shapes, 429 without headers, …) and offers knobs to
//! expire tokens, inject faults, rate-limit, shift the clock and add data, both as Rust methods on
//! [`Sandbox`] and over HTTP under `/_sandbox/…`. See the crate README for the seed format and knobs.

mod admin;
mod api;
mod app;
mod cfgfile;
mod cli;
mod config;
mod control;
mod errors;
mod gate;
mod json;
mod knobs;
mod model;
mod oauth;
mod seed;
mod server;
mod signin;
mod test_events;

pub use admin::ADMIN_TOKEN_HEADER;
pub use api::webhook_signature;
pub use app::{RequestRecord, WebhookDelivery};
pub use cli::{serve_cli, SandboxArgs};
pub use config::{FaultConfig, SandboxConfig, SandboxError, DEFAULT_CLIENT_ID, DEFAULT_WEBHOOK_SECRET};
pub use seed::{
    SeedAccount, SeedAskedQuestion, SeedAttendee, SeedData, SeedOrganizer, SeedPanelist, SeedPoll,
    SeedPollChoice, SeedQuestion, SeedRecordingAsset, SeedRegistrant, SeedResponse, SeedSession, SeedTime,
    SeedTimes, SeedWebinar,
};
pub use server::Sandbox;
pub use test_events::{ReceivedRequest, RECEIVER_PREFIX};
