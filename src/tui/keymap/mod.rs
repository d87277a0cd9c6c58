//! Every key of the console, in one table: where it works (the layer), the key or keys, what it
//! does (the action) and the words the help shows. The update finds a key's action here, the
//! help overlay (`?`) is drawn from here, and a test holds the README's key table against it.
//!
//! A key goes to the layers open on the screen, front first ([`super::state::State::layers`]):
//! the first layer that binds it takes it (a pane may pass on a key it cannot use just now: the
//! answer passes `c` when it has no column to hide); a modal layer (an overlay, a prompt) takes
//! every key, bound or not. Within a layer the first row that matches wins, so a row's place in
//! the table is its priority.

pub mod help;
mod table;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use table::BINDINGS;

/// A part of the screen that can have the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Whatever is open: Ctrl-C.
    Anywhere,
    /// CloudWatch refused the credentials or did not answer, and reading waits for a retry.
    Waiting,
    /// The cluster picker, before a cluster is open (its keys are its own).
    Picker,
    /// The one-line prompt: a search, a command, a file name, a parameter.
    Prompt,
    /// The prompt asking whether an existing file may be replaced.
    Confirm,
    /// The help overlay.
    Help,
    /// A timeline bar picked with `t`.
    Timeline,
    /// The Findings view (its keys are its own).
    Findings,
    /// The events table's column picker.
    Columns,
    /// The canned queries.
    Browser,
    /// The query editor.
    Editor,
    /// The column picker of a query's answer.
    AnswerColumns,
    /// A query's answer in the main pane.
    Answer,
    /// The main screen, whichever pane has the focus.
    Everywhere,
    /// Files or CloudWatch followed live.
    Following,
    /// The events table.
    Events,
    Facets,
    Detail,
}

impl Layer {
    /// The help's section title; the README's table names the layer the same way.
    pub fn title(self) -> &'static str {
        match self {
            Layer::Anywhere => "Anywhere",
            Layer::Waiting => "Waiting for CloudWatch",
            Layer::Picker => "Cluster picker",
            Layer::Prompt => "Prompt",
            Layer::Confirm => "Replace the file?",
            Layer::Help => "This help",
            Layer::Timeline => "Timeline bar",
            Layer::Findings => "Findings",
            Layer::Columns => "Column picker",
            Layer::Browser => "Query browser",
            Layer::Editor => "Query editor",
            Layer::AnswerColumns => "Answer's column picker",
            Layer::Answer => "Query answer",
            Layer::Everywhere => "Everywhere",
            Layer::Following => "Following",
            Layer::Events => "Events",
            Layer::Facets => "Facets",
            Layer::Detail => "Detail",
        }
    }

    /// Takes every key while open: what it does not bind does nothing.
    pub fn is_modal(self) -> bool {
        matches!(
            self,
            Layer::Picker
                | Layer::Prompt
                | Layer::Confirm
                | Layer::Help
                | Layer::Timeline
                | Layer::Findings
                | Layer::Columns
                | Layer::Browser
                | Layer::Editor
                | Layer::AnswerColumns
        )
    }

    /// Part of the main screen, under every overlay.
    pub fn is_screen(self) -> bool {
        matches!(
            self,
            Layer::AnswerColumns
                | Layer::Answer
                | Layer::Everywhere
                | Layer::Following
                | Layer::Events
                | Layer::Facets
                | Layer::Detail
        )
    }

    /// One of the main screen's panes: what has the keys when no modal layer is open.
    pub fn is_pane(self) -> bool {
        matches!(
            self,
            Layer::Answer | Layer::Events | Layer::Facets | Layer::Detail
        )
    }

    /// Drawn over the panes, in the place the title and status lines leave.
    pub fn is_overlay(self) -> bool {
        matches!(
            self,
            Layer::Picker | Layer::Findings | Layer::Browser | Layer::Editor
        )
    }
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chord {
    /// This key, whatever modifiers are held with it.
    Key(KeyCode),
    /// This key without Control.
    Bare(KeyCode),
    /// This key with Control.
    Ctrl(KeyCode),
    /// A digit from 1 to 9.
    Digit,
    /// A character typed: no Control or Alt held, or both (AltGr, which types `@`, `[` or `|`
    /// on many layouts).
    Text,
    /// Any character, whatever modifiers are held.
    AnyChar,
    /// Any key no row before it took.
    Other,
    /// The mouse: in the help only, clicks are mapped by the update apart.
    Mouse,
}

