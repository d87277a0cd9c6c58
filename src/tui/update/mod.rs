//! The pure heart of the console: a message and the state in, the state changed and the
//! effects to carry out returned. No I/O, no clock, no terminal.

mod case;
mod command;
mod everywhere;
mod export;
mod findings;
mod keys;
mod mouse;
mod overlays;
mod panes;
mod pivot;
mod prompt;
mod query;
mod refresh;

use crossterm::event::KeyEventKind;

use super::effect::Effect;
use super::geometry;
use super::msg::{Filtered, Msg};
use super::state::{Level, State};
use keys::on_key;
use mouse::on_mouse;
use refresh::{follow_selection, refilter};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key),
        Msg::Key(_) | Msg::Tick => Vec::new(),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            let page = geometry::page(state);
            state.table.move_by(0, page);
            if let Some(run) = state.query.run.as_mut() {
                run.view.set_page(page.saturating_sub(2));
            }
            Vec::new()
        }
        Msg::Loaded(progress) => {
            let grew = progress.events != state.status.load.events;
            let finished = progress.done && !state.status.load.done;
            state.status.load = progress;
            let mut effects = Vec::new();
            if grew || finished {
                effects.push(refilter(state));
                effects.push(findings::find(state));
            }
            if finished || (grew && state.status.load.done) {
                effects.extend(case::find_elsewhere(state));
            }
            effects.extend(query::gather_field_names(state));
            effects
        }
        Msg::Tail(tail) => {
            state.status.tail = Some(tail);
            Vec::new()
        }
        Msg::Filtered(filtered) => on_filtered(state, *filtered),
        Msg::Detail { row, data } => {
            if state.detail_row == Some(row) {
                state.detail.row = Some(row);
                state.detail.data = Some(*data);
                state.detail.pivot = 0;
            }
            Vec::new()
        }
        Msg::Exported(result) => export::on_exported(state, result),
        Msg::QueryProgress { ticket, stats } => query::on_progress(state, ticket, stats),
        Msg::QueryDone { ticket, outcome } => query::on_done(state, ticket, outcome),
        Msg::Found(found) => findings::on_found(state, found),
        Msg::Clusters(found) => {
            if let Some(picker) = state.clusters.as_mut() {
                match found {
                    Ok(items) => picker.set_items(items),
                    Err(e) => {
                        picker.set_items(Vec::new());
                        picker.error = Some(e);
                    }
                }
            }
            Vec::new()
        }
        Msg::Opened(name) => {
            state.status.source = name;
            Vec::new()
        }
        Msg::FieldNames(names) => query::on_field_names(state, names),
        Msg::RecordFetched {
            ticket,
            index,
            row,
            mark,
        } => query::on_record(state, ticket, index, row, mark),
        Msg::CaseOpened(opened) => case::on_opened(state, opened),
        Msg::CaseKept(kept) => case::on_kept(state, *kept),
        Msg::MarksFound { marks, rows } => case::on_found(state, marks, rows),
        Msg::Failed(message) => {
            state.say(message, Level::Error);
            Vec::new()
        }
        Msg::WaitingForRetry(advice) => {
            state.say(advice.clone(), Level::Error);
            state.status.waiting = Some(advice);
            Vec::new()
        }
    }
}

fn on_filtered(state: &mut State, filtered: Filtered) -> Vec<Effect> {
    if filtered.ticket != state.filter_ticket {
        return Vec::new();
    }
    state.status.filtering = false;
    state.status.filter_ms = Some(filtered.took_ms);
    if let Some(why) = filtered.said {
        state.say(why, Level::Warning);
    }
    let page = geometry::page(state);
    // Following a tail with the cursor on the last row: stay on the last row, as `tail -f`.
    let at_end = state.table.cursor + 1 >= state.table.rows.len();
    let tailing = state.status.tail.as_ref().is_some_and(|t| !t.paused);
    state.table.answer(filtered.rows, page);
    if tailing && at_end {
        state.table.bottom(page);
    }
    state.facets.set(filtered.facets);
    state.histogram = filtered.histogram;
    follow_selection(state)
}

#[cfg(test)]
mod tests;
