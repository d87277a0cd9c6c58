use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::store::{Facet, FacetCounts, Histogram};
use crate::tui::detail::DetailData;
use crate::tui::msg::{ExportFailure, LoadProgress};
use crate::tui::state::{Focus, PromptKind};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

fn counts(values: &[(&str, u64)]) -> FacetCounts {
    FacetCounts {
        values: values.iter().map(|(v, n)| (v.to_string(), *n)).collect(),
        distinct: values.len(),
        missing: 0,
        rows: values.iter().map(|(_, n)| n).sum(),
    }
}

/// A console of 120×40 that has loaded and filtered `rows` events.
fn loaded(rows: u32) -> State {
    let mut state = State::new("test", Some("banner".into()));
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let effects = update(
        &mut state,
        Msg::Loaded(LoadProgress {
            events: rows as usize,
            done: true,
            ..LoadProgress::default()
        }),
    );
    // The events' field names are gathered once loading is done, for the query editor.
    let ticket = match effects.as_slice() {
        [
            Effect::Refilter { ticket, .. },
            Effect::FindFindings { .. },
            Effect::IndexFields,
        ] => *ticket,
        other => panic!("{other:?}"),
    };
    reply(&mut state, ticket, (0..rows).collect());
    state
}

fn reply(state: &mut State, ticket: u64, rows: Vec<u32>) -> Vec<Effect> {
    update(
        state,
        Msg::Filtered(Box::new(Filtered {
            ticket,
            rows: Arc::new(rows),
            facets: vec![
                (Facet::User, counts(&[("alice", 7), ("bob", 3)])),
                (Facet::Verb, counts(&[("get", 9), ("delete", 1)])),
            ],
            histogram: Histogram::default(),
            took_ms: 3,
            said: None,
        })),
    )
}

fn refilter_of(effects: &[Effect]) -> (u64, crate::store::FilterSet) {
    match effects {
        [Effect::Refilter { ticket, filter, .. }] => (*ticket, filter.clone()),
        other => panic!("expected one refilter, got {other:?}"),
    }
}

#[test]
fn loading_asks_for_a_filter_and_its_answer_fills_the_table() {
    let state = loaded(100);
    assert_eq!(state.table.rows.len(), 100);
    assert_eq!(state.facets.facets.len(), 2);
    assert!(!state.status.filtering);
    assert_eq!(state.status.filter_ms, Some(3));
}

#[test]
fn a_stale_filter_answer_is_dropped() {
    let mut state = loaded(100);
    state.focus = Focus::Facets;
    let (first, _) = refilter_of(&update(&mut state, key(KeyCode::Enter)));
    let (second, filter) = refilter_of(&update(&mut state, ch('-')));
    assert!(second > first);
    // The second keeps alice out: replacing the include, not adding to it.
    assert!(filter.include.is_empty());
    assert_eq!(filter.exclude, vec![(Facet::User, "alice".to_string())]);
    reply(&mut state, first, vec![1, 2, 3]);
    assert_eq!(
        state.table.rows.len(),
        100,
        "a stale answer changed the table"
    );
    reply(&mut state, second, vec![4, 5]);
    assert_eq!(state.table.rows.as_slice(), &[4, 5]);
}

#[test]
fn facet_keys_include_exclude_and_chips_come_off() {
    let mut state = loaded(10);
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Facets);
    update(&mut state, ch('j'));
    let (_, filter) = refilter_of(&update(&mut state, key(KeyCode::Enter)));
    assert_eq!(filter.include, vec![(Facet::User, "bob".to_string())]);
    update(&mut state, ch('l'));
    let (_, filter) = refilter_of(&update(&mut state, ch('x')));
    assert_eq!(filter.exclude, vec![(Facet::Verb, "get".to_string())]);
    assert_eq!(state.filters.chips.len(), 2);
    // The same chip again changes nothing.
    assert!(update(&mut state, ch('x')).is_empty());
    let (_, filter) = refilter_of(&update(&mut state, key(KeyCode::Backspace)));
    assert!(filter.exclude.is_empty());
    let (_, filter) = refilter_of(&update(&mut state, ch('C')));
    assert!(filter.include.is_empty());
    assert!(update(&mut state, ch('C')).is_empty());
}

