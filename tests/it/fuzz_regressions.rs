//! Replays `fuzz/regressions/TARGET` (the smallest inputs each run of `fuzz/run` kept, and every
//! input that once crashed or hung a target, kept after the fix) and, where a run left it here,
//! the whole minimised `fuzz/corpus/TARGET`, through the same bodies the fuzz targets run,
//! `kaudit::fuzzing`. Each input has a time limit: one that hangs a target fails the test,
//! named, instead of stalling the run.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long one input may take: the slowest kept input takes well under a second in a debug
/// build, so only a hang (or a hundredfold slowdown) reaches it.
const LIMIT: Duration = Duration::from_secs(10);

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    replay_in(&root, target, body, LIMIT)
}

/// Replays `ROOT/regressions/TARGET` (which must exist) and `ROOT/corpus/TARGET`, each input on
/// a thread of its own given `limit`; how many inputs were replayed.
fn replay_in(root: &Path, target: &str, body: fn(&[u8]), limit: Duration) -> usize {
    let mut n = 0;
    let mut slowest = (Duration::ZERO, String::new());
    for kind in ["regressions", "corpus"] {
        let Ok(entries) = fs::read_dir(root.join(kind).join(target)) else {
            assert_ne!(kind, "regressions", "fuzz/regressions/{target} is missing");
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = fs::read(&path).unwrap();
            let name = path.display().to_string();
            let (tx, rx) = channel();
            let started = Instant::now();
            // A hung input's thread cannot be stopped; it is left behind, and the test fails.
            std::thread::spawn(move || {
                let outcome = std::panic::catch_unwind(|| body(&data));
                let _ = tx.send(outcome.is_ok());
            });
            match rx.recv_timeout(limit) {
                Ok(true) => {}
                Ok(false) | Err(RecvTimeoutError::Disconnected) => {
                    panic!("{target}: {name} panics")
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("{target}: {name} was still running after {limit:?}: it hangs")
                }
            }
            slowest = slowest.max((started.elapsed(), name));
            n += 1;
        }
    }
    eprintln!(
        "{target}: {n} inputs, the slowest {} in {:.0?}",
        slowest.1, slowest.0
    );
    n
}

#[test]
fn format_detection_and_decoding_survive_what_the_fuzzer_found() {
    let n = replay("formats", kaudit::fuzzing::formats);
    assert!(n > 0, "no kept input for formats");
}

#[test]
fn the_reason_decoder_survives_what_the_fuzzer_found() {
    let n = replay("reason", kaudit::fuzzing::reason);
    assert!(n > 0, "no kept input for reason");
}

#[test]
fn the_query_front_end_survives_what_the_fuzzer_found() {
    let n = replay("query", kaudit::fuzzing::query);
    assert!(n > 0, "no kept input for query");
}

#[test]
fn queries_over_events_survive_what_the_fuzzer_found() {
    let n = replay("eval", kaudit::fuzzing::eval);
    assert!(n > 0, "no kept input for eval");
}

/// Set once the hang below has been seen, so that its thread ends.
static RELEASE: AtomicBool = AtomicBool::new(false);

/// A body that hangs on the input `hangs` until released.
fn hangs_on_one(data: &[u8]) {
    while data == b"hangs" && !RELEASE.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_input_that_hangs_a_target_fails_the_replay_and_is_named() {
    let root = tempfile::tempdir().unwrap();
    let kept = root.path().join("regressions").join("t");
    fs::create_dir_all(&kept).unwrap();
    fs::write(kept.join("a-fine"), "fine").unwrap();
    fs::write(kept.join("b-hang"), "hangs").unwrap();
    let replayed = std::panic::catch_unwind(|| {
        replay_in(root.path(), "t", hangs_on_one, Duration::from_millis(300))
    });
    RELEASE.store(true, Ordering::Relaxed);
    let message = *replayed
        .expect_err("a hang must fail the replay")
        .downcast::<String>()
        .unwrap();
    assert!(message.starts_with("t: "), "{message}");
    assert!(
        message.contains("b-hang was still running after 300ms: it hangs"),
        "{message}"
    );
}

/// The formats target's checks hold over every fixture the project wrote, in every format it
/// reads (EKS, CloudWatch, AKS records, SIEM wrappers, GKE entries as JSON and YAML): the
/// fuzzer's starting points, not only what it kept.
#[test]
fn the_formats_targets_checks_hold_over_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "json" || e == "jsonl" || e == "yaml" || e == "log")
            {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "{files:?}");
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let read = std::panic::catch_unwind(|| kaudit::fuzzing::formats(&data));
        assert!(read.is_ok(), "{}", path.display());
    }
}
