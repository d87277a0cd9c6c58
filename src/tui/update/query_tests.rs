//! The query side of the update, without a terminal: browsing, editing, running, answers,
//! narrowing the events, and the pivots that run canned queries.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::catalog::Catalog;
use crate::insights::exec::{QueryResult, Statistics};
use crate::insights::value::Value;
use crate::store::{Facet, Histogram};
use crate::tui::detail::{DetailData, Pivot};
use crate::tui::msg::{Filtered, LoadProgress, QueryAnswer, QueryFailure};
use crate::tui::query::{Browser, RunStats};
use crate::tui::state::{Focus, State};
use crate::tui::{Effect, Msg, update};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

/// A 120×40 console over 100 events, with the built-in canned queries.
fn console() -> State {
    let mut state = State::new("test", None);
    state.query.browser = Browser::new(&Catalog::load(None));
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
            events: 100,
            done: true,
            ..LoadProgress::default()
        }),
    );
    let ticket = state.filter_ticket;
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::Refilter { .. },
            Effect::FindFindings { .. },
            Effect::IndexFields
        ]
    ));
    filtered(&mut state, ticket, (0..100).collect());
    state
}

fn filtered(state: &mut State, ticket: u64, rows: Vec<u32>) -> Vec<Effect> {
    update(
        state,
        Msg::Filtered(Box::new(Filtered {
            ticket,
            rows: Arc::new(rows),
            facets: Vec::new(),
            histogram: Histogram::default(),
            took_ms: 1,
            said: None,
        })),
    )
}

fn run_of(effects: &[Effect]) -> (u64, String) {
    let runs: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::RunQuery { ticket, text, .. } => Some((*ticket, text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1, "{effects:?}");
    runs[0].clone()
}

fn within_of(effects: &[Effect]) -> Option<Arc<Vec<u32>>> {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Refilter { within, .. } => Some(within.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no refilter in {effects:?}"))
}

/// An answer of events: one row per event, its `@message` and store row.
fn events_answer(rows: &[Option<u32>]) -> Box<QueryAnswer> {
    Box::new(QueryAnswer {
        held: None,
        asked: Default::default(),
        result: QueryResult {
            columns: vec!["@timestamp".into(), "@message".into()],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, _)| vec![Value::Time(i as i64), Value::str(&format!("e{i}"))])
                .collect(),
            statistics: Statistics {
                records_scanned: 100,
                bytes_scanned: 1000,
                records_matched: rows.len() as u64,
            },
            capped: false,
        },
        row_of: rows.to_vec(),
        events: true,
        elapsed_ms: 12,
        cancelled: false,
        warnings: Vec::new(),
        ptrs: Vec::new(),
    })
}

#[test]
fn the_browser_runs_a_canned_query_and_its_events_narrow_the_console() {
    let mut state = console();
    update(&mut state, ch('b'));
    assert!(state.query.browser_open);
    typed(&mut state, "aws-auth");
    let (ticket, text) = run_of(&update(&mut state, key(KeyCode::Enter)));
    assert!(!state.query.browser_open);
    assert!(text.contains("objectRef.name = \"aws-auth\""), "{text}");
    assert!(state.query.running() && state.query.showing);
    assert_eq!(state.query.run.as_ref().unwrap().title, "aws-auth-changes");
    // Progress shows while it runs.
    let stats = RunStats {
        records_scanned: 42,
        running: true,
        ..RunStats::default()
    };
    update(&mut state, Msg::QueryProgress { ticket, stats });
    assert_eq!(
        state
            .query
            .run
            .as_ref()
            .unwrap()
            .view
            .stats()
            .records_scanned,
        42
    );
    // The answer: three rows, two of them events the console holds (one twice).
    let effects = update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(events_answer(&[Some(7), None, Some(3), Some(7)])),
        },
    );
    assert!(!state.query.running());
    assert_eq!(within_of(&effects).as_deref(), Some(&vec![3, 7]));
    assert_eq!(state.query.run.as_ref().unwrap().unmatched, 1);
    assert!(state.chip_labels()[0].starts_with("query: aws-auth-changes (2 events)"));
    let (said, _) = state.status.message.clone().unwrap();
    assert!(
        said.contains("4 rows") && said.contains("1 event appended"),
        "{said}"
    );
}

