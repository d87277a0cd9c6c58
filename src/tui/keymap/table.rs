//! The table. Rows of one layer stand together, in the order the help shows them; within a
//! layer the first row that matches a key takes it.

use crossterm::event::KeyCode as K;

use super::Action::*;
use super::Chord::{self, AnyChar, Bare, Ctrl, Digit, Key, Mouse, Other, Text};
use super::{Binding, Layer};

const fn c(ch: char) -> Chord {
    Key(K::Char(ch))
}

const fn bare(ch: char) -> Chord {
    Bare(K::Char(ch))
}

const fn ctrl(ch: char) -> Chord {
    Ctrl(K::Char(ch))
}

const SPACE: Chord = c(' ');

const fn row(
    layer: Layer,
    keys: &'static [(&'static [Chord], super::Action)],
    help: &'static str,
) -> Binding {
    Binding { layer, keys, help }
}

const fn key(code: K) -> Chord {
    Key(code)
}

use Layer::{
    Answer, Anywhere, Browser, Confirm, Detail, Editor as QueryEditor, Events, Everywhere, Facets,
    Following, Help as HelpLayer, Prompt, Timeline, Waiting,
};

pub static BINDINGS: &[Binding] = &[
    row(Anywhere, &[(&[ctrl('c')], Quit)], "quit, even while typing"),
    row(Everywhere, &[(&[c('q')], Quit)], "quit"),
    row(Everywhere, &[(&[c('?')], Help)], "this help"),
    row(
        Everywhere,
        &[(&[key(K::Tab)], NextPane), (&[key(K::BackTab)], PrevPane)],
        "next, previous pane",
    ),
    row(
        Everywhere,
        &[(&[key(K::Esc)], Back)],
        "back out: the detail, then the answer to the events",
    ),
    row(
        Everywhere,
        &[(&[c('/')], Search)],
        "search the events' text: every word, in any order",
    ),
    row(
        Everywhere,
        &[(&[c(':')], Command)],
        "a command (every one is listed at the end of this help)",
    ),
    row(
        Everywhere,
        &[
            (&[key(K::Backspace)], DropFilter),
            (&[c('C')], ClearFilters),
        ],
        "undo a pivot, else drop the last filter; clear all",
    ),
    row(
        Everywhere,
        &[(&[c('c')], Columns)],
        "choose the table's columns (Space shows or hides one)",
    ),
    row(
        Everywhere,
        &[(&[SPACE], Mark)],
        "mark or unmark the event (and move down); in a case, with the last tag",
    ),
    row(
        Everywhere,
        &[(&[c('m')], Tag)],
        "in a case: mark the event with a tag (attacker, benign, unsure, a word), then a note",
    ),
    row(
        Everywhere,
        &[(&[c('t')], PickBar)],
        "pick a timeline bar: ← → move, Enter narrows to it",
    ),
    row(
        Everywhere,
        &[(&[c('e')], Export), (&[c('E')], ExportAll)],
        "export the marked events, the whole filtered result",
    ),
    row(
        Everywhere,
        &[(&[c('b')], Browse)],
        "browse the canned queries (Enter runs, Tab edits)",
    ),
    row(
        Everywhere,
        &[(&[c('F')], Findings)],
        "every detection over the events; Enter shows the hits",
    ),
    row(
        Everywhere,
        &[(&[c(';'), key(K::F(2))], Editor)],
        "open the query editor (F5 or Ctrl-R runs)",
    ),
    row(
        Everywhere,
        &[(&[c('r')], SwitchView)],
        "switch between the events and the query's answer",
    ),
    row(
        Everywhere,
        &[(&[ctrl('x'), key(K::F(6))], Cancel)],
        "stop the running query",
    ),
    row(
        Following,
        &[(&[c('p')], Pause)],
        "pause / resume the live tail",
    ),
    row(
        Waiting,
        &[(&[c('R')], Retry)],
        "CloudWatch refused or did not answer: try again",
    ),
    row(
        Events,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "move down, up",
    ),
    row(
        Events,
        &[(&[key(K::PageDown)], PageDown), (&[key(K::PageUp)], PageUp)],
        "a page down, up",
    ),
    row(
        Events,
        &[(&[ctrl('d')], HalfDown), (&[ctrl('u')], HalfUp)],
        "half a page down, up",
    ),
    row(
        Events,
        &[
            (&[c('g'), key(K::Home)], First),
            (&[c('G'), key(K::End)], Last),
        ],
        "first, last",
    ),
    row(
        Events,
        &[(&[key(K::Enter)], Open)],
        "open the event's detail",
    ),
    row(
        Events,
        &[(&[c('s')], Sort), (&[c('S')], FlipSort)],
        "sort by the next column (then time order), reverse",
    ),
    row(
        Events,
        &[(&[Mouse], Click)],
        "the wheel scrolls; a click selects a row",
    ),
    row(
        Facets,
        &[
            (&[c('l'), key(K::Right)], Right),
            (&[c('h'), key(K::Left)], Left),
        ],
        "next, previous facet",
    ),
    row(
        Facets,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "move through the values",
    ),
    row(
        Facets,
        &[
            (&[key(K::Enter), c('+'), c('i')], Keep),
            (&[c('-'), c('x')], Drop),
        ],
        "keep this value (kept values of one facet add up), drop it",
    ),
    row(
        Facets,
        &[(&[Mouse], Click)],
        "click a value to pick it, again to keep it;\n\
         click the title for the facet before or after",
    ),
    row(
        Detail,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "scroll",
    ),
    row(
        Detail,
        &[
            (&[key(K::PageDown)], PageDown),
            (&[key(K::PageUp)], PageUp),
            (&[c('g'), key(K::Home)], First),
        ],
        "a page down, up; the top",
    ),
    row(
        Detail,
        &[
            (&[c('l'), key(K::Right)], Right),
            (&[c('h'), key(K::Left)], Left),
        ],
        "choose the next, previous pivot",
    ),
    row(
        Detail,
        &[(&[key(K::Enter)], TakePivot), (&[Digit], Pivot)],
        "take the pivot chosen, take that pivot",
    ),
    row(
        Detail,
        &[(&[c('z')], FoldMore), (&[c('Z')], FoldLess)],
        "fold the request and response one level more, less",
    ),
    // Enter and Space reach the events: the update takes them before the answer's own keys.
    row(
        Answer,
        &[(&[key(K::Enter)], Open), (&[SPACE], Mark)],
        "the row's event in detail, mark it",
    ),
    row(
        Answer,
        &[
            (&[bare('j'), Bare(K::Down)], Down),
            (&[bare('k'), Bare(K::Up)], Up),
        ],
        "move down, up",
    ),
    row(
        Answer,
        &[
            (&[Bare(K::PageDown)], PageDown),
            (&[Bare(K::PageUp)], PageUp),
        ],
        "a page down, up",
    ),
    row(
        Answer,
        &[(&[ctrl('d')], HalfDown), (&[ctrl('u')], HalfUp)],
        "half a page down, up",
    ),
    row(
        Answer,
        &[
            (&[bare('g'), Bare(K::Home)], First),
            (&[bare('G'), Bare(K::End)], Last),
        ],
        "first, last",
    ),
    row(
        Answer,
        &[(&[bare('s')], Sort), (&[bare('S')], FlipSort)],
        "sort by the next column (then as queried), reverse",
    ),
    row(
        Answer,
        &[(&[bare('c')], Columns)],
        "choose columns: Space shows or hides one, Esc closes",
    ),
    row(
        Answer,
        &[(&[bare('v')], Chart)],
        "table or chart (for `stats` answers)",
    ),
    row(
        Layer::AnswerColumns,
        &[(&[key(K::Esc), key(K::Enter), c('c'), c('q')], Close)],
        "close",
    ),
    row(
        Layer::AnswerColumns,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "move down, up",
    ),
    row(
        Layer::AnswerColumns,
        &[(&[SPACE, c('x')], Toggle)],
        "show or hide the column (one always stays)",
    ),
    row(Browser, &[(&[key(K::Esc)], Close)], "close"),
    row(Browser, &[(&[key(K::Enter)], Run)], "run the query"),
    row(
        Browser,
        &[(&[key(K::Tab), ctrl('e')], Edit)],
        "edit the query first",
    ),
    row(
        Browser,
        &[(&[Text], Type)],
        "search names, descriptions, tags (words match apart)",
    ),
    row(Browser, &[(&[ctrl('u')], ClearLine)], "clear the search"),
    row(
        Browser,
        &[
            (&[key(K::Backspace)], DeleteBack),
            (&[key(K::Delete)], DeleteForward),
        ],
        "delete before, under the cursor",
    ),
    row(
        Browser,
        &[(&[key(K::Left)], Left), (&[key(K::Right)], Right)],
        "move in the search",
    ),
    row(
        Browser,
        &[
            (&[key(K::Up), ctrl('p')], Up),
            (&[key(K::Down), ctrl('n')], Down),
        ],
        "previous, next query",
    ),
    row(
        Browser,
        &[
            (&[key(K::PageUp)], PageUp),
            (&[key(K::PageDown)], PageDown),
            (&[key(K::Home)], First),
            (&[key(K::End)], Last),
        ],
        "a page up, down; first, last",
    ),
    row(QueryEditor, &[(&[Text], Type)], "type the query"),
    row(QueryEditor, &[(&[key(K::Esc)], Close)], "close the editor"),
    row(
        QueryEditor,
        &[(&[key(K::F(5)), ctrl('r')], Run)],
        "run the query (refused while it has an error)",
    ),
    row(
        QueryEditor,
        &[(&[key(K::F(6)), ctrl('x')], Cancel)],
        "stop the running query",
    ),
    row(QueryEditor, &[(&[key(K::F(1))], Help)], "these keys"),
    row(
        QueryEditor,
        &[(&[key(K::F(2)), ctrl('t')], NextRange)],
        "time range: 15m, 1h, 24h, 7d, all",
    ),
    row(
        QueryEditor,
        &[(&[key(K::F(3)), ctrl('o')], TypeRange)],
        "time range: type a start and an end (RFC 3339)",
    ),
    row(
        QueryEditor,
        &[(&[ctrl('p')], Older), (&[ctrl('n')], Newer)],
        "previous, next query run",
    ),
    row(
        QueryEditor,
        &[(&[key(K::Up)], Up), (&[key(K::Down)], Down)],
        "move; past the first, last line: older, newer query",
    ),
    row(
        QueryEditor,
        &[(&[key(K::Left)], Left), (&[key(K::Right)], Right)],
        "move",
    ),
    row(
        QueryEditor,
        &[(&[Ctrl(K::Home)], TextStart), (&[Ctrl(K::End)], TextEnd)],
        "start, end of the query",
    ),
    row(
        QueryEditor,
        &[
            (&[key(K::Home), ctrl('a')], LineStart),
            (&[key(K::End), ctrl('e')], LineEnd),
        ],
        "start, end of the line",
    ),
    row(QueryEditor, &[(&[key(K::Enter)], Newline)], "new line"),
    row(QueryEditor, &[(&[key(K::Tab)], Indent)], "two spaces"),
    row(
        QueryEditor,
        &[
            (&[key(K::Backspace)], DeleteBack),
            (&[key(K::Delete)], DeleteForward),
        ],
        "delete before, under the cursor",
    ),
    row(
        QueryEditor,
        &[(&[ctrl('u')], DeleteToLineStart)],
        "delete to the start of the line",
    ),
    row(
        Timeline,
        &[
            (&[key(K::Left), c('h'), c('H')], Left),
            (&[key(K::Right), c('l'), c('L')], Right),
        ],
        "the bar before, after (ten with Shift)",
    ),
    row(
        Timeline,
        &[
            (&[key(K::Home), c('g')], First),
            (&[key(K::End), c('G')], Last),
        ],
        "the first, last bar",
    ),
    row(
        Timeline,
        &[(&[key(K::Enter)], Narrow)],
        "narrow the range to the bar",
    ),
    row(
        Timeline,
        &[(&[key(K::Esc), c('t'), c('q')], Close)],
        "back out",
    ),
    row(
        Layer::Columns,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "move down, up",
    ),
    row(
        Layer::Columns,
        &[(&[SPACE, c('x')], Toggle)],
        "show or hide the column (one always stays)",
    ),
    row(Layer::Columns, &[(&[Other], Close)], "close"),
    row(Prompt, &[(&[key(K::Esc)], Close)], "cancel"),
    row(Prompt, &[(&[key(K::Enter)], Submit)], "apply"),
    row(
        Prompt,
        &[
            (&[key(K::Backspace)], DeleteBack),
            (&[key(K::Delete)], DeleteForward),
        ],
        "delete before, under the cursor",
    ),
    row(
        Prompt,
        &[
            (&[key(K::Left)], Left),
            (&[key(K::Right)], Right),
            (&[key(K::Home)], LineStart),
            (&[key(K::End)], LineEnd),
        ],
        "move; start, end of the line",
    ),
    row(Prompt, &[(&[ctrl('u')], ClearLine)], "clear the line"),
    row(Prompt, &[(&[AnyChar], Type)], "type"),
    row(
        Confirm,
        &[(&[c('y'), c('Y')], super::Action::Confirm)],
        "replace the file",
    ),
    row(Confirm, &[(&[Other], Close)], "keep it: nothing is written"),
    row(
        HelpLayer,
        &[(&[key(K::Esc), c('?'), c('q'), key(K::F(1))], Close)],
        "close",
    ),
    row(
        HelpLayer,
        &[(&[c('j'), key(K::Down)], Down), (&[c('k'), key(K::Up)], Up)],
        "scroll",
    ),
    row(
        HelpLayer,
        &[
            (&[key(K::PageDown), SPACE], PageDown),
            (&[key(K::PageUp)], PageUp),
            (&[c('g'), key(K::Home)], First),
        ],
        "a page down, up; the top",
    ),
];
