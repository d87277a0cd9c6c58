//! Drawing the editor: numbered lines, a caret line under each problem, the time range and
//! what the last key could not do. Read-only: the scroll follows from the cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::styles::Styles;
use super::editor::Editor;
use super::highlight::styled_lines;
use super::time::RangeField;
use super::{sanitize_chars, skip_columns, width, wrap};
use crate::catalog::themes::Role;
use crate::insights::diag::Diagnostic;

/// One screen line of the text pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Text(usize),
    /// The caret under the problem with this index, its message beside it when it fits.
    Caret(usize),
    /// A line of the problem's message, when it does not fit beside the caret.
    Note(usize, usize),
}

/// Where things go for one area.
struct Geometry {
    text: Rect,
    gutter: u16,
    status: Rect,
    message: Rect,
    rows: Vec<Row>,
    /// Per problem: its message cut to the pane's width, or nothing when it fits beside the
    /// caret.
    notes: Vec<Vec<String>>,
    top: usize,
    left: usize,
}

/// Where a problem is: its line, and the columns its caret starts at and covers.
fn place(editor: &Editor, d: &Diagnostic) -> (usize, usize, usize) {
    let lines = editor.buffer.lines();
    let mut start = d.span.start;
    let mut line_start = 0;
    for (i, line) in lines.iter().enumerate() {
        let line_end = line_start + line.len();
        if start <= line_end || i + 1 == lines.len() {
            start = start.clamp(line_start, line_end);
            while !line.is_char_boundary(start - line_start) {
                start -= 1;
            }
            let at = start - line_start;
            let mut end = d.span.end.clamp(start, line_end) - line_start;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            let column = width(&sanitize_chars(&line[..at]));
            let len = width(&sanitize_chars(&line[at..end])).max(1);
            return (i, column, len);
        }
        line_start = line_end + 1;
    }
    (0, 0, 1)
}

impl Editor {
    fn geometry(&self, area: Rect) -> Geometry {
        let inner = Block::default().borders(Borders::ALL).inner(area);
        let footer = inner.height.saturating_sub(1).min(2);
        let text = Rect {
            height: inner.height - footer,
            ..inner
        };
        let status = Rect {
            y: text.y + text.height,
            height: footer.min(1),
            ..inner
        };
        let message = Rect {
            y: status.y + 1,
            height: footer.saturating_sub(1),
            ..inner
        };
        let lines = self.buffer.lines().len();
        let gutter = lines.to_string().len().max(2) as u16 + 1;
        let room = usize::from(text.width.saturating_sub(gutter).max(1));
        let mut placed = Vec::with_capacity(self.diagnostics.len());
        let mut notes = Vec::with_capacity(self.diagnostics.len());
        for (i, d) in self.diagnostics.iter().enumerate() {
            let (line, column, len) = place(self, d);
            let message = describe(d);
            let beside = column + len + 1 + width(&message) <= room;
            notes.push(if beside {
                Vec::new()
            } else {
                wrap(&message, room)
            });
            placed.push((line, i));
        }
        placed.sort();
        let mut rows = Vec::with_capacity(lines + placed.len());
        let mut next = placed.iter().peekable();
        for line in 0..lines {
            rows.push(Row::Text(line));
            while let Some((_, i)) = next.next_if(|(l, _)| *l == line) {
                rows.push(Row::Caret(*i));
                rows.extend((0..notes[*i].len()).map(|k| Row::Note(*i, k)));
            }
        }
        let (row, col) = self.buffer.cursor();
        let at = rows.iter().position(|r| *r == Row::Text(row)).unwrap_or(0);
        let carets = rows[at + 1..]
            .iter()
            .take_while(|r| matches!(r, Row::Caret(_) | Row::Note(..)))
            .count();
        let height = usize::from(text.height.max(1));
        // The cursor's line, and the problems under it when they fit.
        let top = (at + carets).saturating_sub(height - 1).min(at);
        let line = &self.buffer.lines()[row];
        let before: String = line.chars().take(col).collect();
        let x = width(&sanitize_chars(&before));
        Geometry {
            text,
            gutter,
            status,
            message,
            rows,
            notes,
            top,
            left: x.saturating_sub(room - 1),
        }
    }

