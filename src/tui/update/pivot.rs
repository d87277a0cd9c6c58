//! Pivots from the detail: a step to the events related to the one shown. A pivot replaces the
//! previous pivot (its chips, or the query it ran) and keeps the analyst's own chips; the keys
//! stay in the detail, which follows the selection; `Backspace` undoes the last pivot.

use super::super::effect::Effect;
use super::super::geometry;
use super::super::state::{Chip, Level, PivotStep, State};
use super::query;
use super::refresh::{follow_selection, refilter};

/// Steps kept for `Backspace`: each may hold a query's answer.
const KEPT: usize = 32;

/// Takes the `i`-th pivot of the event in the detail.
pub fn take(state: &mut State, i: usize) -> Vec<Effect> {
    let Some(p) = state
        .detail
        .data
        .as_ref()
        .and_then(|d| d.pivots.get(i))
        .cloned()
    else {
        return Vec::new();
    };
    if let Some((name, _)) = &p.canned
        && state.query.browser.get(name).is_none()
    {
        // Says that the query is missing, and changes nothing.
        return query::run_canned(state, name, None);
    }
    let focus = state.focus;
    let mut step = PivotStep {
        label: p.label.clone(),
        added: Vec::new(),
        text: None,
        before: state.filters.clone(),
        narrowing: state.query.narrowing,
        showing: state.query.showing,
        replaced_run: None,
        after: Default::default(),
        ticket: 0,
        ticket_before: state.query_ticket,
    };
    if let Some(last) = state.pivots.last() {
        last.take_out(&mut state.filters);
    }
    // The pivot's answer is a new question, read from its first row unless it holds the event
    // pivoted from: the detail stays on that.
    state.table.land_on = state.detail.row;
    let mut effects = match &p.canned {
        Some((name, object)) => {
            step.replaced_run = Some(state.query.run.take());
            let mut effects = query::run_canned(state, name, Some(object));
            // The chips may have changed as well as the query.
            if !effects.iter().any(|e| matches!(e, Effect::Refilter { .. })) {
                effects.push(refilter(state));
            }
            effects
        }
        None => {
            keep_shown_event_selected(state);
            for (facet, value) in &p.include {
                // Values of one facet are alternatives: the analyst's would widen the pivot's.
                state
                    .filters
                    .chips
                    .retain(|c| !(c.facet == *facet && c.include));
                state.filters.add(*facet, value, true);
                step.added.push(Chip {
                    facet: *facet,
                    value: value.clone(),
                    include: true,
                });
            }
            if p.text.is_some() {
                state.filters.text = p.text.clone();
                step.text = p.text.clone();
            }
            state.query.narrowing = false;
            state.query.showing = false;
            state.say(
                format!("{} (Backspace undoes the pivot)", p.label),
                Level::Info,
            );
            vec![refilter(state)]
        }
    };
    state.focus = focus;
    effects.extend(follow_selection(state));
    step.after = state.filters.clone();
    step.ticket = state.query_ticket;
    if state.pivots.len() == KEPT {
        state.pivots.remove(0);
    }
    state.pivots.push(step);
    effects
}

/// Undoes the last pivot while what it made is untouched: the filters, the query run and the
/// view as they were before it. `None` when there is no such pivot.
pub fn undo(state: &mut State) -> Option<Vec<Effect>> {
    let last = state.pivots.last()?;
    if state.filters != last.after || state.query_ticket != last.ticket {
        return None;
    }
    let step = state.pivots.pop()?;
    let mut effects = Vec::new();
    state.filters = step.before;
    if let Some(run) = step.replaced_run {
        if state.query.running() {
            effects.push(Effect::CancelQuery);
        }
        // A new ticket: an answer still on its way is for the pivot undone.
        state.query_ticket += 1;
        if let Some(previous) = state.pivots.last_mut()
            && previous.ticket == step.ticket_before
        {
            previous.ticket = state.query_ticket;
        }
        // A run that was still going lost its answer to the pivot's.
        state.query.run = run.filter(|r| !r.running);
        let page = geometry::page(state).saturating_sub(2);
        if let Some(run) = state.query.run.as_mut() {
            run.view.set_page(page);
        }
    }
    let has_run = state.query.run.is_some();
    state.query.narrowing = step.narrowing && has_run;
    state.query.showing = step.showing && has_run;
    let back_to = match state.pivots.last() {
        Some(p) => format!("back to {}", p.label),
        None => "back to before the pivots".to_string(),
    };
    state.say(
        format!("undid the pivot to {}: {back_to}", step.label),
        Level::Info,
    );
    state.table.land_on = state.detail.row;
    effects.push(refilter(state));
    effects.extend(follow_selection(state));
    Some(effects)
}

/// Puts the events table's cursor on the event the detail shows, when the table holds it, so
/// that the detail stays on it once the pivot's events arrive.
fn keep_shown_event_selected(state: &mut State) {
    let Some(row) = state.detail.row else { return };
    if let Some(at) = state.table.rows.iter().position(|r| *r == row) {
        let page = geometry::page(state);
        let delta = at as isize - state.table.cursor as isize;
        state.table.move_by(delta, page);
    }
}
