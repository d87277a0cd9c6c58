//! The overlays the console draws itself: the help, a picked timeline bar, the events table's
//! column picker. Each takes every key while open.

use crossterm::event::{KeyEvent, KeyModifiers};

use super::super::effect::Effect;
use super::super::geometry;
use super::super::keymap::Action;
use super::super::state::{EventColumn, Level, State};
use super::refresh::refilter;

pub fn help(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let most = geometry::help_most_scroll(state);
    let page = geometry::help_popup(state).height.saturating_sub(3).max(1);
    let at = &mut state.help_scroll;
    match action {
        Some(Action::Close) => state.help = false,
        Some(Action::Down) => *at = (*at + 1).min(most),
        Some(Action::Up) => *at = at.saturating_sub(1),
        Some(Action::PageDown) => *at = (*at + page).min(most),
        Some(Action::PageUp) => *at = at.saturating_sub(page),
        Some(Action::First) => *at = 0,
        _ => {}
    }
    Vec::new()
}

/// While a timeline column is picked: move, narrow the range to it, or back out.
pub fn timeline(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let columns = geometry::timeline_columns(state);
    let Some(at) = state.timeline_cursor.filter(|_| columns > 0) else {
        state.timeline_cursor = None;
        return Vec::new();
    };
    let step = if key.modifiers.contains(KeyModifiers::SHIFT) {
        10
    } else {
        1
    };
    state.timeline_cursor = Some(match action {
        Some(Action::Left) => at.saturating_sub(step),
        Some(Action::Right) => (at + step).min(columns - 1),
        Some(Action::First) => 0,
        Some(Action::Last) => columns - 1,
        Some(Action::Narrow) => {
            state.timeline_cursor = None;
            return narrow_to_column(state, at);
        }
        Some(Action::Close) => {
            state.timeline_cursor = None;
            return Vec::new();
        }
        _ => at,
    });
    Vec::new()
}

/// Narrows the time range to a timeline column's span.
pub fn narrow_to_column(state: &mut State, x: usize) -> Vec<Effect> {
    let Some(range) = geometry::timeline_span(state, x) else {
        return Vec::new();
    };
    state.filters.range = range;
    state.query.showing = false;
    state.say(
        "the range is that bar's (the timeline zooms in; Backspace widens it again)",
        Level::Info,
    );
    vec![refilter(state)]
}

/// The events table's column picker: any key it does not bind closes it.
pub fn columns(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(at) = state.columns.picker else {
        return Vec::new();
    };
    let last = EventColumn::ALL.len() - 1;
    match action {
        Some(Action::Down) => state.columns.picker = Some((at + 1).min(last)),
        Some(Action::Up) => state.columns.picker = Some(at.saturating_sub(1)),
        Some(Action::Toggle) => {
            if !state.columns.toggle() {
                state.say("the last column shown stays", Level::Warning);
            }
        }
        _ => state.columns.picker = None,
    }
    Vec::new()
}
