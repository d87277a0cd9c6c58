//! The pure heart of the console: a message and the state in, the state changed and the
//! effects to carry out returned. No I/O, no clock, no terminal.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::clusters::PickerAction;
use super::detail::DetailData;
use super::effect::{Detection, Effect};
use super::findings::FindingsAction;
use super::geometry::{self, FacetClick};
use super::msg::{ExportFailure, Filtered, Msg};
use super::state::{EventColumn, Focus, Level, Prompt, PromptKind, State};
use super::update_query;
use crate::export::{ExportFormat, ExportSummary};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key),
        Msg::Key(_) | Msg::Tick => Vec::new(),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            let page = geometry::page(state);
            state.results.move_by(0, page);
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
            }
            effects.extend(update_query::gather_field_names(state));
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
        Msg::Exported(result) => on_exported(state, result),
        Msg::QueryProgress { ticket, stats } => update_query::on_progress(state, ticket, stats),
        Msg::QueryDone { ticket, outcome } => update_query::on_done(state, ticket, outcome),
        Msg::Findings(found) => {
            if let Some(view) = state.findings.as_mut() {
                match found {
                    Ok(items) => view.set_items(items),
                    Err(e) => {
                        view.set_items(Vec::new());
                        view.error = Some(e);
                    }
                }
            }
            Vec::new()
        }
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
        Msg::FieldNames(names) => update_query::on_field_names(state, names),
        Msg::RecordFetched { ticket, index, row } => {
            update_query::on_record(state, ticket, index, row)
        }
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

/// A new filter request; the reply to any earlier one will be dropped.
pub fn refilter(state: &mut State) -> Effect {
    state.filter_ticket += 1;
    state.status.filtering = true;
    Effect::Refilter {
        ticket: state.filter_ticket,
        filter: state.filters.to_filter_set(),
        within: state.query.within(),
        sort: state
            .columns
            .sort
            .map(|s| (s.column.sort_key(), s.descending)),
    }
}

fn on_filtered(state: &mut State, filtered: Filtered) -> Vec<Effect> {
    if filtered.ticket != state.filter_ticket {
        return Vec::new();
    }
    state.status.filtering = false;
    state.status.filter_ms = Some(filtered.took_ms);
    let page = geometry::page(state);
    // Following a tail with the cursor on the last row: stay on the last row, as `tail -f`.
    let at_end = state.results.cursor + 1 >= state.results.rows.len();
    let tailing = state.status.tail.as_ref().is_some_and(|t| !t.paused);
    state.results.set_rows(filtered.rows, page);
    if tailing && at_end {
        state.results.bottom(page);
    }
    state.facets.set(filtered.facets);
    state.histogram = filtered.histogram;
    follow_selection(state)
}

