//! The Kubernetes audit event model and everything that turns bytes into it.

pub mod annotations;
pub mod aws_auth;
pub mod decode;
pub mod event;
pub mod exec;
pub mod formats;
pub mod json;
pub mod reason;
pub(crate) mod skip;
pub mod time;
mod unescape;

pub use decode::{DecodeError, DecodeErrorKind, Depth, decode_event, stage_timestamp_from_end};
pub use event::{Event, ObjectRef, ResponseStatus, Text, UserInfo};
