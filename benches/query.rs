//! Logs Insights queries over demo files of a hundred thousand and a million events (by
//! default), whole process, next to jq and DuckDB.
//!
//! `cargo bench --bench query` writes `target/bench-data/demo-<N>.jsonl` once per size
//! (`KAUDIT_BENCH_EVENTS` sets the sizes: one number, or several separated by commas) and times
//! `kaudit query` on each query (median of 3 runs), one table a size. jq is timed at sizes up to
//! a hundred thousand events (at a million it takes tens of seconds a query): `KAUDIT_BENCH_JQ=1`
//! times it at every size, `KAUDIT_BENCH_JQ=0` at none. DuckDB is timed, on as many threads as
//! kaudit, with `KAUDIT_BENCH_PYTHON` when it is set, else the first Python that can `import
//! duckdb` of `~/.cache/kaudit/duckdb-venv/bin/python` and `python3` (`python3 -m venv
//! ~/.cache/kaudit/duckdb-venv && ~/.cache/kaudit/duckdb-venv/bin/pip install duckdb`). Each tool's
//! column gives its time and how many times kaudit's that is, or `NOT RUN` (the line under the
//! table says why: not asked, or not there). `KAUDIT_BENCH_BIN` times another kaudit binary in
//! the query tables (a build of an earlier commit, to compare).
//!
//! Every answer is checked, with or without the tools: each case's answer is also computed here
//! with serde_json alone (`query/reference.rs`, every line parsed into a `serde_json::Value`), and
//! kaudit's rows, the typed-parse baseline's rows and every tool's rows are brought to one form
//! (`query/canon.rs`) and compared in full, row by row: the `serde` column and each tool's column
//! say `same` or `DIFFERS`, and the bench exits non-zero naming the case and the first row that
//! differs.
//!
//! A last table, at the largest size, sets `kaudit detect FILE` (every detection, one pass)
//! beside every detection read alone, one pass each (the library's `detect_each`, in a child
//! process of this bench), and beside the single query `detect::DETECT_YARDSTICK`: wall time and
//! peak memory of the whole process (`RssAnon` and `VmHWM`, read every 2 ms). `kaudit detect`
//! and the query run in turn, `KAUDIT_BENCH_RUNS` times each (5 by default); each figure is the
//! least of its runs, ± their spread. `KAUDIT_BENCH_DETECT_ONLY=1` prints only that table, for
//! every size asked.

#![allow(clippy::unwrap_used)]

#[path = "query/canon.rs"]
mod canon;
mod common;
#[path = "query/detect.rs"]
mod detect;
#[path = "query/reference.rs"]
mod reference;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use canon::{first_difference, millis, minute, newest_first, rows, text};
use common::demo_file;
use detect::DETECT_EACH;
use reference::Reference;
use serde_json::Value;

struct Case {
    name: &'static str,
    kaudit: &'static str,
    jq: &'static str,
    duckdb: &'static str,
    /// The answer in a form every tool's output can be brought to.
    answer: fn(Tool, &str) -> Vec<String>,
    /// The same answer computed in this bench from the file, in the same form.
    reference: Reference,
}

#[derive(Clone, Copy)]
enum Tool {
    /// `kaudit query -o jsonl`: one object a row.
    Kaudit,
    /// `jq -c`: one value a line.
    Jq,
    /// The DuckDB script: one JSON array a row.
    DuckDb,
}

/// The verbs Q1 asks for.
const WRITES: [&str; 4] = ["create", "update", "patch", "delete"];

