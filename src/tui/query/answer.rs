//! A query's answer: its own columns as a table that sorts, hides columns and scrolls through
//! ten thousand rows by building only those on screen; and, for a `stats` answer, a chart.

use crossterm::event::{KeyEvent, KeyEventKind};

use super::super::keymap::{self, Action, Layer};
use super::chart::{ChartKind, Shape, detect_chart};
use super::columns::{ColumnWidth, column_widths};
use super::stats::RunStats;
use crate::insights::exec::QueryResult;
use crate::insights::value::Value;

/// What the answer view asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerAction {
    /// The key was used.
    None,
    /// Not a key of this view: the console's own keys may use it.
    Ignored,
}

/// A sort chosen with `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Table,
    Chart,
}

/// The answer view's state.
#[derive(Debug, Clone)]
pub struct AnswerView {
    pub(super) title: String,
    shape: Shape,
    pub(super) result: Option<QueryResult>,
    pub(super) run: RunStats,
    /// Row indices in display order.
    pub(super) order: Vec<usize>,
    pub(super) sort: Option<Sort>,
    pub(super) hidden: Vec<bool>,
    /// Each column's widths, from its title and the first rows.
    pub(super) widths: Vec<ColumnWidth>,
    /// Into `order`.
    pub(super) cursor: usize,
    pub(super) offset: usize,
    page: usize,
    /// The column picker, open on this column.
    pub(super) picker: Option<usize>,
    pub(super) mode: Mode,
    pub(super) chart: Option<ChartKind>,
    /// What the last key could not do.
    pub(super) note: Option<String>,
}

impl AnswerView {
    /// The view of a query that has started: `title` names it (a canned query's name, or the
    /// first line of the text), `query` is its text.
    pub fn new(title: &str, query: &str) -> AnswerView {
        AnswerView {
            title: title.to_string(),
            shape: Shape::of(query),
            result: None,
            run: RunStats {
                running: true,
                ..RunStats::default()
            },
            order: Vec::new(),
            sort: None,
            hidden: Vec::new(),
            widths: Vec::new(),
            cursor: 0,
            offset: 0,
            page: 20,
            picker: None,
            mode: Mode::Table,
            chart: None,
            note: None,
        }
    }

    pub fn set_progress(&mut self, run: RunStats) {
        self.run = run;
    }

    /// The answer has come. Sorting and hidden columns of an answer with the same columns
    /// (the same query run again) are kept.
    pub fn set_result(&mut self, result: QueryResult, elapsed_ms: u64) {
        let s = result.statistics;
        self.run = RunStats {
            records_scanned: s.records_scanned,
            records_matched: Some(s.records_matched),
            bytes_scanned: s.bytes_scanned,
            bytes_total: None,
            elapsed_ms,
            running: false,
        };
        let same_columns = self
            .result
            .as_ref()
            .is_some_and(|old| old.columns == result.columns);
        if !same_columns {
            self.sort = None;
            self.hidden = vec![false; result.columns.len()];
            self.picker = None;
        }
        self.widths = column_widths(&result);
        self.chart = detect_chart(&result.columns, &result.rows, &self.shape);
        if self.chart.is_none() {
            self.mode = Mode::Table;
        }
        self.result = Some(result);
        // The old order indexes the old rows: nothing of it carries over.
        self.order.clear();
        self.cursor = 0;
        self.offset = 0;
        self.resort();
    }

    /// Rows the table shows at once, for paging; the update sets it when the screen changes.
    pub fn set_page(&mut self, rows: usize) {
        self.page = rows.max(1);
    }

    pub fn result(&self) -> Option<&QueryResult> {
        self.result.as_ref()
    }

    pub fn stats(&self) -> RunStats {
        self.run
    }

