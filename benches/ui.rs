//! The console over a demo file of a million events (by default), as a person meets it: time
//! until the first rows are on screen, until every event is indexed, a facet re-filter, a frame,
//! and the memory the loaded events take. Drawn into a test terminal, so only the console's own
//! work is timed. `cargo bench --bench ui`; `KAUDIT_BENCH_EVENTS` sets the size.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use common::console::{key, settle};
use common::{bench_events, demo_file, rss_anon_kb, stream_files};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::catalog::themes::Themes;
use kaudit::engine::Detection;
use kaudit::engine::held::HeldFindings;
use kaudit::source::demo::DEVELOPER;
use kaudit::source::local::{self, InputSpec};
use kaudit::store::{EventStore, FilterSet, StoreLoader, load_shared};
use kaudit::tui::found::Found;
use kaudit::tui::msg::{LoadProgress, Msg};
use kaudit::tui::query::{Browser, TimeChoice};
use kaudit::tui::query_run::answer_now;
use kaudit::tui::{Effect, State, Styles, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
const RUNS: usize = 15;

fn loaded(state: &mut State, store: &EventStore) {
    let effects = update(
        state,
        Msg::Loaded(LoadProgress {
            events: store.len(),
            ..LoadProgress::default()
        }),
    );
    settle(state, store, effects);
}

/// Loads the file, then the same events dealt out into four stream files (each event's
/// neighbours in time are in the other files), as the console loads a folder: into one store,
/// the streams merged into one timeline. Each load runs in a process of its own, so that neither
/// inherits the other's heap; five of each, taken in turn, and the medians compared: the time,
/// the memory the store holds, and the most anonymous memory the process held while loading.
fn one_file_against_streams(events: usize) -> String {
    // Written here once, read by the children.
    stream_files(events, 4);
    let exe = std::env::current_exe().unwrap();
    let run = |which: &str| {
        let out = std::process::Command::new(&exe)
            .args(["--load-once", which])
            .env("KAUDIT_BENCH_EVENTS", events.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let v: Vec<f64> = text
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        (v[0], v[1], v[2])
    };
    let (mut one, mut four) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        one.push(run("one"));
        four.push(run("four"));
    }
    let mid = |v: &[(f64, f64, f64)], k: usize| {
        let mut x: Vec<f64> = v.iter().map(|t| [t.0, t.1, t.2][k]).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (t1, t4) = (mid(&one, 0), mid(&four, 0));
    let (h1, h4) = (mid(&one, 1), mid(&four, 1));
    let (p1, p4) = (mid(&one, 2), mid(&four, 2));
    format!(
        "{t4:.3} s against {t1:.3} s ({:+.1} %); held {:.0} against {:.0} MB; peak {:.0} against {:.0} MB",
        (t4 / t1 - 1.0) * 100.0,
        h4 / 1e6,
        h1 / 1e6,
        p4 / 1e3,
        p1 / 1e3,
    )
}

/// The child of [`one_file_against_streams`]: one load, then `seconds held_bytes peak_anon_kb`.
fn load_once(which: &str) {
    let events = bench_events();
    let paths = match which {
        "one" => vec![demo_file(events)],
        _ => stream_files(events, 4),
    };
    let before = rss_anon_kb();
    let t = Instant::now();
    let mut store = EventStore::default();
    let inputs = paths
        .iter()
        .map(|p| Arc::new(local::open(&InputSpec::Path(p.clone())).unwrap()))
        .collect();
    let mut peak = 0;
    store.load_with(StoreLoader::many(inputs), |_| {
        peak = peak.max(rss_anon_kb());
    });
    let took = t.elapsed();
    peak = peak.max(rss_anon_kb());
    // Every event in time order, as the table shows them.
    let rows = store.filter(&FilterSet::default());
    assert_eq!(rows.len(), events);
    let times: Vec<i64> = rows.iter().filter_map(|&r| store.time_ms(r)).collect();
    assert!(times.is_sorted(), "not one timeline");
    println!(
        "{} {} {}",
        took.as_secs_f64(),
        store.memory_bytes(),
        peak.saturating_sub(before)
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--load-once") {
        load_once(&args[i + 1]);
        return;
    }
    let events = bench_events();
    let path = demo_file(events);
    // A warm page cache, as after a first look at the file.
    drop(std::fs::read(&path).unwrap());
    let styles = Styles::from_theme(Themes::load(None).default_theme());
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    println!(
        "input: {} ({events} events); a {WIDTH}×{HEIGHT} terminal\n",
        path.display()
    );

    let rss_before = rss_anon_kb();
    let started = Instant::now();
    let store = Arc::new(RwLock::new(EventStore::default()));
    let loader = {
        let store = store.clone();
        let input = Arc::new(local::open(&InputSpec::Path(path.clone())).unwrap());
        std::thread::spawn(move || {
            load_shared(&store, input, |_| {});
        })
    };
    let mut state = State::new("bench", None);
    state.width = WIDTH;
    state.height = HEIGHT;
    // First rows on screen: as soon as the store has any, filter and draw, as the console does.
    let first_rows = loop {
        let guard = store.read().unwrap();
        if !guard.is_empty() {
            loaded(&mut state, &guard);
            terminal
                .draw(|f| view::draw(f, &state, &guard, &styles))
                .unwrap();
            break (started.elapsed(), state.table.rows.len());
        }
        drop(guard);
        std::thread::sleep(Duration::from_millis(1));
    };
    loader.join().unwrap();
    let indexed = started.elapsed();
    let store = store.read().unwrap();
    let rss_after = rss_anon_kb();
    loaded(&mut state, &store);

    // Keep one user from the facets, and take the filter off again.
    let mut refilter = Vec::new();
    let mut kept = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let effects = update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        );
        settle(&mut state, &store, effects);
        for c in format!("user {DEVELOPER}").chars() {
            key(&mut state, &store, KeyCode::Char(c));
        }
        key(&mut state, &store, KeyCode::Enter);
        refilter.push(t.elapsed());
        kept = state.table.rows.len();
        key(&mut state, &store, KeyCode::Char('C'));
    }

    // Sort the whole table by user, and back to time order.
    let mut sorts = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        key(&mut state, &store, KeyCode::Char('s'));
        key(&mut state, &store, KeyCode::Char('s'));
        sorts.push(t.elapsed() / 2);
        // Past the other seven shown columns: time order again.
        for _ in 0..7 {
            key(&mut state, &store, KeyCode::Char('s'));
        }
        assert!(state.columns.sort.is_none());
    }

    // A canned query from the console: the answer, and every pane narrowed to its events.
    state.query.browser = Browser::new(&Catalog::load(None));
    let input = Arc::new(local::open(&InputSpec::Path(path.clone())).unwrap());
    let mut query = Vec::new();
    let mut answer_rows = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let mut effects = update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        );
        for c in "run aws-auth-changes".chars() {
            effects.extend(update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            ));
        }
        effects.extend(update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        ));
        let Some(Effect::RunQuery { ticket, text, .. }) = effects
            .iter()
            .find(|e| matches!(e, Effect::RunQuery { .. }))
            .cloned()
        else {
            panic!("no query run in {effects:?}");
        };
        let answer = answer_now(
            &text,
            TimeRange::default(),
            std::slice::from_ref(&input),
            &store,
        );
        let answer = answer.map_err(|f| f.message).unwrap();
        answer_rows = answer.result.rows.len();
        let effects = update(
            &mut state,
            Msg::QueryDone {
                ticket,
                outcome: Ok(Box::new(answer)),
            },
        );
        settle(&mut state, &store, effects);
        query.push(t.elapsed());
        assert!(state.query.within().is_some());
        key(&mut state, &store, KeyCode::Char('C'));
        key(&mut state, &store, KeyCode::Esc);
    }

    // Findings: every detection reads the events held once, as the runner does while they load;
    // then F opens the view with them and Enter shows one finding's events.
    let started = Instant::now();
    let mut held = HeldFindings::new(Detection::all_of(&Catalog::load(None))).unwrap();
    while held.catch_up(&store) {}
    let findings_read = started.elapsed();
    state.found = Some(Found::of(&held.hits(), &store, TimeChoice::All, false, 0));
    let fired = state.found.as_ref().unwrap().fired_by_severity();
    let started = Instant::now();
    key(&mut state, &store, KeyCode::Char('F'));
    terminal
        .draw(|f| view::draw(f, &state, &store, &styles))
        .unwrap();
    let findings_open = started.elapsed();
    assert!(state.findings.is_some());
    key(&mut state, &store, KeyCode::Esc);

    // Frames: the middle of a million rows, the detail open.
    state
        .table
        .move_by(events as isize / 2, kaudit::tui::geometry::page(&state));
    key(&mut state, &store, KeyCode::Enter);
    let mut frames = Vec::new();
    for i in 0..RUNS * 2 {
        key(
            &mut state,
            &store,
            if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            },
        );
        let t = Instant::now();
        terminal
            .draw(|f| view::draw(f, &state, &store, &styles))
            .unwrap();
        frames.push(t.elapsed());
    }

    let streams = one_file_against_streams(events);

    let rows: [(&str, String, &str); 10] = [
        (
            "first rows on screen",
            format!(
                "{:.3} s ({} rows)",
                first_rows.0.as_secs_f64(),
                first_rows.1
            ),
            "< 0.5 s",
        ),
        (
            "fully indexed",
            format!("{:.3} s ({} events)", indexed.as_secs_f64(), store.len()),
            "< 2 s",
        ),
        (
            "facet re-filter (keep one user)",
            format!(
                "{:.1} ms ({kept} rows, median of {RUNS})",
                median(refilter).as_secs_f64() * 1e3
            ),
            "< 100 ms",
        ),
        (
            "sort every row by a column (s)",
            format!(
                "{:.1} ms (median of 3, filter included)",
                median(sorts).as_secs_f64() * 1e3
            ),
            "< 100 ms",
        ),
        (
            "canned query aws-auth-changes, narrowed",
            format!(
                "{:.3} s ({answer_rows} rows, median of 3)",
                median(query).as_secs_f64()
            ),
            "-",
        ),
        (
            "every detection over the events held",
            format!(
                "{:.3} s ({} detections fired: {fired:?})",
                findings_read.as_secs_f64(),
                fired.iter().map(|(_, n)| n).sum::<usize>()
            ),
            "-",
        ),
        (
            "F: the findings view on screen",
            format!("{:.2} ms", findings_open.as_secs_f64() * 1e3),
            "< 16 ms",
        ),
        (
            "frame (table, facets, timeline, detail)",
            format!(
                "{:.2} ms (median of {})",
                median(frames).as_secs_f64() * 1e3,
                RUNS * 2
            ),
            "< 16 ms",
        ),
        (
            "memory for the loaded events",
            format!(
                "{:.0} MB held, {:.0} MB anonymous RSS growth",
                store.memory_bytes() as f64 / 1e6,
                rss_after.saturating_sub(rss_before) as f64 / 1e3
            ),
            "≤ 200 MB",
        ),
        (
            "folder of 4 streams against the one file",
            streams,
            "≤ +10 %",
        ),
    ];
    println!("{:<42} {:<48} target", "measure", "value");
    for (name, value, target) in rows {
        println!("{name:<42} {value:<48} {target}");
    }
}
