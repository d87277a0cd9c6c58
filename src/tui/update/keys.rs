//! Keys: each goes to the overlay or pane that has them.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::clusters::PickerAction;
use super::super::detail::DetailData;
use super::super::effect::{Detection, Effect};
use super::super::findings::FindingsAction;
use super::super::geometry;
use super::super::state::{EventColumn, Focus, Level, Prompt, PromptKind, State};
use super::command;
use super::export::{default_export_name, export_effect};
use super::query;
use super::refresh::{follow_selection, refilter};

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
                query::run_canned(state, &name, None)
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
        return query::browser_key(state, key);
    }
    if state.query.editor_open {
        return query::editor_key(state, key);
    }
    // The banner and any message go once a key is pressed: they have been read.
    state.status.banner = None;
    state.status.message = None;
    let page = geometry::page(state);
    if ctrl(&key, 'x') || key.code == KeyCode::F(6) {
        return query::cancel(state);
    }
    if state.query.showing
        && state.focus == Focus::Results
        && let Some(effects) = query::view_key(state, key)
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
            state.findings = Some(super::super::findings::FindingsView::default());
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
        return query::run_canned(state, query, Some(object));
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
        PromptKind::Command => command::command(state, &input),
        PromptKind::Param => query::param_given(state, input),
        PromptKind::ConfirmOverwrite { .. } => Vec::new(),
    }
}
