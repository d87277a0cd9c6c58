//! The results table: only the rows on screen are built, so a million rows scroll as fast as ten.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Text;
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::super::state::{Focus, State};
use super::super::styles::Styles;
use crate::catalog::themes::Role;
use crate::store::{EventStore, Facet};
use crate::text::sanitize;

/// The columns an analyst scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Mark,
    Time,
    User,
    SourceIp,
    Verb,
    Resource,
    Object,
    Code,
    Decision,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Mark => " ",
            Column::Time => "time (UTC)",
            Column::User => "user",
            Column::SourceIp => "source IP",
            Column::Verb => "verb",
            Column::Resource => "resource",
            Column::Object => "namespace/name",
            Column::Code => "code",
            Column::Decision => "decision",
        }
    }

    fn width(self, short_time: bool) -> Constraint {
        match self {
            Column::Mark => Constraint::Length(1),
            Column::Time if short_time => Constraint::Length(12),
            Column::Time => Constraint::Length(18),
            Column::User => Constraint::Fill(3),
            Column::SourceIp => Constraint::Length(15),
            Column::Verb => Constraint::Length(7),
            Column::Resource => Constraint::Fill(2),
            Column::Object => Constraint::Fill(3),
            Column::Code => Constraint::Length(4),
            Column::Decision => Constraint::Length(8),
        }
    }
}

/// What fits in `width` cells: on a narrow screen the time loses its date and the decision
/// column goes (a refused row keeps its colour, and its code says 401 or 403).
fn columns(width: u16) -> (Vec<Column>, bool) {
    use Column::*;
    let mut cols = vec![
        Mark, Time, User, SourceIp, Verb, Resource, Object, Code, Decision,
    ];
    if width < 110 {
        cols.retain(|c| *c != Decision);
    }
    (cols, width < 130)
}

/// A time in ms as CloudWatch shows it: `2026-11-02 08:00:00.123` (UTC).
pub fn format_time(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(
            || "-".to_string(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        )
}

/// A time in ms as the table shows it: `11-02 08:00:00.123`, or without the date when space
/// is short (the timeline above shows the dates).
fn table_time(ms: Option<i64>, short: bool) -> String {
    let format = if short {
        "%H:%M:%S%.3f"
    } else {
        "%m-%d %H:%M:%S%.3f"
    };
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(|| "-".to_string(), |t| t.strftime(format).to_string())
}

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let r = &state.results;
    let focused = state.focus == Focus::Results;
    let title = format!(
        " events {} of {} · marked {} ",
        r.rows.len(),
        store.len(),
        r.marked.len()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(focused));
    let visible = usize::from(area.height.saturating_sub(3));
    let (cols, short_time) = columns(area.width.saturating_sub(2));
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
            Column::Time => Cell::from(table_time(store.time_ms(row), short_time)),
            Column::User => Cell::from(value(Facet::User)),
            Column::SourceIp => Cell::from(value(Facet::SourceIp)),
            Column::Verb => Cell::from(value(Facet::Verb)),
            Column::Resource => Cell::from(value(Facet::Resource)),
            Column::Object => Cell::from(sanitize(&object).into_owned()),
            Column::Code => Cell::from(code.clone()),
            Column::Decision => Cell::from(decision.clone()),
        });
        Row::new(cells.collect::<Vec<_>>()).style(style)
    });
    let header = Row::new(cols.iter().map(|c| Cell::from(Text::from(c.title()))))
        .style(styles.get(Role::Header));
    let widths: Vec<Constraint> = cols.iter().map(|c| c.width(short_time)).collect();
    Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .render(area, buf);
}
