//! The console drawn into a test terminal: layout snapshots at two sizes, and exact styles for
//! the colours that carry meaning.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::audit::time::TimeRange;
use crate::catalog::Catalog;
use crate::catalog::themes::{Role, Themes};
use crate::source::demo::{DemoConfig, demo_bytes};
use crate::source::local::{LocalInput, path_origin};
use crate::store::EventStore;
use crate::tui::msg::{LoadProgress, Msg};
use crate::tui::runner::filter_now;
use crate::tui::{Effect, State, Styles, update};

/// The clock of the runner in these tests: a month after the demo's four hours.
pub(super) const NOW_MS: i64 = 1_796_601_600_000;

pub(super) fn demo_input() -> Arc<LocalInput> {
    let data = demo_bytes(&DemoConfig {
        events: 3_000,
        seed: 1,
    });
    Arc::new(LocalInput::from_vec(path_origin("demo".as_ref()), data))
}

pub(super) fn demo_store() -> EventStore {
    let data = demo_bytes(&DemoConfig {
        events: 3_000,
        seed: 1,
    });
    let input = Arc::new(LocalInput::from_vec(path_origin("demo".as_ref()), data));
    let mut store = EventStore::default();
    store.load(input, 2, |_| {});
    store
}

pub(super) fn styles() -> Styles {
    Styles::from_theme(Themes::load(None).get("dark").expect("the dark theme"))
}

/// Carries out the effects the way the runner does, with the filter time fixed.
pub(super) fn settle(state: &mut State, store: &EventStore, effects: Vec<Effect>) {
    settle_with(state, store, &[], effects)
}

/// [`settle`], with queries run over `inputs`.
pub(super) fn settle_with(
    state: &mut State,
    store: &EventStore,
    inputs: &[Arc<LocalInput>],
    mut effects: Vec<Effect>,
) {
    while let Some(effect) = effects.pop() {
        let msg = match effect {
            Effect::FindFindings { detections, range } => {
                let mut held =
                    crate::engine::held::HeldFindings::new(detections.to_vec()).expect("compiles");
                while held.catch_up(store) {}
                let live = state.status.live;
                let found = crate::tui::found::Found::of(&held.hits(), store, range, live, NOW_MS);
                Msg::Found(Ok(Box::new(found)))
            }
            Effect::AnswerHeld { ticket, text, rows } => {
                let compiled = crate::engine::compile(&text, crate::engine::Target::LocalTied)
                    .expect("compiles");
                let (result, row_of) =
                    crate::engine::held::answer_over(&compiled, store, &rows).expect("a plan");
                Msg::QueryDone {
                    ticket,
                    outcome: Ok(Box::new(crate::tui::msg::QueryAnswer {
                        result,
                        row_of,
                        events: true,
                        elapsed_ms: 5,
                        cancelled: false,
                        warnings: Vec::new(),
                        ptrs: Vec::new(),
                        held: Some(rows),
                        asked: Default::default(),
                    })),
                }
            }
            Effect::RunQuery { ticket, text, .. } => {
                let outcome =
                    crate::tui::query_run::answer_now(&text, TimeRange::default(), inputs, store)
                        .map(|mut answer| {
                            answer.elapsed_ms = 5;
                            Box::new(answer)
                        });
                Msg::QueryDone { ticket, outcome }
            }
            Effect::Refilter {
                ticket,
                filter,
                within,
                sort,
            } => {
                let mut f = filter_now(
                    store,
                    ticket,
                    &filter,
                    within.as_deref().map(|v| &v[..]),
                    sort,
                );
                f.took_ms = 7;
                Msg::Filtered(Box::new(f))
            }
            Effect::LoadDetail { row } => Msg::Detail {
                row,
                data: Box::new(crate::tui::detail::DetailData::of_held(store, row)),
            },
            Effect::IndexFields => Msg::FieldNames(
                crate::tui::field_names::FieldIndexer::default().catch_up_now(store),
            ),
            _ => continue,
        };
        effects.extend(update(state, msg));
    }
}

