//! Drawing a query's answer: the table (only the rows on screen are built), the column picker, the
//! chart, and the run's figures. Read-only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Widget};

use super::super::names::fit_name;
use super::super::styles::Styles;
use super::answer::{AnswerView, Mode, visible_offset};
use super::chart::{ChartKind, bin_step, draw_bars, draw_series, time_of};
use super::columns::{ColumnWidth, SPACING, cell_text, fit, is_identity_column};
use super::stats::thousands;
use crate::catalog::themes::Role;
use crate::text::sanitize;

impl AnswerView {
    pub fn render(&self, area: Rect, buf: &mut Buffer, styles: &Styles, focused: bool) {
        self.render_marked(area, buf, styles, focused, &[]);
    }

    /// [`AnswerView::render`], the rows whose event is marked (`marked[i]` for the answer's
    /// `i`-th row) shown so, as in the events table.
    pub fn render_marked(
        &self,
        area: Rect,
        buf: &mut Buffer,
        styles: &Styles,
        focused: bool,
        marked: &[bool],
    ) {
        if area.is_empty() {
            return;
        }
        let mut title = format!(" {} ", sanitize(&self.title));
        if let Some(r) = &self.result {
            let n = r.rows.len();
            let rows = if n == 1 { "row" } else { "rows" };
            title.push_str(&format!("· {} {rows} ", thousands(n as u64)));
        }
        let mut hints = String::from(" s sort · c columns ");
        if self.chart.is_some() {
            hints.push_str(match self.mode {
                Mode::Table => "· v chart ",
                Mode::Chart => "· v table ",
            });
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(title, styles.get(Role::Accent)))
            .title_bottom(Line::styled(hints, styles.get(Role::Muted)).right_aligned())
            .border_style(styles.border(focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 {
            return;
        }
        let body = Rect {
            height: inner.height - 1,
            ..inner
        };
        let footer = Rect {
            y: inner.bottom() - 1,
            height: 1,
            ..inner
        };
        self.render_footer(footer, buf, styles);
        let Some(result) = &self.result else {
            let text = if self.run.running {
                "running…"
            } else {
                "no answer yet"
            };
            Paragraph::new(Line::styled(text, styles.get(Role::Muted))).render(body, buf);
            return;
        };
        if result.rows.is_empty() {
            let text = "no rows: nothing matched the query in this time range";
            Paragraph::new(Line::styled(text, styles.get(Role::Muted))).render(body, buf);
        } else if let (Mode::Chart, Some(chart)) = (self.mode, &self.chart) {
            self.render_chart(chart, body, buf, styles);
        } else {
            self.render_table(body, buf, styles, marked);
        }
        if let Some(at) = self.picker {
            self.render_picker(at, body, buf, styles);
        }
    }

    fn render_footer(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        let mut spans = vec![Span::styled(self.run.line(), styles.get(Role::Muted))];
        if self.result.as_ref().is_some_and(|r| r.capped) {
            spans.push(Span::styled(
                " · stopped at the row cap: add `limit` or narrow the query",
                styles.get(Role::Warning),
            ));
        }
        if let Some(note) = &self.note {
            spans.push(Span::styled(
                format!(" · {note}"),
                styles.get(Role::Warning),
            ));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }

    fn render_table(&self, area: Rect, buf: &mut Buffer, styles: &Styles, marked: &[bool]) {
        let Some(result) = &self.result else { return };
        let shown = self.shown_columns();
        // A mark column only while a row is marked: most answers never have one.
        let marks = marked.contains(&true);
        let is_marked = |row: usize| marked.get(row).copied().unwrap_or(false);
        let rows_on_screen = usize::from(area.height.saturating_sub(1));
        let offset = visible_offset(self.offset, self.cursor, rows_on_screen);
        let end = (offset + rows_on_screen).min(self.order.len());
        let wanted: Vec<ColumnWidth> = shown
            .iter()
            .map(|&c| {
                self.widths.get(c).copied().unwrap_or(ColumnWidth {
                    content: 8,
                    title: 8,
                    plain: false,
                })
            })
            .collect();
        let mark_width = if marks { 1 + SPACING } else { 0 };
        let room = usize::from(area.width)
            .saturating_sub(SPACING * shown.len().saturating_sub(1))
            .saturating_sub(mark_width);
        let fitted = fit(&wanted, room);
        // Who sent a request is told apart by the end of the name as much as by its start
        // (`system:serviceaccount:kube-system:…`): cut in the middle, as the events table cuts.
        let identity: Vec<bool> = shown
            .iter()
            .map(|&c| is_identity_column(&result.columns[c]))
            .collect();
        let mut widths: Vec<Constraint> = Vec::with_capacity(shown.len() + 1);
        if marks {
            widths.push(Constraint::Length(1));
        }
        widths.extend(fitted.iter().map(|&w| Constraint::Length(w as u16)));
        let text = styles.get(Role::Text);
        let rows = (offset..end).map(|i| {
            let at = self.order[i];
            let row = &result.rows[at];
            let mut cells: Vec<Cell> = Vec::with_capacity(shown.len() + 1);
            if marks {
                cells.push(Cell::from(if is_marked(at) { "●" } else { " " }));
            }
            cells.extend(shown.iter().enumerate().map(|(n, &c)| {
                let value = row.get(c).map(cell_text).unwrap_or_default();
                match fitted.get(n) {
                    Some(&width) if identity[n] => Cell::from(fit_name(&value, width).into_owned()),
                    _ => Cell::from(value),
                }
            }));
            let mut style = text;
            if is_marked(at) {
                style = style.patch(styles.get(Role::Marked));
            }
            if i == self.cursor {
                style = style.patch(styles.get(Role::Selected));
            }
            Row::new(cells).style(style)
        });
        let mark_header = marks.then(|| Cell::from(" "));
        let header = shown.iter().map(|&c| {
            let mut name = sanitize(&result.columns[c]).into_owned();
            match self.sort {
                Some(s) if s.column == c && s.descending => name.push_str(" ▼"),
                Some(s) if s.column == c => name.push_str(" ▲"),
                _ => {}
            }
            Cell::from(name)
        });
        let header: Vec<Cell> = mark_header.into_iter().chain(header).collect();
        Table::new(rows, widths)
            .header(Row::new(header).style(styles.get(Role::Header)))
            .column_spacing(SPACING as u16)
            .render(area, buf);
    }

    fn render_chart(&self, chart: &ChartKind, area: Rect, buf: &mut Buffer, styles: &Styles) {
        let Some(result) = &self.result else { return };
        let number = |row: &Vec<_>, c: usize| {
            row.get(c)
                .and_then(crate::insights::value::Value::as_number)
                .map_or(0.0, |n| n.as_f64())
        };
        match chart {
            ChartKind::Bars { labels, value } => {
                let max = result
                    .rows
                    .iter()
                    .map(|r| number(r, *value))
                    .fold(0.0_f64, f64::max);
                let rows = usize::from(area.height);
                let offset = visible_offset(self.offset, self.cursor, rows);
                let end = (offset + rows).min(self.order.len());
                let bars: Vec<_> = (offset..end)
                    .map(|i| {
                        let row = &result.rows[self.order[i]];
                        let label: Vec<String> = labels
                            .iter()
                            .map(|&c| row.get(c).map(cell_text).unwrap_or_default())
                            .collect();
                        let style = if i == self.cursor {
                            styles.get(Role::Text).patch(styles.get(Role::Selected))
                        } else {
                            styles.get(Role::Text)
                        };
                        (label.join(" · "), number(row, *value), style)
                    })
                    .collect();
                draw_bars(area, buf, &bars, max, styles.get(Role::Bar));
            }
            ChartKind::Series { time, value } => {
                let mut points: Vec<(i64, f64)> = result
                    .rows
                    .iter()
                    .filter_map(|r| Some((time_of(r.get(*time)?)?, number(r, *value))))
                    .collect();
                points.sort_by_key(|p| p.0);
                let title = format!(
                    "{} by {}",
                    sanitize(&result.columns[*value]),
                    sanitize(&result.columns[*time])
                );
                buf.set_stringn(
                    area.x,
                    area.y,
                    &title,
                    usize::from(area.width),
                    styles.get(Role::Header),
                );
                let plot = Rect {
                    y: area.y + 1,
                    height: area.height.saturating_sub(1),
                    ..area
                };
                draw_series(
                    plot,
                    buf,
                    &points,
                    bin_step(&result.columns[*time]),
                    [styles.get(Role::Bar), styles.get(Role::Muted)],
                );
            }
        }
    }

    fn render_picker(&self, at: usize, area: Rect, buf: &mut Buffer, styles: &Styles) {
        let Some(result) = &self.result else { return };
        let names: Vec<String> = result
            .columns
            .iter()
            .map(|c| sanitize(c).into_owned())
            .collect();
        let widest = names.iter().map(|n| super::width(n)).max().unwrap_or(0);
        let width = ((widest + 8) as u16).max(30).min(area.width);
        let height = (names.len() as u16 + 2).min(area.height);
        let popup = Rect {
            x: area.right().saturating_sub(width),
            y: area.y,
            width,
            height,
        };
        Clear.render(popup, buf);
        let rows = usize::from(height.saturating_sub(2));
        let top = at.saturating_sub(rows.saturating_sub(1));
        let lines: Vec<Line> = names
            .iter()
            .enumerate()
            .skip(top)
            .take(rows)
            .map(|(i, name)| {
                let mark = if self.hidden[i] { "[ ]" } else { "[x]" };
                let line = Line::from(format!(" {mark} {name}"));
                if i == at {
                    line.style(styles.get(Role::Selected))
                } else {
                    line
                }
            })
            .collect();
        Paragraph::new(lines)
            .style(styles.get(Role::Text))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" columns · Space shows/hides ")
                    .border_style(styles.border(true)),
            )
            .render(popup, buf);
    }
}
