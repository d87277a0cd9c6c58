//! Drawing: every view takes the state (and the store) read-only.

mod chrome;
mod detail;
mod facets;
mod help;
mod results;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout as Split, Position, Rect};

use super::state::State;
use super::styles::Styles;
use crate::store::EventStore;

/// The facets pane's width, on a wide screen and on a narrower one.
const FACETS_WIDTH: u16 = 34;
const FACETS_NARROW: u16 = 26;
/// The timeline's height, border included.
const TIMELINE_HEIGHT: u16 = 6;

/// Where each part of the screen goes, worked out from the state alone, so that the update
/// can map a mouse click to a pane and page sizes match what is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    pub title: Rect,
    pub timeline: Rect,
    pub chips: Rect,
    pub facets: Rect,
    pub results: Rect,
    pub detail: Rect,
    pub status: Rect,
    /// Where the query browser and editor go: everything but the title and status lines.
    pub overlay: Rect,
}

impl Layout {
    /// The line of the results table at a screen position (0 = the first row under the header).
    pub fn results_line(&self, column: u16, row: u16) -> Option<usize> {
        let body = self.results_body();
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
        chrome::chip_at(state, self.chips, column)
    }

    pub fn in_detail(&self, column: u16, row: u16) -> bool {
        self.detail.contains(Position::new(column, row))
    }

    /// The table's rows: inside the border, under the header.
    pub fn results_body(&self) -> Rect {
        let inner = inner(self.results);
        Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        }
    }
}

fn inner(r: Rect) -> Rect {
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

fn layout_in(area: Rect, state: &State) -> Layout {
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
    let facets_width = match area.width {
        140.. => FACETS_WIDTH,
        90.. => FACETS_NARROW,
        _ => 0,
    };
    let [facets, right] = if facets_width == 0 && state.focus == super::state::Focus::Facets {
        // No room for both: the facets take the table's place while keys go to them.
        [main, Rect::default()]
    } else {
        Split::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(facets_width), Constraint::Min(10)])
            .areas(main)
    };
    let (results, detail) = if state.detail.open {
        if right.width >= 160 {
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
        results,
        detail,
        status,
        overlay: Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(2),
            ..area
        },
    }
}

pub use results::format_time;

/// The timeline column at a screen position, and how many columns it has.
pub fn timeline_column(state: &State, column: u16, row: u16) -> Option<usize> {
    let area = inner(layout(state).timeline);
    if !area.contains(Position::new(column, row)) {
        return None;
    }
    let x = usize::from(column - area.x);
    (x < timeline::columns(&state.histogram, area.width)).then_some(x)
}

/// Columns of the timeline as drawn.
pub fn timeline_columns(state: &State) -> usize {
    let area = inner(layout(state).timeline);
    timeline::columns(&state.histogram, area.width)
}

/// The time span of a timeline column.
pub fn timeline_span(state: &State, x: usize) -> Option<crate::audit::time::TimeRange> {
    timeline::column_span(&state.histogram, timeline_columns(state), x).map(|(r, _, _)| r)
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
    let body = inner(area);
    if !body.contains(Position::new(column, row)) {
        return None;
    }
    let height = usize::from(body.height);
    let first = state.facets.cursor.saturating_sub(height.saturating_sub(1));
    let i = first + usize::from(row - body.y);
    let values = state.facets.current().map_or(0, |(_, c)| c.values.len());
    (i < values).then_some(FacetClick::Value(i))
}

/// Lines the help overlay takes.
pub fn help_lines() -> u16 {
    help::lines()
}

/// How many table rows fit on screen.
pub fn results_rows(state: &State) -> usize {
    usize::from(layout(state).results_body().height)
}

/// Draws the whole console.
pub fn draw(frame: &mut Frame<'_>, state: &State, store: &EventStore, styles: &Styles) {
    let area = frame.area();
    let l = layout_in(area, state);
    let buf = frame.buffer_mut();
    buf.set_style(area, styles.get(crate::catalog::themes::Role::Background));
    chrome::title(buf, l.title, state, store, styles);
    timeline::draw(buf, l.timeline, state, styles);
    chrome::chips(buf, l.chips, state, styles);
    facets::draw(buf, l.facets, state, styles);
    match &state.query.run {
        Some(run) if state.query.showing => {
            let focused = state.focus == super::state::Focus::Results;
            run.view.render(l.results, buf, styles, focused);
        }
        _ => results::draw(buf, l.results, state, store, styles),
    }
    if state.detail.open {
        detail::draw(buf, l.detail, state, styles);
    }
    chrome::status(frame, l.status, state, styles);
    if let Some(picker) = &state.clusters {
        picker.render(l.overlay, frame.buffer_mut(), styles);
    } else if let Some(findings) = &state.findings {
        findings.render(l.overlay, frame.buffer_mut(), styles);
    } else if state.query.browser_open {
        state
            .query
            .browser
            .render(l.overlay, frame.buffer_mut(), styles);
        if let Some(at) = state.query.browser.cursor_position(l.overlay) {
            frame.set_cursor_position(at);
        }
    } else if state.query.editor_open {
        state
            .query
            .editor
            .render(l.overlay, frame.buffer_mut(), styles);
        if let Some(at) = state.query.editor.cursor_position(l.overlay) {
            frame.set_cursor_position(at);
        }
    }
    if state.help {
        help::draw(frame.buffer_mut(), area, styles, state.help_scroll);
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "timeline_order_tests.rs"]
mod timeline_order_tests;