    /// Where the terminal's cursor goes.
    pub fn cursor_position(&self, area: Rect) -> Option<Position> {
        let g = self.geometry(area);
        if let Some(input) = &self.range_input {
            if g.status.height == 0 {
                return None;
            }
            let (before, field) = range_prefix(input);
            let typed: String = field.lines()[0].chars().take(field.cursor().1).collect();
            let x = width(&before) + width(&sanitize_chars(&typed));
            let x = g.status.x + x as u16;
            return (x < g.status.right()).then_some(Position::new(x, g.status.y));
        }
        let (row, col) = self.buffer.cursor();
        let visible = g.rows.iter().skip(g.top).take(usize::from(g.text.height));
        let y = visible.take_while(|r| **r != Row::Text(row)).count();
        if y >= usize::from(g.text.height) {
            return None;
        }
        let before: String = self.buffer.lines()[row].chars().take(col).collect();
        let x = width(&sanitize_chars(&before)).saturating_sub(g.left);
        let x = g.text.x + g.gutter + x as u16;
        (x < g.text.right()).then_some(Position::new(x, g.text.y + y as u16))
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        if area.is_empty() {
            return;
        }
        Clear.render(area, buf);
        buf.set_style(area, styles.get(Role::Background));
        let mut title = vec![Span::styled(" query ", styles.get(Role::Accent))];
        if let Some((n, of)) = self.history().position() {
            title.push(Span::styled(
                format!("· history {n} of {of} "),
                styles.get(Role::Muted),
            ));
        }
        let keys = " F5 run · F2 time · Esc close · F1 keys ";
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title))
            .title_bottom(Line::styled(keys, styles.get(Role::Muted)).right_aligned())
            .border_style(styles.border(true));
        block.render(area, buf);
        let g = self.geometry(area);
        self.render_text(&g, buf, styles);
        self.render_footer(&g, buf, styles);
    }

    fn render_text(&self, g: &Geometry, buf: &mut Buffer, styles: &Styles) {
        let text = self.buffer.text();
        let mut lines = styled_lines(&text, &self.highlights, styles).into_iter();
        let mut built = Vec::with_capacity(self.buffer.lines().len());
        for _ in 0..self.buffer.lines().len() {
            built.push(lines.next().unwrap_or_default());
        }
        let muted = styles.get(Role::Muted);
        let number_width = usize::from(g.gutter) - 1;
        let shown: Vec<Line<'static>> = g
            .rows
            .iter()
            .skip(g.top)
            .take(usize::from(g.text.height))
            .map(|row| {
                let pad = " ".repeat(usize::from(g.gutter));
                let (gutter, body) = match *row {
                    Row::Text(i) => (
                        format!("{:>number_width$} ", i + 1),
                        skip_columns(std::mem::take(&mut built[i]), g.left),
                    ),
                    Row::Caret(i) => {
                        let inline = g.notes[i].is_empty();
                        let caret = self.caret_line(&self.diagnostics[i], inline, styles);
                        (pad, skip_columns(caret, g.left))
                    }
                    // Not scrolled with the text: a note is read, not lined up.
                    Row::Note(i, k) => (
                        pad,
                        Line::styled(
                            g.notes[i][k].clone(),
                            role_style(&self.diagnostics[i], styles),
                        ),
                    ),
                };
                let mut spans = vec![Span::styled(gutter, muted)];
                spans.extend(
                    body.spans
                        .into_iter()
                        .map(|s| Span::styled(s.content, body.style.patch(s.style))),
                );
                Line::from(spans)
            })
            .collect();
        Paragraph::new(shown)
            .style(styles.get(Role::Text))
            .render(g.text, buf);
    }

    fn caret_line(&self, d: &Diagnostic, with_message: bool, styles: &Styles) -> Line<'static> {
        let (_, column, len) = place(self, d);
        let mut text = format!("{}^{}", " ".repeat(column), "~".repeat(len - 1));
        if with_message {
            text.push(' ');
            text.push_str(&describe(d));
        }
        Line::styled(text, role_style(d, styles))
    }

    fn render_footer(&self, g: &Geometry, buf: &mut Buffer, styles: &Styles) {
        let muted = styles.get(Role::Muted);
        let status = if let Some(input) = &self.range_input {
            let field = |f: RangeField| {
                if input.field == f {
                    styles.get(Role::Accent)
                } else {
                    styles.get(Role::Text)
                }
            };
            Line::from(vec![
                Span::styled("from ", muted),
                Span::styled(
                    sanitize_chars(&input.start.text()),
                    field(RangeField::Start),
                ),
                Span::styled("  to ", muted),
                Span::styled(sanitize_chars(&input.end.text()), field(RangeField::End)),
                Span::styled("  (RFC 3339 · Tab switches · Enter sets · Esc)", muted),
            ])
        } else {
            let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = self.diagnostics.len() - errors;
            let mut spans = vec![
                Span::styled("time: ", muted),
                Span::styled(self.time.label(), styles.get(Role::Accent)),
                Span::styled(" (F2 presets, F3 from/to)", muted),
            ];
            let mut count = |n: usize, what: &str, role: Role| {
                if n > 0 {
                    spans.push(Span::styled(" · ", muted));
                    spans.push(Span::styled(crate::text::count(n, what), styles.get(role)));
                }
            };
            count(errors, "error", Role::Error);
            count(warnings, "warning", Role::Warning);
            Line::from(spans)
        };
        Paragraph::new(status).render(g.status, buf);
        let range_error = self.range_input.as_ref().and_then(|i| i.error.as_ref());
        let message = match (range_error, &self.refused) {
            (Some(e), _) => Line::styled(e.message.clone(), styles.get(Role::Error)),
            (None, Some(refused)) => Line::styled(refused.clone(), styles.get(Role::Error)),
            (None, None) => Line::styled("F5 or Ctrl-R runs · F6 or Ctrl-X cancels", muted),
        };
        Paragraph::new(message).render(g.message, buf);
    }
}

fn role_style(d: &Diagnostic, styles: &Styles) -> ratatui::style::Style {
    styles.get(if d.is_error() {
        Role::Error
    } else {
        Role::Warning
    })
}

/// What a problem says, with the nearest known name when there is one; terminal-safe.
fn describe(d: &Diagnostic) -> String {
    let mut text = String::new();
    if !d.is_error() {
        text.push_str("warning: ");
    }
    text.push_str(&crate::text::sanitize(&d.message));
    if let Some(s) = &d.suggestion {
        let s = crate::insights::diag::code(&crate::text::sanitize(s));
        text.push_str(&format!(" · did you mean {s}?"));
    }
    text
}

/// The status line's text before the focused bound, and that bound.
fn range_prefix(input: &super::time::RangeInput) -> (String, &super::buffer::TextBuffer) {
    match input.field {
        RangeField::Start => ("from ".to_string(), &input.start),
        RangeField::End => (
            format!("from {}  to ", sanitize_chars(&input.start.text())),
            &input.end,
        ),
    }
}
