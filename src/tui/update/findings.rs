//! Findings: asked of the runner as events arrive, shown at once when F opens the view, and
//! opened as the very events they counted.

use crossterm::event::KeyEvent;

use super::super::effect::Effect;
use super::super::findings::{FindingsAction, FindingsView};
use super::super::msg::FoundMsg;
use super::super::state::{Level, State};
use super::query;
use crate::case::FindingOpened;

/// Asks the runner to read the events not read yet by the detections, and to count the hits over
/// the range the query editor holds.
pub fn find(state: &State) -> Effect {
    Effect::FindFindings {
        detections: state.query.browser.detections(),
        range: state.query.editor.time(),
    }
}

/// F: the view opens at once, with what was found so far; the counts are brought up to date.
pub fn open(state: &mut State) -> Vec<Effect> {
    let mut view = FindingsView::default();
    if let Some(found) = &state.found {
        view.follow(found);
    }
    state.findings = Some(view);
    vec![find(state)]
}

pub fn on_found(state: &mut State, found: FoundMsg) -> Vec<Effect> {
    match found {
        Ok(found) => {
            if let Some(view) = state.findings.as_mut() {
                view.follow(&found);
                view.error = None;
            }
            state.found = Some(*found);
        }
        Err(e) => match state.findings.as_mut() {
            Some(view) => view.error = Some(e),
            None => state.say(e, Level::Error),
        },
    }
    Vec::new()
}

/// The Findings view keeps its own keys, shown on its title line.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(view) = state.findings.as_mut() else {
        return Vec::new();
    };
    match view.handle_key(key, state.found.as_ref()) {
        FindingsAction::None => Vec::new(),
        FindingsAction::Close => {
            state.findings = None;
            Vec::new()
        }
        FindingsAction::NextRange => {
            let next = state.query.editor.time().next_preset();
            state.query.editor.set_time(next);
            vec![find(state)]
        }
        FindingsAction::Open(name) => show(state, &name),
    }
}

/// The hits of detection `name` in the range: the rows counted, answered as its query would
/// answer them, and the events view narrowed to exactly them.
fn show(state: &mut State, name: &str) -> Vec<Effect> {
    let Some(item) = state.found.as_ref().and_then(|f| f.get(name)).cloned() else {
        return Vec::new();
    };
    let Some(rows) = item.rows.clone() else {
        // Not read event by event: it runs as the query it is.
        state.findings = None;
        return query::run_canned(state, name, None);
    };
    let range = state.query.editor.time();
    if rows.is_empty() {
        let shown = crate::text::sanitize(name).into_owned();
        let outside = match item.all {
            0 => String::new(),
            n => format!("; {n} outside it (F2 widens the range)"),
        };
        state.say(
            format!("{shown}: no hits in {}{outside}", range.label()),
            Level::Warning,
        );
        return Vec::new();
    }
    state.findings = None;
    let resolved = state.found.as_ref().map(|f| f.resolved).unwrap_or_default();
    let journal = super::case::finding_entry(
        state,
        FindingOpened {
            detection: item.name.clone(),
            severity: item.severity.name().to_string(),
            hits: rows.len() as u64,
            range: crate::case::range_text(resolved),
        },
    );
    let mut effects: Vec<Effect> = journal.into_iter().collect();
    effects.extend(query::start_held(
        state,
        &crate::text::sanitize(name),
        &item.text,
        rows,
    ));
    effects
}
