//! The help overlay (`?`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::styles::Styles;
use crate::catalog::themes::Role;

/// Every key, by where it works. The README's key table says the same.
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "Everywhere",
        &[
            ("q, Ctrl-C", "quit"),
            ("?", "this help"),
            ("Tab, Shift-Tab", "next / previous pane"),
            ("Esc", "back out: close the detail, the prompt or this help"),
            ("/", "search the events' text"),
            (":", "command: run NAME, query TEXT, drop N (a chip),"),
            ("", "export FILE, export-all FILE, queries, edit,"),
            ("", "user NAME, ip ADDR, verb V (!V drops it), clear, q"),
            (
                "Backspace",
                "drop the last filter (the query's events last)",
            ),
            ("c", "choose the table's columns (Space shows or hides one)"),
            ("C", "clear every filter"),
            ("Space", "mark or unmark the event (and move down)"),
            ("t", "pick a timeline bar: ← → move, Enter narrows to it"),
            (
                "e / E",
                "export the marked events / the whole filtered result",
            ),
            ("p", "following: pause / resume the live tail"),
            ("R", "CloudWatch refused or did not answer: try again"),
        ],
    ),
    (
        "Queries",
        &[
            ("b", "browse the canned queries (Enter runs, Tab edits)"),
            (
                "F",
                "findings: every detection over the events; Enter shows the hits",
            ),
            (";, F2", "open the query editor (F5 or Ctrl-R runs)"),
            ("r", "switch between the events and the query's answer"),
            ("Ctrl-X, F6", "stop the running query"),
            ("Esc", "from the answer back to the events"),
            (
                "Enter, Space",
                "in the answer: the row's event in detail, mark it",
            ),
        ],
    ),
    ("Query answer", super::super::query::results::KEYS),
    ("Query browser", super::super::query::browser::KEYS),
    ("Query editor", super::super::query::editor::KEYS),
    (
        "Events",
        &[
            ("j k, ↓ ↑", "move"),
            ("PgDn PgUp, Ctrl-D Ctrl-U", "page, half page"),
            ("g G, Home End", "first, last"),
            ("Enter", "open the event's detail"),
            ("s, S", "sort by the next column (then time order), reverse"),
            ("mouse", "scroll; click a row to select it"),
        ],
    ),
    (
        "Facets",
        &[
            ("h l, ← →", "previous / next facet"),
            ("j k", "move through the values"),
            (
                "Enter, +, i",
                "keep only this value (values of one facet add up)",
            ),
            ("-, x", "drop this value"),
            ("mouse", "click a value to pick it, again to keep it"),
        ],
    ),
    (
        "Detail",
        &[
            ("j k", "scroll"),
            ("← →, Enter", "choose a pivot, take it"),
            ("1-9", "take that pivot"),
            ("z, Z", "fold the request and response one level more, less"),
        ],
    ),
];

/// Lines the help takes, for scrolling.
pub fn lines() -> u16 {
    KEYS.iter().map(|(_, keys)| keys.len() as u16 + 2).sum()
}

pub fn draw(buf: &mut Buffer, area: Rect, styles: &Styles, scroll: u16) {
    let width = area.width.min(84);
    let lines_needed: usize = KEYS.iter().map(|(_, keys)| keys.len() + 2).sum();
    let height = area.height.min(lines_needed as u16 + 2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let mut lines = Vec::new();
    for (section, keys) in KEYS {
        lines.push(Line::styled(*section, styles.get(Role::Header)));
        for (key, what) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<26}"), styles.get(Role::Accent)),
                Span::styled(*what, styles.get(Role::Text)),
            ]));
        }
        lines.push(Line::default());
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys · j k scroll · Esc or ? closes ")
                .border_style(styles.border(true)),
        )
        .style(styles.get(Role::Text))
        .scroll((scroll, 0))
        .render(popup, buf);
}
