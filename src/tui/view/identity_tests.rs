//! Who did what, legible: identities shortened by meaning and written out in full where the
//! cursor is, the facets pane as wide as the names need, impersonation and subresources seen,
//! and a facet that keeps several values.

use std::sync::Arc;

use crossterm::event::KeyCode;
use ratatui::layout::Rect;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::source::local::{LocalInput, path_origin};
use crate::store::{EventStore, Facet};
use crate::tui::State;
use crate::tui::geometry::layout;

const IDENTITIES: &[u8] = include_bytes!("../../../tests/fixtures/identities.jsonl");

const ROGUE: &str = "system:serviceaccount:kube-system:node-health-agent";
const DEPLOYER: &str = "system:serviceaccount:ci:deployer";

fn store_of(name: &str, bytes: Vec<u8>) -> EventStore {
    let input = Arc::new(LocalInput::from_vec(path_origin(name.as_ref()), bytes));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    store
}

/// The third-party corpus, found as the integration tests find it.
#[path = "../../../tests/it/support/corpus.rs"]
mod corpus;

fn keys(state: &mut State, store: &EventStore, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        press(state, store, code);
    }
}

/// The text of a screen's rectangle, line by line.
fn region(screen: &str, r: Rect) -> String {
    screen
        .lines()
        .skip(usize::from(r.y))
        .take(usize::from(r.height))
        .map(|l| {
            l.chars()
                .skip(usize::from(r.x))
                .take(usize::from(r.width))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn has(text: &str, pattern: &str) -> bool {
    regex::Regex::new(pattern).expect("a regex").is_match(text)
}

/// Moves the facets' cursor onto `value` of the current facet.
fn facet_cursor_to(state: &mut State, store: &EventStore, value: &str) {
    let at = state
        .facets
        .current()
        .and_then(|(_, c)| c.values.iter().position(|(v, _)| v == value))
        .unwrap_or_else(|| panic!("{value} among the facet's values"));
    while state.facets.cursor < at {
        press(state, store, KeyCode::Down);
    }
}

#[test]
fn attacker_accounts_are_legible_at_every_size() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45), (240, 60)] {
        let mut state = console(&store, width, height);
        let facets = layout(&state).facets;
        if width >= 160 {
            // The facets pane grows with the screen, and both attacker accounts read whole in
            // it, the full name of the one under the cursor at its foot.
            press(&mut state, &store, KeyCode::Tab);
            for (full, short) in [
                (ROGUE, "sa:kube-system/node-health-agent"),
                (DEPLOYER, "sa:ci/deployer"),
            ] {
                facet_cursor_to(&mut state, &store, full);
                let screen = text(&draw(&state, &store, &styles));
                let pane = region(&screen, layout(&state).facets);
                assert!(pane.contains(&format!(" {short} ")), "{width}: {pane}");
                // Broken over lines after a separator: joined, line ends trimmed.
                let joined: String = pane.lines().map(|l| l.trim_matches(['│', ' '])).collect();
                assert!(joined.contains(full), "{pane}");
            }
            press(&mut state, &store, KeyCode::BackTab);
        }
        // The table: the rogue account's events, its name whole in the user column, the full
        // name at the table's foot.
        keys(&mut state, &store, &format!(":user {ROGUE}\n"));
        assert!(!state.table.rows.is_empty());
        let screen = text(&draw(&state, &store, &styles));
        let table = region(&screen, layout(&state).table);
        if width >= 160 {
            assert!(
                table.contains("sa:kube-system/node-health-agent "),
                "{width}x{height}: {table}"
            );
            assert!(has(&table, r"get\s+pods/exec "), "{table}");
        } else {
            // Cut in its middle: the kind and the account's own name stay, beside the verb
            // and resource.
            assert!(table.contains("sa:kub…health-agent "), "{table}");
            assert!(has(&table, r"get\s+pods/ex"), "{table}");
        }
        assert!(table.contains(&format!("user {ROGUE}")), "{table}");
        eprintln!(
            "{width}x{height}: facets pane {} columns, table {} columns",
            facets.width,
            layout(&state).table.width
        );
    }
}

