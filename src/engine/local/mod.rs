//! Local events (files, folders, standard input, the built-in demo) as the engine reads them.

mod read;

pub use read::{LocalRead, ReadOptions, ReaderFailed, read, ticking};
