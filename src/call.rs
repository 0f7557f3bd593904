//! The glue between the platform runtime and the component's functions: one [`Call`] per message,
//! input parsing, lazy connection, emitting, and turning failures into errors or rebounds.

use std::marker::PhantomData;

use async_trait::async_trait;
use gotowebinar::api::{Attendees, Coorganizers, Panelists, Registrants, Sessions, Webinars};
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{OrganizerKey, WebinarKey};
use sailor::{Context, Function, FunctionError, Input, Message};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OnceCell;
use tracing::warn;

use crate::connection::Connection;
use crate::errors::{names, ComponentError, CredentialAdvice, Doing, Failure};
use crate::function_spec::{FunctionSpec, Kind};
use crate::input::parse_input;
use crate::schema;

/// One invocation of a function.
pub struct Call {
    /// The platform context of this invocation.
    pub ctx: Context,
    /// The step configuration (credential + step fields).
    pub cfg: Value,
    /// The incoming message.
    pub msg: Message,
    /// The step's snapshot (polling triggers).
    pub snapshot: Value,
    connection: OnceCell<Connection>,
}

impl Call {
    /// A call for one incoming message.
    pub fn new(ctx: Context, input: Input) -> Self {
        Self { ctx, cfg: input.cfg, msg: input.msg, snapshot: input.snapshot, connection: OnceCell::new() }
    }

    /// The GoToWebinar connection for the step's credential, made on first use so that input
    /// errors are reported before credential problems.
    pub async fn connection(&self) -> Result<&Connection, ComponentError> {
        self.connection.get_or_try_init(|| async { Connection::for_cfg(&self.ctx, &self.cfg) }).await
    }

    /// The connection and the organizer whose webinars it works on (see
    /// [`Connection::organizer_key`]).
    pub async fn organizer(&self) -> Result<(&Connection, OrganizerKey), ComponentError> {
        let connection = self.connection().await?;
        Ok((connection, connection.organizer_key().await?))
    }

    /// The client scoped to the organizer whose webinars the step works on.
    pub async fn goto(&self) -> Result<Organizer, ComponentError> {
        let (connection, key) = self.organizer().await?;
        Ok(Organizer { client: connection.client().clone(), key })
    }

    /// Emits the answer of a GoTo request, converted: the one path of every keyed read or write.
    /// `doing` says what the request does, for its error.
    pub async fn emit_answer<T, O: Serialize>(
        &self,
        request: impl std::future::Future<Output = gotowebinar::Result<T>>,
        doing: impl Into<String>,
        convert: impl FnOnce(T) -> O,
    ) -> Result<(), ComponentError> {
        let answer = request.await.doing(doing)?;
        self.emit(&convert(answer)).await
    }

    /// The advice of the credential this call connected with, if it made a connection.
    pub fn credential(&self) -> Option<&CredentialAdvice> {
        self.connection.get().map(Connection::advice)
    }

    /// Lets a token refresh started during this call finish and its keys be saved (see
    /// [`Connection::wait_until_keys_saved`]); a no-op when the call made no connection.
    pub async fn wait_until_keys_saved(&self) {
        if let Some(connection) = self.connection.get() {
            connection.wait_until_keys_saved().await;
        }
    }

    /// Emits one data message with `body`.
    pub async fn emit<T: Serialize + ?Sized>(&self, body: &T) -> Result<(), ComponentError> {
        let value = serde_json::to_value(body).map_err(|error| {
            ComponentError::named(names::API, format!("could not encode the output: {error}"))
        })?;
        self.emit_value(value).await
    }

    /// Emits one data message whose body is `body` written straight to JSON text, without a
    /// `Value` first. Its object keys come out in the order its `Serialize` writes them.
    pub async fn emit_serialized<T: Serialize + ?Sized>(&self, body: &T) -> Result<(), ComponentError> {
        let msg = sailor::JsonMessage::new(body).map_err(|error| {
            ComponentError::named(names::API, format!("could not encode the output: {error}"))
        })?;
        self.ctx.emit(sailor::Event::DataJson(msg)).await.map_err(emit_failed)
    }

    /// Emits one data message whose body is `value`.
    pub async fn emit_value(&self, value: Value) -> Result<(), ComponentError> {
        self.ctx.data(value).await.map_err(emit_failed)
    }

    /// Emits the new snapshot.
    pub async fn emit_snapshot(&self, snapshot: Value) -> Result<(), ComponentError> {
        self.ctx.snapshot(snapshot).await.map_err(emit_failed)
    }
}

/// The GoToWebinar client scoped to one organizer: hands out the organizer's resources. Cheap
/// to clone, and owned, so a list can keep it while it reads page after page.
#[derive(Clone)]
pub struct Organizer {
    /// The whole client, for calls outside the organizer.
    pub client: GoToWebinar,
    /// The organizer's key.
    pub key: OrganizerKey,
}

impl Organizer {
    /// The organizer's webinars.
    pub fn webinars(&self) -> Webinars<'_> {
        self.client.webinars(&self.key)
    }

    /// The organizer's sessions.
    pub fn sessions(&self) -> Sessions<'_> {
        self.client.sessions(&self.key)
    }

    /// The attendees of one webinar.
    pub fn attendees(&self, webinar: &WebinarKey) -> Attendees<'_> {
        self.client.attendees(&self.key, webinar)
    }

    /// The registrants of one webinar.
    pub fn registrants(&self, webinar: &WebinarKey) -> Registrants<'_> {
        self.client.registrants(&self.key, webinar)
    }

    /// The panelists of one webinar.
    pub fn panelists(&self, webinar: &WebinarKey) -> Panelists<'_> {
        self.client.panelists(&self.key, webinar)
    }

    /// The co-organizers of one webinar.
    pub fn coorganizers(&self, webinar: &WebinarKey) -> Coorganizers<'_> {
        self.client.coorganizers(&self.key, webinar)
    }
}

