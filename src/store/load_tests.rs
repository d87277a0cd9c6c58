use std::sync::atomic::AtomicBool;

use super::*;
use crate::audit::formats::{Origin, ProblemKind};
use crate::store::testing::{Ev, input};
use crate::store::{Facet, FilterSet};

/// Lines of varied events, with broken lines at known places (1-based line numbers).
fn lines_with_problems(n: usize) -> (Vec<String>, Vec<u64>) {
    let users = [
        "alice",
        "bob",
        "carol",
        "system:serviceaccount:kube-system:node-agent",
    ];
    let verbs = ["get", "list", "watch", "create", "delete"];
    let mut lines = Vec::new();
    let mut broken = Vec::new();
    for i in 0..n {
        if i % 397 == 5 {
            lines.push(r#"{"kind": 0, "oops": "#.to_string() + &"x".repeat(i % 50));
            broken.push(lines.len() as u64);
        }
        let ev = Ev {
            user: Some(users[i % users.len()]),
            verb: verbs[i % verbs.len()],
            code: Some(if i % 11 == 0 { 403 } else { 200 }),
            namespace: (i % 3 != 0).then_some("team-a"),
            second: (i / 10) as u32,
            ..Ev::default()
        };
        lines.push(ev.line());
    }
    (lines, broken)
}

type Snapshot = Vec<(
    Option<i64>,
    Vec<Option<String>>,
    Option<String>,
    Vec<u8>,
    bool,
    bool,
)>;

fn snapshot(store: &EventStore) -> Snapshot {
    (0..store.len() as u32)
        .map(|row| {
            (
                store.time_ms(row),
                Facet::ALL
                    .iter()
                    .map(|f| store.value(row, *f).map(String::from))
                    .collect(),
                store.name(row).map(String::from),
                store.raw(row).to_vec(),
                store.truncated(row),
                store.denied(row),
            )
        })
        .collect()
}

fn load(input: &Arc<LocalInput>, threads: usize, part_bytes: usize) -> (EventStore, ScanReport) {
    let mut store = EventStore::default();
    let loader = StoreLoader::new(input.clone())
        .threads(threads)
        .part_bytes(part_bytes);
    let report = store.load_with(loader, |_| {}).pop().unwrap();
    (store, report)
}

#[test]
fn rows_and_problems_are_the_same_on_any_number_of_threads() {
    let (lines, broken) = lines_with_problems(3000);
    let input = input("many.log", &lines);
    let (one, one_report) = load(&input, 1, 1 << 30);
    assert_eq!(one.len(), 3000);
    assert_eq!(one_report.malformed, broken.len() as u64);
    let at: Vec<u64> = one_report.problems.iter().map(|p| p.line).collect();
    assert_eq!(at, broken[..at.len()]);
    let expected = snapshot(&one);
    for threads in [1, 2, 4] {
        let (store, report) = load(&input, threads, 16 * 1024);
        assert_eq!(snapshot(&store), expected, "{threads} threads");
        assert_eq!(report, one_report, "{threads} threads");
        assert_eq!(store.problems(), std::slice::from_ref(&one_report));
    }
}

#[test]
fn raw_is_exactly_the_line() {
    let (lines, _) = lines_with_problems(500);
    let events: Vec<&String> = lines.iter().filter(|l| l.contains("auditID")).collect();
    let input = input("raw.log", &lines);
    let (store, _) = load(&input, 2, 8 * 1024);
    assert_eq!(store.len(), events.len());
    for (row, line) in events.iter().enumerate() {
        assert_eq!(store.raw(row as u32), line.as_bytes());
    }
}

#[test]
fn a_cut_last_event_is_kept_and_marked() {
    let whole = Ev::default().line();
    let cut = Ev {
        verb: "delete",
        ..Ev::default()
    }
    .cut_line();
    let text = format!("{whole}\n{cut}");
    let input = Arc::new(LocalInput::from_vec(Origin::new("cut", "cut"), text.into()));
    let (store, report) = load(&input, 2, 1 << 20);
    assert_eq!(store.len(), 2);
    assert!(!store.truncated(0));
    assert!(store.truncated(1));
    assert_eq!(store.value(1, Facet::Verb), Some("delete"));
    assert_eq!(store.raw(1), cut.as_bytes());
    assert_eq!(report.truncated, 1);
    assert_eq!(report.problems[0].kind, ProblemKind::Truncated);
    assert_eq!(report.problems[0].line, 2);
}

#[test]
fn batches_arrive_in_order_and_progress_grows() {
    let (lines, _) = lines_with_problems(2000);
    let input = input("progress.log", &lines);
    let total = input.bytes().len() as u64;
    let mut store = EventStore::default();
    let mut seen = Vec::new();
    store.load_with(
        StoreLoader::new(input).threads(2).part_bytes(32 * 1024),
        |p| seen.push(p),
    );
    assert!(seen.len() > 4, "the input was cut into parts");
    assert!(seen.windows(2).all(|w| w[0].events <= w[1].events));
    assert!(seen.windows(2).all(|w| w[0].bytes_done < w[1].bytes_done));
    let last = seen.last().unwrap();
    assert_eq!((last.bytes_done, last.bytes_total), (total, total));
    assert_eq!(last.events, 2000);
    assert_eq!(last.problems, store.problem_count());
}

#[test]
fn a_loader_stops_when_told() {
    let (lines, _) = lines_with_problems(2000);
    let input = input("stop.log", &lines);
    let mut batches = 0;
    let mut rows = 0;
    let done = StoreLoader::new(input.clone())
        .threads(2)
        .part_bytes(32 * 1024)
        .run(|batch| {
            batches += 1;
            rows += batch.len();
            ControlFlow::Break(())
        });
    assert!(!done);
    assert_eq!(batches, 1);
    assert!(rows > 0 && rows < 2000);
    let cancel = Arc::new(AtomicBool::new(true));
    let done = StoreLoader::new(input)
        .cancel_on(cancel)
        .run(|_| ControlFlow::Continue(()));
    assert!(!done);
}

#[test]
fn inputs_follow_one_another_and_keep_their_own_reports() {
    let a = input("a.log", &[Ev::default().line(), "garbage".to_string()]);
    let b_line = Ev {
        user: Some("bob"),
        ..Ev::default()
    }
    .line();
    let b = input("b.log", std::slice::from_ref(&b_line));
    let empty = Arc::new(LocalInput::from_vec(Origin::new("empty", "e"), Vec::new()));
    let mut store = EventStore::default();
    store.load(a, 2, |_| {});
    store.load(empty, 2, |_| {});
    store.push_owned(Ev::default().line().as_bytes()).unwrap();
    store.load(b, 2, |_| {});
    assert_eq!(store.len(), 3);
    assert_eq!(store.value(2, Facet::User), Some("bob"));
    assert_eq!(store.raw(2), b_line.as_bytes());
    let names: Vec<&str> = store.problems().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a.log", "empty", crate::store::APPENDED, "b.log"]);
    assert_eq!(store.problems()[0].malformed, 1);
    assert_eq!(store.problems()[0].problems[0].line, 2);
    assert!(store.problems()[1].not_audit_data.is_some());
}

#[test]
fn unescaped_messages_are_kept_in_the_arena() {
    let message = Ev::default().line();
    let doc = serde_json::json!({
        "events": [
            {"logStreamName": "kube-apiserver-audit-1", "timestamp": 1_793_606_400_500_i64,
             "message": message, "ingestionTime": 1_793_606_401_000_i64, "eventId": "1"}
        ]
    });
    let input = Arc::new(LocalInput::from_vec(
        Origin::new("cw.json", "cw"),
        doc.to_string().into_bytes(),
    ));
    let (store, report) = load(&input, 2, 1 << 20);
    assert_eq!(report.events, 1);
    assert_eq!(store.raw(0), message.as_bytes());
    assert_eq!(store.time_ms(0), Some(1_793_606_400_500));
}

#[test]
fn load_shared_lets_readers_in_between_parts() {
    let (lines, _) = lines_with_problems(1500);
    let input = input("shared.log", &lines);
    let store = RwLock::new(EventStore::default());
    let mut lens = Vec::new();
    let reports = load_shared_with(&store, StoreLoader::new(input).part_bytes(32 * 1024), |p| {
        // The lock is free when progress is told: a reader sees the rows so far.
        lens.push((p.events, store.read().unwrap().len()));
    });
    assert!(lens.len() > 2);
    assert!(lens.iter().all(|(told, held)| told == held));
    assert_eq!(store.read().unwrap().len(), 1500);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].events, 1500);
}