#[test]
fn the_facets_pane_grows_with_the_screen_and_leaves_the_table_room() {
    let store = demo_store();
    let widths: Vec<u16> = [(80, 24), (120, 40), (160, 45), (240, 60)]
        .into_iter()
        .map(|(w, h)| layout(&console(&store, w, h)).facets.width)
        .collect();
    assert_eq!(widths[0], 0, "at 80 columns the table has the screen");
    assert!(widths[1] < widths[2] && widths[2] < widths[3], "{widths:?}");
    // At 160 columns, room for `sa:kube-system/node-health-agent`; never past three tenths.
    assert!(widths[2] >= 46 && widths[2] <= 48, "{widths:?}");
    assert!(widths[3] <= 72, "{widths:?}");
    // The verb facet's values are short: its pane is narrower.
    let mut state = console(&store, 240, 60);
    let user = layout(&state).facets.width;
    press(&mut state, &store, KeyCode::Tab);
    for _ in 0..3 {
        press(&mut state, &store, KeyCode::Char('l'));
    }
    assert_eq!(state.facets.current().map(|(f, _)| *f), Some(Facet::Verb));
    assert!(layout(&state).facets.width < user);
}

#[test]
fn names_that_read_alike_are_written_in_full_and_sessions_apart() {
    let store = store_of("identities.jsonl", IDENTITIES.to_vec());
    let styles = styles();
    let mut state = console(&store, 240, 60);
    press(&mut state, &store, KeyCode::Tab);
    let screen = text(&draw(&state, &store, &styles));
    let pane = region(&screen, layout(&state).facets);
    // alice's session of ops-support in two accounts would both read `sts:ops-support/alice`.
    for full in [
        "arn:aws:sts::111122223333:assumed-role/ops-support/alice",
        "arn:aws:sts::444455556666:assumed-role/ops-support/alice",
    ] {
        assert!(pane.contains(full), "{pane}");
    }
    assert!(!pane.contains("sts:ops-support/alice"), "{pane}");
    // Another session of that role reads apart by its session.
    assert!(pane.contains(" sts:ops-support/mallory "), "{pane}");
    assert!(pane.contains(" node:ip-10-0-41-219 "), "{pane}");
    let table = region(&screen, layout(&state).table);
    assert!(table.contains("arn:aws:sts::444455556666:assumed-role/ops-support/alice"));
    assert!(table.contains("sts:ops-support/mallory"), "{table}");
}

#[test]
fn impersonation_is_seen_in_the_table_as_a_facet_and_under_user() {
    let store = store_of("identities.jsonl", IDENTITIES.to_vec());
    let styles = styles();
    let mut state = console(&store, 160, 45);
    let screen = text(&draw(&state, &store, &styles));
    assert_eq!(
        screen.matches("system:admin as bob ").count(),
        3,
        "{screen}"
    );
    assert!(screen.contains("system:admin as alice "), "{screen}");
    // The foot names both identities of the selected request in full.
    assert!(screen.contains("user system:admin as bob "), "{screen}");
    // A facet of its own.
    press(&mut state, &store, KeyCode::Tab);
    press(&mut state, &store, KeyCode::Char('l'));
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("impersonated (2)"), "{screen}");
    let (facet, counts) = state.facets.current().expect("a facet");
    assert_eq!(*facet, Facet::Impersonated);
    assert_eq!(
        counts.values,
        [("bob".to_string(), 2), ("alice".to_string(), 1)]
    );
    // `:user bob` finds what bob did, himself or through system:admin.
    press(&mut state, &store, KeyCode::BackTab);
    keys(&mut state, &store, ":user bob\n");
    assert_eq!(state.table.rows.as_slice(), [0, 1, 4]);
    // `:as bob` only what was done as him.
    keys(&mut state, &store, "C:as bob\n");
    assert_eq!(state.table.rows.as_slice(), [0, 1]);
}

