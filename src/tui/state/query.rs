//! The query side of the console: the browser and editor overlays, and the latest run with its
//! answer.

use std::sync::Arc;

use super::super::query::{AnswerView, Browser, Editor};

/// The latest query run and what it found.
#[derive(Debug, Clone)]
pub struct QueryRun {
    /// A canned query's name, or the first line of the text.
    pub title: String,
    pub text: String,
    pub view: AnswerView,
    /// Still running.
    pub running: bool,
    /// For each row of the answer, in the answer's order: the store row of its event, when the
    /// row is one event (`@ptr`) that the console holds.
    pub row_of: Vec<Option<u32>>,
    /// The store rows of the answer, sorted; `None` for an answer of groups (`stats`).
    pub events: Option<Arc<Vec<u32>>>,
    /// Rows of the answer whose event the console does not hold (appended since loading).
    pub unmatched: usize,
    /// Per answer row, where CloudWatch keeps its event, to fetch the ones not held.
    pub ptrs: Vec<Option<String>>,
}

impl QueryRun {
    pub fn new(title: &str, text: &str) -> QueryRun {
        QueryRun {
            title: title.to_string(),
            text: text.to_string(),
            view: AnswerView::new(title, text),
            running: true,
            row_of: Vec::new(),
            events: None,
            unmatched: 0,
            ptrs: Vec::new(),
        }
    }

    /// Where CloudWatch keeps the event of the answer row under the cursor, when the console
    /// does not hold it.
    pub fn selected_ptr(&self) -> Option<(usize, &str)> {
        let i = self.view.selected_index()?;
        if self.row_of.get(i).copied().flatten().is_some() {
            return None;
        }
        Some((i, self.ptrs.get(i)?.as_deref()?))
    }

    /// The store row of the answer row under the cursor.
    pub fn selected_event(&self) -> Option<u32> {
        let i = self.view.selected_index()?;
        self.row_of.get(i).copied().flatten()
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueryState {
    /// The canned queries; shown while `browser_open`.
    pub browser: Browser,
    pub browser_open: bool,
    /// Kept while closed, so that the text and its history survive.
    pub editor: Editor,
    pub editor_open: bool,
    pub run: Option<QueryRun>,
    /// The main pane shows the run's answer rather than the events.
    pub showing: bool,
    /// Narrow the events to the answer's events (set when an answer of events arrives).
    pub narrowing: bool,
    /// A canned query waiting for the values of its parameters.
    pub pending: Option<PendingCanned>,
    /// The loaded events' field names: being gathered, and how many events the editor's hold.
    pub field_names: FieldNamesState,
}

/// Where gathering the loaded events' field names stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldNamesState {
    pub gathering: bool,
    /// Events whose names the editor has; `None` before the first pass.
    pub events: Option<usize>,
}

/// A canned query whose parameters are being asked for, one prompt each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingCanned {
    pub name: String,
    pub text: String,
    /// Not asked for yet, the next first.
    pub params: Vec<String>,
    pub values: Vec<(String, String)>,
}

impl QueryState {
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.running)
    }

    /// The answer's events, when the events are narrowed to them.
    pub fn within(&self) -> Option<Arc<Vec<u32>>> {
        if !self.narrowing {
            return None;
        }
        self.run.as_ref().and_then(|r| r.events.clone())
    }
}
