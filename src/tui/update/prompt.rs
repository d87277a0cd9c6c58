//! The one-line prompt: typing, and what Enter does with the line (a search, a command, an
//! export's file name, a parameter's value); and the question before a file is replaced.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};

use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::state::{Level, Prompt, PromptKind, State};
use super::command;
use super::export::export_effect;
use super::query;
use super::refresh::refilter;

pub fn act(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
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
        return match (action, state.pending_export.take()) {
            (Some(Action::Confirm), Some(pending)) => {
                export_effect(state, pending.path, pending.all, true)
            }
            _ => {
                state.say("export cancelled: nothing was written", Level::Info);
                Vec::new()
            }
        };
    }
    match action {
        Some(Action::Close) => state.prompt = None,
        Some(Action::Submit) => {
            let Some(prompt) = state.prompt.take() else {
                return Vec::new();
            };
            return submit(state, prompt);
        }
        Some(Action::DeleteBack) => prompt.backspace(),
        Some(Action::DeleteForward) => prompt.delete(),
        Some(Action::Left) => prompt.left(),
        Some(Action::Right) => prompt.right(),
        Some(Action::LineStart) => prompt.cursor = 0,
        Some(Action::LineEnd) => prompt.cursor = prompt.input.chars().count(),
        Some(Action::ClearLine) => *prompt = Prompt::new(prompt.kind, ""),
        Some(Action::Type) => {
            if let KeyCode::Char(c) = key.code {
                prompt.insert(c);
            }
        }
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
            export_effect(state, PathBuf::from(input), all, false)
        }
        PromptKind::Command => command::command(state, &input),
        PromptKind::Param => query::param_given(state, input),
        PromptKind::Tag => super::case::tagged(state, &input),
        PromptKind::ConfirmOverwrite { .. } => Vec::new(),
    }
}
