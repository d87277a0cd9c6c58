//! What follows a change of the state: the events filtered again, the detail pane following
//! the cursor. Every part of the update asks for these.

use super::super::effect::Effect;
use super::super::state::State;

/// A new filter request; the reply to any earlier one will be dropped.
pub fn refilter(state: &mut State) -> Effect {
    state.filter_ticket += 1;
    state.status.filtering = true;
    let filter = state.filters.to_filter_set();
    let within = state.query.within();
    let sort = state
        .columns
        .sort
        .map(|s| (s.column.sort_key(), s.descending));
    state.table.asked = Some((filter.clone(), within.clone()));
    Effect::Refilter {
        ticket: state.filter_ticket,
        filter,
        within,
        sort,
    }
}

/// The event under the cursor: in the events table, or the query answer's row when it is one
/// event.
pub fn selected_event(state: &State) -> Option<u32> {
    match &state.query.run {
        Some(run) if state.query.showing => run.selected_event(),
        _ => state.table.selected(),
    }
}

/// The detail pane follows the cursor.
pub fn follow_selection(state: &mut State) -> Vec<Effect> {
    let row = selected_event(state);
    if !state.detail.open || row == state.detail_row {
        return Vec::new();
    }
    state.detail_row = row;
    state.detail.scroll = 0;
    match row {
        Some(row) => vec![Effect::LoadDetail { row }],
        None => {
            state.detail.data = None;
            Vec::new()
        }
    }
}