const CASES: &[Case] = &[
    Case {
        name: "Q1 filter RBAC writes",
        kaudit: r#"filter objectRef.resource="clusterrolebindings" and verb in ["create","update","patch","delete"]"#,
        jq: r#"select(.objectRef.resource=="clusterrolebindings" and (.verb|IN("create","update","patch","delete")))"#,
        duckdb: r#"select auditID, stageTimestamp, verb from t where objectRef.resource='clusterrolebindings' and verb in ('create','update','patch','delete')"#,
        answer: |tool, out| {
            rows(tool_name(tool), out, |v| {
                let (time, id, verb) = match tool {
                    Tool::Kaudit => {
                        let event: Value = serde_json::from_str(&text(&v["@message"])).unwrap();
                        (
                            text(&v["@timestamp"]),
                            text(&event["auditID"]),
                            text(&event["verb"]),
                        )
                    }
                    Tool::Jq => (
                        text(&v["stageTimestamp"]),
                        text(&v["auditID"]),
                        text(&v["verb"]),
                    ),
                    Tool::DuckDb => (text(&v[1]), text(&v[0]), text(&v[2])),
                };
                format!("{} {id} {verb}", millis(&time))
            })
        },
        reference: Reference::Rows(|v| {
            let verb = text(&v["verb"]);
            (v["objectRef"]["resource"] == "clusterrolebindings" && WRITES.contains(&verb.as_str()))
                .then(|| {
                    let time = millis(&text(&v["stageTimestamp"]));
                    format!("{time} {} {verb}", text(&v["auditID"]))
                })
        }),
    },
    Case {
        name: "Q2 stats count by verb",
        kaudit: "stats count(*) by verb",
        jq: r#"[inputs] | group_by(.verb) | map({verb: .[0].verb, n: length}) | .[]"#,
        duckdb: "select verb, count(*) from t group by verb",
        answer: |tool, out| {
            rows(tool_name(tool), out, |v| match tool {
                Tool::Kaudit => format!("{}={}", text(&v["verb"]), v["count(*)"]),
                Tool::Jq => format!("{}={}", text(&v["verb"]), v["n"]),
                Tool::DuckDb => format!("{}={}", text(&v[0]), v[1]),
            })
        },
        reference: Reference::CountBy(|v| Some(text(&v["verb"]))),
    },
    Case {
        name: "Q3 401/403 per minute",
        kaudit: "filter responseStatus.code in [401,403] | stats count(*) by bin(1m)",
        jq: r#"select(.responseStatus.code==401 or .responseStatus.code==403) | .stageTimestamp[0:16]"#,
        duckdb: "select date_trunc('minute', stageTimestamp::timestamp) m, count(*) from t where responseStatus.code in (401,403) group by m",
        answer: |tool, out| match tool {
            Tool::Kaudit => rows(tool_name(tool), out, |v| {
                format!("{}={}", minute(&text(&v["bin(1m)"])), v["count(*)"])
            }),
            Tool::Jq => {
                let mut per_minute = std::collections::BTreeMap::<String, u64>::new();
                for line in out.lines() {
                    let v: Value = serde_json::from_str(line).unwrap();
                    *per_minute.entry(minute(&text(&v))).or_default() += 1;
                }
                per_minute.iter().map(|(m, n)| format!("{m}={n}")).collect()
            }
            Tool::DuckDb => rows(tool_name(tool), out, |v| {
                format!("{}={}", minute(&text(&v[0])), v[1])
            }),
        },
        reference: Reference::CountBy(|v| {
            matches!(v["responseStatus"]["code"].as_i64(), Some(401 | 403))
                .then(|| minute(&text(&v["stageTimestamp"])))
        }),
    },
    Case {
        name: "Q4 free text in @message",
        kaudit: r#"filter @message like "priya.sharma" | stats count(*)"#,
        jq: r#"select(tostring | contains("priya.sharma"))"#,
        duckdb: "select count(*) from read_csv('FILE', columns={'line':'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, max_line_size=20000000) where line like '%priya.sharma%'",
        answer: |tool, out| match tool {
            Tool::Kaudit => rows(tool_name(tool), out, |v| v["count(*)"].to_string()),
            Tool::Jq => vec![out.lines().count().to_string()],
            Tool::DuckDb => rows(tool_name(tool), out, |v| v[0].to_string()),
        },
        reference: Reference::Count(|line| line.contains("priya.sharma")),
    },
    Case {
        name: "Q5 latest 100",
        kaudit: "fields @timestamp, user.username, verb | sort @timestamp desc | limit 100",
        jq: r#"[inputs | {t: .stageTimestamp, u: .user.username, v: .verb}] | sort_by(.t) | reverse | .[:100] | .[]"#,
        duckdb: "select stageTimestamp, user.username, verb from t order by stageTimestamp desc limit 100",
        answer: |tool, out| {
            newest_first(canon::rows_in_order(tool_name(tool), out, |v| {
                let (t, u, verb) = match tool {
                    Tool::Kaudit => (&v["@timestamp"], &v["user.username"], &v["verb"]),
                    Tool::Jq => (&v["t"], &v["u"], &v["v"]),
                    Tool::DuckDb => (&v[0], &v[1], &v[2]),
                };
                format!("{} {} {}", millis(&text(t)), text(u), text(verb))
            }))
        },
        reference: Reference::Newest(100, |v| {
            let time = millis(&text(&v["stageTimestamp"]));
            let row = format!(
                "{time} {} {}",
                text(&v["user"]["username"]),
                text(&v["verb"])
            );
            (time, row)
        }),
    },
    Case {
        name: "Q6 errors by user and verb",
        kaudit: "filter responseStatus.code >= 400 | stats count(*) by user.username, verb",
        jq: r#"[inputs | select(.responseStatus.code >= 400)] | group_by([.user.username, .verb]) | map({u: .[0].user.username, v: .[0].verb, n: length}) | .[]"#,
        duckdb: "select user.username, verb, count(*) from t where responseStatus.code >= 400 group by all",
        answer: |tool, out| {
            rows(tool_name(tool), out, |v| {
                let (u, verb, n) = match tool {
                    Tool::Kaudit => (&v["user.username"], &v["verb"], &v["count(*)"]),
                    Tool::Jq => (&v["u"], &v["v"], &v["n"]),
                    Tool::DuckDb => (&v[0], &v[1], &v[2]),
                };
                format!("{} {}={n}", text(u), text(verb))
            })
        },
        reference: Reference::CountBy(|v| {
            (v["responseStatus"]["code"]
                .as_f64()
                .is_some_and(|c| c >= 400.0))
            .then(|| format!("{} {}", text(&v["user"]["username"]), text(&v["verb"])))
        }),
    },
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == DETECT_EACH) {
        detect::each_child(Path::new(&args[i + 1]));
        return;
    }
    let sizes = bench_sizes();
    let largest = sizes.iter().copied().max().unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if std::env::var_os("KAUDIT_BENCH_DETECT_ONLY").is_some() {
        for &events in &sizes {
            let path = demo_file(events);
            let bytes = header(&path, events, threads);
            detect::table(&path, bytes);
        }
        return;
    }
    let python = duckdb_python();
    let mut differ = Vec::new();
    for &events in &sizes {
        let jq = jq_runs(events);
        query_table(events, threads, jq, python.as_deref(), &mut differ);
    }
    if !differ.is_empty() {
        eprintln!("\nanswers differ:\n{}", differ.join("\n"));
        std::process::exit(1);
    }
    let path = demo_file(largest);
    let bytes = std::fs::metadata(&path).unwrap().len() as f64;
    detect::table(&path, bytes);
}

