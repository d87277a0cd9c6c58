//! The engine: what the console and the command line ask of events, written once. It stands
//! below `tui` and `cli` and above `source`, `store` and `insights`; it never names a type of the
//! console or the command line.
//!
//! | module | owns |
//! |---|---|
//! | [`compile`] | query text → a checked plan (parse → check → plan), with its warnings |
//! | [`local`] | local inputs read into a compiled query, to its answer; detections over them |
//! | [`cloud`] | CloudWatch Logs: a query's range in whole seconds, split past the row cap and joined, its rows as values; detections there |
//! | [`finding`] | the detections of the library, and what each found |
//! | [`event`] | what the engine tells while it works (progress, events loaded, notes, failures) |

pub mod cloud;
pub mod compile;
pub mod event;
pub mod finding;
pub mod local;

pub use compile::{Compiled, Target, compile};
pub use event::{Event, LoadProgress, Progress, Report, TailStatus};
pub use finding::{Detection, Finding, HitRef};