#[test]
fn a_stale_answer_is_dropped_and_a_new_run_widens_the_events_again() {
    let mut state = console();
    update(&mut state, ch(':'));
    typed(&mut state, "query filter verb = \"get\"");
    let (first, _) = run_of(&update(&mut state, key(KeyCode::Enter)));
    update(
        &mut state,
        Msg::QueryDone {
            ticket: first,
            outcome: Ok(events_answer(&[Some(1)])),
        },
    );
    assert!(state.query.within().is_some());
    update(&mut state, ch(':'));
    typed(&mut state, "query filter verb = \"delete\"");
    let effects = update(&mut state, key(KeyCode::Enter));
    let (second, _) = run_of(&effects);
    assert!(second > first);
    // The first answer's narrowing is gone while the second runs.
    assert_eq!(within_of(&effects), None);
    let late = update(
        &mut state,
        Msg::QueryDone {
            ticket: first,
            outcome: Ok(events_answer(&[Some(9)])),
        },
    );
    assert!(late.is_empty(), "{late:?}");
    assert!(state.query.running());
}

#[test]
fn the_editor_runs_saves_history_and_shows_errors_in_place() {
    let mut state = console();
    update(&mut state, ch(';'));
    assert!(state.query.editor_open);
    typed(&mut state, "stats count(*) by verb");
    let effects = update(&mut state, key(KeyCode::F(5)));
    assert!(!state.query.editor_open);
    let (ticket, text) = run_of(&effects);
    assert_eq!(text, "stats count(*) by verb");
    match effects.first() {
        Some(Effect::SaveHistory(h)) => assert_eq!(h.entries().next(), Some(text.as_str())),
        other => panic!("{other:?}"),
    }
    // An answer of groups does not narrow the events.
    let mut answer = events_answer(&[]);
    answer.events = false;
    answer.result.columns = vec!["verb".into(), "count(*)".into()];
    answer.result.rows = vec![vec![Value::str("get"), Value::Int(9)]];
    let effects = update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(answer),
        },
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Refilter { .. })));
    assert!(state.query.within().is_none());
    // Enter on a group: not an event, said so.
    update(&mut state, key(KeyCode::Enter));
    assert!(!state.detail.open);
    // A query the runner refuses: the editor opens on it again.
    update(&mut state, ch(':'));
    typed(&mut state, "query fields x");
    let (ticket, _) = run_of(&update(&mut state, key(KeyCode::Enter)));
    update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Err(QueryFailure {
                message: "unknown command".into(),
                in_query: true,
            }),
        },
    );
    assert!(state.query.editor_open);
    assert_eq!(state.query.editor.text(), "fields x");
}

#[test]
fn cancel_only_while_running() {
    let mut state = console();
    assert!(update(&mut state, ctrl('x')).is_empty());
    update(&mut state, ch(':'));
    typed(&mut state, "run role-changes");
    run_of(&update(&mut state, key(KeyCode::Enter)));
    assert_eq!(update(&mut state, ctrl('x')), vec![Effect::CancelQuery]);
    assert_eq!(
        update(&mut state, key(KeyCode::F(6))),
        vec![Effect::CancelQuery]
    );
}

/// A console narrowed to the events 3 and 7 of a query, with `user: alice` kept too.
fn narrowed_with_a_user() -> State {
    let mut state = console();
    update(&mut state, ch(':'));
    typed(&mut state, "run aws-auth-changes");
    let (ticket, _) = run_of(&update(&mut state, key(KeyCode::Enter)));
    update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(events_answer(&[Some(3), Some(7)])),
        },
    );
    update(&mut state, ch(':'));
    typed(&mut state, "user alice");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(within_of(&effects).as_deref(), Some(&vec![3, 7]));
    state
}

