//! Time on the main screen: timeline bars of equal time, the range the findings read counted
//! back from the newest event of a log read after the fact, and a new result read from its
//! first row.

use crossterm::event::KeyCode;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::catalog::Catalog;
use crate::store::EventStore;
use crate::tui::State;
use crate::tui::geometry;

fn clock(ms: i64, pattern: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("a time")
        .strftime(pattern)
        .to_string()
}

fn command(state: &mut State, store: &EventStore, line: &str) {
    press(state, store, KeyCode::Char(':'));
    for c in line.chars() {
        press(state, store, KeyCode::Char(c));
    }
    press(state, store, KeyCode::Enter);
}

#[test]
fn timeline_bars_cover_equal_time_and_the_header_ends_at_the_last_event() {
    let store = demo_store();
    let styles = styles();
    let (first, last) = store.time_span().expect("timed events");
    // The demo's four hours: 2-minute bars at 160 columns, 5-minute bars at 80.
    for (width, height, bar_ms, bars, end) in [
        (160, 45, 120_000, 120, clock(last, "%H:%M:%S%.3f")),
        (80, 24, 300_000, 48, clock(last, "%H:%M:%S")),
    ] {
        let state = console(&store, width, height);
        let screen = text(&draw(&state, &store, &styles));
        let area = geometry::layout(&state).timeline;
        let header = screen.lines().nth(usize::from(area.y)).expect("a header");
        assert!(header.contains(&format!("→ {end} ·")), "{header}");
        let bar_label = format!("{}m bars", bar_ms / 60_000);
        assert!(header.contains(&bar_label), "{header}");
        assert_eq!(geometry::timeline_columns(&state), bars);
        let mut covered = 0;
        for x in 0..bars {
            let span = geometry::timeline_span(&state, x).expect("a bar");
            let (start, end) = (
                span.start_ms.expect("a start"),
                span.end_ms.expect("an end"),
            );
            assert_eq!(end - start, bar_ms, "bar {x} at {width} columns");
            assert_eq!(start % bar_ms, 0, "bar {x} starts at a round time");
            covered += state
                .table
                .rows
                .iter()
                .filter(|&&r| span.contains(store.time_ms(r)))
                .count();
        }
        assert_eq!(covered, state.table.rows.len());
        assert!(geometry::timeline_span(&state, 0).is_some_and(|s| s.contains(Some(first))));
        // Columns past the last bar are left empty, not stretched.
        let bottom = screen
            .lines()
            .nth(usize::from(area.bottom() - 2))
            .expect("the lowest bar line");
        let cells: Vec<&str> = bottom.split("").filter(|c| !c.is_empty()).collect();
        let drawn = cells[1..cells.len() - 1]
            .iter()
            .filter(|c| **c != " ")
            .count();
        assert_eq!(drawn, bars, "{bottom}");
    }
}

#[test]
fn a_preset_over_a_log_counts_back_from_its_newest_event_and_the_screen_says_so() {
    let store = demo_store();
    let styles = styles();
    let (_, newest) = store.time_span().expect("timed events");
    for (width, height) in [(160, 45), (80, 24)] {
        let mut state = console(&store, width, height);
        assert!(!state.status.live);
        state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
        let screen = text(&draw(&state, &store, &styles));
        assert!(screen.contains("all time"), "{screen}");
        press(&mut state, &store, KeyCode::Char('F'));
        // F2 in the Findings view: the last 15 minutes, the last hour, the last day. A day of
        // the log holds every hit; a day back from a clock a month on, none.
        for _ in 0..3 {
            press(&mut state, &store, KeyCode::F(2));
        }
        let found = state.found.clone().expect("found");
        assert_eq!(found.range.label(), "last 24h");
        let hits: usize = found.items.iter().filter_map(|i| i.hits()).sum();
        let all: usize = found.items.iter().map(|i| i.all).sum();
        assert!(all > 0);
        assert_eq!(hits, all, "the log's last day holds every hit");
        press(&mut state, &store, KeyCode::Esc);
        let screen = text(&draw(&state, &store, &styles));
        let start = newest - 86_400_000;
        let said = if width >= 160 {
            format!(
                "range: last 24h of the log, from {}",
                clock(start, "%Y-%m-%d %H:%M:%S%.3f")
            )
        } else {
            "last 24h of log".to_string()
        };
        assert!(screen.contains(&said), "{said} in\n{screen}");
        // The events held, start to end, stay in sight.
        let held = crate::tui::format::format_span(store.time_span().unwrap().0, newest, false);
        assert!(
            screen.contains(&held) || width >= 160,
            "{held} in\n{screen}"
        );
    }
}

