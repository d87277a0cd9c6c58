//! Driving the console as the runner does, on the benchmark's thread.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaudit::store::EventStore;
use kaudit::tui::msg::Msg;
use kaudit::tui::runner::filter_now;
use kaudit::tui::{Effect, State, update};

/// Carries out refilters and detail reads as the runner does, on this thread.
pub fn settle(state: &mut State, store: &EventStore, mut effects: Vec<Effect>) {
    while let Some(effect) = effects.pop() {
        let msg = match effect {
            Effect::Refilter {
                ticket,
                filter,
                within,
                sort,
            } => Msg::Filtered(Box::new(filter_now(
                store,
                ticket,
                &filter,
                within.as_deref().map(|v| &v[..]),
                sort,
            ))),
            Effect::LoadDetail { row } => Msg::Detail {
                row,
                data: Box::new(kaudit::tui::detail::DetailData::from_raw(store.raw(row))),
            },
            _ => continue,
        };
        effects.extend(update(state, msg));
    }
}

pub fn key(state: &mut State, store: &EventStore, code: KeyCode) {
    let effects = update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    settle(state, store, effects);
}