pub(super) fn console(store: &EventStore, width: u16, height: u16) -> State {
    let mut state = State::new(
        "demo incident",
        Some("Demo incident: press ? for keys".into()),
    );
    let effects = open(&mut state, store, width, height);
    settle(&mut state, store, effects);
    state
}

/// `state` on a `width`×`height` terminal, told that `store` is loaded: the effects it asks for.
pub(super) fn open(state: &mut State, store: &EventStore, width: u16, height: u16) -> Vec<Effect> {
    let mut effects = update(state, Msg::Resize { width, height });
    effects.extend(update(
        state,
        Msg::Loaded(LoadProgress {
            events: store.len(),
            done: true,
            ..LoadProgress::default()
        }),
    ));
    effects
}

pub(super) fn press(state: &mut State, store: &EventStore, code: KeyCode) {
    let effects = update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    settle(state, store, effects);
}

pub(super) fn draw(state: &State, store: &EventStore, styles: &Styles) -> Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(state.width, state.height)).expect("a test terminal");
    terminal
        .draw(|frame| super::draw(frame, state, store, styles))
        .expect("drawing");
    terminal.backend().buffer().clone()
}

pub(super) fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_console_at_two_sizes() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (140, 40)] {
        let state = console(&store, width, height);
        insta::assert_snapshot!(
            format!("console_{width}x{height}"),
            text(&draw(&state, &store, &styles))
        );
    }
}

#[test]
fn a_user_kept_from_the_facets_with_the_detail_open() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(100, 30), (180, 45)] {
        let mut state = console(&store, width, height);
        press(&mut state, &store, KeyCode::Tab);
        // priya.sharma, the incident's actor, among the users.
        let at = state
            .facets
            .current()
            .and_then(|(_, c)| c.values.iter().position(|(v, _)| v == "priya.sharma"))
            .expect("priya.sharma in the user facet");
        for _ in 0..at {
            press(&mut state, &store, KeyCode::Down);
        }
        press(&mut state, &store, KeyCode::Enter);
        press(&mut state, &store, KeyCode::BackTab);
        press(&mut state, &store, KeyCode::Enter);
        let screen = text(&draw(&state, &store, &styles));
        assert!(screen.contains("user: priya.sharma"), "{screen}");
        insta::assert_snapshot!(format!("detail_{width}x{height}"), screen);
    }
}

/// Where the drawn frame leaves the terminal's cursor, when it shows one.
fn cursor(state: &State, store: &EventStore) -> Option<(u16, u16)> {
    let mut terminal =
        Terminal::new(TestBackend::new(state.width, state.height)).expect("a test terminal");
    terminal
        .draw(|frame| super::draw(frame, state, store, &styles()))
        .expect("drawing");
    let backend = terminal.backend();
    backend.cursor_visible().then(|| {
        let at = backend.cursor_position();
        (at.x, at.y)
    })
}

#[test]
fn the_cursor_stands_in_the_layer_that_has_the_keys() {
    let store = demo_store();
    let mut state = console(&store, 100, 30);
    press(&mut state, &store, KeyCode::Char(';'));
    let (_, in_editor) = cursor(&state, &store).expect("the editor's cursor");
    assert!(in_editor < 29, "{in_editor}");
    // An export that met an existing file asks, on the status line, over the editor: the keys
    // go to the question, and so does the cursor.
    update(
        &mut state,
        Msg::Exported(Err(crate::tui::msg::ExportFailure {
            path: "x.json".into(),
            message: "x.json exists".into(),
            exists: true,
        })),
    );
    assert_eq!(state.active_layer(), crate::tui::keymap::Layer::Confirm);
    assert_eq!(cursor(&state, &store).map(|(_, y)| y), Some(29));
    // Answered, the editor has the keys and the cursor again; under the help, no one types.
    press(&mut state, &store, KeyCode::Char('n'));
    assert_eq!(cursor(&state, &store).map(|(_, y)| y), Some(in_editor));
    press(&mut state, &store, KeyCode::F(1));
    assert_eq!(cursor(&state, &store), None);
}

