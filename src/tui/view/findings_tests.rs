//! The Findings view and what leads the first screen: every detection over the events held,
//! counted by severity on the title line, marked on the timeline, and opened as the very events
//! it counted, whatever the time range.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{
    NOW_MS, console, demo_input, demo_store, draw, open, press, settle, settle_with, styles, text,
};
use crate::catalog::Catalog;
use crate::store::EventStore;
use crate::tui::msg::Msg;
use crate::tui::{Effect, State, update};

#[test]
fn findings_list_every_detection_and_enter_shows_the_hits() {
    let input = demo_input();
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    let inputs = [input];
    let styles = styles();
    for (width, height) in [(100, 30), (160, 45)] {
        let mut state = console(&store, width, height);
        state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
        let detections = state
            .query
            .browser
            .queries()
            .iter()
            .filter(|q| q.severity.is_some())
            .count();
        let effects = update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE)),
        );
        settle_with(&mut state, &store, &inputs, effects);
        assert!(state.findings.is_some());
        let items = state.found.as_ref().expect("findings").items.clone();
        assert_eq!(items.len(), detections);
        let fired = items.iter().filter(|i| i.all > 0).count();
        assert!(fired > 0);
        // Fired first.
        assert!(items[..fired].iter().all(|i| i.hits() > Some(0)));
        let screen = text(&draw(&state, &store, &styles));
        insta::assert_snapshot!(format!("findings_{width}x{height}"), screen);
        let first = items[0].clone();
        let effects = update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        settle_with(&mut state, &store, &inputs, effects);
        assert!(state.findings.is_none());
        let run = state.query.run.as_ref().expect("the detection ran");
        assert_eq!(run.title, first.name);
        assert_eq!(run.view.result().map(|r| r.rows.len()), first.hits());
        assert_eq!(state.query.within().map(|w| w.len()), first.hits());
    }
}

#[test]
fn a_findings_count_is_the_events_enter_shows_whatever_the_range() {
    use crate::tui::query::TimeChoice;
    let store = demo_store();
    let span = store.time_span().expect("timed events");
    let middle = span.0 + (span.1 - span.0) / 2;
    let ranges = [
        TimeChoice::All,
        // The log's last hour: counted back from its newest event, not from the clock.
        TimeChoice::Last(std::time::Duration::from_secs(3600)),
        TimeChoice::Between {
            start_ms: middle,
            end_ms: span.1 + 1,
        },
    ];
    let mut shown_some = false;
    for range in ranges {
        let mut state = console(&store, 160, 45);
        state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
        state.query.editor.set_time(range);
        let effects = update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE)),
        );
        settle(&mut state, &store, effects);
        let found = state.found.clone().expect("found");
        assert_eq!(found.range, range);
        press(&mut state, &store, KeyCode::Esc);
        let fired = found.items.iter().filter(|i| i.all > 0).count();
        for at in 0..fired {
            let item = found.items[at].clone();
            let counted = item.hits().expect("per event");
            press(&mut state, &store, KeyCode::Char('F'));
            for _ in 0..at {
                press(&mut state, &store, KeyCode::Down);
            }
            press(&mut state, &store, KeyCode::Enter);
            if counted == 0 {
                assert!(state.findings.is_some(), "nothing to show: the view stays");
                let said = state.status.message.clone().expect("said").0;
                assert!(said.contains("no hits in"), "{said}");
                assert!(said.contains("outside it"), "{said}");
                press(&mut state, &store, KeyCode::Esc);
                continue;
            }
            shown_some = true;
            let events = state.query.within().expect("narrowed");
            assert_eq!(events.len(), counted, "{} under {range:?}", item.name);
            assert_eq!(state.table.rows.len(), counted, "{}", item.name);
            let newest = Some(span.1);
            let resolved = range.resolve(crate::tui::query::anchor_ms(false, newest, NOW_MS));
            assert!(events.iter().all(|&r| resolved.contains(store.time_ms(r))));
            press(&mut state, &store, KeyCode::Backspace);
        }
    }
    assert!(shown_some);
}

#[test]
fn the_first_screen_counts_findings_by_severity_and_marks_the_timeline() {
    let store = demo_store();
    let styles = styles();
    let mut state = State::new("demo incident", None);
    state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
    // As loading ends: the runner is asked to read the events for the detections.
    let effects = open(&mut state, &store, 80, 24);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FindFindings { .. }))
    );
    settle(&mut state, &store, effects);
    let found = state.found.as_ref().expect("found as loading ends");
    let fired = found.fired_by_severity();
    assert!(!fired.is_empty());
    let screen = text(&draw(&state, &store, &styles));
    let title = screen.lines().next().expect("a title line");
    let (severity, n) = fired[0];
    assert!(
        title.contains(&format!("findings: {n} crit"))
            && severity == crate::catalog::Severity::Critical,
        "{title}"
    );
    let l = crate::tui::geometry::layout(&state);
    let edge = screen
        .lines()
        .nth(usize::from(l.timeline.bottom() - 1))
        .expect("the timeline's edge");
    assert!(edge.contains('▲'), "{edge}");
}

/// In a case, a finding opened is kept: its detection, severity, hits and range as counted.
#[test]
fn in_a_case_a_finding_opened_is_kept_with_its_hits_and_range() {
    use crate::case::FindingOpened;
    use crate::tui::case_desk::{CaseWrite, OpenedCase};
    use crate::tui::query::TimeChoice;

    let store = demo_store();
    let span = store.time_span().expect("timed events");
    let mut state = console(&store, 160, 45);
    state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
    state.query.editor.set_time(TimeChoice::Between {
        start_ms: span.0,
        end_ms: span.1 + 1,
    });
    update(
        &mut state,
        Msg::CaseOpened(Ok(Box::new(OpenedCase::made("ir-f")))),
    );
    press(&mut state, &store, KeyCode::Char('F'));
    let first = state.found.as_ref().expect("found").items[0].clone();
    let effects = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let range = crate::case::range_text(crate::audit::time::TimeRange {
        start_ms: Some(span.0),
        end_ms: Some(span.1 + 1),
    });
    let kept: Vec<&Effect> = effects
        .iter()
        .filter(|e| matches!(e, Effect::CaseWrite(_)))
        .collect();
    assert_eq!(
        kept,
        [&Effect::CaseWrite(CaseWrite::Finding(FindingOpened {
            detection: first.name.clone(),
            severity: first.severity.name().to_string(),
            hits: first.hits().expect("per event") as u64,
            range,
        }))]
    );
    assert!(first.hits() > Some(0));
}
