//! The update's query side: the browser and editor overlays, starting and cancelling runs, and
//! taking in their answers. Pure, as the rest of the update.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::effect::Effect;
use super::super::field_names::FieldNames;
use super::super::format::count;
use super::super::geometry;
use super::super::keymap::Action;
use super::super::msg::{QueryAnswer, QueryFailure, Ticket};
use super::super::query::{AnswerAction, BrowserAction, EditorAction, RunStats, TimeChoice};
use super::super::state::{Focus, Level, Mark, PendingCanned, Prompt, QueryRun, State};
use super::case::Target;
use super::refresh::{follow_selection, refilter};

/// Keys while the browser is open.
pub fn browser_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.query.browser.handle_key(key) {
        BrowserAction::None => Vec::new(),
        BrowserAction::Close => {
            state.query.browser_open = false;
            Vec::new()
        }
        BrowserAction::Run { text, name } => {
            state.query.browser_open = false;
            ask_or_start(state, &name, &text)
        }
        BrowserAction::Edit { text, .. } => {
            state.query.browser_open = false;
            state.query.editor.set_text(&text);
            state.query.editor_open = true;
            Vec::new()
        }
    }
}

/// Keys while the editor is open.
pub fn editor_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.query.editor.handle_key(key) {
        EditorAction::None => Vec::new(),
        EditorAction::Close => {
            state.query.editor_open = false;
            Vec::new()
        }
        EditorAction::Help => {
            state.help = true;
            Vec::new()
        }
        EditorAction::Cancel => cancel(state),
        EditorAction::Run { text, range } => {
            state.query.editor_open = false;
            let title = title_of(&text);
            let mut effects = vec![Effect::SaveHistory(state.query.editor.history().clone())];
            effects.extend(start(state, &title, &text, range));
            effects
        }
    }
}

/// A query's title: its first line that is not a comment.
pub fn title_of(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("query");
    crate::text::sanitize(line).into_owned()
}

/// Starts a run; the one before, if still running, is stopped by the runner.
pub fn start(state: &mut State, title: &str, text: &str, range: TimeChoice) -> Vec<Effect> {
    state.query_ticket += 1;
    let was_narrowing = state.query.within().is_some();
    let mut run = QueryRun::new(title, text);
    run.view.set_page(geometry::page(state));
    state.query.run = Some(run);
    state.query.showing = true;
    state.query.narrowing = false;
    state.focus = Focus::Table;
    let mut effects = vec![Effect::RunQuery {
        ticket: state.query_ticket,
        text: text.to_string(),
        range,
    }];
    if was_narrowing {
        effects.push(refilter(state));
    }
    effects
}

/// Shows the answer of `text` over the held events `rows` (a finding's hits) as a run's: the
/// events view then holds exactly those events.
pub fn start_held(state: &mut State, title: &str, text: &str, rows: Arc<Vec<u32>>) -> Vec<Effect> {
    let mut effects = start(state, title, text, state.query.editor.time());
    for effect in &mut effects {
        if let Effect::RunQuery { ticket, text, .. } = effect {
            *effect = Effect::AnswerHeld {
                ticket: *ticket,
                text: std::mem::take(text),
                rows: rows.clone(),
            };
        }
    }
    effects
}

pub fn cancel(state: &mut State) -> Vec<Effect> {
    if state.query.running() {
        state.say("stopping the query…", Level::Info);
        vec![Effect::CancelQuery]
    } else {
        Vec::new()
    }
}

pub fn on_progress(state: &mut State, ticket: Ticket, stats: RunStats) -> Vec<Effect> {
    if ticket == state.query_ticket
        && let Some(run) = state.query.run.as_mut().filter(|r| r.running)
    {
        run.view.set_progress(stats);
    }
    Vec::new()
}