#[test]
fn help_and_prompt_overlays() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (140, 40)] {
        let mut state = console(&store, width, height);
        press(&mut state, &store, KeyCode::Char('?'));
        insta::assert_snapshot!(
            format!("help_{width}x{height}"),
            text(&draw(&state, &store, &styles))
        );
        press(&mut state, &store, KeyCode::Esc);
        press(&mut state, &store, KeyCode::Char('/'));
        for c in "secret".chars() {
            press(&mut state, &store, KeyCode::Char(c));
        }
        let screen = text(&draw(&state, &store, &styles));
        assert!(
            screen.lines().last().unwrap_or("").starts_with("/secret"),
            "{screen}"
        );
    }
}

#[test]
fn the_query_browser_editor_and_answer_at_two_sizes() {
    let input = demo_input();
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    let inputs = [input];
    let styles = styles();
    for (width, height) in [(80, 24), (140, 40)] {
        let mut state = console(&store, width, height);
        state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
        let keys = |state: &mut State, text: &str| {
            for c in text.chars() {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    c => KeyCode::Char(c),
                };
                let effects = update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
                settle_with(state, &store, &inputs, effects);
            }
        };
        keys(&mut state, "brolebinding");
        insta::assert_snapshot!(
            format!("query_browser_{width}x{height}"),
            text(&draw(&state, &store, &styles))
        );
        // Enter runs it: the answer in the main pane, its events behind the facets.
        keys(&mut state, "\n");
        let screen = text(&draw(&state, &store, &styles));
        let title = state.query.run.as_ref().expect("a run").title.clone();
        assert!(title.ends_with("rolebinding-changes"), "{title}");
        assert!(screen.contains(&format!("query: {title}")), "{screen}");
        insta::assert_snapshot!(format!("query_answer_{width}x{height}"), screen);
        let events = state.query.within().expect("the answer's events");
        assert!(!events.is_empty());
        assert!(events.iter().all(|&r| {
            store
                .value(r, crate::store::Facet::Resource)
                .is_some_and(|v| v.ends_with("rolebindings"))
        }));
        assert_eq!(state.table.rows.as_slice(), events.as_slice());
        // The editor, with a mistake shown in place.
        keys(&mut state, ";stats cout(*) by verb");
        let screen = text(&draw(&state, &store, &styles));
        assert!(screen.contains("count"), "a suggestion: {screen}");
        insta::assert_snapshot!(format!("query_editor_{width}x{height}"), screen);
    }
}

#[test]
fn the_editor_marks_a_field_no_event_has_with_a_caret_and_the_nearest_name() {
    // The demo's events, and one with a field the audit event does not define (GKE's).
    let mut data = demo_bytes(&DemoConfig {
        events: 3_000,
        seed: 1,
    });
    data.extend_from_slice(br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"9e0c1d2b-0000-4000-8000-000000000001","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"carol"},"protoPayload":{"methodName":"io.k8s.core.v1.pods.list"},"stageTimestamp":"2026-11-02T09:00:00.000000Z"}"#);
    data.push(b'\n');
    let input = Arc::new(LocalInput::from_vec(path_origin("demo".as_ref()), data));
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    let styles = styles();
    let mut state = console(&store, 140, 30);
    // Loading done, the events' field names were gathered.
    assert_eq!(state.query.field_names.events, Some(store.len()));
    press(&mut state, &store, KeyCode::Char(';'));
    let query =
        r#"filter objectRef.resorce = "configmaps" and protoPayload.methodName like "pods""#;
    for c in query.chars() {
        press(&mut state, &store, KeyCode::Char(c));
    }
    let buf = draw(&state, &store, &styles);
    let screen = text(&buf);
    let lines: Vec<&str> = screen.lines().collect();
    let y = lines
        .iter()
        .position(|l| l.contains(query))
        .unwrap_or_else(|| panic!("{screen}"));
    // The caret line: under the field, as long as it, with the message beside it.
    let at = lines[y].find("objectRef.resorce").unwrap_or(0);
    let caret = &lines[y + 1][at..];
    let expected = format!(
        "^{} warning: no event has `objectRef.resorce` · did you mean `objectRef.resource`?",
        "~".repeat("objectRef.resorce".len() - 1)
    );
    assert_eq!(
        caret.trim_end().trim_end_matches('│').trim_end(),
        expected,
        "{screen}"
    );
    // drawn as a warning, not an error
    let x = lines[y][..at].chars().count();
    let cell = &buf[(x as u16, y as u16 + 1)];
    assert_eq!(
        cell.fg,
        styles.get(Role::Warning).fg.expect("a warning colour")
    );
    // A field some event has is no mistake, though the audit event does not define it.
    assert!(!screen.contains("`protoPayload"), "{screen}");
    assert!(screen.contains("· 1 warning"), "{screen}");
    // Still only a warning: the query runs over the events, and its answer is empty.
    let effects = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)),
    );
    settle_with(&mut state, &store, &[input], effects);
    let run = state.query.run.as_ref().expect("a run");
    assert!(!run.running);
    let status = state.status.message.as_ref().map(|(m, _)| m.as_str());
    assert!(
        status.is_some_and(|m| m.contains("0 rows")
            && m.contains("no event has `objectRef.resorce`; did you mean `objectRef.resource`?")),
        "{status:?}"
    );
}