#[test]
fn impersonation_in_audit2rbacs_capture() {
    let Some(dir) = corpus::corpus_dir("impersonation_in_audit2rbacs_capture") else {
        return;
    };
    let bytes = std::fs::read(dir.join("audit2rbac/demo.log")).expect("audit2rbac/demo.log");
    let store = store_of("demo.log", bytes);
    assert_eq!(store.len(), 37);
    let styles = styles();
    let mut state = console(&store, 160, 45);
    let users = &state.facets.facets[0].1;
    assert_eq!(users.values.len(), 1, "every request is system:admin's");
    let impersonated = |state: &State| {
        let (facet, counts) = &state.facets.facets[1];
        assert_eq!(*facet, Facet::Impersonated);
        counts.values.clone()
    };
    let as_whom = impersonated(&state);
    assert_eq!(
        as_whom,
        [
            ("bob".to_string(), 29),
            ("system:serviceaccount:ns1:sa1".to_string(), 5),
            ("alice".to_string(), 3)
        ]
    );
    let screen = text(&draw(&state, &store, &styles));
    // Every row of bob's says so, not the foot alone.
    assert!(
        screen.matches("system:admin as bob ").count() > 10,
        "{screen}"
    );
    keys(&mut state, &store, ":user bob\n");
    assert_eq!(state.table.rows.len(), 29);
    keys(&mut state, &store, "C:user system:serviceaccount:ns1:sa1\n");
    let screen = text(&draw(&state, &store, &styles));
    assert_eq!(state.table.rows.len(), 5);
    assert!(screen.contains("system:admin as sa:ns1/sa1"), "{screen}");
}

#[test]
fn an_exec_reads_as_pods_exec() {
    let store = store_of("identities.jsonl", IDENTITIES.to_vec());
    let styles = styles();
    let mut state = console(&store, 160, 45);
    keys(&mut state, &store, ":resource pods/exec\n");
    assert_eq!(state.table.rows.as_slice(), [1, 11]);
    let screen = text(&draw(&state, &store, &styles));
    let table = region(&screen, layout(&state).table);
    assert!(has(&table, r"get\s+pods/exec "), "{table}");
    let resources = &state.facets.facets[Facet::Resource.index()].1;
    assert!(resources.values.iter().any(|(v, _)| v == "pods/exec"));
}

#[test]
fn a_facet_keeps_several_values() {
    let store = demo_store();
    let styles = styles();
    let mut state = console(&store, 160, 45);
    press(&mut state, &store, KeyCode::Tab);
    let all = state.facets.current().map(|(_, c)| c.distinct);
    let first = state.facets.selected().map(|(_, v)| v.to_string());
    press(&mut state, &store, KeyCode::Enter);
    let kept_one = state.table.rows.len();
    // Every user is still there to add.
    assert_eq!(state.facets.current().map(|(_, c)| c.distinct), all);
    press(&mut state, &store, KeyCode::Down);
    let second = state.facets.selected().map(|(_, v)| v.to_string());
    assert_ne!(first, second);
    press(&mut state, &store, KeyCode::Enter);
    assert!(state.table.rows.len() > kept_one);
    let users: std::collections::BTreeSet<&str> = state
        .table
        .rows
        .iter()
        .filter_map(|&r| store.value(r, Facet::User))
        .collect();
    assert_eq!(users.len(), 2);
    let screen = text(&draw(&state, &store, &styles));
    let pane = region(&screen, layout(&state).facets);
    assert_eq!(pane.matches("│+").count(), 2, "{pane}");
    // Another facet still narrows to what the kept users did.
    assert_eq!(
        state.facets.facets[Facet::Verb.index()].1.rows,
        state.table.rows.len() as u64
    );
}

#[test]
fn a_name_longer_than_the_table_is_still_written_out_in_full() {
    let store = demo_store();
    let styles = styles();
    let alice = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_6c1f5b3e2a9d4870/alice";
    let mut state = console(&store, 80, 24);
    keys(&mut state, &store, &format!(":user {alice}\n"));
    assert!(state.table.rows.len() > 20);
    for at_bottom in [false, true] {
        if at_bottom {
            press(&mut state, &store, KeyCode::Char('G'));
        }
        let screen = text(&draw(&state, &store, &styles));
        let table = region(&screen, layout(&state).table);
        let joined: String = table
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == '└' || c == '┘' || c == '─' || c == ' '))
            .collect();
        assert!(joined.contains(&format!("user {alice}")), "{table}");
        // The row under the cursor stays in sight.
        let row = state.table.selected().expect("a row");
        let time = crate::tui::format::format_time(store.time_ms(row));
        let clock = &time[11..23];
        assert!(table.contains(clock), "{clock} in {table}");
        assert!(table.contains("sso:Ad…rAccess/alice "), "{table}");
    }
}
