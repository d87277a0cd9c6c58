//! The console's store over the built-in demo, checked against counts made here with
//! serde_json over the same bytes: facets, filters, time, text, the timeline, input order on any
//! number of threads, and what happens to broken and cut lines.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use kaudit::audit::formats::{Origin, ProblemKind};
use kaudit::audit::time::TimeRange;
use kaudit::source::demo::{
    ATTACKER_IP, DEVELOPER, DemoConfig, ROGUE_SA, START_MICROS, demo_bytes,
};
use kaudit::source::local::LocalInput;
use kaudit::store::{EventStore, Facet, FilterSet, StoreLoader};
use serde_json::Value;

struct Demo {
    bytes: Vec<u8>,
    lines: Vec<String>,
    events: Vec<Value>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let bytes = demo_bytes(&DemoConfig {
            events: 12_000,
            seed: 7,
        });
        let text = std::str::from_utf8(&bytes).unwrap();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let events = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        Demo {
            bytes,
            lines,
            events,
        }
    })
}

fn input(name: &str, bytes: Vec<u8>) -> Arc<LocalInput> {
    Arc::new(LocalInput::from_vec(Origin::new(name, name), bytes))
}

/// Small parts, so that a demo of a few megabytes is cut into many.
const PART: usize = 64 * 1024;

fn load(bytes: &[u8], threads: usize) -> EventStore {
    let mut store = EventStore::default();
    let loader = StoreLoader::new(input("demo.jsonl", bytes.to_vec()))
        .threads(threads)
        .part_bytes(PART);
    store.load_with(loader, |_| {});
    store
}

fn loaded() -> &'static EventStore {
    static STORE: OnceLock<EventStore> = OnceLock::new();
    STORE.get_or_init(|| load(&demo().bytes, 2))
}

/// A facet's value in a serde_json event, as the store should see it.
fn expected(e: &Value, facet: Facet) -> Option<String> {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    match facet {
        Facet::User => s(&e["user"]["username"]),
        Facet::Impersonated => s(&e["impersonatedUser"]["username"]),
        Facet::SourceIp => s(&e["sourceIPs"][0]),
        Facet::Verb => s(&e["verb"]),
        Facet::Resource => match (
            s(&e["objectRef"]["resource"]),
            s(&e["objectRef"]["subresource"]),
        ) {
            (Some(r), Some(sub)) => Some(format!("{r}/{sub}")),
            (r, _) => r,
        },
        Facet::Namespace => s(&e["objectRef"]["namespace"]),
        Facet::Code => e["responseStatus"]["code"].as_i64().map(|c| c.to_string()),
        Facet::Decision => s(&e["annotations"]["authorization.k8s.io/decision"]),
        Facet::UserAgent => s(&e["userAgent"]),
        // A plain event in a file named demo.jsonl: no service, cluster, account or region named.
        Facet::Source => Some("k8s".to_string()),
        Facet::Cluster | Facet::Account | Facet::Region => None,
    }
}

fn stage_ms(e: &Value) -> i64 {
    let t: jiff::Timestamp = e["stageTimestamp"].as_str().unwrap().parse().unwrap();
    t.as_millisecond()
}

fn all_rows(store: &EventStore) -> Vec<u32> {
    (0..store.len() as u32).collect()
}

fn filter(include: &[(Facet, &str)], exclude: &[(Facet, &str)]) -> FilterSet {
    let own = |v: &[(Facet, &str)]| v.iter().map(|(f, s)| (*f, s.to_string())).collect();
    FilterSet {
        include: own(include),
        exclude: own(exclude),
        ..FilterSet::default()
    }
}

/// The rows whose serde_json event passes `keep`.
fn rows_where(keep: impl Fn(&Value) -> bool) -> Vec<u32> {
    (0..demo().events.len() as u32)
        .filter(|i| keep(&demo().events[*i as usize]))
        .collect()
}

