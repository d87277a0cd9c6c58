//! Field lookups over 200,000 demo events on one core: `cargo bench --bench fields`.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use kaudit::insights::fields::{FieldSet, Prefilter, RawValue, flatten};
use kaudit::insights::known::FieldTree;
use kaudit::insights::value::Value;
use kaudit::source::demo::{DemoConfig, demo_bytes};

fn main() {
    let text = String::from_utf8(demo_bytes(&DemoConfig {
        events: 200_000,
        seed: 1,
    }))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mb = text.len() as f64 / 1e6;
    let cases: &[(&str, &[&str])] = &[
        (
            "3 fields early in the event",
            &["verb", "objectRef.resource", "responseStatus.code"],
        ),
        (
            "3 fields, one absent (whole event)",
            &["verb", "user.username", "no.such.field"],
        ),
        (
            "annotation at the end",
            &["annotations.authorization.k8s.io/decision"],
        ),
        (
            "@message-sized: requestObject leaf",
            &["requestObject.metadata.name"],
        ),
    ];
    println!("{} events, {mb:.0} MB, one core", lines.len());
    for (label, names) in cases {
        let set = FieldSet::from_names(names.iter());
        let mut raw = vec![RawValue::Missing; set.len()];
        let mut values = vec![Value::Missing; set.len()];
        let mut best_raw = f64::MAX;
        let mut best_val = f64::MAX;
        let mut found = 0usize;
        for _ in 0..3 {
            let t = Instant::now();
            for line in &lines {
                set.resolve_raw(line, &mut raw);
                found += usize::from(!raw[0].is_missing());
            }
            best_raw = best_raw.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            for line in &lines {
                set.resolve(line, &mut values);
                found += usize::from(!values[0].is_missing());
            }
            best_val = best_val.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{label:<40} raw {:>6.0} MB/s   values {:>6.0} MB/s   ({found} found)",
            mb / best_raw,
            mb / best_val
        );
    }
    let pre = Prefilter::new("clusterrolebindings").expect("a plain word applies");
    let t = Instant::now();
    let kept = lines.iter().filter(|l| pre.may_match(l.as_bytes())).count();
    println!(
        "prefilter \"clusterrolebindings\"          {:>6.0} MB/s   ({kept} kept)",
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut n = 0;
    for line in &lines {
        n += flatten(line).len();
    }
    println!(
        "flatten (every field)                    {:>6.0} MB/s   ({n} fields)",
        mb / t.elapsed().as_secs_f64()
    );
    // What the console gathers for the query editor after loading: every name of every event.
    let t = Instant::now();
    let mut tree = FieldTree::new();
    for line in &lines {
        tree.add_event(line.as_bytes());
    }
    println!(
        "field names (every key, for the editor)  {:>6.0} MB/s   ({} names)",
        mb / t.elapsed().as_secs_f64(),
        tree.len() - 1
    );
}
