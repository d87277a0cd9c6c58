//! Pivots taken from the detail over the demo incident, as an analyst takes them: the keys stay
//! in the detail, which follows the selection; a pivot replaces the one before; `Backspace`
//! undoes them one at a time; and a query run from the detail fills it.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{console, demo_input, demo_store, draw, settle_with, styles, text};
use crate::catalog::Catalog;
use crate::source::local::LocalInput;
use crate::store::EventStore;
use crate::tui::msg::Msg;
use crate::tui::state::Focus;
use crate::tui::{State, update};

/// The aws-auth patch of the node-health-agent service account, the intruder's backdoor.
const BACKDOOR: &str = "59202faa-b71e-4813-ac4f-c66cf831bba5";
/// The cluster-admin binding of node-health-agent being created.
const BINDING: &str = "ee605a11-2881-47ab-a789-d47591ae8f2e";

fn keys(state: &mut State, store: &EventStore, inputs: &[Arc<LocalInput>], codes: &[KeyCode]) {
    for code in codes {
        let effects = update(state, Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE)));
        settle_with(state, store, inputs, effects);
    }
}

fn typed(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

/// The events table's cursor moved down to the event `audit_id` with the keys.
fn go_to(state: &mut State, store: &EventStore, audit_id: &str) {
    let needle = format!("\"auditID\":\"{audit_id}\"");
    let at = state
        .table
        .rows
        .iter()
        .position(|&r| {
            std::str::from_utf8(store.raw(r)).is_ok_and(|raw| raw.contains(needle.as_str()))
        })
        .expect("the event among the rows");
    keys(state, store, &[], &vec![KeyCode::Down; at]);
    assert_eq!(state.table.cursor, at);
}

/// The audit ID of the event the detail shows.
fn shown_audit_id(state: &State) -> String {
    let data = state.detail.data.as_ref().expect("an event in the detail");
    data.lines()
        .find(|l| l.label == "audit ID")
        .map(|l| l.value.clone())
        .expect("an audit ID")
}

fn pivot_labels(state: &State) -> Vec<String> {
    let data = state.detail.data.as_ref().expect("an event in the detail");
    data.pivots.iter().map(|p| p.label.clone()).collect()
}

fn console_with_queries(store: &EventStore) -> State {
    let mut state = console(store, 160, 45);
    state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
    state
}

#[test]
fn a_pivot_keeps_the_keys_in_the_detail_replaces_the_one_before_and_backspace_undoes_it() {
    let store = demo_store();
    let inputs = [demo_input()];
    let styles = styles();
    let mut state = console_with_queries(&store);
    let all = state.table.rows.len();
    go_to(&mut state, &store, BACKDOOR);
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    assert_eq!(shown_audit_id(&state), BACKDOOR);
    let labels = pivot_labels(&state);
    assert_eq!(
        labels[4..],
        [
            "all events allowed by ClusterRoleBinding node-health-agent",
            "changes to ClusterRoleBinding node-health-agent (runs clusterrolebinding-changes)",
        ]
    );

    // 5: the events the intruder's binding allowed. The keys stay in the detail, which stays
    // on the event pivoted from.
    keys(&mut state, &store, &inputs, &[KeyCode::Char('5')]);
    assert_eq!(state.focus, Focus::Detail);
    let after_5 = state.table.rows.len();
    assert!(after_5 > 1 && after_5 < all, "{after_5}");
    assert_eq!(shown_audit_id(&state), BACKDOOR);
    assert_eq!(
        state.chip_labels(),
        [r#"text: by ClusterRoleBinding \"node-health-agent\""#]
    );

    // 2 answers now: the source IP replaces the binding's chip rather than narrowing it.
    keys(&mut state, &store, &inputs, &[KeyCode::Char('2')]);
    assert_eq!(state.focus, Focus::Detail);
    assert_eq!(state.chip_labels(), ["source IP: 203.0.113.77"]);
    let from_ip = state.table.rows.len();
    assert!(
        from_ip > after_5,
        "{from_ip} events from the IP, {after_5} allowed"
    );
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    assert_eq!(state.table.rows.len(), after_5);
    assert_eq!(
        state.chip_labels(),
        [r#"text: by ClusterRoleBinding \"node-health-agent\""#]
    );

    // 6: the changes to that binding, a canned query. It replaces pivot 5's chip: its one
    // event (the binding created with the stolen deployer token) is not one the binding
    // allowed, so narrowing would leave nothing.
    keys(&mut state, &store, &inputs, &[KeyCode::Char('6')]);
    assert_eq!(state.focus, Focus::Detail);
    let after_6 = state.table.rows.len();
    assert!(after_6 > 0 && after_6 < after_5, "{after_6}");
    assert_eq!(
        state.chip_labels(),
        ["query: clusterrolebinding-changes · node-health-agent (1 event)"]
    );
    assert_eq!(shown_audit_id(&state), BINDING);
    let (status, _) = state.status.message.clone().expect("a status line");
    assert!(!status.contains("note:"), "{status}");
    assert!(status.contains("Backspace undoes the pivot"), "{status}");
    let screen = text(&draw(&state, &store, &styles));
    assert!(!screen.contains("comes after"), "{screen}");
    assert!(screen.contains("user (1)"), "{screen}");

    // Backspace undoes 6, then 5: each pivot's events, facets and timeline come back.
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    assert_eq!(state.table.rows.len(), after_5);
    assert!(!state.query.showing && state.query.within().is_none());
    assert_eq!(
        state.chip_labels(),
        [r#"text: by ClusterRoleBinding \"node-health-agent\""#]
    );
    let timeline: u64 = state.histogram.buckets.iter().map(|b| b.total).sum();
    assert_eq!(timeline, after_5 as u64);
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    assert_eq!(state.table.rows.len(), all);
    assert!(state.chip_labels().is_empty());
    assert_eq!(state.focus, Focus::Detail);
    eprintln!("events: all {all}, after 5 {after_5}, after 2 {from_ip}, after 6 {after_6}");
}

#[test]
fn a_pivot_keeps_the_analysts_own_chips() {
    let store = demo_store();
    let inputs = [demo_input()];
    let mut state = console_with_queries(&store);
    keys(&mut state, &store, &inputs, &[KeyCode::Char(':')]);
    keys(&mut state, &store, &inputs, &typed("verb !get"));
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    // A new filter is read from its first row.
    assert_eq!(state.table.cursor, 0);
    go_to(&mut state, &store, BACKDOOR);
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    assert_eq!(shown_audit_id(&state), BACKDOOR);
    keys(&mut state, &store, &inputs, &[KeyCode::Char('5')]);
    assert_eq!(
        state.chip_labels(),
        [
            "verb: not get",
            r#"text: by ClusterRoleBinding \"node-health-agent\""#
        ]
    );
    keys(&mut state, &store, &inputs, &[KeyCode::Char('1')]);
    let user = "user: system:serviceaccount:kube-system:node-health-agent";
    assert_eq!(state.chip_labels(), ["verb: not get", user]);
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    assert_eq!(state.chip_labels(), ["verb: not get"]);
    // No pivot left: Backspace drops the analyst's chip, as always.
    keys(&mut state, &store, &inputs, &[KeyCode::Backspace]);
    assert!(state.chip_labels().is_empty());
}

#[test]
fn a_query_run_with_the_detail_open_fills_it_or_says_why_it_cannot() {
    let store = demo_store();
    let inputs = [demo_input()];
    let styles = styles();
    let mut state = console_with_queries(&store);
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    assert!(state.detail.data.is_some());
    // An answer of events: the detail shows its first.
    keys(&mut state, &store, &inputs, &[KeyCode::Char('b')]);
    keys(&mut state, &store, &inputs, &typed("aws-auth-changes"));
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    assert_eq!(shown_audit_id(&state), BACKDOOR);
    // An answer of groups: no event to show, and the pane says so.
    keys(&mut state, &store, &inputs, &[KeyCode::Char('b')]);
    let clear = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    update(&mut state, Msg::Key(clear));
    keys(
        &mut state,
        &store,
        &inputs,
        &typed("denied-per-user-per-minute"),
    );
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("denied-per-user-per-minute ·"), "{screen}");
    assert!(!screen.contains("reading…"), "{screen}");
    assert!(screen.contains("not events (a `stats` answer)"), "{screen}");
}

#[test]
fn a_marked_event_is_marked_in_a_querys_answer_too() {
    let store = demo_store();
    let inputs = [demo_input()];
    let styles = styles();
    let mut state = console_with_queries(&store);
    go_to(&mut state, &store, BACKDOOR);
    keys(&mut state, &store, &inputs, &[KeyCode::Char(' ')]);
    assert_eq!(state.table.marked.len(), 1);
    keys(&mut state, &store, &inputs, &[KeyCode::Char('b')]);
    keys(&mut state, &store, &inputs, &typed("aws-auth-changes"));
    keys(&mut state, &store, &inputs, &[KeyCode::Enter]);
    assert!(state.query.showing);
    let screen = text(&draw(&state, &store, &styles));
    let line = screen
        .lines()
        .find(|l| l.contains("07:34:51.640  {\"kind\""))
        .expect("the backdoor's row in the answer");
    assert!(line.contains("││●  2026-11-02 07:34:51.640"), "{screen}");
    // Unmarked from the answer, the mark goes there and in the events.
    keys(&mut state, &store, &inputs, &[KeyCode::Char(' ')]);
    assert!(state.table.marked.is_empty());
    assert!(!text(&draw(&state, &store, &styles)).contains('●'));
}
