//! Where each part of the screen goes, worked out from the state alone: the views draw into
//! these places, and the update maps a click to a pane, a row, a chip, a facet value or a
//! timeline bar, and sizes its pages, from the same arithmetic. Nothing here draws.

use ratatui::layout::{Constraint, Direction, Layout as Split, Position, Rect};
use ratatui::text::Span;

use std::borrow::Cow;

use super::names::Names;
use super::state::{Focus, State};
use crate::audit::time::TimeRange;
use crate::store::{Facet, FacetCounts, Histogram};
use crate::text::{columns, fit_columns, sanitize};

/// The facets pane's narrowest, when it is shown at all.
const FACETS_MIN: u16 = 26;
/// Screens narrower than this give the table every column, the facets taking its place while
/// they have the keys.
const FACETS_FROM: u16 = 90;
/// The most lines the full value under the facets' cursor takes at the pane's foot.
const FACET_FOOT_MAX: usize = 4;
/// The timeline's height, border included.
const TIMELINE_HEIGHT: u16 = 6;

/// The places of the screen's parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    pub title: Rect,
    pub timeline: Rect,
    pub chips: Rect,
    pub facets: Rect,
    /// The events table, or in its place a query's answer.
    pub table: Rect,
    pub detail: Rect,
    pub status: Rect,
    /// Where the query browser and editor go: everything but the title and status lines.
    pub overlay: Rect,
}

impl Layout {
    /// The line of the events table at a screen position (0 = the first row under the header).
    pub fn table_line(&self, column: u16, row: u16) -> Option<usize> {
        let body = self.table_body();
        body.contains(Position::new(column, row))
            .then(|| usize::from(row - body.y))
    }

    pub fn in_facets(&self, column: u16, row: u16) -> bool {
        self.facets.contains(Position::new(column, row))
    }

    /// The filter chip at a screen position.
    pub fn chip_at(&self, state: &State, column: u16, row: u16) -> Option<usize> {
        if !self.chips.contains(Position::new(column, row)) {
            return None;
        }
        chip_at(state, self.chips, column)
    }

    pub fn in_detail(&self, column: u16, row: u16) -> bool {
        self.detail.contains(Position::new(column, row))
    }

    /// The table's rows: inside the border, under the header.
    pub fn table_body(&self) -> Rect {
        let inner = inner(self.table);
        Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        }
    }
}

/// A bordered box's inside.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x + 1,
        y: r.y + 1,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// The layout for the state's terminal size.
pub fn layout(state: &State) -> Layout {
    layout_in(Rect::new(0, 0, state.width, state.height), state)
}

/// The layout in `area`.
pub fn layout_in(area: Rect, state: &State) -> Layout {
    let show_chips = !state.filters.is_empty() || state.query.within().is_some();
    let tall = area.height >= 24;
    let [title, timeline, chips, main, status] = Split::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Length(if tall { TIMELINE_HEIGHT } else { 0 }),
            Constraint::Length(u16::from(show_chips)),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
    let facets_width = facets_width(state, area.width);
    let [facets, right] = if facets_width == 0 && state.focus == Focus::Facets {
        // No room for both: the facets take the table's place while keys go to them.
        [main, Rect::default()]
    } else {
        Split::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(facets_width), Constraint::Min(10)])
            .areas(main)
    };
    let (table, detail) = if state.detail.open {
        // Beside the table only where the table keeps its names legible there; else below.
        if right.width >= DETAIL_BESIDE_FROM {
            let [r, d] = Split::default()
                .direction(Direction::Horizontal)
                .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(right);
            (r, d)
        } else {
            let [r, d] = Split::default()
                .direction(Direction::Vertical)
                .constraints([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(right);
            (r, d)
        }
    } else {
        (right, Rect::default())
    };
    Layout {
        title,
        timeline,
        chips,
        facets,
        table,
        detail,
        status,
        overlay: Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(2),
            ..area
        },
    }
}

/// The width right of the facets from which the detail goes beside the table: the table's
/// 55% is then 120 columns, room for a service account, a pod's name and a decision. Any
/// narrower and the table beside would be narrower than the one above a detail on a 160-column
/// screen, its objects cut to a few letters.
const DETAIL_BESIDE_FROM: u16 = 220;

