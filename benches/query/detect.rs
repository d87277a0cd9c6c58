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

/// One whole process: wall time, peak anonymous memory (heap and stacks, `RssAnon`, watched every
/// 2 ms) and peak resident memory (`VmHWM`, with the pages of the mapped file), in MB; its output.
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
        std::thread::sleep(Duration::from_millis(2));
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

/// Runs of one command, each figure summed up by its least value and its spread (largest less
/// least): on a shared machine the least is the one least disturbed.
struct Runs {
    runs: Vec<Measured>,
}

impl Runs {
    fn figure(&self, f: impl Fn(&Measured) -> f64) -> (f64, f64) {
        let all = self.runs.iter().map(f);
        let (least, most) = all.fold((f64::MAX, f64::MIN), |(l, m), v| (l.min(v), m.max(v)));
        (least, most - least)
    }

    fn secs(&self) -> f64 {
        self.figure(|m| m.secs).0
    }
}

/// `KAUDIT_BENCH_RUNS` (else 5) runs of each command, taken in turn so that a slow spell of the
/// machine falls on both.
fn alternate(commands: &mut [&mut dyn FnMut() -> Measured]) -> Vec<Runs> {
    let n: usize = std::env::var("KAUDIT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5);
    let mut all: Vec<Runs> = commands.iter().map(|_| Runs { runs: Vec::new() }).collect();
    for _ in 0..n {
        for (runs, command) in all.iter_mut().zip(commands.iter_mut()) {
            runs.runs.push(command());
        }
    }
    all
}

/// Prints the table; fails when the two ways of detecting disagree on any detection's hits.
pub fn table(path: &Path, bytes: f64) {
    let file = path.to_str().unwrap();
    let kaudit = env!("CARGO_BIN_EXE_kaudit");
    let mut detect = || measure(Command::new(kaudit).args(["detect", file, "-o", "json"]));
    let mut query = || measure(Command::new(kaudit).args(["query", file, DETECT_YARDSTICK]));
    let mut both = alternate(&mut [&mut detect, &mut query]);
    let (query, one_pass) = (both.pop().unwrap(), both.pop().unwrap());
    // Once: it takes a minute and more at a million events.
    let each = Runs {
        runs: vec![measure(
            Command::new(std::env::current_exe().unwrap()).args([DETECT_EACH, file]),
        )],
    };

    let found: Vec<serde_json::Value> = serde_json::from_str(&one_pass.runs[0].out).unwrap();
    let one_pass_hits: BTreeMap<String, u64> = found
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["hits"].as_u64().unwrap(),
            )
        })
        .collect();
    let each_hits: BTreeMap<String, u64> = each.runs[0]
        .out
        .lines()
        .map(|l| {
            let (name, hits) = l.rsplit_once(' ').unwrap();
            (name.to_string(), hits.parse().unwrap())
        })
        .collect();
    let fired = one_pass_hits.values().filter(|h| **h > 0).count();
    let n = one_pass.runs.len();
    println!(
        "\n{:<44} {:>16} {:>7} {:>16} {:>16} {:>9}",
        "detect (whole process; least, ± spread)", "s", "GB/s", "anon MB", "RSS MB", "× query"
    );
    let one = format!("kaudit detect: one pass ({n} runs)");
    let single = format!("the single query ({n} runs, in turn)");
    for (name, m) in [
        (one.as_str(), &one_pass),
        ("each detection alone, one pass each (once)", &each),
        (single.as_str(), &query),
    ] {
        let cell = |(least, spread): (f64, f64), places: usize| {
            format!("{least:.places$} ±{spread:.places$}")
        };
        println!(
            "{name:<44} {:>16} {:>7.2} {:>16} {:>16} {:>9.2}",
            cell(m.figure(|m| m.secs), 3),
            bytes / 1e9 / m.secs(),
            cell(m.figure(|m| m.anon_mb), 2),
            cell(m.figure(|m| m.rss_mb), 1),
            m.secs() / query.secs()
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
