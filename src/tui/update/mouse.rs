//! The mouse: the wheel scrolls, a click picks what is under it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::super::effect::Effect;
use super::super::geometry::{self, FacetClick};
use super::super::state::{Focus, State};
use super::overlays::narrow_to_column;
use super::panes::include;
use super::refresh::{follow_selection, refilter};

pub fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    let page = geometry::page(state);
    let in_query = state.query.showing && state.query.run.is_some();
    match mouse.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp if in_query => {
            let code = match mouse.kind {
                MouseEventKind::ScrollDown => KeyCode::Down,
                _ => KeyCode::Up,
            };
            if let Some(run) = state.query.run.as_mut() {
                for _ in 0..3 {
                    run.view.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
                }
            }
        }
        MouseEventKind::ScrollDown => state.table.scroll_by(3, page),
        MouseEventKind::ScrollUp => state.table.scroll_by(-3, page),
        MouseEventKind::Down(_) => {
            let layout = geometry::layout(state);
            if let Some(x) = geometry::timeline_column(state, mouse.column, mouse.row) {
                state.timeline_cursor = None;
                return narrow_to_column(state, x);
            } else if let Some(i) = layout.chip_at(state, mouse.column, mouse.row) {
                if state.drop_chip(i) {
                    return vec![refilter(state)];
                }
            } else if in_query && layout.table.contains((mouse.column, mouse.row).into()) {
                state.focus = Focus::Table;
            } else if let Some(line) = layout.table_line(mouse.column, mouse.row) {
                state.focus = Focus::Table;
                state.table.click(line, page);
            } else if let Some(click) = geometry::facet_click(state, mouse.column, mouse.row) {
                let was = (state.focus, state.facets.cursor);
                state.focus = Focus::Facets;
                match click {
                    FacetClick::Title { next } => {
                        state.facets.next_facet(if next { 1 } else { -1 })
                    }
                    // A click on the value already picked keeps it, as Enter does.
                    FacetClick::Value(i) if was == (Focus::Facets, i) => {
                        return include(state, true);
                    }
                    FacetClick::Value(i) => state.facets.cursor = i,
                }
            } else if layout.in_facets(mouse.column, mouse.row) {
                state.focus = Focus::Facets;
            } else if layout.in_detail(mouse.column, mouse.row) {
                state.focus = Focus::Detail;
            }
        }
        _ => return Vec::new(),
    }
    follow_selection(state)
}
