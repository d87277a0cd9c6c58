//! The console's state, in small parts, each with its own update logic.

mod case;
mod columns;
mod facets;
mod filters;
mod pivots;
mod prompt;
mod query;
mod table;

pub use super::case_entries::{Elsewhere, Mark};
pub use case::CaseState;
pub use columns::{EventColumn, EventColumns, EventSort};
pub use facets::FacetsState;
pub use filters::{Chip, Filters};
pub use pivots::PivotStep;
pub use prompt::{Prompt, PromptKind};
pub use query::{FieldNamesState, PendingCanned, QueryRun, QueryState};
pub use table::EventTable;

use std::path::PathBuf;

use super::detail::DetailData;
use super::format::{count, format_time};
use super::keymap::Layer;
use super::msg::{LoadProgress, TailStatus, Ticket};
use crate::store::Histogram;

/// Which pane keys go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Table,
    Facets,
    Detail,
}

impl Focus {
    pub fn next(self, detail_open: bool) -> Focus {
        match self {
            Focus::Table => Focus::Facets,
            Focus::Facets if detail_open => Focus::Detail,
            Focus::Facets | Focus::Detail => Focus::Table,
        }
    }
}

/// How serious a status message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// The selected event, decoded.
#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub open: bool,
    pub row: Option<u32>,
    pub data: Option<DetailData>,
    pub scroll: u16,
    /// The pivot under the cursor.
    pub pivot: usize,
    /// Objects in the request and response nested this deep or deeper are folded to one line.
    pub fold_at: Option<usize>,
}

/// An export asked for, kept until it is done or answered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingExport {
    pub path: PathBuf,
    pub all: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub message: Option<(String, Level)>,
    /// Said once on a first run over the demo: what this is and how to open real data.
    pub banner: Option<String>,
    pub load: LoadProgress,
    /// Set when files are followed.
    pub tail: Option<TailStatus>,
    /// Filtering in progress since this many ticks.
    pub filtering: bool,
    pub filter_ms: Option<u64>,
    /// The name of the input(s), for the title.
    pub source: String,
    /// The home folder (`$HOME`), for an export path that starts with `~/`.
    pub home: Option<PathBuf>,
    /// New events keep coming (followed files, CloudWatch): the time presets count back from
    /// now, not from the newest event held.
    pub live: bool,
    /// CloudWatch refused the credentials or did not answer, and reading waits for the user's
    /// retry (R): why, and what to do.
    pub waiting: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub table: EventTable,
    /// The events table's columns and order.
    pub columns: EventColumns,
    pub facets: FacetsState,
    pub filters: Filters,
    /// The pivots taken from the detail, oldest first: `Backspace` undoes the last.
    pub pivots: Vec<PivotStep>,
    pub detail: DetailState,
    /// Canned queries, the editor, and the latest run.
    pub query: QueryState,
    /// The Findings view, while open.
    pub findings: Option<super::findings::FindingsView>,
    /// What the detections found among the events held so far.
    pub found: Option<super::found::Found>,
    /// The cluster picker, while no cluster is open yet.
    pub clusters: Option<super::clusters::ClusterPicker>,
    pub prompt: Option<Prompt>,
    /// The case open, whose journal keeps marks, notes, queries and findings opened.
    pub case: Option<CaseState>,
    /// The export waiting for an answer (a file that exists).
    pub pending_export: Option<PendingExport>,
    /// Events over time in the current result.
    pub histogram: Histogram,
    /// The timeline column picked with `t` (Enter narrows the range to it).
    pub timeline_cursor: Option<usize>,
    pub help: bool,
    /// Lines of the help scrolled past.
    pub help_scroll: u16,
    pub status: Status,
    pub quit: bool,
    /// The latest filter request; replies with another ticket are stale.
    pub filter_ticket: Ticket,
    /// The latest query run; answers with another ticket are stale.
    pub query_ticket: Ticket,
    /// The latest detail request.
    pub detail_row: Option<u32>,
    /// The terminal's size, for paging.
    pub width: u16,
    pub height: u16,
}