/// The event under the cursor: in the events table, or the query answer's row when it is one
/// event.
pub fn selected_event(state: &State) -> Option<u32> {
    match &state.query.run {
        Some(run) if state.query.showing => run.selected_event(),
        _ => state.results.selected(),
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

fn on_exported(state: &mut State, result: Result<ExportSummary, ExportFailure>) -> Vec<Effect> {
    match result {
        Ok(summary) => {
            let mut text = format!(
                "exported {} events ({} bytes) to {}",
                summary.events,
                summary.bytes,
                summary.path.display()
            );
            if summary.truncated > 0 {
                text.push_str(&format!(", {} of them truncated", summary.truncated));
            }
            state.say(text, Level::Info);
        }
        Err(failure) if failure.exists => {
            let all = matches!(
                state.pending_export,
                Some(super::state::PendingExport { all: true, .. })
            );
            state.prompt = Some(Prompt::new(PromptKind::ConfirmOverwrite { all }, ""));
            state.say(failure.message, Level::Warning);
        }
        Err(failure) => state.say(failure.message, Level::Error),
    }
    Vec::new()
}

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if ctrl(&key, 'c') {
        state.quit = true;
        return Vec::new();
    }
    if key.code == KeyCode::Char('R')
        && state.status.waiting.is_some()
        && state.prompt.is_none()
        && !state.query.editor_open
    {
        state.status.waiting = None;
        state.say(
            "trying again with the credentials as they are now…",
            Level::Info,
        );
        return vec![Effect::RetryCloud];
    }
    if let Some(picker) = state.clusters.as_mut() {
        return match picker.handle_key(key) {
            PickerAction::None => Vec::new(),
            PickerAction::Quit => {
                state.quit = true;
                Vec::new()
            }
            PickerAction::Open(group) => {
                state.clusters = None;
                state.status.source = format!("CloudWatch {group}");
                vec![Effect::OpenGroup(group)]
            }
        };
    }
    if state.prompt.is_some() {
        return on_prompt_key(state, key);
    }
    if state.help {
        let most = geometry::help_lines().saturating_sub(4);
        let at = &mut state.help_scroll;
        match key.code {
            KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::F(1) => state.help = false,
            KeyCode::Down | KeyCode::Char('j') => *at = (*at + 1).min(most),
            KeyCode::Up | KeyCode::Char('k') => *at = at.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => *at = (*at + 10).min(most),
            KeyCode::PageUp => *at = at.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => *at = 0,
            _ => {}
        }
        return Vec::new();
    }
    if state.timeline_cursor.is_some() {
        return timeline_key(state, key);
    }
    if let Some(view) = state.findings.as_mut() {
        return match view.handle_key(key) {
            FindingsAction::None => Vec::new(),
            FindingsAction::Close => {
                state.findings = None;
                Vec::new()
            }
            FindingsAction::Open(name) => {
                state.findings = None;
                update_query::run_canned(state, &name, None)
            }
        };
    }
    if let Some(at) = state.columns.picker {
        let last = EventColumn::ALL.len() - 1;
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => state.columns.picker = Some((at + 1).min(last)),
            KeyCode::Up | KeyCode::Char('k') => state.columns.picker = Some(at.saturating_sub(1)),
            KeyCode::Char(' ' | 'x') => {
                if !state.columns.toggle() {
                    state.say("the last column shown stays", Level::Warning);
                }
            }
            _ => state.columns.picker = None,
        }
        return Vec::new();
    }
    if state.query.browser_open {
        return update_query::browser_key(state, key);
    }
    if state.query.editor_open {
        return update_query::editor_key(state, key);
    }
    // The banner and any message go once a key is pressed: they have been read.
    state.status.banner = None;
    state.status.message = None;
    let page = geometry::page(state);
    if ctrl(&key, 'x') || key.code == KeyCode::F(6) {
        return update_query::cancel(state);
    }
    if state.query.showing
        && state.focus == Focus::Results
        && let Some(effects) = update_query::view_key(state, key)
    {
        return effects;
    }
    match key.code {
        KeyCode::Char('q') => state.quit = true,
        KeyCode::Char('b') => state.query.browser_open = true,
        KeyCode::Char('F') => {
            let detections = state
                .query
                .browser
                .queries()
                .iter()
                .filter_map(|q| {
                    Some(Detection {
                        name: q.name.clone(),
                        text: q.text.clone(),
                        severity: q.severity?,
                        description: q.description.clone(),
                    })
                })
                .collect();
            state.findings = Some(super::findings::FindingsView::default());
            return vec![Effect::RunDetections(detections)];
        }
        KeyCode::Char('t') => {
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
        KeyCode::Char(';') | KeyCode::F(2) => state.query.editor_open = true,
        KeyCode::Char('r') => {
            if state.query.run.is_some() {
                state.query.showing = !state.query.showing;
                state.focus = Focus::Results;
                return follow_selection(state);
            }
            state.say(
                "no query has run yet: b browses the canned queries, ; opens the editor",
                Level::Warning,
            );
        }
        KeyCode::Char('?') => state.help = true,
        KeyCode::Tab => state.focus = state.focus.next(state.detail.open),
        KeyCode::BackTab => {
            state.focus = match state.focus {
                Focus::Results if state.detail.open => Focus::Detail,
                Focus::Results | Focus::Detail => Focus::Facets,
                Focus::Facets => Focus::Results,
            }
        }
        KeyCode::Esc => {
            if state.focus == Focus::Detail || state.detail.open {
                state.detail.open = false;
            } else if state.query.showing && state.focus == Focus::Results {
                state.query.showing = false;
            }
            state.focus = Focus::Results;
        }
        KeyCode::Char('/') => {
            let text = state.filters.text.clone().unwrap_or_default();
            state.prompt = Some(Prompt::new(PromptKind::Search, &text));
        }
        KeyCode::Char(':') => state.prompt = Some(Prompt::new(PromptKind::Command, "")),
        KeyCode::Char('c') => state.columns.picker = Some(0),
        KeyCode::Char('C') => {
            let narrowed = std::mem::take(&mut state.query.narrowing);
            if state.filters.clear() || narrowed {
                return vec![refilter(state)];
            }
        }
        KeyCode::Backspace => {
            // The query's events were there first: they go last.
            if state.filters.pop() || std::mem::take(&mut state.query.narrowing) {
                return vec![refilter(state)];
            }
        }
        KeyCode::Char(' ') => {
            let marked = state.results.toggle_mark();
            if state.focus == Focus::Results && marked.is_some() {
                state.results.move_by(1, page);
                return follow_selection(state);
            }
        }
        KeyCode::Char('e') => {
            if state.results.marked.is_empty() {
                state.say(
                    "nothing marked: Space marks a row, E exports the whole filtered result",
                    Level::Warning,
                );
            } else {
                let name = default_export_name(state.results.marked.len());
                state.prompt = Some(Prompt::new(PromptKind::Export { all: false }, &name));
            }
        }
        KeyCode::Char('p') if state.status.tail.is_some() => {
            let paused = state.status.tail.as_ref().is_some_and(|t| t.paused);
            if let Some(tail) = state.status.tail.as_mut() {
                tail.paused = !paused;
            }
            return vec![Effect::PauseTail(!paused)];
        }
        KeyCode::Char('E') => {
            let name = default_export_name(state.results.rows.len());
            state.prompt = Some(Prompt::new(PromptKind::Export { all: true }, &name));
        }
        _ => {
            return match state.focus {
                Focus::Results => on_results_key(state, key, page),
                Focus::Facets => on_facets_key(state, key),
                Focus::Detail => on_detail_key(state, key),
            };
        }
    }
    Vec::new()
}

/// Keys while a timeline column is picked: move, narrow the range to it, or back out.
fn timeline_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
    state.timeline_cursor = Some(match key.code {
        KeyCode::Left | KeyCode::Char('h' | 'H') => at.saturating_sub(step),
        KeyCode::Right | KeyCode::Char('l' | 'L') => (at + step).min(columns - 1),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => columns - 1,
        KeyCode::Enter => {
            state.timeline_cursor = None;
            return narrow_to_column(state, at);
        }
        KeyCode::Esc | KeyCode::Char('t' | 'q') => {
            state.timeline_cursor = None;
            return Vec::new();
        }
        _ => at,
    });
    Vec::new()
}

