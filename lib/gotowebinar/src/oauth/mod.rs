//! OAuth 2.0 with GoTo's authentication service: the stored token response ([`OAuthKeys`], in
//! `credential`), the token endpoint client ([`OAuthClient`], in `endpoint`), and what any
//! program's token requests through the `oauth2` crate share: the HTTP client ([`TokenHttp`], in
//! `http`) and the answers it reads ([`TokenAnswer`], [`TokenErrorAnswer`], in `response`).
//!
//! <https://developer.goto.com/guides/Authentication/03_HOW_accessToken/>

mod credential;
mod endpoint;
mod http;
mod response;

pub use credential::*;
pub use endpoint::*;
pub use http::*;
pub use response::*;