#[test]
fn picking_a_timeline_bar_narrows_the_range_and_backspace_widens_it() {
    let store = demo_store();
    let styles = styles();
    let mut state = console(&store, 140, 40);
    let all = state.table.rows.len();
    let columns = crate::tui::geometry::timeline_columns(&state);
    // Four hours in 2-minute bars: 120 of the 138 columns.
    assert_eq!(columns, 120);
    press(&mut state, &store, KeyCode::Char('t'));
    assert_eq!(state.timeline_cursor, Some(columns - 1));
    for _ in 0..5 {
        press(&mut state, &store, KeyCode::Left);
    }
    let x = columns - 6;
    let span = crate::tui::geometry::timeline_span(&state, x).expect("a span");
    let buf = draw(&state, &store, &styles);
    let area = crate::tui::geometry::layout(&state).timeline;
    // The picked column is drawn selected, and the title says its span.
    let cell = &buf[(area.x + 1 + x as u16, area.y + area.height - 2)];
    assert_eq!(
        cell.bg,
        styles.get(Role::Selected).bg.expect("a background")
    );
    assert!(text(&buf).contains("Enter narrows to it"));
    press(&mut state, &store, KeyCode::Enter);
    assert_eq!(state.timeline_cursor, None);
    assert_eq!(state.filters.range, span);
    let kept = state.table.rows.len();
    assert!(kept > 0 && kept < all / 20, "{kept} of {all}");
    for &row in state.table.rows.iter() {
        assert!(span.contains(store.time_ms(row)));
    }
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains(" 1 time: "), "{screen}");
    // Bar by bar, the same events: no event falls between two bars.
    let state = console(&store, 140, 40);
    let mut sum = 0;
    for x in 0..columns {
        let span = crate::tui::geometry::timeline_span(&state, x).expect("a span");
        sum += state
            .table
            .rows
            .iter()
            .filter(|&&r| span.contains(store.time_ms(r)))
            .count();
    }
    assert_eq!(sum, all);
    // Backspace takes the range off.
    let mut state = console(&store, 140, 40);
    press(&mut state, &store, KeyCode::Char('t'));
    press(&mut state, &store, KeyCode::Enter);
    assert!(state.table.rows.len() < all);
    press(&mut state, &store, KeyCode::Backspace);
    assert_eq!(state.table.rows.len(), all);
}

#[test]
fn columns_are_picked_and_the_table_sorts_by_one() {
    let store = demo_store();
    let styles = styles();
    let mut state = console(&store, 140, 40);
    press(&mut state, &store, KeyCode::Char('c'));
    for _ in 0..8 {
        press(&mut state, &store, KeyCode::Char('j'));
    }
    press(&mut state, &store, KeyCode::Char(' '));
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("[x] user agent"), "{screen}");
    press(&mut state, &store, KeyCode::Esc);
    assert_eq!(state.columns.picker, None);
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("user agent"), "{screen}");
    // s: by time, then by user.
    press(&mut state, &store, KeyCode::Char('s'));
    press(&mut state, &store, KeyCode::Char('s'));
    let users: Vec<&str> = state
        .table
        .rows
        .iter()
        .map(|&r| {
            store
                .value(r, crate::store::Facet::User)
                .unwrap_or("\u{10ffff}")
        })
        .collect();
    assert!(users.is_sorted(), "not by user");
    assert_eq!(users.len(), 3_000);
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("user ▲"), "{screen}");
    // S reverses; the cursor stays on its event.
    press(&mut state, &store, KeyCode::Char('j'));
    let before = state.table.selected();
    press(&mut state, &store, KeyCode::Char('S'));
    assert_eq!(state.table.selected(), before);
    let users: Vec<&str> = state
        .table
        .rows
        .iter()
        .filter_map(|&r| store.value(r, crate::store::Facet::User))
        .collect();
    assert!(users.windows(2).all(|w| w[0] >= w[1]), "not reversed");
}

