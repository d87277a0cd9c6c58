//! Logs Insights queries over a demo file of a million events (by default), whole process, next
//! to jq and DuckDB when they are there.
//!
//! `cargo bench --bench query` writes `target/bench-data/demo-<N>.jsonl` once (set
//! `KAUDIT_BENCH_EVENTS` for another size) and times `kaudit query` on each query (median of 3
//! runs). `KAUDIT_BENCH_JQ=1` also times jq (slow: tens of seconds a query); DuckDB is timed when
//! `python3 -c 'import duckdb'` works (`pip install duckdb`).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{bench_events, demo_file};
use std::process::{Command, Stdio};
use std::time::Instant;

struct Case {
    name: &'static str,
    kaudit: &'static str,
    jq: &'static str,
    duckdb: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "Q1 filter RBAC writes",
        kaudit: r#"filter objectRef.resource="clusterrolebindings" and verb in ["create","update","patch","delete"]"#,
        jq: r#"select(.objectRef.resource=="clusterrolebindings" and (.verb|IN("create","update","patch","delete")))"#,
        duckdb: r#"select auditID from t where objectRef.resource='clusterrolebindings' and verb in ('create','update','patch','delete')"#,
    },
    Case {
        name: "Q2 stats count by verb",
        kaudit: "stats count(*) by verb",
        jq: r#"[inputs] | group_by(.verb) | map({verb: .[0].verb, n: length}) | .[]"#,
        duckdb: "select verb, count(*) from t group by verb",
    },
    Case {
        name: "Q3 401/403 per minute",
        kaudit: "filter responseStatus.code in [401,403] | stats count(*) by bin(1m)",
        jq: r#"select(.responseStatus.code==401 or .responseStatus.code==403) | .stageTimestamp[0:16]"#,
        duckdb: "select date_trunc('minute', stageTimestamp::timestamp) m, count(*) from t where responseStatus.code in (401,403) group by m",
    },
    Case {
        name: "Q4 free text in @message",
        kaudit: r#"filter @message like "priya.sharma" | stats count(*)"#,
        jq: r#"select(tostring | contains("priya.sharma"))"#,
        duckdb: "select count(*) from read_csv('FILE', columns={'line':'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, max_line_size=20000000) where line like '%priya.sharma%'",
    },
    Case {
        name: "Q5 latest 100",
        kaudit: "fields @timestamp, user.username, verb | sort @timestamp desc | limit 100",
        jq: r#"[inputs | {t: .stageTimestamp, u: .user.username, v: .verb}] | sort_by(.t) | reverse | .[:100] | .[]"#,
        duckdb: "select stageTimestamp, user.username, verb from t order by stageTimestamp desc limit 100",
    },
];

fn main() {
    let events = bench_events();
    let path = demo_file(events);
    let bytes = std::fs::metadata(&path).unwrap().len() as f64;
    let with_jq = std::env::var_os("KAUDIT_BENCH_JQ").is_some();
    let with_duckdb = Command::new("python3")
        .args(["-c", "import duckdb"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    println!(
        "input: {} ({events} events, {:.2} GB); whole process, median of 3; {} cores\n",
        path.display(),
        bytes / 1e9,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<28} {:>10} {:>8} {:>10} {:>10}",
        "query", "kaudit s", "GB/s", "jq s", "duckdb s"
    );
    let (secs, matches) = typed_baseline(&path);
    println!(
        "{:<28} {:>10.3} {:>8.2}   (serde_json typed parse on every core, Q1's fields; {matches} matches)",
        "Q1 raw typed-parse baseline",
        secs,
        bytes / 1e9 / secs
    );
    for case in CASES {
        let kaudit = median(|| {
            run(Command::new(env!("CARGO_BIN_EXE_kaudit")).args([
                "query",
                path.to_str().unwrap(),
                case.kaudit,
                "-o",
                "jsonl",
            ]))
        });
        let jq = with_jq.then(|| {
            let slurp = case.jq.starts_with("[inputs");
            let mut cmd = Command::new("jq");
            cmd.arg("-c");
            if slurp {
                cmd.arg("-n");
            }
            cmd.arg(case.jq).arg(&path);
            median(|| run(&mut cmd))
        });
        let duck = with_duckdb.then(|| median(|| duckdb(case.duckdb, &path)));
        let show = |t: Option<f64>| t.map_or("-".to_string(), |t| format!("{t:.2}"));
        println!(
            "{:<28} {:>10.3} {:>8.2} {:>10} {:>10}",
            case.name,
            kaudit,
            bytes / 1e9 / kaudit,
            show(jq),
            show(duck)
        );
    }
}

/// The raw typed-parse baseline: every line parsed with serde_json into the fields Q1 needs, on
/// every core, counting Q1's matches (the file already in memory; not whole-process).
fn typed_baseline(path: &Path) -> (f64, usize) {
    #[derive(serde::Deserialize)]
    struct Obj<'a> {
        #[serde(borrow)]
        resource: Option<std::borrow::Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    struct Ev<'a> {
        #[serde(borrow)]
        verb: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, rename = "objectRef")]
        object_ref: Option<Obj<'a>>,
    }
    let data = std::fs::read(path).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut cuts = vec![0];
    for k in 1..threads {
        let at = data.len() * k / threads;
        cuts.push(at + memchr::memchr(b'\n', &data[at..]).unwrap() + 1);
    }
    cuts.push(data.len());
    let t = Instant::now();
    let matches: usize = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let part = &data[w[0]..w[1]];
                s.spawn(move || {
                    part.split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                        .filter(|l| {
                            let ev: Ev<'_> = serde_json::from_slice(l).unwrap();
                            ev.object_ref.and_then(|o| o.resource).as_deref()
                                == Some("clusterrolebindings")
                                && matches!(
                                    ev.verb.as_deref(),
                                    Some("create" | "update" | "patch" | "delete")
                                )
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (t.elapsed().as_secs_f64(), matches)
}

fn run(cmd: &mut Command) {
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{cmd:?}");
}

fn duckdb(sql: &str, path: &Path) {
    let file = path.to_str().unwrap();
    let sql = sql.replace("FILE", file);
    let script = format!(
        "import duckdb\ncon = duckdb.connect()\ncon.execute(\"create view t as select * from read_ndjson_auto('{file}')\")\ncon.execute({sql:?}).fetchall()\n"
    );
    run(Command::new("python3").args(["-c", &script]));
}

fn median(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[1]
}
