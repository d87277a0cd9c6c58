//! The query editor: multi-line text with its syntax coloured, every problem the checker finds
//! shown under its spot as it is typed, the queries run before one key away, and the time range
//! the query will run over.
//!
//! The text is parsed and checked after every edit (a query is short and both are fast), so
//! drawing only reads what was found. Field names are checked against the audit event's fields
//! and, once they are gathered ([`Editor::set_seen_fields`]), those of the loaded events: a
//! field no event has gets a warning under it, with the nearest name that exists (for a query
//! run locally; CloudWatch reads more than what was loaded).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::buffer::TextBuffer;
use super::highlight::{Highlight, highlight};
use super::history::History;
use super::time::{RangeInput, RangeOutcome, TimeChoice};
use super::typed;
use std::sync::Arc;

use crate::insights::checker::{CheckOptions, FieldCheck, Target, check_with};
use crate::insights::diag::Diagnostic;
use crate::insights::known::SeenFields;
use crate::insights::parser::parse;

/// Every key of the editor, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    (
        "F5, Ctrl-R",
        "run the query (refused while it has an error)",
    ),
    ("F6, Ctrl-X", "cancel the query running"),
    ("Esc", "close the editor"),
    ("F1", "these keys"),
    ("F2, Ctrl-T", "time range: 15m, 1h, 24h, 7d, all"),
    (
        "F3, Ctrl-O",
        "time range: type a start and an end (RFC 3339)",
    ),
    ("Ctrl-P, Ctrl-N", "previous / next query run"),
    (
        "↑ ↓",
        "move; on the first / last line, previous / next query",
    ),
    ("← →, Home End", "move"),
    ("Ctrl-A, Ctrl-E", "start / end of the line"),
    ("Ctrl-Home, Ctrl-End", "start / end of the query"),
    ("Enter", "new line"),
    ("Tab", "two spaces"),
    ("Backspace, Delete", "delete before / under the cursor"),
    ("Ctrl-U", "delete to the start of the line"),
];

/// What the editor asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorAction {
    /// Nothing to do beyond drawing again.
    None,
    /// Run this query over this range. The query has no errors and is in the history.
    Run { text: String, range: TimeChoice },
    /// Stop the query that is running.
    Cancel,
    /// Close the editor.
    Close,
    /// Show the keys ([`KEYS`]); `?` is a character here.
    Help,
}

/// The editor's state.
#[derive(Debug, Clone)]
pub struct Editor {
    pub(super) buffer: TextBuffer,
    pub(super) highlights: Vec<Highlight>,
    pub(super) diagnostics: Vec<Diagnostic>,
    history: History,
    pub(super) time: TimeChoice,
    /// Open while bounds are typed.
    pub(super) range_input: Option<RangeInput>,
    target: Target,
    /// The loaded events' field names, once gathered.
    seen: Option<Arc<SeenFields>>,
    /// Why the last run was refused; gone at the next key.
    pub(super) refused: Option<String>,
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new("", History::default())
    }
}

impl Editor {
    /// An editor holding `text`, the cursor at its end.
    pub fn new(text: &str, history: History) -> Editor {
        let mut editor = Editor {
            buffer: TextBuffer::new(text),
            highlights: Vec::new(),
            diagnostics: Vec::new(),
            history,
            time: TimeChoice::default(),
            range_input: None,
            target: Target::default(),
            seen: None,
            refused: None,
        };
        editor.analyze();
        editor
    }

    /// Replaces the text (a canned query taken to edit), the cursor at its end.
    pub fn set_text(&mut self, text: &str) {
        self.buffer = TextBuffer::new(text);
        self.refused = None;
        self.analyze();
    }

    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// `(line, column)` of the cursor, from 0, the column in characters.
    pub fn cursor(&self) -> (usize, usize) {
        self.buffer.cursor()
    }

    /// The history, for the runner to save after a run.
    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn time(&self) -> TimeChoice {
        self.time
    }

    pub fn set_time(&mut self, time: TimeChoice) {
        self.time = time;
    }

    /// Where queries will run: CloudWatch runs commands kaudit's engine cannot.
    pub fn set_target(&mut self, target: Target) {
        self.target = target;
        self.analyze();
    }

    /// Checks field names against the loaded events' too (see the module's documentation).
    pub fn set_seen_fields(&mut self, seen: Arc<SeenFields>) {
        self.seen = Some(seen);
        self.analyze();
    }

    /// Errors and warnings for the text as it stands.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Why the last run was refused, until the next key.
    pub fn refusal(&self) -> Option<&str> {
        self.refused.as_deref()
    }