#[test]
fn the_request_object_is_drawn_in_written_order_and_folds() {
    let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","verb":"create","user":{"username":"eve"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"clusterrolebindings","name":"pwn"},"requestObject":{"kind":"ClusterRoleBinding","metadata":{"name":"pwn","labels":{"evil\u001b[2J":"x"}},"roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"eve"}]},"stageTimestamp":"2026-11-02T08:00:00Z"}"#;
    let input = Arc::new(LocalInput::from_vec(
        path_origin("x".as_ref()),
        line.to_vec(),
    ));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    let styles = styles();
    let mut state = console(&store, 120, 60);
    press(&mut state, &store, KeyCode::Enter);
    let screen = text(&draw(&state, &store, &styles));
    let at = |s: &str| screen.find(s).unwrap_or_else(|| panic!("{s} in {screen}"));
    // As written: kind, metadata, roleRef, subjects (sorted keys would put roleRef last but one).
    assert!(at("kind: \"ClusterRoleBinding\"") < at("metadata: {"));
    assert!(at("metadata: {") < at("roleRef: {"));
    assert!(at("roleRef: {") < at("subjects: ["));
    assert!(screen.contains("evil\\x1b[2J"), "{screen}");
    // The field names in the field colour.
    let buf = draw(&state, &store, &styles);
    let (x, y) = (0..buf.area.height)
        .find_map(|y| {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            row.find("roleRef").map(|x| (x as u16, y))
        })
        .expect("roleRef on screen");
    assert_eq!(
        buf[(x, y)].fg,
        styles.get(Role::SyntaxField).fg.unwrap_or_default()
    );
    // z folds one level more each time; Z opens one again.
    press(&mut state, &store, KeyCode::Char('z'));
    assert_eq!(state.detail.fold_at, Some(2));
    press(&mut state, &store, KeyCode::Char('z'));
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("metadata: {…}, 2 keys"), "{screen}");
    assert!(screen.contains("subjects: […] 1 item"), "{screen}");
    assert!(!screen.contains("cluster-admin"), "{screen}");
    press(&mut state, &store, KeyCode::Char('Z'));
    press(&mut state, &store, KeyCode::Char('Z'));
    assert_eq!(state.detail.fold_at, None);
    let screen = text(&draw(&state, &store, &styles));
    assert!(screen.contains("cluster-admin"), "{screen}");
}

#[test]
fn a_broken_line_is_one_unreadable_line_and_no_row_of_the_table() {
    let lines = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},\"stageTimestamp\":\"2026-11-02T08:00:00Z\"}\n{\"kind\":\"Event\",\"this is broken\n";
    let input = Arc::new(LocalInput::from_vec(
        path_origin("broken.log".as_ref()),
        lines.as_bytes().to_vec(),
    ));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    assert_eq!(store.len(), 1);
    let report = &store.problems()[0];
    assert_eq!((report.malformed, report.truncated), (1, 0));
    assert_eq!(
        (report.problems[0].line, report.problems[0].column),
        (2, 32)
    );
    assert_eq!(store.problem_count(), 1, "counted once");
    let state = console(&store, 120, 30);
    let screen = text(&draw(&state, &store, &styles()));
    assert!(screen.contains("events 1 of 1"), "{screen}");
    let dashes = regex::Regex::new(r"│\s*-\s+-\s+-\s+-").expect("a regex");
    assert!(!dashes.is_match(&screen), "a row of dashes: {screen}");
    assert!(!screen.contains("[cut]"), "{screen}");
}