/// `<source id>:<offset>` of each line of `lines` joined as [`input`] joins them.
fn ptrs(source: &str, lines: &[String]) -> Vec<String> {
    let mut at = 0;
    lines
        .iter()
        .map(|line| {
            let ptr = format!("{source}:{at}");
            at += line.len() + 1;
            ptr
        })
        .collect()
}

#[test]
fn every_loaded_row_is_found_by_its_offset_whatever_the_parts() {
    let (lines, broken) = lines_with_problems(2000);
    let input = input("ptr.log", &lines);
    let all = ptrs("ptr.log", &lines);
    for part_bytes in [4 * 1024, 64 * 1024, 1 << 30] {
        let (store, _) = load(&input, 3, part_bytes);
        let mut row = 0;
        for (i, ptr) in all.iter().enumerate() {
            if broken.contains(&(i as u64 + 1)) {
                assert_eq!(store.row_of_ptr(ptr), None, "a broken line is no row");
                continue;
            }
            assert_eq!(store.row_of_ptr(ptr), Some(row), "{ptr} ({part_bytes})");
            assert_eq!(store.ptr(row).as_deref(), Some(ptr.as_str()));
            assert_eq!(store.raw(row), lines[i].as_bytes());
            row += 1;
        }
        assert_eq!(row as usize, store.len());
        let found = store.rows_of_ptrs(all.iter().map(String::as_str));
        assert_eq!(found.iter().flatten().count(), store.len());
        assert!(found.windows(2).all(|w| w[0] < w[1] || w[1].is_none()));
    }
}

