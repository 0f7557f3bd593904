//! Runtime for Rust components on elastic.io-style integration platforms.
//!
//! A component registers its functions in a [`Component`]; a runtime mode calls them with a
//! [`Context`] whose [`Emitter`] turns emitted [`Event`]s into that mode's effects. The local
//! runner ([`run_local`]) prints events as JSON lines.

pub mod component;
pub mod context;
pub mod crypto;
pub mod event;
pub mod local;
pub mod logging;
pub mod message;

pub use component::{Component, Function, FunctionError, Input, Services};
pub use context::{Context, CredentialSource, EmitError, Emitter, StepInfo};
pub use crypto::{CryptoError, MessageCrypto};
pub use event::{ErrorInfo, Event, HttpReply};
pub use local::{run_local, run_local_with_io, run_local_with_output, ExecArgs, Method};
pub use logging::{init_json_stdout_logging, init_stderr_logging};
pub use message::{Message, MessageError};