#[test]
fn backspace_drops_the_user_before_the_query_and_drop_takes_any_chip() {
    let mut state = narrowed_with_a_user();
    assert_eq!(state.chip_labels().len(), 2);
    let effects = update(&mut state, key(KeyCode::Backspace));
    assert!(within_of(&effects).is_some());
    assert!(state.filters.chips.is_empty());
    let effects = update(&mut state, key(KeyCode::Backspace));
    assert_eq!(within_of(&effects), None);

    let mut state = narrowed_with_a_user();
    update(&mut state, ch(':'));
    typed(&mut state, "drop 1");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(within_of(&effects), None);
    assert_eq!(state.filters.chips.len(), 1);
    assert_eq!(state.filters.chips[0].facet, Facet::User);
    update(&mut state, ch(':'));
    typed(&mut state, "drop 5");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(state.status.message.unwrap().0.contains("1 to 1"));
}

#[test]
fn the_answer_pane_opens_the_row_event_in_detail_and_marks_it() {
    let mut state = narrowed_with_a_user();
    update(&mut state, ch('r'));
    assert!(!state.query.showing);
    update(&mut state, ch('r'));
    assert!(state.query.showing);
    update(&mut state, ch('G'));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::LoadDetail { row: 7 }]);
    assert_eq!(state.focus, Focus::Detail);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('g'));
    update(&mut state, ch(' '));
    assert!(state.table.marked.contains(&3));
    // Esc goes back to the events.
    update(&mut state, key(KeyCode::Esc));
    assert!(!state.query.showing);
}

#[test]
fn a_change_pivot_runs_the_canned_query_for_that_object() {
    let mut state = console();
    state.detail.open = true;
    state.focus = Focus::Detail;
    state.detail_row = Some(0);
    state.detail.data = Some(DetailData {
        pivots: vec![Pivot {
            label: "changes to ClusterRole x".into(),
            include: Vec::new(),
            text: None,
            canned: Some(("clusterrole-changes".into(), "evil\"role".into())),
        }],
        ..DetailData::default()
    });
    let (_, text) = run_of(&update(&mut state, key(KeyCode::Enter)));
    assert!(
        text.contains("objectRef.resource=\"clusterroles\""),
        "{text}"
    );
    // Before the sort and the limit: the latest 100 changes to this object.
    assert!(
        text.contains("| filter objectRef.name = \"evil\\\"role\"\n| sort @timestamp desc"),
        "{text}"
    );
    assert!(state.query.showing);
    assert_eq!(state.focus, Focus::Detail);
}

/// `command` run, answered over CloudWatch with two rows: the first held (row 4), the second
/// not, each at its `@ptr` (`p-0`, `p-1`).
fn answered_over_cloudwatch(command: &str) -> (State, u64) {
    let mut state = console();
    update(&mut state, ch(':'));
    typed(&mut state, command);
    let (ticket, _) = run_of(&update(&mut state, key(KeyCode::Enter)));
    let mut answer = events_answer(&[Some(4), None]);
    answer.ptrs = vec![Some("p-0".into()), Some("p-1".into())];
    update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(answer),
        },
    );
    (state, ticket)
}

#[test]
fn a_row_not_held_is_fetched_from_cloudwatch_and_opened() {
    let (mut state, ticket) = answered_over_cloudwatch("query fields @message");
    // A held row opens at once; the other is fetched first.
    update(&mut state, ch('j'));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::FetchRecord {
            ticket,
            index: 1,
            ptr: "p-1".into(),
            mark: None,
        }]
    );
    assert!(!state.detail.open);
    let effects = update(
        &mut state,
        Msg::RecordFetched {
            ticket,
            index: 1,
            row: Ok(100),
            mark: None,
        },
    );
    assert_eq!(effects, vec![Effect::LoadDetail { row: 100 }]);
    assert!(state.detail.open);
    assert_eq!(state.query.run.as_ref().unwrap().row_of[1], Some(100));
    // A failure says so.
    update(
        &mut state,
        Msg::RecordFetched {
            ticket,
            index: 0,
            row: Err("AccessDenied".into()),
            mark: None,
        },
    );
    assert!(
        state
            .status
            .message
            .clone()
            .unwrap()
            .0
            .contains("AccessDenied")
    );
}

