//! CloudWatch Logs as the engine reads it.

mod detect;
mod query;

pub use detect::detect;
pub use query::{CloudAnswer, CloudFacts, CloudRange, run, whole_seconds};