#[test]
fn a_ptr_of_another_source_or_between_records_finds_nothing() {
    let lines: Vec<String> = (0..20)
        .map(|i| {
            Ev {
                second: i,
                ..Ev::default()
            }
            .line()
        })
        .collect();
    let (store, _) = load(&input("a.log", &lines), 2, 1024);
    let second = ptrs("a.log", &lines)[1].clone();
    let offset: u64 = second["a.log:".len()..].parse().unwrap();
    assert_eq!(store.row_of_ptr(&second), Some(1));
    for wrong in [
        format!("b.log:{offset}"),
        format!("a.log:{}", offset + 1),
        format!("a.log:{}", offset - 1),
        format!("a.log:{}", u64::MAX),
        "a.log:".to_string(),
        "a.log:-1".to_string(),
        "a.log".to_string(),
        String::new(),
    ] {
        assert_eq!(store.row_of_ptr(&wrong), None, "{wrong}");
    }
}

#[test]
fn pushed_texts_are_never_found_and_do_not_shift_an_input_being_loaded() {
    let (lines, _) = lines_with_problems(600);
    let input = input("mixed.log", &lines);
    let shared = RwLock::new(EventStore::default());
    let pushed_line = Ev::default().line();
    let push = || {
        let mut store = shared.write().unwrap();
        store.push_owned(pushed_line.as_bytes()).unwrap();
    };
    push();
    let mut batches = 0;
    load_shared_with(
        &shared,
        StoreLoader::new(input.clone())
            .threads(2)
            .part_bytes(16 * 1024),
        |_| {
            batches += 1;
            // A followed file's event arriving while the load goes on.
            push();
        },
    );
    let store = shared.into_inner().unwrap();
    assert!(batches > 2);
    let (alone, _) = load(&input, 1, 1 << 30);
    let mut loaded = 0;
    for row in 0..store.len() as u32 {
        let pushed = row == 0 || store.raw(row) == Ev::default().line().as_bytes();
        if pushed {
            // Its offset, taken as if the pushed texts were one input, names nothing.
            assert_eq!(store.row_of_ptr(&format!("mixed.log:{}", u64::MAX)), None);
            continue;
        }
        let ptr = ptrs("mixed.log", &lines)
            .into_iter()
            .zip(&lines)
            .find(|(_, line)| line.as_bytes() == store.raw(row))
            .map(|(ptr, _)| ptr)
            .unwrap();
        assert_eq!(store.row_of_ptr(&ptr), Some(row), "{ptr}");
        assert_eq!(store.ptr(row).as_deref(), Some(ptr.as_str()));
        assert_eq!(alone.row_of_ptr(&ptr), Some(loaded));
        loaded += 1;
    }
    assert_eq!(loaded as usize, alone.len());
    assert_eq!(store.len(), alone.len() + batches + 1);
    // One report for the input, whatever the pushes in between.
    let names: Vec<&str> = store.problems().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, [crate::store::APPENDED, "mixed.log"]);
    assert_eq!(store.problems()[1], alone.problems()[0]);
}

/// Stream `which` of two, as EKS writes one per API server: every other event of a timeline
/// with millisecond times, users alternating.
fn stream(which: usize, events: usize) -> Vec<String> {
    (0..events)
        .filter(|i| i % 2 == which)
        .map(|i| {
            let user = if i % 3 == 0 { "alice" } else { "bob" };
            let (s, ms) = (i * 137 / 1000, (i * 137) % 1000);
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{i}","stage":"ResponseComplete","verb":"get","user":{{"username":"{user}"}},"stageTimestamp":"2026-11-02T08:{:02}:{:02}.{ms:03}123Z"}}"#,
                s / 60,
                s % 60
            )
        })
        .collect()
}

