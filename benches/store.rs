//! The console store over a demo file of a million events (by default): indexing, re-filtering,
//! facet counts, the timeline and memory, each next to its target.
//!
//! `cargo bench --bench store` writes `target/bench-data/demo-<N>.jsonl` once (set
//! `KAUDIT_BENCH_EVENTS` for another size), memory-maps it as the console does and loads it on
//! every core. Times that repeat are the median of 7 runs. Nothing is asserted: the table is the
//! result.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{bench_events, demo_file, rss_anon_kb};
use kaudit::source::demo::DEVELOPER;
use kaudit::source::local::{self, InputSpec};
use kaudit::store::{EventStore, Facet, FilterSet};

const RUNS: usize = 7;

fn main() {
    let events = bench_events();
    let path = demo_file(events);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Read the file once so that every figure is of a warm page cache, as after a first look.
    let bytes = std::fs::read(&path).unwrap();
    let size = bytes.len();
    drop(bytes);
    println!(
        "input: {} ({events} events, {:.0} MB), {threads} threads\n",
        path.display(),
        size as f64 / 1e6
    );

    let rss_before = rss_anon_kb();
    let started = Instant::now();
    let input = Arc::new(local::open(&InputSpec::Path(path.clone())).unwrap());
    let mut first = None;
    let mut store = EventStore::default();
    let report = store.load(input, threads, |p| {
        if first.is_none() {
            first = Some((started.elapsed(), p.events));
        }
    });
    let indexed = started.elapsed();
    let rss_after = rss_anon_kb();
    let (first_at, first_rows) = first.unwrap_or_default();
    assert_eq!(report.events as usize, store.len());

    let all: Vec<u32> = (0..store.len() as u32).collect();
    let top = |facet| {
        let counts = store.facet_counts(&all, facet, 1);
        counts
            .values
            .first()
            .map(|(v, _)| v.clone())
            .unwrap_or_default()
    };
    // The busiest user and verb: the largest answers, so the slowest counts.
    let (user, top_verb) = (top(Facet::User), top(Facet::Verb));
    let one_user = FilterSet {
        include: vec![(Facet::User, user.clone())],
        ..FilterSet::default()
    };
    let user_but_verb = FilterSet {
        exclude: vec![(Facet::Verb, top_verb.clone())],
        ..one_user.clone()
    };
    let refilter = |filter: &FilterSet| {
        median(|| {
            let rows = store.filter(filter);
            let facets: Vec<_> = Facet::ALL
                .iter()
                .map(|f| store.facet_counts(&rows, *f, 200))
                .collect();
            (rows.len(), facets.len())
        })
    };
    let (user_time, (user_rows, _)) = refilter(&one_user);
    let (excl_time, (excl_rows, _)) = refilter(&user_but_verb);
    let (all_time, _) = median(|| store.facet_counts_all(&all, 200).len());
    let (hist_time, hist) = median(|| store.histogram(&all).bars(120));
    let text = FilterSet {
        text: Some(DEVELOPER.to_uppercase()),
        ..FilterSet::default()
    };
    let (text_time, text_rows) = median(|| store.filter(&text).len());

    let memory = store.memory_bytes();
    let n = store.len().max(1);
    let rss_growth = rss_after.saturating_sub(rss_before) * 1024;
    println!("{:<66} {:>10}  target", "measure", "value");
    let row = |name: &str, value: String, target: &str| {
        println!("{name:<66} {value:>10}  {target}");
    };
    row(
        &format!("first rows available ({first_rows} rows)"),
        secs(first_at),
        "< 0.5 s",
    );
    row(
        &format!("fully indexed ({} events)", store.len()),
        secs(indexed),
        "< 2 s",
    );
    row(
        &format!("filter user={user} + 8 facet counts ({user_rows} rows)"),
        ms(user_time),
        "< 100 ms",
    );
    row(
        &format!("same, verb≠{top_verb} excluded ({excl_rows} rows)"),
        ms(excl_time),
        "< 100 ms",
    );
    row(
        &format!(
            "8 facet counts over all rows, one pass ({} rows)",
            all.len()
        ),
        ms(all_time),
        "< 100 ms",
    );
    row(
        &format!("histogram, 120 columns ({} bars)", hist.buckets.len()),
        ms(hist_time),
        "-",
    );
    row(
        &format!(
            "text search {:?} ({text_rows} rows)",
            DEVELOPER.to_uppercase()
        ),
        ms(text_time),
        "(may be slower)",
    );
    row(
        "memory_bytes()",
        format!("{:.1} MB", memory as f64 / 1e6),
        "≤ 200 MB",
    );
    row(
        "memory_bytes() per event",
        format!("{} B", memory / n),
        "~100 B",
    );
    row(
        "RssAnon growth across the load",
        format!("{:.1} MB", rss_growth as f64 / 1e6),
        "≤ 200 MB",
    );
}

/// The median time of [`RUNS`] runs, and the last answer.
fn median<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut out = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        out = Some(std::hint::black_box(f()));
        times.push(t.elapsed());
    }
    times.sort();
    (times[RUNS / 2], out.unwrap())
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