/// The facets pane's width on a screen `width` wide: what the current facet's values need as
/// drawn (identities shortened), at most a quarter of a narrower screen and three tenths of one
/// 150 columns or wider, so that at 160 columns
/// `sa:kube-system/node-health-agent` is whole and the table keeps the rest.
fn facets_width(state: &State, width: u16) -> u16 {
    if width < FACETS_FROM {
        return 0;
    }
    let Some((facet, counts)) = state.facets.current() else {
        return FACETS_MIN;
    };
    let names = facet_names(*facet, counts);
    let label = counts
        .values
        .iter()
        .map(|(v, _)| columns(&facet_label(&names, *facet, v)))
        .max()
        .unwrap_or(0);
    let count = count_width(counts);
    let needed = label + FACET_ROW_EXTRA + count + FACET_BAR + 2;
    let cap = if width >= 150 {
        width * 3 / 10
    } else {
        width / 4
    };
    let cap = cap.max(FACETS_MIN);
    u16::try_from(needed)
        .unwrap_or(u16::MAX)
        .clamp(FACETS_MIN, cap)
}

/// Cells of a facet row beside the label and the count: the sign, and a space after each.
const FACET_ROW_EXTRA: usize = 3;
/// The bar's cells where there is room, and where there is less.
const FACET_BAR: usize = 6;
const FACET_BAR_NARROW: usize = 3;

/// A facet row's label and bar widths, in a pane `inner` cells wide inside its border.
pub fn facet_row(inner: u16, count_width: usize) -> (usize, usize) {
    let inner = usize::from(inner);
    let bar = if inner >= 56 {
        FACET_BAR
    } else {
        FACET_BAR_NARROW
    };
    (
        inner.saturating_sub(FACET_ROW_EXTRA + count_width + bar),
        bar,
    )
}

/// The widest count's digits.
pub fn count_width(counts: &FacetCounts) -> usize {
    counts
        .values
        .first()
        .map_or(1, |(_, n)| n.to_string().len())
}

/// How the values of a facet are named together: identities shortened by meaning, never two
/// alike.
pub fn facet_names(facet: Facet, counts: &FacetCounts) -> Names {
    if is_identity(facet) {
        Names::of(counts.values.iter().map(|(v, _)| v.as_str()))
    } else {
        Names::default()
    }
}

/// The facets whose values are people and workloads, shortened on screen.
pub fn is_identity(facet: Facet) -> bool {
    matches!(facet, Facet::User | Facet::Impersonated)
}

/// A facet value as its row shows it (before any cut to the pane), terminal-safe.
pub fn facet_label<'a>(names: &'a Names, facet: Facet, value: &'a str) -> Cow<'a, str> {
    if is_identity(facet) {
        names.show(value)
    } else {
        sanitize(value)
    }
}

/// The value under the facets' cursor written out in full, when the pane has the keys and its
/// row shows less of it (shortened, or cut to the pane): terminal-safe, in lines `inner` wide.
pub fn facet_foot(state: &State, inner: u16) -> Vec<String> {
    if state.focus != Focus::Facets || inner == 0 {
        return Vec::new();
    }
    let (Some((facet, counts)), Some((_, value))) =
        (state.facets.current(), state.facets.selected())
    else {
        return Vec::new();
    };
    let names = facet_names(*facet, counts);
    let (label_width, _) = facet_row(inner, count_width(counts));
    let shown = facet_label(&names, *facet, value);
    let full = sanitize(value);
    if shown == full && columns(&shown) <= label_width {
        return Vec::new();
    }
    wrap(&full, usize::from(inner), FACET_FOOT_MAX)
}

/// `text` cut into at most `most` lines of at most `width` columns, a character never split;
/// the last line ends in `…` when that was not all.
pub fn wrap(text: &str, width: usize, most: usize) -> Vec<String> {
    let mut lines = wrap_all(text, width);
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            *last = fit_columns(&format!("{last}…"), width).into_owned();
        }
    }
    lines
}

