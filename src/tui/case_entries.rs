//! What the console and the case's writer say to each other: a mark's tag and note, a mark
//! whose event is not held, what is asked to be kept, a case opened, and a write confirmed.

use std::path::PathBuf;

use crate::case::{EventRef, FindingOpened, QueryRun};

/// A mark's tag and note, as the case keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub tag: String,
    pub note: Option<String>,
}

impl Mark {
    /// `[tag] note`, for the screen (terminal-safe).
    pub fn label(&self) -> String {
        let text = match &self.note {
            Some(note) => format!("[{}] {note}", self.tag),
            None => format!("[{}]", self.tag),
        };
        crate::text::sanitize(&text).into_owned()
    }
}

/// A mark of the case whose event is not among those held: its source is not read now, or not
/// loaded yet. It stays in the case.
#[derive(Debug, Clone, PartialEq)]
pub struct Elsewhere {
    pub event: EventRef,
    pub mark: Mark,
}

/// What the console asks the journal to keep.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseWrite {
    /// The held event at `row`, with its bytes as read (marked again: a new tag or note).
    /// `ptr`: where CloudWatch keeps it, for an event fetched from there (the store knows no
    /// `@ptr` of its own for it).
    Mark {
        row: u32,
        mark: Mark,
        ptr: Option<String>,
    },
    Unmark {
        row: u32,
    },
    Note(String),
    Query(QueryRun),
    Finding(FindingOpened),
}

/// A case just opened: its marks, each with its row when the event is held.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedCase {
    pub name: String,
    pub dir: PathBuf,
    /// Made by this opening.
    pub created: bool,
    pub held: Vec<(u32, Mark)>,
    pub elsewhere: Vec<Elsewhere>,
    pub notes: usize,
    pub queries: usize,
    /// Lines of its journal that could not be read, said with the first one's place.
    pub bad_lines: Option<String>,
}

#[cfg(test)]
impl OpenedCase {
    /// A case just made, with nothing in it yet.
    pub fn made(name: &str) -> OpenedCase {
        OpenedCase {
            name: name.into(),
            dir: PathBuf::from("/cases").join(name),
            created: true,
            held: Vec::new(),
            elsewhere: Vec::new(),
            notes: 0,
            queries: 0,
            bad_lines: None,
        }
    }
}

/// A write confirmed kept, or not kept and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseKept {
    /// The case written to: a reply about a case switched away from changes nothing shown.
    pub case: String,
    pub write: CaseWrite,
    pub error: Option<String>,
}
