//! Decoding speed over a demo file of a million events (by default), on one core.
//!
//! `cargo bench --bench decode` writes `target/bench-data/demo-<N>.jsonl` once (set
//! `KAUDIT_BENCH_EVENTS` for another size), then times each way of reading it three times and
//! prints the median, next to a raw newline split of the same bytes. The last two rows read the
//! same events as GKE Cloud Audit entries and as AKS `kube-audit` records (the demo's own forms,
//! `demo-<N>.gke.jsonl` and `demo-<N>.aks.jsonl`, written once): their time against
//! `formats::scan`'s is what GKE and AKS decoding cost over EKS. `KAUDIT_BENCH_ROWS=<word>`
//! times only the rows whose name holds the word (for a profiler).

#![allow(clippy::unwrap_used)]

mod common;

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use common::{bench_events, demo_file, demo_file_as};
use kaudit::audit::formats::{Origin, scan};
use kaudit::audit::{Depth, decode_event};
use kaudit::source::demo::DemoFormat;
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
    let gke = std::fs::read(demo_file_as(events, DemoFormat::Gke)).unwrap();
    let aks = std::fs::read(demo_file_as(events, DemoFormat::Aks)).unwrap();
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
    let others: [(&str, Reader); 2] = [
        ("formats::scan, the same events as GKE entries", scan_table),
        ("formats::scan, the same events as AKS records", scan_table),
    ];
    let mut scan_secs = f64::NAN;
    // `KAUDIT_BENCH_ROWS=AKS` times only the rows whose name holds it: a profiler then sees
    // one way of reading alone.
    let only = std::env::var("KAUDIT_BENCH_ROWS").ok();
    for (i, (name, f)) in rows.into_iter().chain(others).enumerate() {
        if only.as_deref().is_some_and(|only| !name.contains(only)) {
            continue;
        }
        let input = match i {
            5 => &gke,
            6 => &aks,
            _ => &data,
        };
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
        if i == 3 {
            scan_secs = secs;
        }
        // The other forms, against the same events read as EKS JSON lines.
        let against = if i >= 5 && scan_secs.is_finite() {
            format!("   {:.2}× formats::scan", secs / scan_secs)
        } else {
            String::new()
        };
        println!(
            "{name:<44} {secs:>9.3} {:>10.0} {:>12.0}{against}",
            mb / secs,
            count as f64 / secs
        );
    }
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
