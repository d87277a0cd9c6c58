//! The pivots taken, newest last, so that `Backspace` can undo the last one and a new pivot
//! replaces the previous one's chips instead of narrowing them further.

use super::filters::{Chip, Filters};
use super::query::QueryRun;
use crate::tui::msg::Ticket;

/// One pivot taken: what it put in, and what it replaced, to put back.
#[derive(Debug, Clone)]
pub struct PivotStep {
    /// What the pivot was, for the status line.
    pub label: String,
    /// The chips and the text the pivot added; the next pivot takes them out.
    pub added: Vec<Chip>,
    pub text: Option<String>,
    /// The filters before the pivot.
    pub before: Filters,
    /// The query side before the pivot: whether the events were narrowed to the answer and the
    /// answer shown, and, when the pivot ran a query, the run it replaced.
    pub narrowing: bool,
    pub showing: bool,
    pub replaced_run: Option<Option<QueryRun>>,
    /// The filters and the query run right after the pivot: `Backspace` undoes the pivot only
    /// while they are still so (else it drops what was added since, as always).
    pub after: Filters,
    pub ticket: Ticket,
    /// The query run's ticket before the pivot.
    pub ticket_before: Ticket,
}

impl PivotStep {
    /// `filters` without what this pivot put in.
    pub fn take_out(&self, filters: &mut Filters) {
        filters.chips.retain(|c| !self.added.contains(c));
        if self.text.is_some() && filters.text == self.text {
            filters.text = None;
        }
    }
}
