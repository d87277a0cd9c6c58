//! Drawing: every view takes the state (and the store) read-only, and draws into the places
//! [`super::geometry`] gives.

mod chrome;
mod detail;
mod facets;
mod help;
mod table;
mod timeline;

use ratatui::Frame;

use super::geometry::layout_in;
use super::keymap::Layer;
use super::names::Names;
use super::state::State;
use super::styles::Styles;
use crate::store::{EventStore, Facet};

/// Draws the whole console.
pub fn draw(frame: &mut Frame<'_>, state: &State, store: &EventStore, styles: &Styles) {
    let area = frame.area();
    let l = layout_in(area, state);
    let buf = frame.buffer_mut();
    buf.set_style(area, styles.get(crate::catalog::themes::Role::Background));
    chrome::title(buf, l.title, state, store, styles);
    timeline::draw(buf, l.timeline, state, store, styles);
    chrome::chips(buf, l.chips, state, styles);
    facets::draw(buf, l.facets, state, styles);
    match &state.query.run {
        Some(run) if state.query.showing => {
            let focused = state.focus == super::state::Focus::Table;
            let marked: Vec<bool> = if state.table.marked.is_empty() {
                Vec::new()
            } else {
                let marks = &state.table.marked;
                run.row_of
                    .iter()
                    .map(|r| r.is_some_and(|r| marks.contains(&r)))
                    .collect()
            };
            run.view
                .render_marked(l.table, buf, styles, focused, &marked);
        }
        _ => {
            let names = screen_names(state, store, l.table);
            table::draw(buf, l.table, state, store, &names, styles);
        }
    }
    if state.detail.open {
        detail::draw(buf, l.detail, state, styles);
    }
    chrome::status(buf, l.status, state, styles);
    let layers = state.layers();
    match layers.iter().find(|layer| layer.is_overlay()) {
        Some(Layer::Picker) => {
            if let Some(picker) = &state.clusters {
                picker.render(l.overlay, buf, styles);
            }
        }
        Some(Layer::Findings) => {
            if let Some(findings) = &state.findings {
                findings.render(l.overlay, buf, state.found.as_ref(), styles);
            }
        }
        Some(Layer::Browser) => state.query.browser.render(l.overlay, buf, styles),
        Some(Layer::Editor) => state.query.editor.render(l.overlay, buf, styles),
        _ => {}
    }
    if layers.contains(&Layer::Help) {
        help::draw(buf, area, styles, state.help_scroll);
    }
    // The cursor stands where typing goes: in what has the keys.
    let cursor = match state.active_layer() {
        Layer::Prompt | Layer::Confirm => chrome::prompt_cursor(l.status, state),
        Layer::Browser => state.query.browser.cursor_position(l.overlay),
        Layer::Editor => state.query.editor.cursor_position(l.overlay),
        _ => None,
    };
    if let Some(at) = cursor {
        frame.set_cursor_position(at);
    }
}

/// How the identities in the table are named: shortened, except those that would read like
/// another on screen (in the table or among the facets' users), written in full.
fn screen_names(state: &State, store: &EventStore, table: ratatui::layout::Rect) -> Names {
    let rows = table::visible_rows(table, state);
    let identities = [Facet::User, Facet::Impersonated];
    let in_table = rows
        .iter()
        .flat_map(|&row| identities.map(|f| store.value(row, f)))
        .flatten();
    let in_facets = state
        .facets
        .facets
        .iter()
        .filter(|(f, _)| identities.contains(f))
        .flat_map(|(_, counts)| counts.values.iter().map(|(v, _)| v.as_str()));
    Names::of(in_table.chain(in_facets))
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "timeline_order_tests.rs"]
mod timeline_order_tests;

#[cfg(test)]
#[path = "findings_tests.rs"]
mod findings_tests;

#[cfg(test)]
#[path = "pivot_tests.rs"]
mod pivot_tests;

#[cfg(test)]
#[path = "detail_tests.rs"]
mod detail_tests;

#[cfg(test)]
#[path = "identity_tests.rs"]
mod identity_tests;

#[cfg(test)]
#[path = "time_tests.rs"]
mod time_tests;

#[cfg(test)]
#[path = "help_tests.rs"]
mod help_tests;

#[cfg(test)]
#[path = "search_tests.rs"]
mod search_tests;

#[cfg(test)]
#[path = "export_path_tests.rs"]
mod export_path_tests;

#[cfg(test)]
#[path = "title_tests.rs"]
mod title_tests;

#[cfg(test)]
#[path = "sizes_tests.rs"]
mod sizes_tests;
