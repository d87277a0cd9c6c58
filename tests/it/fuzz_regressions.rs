//! Replays `fuzz/regressions/TARGET` (the smallest inputs each run of `fuzz/run` kept, and every
//! input that once crashed or hung a target, kept after the fix) and, where a run left it here,
//! the whole minimised `fuzz/corpus/TARGET`, through the same bodies the fuzz targets run,
//! `kaudit::fuzzing`.

use std::fs;
use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for kind in ["regressions", "corpus"] {
        let Ok(entries) = fs::read_dir(root.join(kind).join(target)) else {
            assert_ne!(kind, "regressions", "fuzz/regressions/{target} is missing");
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} panics", path.display());
            n += 1;
        }
    }
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