/// Narrows the time range to a timeline column's span.
fn narrow_to_column(state: &mut State, x: usize) -> Vec<Effect> {
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

fn default_export_name(events: usize) -> String {
    format!("kaudit-export-{events}-events.json")
}

fn on_results_key(state: &mut State, key: KeyEvent, page: usize) -> Vec<Effect> {
    let r = &mut state.results;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => r.move_by(1, page),
        KeyCode::Up | KeyCode::Char('k') => r.move_by(-1, page),
        KeyCode::PageDown => r.move_by(page as isize, page),
        KeyCode::PageUp => r.move_by(-(page as isize), page),
        KeyCode::Char('d') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            r.move_by(page as isize / 2, page)
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            r.move_by(-(page as isize) / 2, page)
        }
        KeyCode::Home | KeyCode::Char('g') => r.top(page),
        KeyCode::End | KeyCode::Char('G') => r.bottom(page),
        KeyCode::Enter => {
            state.detail.open = true;
            state.focus = Focus::Detail;
        }
        KeyCode::Char('s') => {
            state.columns.next_sort();
            return vec![refilter(state)];
        }
        KeyCode::Char('S') => {
            state.columns.flip_sort();
            return vec![refilter(state)];
        }
        _ => return Vec::new(),
    }
    follow_selection(state)
}

fn on_facets_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = &mut state.facets;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => f.move_by(1),
        KeyCode::Up | KeyCode::Char('k') => f.move_by(-1),
        KeyCode::Right | KeyCode::Char('l') => f.next_facet(1),
        KeyCode::Left | KeyCode::Char('h') => f.next_facet(-1),
        KeyCode::Enter | KeyCode::Char('+' | 'i') => return include(state, true),
        KeyCode::Char('-' | 'x') => return include(state, false),
        _ => {}
    }
    Vec::new()
}

/// Keeps (or drops) the facet value under the cursor.
fn include(state: &mut State, keep: bool) -> Vec<Effect> {
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

fn on_detail_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let pivots = state.detail.data.as_ref().map_or(0, |d| d.pivots.len());
    let d = &mut state.detail;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => d.scroll = d.scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => d.scroll = d.scroll.saturating_sub(1),
        KeyCode::PageDown => d.scroll = d.scroll.saturating_add(10),
        KeyCode::PageUp => d.scroll = d.scroll.saturating_sub(10),
        KeyCode::Home | KeyCode::Char('g') => d.scroll = 0,
        // Fold one level more, or one less.
        KeyCode::Char('z') => d.fold_at = Some(d.fold_at.map_or(2, |at| at.saturating_sub(1))),
        KeyCode::Char('Z') => {
            let deepest = d.data.as_ref().map_or(0, DetailData::json_depth);
            d.fold_at = d.fold_at.map(|at| at + 1).filter(|at| *at < deepest);
        }
        KeyCode::Right | KeyCode::Char('l') if pivots > 0 => d.pivot = (d.pivot + 1) % pivots,
        KeyCode::Left | KeyCode::Char('h') if pivots > 0 => {
            d.pivot = (d.pivot + pivots - 1) % pivots
        }
        KeyCode::Enter => {
            let i = d.pivot;
            return pivot(state, i);
        }
        KeyCode::Char(c @ '1'..='9') => {
            let i = c as usize - '1' as usize;
            return pivot(state, i);
        }
        _ => {}
    }
    Vec::new()
}