    fn analyze(&mut self) {
        let text = self.buffer.text();
        self.highlights = highlight(&text);
        self.diagnostics = if text.trim().is_empty() {
            // An empty editor is not a mistake yet.
            Vec::new()
        } else {
            // A query sent to CloudWatch reads more than the events loaded (a window, perhaps
            // cut at a cap): only the audit event's own fields can be vouched for there.
            let fields = match (&self.seen, self.target) {
                (Some(seen), Target::Local) => FieldCheck::Events(seen),
                _ => FieldCheck::Schema,
            };
            let options = CheckOptions {
                target: self.target,
                fields,
            };
            match parse(&text) {
                Ok(query) => check_with(&query, &options),
                Err(errors) => errors,
            }
        };
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> EditorAction {
        if key.kind == KeyEventKind::Release {
            return EditorAction::None;
        }
        if let Some(input) = self.range_input.as_mut() {
            match input.handle_key(key) {
                RangeOutcome::Editing => {}
                RangeOutcome::Done(choice) => {
                    self.time = choice;
                    self.range_input = None;
                }
                RangeOutcome::Cancelled => self.range_input = None,
            }
            return EditorAction::None;
        }
        self.refused = None;
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(c) = typed(&key) {
            self.edit(|b| b.insert(c));
            return EditorAction::None;
        }
        match key.code {
            KeyCode::Esc => return EditorAction::Close,
            KeyCode::F(5) => return self.run(),
            KeyCode::F(6) => return EditorAction::Cancel,
            KeyCode::F(1) => return EditorAction::Help,
            KeyCode::F(2) => self.time = self.time.next_preset(),
            KeyCode::F(3) => self.range_input = Some(RangeInput::new(&self.time)),
            KeyCode::Char(_) if control => return self.control_key(key),
            KeyCode::Up if self.buffer.on_first_line() => self.older(),
            KeyCode::Down if self.buffer.on_last_line() => self.newer(),
            KeyCode::Up => self.buffer.up(),
            KeyCode::Down => self.buffer.down(),
            KeyCode::Left => self.buffer.left(),
            KeyCode::Right => self.buffer.right(),
            KeyCode::Home if control => self.buffer.text_start(),
            KeyCode::End if control => self.buffer.text_end(),
            KeyCode::Home => self.buffer.line_start(),
            KeyCode::End => self.buffer.line_end(),
            KeyCode::Enter => self.edit(|b| {
                b.newline();
                true
            }),
            // Spaces, not a tab: a tab would be shown escaped, as `\t`.
            KeyCode::Tab => self.edit(|b| {
                b.insert(' ');
                b.insert(' ')
            }),
            KeyCode::Backspace => self.edit(TextBuffer::backspace),
            KeyCode::Delete => self.edit(TextBuffer::delete),
            _ => {}
        }
        EditorAction::None
    }

    fn control_key(&mut self, key: KeyEvent) -> EditorAction {
        let KeyCode::Char(c) = key.code else {
            return EditorAction::None;
        };
        match c.to_ascii_lowercase() {
            'r' => return self.run(),
            'x' => return EditorAction::Cancel,
            't' => self.time = self.time.next_preset(),
            'o' => self.range_input = Some(RangeInput::new(&self.time)),
            'p' => self.older(),
            'n' => self.newer(),
            'a' => self.buffer.line_start(),
            'e' => self.buffer.line_end(),
            'u' => self.edit(TextBuffer::delete_to_line_start),
            _ => {}
        }
        EditorAction::None
    }

    fn edit(&mut self, change: impl FnOnce(&mut TextBuffer) -> bool) {
        if change(&mut self.buffer) {
            self.analyze();
        }
    }

    fn older(&mut self) {
        let current = self.buffer.text();
        if let Some(text) = self.history.older(&current).map(str::to_string) {
            self.buffer = TextBuffer::new(&text);
            self.analyze();
        }
    }

    fn newer(&mut self) {
        if let Some(text) = self.history.newer() {
            self.buffer = TextBuffer::new(&text);
            self.analyze();
        }
    }

    fn run(&mut self) -> EditorAction {
        let text = self.buffer.text();
        if text.trim().is_empty() {
            self.refused = Some("nothing to run: write a query first".to_string());
            return EditorAction::None;
        }
        let errors: Vec<&Diagnostic> = self.diagnostics.iter().filter(|d| d.is_error()).collect();
        if let Some(first) = errors.first() {
            let more = match errors.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            self.refused = Some(format!(
                "not run: {}{more}; fix it first",
                crate::text::sanitize(&first.message)
            ));
            return EditorAction::None;
        }
        self.history.push(&text);
        EditorAction::Run {
            text,
            range: self.time,
        }
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
