//! Local events (files, folders, standard input, the built-in demo) as the engine reads them.

mod answer;
mod detect;
mod follow;
mod load;
mod one_pass;
mod read;
mod source;
mod span;

pub use answer::{answer, tie};
pub use detect::{detect, detect_each};
pub use follow::{Arrived, Followed, Round, follow};
pub use one_pass::{ReadTogether, read_together};
pub use read::{LocalRead, ReadOptions, ReaderFailed, read, ticking};
pub use source::{DEMO_EVENTS, LocalSource};

/// What the command line names to read, and reads.
pub use crate::source::local::{InputError, InputSpec, LocalInput, open};

/// The demo incident, for the command line to write out as it is read here.
pub use crate::source::demo::{DemoConfig, DemoFormat, write_demo};
pub use span::{TimeSpan, span_of};