/// Replaces the filters with the `i`-th pivot of the event.
fn pivot(state: &mut State, i: usize) -> Vec<Effect> {
    let Some(p) = state
        .detail
        .data
        .as_ref()
        .and_then(|d| d.pivots.get(i))
        .cloned()
    else {
        return Vec::new();
    };
    if let Some((query, object)) = &p.canned {
        return update_query::run_canned(state, query, Some(object));
    }
    state.filters.clear();
    for (facet, value) in &p.include {
        state.filters.add(*facet, value, true);
    }
    state.filters.text = p.text;
    state.query.narrowing = false;
    state.query.showing = false;
    state.focus = Focus::Results;
    state.say(
        format!("{} (Backspace drops a filter, C clears)", p.label),
        Level::Info,
    );
    vec![refilter(state)]
}

fn on_prompt_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc && state.query.pending.take().is_some() {
        state.prompt = None;
        state.say("the query was not run", Level::Info);
        return Vec::new();
    }
    let Some(prompt) = state.prompt.as_mut() else {
        return Vec::new();
    };
    if let PromptKind::ConfirmOverwrite { .. } = prompt.kind {
        state.prompt = None;
        return match (key.code, state.pending_export.take()) {
            (KeyCode::Char('y' | 'Y'), Some(pending)) => {
                vec![export_effect(state, pending.path, pending.all, true)]
            }
            _ => {
                state.say("export cancelled: nothing was written", Level::Info);
                Vec::new()
            }
        };
    }
    match key.code {
        KeyCode::Esc => {
            state.prompt = None;
        }
        KeyCode::Enter => {
            let Some(prompt) = state.prompt.take() else {
                return Vec::new();
            };
            return submit(state, prompt);
        }
        KeyCode::Backspace => prompt.backspace(),
        KeyCode::Delete => prompt.delete(),
        KeyCode::Left => prompt.left(),
        KeyCode::Right => prompt.right(),
        KeyCode::Home => prompt.cursor = 0,
        KeyCode::End => prompt.cursor = prompt.input.chars().count(),
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            *prompt = Prompt::new(prompt.kind, "")
        }
        KeyCode::Char(c) => prompt.insert(c),
        _ => {}
    }
    Vec::new()
}

fn submit(state: &mut State, prompt: Prompt) -> Vec<Effect> {
    let input = prompt.input.trim().to_string();
    match prompt.kind {
        PromptKind::Search => {
            let text = (!input.is_empty()).then_some(input);
            state.query.showing = false;
            if text != state.filters.text {
                state.filters.text = text;
                return vec![refilter(state)];
            }
            Vec::new()
        }
        PromptKind::Export { all } => {
            if input.is_empty() {
                state.say("export cancelled: no file name", Level::Info);
                return Vec::new();
            }
            vec![export_effect(state, PathBuf::from(input), all, false)]
        }
        PromptKind::Command => super::update_command::command(state, &input),
        PromptKind::Param => update_query::param_given(state, input),
        PromptKind::ConfirmOverwrite { .. } => Vec::new(),
    }
}

pub(super) fn export_effect(
    state: &mut State,
    path: PathBuf,
    all: bool,
    overwrite: bool,
) -> Effect {
    let rows: Vec<u32> = if all {
        state.results.rows.as_ref().clone()
    } else {
        state.results.marked.iter().copied().collect()
    };
    state.pending_export = Some(super::state::PendingExport {
        path: path.clone(),
        all,
    });
    Effect::Export {
        rows: Arc::new(rows),
        format: ExportFormat::from_path(&path),
        path,
        overwrite,
    }
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
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
        MouseEventKind::ScrollDown => state.results.scroll_by(3, page),
        MouseEventKind::ScrollUp => state.results.scroll_by(-3, page),
        MouseEventKind::Down(_) => {
            let layout = geometry::layout(state);
            if let Some(x) = geometry::timeline_column(state, mouse.column, mouse.row) {
                state.timeline_cursor = None;
                return narrow_to_column(state, x);
            } else if let Some(i) = layout.chip_at(state, mouse.column, mouse.row) {
                if state.drop_chip(i) {
                    return vec![refilter(state)];
                }
            } else if in_query && layout.results.contains((mouse.column, mouse.row).into()) {
                state.focus = Focus::Results;
            } else if let Some(line) = layout.results_line(mouse.column, mouse.row) {
                state.focus = Focus::Results;
                state.results.click(line, page);
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

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