    pub fn sort(&self) -> Option<Sort> {
        self.sort
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn chart(&self) -> Option<&ChartKind> {
        self.chart.as_ref()
    }

    /// The columns shown, by index.
    pub fn shown_columns(&self) -> Vec<usize> {
        (0..self.hidden.len())
            .filter(|&c| !self.hidden[c])
            .collect()
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<&[Value]> {
        let r = self.result.as_ref()?;
        self.order.get(self.cursor).map(|&i| r.rows[i].as_slice())
    }

    /// The index in the answer of the row under the cursor (the table may be sorted).
    pub fn selected_index(&self) -> Option<usize> {
        self.order.get(self.cursor).copied()
    }

    /// The rows in display order, as text (for tests and copying).
    pub fn ordered(&self) -> impl Iterator<Item = &[Value]> {
        let rows = self.result.as_ref().map_or(&[][..], |r| &r.rows[..]);
        self.order.iter().map(move |&i| rows[i].as_slice())
    }

    fn resort(&mut self) {
        let Some(result) = &self.result else { return };
        let keep = self.order.get(self.cursor).copied();
        self.order = (0..result.rows.len()).collect();
        if let Some(Sort { column, descending }) = self.sort {
            let cell = |i: usize| result.rows[i].get(column).unwrap_or(Value::missing_ref());
            self.order
                .sort_by(|&a, &b| cell(a).sort_order(cell(b), descending));
        }
        // The same row stays under the cursor.
        if let Some(row) = keep {
            self.cursor = self.order.iter().position(|&i| i == row).unwrap_or(0);
        }
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        self.offset = visible_offset(self.offset, self.cursor, self.page);
    }

    fn move_by(&mut self, by: isize) {
        let last = self.order.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(by).min(last);
        self.scroll_to_cursor();
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> AnswerAction {
        if key.kind == KeyEventKind::Release {
            return AnswerAction::None;
        }
        self.note = None;
        if let Some(at) = self.picker {
            self.picker_key(key, at);
            return AnswerAction::None;
        }
        let page = self.page as isize;
        match keymap::action(Layer::Answer, &key) {
            Some(Action::HalfDown) => self.move_by(page / 2),
            Some(Action::HalfUp) => self.move_by(-page / 2),
            Some(Action::Down) => self.move_by(1),
            Some(Action::Up) => self.move_by(-1),
            Some(Action::PageDown) => self.move_by(page),
            Some(Action::PageUp) => self.move_by(-page),
            Some(Action::First) => self.move_by(isize::MIN),
            Some(Action::Last) => self.move_by(isize::MAX),
            Some(Action::Sort) => self.next_sort(),
            Some(Action::FlipSort) => self.flip_sort(),
            Some(Action::Columns) if !self.hidden.is_empty() => self.picker = Some(0),
            Some(Action::Chart) => self.toggle_chart(),
            _ => return AnswerAction::Ignored,
        }
        AnswerAction::None
    }

    /// The next shown column; after the last, the query's own order.
    fn next_sort(&mut self) {
        let shown = self.shown_columns();
        self.sort = match self.sort {
            None => shown.first().map(|&column| Sort {
                column,
                descending: false,
            }),
            Some(s) => shown.iter().find(|&&c| c > s.column).map(|&column| Sort {
                column,
                descending: false,
            }),
        };
        self.resort();
    }

    fn flip_sort(&mut self) {
        self.sort = match self.sort {
            Some(s) => Some(Sort {
                descending: !s.descending,
                ..s
            }),
            None => self.shown_columns().first().map(|&column| Sort {
                column,
                descending: true,
            }),
        };
        self.resort();
    }

    fn toggle_chart(&mut self) {
        if self.chart.is_none() {
            self.note = Some(
                "no chart: a chart needs a `stats` answer with a number per group".to_string(),
            );
            return;
        }
        self.mode = match self.mode {
            Mode::Table => Mode::Chart,
            Mode::Chart => Mode::Table,
        };
    }

    fn picker_key(&mut self, key: KeyEvent, at: usize) {
        let last = self.hidden.len().saturating_sub(1);
        match keymap::action(Layer::AnswerColumns, &key) {
            Some(Action::Close) => self.picker = None,
            Some(Action::Down) => self.picker = Some((at + 1).min(last)),
            Some(Action::Up) => self.picker = Some(at.saturating_sub(1)),
            Some(Action::Toggle) => {
                let shown = self.hidden.iter().filter(|h| !**h).count();
                if !self.hidden[at] && shown == 1 {
                    self.note = Some("the last column shown stays".to_string());
                } else {
                    self.hidden[at] = !self.hidden[at];
                }
            }
            _ => {}
        }
    }

    /// The column picker is open: it has every key.
    pub fn picking(&self) -> bool {
        self.picker.is_some()
    }
}

/// The first row to show so that `cursor` is on a screen of `rows` rows, moving as little as
/// possible from `offset`.
pub(super) fn visible_offset(offset: usize, cursor: usize, rows: usize) -> usize {
    let rows = rows.max(1);
    if cursor < offset {
        cursor
    } else if cursor >= offset + rows {
        cursor + 1 - rows
    } else {
        offset
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
