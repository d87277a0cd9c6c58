//! Drawing the browser: the search line, the list with the matched characters marked, and the
//! chosen query's description and text. Read-only: the list scrolls to keep the cursor in view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::super::styles::Styles;
use super::browser::{Browser, tag_line};
use super::highlight::{highlight, styled_lines};
use super::{sanitize_chars, width};
use crate::catalog::Origin;
use crate::catalog::themes::Role;

const SEARCH_LABEL: &str = "search: ";

/// Names wider than this push their description along rather than widen every row.
const NAME_COLUMN: usize = 30;

struct Areas {
    search: Rect,
    list: Rect,
    preview: Rect,
    /// Side by side (else the preview is under the list).
    wide: bool,
}

/// `rows`: the lines the list would like, so that a short list leaves the preview more room
/// when the two are stacked.
fn areas(area: Rect, rows: usize) -> Areas {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let [search, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let wide = body.width >= 100;
    let [list, preview] = if wide {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body)
    } else {
        let list = (rows.max(2) as u16).min(body.height * 2 / 5);
        Layout::vertical([Constraint::Length(list), Constraint::Min(0)]).areas(body)
    };
    Areas {
        search,
        list,
        preview,
        wide,
    }
}

/// `text` as spans, the characters at `at` (character positions) in the match style.
fn marked(text: &str, at: &[usize], base: Style, hit: Style) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in text.chars().enumerate() {
        let is_hit = at.binary_search(&i).is_ok();
        if is_hit != run_hit && !run.is_empty() {
            let style = if run_hit { base.patch(hit) } else { base };
            spans.push(Span::styled(sanitize_chars(&run), style));
            run.clear();
        }
        run_hit = is_hit;
        run.push(c);
    }
    if !run.is_empty() {
        let style = if run_hit { base.patch(hit) } else { base };
        spans.push(Span::styled(sanitize_chars(&run), style));
    }
    spans
}

impl Browser {
    /// Where the terminal's cursor goes: in the search line.
    pub fn cursor_position(&self, area: Rect) -> Option<Position> {
        let a = areas(area, self.hits().len());
        if a.search.is_empty() {
            return None;
        }
        let before: String = self.search.lines()[0]
            .chars()
            .take(self.search.cursor().1)
            .collect();
        let x = a.search.x + (width(SEARCH_LABEL) + width(&sanitize_chars(&before))) as u16;
        (x < a.search.right()).then_some(Position::new(x, a.search.y))
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        if area.is_empty() {
            return;
        }
        Clear.render(area, buf);
        buf.set_style(area, styles.get(Role::Background));
        let muted = styles.get(Role::Muted);
        let title = format!(
            " canned queries · {} of {} ",
            self.hits().len(),
            self.queries().len()
        );
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(title, styles.get(Role::Accent)))
            .title_bottom(Line::styled(" Enter run · Tab edit · Esc close ", muted).right_aligned())
            .border_style(styles.border(true))
            .render(area, buf);
        let a = areas(area, self.hits().len());
        Paragraph::new(Line::from(vec![
            Span::styled(SEARCH_LABEL, styles.get(Role::Accent)),
            Span::styled(sanitize_chars(&self.search()), styles.get(Role::Text)),
        ]))
        .render(a.search, buf);
        self.render_list(a.list, buf, styles);
        self.render_preview(&a, buf, styles);
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        if self.hits().is_empty() {
            let lines = vec![
                Line::styled(
                    match self.misses().as_slice() {
                        [] => format!(
                            "no canned query matches every word of “{}”",
                            sanitize_chars(self.search().trim())
                        ),
                        misses => format!(
                            "no canned query matches “{}”",
                            sanitize_chars(&misses.join("”, “"))
                        ),
                    },
                    styles.get(Role::Warning),
                ),
                Line::styled(
                    "Backspace or Ctrl-U changes the search",
                    styles.get(Role::Muted),
                ),
            ];
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(area, buf);
            return;
        }
        let name_width = self
            .queries()
            .iter()
            .map(|q| width(&q.name))
            .max()
            .unwrap_or(0)
            .min(NAME_COLUMN);
        let height = usize::from(area.height.max(1));
        let top = self.selected_index().saturating_sub(height - 1);
        let (text, muted, hit) = (
            styles.get(Role::Text),
            styles.get(Role::Muted),
            styles.get(Role::Match),
        );
        let lines: Vec<Line> = self
            .hits()
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(i, h)| {
                let q = &self.queries()[h.index];
                let mut spans = vec![Span::raw(if i == self.selected_index() {
                    "▶ "
                } else {
                    "  "
                })];
                spans.extend(marked(&q.name, &h.name, text, hit));
                let pad = name_width.saturating_sub(width(&q.name)) + 2;
                spans.push(Span::raw(" ".repeat(pad)));
                spans.extend(marked(&q.description, &h.description, muted, hit));
                let line = Line::from(spans);
                if i == self.selected_index() {
                    line.style(styles.get(Role::Selected))
                } else {
                    line
                }
            })
            .collect();
        Paragraph::new(lines).render(area, buf);
    }

    fn render_preview(&self, a: &Areas, buf: &mut Buffer, styles: &Styles) {
        let block = Block::default()
            .borders(if a.wide { Borders::LEFT } else { Borders::TOP })
            .border_style(styles.border(false));
        let inner = block.inner(a.preview);
        block.render(a.preview, buf);
        let Some((hit, q)) = self.selected() else {
            return;
        };
        let (muted, hit_style) = (styles.get(Role::Muted), styles.get(Role::Match));
        let pad = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(1),
            ..inner
        };
        let mut lines = vec![
            Line::styled(sanitize_chars(&q.name), styles.get(Role::Header)),
            Line::from(marked(
                &q.description,
                &hit.description,
                styles.get(Role::Text),
                hit_style,
            )),
        ];
        if !q.tags.is_empty() {
            let mut tags = vec![Span::styled("tags: ", muted)];
            tags.extend(marked(&tag_line(q), &hit.tags, muted, hit_style));
            lines.push(Line::from(tags));
        }
        let from = match &q.origin {
            Origin::Embedded => "built in".to_string(),
            Origin::User(path) => sanitize_chars(&path.display().to_string()),
        };
        lines.push(Line::styled(format!("from: {from}"), muted));
        if let Some(source) = &q.source {
            lines.push(Line::styled(
                format!("source: {}", sanitize_chars(source)),
                muted,
            ));
        }
        lines.push(Line::default());
        lines.extend(styled_lines(&q.body, &highlight(&q.body), styles));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(pad, buf);
    }
}
