//! Decoding speed over a demo file of a million events (by default), on one core.
//!
//! `cargo bench --bench decode` writes `target/bench-data/demo-<N>.jsonl` once (set
//! `KAUDIT_BENCH_EVENTS` for another size), then times each way of reading it three times and
//! prints the median, next to a raw newline split of the same bytes. The last row reads the same
//! events as GKE Cloud Audit entries (`demo-<N>.gke.jsonl`, written from the demo file once):
//! its time against `formats::scan`'s is what GKE decoding costs over EKS.

#![allow(clippy::unwrap_used)]

mod common;

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use common::{bench_events, demo_file};
use kaudit::audit::formats::{Origin, scan};
use kaudit::audit::{Depth, decode_event};
use serde::Deserialize;

fn main() {
    let events = bench_events();
    let path = demo_file(events);
    let data = std::fs::read(&path).unwrap();
    let mb = data.len() as f64 / 1e6;
    println!(
        "input: {} ({} events, {:.0} MB), one core, median of 3\n",
        path.display(),
        events,
        mb
    );
    println!(
        "{:<44} {:>9} {:>10} {:>12}",
        "reader", "seconds", "MB/s", "events/s"
    );
    let gke = std::fs::read(gke_file(&path)).unwrap();
    let rows: [(&str, Reader); 5] = [
        ("newline split (memchr; baseline)", newline_split),
        ("decode_event, table fields", |d| {
            decode_lines(d, Depth::Table)
        }),
        ("decode_event, every field", |d| {
            decode_lines(d, Depth::Full)
        }),
        ("formats::scan (detect + decode + @fields)", scan_table),
        ("serde_json typed, table fields (compare)", serde_typed),
    ];
    let gke_row: (&str, Reader) = ("formats::scan, the same events as GKE entries", scan_table);
    for (i, (name, f)) in rows.into_iter().chain([gke_row]).enumerate() {
        let input = if i == 5 { &gke } else { &data };
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..3 {
            let t = Instant::now();
            count = black_box(f(black_box(input)));
            times.push(t.elapsed());
        }
        times.sort();
        let median: Duration = times[1];
        let secs = median.as_secs_f64();
        println!(
            "{name:<44} {secs:>9.3} {:>10.0} {:>12.0}",
            mb / secs,
            count as f64 / secs
        );
    }
}

/// The demo's events as GKE writes them to Cloud Logging, one entry a line: each event's
/// fields where a `LogEntry` keeps them (see `src/audit/formats/gke.rs`).
fn gke_file(demo: &std::path::Path) -> std::path::PathBuf {
    use serde_json::{Value, json};
    let path = demo.with_extension("gke.jsonl");
    if path.exists() {
        return path;
    }
    let text = std::fs::read_to_string(demo).unwrap();
    let mut out = String::with_capacity(text.len() * 5 / 4);
    for line in text.lines() {
        let ev: Value = serde_json::from_str(line).unwrap();
        let obj = &ev["objectRef"];
        let group = obj["apiGroup"].as_str().unwrap_or("core");
        let version = obj["apiVersion"].as_str().unwrap_or("v1");
        let resource = obj["resource"].as_str().unwrap_or("pods");
        let mut method = format!(
            "io.k8s.{}.{version}.{resource}",
            group.split('.').next().unwrap()
        );
        let mut name = format!("{group}/{version}");
        if let Some(ns) = obj["namespace"].as_str() {
            name.push_str(&format!("/namespaces/{ns}"));
        }
        name.push_str(&format!("/{resource}"));
        if let Some(n) = obj["name"].as_str() {
            name.push_str(&format!("/{n}"));
        }
        if let Some(sub) = obj["subresource"].as_str() {
            method.push_str(&format!(".{sub}"));
            name.push_str(&format!("/{sub}"));
        }
        method.push_str(&format!(".{}", ev["verb"].as_str().unwrap_or("get")));
        let code = match ev["responseStatus"]["code"].as_i64().unwrap_or(200) {
            200..=299 => 0,
            401 => 16,
            403 => 7,
            404 => 5,
            409 => 6,
            _ => 2,
        };
        let mut payload = json!({
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalEmail": ev["user"]["username"]},
            "methodName": method,
            "requestMetadata": {
                "callerIp": ev["sourceIPs"][0],
                "callerSuppliedUserAgent": ev["userAgent"]
            },
            "resourceName": name,
            "serviceName": "k8s.io",
            "status": {"code": code}
        });
        for (from, to) in [("requestObject", "request"), ("responseObject", "response")] {
            if let Some(o) = ev.get(from) {
                payload[to] = o.clone();
            }
        }
        let entry = json!({
            "insertId": ev["auditID"],
            "labels": ev["annotations"],
            "logName": "projects/bench/logs/cloudaudit.googleapis.com%2Factivity",
            "operation": {"first": true, "id": ev["auditID"], "last": true, "producer": "k8s.io"},
            "protoPayload": payload,
            "receiveTimestamp": ev["stageTimestamp"],
            "resource": {
                "labels": {"cluster_name": "bench", "location": "europe-west1", "project_id": "bench"},
                "type": "k8s_cluster"
            },
            "timestamp": ev["requestReceivedTimestamp"]
        });
        out.push_str(&entry.to_string());
        out.push('\n');
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, out).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    path
}

/// A way of reading the file that returns how many events it saw.
type Reader = fn(&[u8]) -> u64;

fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

fn newline_split(data: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data) {
        if end > start {
            n += 1;
        }
        start = end + 1;
    }
    n
}

/// Decodes each line and touches what a table row shows, so nothing is optimised away.
fn decode_lines(data: &[u8], depth: Depth) -> u64 {
    let mut n = 0u64;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data) {
        let ev = decode_event(&data[start..end], depth).unwrap();
        black_box((
            ev.username(),
            ev.source_ips.first(),
            ev.verb(),
            ev.object_ref
                .as_ref()
                .map(|o| (&o.resource, &o.namespace, &o.name)),
            ev.code(),
            ev.decision(),
            ev.time_micros(),
        ));
        n += 1;
        start = end + 1;
    }
    n
}

fn scan_table(data: &[u8]) -> u64 {
    let origin = Origin::new("bench.jsonl", "bench");
    let report = scan(data, &origin, Depth::Table, |rec| {
        black_box((rec.event.verb(), rec.system.timestamp_ms));
        ControlFlow::Continue(())
    });
    report.events
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct TypedEvent<'a> {
    #[serde(borrow, rename = "auditID")]
    audit_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    verb: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<TypedUser<'a>>,
    #[serde(borrow, rename = "sourceIPs", default)]
    source_ips: Vec<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "objectRef")]
    object_ref: Option<TypedObject<'a>>,
    #[serde(rename = "responseStatus")]
    response_status: Option<TypedStatus>,
    #[serde(borrow, rename = "stageTimestamp")]
    stage_timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    annotations: std::collections::HashMap<std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct TypedUser<'a> {
    #[serde(borrow)]
    username: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct TypedObject<'a> {
    #[serde(borrow)]
    resource: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct TypedStatus {
    code: Option<i64>,
}

fn serde_typed(data: &[u8]) -> u64 {
    let mut n = 0;
    for line in lines(data) {
        let ev: TypedEvent<'_> = serde_json::from_slice(line).unwrap();
        black_box(&ev);
        n += 1;
    }
    n
}
