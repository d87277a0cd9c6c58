//! Every detection read in one pass over the inputs gives what each gives read alone: the same
//! detections fire, on the same events, in the same order. Over the built-in demo (as one file,
//! as three inputs of one timeline, and over a time range) and over the third-party corpus.

use std::fs;
use std::path::Path;

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::engine::local::{LocalInput, detect, detect_each};
use kaudit::engine::{Detection, Finding};
use kaudit::source::demo::{DemoConfig, demo_bytes};
use kaudit::source::local::{self, InputSpec, path_origin};

use crate::support::corpus_dir;

fn detections() -> Vec<Detection> {
    // With the fixtures' lists, so that the detections that test a site's lists are read in one
    // pass too.
    let lists = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists");
    let detections = Detection::all_of(&Catalog::load_with_lists(None, Some(&lists)));
    assert!(detections.len() >= 30, "{} detections", detections.len());
    detections
}

/// Both ways over `inputs`: fails naming the detection and the first hit that differs. The
/// number of hits both found.
fn same_both_ways(what: &str, inputs: &[LocalInput], range: TimeRange) -> usize {
    let detections = detections();
    let (together, together_reports) = detect(&detections, inputs, range).unwrap();
    let (each, each_reports) = detect_each(&detections, inputs, range).unwrap();
    assert_eq!(together.len(), each.len(), "{what}");
    for (one_pass, alone) in together.iter().zip(&each) {
        assert_eq!(one_pass.name, alone.name, "{what}");
        first_difference(what, one_pass, alone);
        assert_eq!(one_pass, alone, "{what}: {}", alone.name);
    }
    // What could not be read is told the same way too.
    assert_eq!(together_reports.len(), each_reports.len(), "{what}");
    for (a, b) in together_reports.iter().zip(&each_reports) {
        assert_eq!(
            (a.events, a.malformed, a.not_audit, a.lines),
            (b.events, b.malformed, b.not_audit, b.lines),
            "{what}: {}",
            a.name
        );
    }
    each.iter().map(|f| f.hits).sum()
}

/// Event by event: the first hit where the two ways part, if any.
fn first_difference(what: &str, one_pass: &Finding, alone: &Finding) {
    let at = one_pass
        .refs
        .iter()
        .zip(&alone.refs)
        .position(|(a, b)| a != b);
    if let Some(i) = at {
        panic!(
            "{what}: {}: hit {i} is {:?} in one pass, {:?} alone",
            alone.name, one_pass.refs[i], alone.refs[i]
        );
    }
    assert_eq!(
        one_pass.refs.len(),
        alone.refs.len(),
        "{what}: {}: one pass found {} hits, alone {}; first extra or missing: {:?}",
        alone.name,
        one_pass.refs.len(),
        alone.refs.len(),
        one_pass
            .refs
            .get(alone.refs.len())
            .or(alone.refs.get(one_pass.refs.len()))
    );
}

fn input(name: &str, data: Vec<u8>) -> LocalInput {
    LocalInput::from_vec(path_origin(name.as_ref()), data)
}

fn open(path: &Path) -> LocalInput {
    local::open(&InputSpec::Path(path.to_path_buf())).unwrap()
}

#[test]
fn detections_in_one_pass_find_what_each_finds_alone_in_the_demo() {
    let demo = demo_bytes(&DemoConfig::default());
    let hits = same_both_ways(
        "demo",
        &[input("demo.jsonl", demo.clone())],
        TimeRange::default(),
    );
    // The incident is there to be found: a comparison of two empty answers would prove nothing.
    assert!(hits >= 20, "the demo gave only {hits} hits");

    // The same events dealt over three inputs of one timeline.
    let mut streams = [Vec::new(), Vec::new(), Vec::new()];
    for (i, line) in demo.split_inclusive(|b| *b == b'\n').enumerate() {
        streams[i % 3].extend_from_slice(line);
    }
    let inputs: Vec<LocalInput> = streams
        .into_iter()
        .enumerate()
        .map(|(i, data)| input(&format!("stream-{i}.jsonl"), data))
        .collect();
    assert_eq!(
        same_both_ways("demo in three", &inputs, TimeRange::default()),
        hits
    );

    // Over a time range: the hour the incident is at its height.
    let range = TimeRange {
        start_ms: Some(1_793_606_400_000),
        end_ms: Some(1_793_610_000_000),
    };
    let in_range = same_both_ways("demo 08:00-09:00", &inputs, range);
    assert!(in_range > 0 && in_range < hits, "{in_range} of {hits}");
}

#[test]
fn detections_in_one_pass_find_what_each_finds_alone_in_the_corpus() {
    let Some(corpus) =
        corpus_dir("detections_in_one_pass_find_what_each_finds_alone_in_the_corpus")
    else {
        return;
    };
    // The Falco trace files: each alone, then all as one timeline.
    let mut traces: Vec<_> = fs::read_dir(corpus.join("falco-trace-files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    traces.sort();
    assert!(traces.len() >= 40, "{} trace files", traces.len());
    let mut trace_hits = 0;
    for path in &traces {
        trace_hits += same_both_ways(
            &path.display().to_string(),
            &[open(path)],
            TimeRange::default(),
        );
    }
    assert!(
        trace_hits >= 20,
        "the Falco traces gave only {trace_hits} hits"
    );
    let all: Vec<LocalInput> = traces.iter().map(|p| open(p)).collect();
    same_both_ways("every Falco trace", &all, TimeRange::default());

    // A real capture, short samples, and Panther's EKS test records as one file.
    for file in [
        "audit2rbac/demo.log",
        "stratus-red-team-docs/derived/stratus_sample_events.jsonl",
        "khi-gke/derived/khi_gke_k8s_audit.jsonl",
    ] {
        same_both_ways(file, &[open(&corpus.join(file))], TimeRange::default());
    }
    let tests = fs::read_to_string(corpus.join("panther/derived/panther_tests.jsonl")).unwrap();
    let mut logs = String::new();
    for line in tests.lines() {
        let test: serde_json::Value = serde_json::from_str(line).unwrap();
        logs.push_str(&serde_json::to_string(&test["log"]).unwrap());
        logs.push('\n');
    }
    let panther = same_both_ways(
        "Panther's test records",
        &[input("panther.jsonl", logs.into_bytes())],
        TimeRange::default(),
    );
    assert!(panther > 0);
}

#[test]
fn detections_in_one_pass_find_what_each_finds_alone_in_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detections");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let inputs: Vec<LocalInput> = files.iter().map(|p| open(p)).collect();
    let hits: usize = files
        .iter()
        .map(|p| same_both_ways(&p.display().to_string(), &[open(p)], TimeRange::default()))
        .sum();
    assert!(hits > 0);
    same_both_ways("every fixture", &inputs, TimeRange::default());
}