impl Chord {
    pub fn matches(self, key: &KeyEvent) -> bool {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Chord::Key(code) => key.code == code,
            Chord::Bare(code) => !control && key.code == code,
            Chord::Ctrl(code) => control && key.code == code,
            Chord::Digit => matches!(key.code, KeyCode::Char('1'..='9')),
            Chord::Text => typed(key).is_some(),
            Chord::AnyChar => matches!(key.code, KeyCode::Char(_)),
            Chord::Other => true,
            Chord::Mouse => false,
        }
    }

    /// The key's name, as the help and the README write it.
    pub fn name(self) -> String {
        match self {
            Chord::Key(code) | Chord::Bare(code) => code_name(code),
            Chord::Ctrl(KeyCode::Char(c)) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Chord::Ctrl(code) => format!("Ctrl-{}", code_name(code)),
            Chord::Digit => "1-9".into(),
            Chord::Text | Chord::AnyChar => "letters".into(),
            Chord::Other => "any other key".into(),
            Chord::Mouse => "mouse".into(),
        }
    }
}

fn code_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

/// The character a key types: none while Control or Alt is held alone.
pub fn typed(key: &KeyEvent) -> Option<char> {
    let chord = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c)
            if chord.is_empty() || chord == KeyModifiers::CONTROL | KeyModifiers::ALT =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// What a key asks for. What each does depends on the layer that takes it: `Down` moves a
/// table's cursor, scrolls the detail or the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Down,
    Up,
    PageDown,
    PageUp,
    HalfDown,
    HalfUp,
    First,
    Last,
    Left,
    Right,
    Quit,
    Retry,
    Help,
    NextPane,
    PrevPane,
    Back,
    Search,
    Command,
    Columns,
    ClearFilters,
    DropFilter,
    Mark,
    Tag,
    PickBar,
    Export,
    ExportAll,
    Pause,
    Browse,
    Findings,
    Editor,
    SwitchView,
    Cancel,
    Open,
    Sort,
    FlipSort,
    Keep,
    Drop,
    TakePivot,
    Pivot,
    FoldMore,
    FoldLess,
    Chart,
    Close,
    Run,
    Edit,
    Type,
    ClearLine,
    DeleteBack,
    DeleteForward,
    DeleteToLineStart,
    LineStart,
    LineEnd,
    TextStart,
    TextEnd,
    Newline,
    Indent,
    Older,
    Newer,
    NextRange,
    TypeRange,
    Narrow,
    Toggle,
    Submit,
    Confirm,
    /// A mouse row of the help: no key asks for it.
    Click,
}

/// One row of the table, one line of the help: keys for one action or a few related ones
/// ("move down, up"), and what they do.
#[derive(Debug)]
pub struct Binding {
    pub layer: Layer,
    pub keys: &'static [(&'static [Chord], Action)],
    /// Lines after the first go under it in the help.
    pub help: &'static str,
}

impl Binding {
    /// The keys as the help shows them: one action's keys apart by spaces, actions by commas.
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|(chords, _)| {
                chords
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The action `key` asks for in `layer`: the first row of the layer that matches it.
pub fn action(layer: Layer, key: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.layer == layer)
        .flat_map(|b| b.keys.iter())
        .find(|(chords, _)| chords.iter().any(|c| c.matches(key)))
        .map(|(_, action)| *action)
}

/// The help's sections, in the table's order: a layer and its rows.
pub fn sections() -> impl Iterator<Item = (Layer, &'static [Binding])> {
    BINDINGS
        .chunk_by(|a, b| a.layer == b.layer)
        .map(|rows| (rows[0].layer, rows))
}

#[cfg(test)]
mod tests;
