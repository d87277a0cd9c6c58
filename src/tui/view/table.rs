//! The events table: only the rows on screen are built, so a million rows scroll as fast as ten.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::text::Text;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Widget};

use super::super::state::{EventColumn, EventColumns, Focus, State};
use super::super::styles::Styles;
use crate::catalog::themes::Role;
use crate::store::{EventStore, Facet};
use crate::text::sanitize;

/// A column of the table: the mark, then the events' columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Mark,
    Event(EventColumn),
}

/// How much of a time the table shows: enough that no two days (or years) read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeForm {
    /// `08:00:00.123`: every event is on one day, or space is short and the timeline above
    /// shows the day.
    Clock,
    /// `11-02 08:00:00.123`.
    Day,
    /// `2026-11-02 08:00:00.123`: the events span more than one year.
    Year,
}

impl TimeForm {
    /// The form for events spanning `span` (epoch ms), in `width` columns.
    fn for_span(span: Option<(i64, i64)>, width: u16) -> TimeForm {
        let Some((first, last)) = span else {
            return TimeForm::Clock;
        };
        const DAY_MS: i64 = 86_400_000;
        let year = |ms: i64| {
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| t.strftime("%Y").to_string())
                .ok()
        };
        if year(first) != year(last) {
            TimeForm::Year
        } else if first.div_euclid(DAY_MS) != last.div_euclid(DAY_MS) || width >= 130 {
            TimeForm::Day
        } else {
            TimeForm::Clock
        }
    }

    fn format(self) -> &'static str {
        match self {
            TimeForm::Clock => "%H:%M:%S%.3f",
            TimeForm::Day => "%m-%d %H:%M:%S%.3f",
            TimeForm::Year => "%Y-%m-%d %H:%M:%S%.3f",
        }
    }
}

fn width(column: EventColumn, time: TimeForm) -> Constraint {
    match column {
        EventColumn::Time => Constraint::Length(match time {
            TimeForm::Clock => 12,
            TimeForm::Day => 18,
            TimeForm::Year => 23,
        }),
        EventColumn::User => Constraint::Fill(3),
        EventColumn::SourceIp => Constraint::Length(15),
        EventColumn::Verb => Constraint::Length(7),
        EventColumn::Resource => Constraint::Fill(2),
        EventColumn::Object => Constraint::Fill(3),
        EventColumn::Code => Constraint::Length(4),
        EventColumn::Decision => Constraint::Length(8),
        EventColumn::UserAgent => Constraint::Fill(3),
    }
}

/// What fits in `width` cells of the chosen columns: on a narrow screen the decision column goes
/// (a refused row keeps its colour, and its code says 401 or 403).
fn columns(width: u16, chosen: &EventColumns) -> Vec<Column> {
    let mut cols = vec![Column::Mark];
    cols.extend(chosen.visible().into_iter().map(Column::Event));
    if width < 110 && cols.len() > 2 {
        cols.retain(|c| *c != Column::Event(EventColumn::Decision));
    }
    cols
}

/// A time in ms as the table shows it.
fn table_time(ms: Option<i64>, form: TimeForm) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(
            || "-".to_string(),
            |t| t.strftime(form.format()).to_string(),
        )
}

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let r = &state.table;
    let focused = state.focus == Focus::Table;
    let mut title = format!(
        " events {} of {} · marked {} ",
        r.rows.len(),
        store.len(),
        r.marked.len()
    );
    if let Some(sort) = state.columns.sort {
        let arrow = if sort.descending { "▼" } else { "▲" };
        title.push_str(&format!("· by {} {arrow} ", sort.column.title()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(focused));
    let visible = usize::from(area.height.saturating_sub(3));
    let inner = area.width.saturating_sub(2);
    let time_form = TimeForm::for_span(store.time_span(), inner);
    let cols = columns(inner, &state.columns);
    let end = (r.offset + visible).min(r.rows.len());
    let rows = (r.offset..end).map(|i| {
        let row = r.rows[i];
        let value = |facet| sanitize(store.value(row, facet).unwrap_or("-")).into_owned();
        let object = match (store.value(row, Facet::Namespace), store.name(row)) {
            (Some(ns), Some(name)) => format!("{ns}/{name}"),
            (None, Some(name)) => name.to_string(),
            (Some(ns), None) => format!("{ns}/"),
            (None, None) => "-".to_string(),
        };
        let decision = value(Facet::Decision);
        let code = value(Facet::Code);
        let mark = if r.marked.contains(&row) { "●" } else { " " };
        let mut style = if store.denied(row) {
            styles.get(Role::Deny)
        } else {
            styles.get(Role::Text)
        };
        if store.truncated(row) {
            style = styles.get(Role::Warning);
        }
        if r.marked.contains(&row) {
            style = style.patch(styles.get(Role::Marked));
        }
        if i == r.cursor {
            style = style.patch(styles.get(Role::Selected));
        }
        let cells = cols.iter().map(|c| match c {
            Column::Mark => Cell::from(mark),
            Column::Event(c) => Cell::from(match c {
                EventColumn::Time => table_time(store.time_ms(row), time_form),
                EventColumn::User => value(Facet::User),
                EventColumn::SourceIp => value(Facet::SourceIp),
                EventColumn::Verb => value(Facet::Verb),
                EventColumn::Resource => value(Facet::Resource),
                EventColumn::Object => sanitize(&object).into_owned(),
                EventColumn::Code => code.clone(),
                EventColumn::Decision => decision.clone(),
                EventColumn::UserAgent => value(Facet::UserAgent),
            }),
        });
        Row::new(cells.collect::<Vec<_>>()).style(style)
    });
    let header = Row::new(cols.iter().map(|c| {
        let title = match c {
            Column::Mark => " ".to_string(),
            Column::Event(c) => match state.columns.sort {
                Some(s) if s.column == *c => {
                    format!("{} {}", c.title(), if s.descending { "▼" } else { "▲" })
                }
                _ => c.title().to_string(),
            },
        };
        Cell::from(Text::from(title))
    }))
    .style(styles.get(Role::Header));
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c {
            Column::Mark => Constraint::Length(1),
            Column::Event(c) => width(*c, time_form),
        })
        .collect();
    Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .render(area, buf);
    if let Some(at) = state.columns.picker {
        picker(buf, area, &state.columns, at, styles);
    }
}

/// The column picker, over the table's top right corner.
fn picker(buf: &mut Buffer, area: Rect, chosen: &EventColumns, at: usize, styles: &Styles) {
    let width = 30.min(area.width);
    let height = (EventColumn::ALL.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + area.width - width,
        y: area.y,
        width,
        height,
    };
    Clear.render(popup, buf);
    let lines: Vec<Line> = EventColumn::ALL
        .iter()
        .zip(chosen.shown)
        .enumerate()
        .map(|(i, (c, shown))| {
            let text = format!("{} {}", if shown { "[x]" } else { "[ ]" }, c.title());
            let style = if i == at {
                styles.get(Role::Selected)
            } else {
                styles.get(Role::Text)
            };
            Line::styled(text, style)
        })
        .collect();
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" columns · Space · Esc ")
                .border_style(styles.border(true)),
        )
        .render(popup, buf);
}
