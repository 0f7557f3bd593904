//! Reading action inputs the way the platform delivers them: fields from the message body, with
//! the step's own fields as fallback, and values in the platform's forms (numbers and booleans
//! as strings, a checkbox as `"on"`), coerced according to the input's own schema.
//!
//! The fallback rule, the same for every function: a field the message does not carry is taken
//! from the step configuration only when the function declares it as a step field. Credential
//! fields ([`CREDENTIAL_FIELDS`]) never fill an input, even of the same name.
//!
//! Every value is checked by shape before anything is built or sent: keys are at most
//! [`MAX_KEY_DIGITS`] digits, text is within GoTo's limits ([`FIELD_SHAPES`]), and a message body
//! is at most [`MAX_MESSAGE_BYTES`].

mod error;
mod hints;
mod keys;
mod read;
mod shape;
mod timestamp;

pub use error::{quoted, shorten, InputError};
pub use hints::{
    is_platform_config_field, unknown_fields, FieldHints, FieldSide, MAX_LISTED_FIELDS,
    PLATFORM_CONFIG_FIELDS,
};
pub use keys::{key, key_in, webinar_key};
pub use read::{cached_schema, deserialize, parse_input, parse_step_config, CREDENTIAL_FIELDS};
pub use shape::{
    check_message_size, check_shape, shape_of, Shape, DEFAULT_TEXT_CHARS, FIELD_SHAPES, MAX_KEY_DIGITS,
    MAX_MESSAGE_BYTES,
};
pub use timestamp::Timestamp;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
