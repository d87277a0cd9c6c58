//! The query editor: multi-line text with its syntax coloured, every problem the checker finds
//! shown under its spot as it is typed, the queries run before one key away, and the time range
//! the query will run over.
//!
//! The text is parsed and checked after every edit (a query is short and both are fast), so
//! drawing only reads what was found. Field names are checked against the audit event's fields
//! and, once they are gathered ([`Editor::set_seen_fields`]), those of the loaded events: a
//! field no event has gets a warning under it, with the nearest name that exists (for a query
//! run locally; CloudWatch reads more than what was loaded).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::super::keymap::{self, Action, Layer};
use super::buffer::TextBuffer;
use super::highlight::{Highlight, highlight};
use super::history::History;
use super::time::{RangeInput, RangeOutcome, TimeChoice};
use super::typed;
use std::sync::Arc;

use crate::engine::compile::{Target, diagnose};
use crate::insights::diag::Diagnostic;
use crate::insights::known::SeenFields;

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
    /// Show the keys; `?` is a character here.
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
            diagnose(&text, self.target, self.seen.as_deref())
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
        // Control with Shift is Control alone here: Ctrl-Shift-R runs as Ctrl-R does.
        let key = match key.code {
            KeyCode::Char(c) if typed(&key).is_none() => KeyEvent {
                code: KeyCode::Char(c.to_ascii_lowercase()),
                ..key
            },
            _ => key,
        };
        let Some(action) = keymap::action(Layer::Editor, &key) else {
            return EditorAction::None;
        };
        match action {
            Action::Type => {
                if let Some(c) = typed(&key) {
                    self.edit(|b| b.insert(c));
                }
            }
            Action::Close => return EditorAction::Close,
            Action::Run => return self.run(),
            Action::Cancel => return EditorAction::Cancel,
            Action::Help => return EditorAction::Help,
            Action::NextRange => self.time = self.time.next_preset(),
            Action::TypeRange => self.range_input = Some(RangeInput::new(&self.time)),
            Action::Older => self.older(),
            Action::Newer => self.newer(),
            Action::Up if self.buffer.on_first_line() => self.older(),
            Action::Down if self.buffer.on_last_line() => self.newer(),
            Action::Up => self.buffer.up(),
            Action::Down => self.buffer.down(),
            Action::Left => self.buffer.left(),
            Action::Right => self.buffer.right(),
            Action::TextStart => self.buffer.text_start(),
            Action::TextEnd => self.buffer.text_end(),
            Action::LineStart => self.buffer.line_start(),
            Action::LineEnd => self.buffer.line_end(),
            Action::Newline => self.edit(|b| {
                b.newline();
                true
            }),
            // Spaces, not a tab: a tab would be shown escaped, as `\t`.
            Action::Indent => self.edit(|b| {
                b.insert(' ');
                b.insert(' ')
            }),
            Action::DeleteBack => self.edit(TextBuffer::backspace),
            Action::DeleteForward => self.edit(TextBuffer::delete),
            Action::DeleteToLineStart => self.edit(TextBuffer::delete_to_line_start),
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
