//! A typed client for the GoToWebinar REST API (v2) with an OAuth 2.0 token manager that
//! refreshes access tokens before they expire, once per credential, and hands every refreshed
//! token to a [`CredentialStore`] so nothing is lost.
//!
//! The crate knows nothing of any integration platform: it can be used from any Rust program.

pub mod config;
pub mod error;
pub mod secret;

pub use config::Origins;
pub use error::{ApiError, Error, ErrorKind, OAuthError, Result};
pub use secret::Secret;
