//! The detail pane: the selected event at a glance, its authorization decoded, the pivots, and
//! the request and response objects.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::super::detail::Tone;
use super::super::json::{self, JsonDoc, Piece};
use super::super::state::{Focus, State};
use super::super::styles::Styles;
use crate::catalog::themes::Role;
use crate::text::sanitize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

fn tone_role(tone: Tone) -> Role {
    match tone {
        Tone::Plain => Role::Text,
        Tone::Allow => Role::Allow,
        Tone::Deny => Role::Deny,
        Tone::Warning => Role::Warning,
        Tone::Muted => Role::Muted,
    }
}

/// One line of a JSON object, coloured by what each piece is; every piece made terminal-safe.
/// The most of one value the pane draws: more than a screen holds, and a 10 MB request body
/// must not be copied, escaped and wrapped on every frame.
const SHOWN_CHARS: usize = 4096;

/// `text` as the pane shows it: cut at [`SHOWN_CHARS`] (saying how much was left out), then
/// escaped.
pub(super) fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => sanitize(text).into_owned(),
        Some((cut, _)) => format!(
            "{}… ({} more bytes: export the event to read it whole)",
            sanitize(&text[..cut]),
            text.len() - cut
        ),
    }
}

fn json_line(depth: usize, pieces: &[Piece], styles: &Styles) -> Line<'static> {
    let mut spans = vec![Span::raw("  ".repeat(depth + 1))];
    for p in pieces {
        let (text, role) = match p {
            Piece::Key(k) => (k.as_str(), Role::SyntaxField),
            Piece::Str(s) => (s.as_str(), Role::SyntaxString),
            Piece::Num(n) => (n.as_str(), Role::SyntaxNumber),
            Piece::Lit(l) => (*l, Role::SyntaxKeyword),
            Piece::Punct(p) => (p.as_str(), Role::SyntaxOperator),
            Piece::Note(n) => (n.as_str(), Role::Muted),
        };
        spans.push(Span::styled(shown(text), styles.get(role)));
    }
    Line::from(spans)
}

/// The label column's width: a label as wide or wider goes on a line of its own, so that it
/// never runs into its value.
const LABEL: usize = 14;

fn labelled(
    lines: &mut Vec<Line<'_>>,
    l: &super::super::detail::Line,
    width: usize,
    styles: &Styles,
) {
    let label = sanitize(&l.label);
    let style = styles.get(tone_role(l.tone));
    // A value too long for its column goes on under itself, not back under the label.
    let mut rows = hanging(&shown(&l.value), width.saturating_sub(LABEL + 2)).into_iter();
    let first = rows.next().unwrap_or_default();
    if label.width() < LABEL {
        let pad = " ".repeat(LABEL - label.width());
        lines.push(Line::from(vec![
            Span::styled(format!("  {label}{pad}"), styles.get(Role::Muted)),
            Span::styled(first, style),
        ]));
    } else {
        lines.push(Line::styled(format!("  {label}"), styles.get(Role::Muted)));
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL + 2)),
            Span::styled(first, style),
        ]));
    }
    for row in rows {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL + 2)),
            Span::styled(row, style),
        ]));
    }
}

