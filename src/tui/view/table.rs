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
use std::borrow::Cow;

use super::super::geometry::wrap;
use super::super::names::{Names, fit_name};

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

/// A column's fixed width; `None` for those sized to their values.
/// `want`: the widest of the column's cells on screen and its header; an address or a verb
/// takes no more than it needs, up to a bound.
fn fixed_width(column: Column, time: TimeForm, want: usize) -> Option<usize> {
    let Column::Event(column) = column else {
        return Some(1);
    };
    match column {
        EventColumn::Time => Some(match time {
            TimeForm::Clock => 12,
            TimeForm::Day => 18,
            TimeForm::Year => 23,
        }),
        EventColumn::SourceIp => Some(want.min(15)),
        EventColumn::Verb => Some(want.min(12)),
        EventColumn::Code => Some(4),
        EventColumn::Decision => Some(8),
        EventColumn::User
        | EventColumn::Resource
        | EventColumn::Object
        | EventColumn::UserAgent => None,
    }
}

/// The columns' widths in `inner` cells: the fixed ones, then the user first (up to 55% of
/// what is left, 40% beside the user agent: the name is what a responder reads first), then
/// the others sharing the rest,
/// the narrowest wants met first, whatever is over going to the user and then the last.
/// `wants`: per column, the widest of its cells on screen and its header.
fn widths(cols: &[Column], time: TimeForm, inner: u16, wants: &[usize]) -> Vec<usize> {
    let mut width: Vec<usize> = cols
        .iter()
        .zip(wants)
        .map(|(c, want)| fixed_width(*c, time, *want).unwrap_or(0))
        .collect();
    let flexible: Vec<usize> = (0..cols.len())
        .filter(|&i| fixed_width(cols[i], time, wants[i]).is_none())
        .collect();
    let spacing = cols.len().saturating_sub(1);
    let mut left = usize::from(inner).saturating_sub(width.iter().sum::<usize>() + spacing);
    let user = flexible
        .iter()
        .copied()
        .find(|&i| cols[i] == Column::Event(EventColumn::User));
    let mut others: Vec<usize> = flexible
        .iter()
        .copied()
        .filter(|&i| Some(i) != user)
        .collect();
    if let Some(u) = user {
        let share = if others.len() <= 2 { 55 } else { 40 };
        width[u] = wants[u].min(left * share / 100);
        left -= width[u];
    }
    others.sort_by_key(|&i| wants[i]);
    let mut waiting = others.len();
    for &i in &others {
        width[i] = wants[i].min(left / waiting.max(1));
        left -= width[i];
        waiting -= 1;
    }
    if let Some(u) = user {
        let more = wants[u].saturating_sub(width[u]).min(left);
        width[u] += more;
        left -= more;
    }
    if let Some(&last) = flexible
        .iter()
        .rfind(|&&i| Some(i) != user)
        .or(user.as_ref())
    {
        width[last] += left;
    }
    width
}

/// `namespace/name` in `width` columns: the namespace cut first, so that the name stays whole
/// where it fits (`kube-sys…/aws-auth`), then the name at its end, where the start that says
/// what it is (`kube…/node-health…`) stays. Too narrow for both, it is cut in its middle.
fn fit_object(shown: &str, width: usize) -> Cow<'_, str> {
    use crate::text::{columns, fit_columns};
    if columns(shown) <= width || shown.contains('\\') {
        return fit_columns(shown, width);
    }
    match shown.split_once('/') {
        Some((namespace, name)) if width >= 14 => {
            let room = width.saturating_sub(columns(name) + 1);
            let namespace = fit_columns(namespace, room.max(5));
            let name = fit_columns(name, width - columns(&namespace) - 1);
            Cow::Owned(format!("{namespace}/{name}"))
        }
        Some((_, name)) if !name.is_empty() => fit_name(shown, width),
        // A namespace alone (a list) or a cluster-wide name (a node's) is told apart by its
        // start.
        _ => fit_columns(shown, width),
    }
}

