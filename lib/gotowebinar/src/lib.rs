//! A typed client for the GoToWebinar REST API (v2) with an OAuth 2.0 token manager that
//! refreshes access tokens before they expire, once per credential, and hands every refreshed
//! token to a [`token::CredentialStore`] so nothing is lost.
//!
//! The crate knows nothing of any integration platform: it can be used from any Rust program.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use gotowebinar::keys::OrganizerKey;
//! use gotowebinar::client::GoToWebinar;
//! use gotowebinar::{Origins, Secret, StaticToken};
//!
//! # async fn run() -> gotowebinar::Result<()> {
//! let tokens = Arc::new(StaticToken(Secret::new("an access token")));
//! let client = GoToWebinar::builder(Origins::default(), tokens).build()?;
//! // A resource handler: one organizer's webinars.
//! let webinars = client.webinars(&OrganizerKey::new("200000000000012345")?);
//! let (from, to) = (chrono::Utc::now(), chrono::Utc::now() + chrono::Duration::days(30));
//! let page = webinars.list_page(from..to, 0, 20).await?;
//! # let _ = page;
//! # Ok(())
//! # }
//! ```
//!
//! See the crate's README for a [`TokenManager`] that keeps an OAuth credential alive.

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod auth;
pub mod config;
pub mod error;
pub mod secret;
pub mod time;

// Token handling: stored keys, the token endpoint, the token manager.
pub mod clock;
pub mod oauth;
pub mod token;

// The API: keys, models, requests, pagination, retries.
pub mod client;
pub mod keys;
pub mod models;
pub mod pagination;
pub mod retry;
mod stages;

pub use auth::{AccessTokenSource, StaticToken};
pub use config::Origins;
pub use error::{ApiError, Error, ErrorKind, OAuthError, Result};
pub use secret::{AccessToken, ClientSecret, RefreshToken, Secret};
pub use time::rfc3339;
pub mod api;
pub mod rate_limit;
pub use oauth::{OAuthClient, OAuthKeys};
pub use token::{CredentialStore, MemoryStore, StoreError, TokenManager, TokenManagerConfig};
