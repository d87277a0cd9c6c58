//! Drawing: every view takes the state (and the store) read-only, and draws into the places
//! [`super::geometry`] gives.

mod chrome;
mod detail;
mod facets;
mod help;
mod results;
mod timeline;

use ratatui::Frame;

use super::geometry::layout_in;
use super::state::State;
use super::styles::Styles;
use crate::store::EventStore;

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