pub fn on_done(
    state: &mut State,
    ticket: Ticket,
    outcome: Result<Box<QueryAnswer>, QueryFailure>,
) -> Vec<Effect> {
    if ticket != state.query_ticket {
        return Vec::new();
    }
    let Some(run) = state.query.run.as_mut() else {
        return Vec::new();
    };
    run.running = false;
    let answer = match outcome {
        Ok(answer) => *answer,
        Err(failure) => {
            let stats = RunStats {
                running: false,
                ..run.view.stats()
            };
            run.view.set_progress(stats);
            if failure.in_query {
                // The editor shows the error in place, with a caret.
                let text = run.text.clone();
                state.query.editor.set_text(&text);
                state.query.editor_open = true;
            }
            state.say(
                format!("the query did not run: {}", failure.message),
                Level::Error,
            );
            return Vec::new();
        }
    };
    let text = run.text.clone();
    let journal = super::case::query_entry(state, &text, &answer);
    let Some(run) = state.query.run.as_mut() else {
        return Vec::new();
    };
    let rows = answer.result.rows.len();
    let capped = answer.result.capped;
    run.view.set_result(answer.result, answer.elapsed_ms);
    run.unmatched = answer.row_of.iter().filter(|r| r.is_none()).count();
    // Rows tied to no held event (fields without the event's text) narrow nothing.
    let tied = answer.row_of.iter().any(Option::is_some);
    run.events = answer.held.or_else(|| {
        (answer.events && tied).then(|| {
            let mut events: Vec<u32> = answer.row_of.iter().flatten().copied().collect();
            events.sort_unstable();
            events.dedup();
            Arc::new(events)
        })
    });
    run.row_of = answer.row_of;
    run.ptrs = answer.ptrs;
    let mut text = format!("{}: {}", run.title, count(rows, "row"));
    if capped {
        text.push_str(" (the default cap; add `limit` for more)");
    }
    if answer.cancelled {
        text.push_str(", stopped early: what was read until then");
    }
    let events = run.events.as_ref().map(|e| e.len());
    let unmatched = run.unmatched;
    if let Some(n) = events {
        let from_pivot = state.pivots.last().is_some_and(|p| p.ticket == ticket);
        let back = if from_pivot {
            "Backspace undoes the pivot"
        } else {
            "Backspace drops it"
        };
        text.push_str(&format!(
            "; the events view, facets and timeline now hold its {} (r switches views, {back})",
            count(n, "event")
        ));
        if unmatched > 0 {
            text.push_str(&format!(
                "; {} appended since loading, not held",
                count(unmatched, "event")
            ));
        }
    }
    let level = if answer.cancelled || !answer.warnings.is_empty() {
        Level::Warning
    } else {
        Level::Info
    };
    if let Some(w) = answer.warnings.first() {
        text.push_str(&format!(" — note: {w}"));
    }
    state.say(text, level);
    let mut effects: Vec<Effect> = journal.into_iter().collect();
    if events.is_some() {
        state.query.narrowing = true;
        effects.push(refilter(state));
    }
    effects.extend(follow_selection(state));
    effects
}

/// Gathers the field names of the events loaded since the last pass, once loading is done and
/// no pass is under way.
pub fn gather_field_names(state: &mut State) -> Option<Effect> {
    let names = &mut state.query.field_names;
    let load = &state.status.load;
    if !load.done || names.gathering || names.events == Some(load.events) {
        return None;
    }
    names.gathering = true;
    Some(Effect::IndexFields)
}

/// A pass over the events' field names is done: the editor checks against them from now on.
pub fn on_field_names(state: &mut State, names: FieldNames) -> Vec<Effect> {
    state.query.field_names.gathering = false;
    state.query.field_names.events = Some(names.events);
    if let Some(seen) = names.seen {
        state.query.editor.set_seen_fields(seen);
    }
    // Events that came meanwhile (a tail) are gathered next.
    gather_field_names(state).into_iter().collect()
}

/// Keys for the query's answer in the main pane; `None` when the key is not one of its own.
/// Enter and Space reach the answer row's event, so the update takes them; the answer's view
/// takes the rest (or, while its column picker is open, every key).
pub fn answer_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Option<Vec<Effect>> {
    let page = geometry::table_rows(state).saturating_sub(2);
    let run = state.query.run.as_mut()?;
    run.view.set_page(page);
    match action {
        Some(Action::Open) => {
            if let Some((index, ptr)) = run.selected_ptr() {
                let effect = Effect::FetchRecord {
                    ticket: state.query_ticket,
                    index,
                    ptr: ptr.to_string(),
                    mark: None,
                };
                state.say(
                    "fetching the event from CloudWatch (GetLogRecord)…",
                    Level::Info,
                );
                return Some(vec![effect]);
            }
            if run.selected_event().is_none() {
                state.say(
                    "this row is not one event (a `stats` group, or an event appended since loading)",
                    Level::Warning,
                );
                return Some(Vec::new());
            }
            state.detail.open = true;
            state.focus = Focus::Detail;
            return Some(follow_selection(state));
        }
        Some(Action::Mark) => {
            let mut effects = match super::case::target(state) {
                Target::Held(row) => super::case::toggle(state, row),
                Target::Remote { index, ptr } => match state.case.as_ref() {
                    Some(open) => {
                        let mark = open.space_mark();
                        super::case::fetch_then_mark(state, index, ptr, mark)
                    }
                    None => {
                        state.say(
                            "this row's event is in CloudWatch, not held: Enter fetches it, then Space marks it",
                            Level::Warning,
                        );
                        return Some(Vec::new());
                    }
                },
                Target::Nothing => return Some(Vec::new()),
            };
            if let Some(run) = state.query.run.as_mut() {
                run.view
                    .handle_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
            }
            effects.extend(follow_selection(state));
            return Some(effects);
        }
        _ => {}
    }
    match run.view.handle_key(key) {
        AnswerAction::Ignored => None,
        AnswerAction::None => Some(follow_selection(state)),
    }
}