#[test]
fn facet_counts_match_an_independent_count() {
    let store = loaded();
    let d = demo();
    assert_eq!(store.len(), d.events.len());
    let rows = all_rows(store);
    for facet in Facet::ALL {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut missing = 0;
        for e in &d.events {
            match expected(e, facet) {
                Some(v) => *counts.entry(v).or_default() += 1,
                None => missing += 1,
            }
        }
        let got = store.facet_counts(&rows, facet, usize::MAX);
        assert_eq!(got.distinct, counts.len(), "{facet:?}");
        assert_eq!(got.missing, missing, "{facet:?}");
        let got_map: BTreeMap<String, u64> = got.values.iter().cloned().collect();
        assert_eq!(got_map, counts, "{facet:?}");
        assert!(
            got.values
                .windows(2)
                .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)),
            "{facet:?}: most first, ties by value"
        );
    }
    let code = store.facet_counts(&rows, Facet::Code, usize::MAX);
    let forbidden = d
        .events
        .iter()
        .filter(|e| e["responseStatus"]["code"] == 403)
        .count();
    assert!(forbidden > 0, "the demo has refused requests");
    assert_eq!(
        code.values
            .iter()
            .find(|(v, _)| v == "403")
            .map(|(_, n)| *n),
        Some(forbidden as u64)
    );
    let decision = store.facet_counts(&rows, Facet::Decision, usize::MAX);
    let forbid = d
        .events
        .iter()
        .filter(|e| e["annotations"]["authorization.k8s.io/decision"] == "forbid")
        .count();
    assert_eq!(
        decision
            .values
            .iter()
            .find(|(v, _)| v == "forbid")
            .map(|(_, n)| *n),
        Some(forbid as u64)
    );
}

#[test]
fn rows_read_back_as_the_input_had_them() {
    let store = loaded();
    let d = demo();
    for (row, (line, e)) in d.lines.iter().zip(&d.events).enumerate() {
        let row = row as u32;
        assert_eq!(store.raw(row), line.as_bytes(), "row {row}");
        assert_eq!(store.time_ms(row), Some(stage_ms(e)), "row {row}");
        assert_eq!(
            store.name(row),
            e["objectRef"]["name"].as_str(),
            "row {row}"
        );
        let code = e["responseStatus"]["code"].as_i64();
        let denied = matches!(code, Some(401 | 403))
            || e["annotations"]["authorization.k8s.io/decision"] == "forbid";
        assert_eq!(store.denied(row), denied, "row {row}");
        assert!(!store.truncated(row));
    }
}

#[test]
fn rows_are_in_input_order_on_one_two_and_four_threads() {
    let d = demo();
    let one = load(&d.bytes, 1);
    for threads in [2, 4] {
        let many = load(&d.bytes, threads);
        assert_eq!(many.len(), one.len());
        for row in 0..one.len() as u32 {
            assert_eq!(many.raw(row), one.raw(row), "{threads} threads, row {row}");
            assert_eq!(many.time_ms(row), one.time_ms(row));
            for facet in Facet::ALL {
                assert_eq!(many.value(row, facet), one.value(row, facet));
            }
        }
    }
}

#[test]
fn includes_are_or_within_a_facet_and_and_across() {
    let store = loaded();
    let user = |e: &Value, u: &str| e["user"]["username"] == u;
    assert_eq!(
        store.filter(&filter(&[(Facet::User, DEVELOPER)], &[])),
        rows_where(|e| user(e, DEVELOPER))
    );
    let either = store.filter(&filter(
        &[(Facet::User, DEVELOPER), (Facet::User, ROGUE_SA)],
        &[],
    ));
    assert_eq!(
        either,
        rows_where(|e| user(e, DEVELOPER) || user(e, ROGUE_SA))
    );
    assert!(!either.is_empty());
    let both = store.filter(&filter(
        &[
            (Facet::SourceIp, ATTACKER_IP),
            (Facet::Verb, "list"),
            (Facet::Verb, "get"),
        ],
        &[],
    ));
    let want = rows_where(|e| {
        e["sourceIPs"][0] == ATTACKER_IP && (e["verb"] == "list" || e["verb"] == "get")
    });
    assert!(!want.is_empty());
    assert_eq!(both, want);
}

#[test]
fn an_exclude_removes_rows_even_when_included() {
    let store = loaded();
    let not_get = store.filter(&filter(&[], &[(Facet::Verb, "get")]));
    assert_eq!(not_get, rows_where(|e| e["verb"] != "get"));
    let dev_not_get = store.filter(&filter(
        &[(Facet::User, DEVELOPER)],
        &[(Facet::Verb, "get"), (Facet::Code, "200")],
    ));
    assert_eq!(
        dev_not_get,
        rows_where(|e| e["user"]["username"] == DEVELOPER
            && e["verb"] != "get"
            && e["responseStatus"]["code"] != 200)
    );
    assert!(
        store
            .filter(&filter(&[(Facet::Verb, "get")], &[(Facet::Verb, "get")]))
            .is_empty()
    );
}

#[test]
fn a_time_range_keeps_events_from_its_start_to_before_its_end() {
    let store = loaded();
    let start = START_MICROS / 1000 + 3_600_000;
    let end = start + 1_800_000;
    let f = FilterSet {
        range: TimeRange {
            start_ms: Some(start),
            end_ms: Some(end),
        },
        ..FilterSet::default()
    };
    let want = rows_where(|e| (start..end).contains(&stage_ms(e)));
    assert!(!want.is_empty() && want.len() < demo().events.len());
    assert_eq!(store.filter(&f), want);
}

