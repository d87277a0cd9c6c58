use std::sync::Arc;

use super::*;
use crate::audit::decode::{Depth, decode_event};
use crate::catalog::{Catalog, Severity};
use crate::engine::compile::{Target, compile};
use crate::engine::finding::HitRef;
use crate::engine::local::detect;
use crate::source::demo::{DemoConfig, demo_bytes};
use crate::source::local::{LocalInput, path_origin};

fn demo_input(events: usize) -> Arc<LocalInput> {
    let bytes = demo_bytes(&DemoConfig { events, seed: 7 });
    Arc::new(LocalInput::from_vec(
        path_origin("demo.jsonl".as_ref()),
        bytes,
    ))
}

fn store_of(input: &Arc<LocalInput>) -> EventStore {
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    store
}

fn caught_up(detections: Vec<Detection>, store: &EventStore) -> HeldFindings {
    let mut held = HeldFindings::new(detections).expect("compiles");
    while held.catch_up(store) {}
    held
}

fn audit_ids(store: &EventStore, rows: &[u32]) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .iter()
        .map(|&r| {
            let event = decode_event(store.raw(r), Depth::Minimal).expect("an event");
            event.audit_id.unwrap_or_default().to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_held_events_give_every_detection_the_hits_of_the_one_pass_over_the_file() {
    let input = demo_input(20_000);
    let store = store_of(&input);
    let detections = Detection::all_of(&Catalog::load(None));
    let held = caught_up(detections.clone(), &store);
    let hits = held.hits();
    assert_eq!(hits.read, store.len());
    let (findings, _) = detect(&detections, &[&*input], TimeRange::default()).expect("runs");
    let mut fired = 0;
    for (i, finding) in findings.iter().enumerate() {
        let rows = hits.rows[i].as_ref().expect("every detection is per event");
        let mut want: Vec<String> = finding
            .refs
            .iter()
            .map(|r| match r {
                HitRef::AuditId(id) => id.clone(),
                HitRef::At(at) => panic!("a demo event without an audit ID: {at}"),
            })
            .collect();
        want.sort();
        assert_eq!(audit_ids(&store, rows), want, "{}", finding.name);
        fired += usize::from(!rows.is_empty());
    }
    // Not a vacuous agreement: the demo's incident fires several detections.
    assert!(fired >= 5, "{fired} detections fired");
}

#[test]
fn events_that_arrive_later_are_read_once_and_only_they() {
    let input = demo_input(3_000);
    let whole = store_of(&input);
    let detections = Detection::all_of(&Catalog::load(None));
    let all = caught_up(detections.clone(), &whole).hits();
    // The same events, the second half pushed one by one as a followed file adds them.
    let mut store = EventStore::default();
    let lines: Vec<&[u8]> = input.bytes().split(|&b| b == b'\n').collect();
    let half = lines.len() / 2;
    for line in &lines[..half] {
        store.push_owned(line).expect("an event");
    }
    let mut held = HeldFindings::new(detections).expect("compiles");
    while held.catch_up(&store) {}
    assert_eq!(held.read(), half);
    for line in lines[half..].iter().filter(|l| !l.is_empty()) {
        store.push_owned(line).expect("an event");
    }
    let before: Vec<usize> = held.hits().rows.iter().flatten().map(|r| r.len()).collect();
    while held.catch_up(&store) {}
    let after = held.hits();
    assert_eq!(after.read, whole.len());
    for (i, rows) in after.rows.iter().enumerate() {
        let (rows, want) = (
            rows.as_ref().expect("per event"),
            all.rows[i].as_ref().expect("per event"),
        );
        assert_eq!(rows, want, "{}", after.detections[i].name);
        // What was found before the new events is kept, not found again.
        assert_eq!(&rows[..before[i]], &want[..before[i]]);
    }
}

#[test]
fn a_new_store_is_read_from_its_start() {
    let input = demo_input(3_000);
    let store = store_of(&input);
    let detections = Detection::all_of(&Catalog::load(None));
    let mut held = caught_up(detections, &store);
    let first = held.hits().rows;
    let small = EventStore::default();
    held.catch_up(&small);
    assert_eq!(held.read(), 0);
    assert!(held.hits().rows.iter().flatten().all(|r| r.is_empty()));
    while held.catch_up(&store) {}
    assert_eq!(held.hits().rows.len(), first.len());
    for (a, b) in held.hits().rows.iter().zip(&first) {
        assert_eq!(a, b);
    }
}

fn detection(name: &str, text: &str) -> Detection {
    Detection {
        name: name.into(),
        text: text.into(),
        severity: Severity::High,
        description: String::new(),
    }
}

#[test]
fn a_detection_that_counts_is_not_read_event_by_event() {
    let input = demo_input(1_000);
    let store = store_of(&input);
    let held = caught_up(
        vec![
            detection("counts", "stats count(*) by verb"),
            detection("first", "filter verb = 'delete' | limit 1"),
            detection("deletes", "filter verb = 'delete' | sort @timestamp desc"),
        ],
        &store,
    );
    let hits = held.hits();
    assert!(hits.rows[0].is_none());
    assert!(hits.rows[1].is_none());
    let deletes = hits.rows[2].as_ref().expect("per event");
    assert!(!deletes.is_empty());
    assert!(
        deletes
            .iter()
            .all(|&r| store.value(r, crate::store::Facet::Verb) == Some("delete"))
    );
}

#[test]
fn a_range_keeps_the_hits_of_its_time_and_the_answer_shows_exactly_them() {
    let input = demo_input(3_000);
    let store = store_of(&input);
    let held = caught_up(
        vec![detection(
            "deletes",
            "fields @timestamp, verb, auditID | filter verb = 'delete' | sort @timestamp desc",
        )],
        &store,
    );
    let hits = held.hits();
    let all = hits
        .rows_in(0, &store, TimeRange::default())
        .expect("per event");
    assert!(all.len() > 4, "{} deletes", all.len());
    let mut times: Vec<i64> = all.iter().filter_map(|&r| store.time_ms(r)).collect();
    times.sort_unstable();
    let range = TimeRange {
        start_ms: Some(times[times.len() / 2]),
        end_ms: None,
    };
    let later = hits.rows_in(0, &store, range).expect("per event");
    assert!(!later.is_empty() && later.len() < all.len());
    assert!(later.iter().all(|&r| range.contains(store.time_ms(r))));
    let compiled = compile(&hits.detections[0].text, Target::LocalTied).expect("compiles");
    let (result, row_of) = answer_over(&compiled, &store, &later).expect("a plan");
    assert_eq!(result.columns, ["@timestamp", "verb", "auditID"]);
    let mut tied: Vec<u32> = row_of.iter().map(|r| r.expect("tied")).collect();
    tied.sort_unstable();
    assert_eq!(tied, *later);
}
