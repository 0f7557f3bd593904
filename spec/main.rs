//! The behaviour specs, one test binary: each module is one area, run through the `gotowebinar`
//! binary, the sandbox and (for `sail` and `interop`) the test RabbitMQ. One binary links the
//! whole stack once instead of once per area. Run one area with its module path, e.g.
//! `cargo test --test spec core_actions::` (`scripts/test --test spec sail::` for the broker ones).

mod auth;
mod cli;
#[path = "contract/main.rs"]
mod contract;
mod core_actions;
mod demo;
mod deploy;
mod docs;
mod interop;
mod keys;
mod manifest;
mod more_actions;
mod reliability;
mod sail;
mod security;
mod services;
mod signin;
mod support;
mod triggers;
mod webhooks;
