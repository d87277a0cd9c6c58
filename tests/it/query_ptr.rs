//! A query's rows tied back to the events the console holds, through `@ptr`: over raw audit
//! lines and over CloudWatch JSON (whose messages the store keeps unescaped), read in many parts,
//! and for events appended one by one from a followed file.

use std::ops::ControlFlow;
use std::sync::Arc;

use kaudit::audit::Depth;
use kaudit::audit::time::TimeRange;
use kaudit::insights::exec::{Plan, QueryResult};
use kaudit::insights::parser::parse;
use kaudit::insights::value::Value;
use kaudit::source::demo::{DemoConfig, demo_bytes};
use kaudit::source::local::{LocalInput, LocalQuery, path_origin};
use kaudit::store::{EventStore, StoreLoader};

fn plan(text: &str) -> Plan {
    Plan::with_ptr(&parse(text).unwrap()).unwrap()
}

/// The query over `input`, read in parts of `part` bytes on two threads.
fn run(plan: &Plan, input: &LocalInput, part: usize) -> QueryResult {
    let mut query = LocalQuery::new(plan, TimeRange::default())
        .threads(2)
        .part_bytes(part);
    query.read(input).unwrap();
    query.finish()
}

fn loaded(input: &Arc<LocalInput>, part: usize) -> EventStore {
    let mut store = EventStore::default();
    store.load_with(
        StoreLoader::new(input.clone()).threads(2).part_bytes(part),
        |_| {},
    );
    store
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Every row's `@ptr` names the store row whose text is the row's `@message`.
fn assert_tied(plan: &Plan, result: &QueryResult, store: &EventStore) -> usize {
    let ptr = plan.ptr_column().unwrap();
    let message = result.columns.iter().position(|c| c == "@message").unwrap();
    for row in &result.rows {
        let at = store
            .row_of_ptr(&text(&row[ptr]))
            .unwrap_or_else(|| panic!("no row for {:?}", row[ptr]));
        assert_eq!(
            String::from_utf8_lossy(store.raw(at)),
            text(&row[message]),
            "{:?}",
            row[ptr]
        );
    }
    result.rows.len()
}

fn demo_input(events: usize) -> Arc<LocalInput> {
    let data = demo_bytes(&DemoConfig { events, seed: 3 });
    Arc::new(LocalInput::from_vec(path_origin("demo".as_ref()), data))
}

#[test]
fn rows_of_raw_audit_lines_find_their_events_whatever_the_parts() {
    let input = demo_input(3_000);
    for part in [4 << 10, 64 << 10, 1 << 30] {
        let store = loaded(&input, part);
        let p = plan(r#"filter verb in ["create", "delete"]"#);
        let result = run(&p, &input, 16 << 10);
        assert!(p.ptr_appended());
        assert_eq!(result.columns.last().map(String::as_str), Some("@ptr"));
        assert!(assert_tied(&p, &result, &store) > 10);
        // Through a sort and a limit.
        let p = plan("fields @timestamp, @message, verb | sort @timestamp desc | limit 25");
        let result = run(&p, &input, 16 << 10);
        assert_eq!(assert_tied(&p, &result, &store), 25);
    }
}

#[test]
fn rows_of_cloudwatch_json_find_their_unescaped_events() {
    let lines: Vec<String> = String::from_utf8(demo_bytes(&DemoConfig {
        events: 200,
        seed: 4,
    }))
    .unwrap()
    .lines()
    .map(str::to_string)
    .collect();
    let events: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::json!({
                "logStreamName": "kube-apiserver-audit-1",
                "timestamp": 1_793_607_400_000_i64 + i as i64,
                "message": m,
                "ingestionTime": 1_793_607_400_500_i64 + i as i64,
                "eventId": format!("{i:056}"),
            })
        })
        .collect();
    let doc = serde_json::to_string_pretty(&serde_json::json!({ "events": events })).unwrap();
    let input = Arc::new(LocalInput::from_vec(
        path_origin("page.json".as_ref()),
        doc.into_bytes(),
    ));
    let store = loaded(&input, 8 << 10);
    assert_eq!(store.len(), 200);
    let p = plan("fields @message | filter verb != \"get\"");
    let result = run(&p, &input, 8 << 10);
    assert!(assert_tied(&p, &result, &store) > 5);
}