/// The sizes to run, smallest first: `KAUDIT_BENCH_EVENTS` (`20000`, `100000,1000000`), else a
/// hundred thousand and a million.
fn bench_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = std::env::var("KAUDIT_BENCH_EVENTS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|s: &Vec<usize>| !s.is_empty())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Whether jq is run at `events` events, or why not: `KAUDIT_BENCH_JQ=0` never, another value
/// always, else up to a hundred thousand events; and only when there is a jq to run.
fn jq_runs(events: usize) -> Result<(), String> {
    match std::env::var("KAUDIT_BENCH_JQ").ok().as_deref() {
        Some("0") => return Err("KAUDIT_BENCH_JQ=0".into()),
        Some(_) => {}
        None if events > 100_000 => {
            return Err("over 100000 events; KAUDIT_BENCH_JQ=1 runs it".into());
        }
        None => {}
    }
    let there = Command::new("jq")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if there {
        Ok(())
    } else {
        Err("no jq on PATH".into())
    }
}

/// The Python DuckDB is run with: `KAUDIT_BENCH_PYTHON` when set (and no other), else the first
/// of the bench's own virtual environment and `python3` that can `import duckdb`; or why there
/// is none.
fn duckdb_python() -> Result<String, String> {
    let has_duckdb = |py: &str| {
        Command::new(py)
            .args(["-c", "import duckdb"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if let Ok(py) = std::env::var("KAUDIT_BENCH_PYTHON") {
        return if has_duckdb(&py) {
            Ok(py)
        } else {
            Err(format!("KAUDIT_BENCH_PYTHON={py} cannot import duckdb"))
        };
    }
    let venv = std::env::var_os("HOME")
        .map(|h| Path::new(&h).join(".cache/kaudit/duckdb-venv/bin/python"))
        .filter(|p| p.exists())
        .map(|p| p.to_string_lossy().into_owned());
    [venv, Some("python3".to_string())]
        .into_iter()
        .flatten()
        .find(|py| has_duckdb(py))
        .ok_or_else(|| "no Python that can import duckdb".to_string())
}

/// Prints what is read; its size in bytes.
fn header(path: &Path, events: usize, threads: usize) -> f64 {
    let bytes = std::fs::metadata(path).unwrap().len() as f64;
    println!(
        "input: {} ({events} events, {:.2} GB); whole process, median of 3; {threads} cores\n",
        path.display(),
        bytes / 1e9,
    );
    bytes
}

/// One size's table: every query in kaudit, its answer checked against the one computed here,
/// and in jq and DuckDB when asked and there.
fn query_table(
    events: usize,
    threads: usize,
    jq: Result<(), String>,
    python: Result<&str, &String>,
    differ: &mut Vec<String>,
) {
    let path = demo_file(events);
    let bytes = header(&path, events, threads);
    let bin =
        std::env::var("KAUDIT_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kaudit").into());
    println!(
        "{:<28} {:>10} {:>8} {:>6} {:>9} {:>20} {:>20}",
        "query", "kaudit s", "GB/s", "rows", "serde", "jq s (× kaudit)", "duckdb s (× kaudit)"
    );
    let data = std::fs::read(&path).unwrap();
    let references: Vec<Reference> = CASES.iter().map(|c| c.reference).collect();
    let (serde_secs, expected) = reference::answers(&data, &references);
    println!(
        "{:<28} {:>10.3} {:>8.2}   (every line a serde_json::Value on every core; each query's answer, checked below)",
        "serde_json answers",
        serde_secs,
        bytes / 1e9 / serde_secs
    );
    let (secs, baseline) = reference::typed_baseline(&data);
    drop(data);
    let mut q1 = None;
    for (case, expected) in CASES.iter().zip(expected) {
        let (kaudit, out) = median(|| {
            run(Command::new(&bin).args([
                "query",
                path.to_str().unwrap(),
                case.kaudit,
                "-o",
                "jsonl",
            ]))
        });
        let got = (case.answer)(Tool::Kaudit, &out);
        let serde = match &expected {
            Ok(want) => match first_difference("kaudit", &got, "the serde_json answer", want) {
                None => "same",
                Some(at) => {
                    differ.push(format!("{} at {events} events: {at}", case.name));
                    "DIFFERS"
                }
            },
            Err(why) => {
                differ.push(format!("{} at {events} events: {why}", case.name));
                "UNDECIDED"
            }
        };
        q1.get_or_insert_with(|| got.clone());
        let mut same = |tool: Tool, out: &str| {
            let theirs = (case.answer)(tool, out);
            match first_difference(tool_name(tool), &theirs, "kaudit", &got) {
                None => "same",
                Some(at) => {
                    differ.push(format!("{} at {events} events: {at}", case.name));
                    "DIFFERS"
                }
            }
        };
        let against =
            |secs: f64, verdict: &str| format!("{secs:.2} ×{:.1} {verdict}", secs / kaudit);
        let jq = jq.as_ref().map(|()| {
            let slurp = case.jq.starts_with("[inputs");
            let mut cmd = Command::new("jq");
            cmd.arg("-c");
            if slurp {
                cmd.arg("-n");
            }
            cmd.arg(case.jq).arg(&path);
            let (secs, out) = median(|| run(&mut cmd));
            against(secs, same(Tool::Jq, &out))
        });
        let duck = python.map(|py| {
            let (secs, out) = median(|| duckdb(py, threads, case.duckdb, &path));
            against(secs, same(Tool::DuckDb, &out))
        });
        let show = |t: Result<String, _>| t.unwrap_or_else(|_| "NOT RUN".to_string());
        println!(
            "{:<28} {:>10.3} {:>8.2} {:>6} {:>9} {:>20} {:>20}",
            case.name,
            kaudit,
            bytes / 1e9 / kaudit,
            out.lines().count(),
            serde,
            show(jq),
            show(duck)
        );
    }
    let q1 = q1.unwrap_or_default();
    let verdict = match first_difference("the typed parse", &baseline, "kaudit", &q1) {
        None => "same as kaudit's",
        Some(at) => {
            differ.push(format!(
                "Q1 raw typed-parse baseline at {events} events: {at}"
            ));
            "DIFFER from kaudit's"
        }
    };
    println!(
        "{:<28} {:>10.3} {:>8.2}   (serde_json typed parse on every core, Q1's fields; rows: {}, {verdict})",
        "Q1 raw typed-parse baseline",
        secs,
        bytes / 1e9 / secs,
        baseline.len()
    );
    if let Err(why) = &jq {
        println!("jq NOT RUN: {why}");
    }
    if let Err(why) = python {
        println!("DuckDB NOT RUN: {why}");
    }
    println!();
}

fn tool_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Kaudit => "kaudit",
        Tool::Jq => "jq",
        Tool::DuckDb => "DuckDB",
    }
}

/// Runs a command to its end; its output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.stderr(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{cmd:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a query in DuckDB (with `python`, on `threads` threads); the rows as JSON arrays, one a
/// line.
fn duckdb(python: &str, threads: usize, sql: &str, path: &Path) -> String {
    let file = path.to_str().unwrap();
    let sql = sql.replace("FILE", file);
    let script = format!(
        "import duckdb\ncon = duckdb.connect(config={{'threads': {threads}}})\ncon.execute(\"create view t as select * from read_ndjson_auto('{file}')\")\nrows = con.execute({sql:?}).fetchall()\nimport json\nfor r in rows: print(json.dumps([v if v is None or isinstance(v, (int, float)) else str(v) for v in r]))\n"
    );
    run(Command::new(python).args(["-c", &script]))
}

/// The median time of three runs, and the output of the last.
fn median(mut f: impl FnMut() -> String) -> (f64, String) {
    let mut out = String::new();
    let mut times: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            out = f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[1], out)
}