fn wrap_all(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = columns(c.encode_utf8(&mut [0; 4]));
        if used + w > width && used > 0 {
            // A name reads best broken after one of its separators, when there is one in the
            // line's second half: `…:assumed-role/` then `atlas-prod-github-deployer/…`.
            let carry = match lines.last_mut() {
                Some(line) => match line.rfind(['/', ':', ' ', '@']) {
                    Some(at) if columns(&line[..=at]) * 2 >= width => line.split_off(at + 1),
                    _ => String::new(),
                },
                None => String::new(),
            };
            used = columns(&carry);
            lines.push(carry);
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}

/// The lines of the facets pane that list values: inside the border, above the foot.
pub fn facet_list(state: &State, area: Rect) -> Rect {
    let body = inner(area);
    let foot = facet_foot(state, body.width).len() as u16;
    Rect {
        height: body.height.saturating_sub(foot),
        ..body
    }
}

/// How many table rows fit on screen.
pub fn table_rows(state: &State) -> usize {
    usize::from(layout(state).table_body().height)
}

/// Rows one page of the events table moves: those on screen, at least one.
pub fn page(state: &State) -> usize {
    table_rows(state).max(1)
}

/// Where the chips line starts its first chip.
pub const CHIPS_PREFIX: &str = " filters: ";

/// A chip as drawn: its number (for `:drop N`) and label.
pub fn chip_text(i: usize, label: &str) -> String {
    format!(" {} {label} ", i + 1)
}

/// The chip at a column of the chips line that starts at `area`.
fn chip_at(state: &State, area: Rect, column: u16) -> Option<usize> {
    let mut x = usize::from(area.x) + Span::raw(CHIPS_PREFIX).width();
    let column = usize::from(column);
    for (i, label) in state.chip_labels().iter().enumerate() {
        let w = Span::raw(chip_text(i, label)).width();
        if (x..x + w).contains(&column) {
            return Some(i);
        }
        x += w + 1;
    }
    None
}

/// The timeline's bars in a timeline `inner_width` wide: one nice width for every bar, as
/// many as fit (columns past them stay empty).
pub fn timeline_bars(h: &Histogram, inner_width: u16) -> Histogram {
    h.bars(usize::from(inner_width))
}

/// The time span of bar `x` (start included, end excluded), and the events and refused
/// requests in it.
pub fn column_span(bars: &Histogram, x: usize) -> Option<(TimeRange, u64, u64)> {
    let bar = bars.buckets.get(x)?;
    Some((
        TimeRange {
            start_ms: Some(bar.start_ms),
            end_ms: Some(bar.start_ms.saturating_add(bars.bucket_ms)),
        },
        bar.total,
        bar.denied,
    ))
}

/// The timeline column at a screen position.
pub fn timeline_column(state: &State, column: u16, row: u16) -> Option<usize> {
    let area = inner(layout(state).timeline);
    if !area.contains(Position::new(column, row)) {
        return None;
    }
    let x = usize::from(column - area.x);
    (x < timeline_columns(state)).then_some(x)
}

/// The bars of the timeline as drawn.
fn drawn_bars(state: &State) -> Histogram {
    timeline_bars(&state.histogram, inner(layout(state).timeline).width)
}

/// Columns of the timeline with a bar.
pub fn timeline_columns(state: &State) -> usize {
    drawn_bars(state).buckets.len()
}

/// The time span of a timeline column.
pub fn timeline_span(state: &State, x: usize) -> Option<TimeRange> {
    column_span(&drawn_bars(state), x).map(|(r, _, _)| r)
}

/// What a click in the facets pane hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacetClick {
    /// The title: the facet before (left half) or after.
    Title { next: bool },
    /// The value of this index in the current facet.
    Value(usize),
}

/// The part of the facets pane at a screen position, from the same arithmetic the pane draws
/// with.
pub fn facet_click(state: &State, column: u16, row: u16) -> Option<FacetClick> {
    let area = layout(state).facets;
    if !area.contains(Position::new(column, row)) {
        return None;
    }
    if row == area.y {
        return Some(FacetClick::Title {
            next: column >= area.x + area.width / 2,
        });
    }
    let body = facet_list(state, area);
    if !body.contains(Position::new(column, row)) {
        return None;
    }
    let first = first_facet_value(state.facets.cursor, body.height);
    let i = first + usize::from(row - body.y);
    let values = state.facets.current().map_or(0, |(_, c)| c.values.len());
    (i < values).then_some(FacetClick::Value(i))
}

/// The first facet value shown in a pane body `height` lines tall, the cursor on screen.
pub fn first_facet_value(cursor: usize, height: u16) -> usize {
    cursor.saturating_sub(usize::from(height).saturating_sub(1))
}

/// The help overlay's box on the state's terminal.
pub fn help_popup(state: &State) -> Rect {
    super::keymap::help::popup(Rect::new(0, 0, state.width, state.height))
}

/// Lines of the help that can be scrolled past: the last at the box's bottom.
pub fn help_most_scroll(state: &State) -> u16 {
    super::keymap::help::most_scroll(Rect::new(0, 0, state.width, state.height))
}
