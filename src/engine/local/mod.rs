//! Local events (files, folders, standard input, the built-in demo) as the engine reads them.

mod detect;
mod read;

pub use detect::detect;
pub use read::{LocalRead, ReadOptions, ReaderFailed, read, ticking};
