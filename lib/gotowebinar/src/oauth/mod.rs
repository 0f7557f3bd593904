//! OAuth 2.0 with GoTo's authentication service: the stored token response ([`OAuthKeys`], in
//! `credential`) and the token endpoint client ([`OAuthClient`], in `endpoint`).
//!
//! <https://developer.goto.com/guides/Authentication/03_HOW_accessToken/>

mod credential;
mod endpoint;

pub use credential::*;
pub use endpoint::*;