#[test]
fn the_detail_shows_when_an_event_of_an_old_api_server_happened() {
    // audit.k8s.io/v1beta1 events carry `timestamp`, not stageTimestamp or
    // requestReceivedTimestamp.
    let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2018-10-25T13:58:49Z"},"level":"Request","timestamp":"2018-10-25T13:58:49Z","auditID":"old-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{"username":"minikube-user"},"sourceIPs":["192.168.99.1"],"objectRef":{"resource":"pods","namespace":"default","name":"nginx"},"responseStatus":{"code":201}}"#;
    let input = Arc::new(LocalInput::from_vec(
        path_origin("old.log".as_ref()),
        line.to_vec(),
    ));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    assert_eq!(store.len(), 1);
    let mut state = console(&store, 120, 50);
    press(&mut state, &store, KeyCode::Enter);
    let screen = text(&draw(&state, &store, &styles()));
    let when = screen.find("When").unwrap_or_else(|| panic!("{screen}"));
    let time = screen
        .find("2018-10-25T13:58:49Z")
        .unwrap_or_else(|| panic!("no time in the detail: {screen}"));
    let audit_id = screen
        .find("audit ID")
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(when < time && time < audit_id, "{screen}");
}

#[test]
fn every_screen_draws_at_any_size_and_clicks_anywhere_are_safe() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let input = demo_input();
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    let inputs = [input];
    let styles = styles();
    let mut base = console(&store, 140, 40);
    base.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
    let mut screens: Vec<State> = Vec::new();
    let steps: [&[KeyCode]; 7] = [
        &[],
        &[KeyCode::Enter],
        &[KeyCode::Char('b')],
        &[KeyCode::Char(';')],
        &[KeyCode::Char('?')],
        &[KeyCode::Char('c')],
        &[KeyCode::Char('t')],
    ];
    for keys in steps {
        let mut state = base.clone();
        for code in keys {
            let effects = update(
                &mut state,
                Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE)),
            );
            settle_with(&mut state, &store, &inputs, effects);
        }
        screens.push(state);
    }
    // An answer of events in the main pane, the detail of its row open.
    let mut answer = base.clone();
    for c in ":run aws-auth-changes\n\n".chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        let effects = update(
            &mut answer,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        settle_with(&mut answer, &store, &inputs, effects);
    }
    assert!(answer.query.showing && answer.detail.open);
    screens.push(answer);
    // The cluster picker, found and empty.
    let mut picker = base.clone();
    let mut found = crate::tui::clusters::ClusterPicker::default();
    found.set_items(vec![crate::tui::clusters::ClusterItem {
        cluster: "prod\u{1b}[2J".into(),
        group: "/aws/eks/prod/cluster".into(),
        stored_bytes: Some(12_345_678_901),
        key: "/aws/eks/prod/cluster".into(),
        region: Some("eu-west-1\u{1b}[2J".into()),
        chosen: true,
        ..Default::default()
    }]);
    picker.clusters = Some(found);
    screens.push(picker.clone());
    picker.clusters = Some(crate::tui::clusters::ClusterPicker::default());
    screens.push(picker);
    for state in screens {
        for (width, height) in [
            (1, 1),
            (2, 3),
            (10, 5),
            (30, 8),
            (45, 12),
            (80, 24),
            (97, 23),
            (200, 60),
        ] {
            let mut state = state.clone();
            let effects = update(&mut state, Msg::Resize { width, height });
            settle_with(&mut state, &store, &inputs, effects);
            draw(&state, &store, &styles);
            for (column, row) in [
                (0, 0),
                (width / 2, height / 2),
                (width - 1, height - 1),
                (3, 8),
            ] {
                let click = MouseEvent {
                    kind: MouseEventKind::Down(MouseButton::Left),
                    column,
                    row,
                    modifiers: KeyModifiers::NONE,
                };
                let mut clicked = state.clone();
                let effects = update(&mut clicked, Msg::Mouse(click));
                settle_with(&mut clicked, &store, &inputs, effects);
                draw(&clicked, &store, &styles);
            }
        }
    }
}