/// Keys while the answer's column picker is open: all of them go to it.
pub fn answer_columns_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(run) = state.query.run.as_mut() {
        run.view.handle_key(key);
    }
    follow_selection(state)
}

/// Starts a canned query, first asking for the values of its `${…}` parameters, one prompt each.
pub fn ask_or_start(state: &mut State, name: &str, text: &str) -> Vec<Effect> {
    let params = crate::catalog::params::params_of(text);
    if params.is_empty() {
        let range = state.query.editor.time();
        return start(state, name, text, range);
    }
    let first = params[0].clone();
    state.query.pending = Some(PendingCanned {
        name: name.to_string(),
        text: text.to_string(),
        params,
        values: Vec::new(),
    });
    state.prompt = Some(Prompt::for_param(&first));
    Vec::new()
}

/// A parameter's value was typed: ask for the next, or run.
pub fn param_given(state: &mut State, value: String) -> Vec<Effect> {
    let Some(mut pending) = state.query.pending.take() else {
        return Vec::new();
    };
    if !pending.params.is_empty() {
        let name = pending.params.remove(0);
        pending.values.push((name, value));
    }
    if let Some(next) = pending.params.first() {
        state.prompt = Some(Prompt::for_param(next));
        state.query.pending = Some(pending);
        return Vec::new();
    }
    match crate::catalog::params::fill(&pending.text, &pending.values) {
        Ok(text) => {
            let range = state.query.editor.time();
            let shown: Vec<String> = pending
                .values
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let title = format!("{} · {}", pending.name, shown.join(" "));
            start(state, &crate::text::sanitize(&title), &text, range)
        }
        Err(missing) => {
            state.say(missing.to_string(), Level::Error);
            Vec::new()
        }
    }
}

/// Runs the canned query `name`, narrowed to one object when `object` is given.
pub fn run_canned(state: &mut State, name: &str, object: Option<&str>) -> Vec<Effect> {
    let Some(canned) = state.query.browser.get(name) else {
        let shown = crate::text::sanitize(name).into_owned();
        state.say(
            format!("no canned query named {shown} (b lists them)"),
            Level::Error,
        );
        return Vec::new();
    };
    let mut title = canned.name.clone();
    let Some(object) = object else {
        let text = canned.text.clone();
        return ask_or_start(state, &title, &text);
    };
    let text = canned.narrowed_to_object(object);
    title.push_str(&format!(" · {object}"));
    let range = state.query.editor.time();
    start(state, &crate::text::sanitize(&title), &text, range)
}

/// An answer row's event arrived from CloudWatch: the row is tied to it and its detail opens.
pub fn on_record(
    state: &mut State,
    ticket: Ticket,
    index: usize,
    row: Result<u32, String>,
    mark: Option<Mark>,
) -> Vec<Effect> {
    if ticket != state.query_ticket {
        return Vec::new();
    }
    match row {
        Ok(row) => {
            if let Some(run) = state.query.run.as_mut()
                && let Some(slot) = run.row_of.get_mut(index)
            {
                *slot = Some(row);
                run.unmatched = run.unmatched.saturating_sub(1);
            }
            if let Some(mark) = mark {
                // Marked where it is: the detail stays as it was.
                state.status.message = None;
                let ptr = state
                    .query
                    .run
                    .as_ref()
                    .and_then(|run| run.ptrs.get(index).cloned().flatten());
                return super::case::mark_at(state, row, mark, ptr);
            }
            state.status.message = None;
            state.detail.open = true;
            state.focus = Focus::Detail;
            follow_selection(state)
        }
        Err(message) => {
            state.say(
                format!("the event could not be fetched: {message}"),
                Level::Error,
            );
            Vec::new()
        }
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod flow_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_skip_comments_and_literals_escape() {
        assert_eq!(title_of("# name: x\n\n fields a\n| limit 1"), "fields a");
        assert_eq!(title_of(""), "query");
        assert_eq!(
            crate::catalog::narrow::string_literal(r#"a"b\c"#),
            r#""a\"b\\c""#
        );
    }
}