#[test]
fn a_canned_query_with_parameters_asks_for_each_then_runs() {
    let mut state = console();
    update(&mut state, ch(':'));
    typed(&mut state, "run object-history");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let prompt = state
        .prompt
        .clone()
        .expect("a prompt for the first parameter");
    assert_eq!(prompt.label(), "resource: ");
    typed(&mut state, "configmaps");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert_eq!(state.prompt.as_ref().unwrap().label(), "name: ");
    typed(&mut state, "aws\"auth");
    let (_, text) = run_of(&update(&mut state, key(KeyCode::Enter)));
    assert!(
        text.contains(r#"objectRef.resource = "configmaps""#),
        "{text}"
    );
    assert!(
        text.contains(r#"objectRef.name = "aws\"auth""#),
        "the value stays a value: {text}"
    );
    assert!(
        state
            .query
            .run
            .as_ref()
            .unwrap()
            .title
            .contains("resource=configmaps")
    );
    // Esc at a parameter runs nothing.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('b'));
    typed(&mut state, "user-activity");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert_eq!(state.prompt.as_ref().unwrap().label(), "user: ");
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.query.pending.is_none() && state.prompt.is_none());
}

#[test]
fn field_names_are_gathered_once_loaded_and_again_as_events_come() {
    use crate::insights::known::{FieldTree, SeenFields};
    use crate::tui::field_names::FieldNames;
    let names = |seen: Option<&[&str]>, events| {
        Msg::FieldNames(FieldNames {
            seen: seen.map(|s| Arc::new(SeenFields::new(FieldTree::from_names(s), events))),
            events,
        })
    };
    // Loading done asked for the names (the console helper checks the effect).
    let mut state = console();
    assert!(state.query.field_names.gathering);
    typed(&mut state, ";");
    typed(&mut state, "filter protoPayload.methodName like \"pods\"");
    // Until they are in, the audit event's own fields are all the editor knows.
    let said: Vec<String> = state
        .query
        .editor
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        said,
        ["`protoPayload.methodName` is not a field of Kubernetes audit events"]
    );
    // A tail's events while a pass runs ask for nothing more yet.
    let more = Msg::Loaded(LoadProgress {
        events: 150,
        done: true,
        ..LoadProgress::default()
    });
    assert!(
        !update(&mut state, more)
            .iter()
            .any(|e| matches!(e, Effect::IndexFields))
    );
    // The pass over the first 100 brings a name some event has: no warning now; the 50 that
    // came meanwhile are gathered next.
    let effects = update(&mut state, names(Some(&["protoPayload.methodName"]), 100));
    assert!(matches!(effects.as_slice(), [Effect::IndexFields]));
    assert!(state.query.editor.diagnostics().is_empty());
    // That pass found nothing new: the names stay, and nothing more is asked for.
    assert!(update(&mut state, names(None, 150)).is_empty());
    assert_eq!(
        state.query.field_names,
        crate::tui::state::FieldNamesState {
            gathering: false,
            events: Some(150),
        }
    );
    assert!(state.query.editor.diagnostics().is_empty());
    // A misspelling of it is one no event has.
    typed(&mut state, " and protoPayload.methodNam = \"x\"");
    let d = &state.query.editor.diagnostics()[0];
    assert_eq!(d.message, "no event has `protoPayload.methodNam`");
    assert_eq!(d.suggestion.as_deref(), Some("protoPayload.methodName"));
    assert!(!d.is_error());
}

#[test]
fn the_answers_column_picker_has_the_keys_while_open() {
    let mut state = console();
    update(&mut state, ch(':'));
    typed(&mut state, "query stats count(*) by verb");
    let (ticket, _) = run_of(&update(&mut state, key(KeyCode::Enter)));
    let mut answer = events_answer(&[]);
    answer.events = false;
    answer.result.columns = vec!["verb".into(), "count(*)".into()];
    answer.result.rows = vec![vec![Value::str("get"), Value::Int(9)]];
    update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(answer),
        },
    );
    let shown = |state: &State| state.query.run.as_ref().map(|r| r.view.shown_columns());
    update(&mut state, ch('c'));
    assert_eq!(
        state.active_layer(),
        crate::tui::keymap::Layer::AnswerColumns
    );
    // Space hides the column under the picker's cursor, as its title says: the answer row
    // under it is a group, and no event to mark.
    update(&mut state, ch(' '));
    assert_eq!(shown(&state), Some(vec![1]));
    // Enter closes the picker; the next Enter is the answer's again.
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.active_layer(), crate::tui::keymap::Layer::Answer);
    assert_eq!(shown(&state), Some(vec![1]));
}

