//! Searching: `/` keeps the events holding every word, in any order, and says which word
//! found nothing; `b` opens the canned queries with an empty search.

use crossterm::event::KeyCode;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::catalog::Catalog;
use crate::store::EventStore;
use crate::tui::State;

fn type_text(state: &mut State, store: &EventStore, line: &str) {
    for c in line.chars() {
        press(state, store, KeyCode::Char(c));
    }
}

/// `/`, the search before wiped, `line` typed, Enter.
fn search(state: &mut State, store: &EventStore, line: &str) {
    press(state, store, KeyCode::Char('/'));
    for _ in 0..state.prompt.as_ref().map_or(0, |p| p.input.chars().count()) {
        press(state, store, KeyCode::Backspace);
    }
    type_text(state, store, line);
    press(state, store, KeyCode::Enter);
}

#[test]
fn a_search_of_several_words_keeps_the_events_holding_them_all() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let mut state = console(&store, width, height);
        search(&mut state, &store, "priya secrets");
        let rows = state.table.rows.clone();
        assert!(!rows.is_empty(), "priya's events about secrets");
        for &row in rows.iter() {
            let raw = String::from_utf8_lossy(store.raw(row)).to_ascii_lowercase();
            assert!(raw.contains("priya") && raw.contains("secrets"), "{raw}");
        }
        // In any order, the same events.
        search(&mut state, &store, "SECRETS priya");
        assert_eq!(state.table.rows, rows);
        // A word no event holds is named.
        search(&mut state, &store, "priya secretz");
        assert!(state.table.rows.is_empty());
        let screen = text(&draw(&state, &store, &styles));
        let status = screen.lines().last().expect("a status line");
        assert!(status.contains("no event holds `secretz`"), "{status}");
        assert!(!status.contains("`priya`"), "{status}");
    }
}

#[test]
fn the_query_browser_opens_with_an_empty_search() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let mut state = console(&store, width, height);
        state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
        let all = state.query.browser.hits().len();
        press(&mut state, &store, KeyCode::Char('b'));
        type_text(&mut state, &store, "secrets zzqq");
        let screen = text(&draw(&state, &store, &styles));
        assert!(
            screen.contains("no canned query matches “zzqq”"),
            "{screen}"
        );
        press(&mut state, &store, KeyCode::Esc);
        assert!(!state.query.browser_open);
        press(&mut state, &store, KeyCode::Char('b'));
        assert!(state.query.browser_open);
        assert_eq!(state.query.browser.search(), "");
        assert_eq!(state.query.browser.hits().len(), all);
        let screen = text(&draw(&state, &store, &styles));
        assert!(!screen.contains("zzqq"), "{screen}");
    }
}