#[test]
fn search_goes_through_the_prompt_and_escape_cancels() {
    let mut state = loaded(10);
    update(&mut state, ch('/'));
    typed(&mut state, "secret");
    assert_eq!(
        state.prompt.as_ref().map(|p| p.input.as_str()),
        Some("secret")
    );
    // Keys go to the prompt: `q` is a letter here, not quit.
    update(&mut state, ch('q'));
    assert!(!state.quit);
    let (_, filter) = refilter_of(&update(&mut state, key(KeyCode::Enter)));
    assert_eq!(filter.text.as_deref(), Some("secretq"));
    update(&mut state, ch('/'));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.prompt.is_none());
    assert_eq!(state.filters.text.as_deref(), Some("secretq"));
}

#[test]
fn enter_opens_the_detail_which_follows_the_cursor() {
    let mut state = loaded(10);
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::LoadDetail { row: 0 }]);
    assert!(state.detail.open);
    assert_eq!(state.focus, Focus::Detail);
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Table);
    assert_eq!(
        update(&mut state, ch('j')),
        vec![Effect::LoadDetail { row: 1 }]
    );
    // An answer for a row no longer selected is not shown.
    update(
        &mut state,
        Msg::Detail {
            row: 0,
            data: Box::default(),
        },
    );
    assert!(state.detail.data.is_none());
    update(
        &mut state,
        Msg::Detail {
            row: 1,
            data: Box::default(),
        },
    );
    assert!(state.detail.data.is_some());
    update(&mut state, key(KeyCode::Esc));
    assert!(!state.detail.open);
}

#[test]
fn a_pivot_keeps_the_analysts_chips_and_replaces_the_previous_pivot() {
    let mut state = loaded(10);
    update(&mut state, key(KeyCode::Enter));
    let raw = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","verb":"get","user":{"username":"eve"},"sourceIPs":["203.0.113.9"],"objectRef":{"resource":"secrets","namespace":"prod","name":"db"},"responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"ops\" of ClusterRole \"admin\" to User \"eve\""}}"#;
    update(
        &mut state,
        Msg::Detail {
            row: 0,
            data: Box::new(DetailData::from_raw(raw)),
        },
    );
    state.filters.add(Facet::Verb, "get", false);
    let labels: Vec<String> = state
        .detail
        .data
        .as_ref()
        .unwrap()
        .pivots
        .iter()
        .map(|p| p.label.clone())
        .collect();
    assert_eq!(
        labels,
        [
            "all events by user eve",
            "all events from 203.0.113.9",
            "all events on secrets db",
            "changes to ClusterRole admin (runs clusterrole-changes)",
            "all events allowed by ClusterRoleBinding ops",
            "changes to ClusterRoleBinding ops (runs clusterrolebinding-changes)",
        ]
    );
    let (_, filter) = refilter_of(&update(&mut state, ch('5')));
    let not_get = vec![(Facet::Verb, "get".to_string())];
    assert!(filter.include.is_empty());
    assert_eq!(filter.exclude, not_get);
    assert_eq!(
        filter.text.as_deref(),
        Some(r#"by ClusterRoleBinding \"ops\""#)
    );
    // The keys stay in the detail: Enter takes the pivot chosen, the second.
    assert_eq!(state.focus, Focus::Detail);
    update(&mut state, key(KeyCode::Right));
    let (_, filter) = refilter_of(&update(&mut state, key(KeyCode::Enter)));
    assert_eq!(
        filter.include,
        vec![(Facet::SourceIp, "203.0.113.9".to_string())]
    );
    assert_eq!(filter.exclude, not_get);
    assert_eq!(filter.text, None);
}