#[test]
fn a_ptr_elsewhere_finds_nothing() {
    let input = demo_input(300);
    let store = loaded(&input, 4 << 10);
    let p = plan("limit 3");
    let result = run(&p, &input, 4 << 10);
    let ptr = text(&result.rows[1][p.ptr_column().unwrap()]);
    let (source, offset) = ptr.rsplit_once(':').unwrap();
    let offset: u64 = offset.parse().unwrap();
    assert!(store.row_of_ptr(&ptr).is_some());
    assert_eq!(store.row_of_ptr(&format!("0000000000:{offset}")), None);
    assert_eq!(store.row_of_ptr(&format!("{source}:{}", offset + 1)), None);
    assert_eq!(store.row_of_ptr(&format!("{source}:x")), None);
    assert_eq!(store.row_of_ptr("no colon"), None);
}

#[test]
fn events_appended_one_by_one_are_found_by_their_file_offset() {
    let input = demo_input(100);
    let mut store = EventStore::default();
    // A followed file: its records pushed as read; two texts pushed bare have no place.
    let bare = String::from_utf8(demo_bytes(&DemoConfig { events: 2, seed: 9 })).unwrap();
    for line in bare.lines() {
        store.push_owned(line.as_bytes()).unwrap();
    }
    input.scan(Depth::Table, |record| {
        store.push_record(record);
        ControlFlow::Continue(())
    });
    let p = plan("fields @message | filter verb = \"get\"");
    let result = run(&p, &input, 1 << 30);
    assert!(assert_tied(&p, &result, &store) > 5);
    assert_eq!(store.row_of_ptr(&format!("{}:0", "stdin")), None);
}

#[test]
fn groups_have_no_ptr_and_an_asked_ptr_is_not_repeated() {
    let p = plan("stats count(*) by verb");
    assert_eq!(p.ptr_column(), None);
    assert!(!p.ptr_appended());
    let p = plan("fields @ptr, verb");
    assert_eq!(p.ptr_column(), Some(0));
    assert!(!p.ptr_appended());
    let input = demo_input(50);
    let result = run(&p, &input, 1 << 30);
    assert_eq!(result.columns, ["@ptr", "verb"]);
    // Plan::new is unchanged: no @ptr it was not asked for.
    let plain = Plan::new(&parse("filter verb = \"get\"").unwrap()).unwrap();
    assert_eq!(plain.ptr_column(), None);
}

#[test]
fn rows_of_every_file_format_find_their_events() {
    let lines: Vec<String> = String::from_utf8(demo_bytes(&DemoConfig {
        events: 60,
        seed: 5,
    }))
    .unwrap()
    .lines()
    .map(str::to_string)
    .collect();
    let values: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let export: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("2026-11-02T08:{:02}:00.000Z {l}\n", i % 60))
        .collect();
    // Pretty-printed documents back to back, with and without a line between.
    let documents = values
        .iter()
        .enumerate()
        .map(|(i, v)| serde_json::to_string_pretty(v).unwrap() + ["\n", ""][i % 2])
        .collect::<String>();
    let array = serde_json::to_string_pretty(&values).unwrap();
    let list = serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1",
        "metadata": {}, "items": values})
    .to_string();
    let subscription = lines
        .chunks(25)
        .map(|c| {
            let events: Vec<_> = c
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    serde_json::json!({"id": format!("{i:056}"),
                    "timestamp": 1_793_607_500_000_i64 + i as i64, "message": m})
                })
                .collect();
            serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "123456789012",
                "logGroup": "/aws/eks/prod/cluster", "logStream": "kube-apiserver-audit-1",
                "subscriptionFilters": ["to-firehose"], "logEvents": events})
            .to_string()
        })
        .collect::<String>();
    for (name, text) in [
        ("export.log", export),
        ("documents.json", documents),
        ("array.json", array),
        ("list.json", list),
        ("firehose-1", subscription),
    ] {
        let input = Arc::new(LocalInput::from_vec(
            path_origin(name.as_ref()),
            text.into_bytes(),
        ));
        let store = loaded(&input, 1 << 10);
        assert_eq!(store.len(), lines.len(), "{name}");
        let p = plan("fields @message");
        let result = run(&p, &input, 1 << 10);
        assert_eq!(assert_tied(&p, &result, &store), lines.len(), "{name}");
    }
}