/// What fits in `width` cells of the chosen columns: on a narrow screen the decision column goes
/// (a refused row keeps its colour, and its code says 401 or 403), leaving the names room.
fn columns(width: u16, chosen: &EventColumns) -> Vec<Column> {
    let mut cols = vec![Column::Mark];
    cols.extend(chosen.visible().into_iter().map(Column::Event));
    if width < 130 && cols.len() > 2 {
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

/// The store rows the table shows in `area`, in order.
pub fn visible_rows(area: Rect, state: &State) -> &[u32] {
    let r = &state.table;
    let visible = usize::from(area.height.saturating_sub(3));
    let end = (r.offset + visible).min(r.rows.len());
    r.rows.get(r.offset..end).unwrap_or_default()
}

/// Who made the request, and whom it impersonated, as the user column writes them.
fn identity_cell(store: &EventStore, row: u32, names: &Names) -> String {
    let user = store
        .value(row, Facet::User)
        .map_or(Cow::Borrowed("-"), |u| names.show(u));
    match store.value(row, Facet::Impersonated) {
        Some(as_user) => format!("{user} as {}", names.show(as_user)),
        None => user.into_owned(),
    }
}

pub fn draw(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    store: &EventStore,
    names: &Names,
    styles: &Styles,
) {
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
    let inner = area.width.saturating_sub(2);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(focused));
    // The selected row's identities in full: on the bottom border when they fit, else over
    // the table's lines away from the cursor.
    let foot = identity_foot(store, r.selected(), usize::from(inner));
    if let [line] = &foot[..] {
        block = block.title_bottom(Line::styled(line.clone(), styles.get(Role::Accent)));
    }
    let time_form = TimeForm::for_span(store.time_span(), inner);
    let cols = columns(inner, &state.columns);
    let cells: Vec<(u32, Vec<String>)> = visible_rows(area, state)
        .iter()
        .map(|&row| {
            let marked = r.marked.contains(&row);
            (row, cells(store, row, marked, &cols, time_form, names))
        })
        .collect();
    let header: Vec<String> = cols
        .iter()
        .map(|c| match c {
            Column::Mark => " ".to_string(),
            Column::Event(c) => match state.columns.sort {
                Some(s) if s.column == *c => {
                    format!("{} {}", c.title(), if s.descending { "▼" } else { "▲" })
                }
                _ => c.title().to_string(),
            },
        })
        .collect();
    let wants: Vec<usize> = (0..cols.len())
        .map(|i| {
            cells
                .iter()
                .map(|(_, c)| crate::text::columns(&c[i]))
                .chain([crate::text::columns(&header[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = widths(&cols, time_form, inner, &wants);
    // Cut in the middle, where ratatui would cut the end that tells names apart: a user's,
    // and an object's (`kube-system/node-health-agent-6xq2m`, its pod's suffix at the end).
    let user = cols
        .iter()
        .position(|c| *c == Column::Event(EventColumn::User));
    let object = cols
        .iter()
        .position(|c| *c == Column::Event(EventColumn::Object));
    let rows = cells.into_iter().enumerate().map(|(n, (row, mut cells))| {
        if let Some(u) = user {
            cells[u] = fit_name(&cells[u], widths[u]).into_owned();
        }
        if let Some(o) = object {
            cells[o] = fit_object(&cells[o], widths[o]).into_owned();
        }
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
        if r.offset + n == r.cursor {
            style = style.patch(styles.get(Role::Selected));
        }
        Row::new(cells.into_iter().map(Cell::from).collect::<Vec<_>>()).style(style)
    });
    let header = Row::new(header.into_iter().map(|h| Cell::from(Text::from(h))))
        .style(styles.get(Role::Header));
    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX)))
        .collect();
    Table::new(rows, constraints)
        .header(header)
        .block(block)
        .column_spacing(1)
        .render(area, buf);
    if foot.len() > 1 {
        draw_foot(buf, area, state, &foot, styles);
    }
    if let Some(at) = state.columns.picker {
        picker(buf, area, &state.columns, at, styles);
    }
}

/// Identities too long for the bottom border, over the table's last lines, or its first when
/// the cursor is among the last.
fn draw_foot(buf: &mut Buffer, area: Rect, state: &State, foot: &[String], styles: &Styles) {
    let body = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(3),
    };
    let n = (foot.len() as u16).min(body.height);
    let cursor_line = state.table.cursor.saturating_sub(state.table.offset) as u16;
    let y = if cursor_line + n >= body.height {
        body.y
    } else {
        body.y + body.height - n
    };
    let place = Rect {
        y,
        height: n,
        ..body
    };
    Clear.render(place, buf);
    let lines: Vec<Line> = foot
        .iter()
        .map(|l| Line::styled(l.clone(), styles.get(Role::Accent)))
        .collect();
    Paragraph::new(lines).render(place, buf);
}

/// One row's cells, terminal-safe.
fn cells(
    store: &EventStore,
    row: u32,
    marked: bool,
    cols: &[Column],
    time_form: TimeForm,
    names: &Names,
) -> Vec<String> {
    let value = |facet| sanitize(store.value(row, facet).unwrap_or("-")).into_owned();
    cols.iter()
        .map(|c| match c {
            Column::Mark => if marked { "●" } else { " " }.to_string(),
            Column::Event(c) => match c {
                EventColumn::Time => table_time(store.time_ms(row), time_form),
                EventColumn::User => identity_cell(store, row, names),
                EventColumn::SourceIp => value(Facet::SourceIp),
                EventColumn::Verb => value(Facet::Verb),
                EventColumn::Resource => value(Facet::Resource),
                EventColumn::Object => {
                    let object = match (store.value(row, Facet::Namespace), store.name(row)) {
                        (Some(ns), Some(name)) => format!("{ns}/{name}"),
                        (None, Some(name)) => name.to_string(),
                        (Some(ns), None) => format!("{ns}/"),
                        (None, None) => "-".to_string(),
                    };
                    sanitize(&object).into_owned()
                }
                EventColumn::Code => value(Facet::Code),
                EventColumn::Decision => value(Facet::Decision),
                EventColumn::UserAgent => value(Facet::UserAgent),
            },
        })
        .collect()
}

/// The selected row's identities in full, for the table's foot (the row shows them
/// shortened): one line when it fits in `width`, else wrapped over a few.
fn identity_foot(store: &EventStore, row: Option<u32>, width: usize) -> Vec<String> {
    let Some((row, user)) = row.and_then(|row| Some((row, store.value(row, Facet::User)?))) else {
        return Vec::new();
    };
    let mut foot = format!(" user {} ", sanitize(user));
    if let Some(as_user) = store.value(row, Facet::Impersonated) {
        foot.push_str(&format!("as {} ", sanitize(as_user)));
    }
    if crate::text::columns(&foot) <= width {
        return vec![foot];
    }
    wrap(foot.trim(), width, FOOT_MAX)
}

/// The most lines the selected row's identities take.
const FOOT_MAX: usize = 4;

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
