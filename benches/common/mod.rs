//! What the benchmarks share: the demo file they read.

pub mod console;

use std::io::BufWriter;
use std::path::PathBuf;

use kaudit::source::demo::{DemoConfig, DemoFormat, write_demo};

/// Events in the benchmark file: `KAUDIT_BENCH_EVENTS`, else a million.
#[allow(dead_code)]
pub fn bench_events() -> usize {
    std::env::var("KAUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// `target/bench-data/demo-<events>.jsonl`, written once and reused.
#[allow(dead_code)]
pub fn demo_file(events: usize) -> PathBuf {
    demo_file_as(events, DemoFormat::Jsonl)
}

/// The same demo in another of its forms (`demo-<events>.<form>.jsonl`: GKE entries, AKS
/// records), every event's content the same, written once and reused.
#[allow(dead_code)]
pub fn demo_file_as(events: usize, format: DemoFormat) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let name = match format {
        DemoFormat::Jsonl => format!("demo-{events}.jsonl"),
        other => format!("demo-{events}.{}.jsonl", other.as_str()),
    };
    let path = dir.join(name);
    if !path.exists() {
        let tmp = path.with_extension("tmp");
        let file = std::fs::File::create(&tmp).expect("create the demo file");
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let cfg = DemoConfig {
            events,
            ..DemoConfig::default()
        };
        write_demo(&cfg, format, &mut out).expect("write the demo file");
        drop(out);
        std::fs::rename(&tmp, &path).expect("rename the demo file");
    }
    path
}

/// The process's anonymous resident memory (heap, stacks; not mapped files), in KiB.
#[allow(dead_code)]
pub fn rss_anon_kb() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The demo file cut into `streams` files by dealing its lines out in turn, as API servers
/// behind one load balancer write them: `target/bench-data/streams-<events>-<streams>/`,
/// written once and reused.
#[allow(dead_code)]
pub fn stream_files(events: usize, streams: usize) -> Vec<PathBuf> {
    use std::io::{BufRead, BufReader, Write};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/streams-{events}-{streams}"));
    let paths: Vec<PathBuf> = (0..streams)
        .map(|k| dir.join(format!("kube-apiserver-audit-{k}.log")))
        .collect();
    if paths.iter().all(|p| p.exists()) {
        return paths;
    }
    let tmp = dir.with_extension("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("create the streams folder");
    let mut outs: Vec<BufWriter<std::fs::File>> = paths
        .iter()
        .map(|p| {
            let file = std::fs::File::create(tmp.join(p.file_name().expect("a name")))
                .expect("create a stream file");
            BufWriter::with_capacity(1 << 20, file)
        })
        .collect();
    let demo = std::fs::File::open(demo_file(events)).expect("open the demo file");
    for (i, line) in BufReader::new(demo).lines().enumerate() {
        let line = line.expect("read the demo file");
        writeln!(outs[i % streams], "{line}").expect("write a stream file");
    }
    for out in outs {
        drop(out.into_inner().expect("flush a stream file"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir).expect("rename the streams folder");
    paths
}
