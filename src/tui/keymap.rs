//! The console's keys, by where they work.

use super::query;

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
    ("Query answer", query::results::KEYS),
    ("Query browser", query::browser::KEYS),
    ("Query editor", query::editor::KEYS),
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

/// Lines the help overlay takes: a title and a blank line per section, and a line per row.
pub fn help_lines() -> u16 {
    KEYS.iter().map(|(_, keys)| keys.len() as u16 + 2).sum()
}