/// `text` in rows of at most `width` columns, broken after a space where one is near enough,
/// else where the row is full. Too narrow a column (under 16) takes the text whole: the pane
/// wraps it.
pub(super) fn hanging(text: &str, width: usize) -> Vec<String> {
    if width < 16 || text.width() <= width {
        return vec![text.to_string()];
    }
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut row_width = 0;
    // Where the row could end after a space: its byte length then.
    let mut last_space = None;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if row_width + w > width {
            match last_space {
                Some(at) if at > 0 => {
                    let rest = row.split_off(at);
                    rows.push(std::mem::take(&mut row));
                    row = rest;
                }
                _ => rows.push(std::mem::take(&mut row)),
            }
            row_width = row.width();
            last_space = None;
        }
        row.push(c);
        row_width += w;
        if c == ' ' {
            last_space = Some(row.len());
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

/// What the pane says while it has no event to show.
fn nothing_shown(state: &State) -> &'static str {
    if state.detail_row.is_some() {
        return "reading…";
    }
    match state.query.run.as_ref() {
        Some(run) if state.query.showing && run.running => {
            "the query is running: the event of the answer's row under the cursor shows here"
        }
        Some(run) if state.query.showing && run.view.result().is_none_or(|r| r.rows.is_empty()) => {
            "the answer has no rows: no event to show here; r shows the events"
        }
        Some(run) if state.query.showing && run.row_of.iter().all(Option::is_none) => {
            "the answer's rows are not events (a `stats` answer): no event to show here; r shows the events"
        }
        Some(_) if state.query.showing => {
            "this row of the answer is not an event held here: Enter fetches it, r shows the events"
        }
        _ => "no event under the cursor",
    }
}

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let focused = state.focus == Focus::Detail;
    let inner_width = usize::from(area.width.saturating_sub(2));
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(" event · Enter/1-9 pivot · ←→ choose · Esc close ")
        .border_style(styles.border(focused));
    // The pivot Enter takes, in sight wherever the pane is scrolled: the list of them comes
    // after the decoded sections, often below the pane's foot.
    if let Some(pivot) = state
        .detail
        .data
        .as_ref()
        .and_then(|d| d.pivots.get(state.detail.pivot))
    {
        let said = format!(
            " Enter: {} {} ",
            state.detail.pivot + 1,
            shown(&pivot.label)
        );
        let said = crate::text::fit_columns(&said, inner_width.saturating_sub(2)).into_owned();
        block = block.title_bottom(Line::styled(said, styles.get(Role::Accent)));
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    match &state.detail.data {
        None => lines.push(Line::styled(nothing_shown(state), styles.get(Role::Muted))),
        Some(data) => {
            // The case's mark first: why this event is evidence.
            if let Some(mark) = state
                .detail
                .row
                .and_then(|row| state.case.as_ref()?.marks.get(&row))
            {
                lines.push(Line::styled(
                    format!("marked {} (m changes it)", mark.label()),
                    styles.get(Role::Accent),
                ));
            }
            if let Some(error) = &data.error {
                lines.push(Line::styled(
                    sanitize(error).into_owned(),
                    styles.get(Role::Error),
                ));
            }
            for section in &data.sections {
                lines.push(Line::styled(section.title, styles.get(Role::Header)));
                for l in &section.lines {
                    labelled(&mut lines, l, inner_width, styles);
                }
            }
            if !data.pivots.is_empty() {
                lines.push(Line::styled("Pivots", styles.get(Role::Header)));
                for (i, p) in data.pivots.iter().enumerate() {
                    let mut style = styles.get(Role::Accent);
                    if i == state.detail.pivot {
                        style = style.patch(styles.get(Role::Selected));
                    }
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {} ", i + 1), styles.get(Role::Muted)),
                        Span::styled(shown(&p.label), style),
                    ]));
                }
            }
            for (title, json) in [("Request", &data.request), ("Response", &data.response)] {
                let Some(json) = json else { continue };
                let fold = match state.detail.fold_at {
                    Some(at) => format!(" (folded from depth {at}; z folds, Z unfolds)"),
                    None => " (z folds)".to_string(),
                };
                lines.push(Line::from(vec![
                    Span::styled(title, styles.get(Role::Header)),
                    Span::styled(fold, styles.get(Role::Muted)),
                ]));
                match json {
                    JsonDoc::Text(text) => {
                        for l in text.lines() {
                            lines.push(Line::styled(
                                format!("  {}", shown(l)),
                                styles.get(Role::Text),
                            ));
                        }
                    }
                    JsonDoc::Tree(node) => {
                        for (depth, pieces) in json::lines(node, state.detail.fold_at) {
                            lines.push(json_line(depth, &pieces, styles));
                        }
                    }
                }
            }
        }
    }
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((state.detail.scroll, 0))
        .render(area, buf);
}
