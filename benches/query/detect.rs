//! The detect table of the `query` bench: every detection in one pass (`kaudit detect`), every
//! detection alone (one pass each), and one query for scale, each a whole process, timed, its
//! memory watched.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::engine::Detection;
use kaudit::engine::local::{InputSpec, detect_each, open};

/// The argument that makes the bench binary the child that reads every detection alone.
pub const DETECT_EACH: &str = "--detect-each";

/// The single query the one pass is measured against: the slowest shape of one query (a
/// numeric filter that reads every event, and a group by two fields).
pub const DETECT_YARDSTICK: &str =
    "filter responseStatus.code >= 400 | stats count(*) by user.username, verb";

/// The child: every detection over `path`, one pass each; prints `name hits` lines.
pub fn each_child(path: &Path) {
    let input = open(&InputSpec::Path(path.to_path_buf())).unwrap();
    let detections = Detection::all_of(&Catalog::load(None));
    let (findings, _) = detect_each(&detections, &[input], TimeRange::default()).unwrap();
    for f in findings {
        println!("{} {}", f.name, f.hits);
    }
}

/// One whole process: wall time, peak anonymous memory (heap and stacks, watched every few
/// milliseconds) and peak resident memory (with the pages of the mapped file), in MB; its output.
struct Measured {
    secs: f64,
    anon_mb: f64,
    rss_mb: f64,
    out: String,
}

fn measure(cmd: &mut Command) -> Measured {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // The output is read on its own thread, so a full pipe cannot stall the child.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
        out
    });
    let (mut anon, mut rss) = (0u64, 0u64);
    while child.try_wait().unwrap().is_none() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        anon = anon.max(kb(&status, "RssAnon:"));
        rss = rss.max(kb(&status, "VmHWM:"));
        std::thread::sleep(Duration::from_millis(5));
    }
    let secs = started.elapsed().as_secs_f64();
    Measured {
        secs,
        anon_mb: anon as f64 / 1024.0,
        rss_mb: rss as f64 / 1024.0,
        out: reader.join().unwrap(),
    }
}

fn kb(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The median of three by time.
fn median(mut f: impl FnMut() -> Measured) -> Measured {
    let mut runs: Vec<Measured> = (0..3).map(|_| f()).collect();
    runs.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    runs.swap_remove(1)
}

/// Prints the table; fails when the two ways of detecting disagree on any detection's hits.
pub fn table(path: &Path, bytes: f64) {
    let file = path.to_str().unwrap();
    let kaudit = env!("CARGO_BIN_EXE_kaudit");
    let one_pass = median(|| measure(Command::new(kaudit).args(["detect", file, "-o", "json"])));
    let query = median(|| measure(Command::new(kaudit).args(["query", file, DETECT_YARDSTICK])));
    // Once: it takes a minute and more at a million events.
    let each = measure(Command::new(std::env::current_exe().unwrap()).args([DETECT_EACH, file]));

    let found: Vec<serde_json::Value> = serde_json::from_str(&one_pass.out).unwrap();
    let one_pass_hits: BTreeMap<String, u64> = found
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["hits"].as_u64().unwrap(),
            )
        })
        .collect();
    let each_hits: BTreeMap<String, u64> = each
        .out
        .lines()
        .map(|l| {
            let (name, hits) = l.rsplit_once(' ').unwrap();
            (name.to_string(), hits.parse().unwrap())
        })
        .collect();
    let fired = one_pass_hits.values().filter(|h| **h > 0).count();
    println!(
        "\n{:<44} {:>9} {:>7} {:>10} {:>10} {:>9}",
        "detect (whole process)", "s", "GB/s", "anon MB", "RSS MB", "× query"
    );
    for (name, m) in [
        ("kaudit detect: one pass (median of 3)", &one_pass),
        ("each detection alone, one pass each (once)", &each),
        ("the single query (median of 3)", &query),
    ] {
        println!(
            "{name:<44} {:>9.3} {:>7.2} {:>10.0} {:>10.0} {:>9.2}",
            m.secs,
            bytes / 1e9 / m.secs,
            m.anon_mb,
            m.rss_mb,
            m.secs / query.secs
        );
    }
    println!(
        "{} detections, {fired} fired; the single query: {DETECT_YARDSTICK}",
        one_pass_hits.len()
    );
    if one_pass_hits != each_hits {
        eprintln!("detections differ: one pass {one_pass_hits:?}, each alone {each_hits:?}");
        std::process::exit(1);
    }
}
