//! The query side of the console, as self-contained components: each is plain state, a pure
//! `handle_key` that returns what it wants done, and a read-only `render`. Nothing here does I/O
//! or reads a clock: running, cancelling and saving are actions (or, for the history file, two
//! plain functions) that the update and the runner carry out.
//!
//! | file | owns |
//! |---|---|
//! | `browser`, `browser_view` | the canned queries, fuzzy-searched, with a preview |
//! | `editor`, `editor_view` | the query editor: text, diagnostics in place, history, time range |
//! | `buffer` | the multi-line text both the editor and the search box edit |
//! | `highlight` | query text → coloured spans, from the language's own lexer |
//! | `history` | past queries, and loading and saving them |
//! | `time` | the time range: presets, typed RFC 3339 bounds |
//! | `answer`, `answer_view`, `columns`, `chart` | a query's rows as a sortable table, or as a chart |
//! | `stats` | a run's figures: records and bytes scanned, matched, time taken |

pub mod answer;
mod answer_view;
pub mod browser;
mod browser_view;
pub mod buffer;
pub mod chart;
mod columns;
pub mod editor;
mod editor_view;
pub mod highlight;
pub mod history;
pub mod stats;
pub mod time;

#[cfg(test)]
mod test_support;

pub use answer::{AnswerAction, AnswerView};
pub use browser::{Browser, BrowserAction};
pub use editor::{Editor, EditorAction};
pub use history::History;
pub use stats::RunStats;
pub use time::{TimeChoice, anchor_ms};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

use super::keymap::typed;

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// Terminal columns `s` takes (wide characters count two).
fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// `s` made terminal-safe one character at a time, so that a column of the text maps to a
/// column on screen whatever follows it ([`crate::text::sanitize`] doubles a backslash before
/// `n`).
fn sanitize_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        crate::text::sanitize_into(c.encode_utf8(&mut buf), &mut out);
    }
    out
}

/// `text` in lines of at most `columns` terminal columns, broken between words where it can be.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w = width(word);
        if used > 0 && used + 1 + w <= columns {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word longer than a line is cut where the line ends.
        let mut buf = [0u8; 4];
        for c in word.chars() {
            let cw = width(c.encode_utf8(&mut buf));
            if used + cw > columns && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `line` without its first `columns` terminal columns: a horizontal scroll. A wide character
/// cut in half leaves a space, so that what follows stays in its column.
fn skip_columns(line: Line<'static>, columns: usize) -> Line<'static> {
    if columns == 0 {
        return line;
    }
    let mut left = columns;
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in line.spans {
        if left == 0 {
            spans.push(span);
            continue;
        }
        let mut kept = String::new();
        let mut buf = [0u8; 4];
        for c in span.content.chars() {
            if left > 0 {
                let w = width(c.encode_utf8(&mut buf));
                if w > left {
                    kept.extend(std::iter::repeat_n(' ', w - left));
                }
                left = left.saturating_sub(w);
            } else {
                kept.push(c);
            }
        }
        if !kept.is_empty() {
            spans.push(Span::styled(kept, span.style));
        }
    }
    Line::from(spans).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    #[test]
    fn skipping_columns_keeps_styles_and_drops_half_a_wide_character() {
        let red = Style::new().fg(Color::Red);
        let line = Line::from(vec![Span::raw("ab"), Span::styled("日本x", red)]);
        let cut = skip_columns(line.clone(), 3);
        assert_eq!(cut.spans.len(), 1);
        assert_eq!(cut.spans[0].content, " 本x");
        assert_eq!(cut.spans[0].style, red);
        assert_eq!(skip_columns(line.clone(), 4).spans[0].content, "本x");
        assert_eq!(skip_columns(line, 0).width(), 7);
    }

    #[test]
    fn every_component_draws_at_any_size() {
        use crate::insights::exec::{QueryResult, Statistics};
        use crate::insights::value::Value;
        let styles = test_support::styles();
        let mut browser = Browser::new(&crate::catalog::Catalog::load(None));
        browser.handle_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE));
        let mut editor = Editor::new("stats cout(*) by bin(5m)\n| sort x dsc", History::default());
        editor.handle_key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE));
        let rows = (0..50)
            .map(|i| {
                vec![
                    Value::Time(i * 300_000),
                    Value::Float(123_456_789.5 * i as f64),
                ]
            })
            .collect();
        let result = QueryResult {
            columns: vec!["bin(5m)".into(), "sum(x)".into()],
            rows,
            statistics: Statistics::default(),
            capped: true,
        };
        let mut answer = AnswerView::new("t", "stats sum(x) by bin(5m)");
        answer.set_result(result, 1);
        let mut chart = answer.clone();
        chart.handle_key(KeyEvent::new(KeyCode::Char('v'), KeyModifiers::NONE));
        let mut picker = answer.clone();
        picker.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE));
        for width in [0, 1, 2, 3, 5, 8, 13, 21, 34] {
            for height in [0, 1, 2, 3, 4, 6, 9] {
                test_support::draw(
                    width,
                    height,
                    |a, b| {
                        browser.render(a, b, &styles);
                        editor.render(a, b, &styles);
                        answer.render(a, b, &styles, true);
                        chart.render(a, b, &styles, false);
                        picker.render(a, b, &styles, true);
                    },
                    |a| {
                        let inside =
                            |p: Option<ratatui::layout::Position>| p.is_none_or(|p| a.contains(p));
                        assert!(inside(browser.cursor_position(a)), "{a:?}");
                        assert!(inside(editor.cursor_position(a)), "{a:?}");
                        None
                    },
                );
            }
        }
    }

    #[test]
    fn wrapping_breaks_between_words_and_cuts_long_ones() {
        assert_eq!(
            wrap("expected `|` or the end", 10),
            ["expected", "`|` or the", "end"]
        );
        assert_eq!(wrap("abcdefghijkl x", 5), ["abcde", "fghij", "kl x"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("日本語", 4), ["日本", "語"]);
    }

    #[test]
    fn ctrl_wants_control_held() {
        let k = |code, m| KeyEvent::new(code, m);
        assert!(ctrl(&k(KeyCode::Char('e'), KeyModifiers::CONTROL), 'e'));
        assert!(!ctrl(&k(KeyCode::Char('e'), KeyModifiers::NONE), 'e'));
    }
}
