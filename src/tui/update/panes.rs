//! The panes of the main screen: the events table, the facets and the detail. Each takes the
//! actions the keymap finds for it.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::detail::DetailData;
use super::super::effect::Effect;
use super::super::geometry;
use super::super::keymap::Action;
use super::super::state::{Focus, State};
use super::pivot;
use super::refresh::{follow_selection, refilter};

pub fn events(state: &mut State, action: Action) -> Vec<Effect> {
    let page = geometry::page(state);
    let r = &mut state.table;
    match action {
        Action::Down => r.move_by(1, page),
        Action::Up => r.move_by(-1, page),
        Action::PageDown => r.move_by(page as isize, page),
        Action::PageUp => r.move_by(-(page as isize), page),
        Action::HalfDown => r.move_by(page as isize / 2, page),
        Action::HalfUp => r.move_by(-(page as isize) / 2, page),
        Action::First => r.top(page),
        Action::Last => r.bottom(page),
        Action::Open => {
            state.detail.open = true;
            state.focus = Focus::Detail;
        }
        Action::Sort => {
            state.columns.next_sort();
            return vec![refilter(state)];
        }
        Action::FlipSort => {
            state.columns.flip_sort();
            return vec![refilter(state)];
        }
        _ => return Vec::new(),
    }
    follow_selection(state)
}

pub fn facets(state: &mut State, action: Action) -> Vec<Effect> {
    let f = &mut state.facets;
    match action {
        Action::Down => f.move_by(1),
        Action::Up => f.move_by(-1),
        Action::Right => f.next_facet(1),
        Action::Left => f.next_facet(-1),
        Action::Keep => return include(state, true),
        Action::Drop => return include(state, false),
        _ => {}
    }
    Vec::new()
}

/// Keeps (or drops) the facet value under the cursor.
pub fn include(state: &mut State, keep: bool) -> Vec<Effect> {
    let Some((facet, value)) = state.facets.selected() else {
        return Vec::new();
    };
    let value = value.to_string();
    // Filters narrow the events: show them.
    state.query.showing = false;
    if state.filters.add(facet, &value, keep) {
        vec![refilter(state)]
    } else {
        Vec::new()
    }
}

pub fn detail(state: &mut State, action: Action, key: KeyEvent) -> Vec<Effect> {
    let pivots = state.detail.data.as_ref().map_or(0, |d| d.pivots.len());
    let d = &mut state.detail;
    match action {
        Action::Down => d.scroll = d.scroll.saturating_add(1),
        Action::Up => d.scroll = d.scroll.saturating_sub(1),
        Action::PageDown => d.scroll = d.scroll.saturating_add(10),
        Action::PageUp => d.scroll = d.scroll.saturating_sub(10),
        Action::First => d.scroll = 0,
        // Fold one level more, or one less.
        Action::FoldMore => d.fold_at = Some(d.fold_at.map_or(2, |at| at.saturating_sub(1))),
        Action::FoldLess => {
            let deepest = d.data.as_ref().map_or(0, DetailData::json_depth);
            d.fold_at = d.fold_at.map(|at| at + 1).filter(|at| *at < deepest);
        }
        Action::Right if pivots > 0 => d.pivot = (d.pivot + 1) % pivots,
        Action::Left if pivots > 0 => d.pivot = (d.pivot + pivots - 1) % pivots,
        Action::TakePivot => {
            let i = d.pivot;
            return pivot::take(state, i);
        }
        Action::Pivot => {
            if let KeyCode::Char(c @ '1'..='9') = key.code {
                return pivot::take(state, c as usize - '1' as usize);
            }
        }
        _ => {}
    }
    Vec::new()
}