/// An emit that the runtime could not deliver.
pub fn emit_failed(error: sailor::EmitError) -> ComponentError {
    ComponentError::named(names::API, format!("could not emit the result: {error}"))
}

/// An action or trigger of this component: typed input, typed output, and the work.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The input read from the message body (with step fields as fallback).
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// The body of each emitted message (for the manifest's output schema).
    type Output: JsonSchema;

    /// Name, title, description and step fields; the schemas are filled from the types.
    fn describe() -> FunctionSpec;

    /// The dynamic metadata (`{in, out}`, what `getMetaModel` answers) for this step
    /// configuration, as far as it follows without calling GoTo; `None` for the schemas of
    /// [`describe`].
    fn dynamic_metadata(_cfg: &Value) -> Option<Value> {
        None
    }

    /// The dynamic metadata for this step configuration when building it needs GoTo (for example
    /// a webinar's registration questions); by default [`Handler::dynamic_metadata`].
    async fn dynamic_metadata_from_goto(&self, call: &Call) -> Result<Option<Value>, ComponentError> {
        Ok(Self::dynamic_metadata(&call.cfg))
    }

    /// Does the work, emitting through `call`.
    async fn run(&self, call: &Call, input: Self::Input) -> Result<(), ComponentError>;

    /// Answers `startup` for webhook triggers.
    async fn startup(&self, _call: &Call) -> Result<Value, ComponentError> {
        Ok(Value::Null)
    }

    /// Answers `shutdown` for webhook triggers.
    async fn shutdown(&self, _call: &Call, _data: Value) -> Result<(), ComponentError> {
        Ok(())
    }
}

/// The full description of a handler, schemas included.
pub fn describe<H: Handler>() -> FunctionSpec {
    let mut spec = H::describe();
    spec.input = schema::input_schema::<H::Input>();
    spec.output = schema::output_schema::<H::Output>();
    if spec.kind != Kind::Action && spec.input["properties"].as_object().is_some_and(|p| p.is_empty()) {
        spec.input = serde_json::json!({"type": "object", "properties": {}});
    }
    spec
}

/// The names of the step fields `H` declares: the only configuration fields that fill an input
/// the message does not carry (see [`crate::input`]).
pub fn step_fields<H: Handler>() -> Vec<&'static str> {
    H::describe().fields.iter().map(|field| field.name).collect()
}

/// Adapts a [`Handler`] to the runtime's [`Function`].
pub struct Adapter<H>(pub H, PhantomData<fn() -> H>);

impl<H: Handler> Adapter<H> {
    /// Wraps a handler.
    pub fn new(handler: H) -> Self {
        Self(handler, PhantomData)
    }
}

/// Turns a component failure into the runtime's answer: an error, or a rebound (then success).
/// `credential` is the advice of the connection the call made, if any.
pub async fn finish(
    ctx: &Context,
    result: Result<(), ComponentError>,
    credential: Option<&CredentialAdvice>,
) -> Result<(), FunctionError> {
    match result {
        Ok(()) => Ok(()),
        Err(error) => match error.decide(credential) {
            Failure::Error(error) => Err(error),
            Failure::Rebound(reason) => match ctx.rebound(reason.clone()).await {
                Ok(()) => Ok(()),
                Err(emit_error) => {
                    warn!(error = %emit_error, "could not ask for a rebound; reporting an error instead");
                    Err(FunctionError::new(names::RATE_LIMITED, reason))
                }
            },
        },
    }
}

/// Answers `getMetaModel` for one function: its dynamic metadata.
#[async_trait]
pub trait DynamicMetadata: Send + Sync {
    /// The dynamic metadata (`{in, out}`) for `cfg`, or `None` when the schemas of the
    /// function's description apply.
    async fn dynamic_metadata(&self, ctx: Context, cfg: Value) -> Result<Option<Value>, FunctionError>;
}

#[async_trait]
impl<H: Handler> DynamicMetadata for Adapter<H> {
    async fn dynamic_metadata(&self, ctx: Context, cfg: Value) -> Result<Option<Value>, FunctionError> {
        let call = Call::new(
            ctx,
            Input { msg: Message::new(Value::Object(Default::default())), cfg, snapshot: Value::Null },
        );
        let result = self.0.dynamic_metadata_from_goto(&call).await;
        result.map_err(|error| error.into_function_error(call.credential()))
    }
}

#[async_trait]
impl<H: Handler> Function for Adapter<H> {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let call = Call::new(ctx.clone(), input);
        let result = match parse_input::<H::Input>(&call.msg.body, &call.cfg, &step_fields::<H>()) {
            Ok(parsed) => self.0.run(&call, parsed).await,
            Err(error) => Err(error.into()),
        };
        call.wait_until_keys_saved().await;
        finish(&ctx, result, call.credential()).await
    }

    async fn startup(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        let call = Call::new(
            ctx,
            Input { msg: Message::new(Value::Object(Default::default())), cfg, snapshot: Value::Null },
        );
        let result = self.0.startup(&call).await;
        call.wait_until_keys_saved().await;
        result.map_err(|error| error.into_function_error(call.credential()))
    }

    async fn shutdown(&self, ctx: Context, cfg: Value, data: Value) -> Result<(), FunctionError> {
        let call = Call::new(
            ctx,
            Input { msg: Message::new(Value::Object(Default::default())), cfg, snapshot: Value::Null },
        );
        let result = self.0.shutdown(&call, data).await;
        call.wait_until_keys_saved().await;
        result.map_err(|error| error.into_function_error(call.credential()))
    }
}