/// In a case, a query that ran is kept with what it was asked over and what it found; the
/// hits of a finding are kept as the finding opened, not as a query.
#[test]
fn in_a_case_a_query_run_is_kept_with_its_range_sources_and_counts() {
    use crate::audit::time::TimeRange;
    use crate::case::QueryRun as Kept;
    use crate::tui::case_desk::{CaseWrite, OpenedCase};
    use crate::tui::msg::Asked;

    let mut state = console();
    update(
        &mut state,
        Msg::CaseOpened(Ok(Box::new(OpenedCase::made("ir-q")))),
    );
    update(&mut state, ch(':'));
    typed(&mut state, "query filter verb = \"delete\"");
    let (ticket, text) = run_of(&update(&mut state, key(KeyCode::Enter)));
    let mut answer = events_answer(&[Some(3), None]);
    answer.asked = Asked {
        range: TimeRange {
            start_ms: Some(1_793_606_400_000),
            end_ms: None,
        },
        read_from: crate::engine::ReadFrom {
            files: vec!["a.log".into(), "b.log.gz".into()],
            log_groups: Vec::new(),
        },
    };
    let effects = update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(answer),
        },
    );
    let kept: Vec<&CaseWrite> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::CaseWrite(w) => Some(w),
            _ => None,
        })
        .collect();
    assert_eq!(
        kept,
        [&CaseWrite::Query(Kept {
            text,
            range: "2026-11-02T08:00:00.000Z..".into(),
            sources: vec!["a.log".into(), "b.log.gz".into()],
            log_groups: Vec::new(),
            records_scanned: 100,
            bytes_scanned: 1000,
            rows: 2,
        })]
    );
    // An answer over given events (a finding's hits) is not a query of its own.
    let ticket = state.query_ticket;
    let mut answer = events_answer(&[Some(1)]);
    answer.held = Some(Arc::new(vec![1]));
    let effects = update(
        &mut state,
        Msg::QueryDone {
            ticket,
            outcome: Ok(answer),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::CaseWrite(_))),
        "{effects:?}"
    );
}

/// Marking an answer row whose event is in CloudWatch, not held: the whole record is fetched
/// (GetLogRecord) and the mark made of it; outside a case, Space says how to get it first.
#[test]
fn in_a_case_a_row_not_held_is_fetched_whole_then_marked() {
    use crate::tui::case_desk::{CaseWrite, OpenedCase};
    use crate::tui::state::Mark;

    let (mut state, ticket) = answered_over_cloudwatch("query fields user.username");
    update(&mut state, ch('j'));
    assert!(update(&mut state, ch(' ')).is_empty() || state.table.marked.is_empty());
    let said = state.status.message.clone().unwrap().0;
    assert!(said.contains("Enter fetches it"), "{said}");

    update(
        &mut state,
        Msg::CaseOpened(Ok(Box::new(OpenedCase::made("ir-c")))),
    );
    update(&mut state, ch('m'));
    typed(&mut state, "attacker token theft");
    let effects = update(&mut state, key(KeyCode::Enter));
    let given = Mark {
        tag: "attacker".into(),
        note: Some("token theft".into()),
    };
    assert_eq!(
        effects,
        vec![Effect::FetchRecord {
            ticket,
            index: 1,
            ptr: "p-1".into(),
            mark: Some(given.clone()),
        }]
    );
    let effects = update(
        &mut state,
        Msg::RecordFetched {
            ticket,
            index: 1,
            row: Ok(100),
            mark: Some(given.clone()),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::CaseWrite(CaseWrite::Mark {
            row: 100,
            mark: given,
            ptr: Some("p-1".into())
        })]
    );
    assert!(state.table.marked.contains(&100));
    assert_eq!(state.query.run.as_ref().unwrap().row_of[1], Some(100));
}
