//! Runtime for Rust components on elastic.io-style integration platforms.
//!
//! A component registers its functions in a [`Component`]; a runtime mode calls them with a
//! [`Context`] whose [`Emitter`] turns emitted [`Event`]s into that mode's effects. The local
//! runner ([`run_local`]) prints events as JSON lines; [`run_sail`] runs a flow step over AMQP
//! with the platform's protocol; [`run_service`] answers one service call.
//!
//! On the platform the runtime behaves as the platform's Node.js runtime (2.7.x): bunyan log lines
//! with the step's context ([`logging`]), start-up failures published to the error queue,
//! lightweight messages whose bodies live in object storage ([`object_storage`]), paced
//! publishing and the same `ELASTICIO_*` settings ([`Settings`]).
//!
//! Incoming JSON (AMQP messages, the step configuration, service cfg, local files) is read with
//! [`parse_json_lossless`]: integers longer than 15 digits arrive as **strings** holding the exact
//! digits, so ids such as `24576065432313123456` are never rounded.

pub mod amqp;
pub mod component;
pub mod context;
pub mod crypto;
pub mod event;
pub mod json;
pub mod keyfile;
pub mod local;
pub mod logging;
pub mod message;
pub mod object_storage;
pub mod output;
pub mod platform_api;
pub mod sail;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod suggest;
mod update_keys;

pub use component::{Component, Function, FunctionError, Input, Services};
pub use context::{Context, CredentialSource, EmitError, Emitter, StepInfo};
pub use crypto::{CryptoError, MessageCrypto};
pub use event::{ErrorInfo, Event, HttpReply};
pub use json::parse_json_lossless;
pub use local::{run_local, run_local_with_io, run_local_with_output, ExecArgs, Method};
pub use logging::{
    init_platform_logging, init_stderr_logging, printable, register_secrets_in, PrintableStderr,
};
pub use message::{JsonMessage, Message, MessageError};
pub use object_storage::{ObjectStorage, OBJECT_ID_HEADER};
pub use platform_api::{AccountCredentials, ApiError, PlatformApi, StepData};
pub use sail::{
    run_sail, run_sail_from_env, run_sail_until, run_sail_with_env, sail_runtime, shutdown_signal, SailError,
};
pub use service::{run_service, run_service_with, ServiceEnv};
pub use settings::{AmqpSettings, InputFormat, Settings, SettingsError};
pub use shutdown::Signal;

/// The README's example, run as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
