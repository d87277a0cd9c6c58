//! The case open in the console: the tags and notes of its marks, the marks whose event is not
//! held, and what is sent to its journal but not yet kept.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::super::case_entries::{Elsewhere, Mark};

#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub name: String,
    pub dir: PathBuf,
    /// The tag Space marks with: the one given last (`unsure` at first).
    pub tag: String,
    /// The marks of the events held, by store row.
    pub marks: BTreeMap<u32, Mark>,
    pub elsewhere: Vec<Elsewhere>,
    /// Entries sent to the journal and not yet confirmed kept.
    pub unconfirmed: usize,
    /// A look for the `elsewhere` marks among the events held is under way.
    pub matching: bool,
    /// How many of them were said not held, last time it was said.
    pub told: Option<usize>,
}

impl CaseState {
    pub fn new(name: &str, dir: PathBuf) -> CaseState {
        CaseState {
            name: name.to_string(),
            dir,
            tag: crate::case::TAGS[2].to_string(),
            marks: BTreeMap::new(),
            elsewhere: Vec::new(),
            unconfirmed: 0,
            matching: false,
            told: None,
        }
    }

    /// What Space marks with: the tag given last, no note.
    pub fn space_mark(&self) -> Mark {
        Mark {
            tag: self.tag.clone(),
            note: None,
        }
    }

    /// Every mark of the case, held or not.
    pub fn marked(&self) -> usize {
        self.marks.len() + self.elsewhere.len()
    }
}
