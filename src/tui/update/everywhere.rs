//! The keys of the main screen, whichever pane has the focus: quitting, the overlays, the
//! prompt, filters, marks and exports, the live tail; and Ctrl-C and the retry, which work over
//! anything.

use super::super::effect::Effect;
use super::super::geometry;
use super::super::keymap::Action;
use super::super::state::{Focus, Level, Prompt, PromptKind, State};
use super::export::default_export_name;
use super::findings;
use super::query;
use super::refresh::{follow_selection, refilter};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => state.quit = true,
        Action::Retry => {
            state.status.waiting = None;
            state.say(
                "trying again with the credentials as they are now…",
                Level::Info,
            );
            return vec![Effect::RetryCloud];
        }
        Action::Cancel => return query::cancel(state),
        Action::Browse => {
            state.query.browser.clear_search();
            state.query.browser_open = true;
        }
        Action::Findings => return findings::open(state),
        Action::PickBar => {
            let columns = geometry::timeline_columns(state);
            if columns == 0 {
                state.say(
                    "no timeline to pick from (it shows on a terminal 24 lines or taller)",
                    Level::Warning,
                );
            } else {
                state.timeline_cursor = Some(columns - 1);
            }
        }
        Action::Editor => state.query.editor_open = true,
        Action::SwitchView => {
            if state.query.run.is_some() {
                state.query.showing = !state.query.showing;
                state.focus = Focus::Table;
                return follow_selection(state);
            }
            state.say(
                "no query has run yet: b browses the canned queries, ; opens the editor",
                Level::Warning,
            );
        }
        Action::Help => state.help = true,
        Action::NextPane => state.focus = state.focus.next(state.detail.open),
        Action::PrevPane => {
            state.focus = match state.focus {
                Focus::Table if state.detail.open => Focus::Detail,
                Focus::Table | Focus::Detail => Focus::Facets,
                Focus::Facets => Focus::Table,
            }
        }
        Action::Back => {
            if state.focus == Focus::Detail || state.detail.open {
                state.detail.open = false;
            } else if state.query.showing && state.focus == Focus::Table {
                state.query.showing = false;
            }
            state.focus = Focus::Table;
        }
        Action::Search => {
            let text = state.filters.text.clone().unwrap_or_default();
            state.prompt = Some(Prompt::new(PromptKind::Search, &text));
        }
        Action::Command => state.prompt = Some(Prompt::new(PromptKind::Command, "")),
        Action::Columns => state.columns.picker = Some(0),
        Action::ClearFilters => {
            state.pivots.clear();
            let narrowed = std::mem::take(&mut state.query.narrowing);
            if state.filters.clear() || narrowed {
                return vec![refilter(state)];
            }
        }
        Action::DropFilter => {
            if let Some(effects) = super::pivot::undo(state) {
                return effects;
            }
            // The query's events were there first: they go last.
            let dropped = state.filters.pop() || std::mem::take(&mut state.query.narrowing);
            if dropped {
                return vec![refilter(state)];
            }
        }
        Action::Mark => {
            let Some(row) = state.table.selected() else {
                return Vec::new();
            };
            let mut effects = super::case::toggle(state, row);
            if state.focus == Focus::Table {
                let page = geometry::page(state);
                state.table.move_by(1, page);
                effects.extend(follow_selection(state));
            }
            return effects;
        }
        Action::Tag => return super::case::ask(state),
        Action::Export => {
            if state.table.marked.is_empty() {
                state.say(
                    "nothing marked: Space marks a row, E exports the whole filtered result",
                    Level::Warning,
                );
            } else {
                let name = default_export_name(state.table.marked.len());
                state.prompt = Some(Prompt::new(PromptKind::Export { all: false }, &name));
            }
        }
        Action::ExportAll => {
            let name = default_export_name(state.table.rows.len());
            state.prompt = Some(Prompt::new(PromptKind::Export { all: true }, &name));
        }
        Action::Pause => {
            let paused = state.status.tail.as_ref().is_some_and(|t| t.paused);
            if let Some(tail) = state.status.tail.as_mut() {
                tail.paused = !paused;
            }
            return vec![Effect::PauseTail(!paused)];
        }
        _ => {}
    }
    Vec::new()
}