#[test]
fn export_asks_for_a_file_and_confirms_an_overwrite() {
    let mut state = loaded(10);
    // Nothing marked: a hint, no prompt.
    update(&mut state, ch('e'));
    assert!(state.prompt.is_none());
    assert!(state.status.message.is_some());
    update(&mut state, ch(' '));
    update(&mut state, ch(' '));
    assert_eq!(
        state.table.marked.iter().copied().collect::<Vec<_>>(),
        [0, 1]
    );
    update(&mut state, ch('e'));
    let prompt = state.prompt.clone().unwrap();
    assert_eq!(prompt.input, "kaudit-export-2-events.json");
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typed(&mut state, "out.jsonl");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [
        Effect::Export {
            rows,
            path,
            format,
            overwrite,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(rows.as_slice(), &[0, 1]);
    assert_eq!(path.to_str(), Some("out.jsonl"));
    assert_eq!(*format, crate::export::ExportFormat::JsonLines);
    assert!(!overwrite);
    // The file exists: asked, and `n` writes nothing.
    let exists = || {
        Msg::Exported(Err(ExportFailure {
            path: "out.jsonl".into(),
            message: "exists".into(),
            exists: true,
        }))
    };
    update(&mut state, exists());
    assert!(matches!(
        state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::ConfirmOverwrite { all: false })
    ));
    assert!(update(&mut state, ch('n')).is_empty());
    // Asked again, `y` overwrites.
    update(&mut state, ch('e'));
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, exists());
    let effects = update(&mut state, ch('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Export {
            overwrite: true,
            ..
        }]
    ));
}

#[test]
fn help_and_quit() {
    let mut state = loaded(1);
    update(&mut state, ch('?'));
    assert!(state.help);
    update(&mut state, ch('q'));
    assert!(!state.help && !state.quit);
    update(&mut state, ch(':'));
    typed(&mut state, "nonsense\u{1b}[31m");
    update(&mut state, key(KeyCode::Enter));
    let (message, _) = state.status.message.clone().unwrap();
    assert!(message.contains("unknown command :nonsense"), "{message}");
    assert!(!message.contains('\u{1b}'));
    update(&mut state, ch('q'));
    assert!(state.quit);
}

fn click(state: &mut State, column: u16, row: u16) -> Vec<Effect> {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    update(
        state,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    )
}

#[test]
fn a_click_picks_a_facet_value_and_a_second_click_keeps_it() {
    let mut state = loaded(10);
    let facets = crate::tui::geometry::layout(&state).facets;
    // The second value (bob), under the title.
    assert!(click(&mut state, facets.x + 3, facets.y + 2).is_empty());
    assert_eq!(state.focus, Focus::Facets);
    assert_eq!(state.facets.cursor, 1);
    let (_, filter) = refilter_of(&click(&mut state, facets.x + 3, facets.y + 2));
    assert_eq!(filter.include, vec![(Facet::User, "bob".to_string())]);
    // The title's right half: the next facet (the pane moved down for the chips line).
    let facets = crate::tui::geometry::layout(&state).facets;
    click(&mut state, facets.x + facets.width - 2, facets.y);
    assert_eq!(state.facets.current().map(|(f, _)| *f), Some(Facet::Verb));
    // Below the last value: nothing picked.
    click(&mut state, facets.x + 3, facets.y + 6);
    assert_eq!(state.facets.cursor, 0);
}

#[test]
fn refused_credentials_wait_for_r_and_the_advice_outlasts_other_messages() {
    let mut state = loaded(3);
    // R does nothing of its own while nothing waits.
    assert!(
        !update(&mut state, ch('R'))
            .iter()
            .any(|e| matches!(e, Effect::RetryCloud))
    );
    update(
        &mut state,
        Msg::WaitingForRetry("refresh, then press R".into()),
    );
    assert_eq!(
        state.status.message.as_ref().map(|(t, _)| t.as_str()),
        Some("refresh, then press R")
    );
    // A key reads the message away; the advice stays until R.
    update(&mut state, ch('j'));
    assert!(state.status.message.is_none());
    assert!(state.status.waiting.is_some());
    // Typed into the editor, R is a letter of the query.
    update(&mut state, key(KeyCode::F(2)));
    assert!(update(&mut state, ch('R')).is_empty());
    assert!(state.status.waiting.is_some());
    update(&mut state, key(KeyCode::Esc));
    let effects = update(&mut state, ch('R'));
    assert!(
        matches!(effects.as_slice(), [Effect::RetryCloud]),
        "{effects:?}"
    );
    assert!(state.status.waiting.is_none());
    assert!(
        !update(&mut state, ch('R'))
            .iter()
            .any(|e| matches!(e, Effect::RetryCloud)),
        "once: the retry is under way"
    );
}

#[path = "case_tests.rs"]
mod case;
