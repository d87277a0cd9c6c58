//! The engine: what the console and the command line ask of events, written once. It stands
//! below `tui` and `cli` and above `source`, `store` and `insights`; it never names a type of the
//! console or the command line.
//!
//! | module | owns |
//! |---|---|
//! | [`source`] | the one trait for a source of events ([`EventSource`]): load, tail, query, detect, fetch one record, find clusters |
//! | [`compile`] | query text → a checked plan (parse → check → plan), with its warnings |
//! | [`local`] | local inputs (files, folders, standard input, the demo) as a source: read into the store and followed, read into a compiled query, every detection over them in one pass |
//! | [`cloud`] | CloudWatch Logs as a source: its client, loading and live tail, a query's range in whole seconds, split past the row cap and joined; detections there |
//! | [`fetch`] | many records fetched whole from where an answer's rows point (`@ptr`), a few at a time |
//! | [`intake`] | the one way events that arrive after loading go into the store, held while paused |
//! | [`finding`] | the detections of the library, and what each found |
//! | `sieve` | one automaton over the literals many queries require: which of them an event can concern |
//! | [`classify`] | which detections one event fires: compiled once, the sieve first; for events held and events as they arrive |
//! | [`held`] | every detection over the events held, each event read once as it arrives; hits counted over any time range and shown as events |
//! | [`event`] | what the engine tells while it works (progress, events loaded, notes, failures) |
//! | [`private_file`] | a small file of the user's own (a watch's state, the query history) replaced at once, owner-only |

pub mod classify;
pub mod cloud;
pub mod compile;
pub mod event;
pub mod fetch;
pub mod finding;
pub mod held;
pub mod intake;
pub mod local;
pub mod private_file;
mod sieve;
pub mod source;

use std::sync::{Arc, RwLock};

pub use compile::{Compiled, Target, compile};
pub use event::{Event, LoadProgress, Progress, Report, TailStatus};
pub use fetch::{FETCH_AT_ONCE, fetch_records};
pub use finding::{Detection, Finding, HitRef};
pub use intake::{PAUSE_BUFFER, TailControl};
pub use source::{
    Answer, AnswerFacts, Detected, EventSource, Failure, LocalFacts, QueryJob, ReadFrom,
};

/// The events held, shared by the one who shows them and the work that adds to them.
pub type SharedStore = Arc<RwLock<crate::store::EventStore>>;