#[test]
fn text_search_ignores_case() {
    let store = loaded();
    let f = FilterSet {
        text: Some(DEVELOPER.to_uppercase()),
        ..FilterSet::default()
    };
    let want: Vec<u32> = (0..demo().lines.len() as u32)
        .filter(|i| demo().lines[*i as usize].to_lowercase().contains(DEVELOPER))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(store.filter(&f), want);
}

#[test]
fn the_timeline_counts_every_timed_row_and_the_refused_ones() {
    let store = loaded();
    let rows = all_rows(store);
    let h = store.histogram(&rows).bars(120);
    assert!(
        h.buckets.len() <= 120 && h.buckets.len() > 60,
        "{}",
        h.buckets.len()
    );
    assert_eq!(h.untimed, 0);
    let total: u64 = h.buckets.iter().map(|b| b.total).sum();
    let denied: u64 = h.buckets.iter().map(|b| b.denied).sum();
    assert_eq!(total, rows.len() as u64);
    let want = rows_where(|e| {
        matches!(e["responseStatus"]["code"].as_i64(), Some(401 | 403))
            || e["annotations"]["authorization.k8s.io/decision"] == "forbid"
    });
    assert_eq!(denied, want.len() as u64);
    let first = demo().events.iter().map(stage_ms).min().unwrap();
    assert_eq!(h.first_ms, first);
    assert!(h.start_ms <= first && first - h.start_ms < h.bucket_ms);
    // Each event falls in the bucket its time says.
    for (row, e) in demo().events.iter().enumerate().step_by(97) {
        let b = ((stage_ms(e) - h.start_ms) / h.bucket_ms) as usize;
        assert!(h.buckets[b].total > 0, "row {row}");
    }
}

#[test]
fn broken_lines_are_counted_where_they_are_and_cut_events_kept() {
    let d = demo();
    let mut text = String::new();
    let mut broken = Vec::new();
    // Not JSON, and JSON that ends early: both broken lines, neither a cut event.
    let bad = [
        "{\"kind\":\"Event\", this is not JSON",
        "{\"kind\":\"Event\",\"this is broken",
    ];
    for (i, line) in d.lines.iter().enumerate() {
        if i % 2500 == 100 {
            text.push_str(bad[broken.len() % 2]);
            text.push('\n');
            broken.push(text.lines().count() as u64);
        }
        text.push_str(line);
        text.push('\n');
    }
    // The last event cut as CloudWatch cuts one past its 256 KB cap.
    let last = d.lines.last().unwrap();
    let grown = last.replacen(
        "\"annotations\"",
        &format!(
            "\"requestObject\":{{\"data\":\"{}\"}},\"annotations\"",
            "x".repeat(300_000)
        ),
        1,
    );
    let cut = &grown[..262_144 - 26];
    text.push_str(cut);
    let store = load(text.as_bytes(), 2);
    assert_eq!(store.len(), d.events.len() + 1);
    let report = &store.problems()[0];
    assert_eq!(report.malformed, broken.len() as u64);
    assert_eq!(report.truncated, 1);
    let malformed: Vec<u64> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Malformed)
        .map(|p| p.line)
        .collect();
    assert_eq!(malformed, broken);
    let row = (store.len() - 1) as u32;
    assert!(store.truncated(row));
    assert_eq!(store.raw(row), cut.as_bytes());
    assert_eq!(store.raw(row - 1), last.as_bytes());
    assert_eq!(store.problem_count(), broken.len() as u64 + 1);
}

#[test]
fn push_owned_appends_after_a_load() {
    let d = demo();
    let mut store = load(&d.bytes[..d.lines[0].len() + 1], 1);
    assert_eq!(store.len(), 1);
    let row = store.push_owned(d.lines[1].as_bytes()).unwrap();
    assert_eq!(row, 1);
    assert_eq!(store.raw(1), d.lines[1].as_bytes());
    assert_eq!(
        store.value(1, Facet::User),
        d.events[1]["user"]["username"].as_str()
    );
    assert!(store.push_owned(b"{\"kind\":").is_err());
    assert_eq!(store.len(), 2);
    assert_eq!(store.problem_count(), 1);
    let users = store.filter(&filter(
        &[(Facet::Verb, d.events[1]["verb"].as_str().unwrap())],
        &[],
    ));
    assert!(users.contains(&1));
}

#[test]
fn memory_stays_compact() {
    let store = loaded();
    let per_event = store.memory_bytes() / store.len();
    assert!(per_event < 150, "{per_event} bytes per event");
}