fn times(store: &EventStore, rows: &[u32]) -> Vec<i64> {
    rows.iter().filter_map(|&r| store.time_ms(r)).collect()
}

#[test]
fn streams_read_one_after_another_are_one_timeline() {
    let mut store = EventStore::default();
    for which in [0, 1] {
        let loader = StoreLoader::new(input(&format!("s{which}"), &stream(which, 3000)))
            .threads(2)
            .part_bytes(4096);
        store.load_with(loader, |_| {});
    }
    assert_eq!(store.len(), 3000);
    let all = store.filter(&FilterSet::default());
    assert_eq!(all.len(), 3000);
    let t = times(&store, &all);
    assert!(t.is_sorted(), "not in time order");
    // Every event once: the audit IDs in order are the timeline's.
    let ids: Vec<String> = all
        .iter()
        .map(|&r| {
            let raw = String::from_utf8_lossy(store.raw(r)).into_owned();
            raw.split("\"auditID\":\"id-")
                .nth(1)
                .unwrap_or("")
                .split('"')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let expected: Vec<String> = {
        let mut by_time: Vec<(i64, usize)> = (0..3000).map(|i| (t_of(i), i)).collect();
        by_time.sort();
        by_time.iter().map(|(_, i)| i.to_string()).collect()
    };
    assert_eq!(ids, expected);
    // A facet filter answers in the same order.
    let bob = store.filter(&FilterSet {
        include: vec![(Facet::User, "bob".into())],
        ..FilterSet::default()
    });
    assert_eq!(bob.len(), 2000);
    assert!(times(&store, &bob).is_sorted());
}

/// The time `stream` gives event `i`, in ms (whole ms: the micros are cut).
fn t_of(i: usize) -> i64 {
    let (s, ms) = ((i * 137 / 1000) as i64, ((i * 137) % 1000) as i64);
    1_793_606_400_000 + s * 1000 + ms
}

#[test]
fn an_event_that_arrives_late_takes_its_place() {
    let mut store = EventStore::default();
    store.load(input("a", &stream(0, 400)), 1, |_| {});
    let late = stream(1, 400)[10].clone();
    let row = store.push_owned(late.as_bytes()).unwrap();
    // Placed when read, before and after it is merged.
    for settle in [false, true] {
        if settle {
            store.settle();
        }
        let all = store.filter(&FilterSet::default());
        assert!(times(&store, &all).is_sorted());
        let at = all.iter().position(|&r| r == row).unwrap();
        assert!(at > 0 && at < all.len() - 1, "at {at}");
    }
}

#[test]
fn streams_read_together_join_in_time_order_with_no_permutation() {
    let streams = [input("s0", &stream(0, 3000)), input("s1", &stream(1, 3000))];
    let mut store = EventStore::default();
    let reports = store.load_with(
        StoreLoader::many(streams.to_vec())
            .threads(2)
            .part_bytes(4096),
        |_| {},
    );
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].name, "s0");
    assert_eq!(store.len(), 3000);
    // Appended in time order: the rows are the timeline by themselves.
    let in_rows: Vec<i64> = (0..3000).filter_map(|r| store.time_ms(r)).collect();
    assert!(in_rows.is_sorted());
    assert_eq!(store.order.permutation(), None);
    let all = store.filter(&FilterSet::default());
    assert_eq!(all, (0..3000).collect::<Vec<u32>>());
    // Every event keeps its own text and is found by its pointer.
    for (which, lines) in [stream(0, 3000), stream(1, 3000)].iter().enumerate() {
        let source = format!("s{which}");
        let found = store.rows_of_ptrs(ptrs(&source, lines).iter().map(String::as_str));
        for (line, row) in lines.iter().zip(found) {
            let row = row.expect("every event is found by its @ptr");
            assert_eq!(store.raw(row), line.as_bytes());
        }
    }
}

#[test]
fn a_stream_out_of_order_across_its_parts_is_still_one_timeline() {
    // The second half of a stream written before its first half: the merge cannot promise
    // order, and the store's order puts the late rows in place.
    let mut late = stream(0, 2000);
    let first: Vec<String> = late.drain(..500).collect();
    late.extend(first);
    let streams = [input("late", &late), input("s1", &stream(1, 2000))];
    let mut store = EventStore::default();
    store.load_with(
        StoreLoader::many(streams.to_vec())
            .threads(2)
            .part_bytes(4096),
        |_| {},
    );
    let all = store.filter(&FilterSet::default());
    assert_eq!(all.len(), 2000);
    assert!(times(&store, &all).is_sorted());
}