impl State {
    pub fn new(source: &str, banner: Option<String>) -> State {
        State {
            status: Status {
                banner,
                source: source.to_string(),
                ..Status::default()
            },
            ..State::default()
        }
    }

    /// The layers open now, front first. A key goes down this list until a layer binds it, and
    /// stops at the first modal one; the view draws the overlays and puts the cursor by the
    /// same list, so what is seen in front is what has the keys.
    pub fn layers(&self) -> Vec<Layer> {
        let mut layers = vec![Layer::Anywhere];
        if self.status.waiting.is_some() && self.prompt.is_none() && !self.query.editor_open {
            layers.push(Layer::Waiting);
        }
        let confirming = self
            .prompt
            .as_ref()
            .map(|p| matches!(p.kind, PromptKind::ConfirmOverwrite { .. }));
        let open = [
            (self.clusters.is_some(), Layer::Picker),
            (confirming == Some(true), Layer::Confirm),
            (confirming == Some(false), Layer::Prompt),
            (self.help, Layer::Help),
            (self.timeline_cursor.is_some(), Layer::Timeline),
            (self.findings.is_some(), Layer::Findings),
            (self.columns.picker.is_some(), Layer::Columns),
            (self.query.browser_open, Layer::Browser),
            (self.query.editor_open, Layer::Editor),
        ];
        layers.extend(open.into_iter().filter_map(|(open, l)| open.then_some(l)));
        if let Some(run) = self.query.run.as_ref()
            && self.query.showing
            && self.focus == Focus::Table
        {
            if run.view.picking() {
                layers.push(Layer::AnswerColumns);
            }
            layers.push(Layer::Answer);
        }
        layers.push(Layer::Everywhere);
        if self.status.tail.is_some() {
            layers.push(Layer::Following);
        }
        layers.push(match self.focus {
            Focus::Table => Layer::Events,
            Focus::Facets => Layer::Facets,
            Focus::Detail => Layer::Detail,
        });
        layers
    }

    /// The layer that has the keys: the first modal one, else the pane in front (the answer,
    /// or the pane with the focus). The view puts the cursor there.
    pub fn active_layer(&self) -> Layer {
        self.layers()
            .into_iter()
            .find(|l| l.is_modal() || l.is_pane())
            .unwrap_or(Layer::Everywhere)
    }

    /// The active filters as the chips line shows them, in order: the query's events, the facet
    /// values, the text search. Terminal-safe.
    pub fn chip_labels(&self) -> Vec<String> {
        let mut labels = Vec::new();
        if let (Some(run), Some(events)) = (&self.query.run, self.query.within()) {
            let n = count(events.len(), "event");
            labels.push(format!("query: {} ({n})", run.title));
        }
        labels.extend(self.filters.chips.iter().map(|c| c.label()));
        if let Some(text) = &self.filters.text {
            labels.push(format!("text: {text}"));
        }
        if self.filters.range.is_bounded() {
            let at = format_time;
            let r = self.filters.range;
            labels.push(format!("time: {} → {}", at(r.start_ms), at(r.end_ms)));
        }
        labels
            .into_iter()
            .map(|l| crate::text::sanitize(&l).into_owned())
            .collect()
    }

    /// Removes the `i`-th chip (from 0, in [`State::chip_labels`] order); true when one went.
    pub fn drop_chip(&mut self, mut i: usize) -> bool {
        if self.query.within().is_some() {
            if i == 0 {
                self.query.narrowing = false;
                return true;
            }
            i -= 1;
        }
        if i < self.filters.chips.len() {
            self.filters.chips.remove(i);
            return true;
        }
        i -= self.filters.chips.len();
        match (i, self.filters.text.is_some()) {
            (0, true) => {
                self.filters.text = None;
                true
            }
            (0, false) | (1, true) if self.filters.range.is_bounded() => {
                self.filters.range = Default::default();
                true
            }
            _ => false,
        }
    }

    pub fn say(&mut self, text: impl Into<String>, level: Level) {
        self.status.message = Some((text.into(), level));
    }
}