#[test]
fn a_new_filter_shows_its_result_from_the_first_row() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let mut state = console(&store, width, height);
        for _ in 0..60 {
            press(&mut state, &store, KeyCode::PageDown);
        }
        assert!(state.table.offset > 0);
        command(&mut state, &store, "verb delete");
        let rows = state.table.rows.clone();
        assert!(rows.len() > 2, "{} rows", rows.len());
        assert_eq!((state.table.cursor, state.table.offset), (0, 0));
        let screen = text(&draw(&state, &store, &styles));
        let body = geometry::layout(&state).table_body();
        let line = screen
            .lines()
            .nth(usize::from(body.y))
            .expect("a first row");
        let t = store.time_ms(rows[0]).expect("a time");
        assert!(line.contains(&clock(t, "%H:%M:%S%.3f")), "{line}");
    }
}

#[test]
fn one_event_is_said_as_one_event() {
    let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","verb":"get","user":{"username":"eve"},"responseStatus":{"code":403},"stageTimestamp":"2026-11-02T08:37:12.074Z"}"#;
    let mut store = EventStore::default();
    store.push_owned(line.as_bytes()).expect("decodes");
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let state = console(&store, width, height);
        let screen = text(&draw(&state, &store, &styles));
        assert!(!screen.contains("1 events"), "{screen}");
        let title = screen.lines().next().expect("a title");
        assert!(title.contains("· 1 event "), "{title}");
        assert!(
            screen.contains("2026-11-02 08:37:12.074 · 1s bars · 1 event, 1 denied"),
            "{screen}"
        );
    }
}

#[test]
fn a_folder_is_named_by_its_file_count_and_unreadable_lines_stay_in_sight() {
    use crate::engine::local::LocalSource;
    use crate::engine::{EventSource, Report};
    use crate::tui::msg::{LoadProgress, Msg};
    let dir = tempfile::tempdir().expect("a folder");
    let demo = crate::source::demo::demo_bytes(&crate::source::demo::DemoConfig {
        events: 30,
        seed: 1,
    });
    let demo = String::from_utf8(demo).expect("text");
    let good: Vec<&str> = demo.lines().collect();
    let files = [
        (
            "kube-apiserver-audit-0a1b2c3d4e5f.log",
            format!("{}\n{}\n", good[0], good[1]),
        ),
        (
            "kube-apiserver-audit-9f8e7d6c5b4a.log",
            format!("{}\n", good[2]),
        ),
        (
            "kube-apiserver-audit-1234567890ab.log",
            format!("{{\"broken\nnot json\n{}\n", good[3]),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    let source = LocalSource::files(&[dir.path().to_path_buf()], false).expect("a source");
    let shared = std::sync::Arc::new(std::sync::RwLock::new(EventStore::default()));
    source.load_now(&shared, &Report::new(|_| true));
    let store = shared.read().expect("the store");
    assert_eq!(store.len(), 4);
    let styles = styles();
    let name = source.name();
    let folder = dir.path().display().to_string();
    assert_eq!(name, format!("3 files in {folder}"));
    for (width, height) in [(80, 24), (160, 45)] {
        let mut state = State::new(&name, None);
        let effects = super::tests::open(&mut state, &store, width, height);
        super::tests::settle(&mut state, &store, effects);
        crate::tui::update(
            &mut state,
            Msg::Loaded(LoadProgress {
                events: store.len(),
                problems: store.problem_count(),
                done: true,
                ..LoadProgress::default()
            }),
        );
        let screen = text(&draw(&state, &store, &styles));
        let title = screen.lines().next().expect("a title");
        assert!(title.contains("· 2 unreadable lines"), "{width}: {title}");
        assert!(!title.contains("kube-apiserver-audit"), "{width}: {title}");
        if width >= 160 {
            assert!(title.contains(&format!("3 files in {folder}")), "{title}");
        }
    }
}

#[test]
fn with_no_room_for_the_timeline_the_title_says_the_span_held_and_the_range() {
    let store = demo_store();
    let styles = styles();
    let (first, last) = store.time_span().expect("timed events");
    let short = format!("{}–{}", clock(first, "%H:%M"), clock(last, "%H:%M"));
    let long = crate::tui::format::format_span(first, last, false);
    let says_held = |line: &str| line.contains(&short) || line.contains(&long);
    for width in [80, 120] {
        let mut state = console(&store, width, 20);
        assert!(geometry::layout(&state).timeline.is_empty());
        let title = |state: &State| {
            let screen = text(&draw(state, &store, &styles));
            screen.lines().next().expect("a title").to_string()
        };
        let line = title(&state);
        assert!(says_held(&line) && line.contains("all"), "{line}");
        state
            .query
            .editor
            .set_time(crate::tui::query::TimeChoice::Last(
                std::time::Duration::from_secs(3600),
            ));
        let line = title(&state);
        assert!(line.contains("last 1h") && says_held(&line), "{line}");
    }
}
