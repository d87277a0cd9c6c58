//! Keys: each goes down the layers open on the screen ([`State::layers`]) until one binds it
//! in the keymap, and that layer's part of the update carries the action out.

use crossterm::event::KeyEvent;

use super::super::clusters::PickerAction;
use super::super::effect::Effect;
use super::super::keymap::{self, Layer};
use super::super::state::State;
use super::everywhere;
use super::findings;
use super::overlays;
use super::panes;
use super::prompt;
use super::query;

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let mut on_screen = false;
    for layer in state.layers() {
        if layer.is_screen() && !on_screen {
            // The banner and any message go once a key reaches the screen: they have been read.
            state.status.banner = None;
            state.status.message = None;
            on_screen = true;
        }
        let action = keymap::action(layer, &key);
        let taken = match layer {
            Layer::Anywhere | Layer::Waiting | Layer::Everywhere | Layer::Following => {
                action.map(|a| everywhere::act(state, a))
            }
            Layer::Picker => Some(picker_key(state, key)),
            Layer::Findings => Some(findings::key(state, key)),
            Layer::Prompt | Layer::Confirm => Some(prompt::act(state, key, action)),
            Layer::Help => Some(overlays::help(state, action)),
            Layer::Timeline => Some(overlays::timeline(state, key, action)),
            Layer::Columns => Some(overlays::columns(state, action)),
            Layer::Browser => Some(query::browser_key(state, key)),
            Layer::Editor => Some(query::editor_key(state, key)),
            Layer::AnswerColumns => Some(query::answer_columns_key(state, key)),
            Layer::Answer => query::answer_key(state, key, action),
            Layer::Events => action.map(|a| panes::events(state, a)),
            Layer::Facets => action.map(|a| panes::facets(state, a)),
            Layer::Detail => action.map(|a| panes::detail(state, a, key)),
        };
        if let Some(effects) = taken {
            return effects;
        }
        if layer.is_modal() {
            break;
        }
    }
    Vec::new()
}

/// The cluster picker keeps its own keys: it is the first thing seen, with its hints.
fn picker_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(picker) = state.clusters.as_mut() else {
        return Vec::new();
    };
    match picker.handle_key(key) {
        PickerAction::None => Vec::new(),
        PickerAction::Quit => {
            state.quit = true;
            Vec::new()
        }
        PickerAction::Open(clusters) => {
            state.clusters = None;
            state.status.source = format!(
                "CloudWatch: opening {}…",
                crate::text::count(clusters.len(), "cluster")
            );
            vec![Effect::OpenClusters(
                clusters.into_iter().map(|c| c.key).collect(),
            )]
        }
    }
}