#[test]
fn refused_requests_are_drawn_in_the_deny_colour_and_others_are_not() {
    let store = demo_store();
    let styles = styles();
    let mut state = console(&store, 140, 40);
    // Only the refused ones: 401s and 403s.
    let effects = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
    );
    settle(&mut state, &store, effects);
    for c in "code 403".chars() {
        press(&mut state, &store, KeyCode::Char(c));
    }
    press(&mut state, &store, KeyCode::Enter);
    assert!(!state.table.rows.is_empty());
    press(&mut state, &store, KeyCode::Down);
    let buf = draw(&state, &store, &styles);
    let deny = styles.get(Role::Deny);
    let text_style = styles.get(Role::Text);
    assert_ne!(deny.fg, text_style.fg, "the theme must tell them apart");
    let body = crate::tui::geometry::layout(&state).table_body();
    // The second row (not under the cursor): its time cell is in the deny colour.
    let cell = &buf[(body.x + 2, body.y + 1)];
    assert_eq!(cell.fg, deny.fg.expect("deny has a colour"), "{:?}", cell);
    // Drop the filter: the first event of the demo is an ordinary allowed request.
    press(&mut state, &store, KeyCode::Char('C'));
    press(&mut state, &store, KeyCode::Char('g'));
    press(&mut state, &store, KeyCode::Down);
    let buf = draw(&state, &store, &styles);
    let row = state.table.rows[0];
    assert!(!store.denied(row));
    let cell = &buf[(body.x + 2, body.y)];
    assert_ne!(Some(cell.fg), deny.fg);
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","verb":"get","user":{"username":"evil\u001b]0;pwned\u0007\u001b[2J"},"sourceIPs":["10.0.0.1"],"userAgent":"curl\u001b[31m","stageTimestamp":"2026-11-02T08:00:00Z","requestReceivedTimestamp":"2026-11-02T08:00:00Z"}"#;
    let input = Arc::new(LocalInput::from_vec(
        path_origin("x".as_ref()),
        line.to_vec(),
    ));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    let mut state = console(&store, 140, 40);
    press(&mut state, &store, KeyCode::Enter);
    let screen = text(&draw(&state, &store, &styles()));
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "{screen:?}"
    );
    assert!(screen.contains("evil"), "{screen}");
}

#[path = "hostile_tests.rs"]
mod hostile;

/// The help as a reader scrolls it, one line at a time: its lines inside the box, in order.
fn help_read_through(store: &EventStore, width: u16, height: u16) -> Vec<String> {
    use crate::tui::keymap::help;
    let styles = styles();
    let mut state = console(store, width, height);
    press(&mut state, store, KeyCode::Char('?'));
    let popup = help::popup(ratatui::layout::Rect::new(0, 0, width, height));
    let inside = |buf: &Buffer, y: u16| -> String {
        (popup.x + 1..popup.x + popup.width - 1)
            .map(|x| buf[(x, y)].symbol())
            .collect()
    };
    let mut out = Vec::new();
    for _ in 0..help::most_scroll(ratatui::layout::Rect::new(0, 0, width, height)) {
        out.push(inside(&draw(&state, store, &styles), popup.y + 1));
        press(&mut state, store, KeyCode::Char('j'));
    }
    let last = draw(&state, store, &styles);
    out.extend((popup.y + 1..popup.y + popup.height - 1).map(|y| inside(&last, y)));
    out
}

#[test]
fn every_line_of_the_help_is_read_whole_at_every_size() {
    use crate::tui::keymap::help::COMMANDS;
    let store = demo_store();
    for (width, height) in [(80, 24), (140, 40), (240, 60)] {
        let lines = help_read_through(&store, width, height);
        let read = lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for (usage, what) in COMMANDS {
            let whole = format!(
                "{usage} {}",
                what.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            assert!(
                read.contains(&whole),
                "{width}x{height}: `{whole}` is not read whole in the help:\n{}",
                lines.join("\n")
            );
        }
        assert!(read.contains("? this help Tab"), "{width}x{height}: {read}");
    }
}
