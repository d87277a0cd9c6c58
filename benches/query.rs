//! Logs Insights queries over demo files of a hundred thousand and a million events (by
//! default), whole process, next to jq and DuckDB.
//!
//! `cargo bench --bench query` writes `target/bench-data/demo-<N>.jsonl` once per size
//! (`KAUDIT_BENCH_EVENTS` sets the sizes: one number, or several separated by commas) and times
//! `kaudit query` on each query (median of 3 runs), one table a size. jq is timed at sizes up to
//! a hundred thousand events (at a million it takes tens of seconds a query): `KAUDIT_BENCH_JQ=1`
//! times it at every size, `KAUDIT_BENCH_JQ=0` at none. DuckDB is timed, on as many threads as
//! kaudit, with the first Python that can `import duckdb` of: `KAUDIT_BENCH_PYTHON`,
//! `~/.cache/kaudit/duckdb-venv/bin/python`, `python3` (`python3 -m venv
//! ~/.cache/kaudit/duckdb-venv && ~/.cache/kaudit/duckdb-venv/bin/pip install duckdb`). Each tool's
//! column gives its time and how many times kaudit's that is. `KAUDIT_BENCH_BIN` times another
//! kaudit binary in the query tables (a build of an earlier commit, to compare).
//!
//! Every tool's answer is brought to one canonical form and compared with kaudit's: the table
//! says `same` or `DIFFERS`, and the bench fails when any answer differs.
//!
//! A last table, at the largest size, sets `kaudit detect FILE` (every detection, one pass)
//! beside every detection read alone, one pass each (the library's `detect_each`, in a child
//! process of this bench), and beside the single query `detect::DETECT_YARDSTICK`: wall time and
//! peak memory of the whole process. `KAUDIT_BENCH_DETECT_ONLY=1` prints only that table, for
//! every size asked.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "query/detect.rs"]
mod detect;

use std::path::Path;

use common::demo_file;
use detect::DETECT_EACH;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Case {
    name: &'static str,
    kaudit: &'static str,
    jq: &'static str,
    duckdb: &'static str,
    /// The answer in a form every tool's output can be brought to.
    answer: fn(Tool, &str) -> Vec<String>,
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

const CASES: &[Case] = &[
    Case {
        name: "Q1 filter RBAC writes",
        kaudit: r#"filter objectRef.resource="clusterrolebindings" and verb in ["create","update","patch","delete"]"#,
        jq: r#"select(.objectRef.resource=="clusterrolebindings" and (.verb|IN("create","update","patch","delete")))"#,
        duckdb: r#"select auditID from t where objectRef.resource='clusterrolebindings' and verb in ('create','update','patch','delete')"#,
        answer: |_, out| vec![format!("{} rows", out.lines().count())],
    },
    Case {
        name: "Q2 stats count by verb",
        kaudit: "stats count(*) by verb",
        jq: r#"[inputs] | group_by(.verb) | map({verb: .[0].verb, n: length}) | .[]"#,
        duckdb: "select verb, count(*) from t group by verb",
        answer: |tool, out| {
            rows(tool, out, |v| match tool {
                Tool::Kaudit => format!("{}={}", text(&v["verb"]), v["count(*)"]),
                Tool::Jq => format!("{}={}", text(&v["verb"]), v["n"]),
                Tool::DuckDb => format!("{}={}", text(&v[0]), v[1]),
            })
        },
    },
    Case {
        name: "Q3 401/403 per minute",
        kaudit: "filter responseStatus.code in [401,403] | stats count(*) by bin(1m)",
        jq: r#"select(.responseStatus.code==401 or .responseStatus.code==403) | .stageTimestamp[0:16]"#,
        duckdb: "select date_trunc('minute', stageTimestamp::timestamp) m, count(*) from t where responseStatus.code in (401,403) group by m",
        answer: |tool, out| match tool {
            Tool::Kaudit => rows(tool, out, |v| {
                format!("{}={}", minute(&text(&v["bin(1m)"])), v["count(*)"])
            }),
            Tool::Jq => {
                let mut per_minute = std::collections::BTreeMap::<String, u64>::new();
                for line in out.lines() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    *per_minute.entry(minute(&text(&v))).or_default() += 1;
                }
                per_minute.iter().map(|(m, n)| format!("{m}={n}")).collect()
            }
            Tool::DuckDb => rows(tool, out, |v| format!("{}={}", minute(&text(&v[0])), v[1])),
        },
    },
    Case {
        name: "Q4 free text in @message",
        kaudit: r#"filter @message like "priya.sharma" | stats count(*)"#,
        jq: r#"select(tostring | contains("priya.sharma"))"#,
        duckdb: "select count(*) from read_csv('FILE', columns={'line':'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, max_line_size=20000000) where line like '%priya.sharma%'",
        answer: |tool, out| match tool {
            Tool::Kaudit => rows(tool, out, |v| v["count(*)"].to_string()),
            Tool::Jq => vec![out.lines().count().to_string()],
            Tool::DuckDb => rows(tool, out, |v| v[0].to_string()),
        },
    },
    Case {
        name: "Q5 latest 100",
        kaudit: "fields @timestamp, user.username, verb | sort @timestamp desc | limit 100",
        jq: r#"[inputs | {t: .stageTimestamp, u: .user.username, v: .verb}] | sort_by(.t) | reverse | .[:100] | .[]"#,
        duckdb: "select stageTimestamp, user.username, verb from t order by stageTimestamp desc limit 100",
        answer: |tool, out| {
            rows(tool, out, |v| {
                let (t, u, verb) = match tool {
                    Tool::Kaudit => (&v["@timestamp"], &v["user.username"], &v["verb"]),
                    Tool::Jq => (&v["t"], &v["u"], &v["v"]),
                    Tool::DuckDb => (&v[0], &v[1], &v[2]),
                };
                format!("{} {} {}", millis(&text(t)), text(u), text(verb))
            })
        },
    },
    Case {
        name: "Q6 errors by user and verb",
        kaudit: "filter responseStatus.code >= 400 | stats count(*) by user.username, verb",
        jq: r#"[inputs | select(.responseStatus.code >= 400)] | group_by([.user.username, .verb]) | map({u: .[0].user.username, v: .[0].verb, n: length}) | .[]"#,
        duckdb: "select user.username, verb, count(*) from t where responseStatus.code >= 400 group by all",
        answer: |tool, out| {
            rows(tool, out, |v| {
                let (u, verb, n) = match tool {
                    Tool::Kaudit => (&v["user.username"], &v["verb"], &v["count(*)"]),
                    Tool::Jq => (&v["u"], &v["v"], &v["n"]),
                    Tool::DuckDb => (&v[0], &v[1], &v[2]),
                };
                format!("{} {}={n}", text(u), text(verb))
            })
        },
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
    let jq = std::env::var("KAUDIT_BENCH_JQ").ok();
    let mut differ = Vec::new();
    for &events in &sizes {
        let with_jq = match jq.as_deref() {
            Some("0") => false,
            Some(_) => true,
            None => events <= 100_000,
        };
        query_table(events, threads, with_jq, python.as_deref(), &mut differ);
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

/// The first Python that has DuckDB: `KAUDIT_BENCH_PYTHON`, the bench's own virtual environment,
/// `python3`.
fn duckdb_python() -> Option<String> {
    let venv = std::env::var_os("HOME")
        .map(|h| Path::new(&h).join(".cache/kaudit/duckdb-venv/bin/python"))
        .filter(|p| p.exists())
        .map(|p| p.to_string_lossy().into_owned());
    let python = std::env::var("KAUDIT_BENCH_PYTHON").ok();
    [python, venv, Some("python3".to_string())]
        .into_iter()
        .flatten()
        .find(|py| {
            Command::new(py)
                .args(["-c", "import duckdb"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
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

/// One size's table: every query in kaudit, and in jq and DuckDB when asked and there.
fn query_table(
    events: usize,
    threads: usize,
    with_jq: bool,
    python: Option<&str>,
    differ: &mut Vec<String>,
) {
    let path = demo_file(events);
    let bytes = header(&path, events, threads);
    let bin =
        std::env::var("KAUDIT_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kaudit").into());
    println!(
        "{:<28} {:>10} {:>8} {:>20} {:>20}",
        "query", "kaudit s", "GB/s", "jq s (× kaudit)", "duckdb s (× kaudit)"
    );
    let (secs, matches) = typed_baseline(&path);
    println!(
        "{:<28} {:>10.3} {:>8.2}   (serde_json typed parse on every core, Q1's fields; {matches} matches)",
        "Q1 raw typed-parse baseline",
        secs,
        bytes / 1e9 / secs
    );
    for case in CASES {
        let (kaudit, out) = median(|| {
            run(Command::new(&bin).args([
                "query",
                path.to_str().unwrap(),
                case.kaudit,
                "-o",
                "jsonl",
            ]))
        });
        let expected = (case.answer)(Tool::Kaudit, &out);
        let mut same = |tool: Tool, out: &str| {
            let got = (case.answer)(tool, out);
            if got == expected {
                "same"
            } else {
                differ.push(format!(
                    "{} at {events} events: {} answered {:?}…, kaudit {:?}…",
                    case.name,
                    tool_name(tool),
                    &got[..got.len().min(3)],
                    &expected[..expected.len().min(3)]
                ));
                "DIFFERS"
            }
        };
        let against =
            |secs: f64, verdict: &str| format!("{secs:.2} ×{:.1} {verdict}", secs / kaudit);
        let jq = with_jq.then(|| {
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
        let show = |t: Option<String>| t.unwrap_or_else(|| "-".to_string());
        println!(
            "{:<28} {:>10.3} {:>8.2} {:>20} {:>20}",
            case.name,
            kaudit,
            bytes / 1e9 / kaudit,
            show(jq),
            show(duck)
        );
    }
    println!();
}

/// Each line of a tool's output as JSON, through `row`, sorted (row order is not compared:
/// ties in a sort may come in any order).
fn rows(tool: Tool, out: &str, row: impl Fn(&serde_json::Value) -> String) -> Vec<String> {
    let mut rows: Vec<String> = out
        .lines()
        .map(|line| {
            let v = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: {line}: {e}", tool_name(tool)));
            row(&v)
        })
        .collect();
    rows.sort();
    rows
}

fn tool_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Kaudit => "kaudit",
        Tool::Jq => "jq",
        Tool::DuckDb => "DuckDB",
    }
}

/// A JSON value as text: strings bare, null as `-`.
fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// `2026-11-02 06:01:…` or `2026-11-02T06:01…` as `2026-11-02T06:01`.
fn minute(t: &str) -> String {
    t.replacen(' ', "T", 1).chars().take(16).collect()
}

/// A time to the millisecond, `2026-11-02T06:01:02.345` (CloudWatch shows milliseconds).
fn millis(t: &str) -> String {
    let t = t.replacen(' ', "T", 1);
    let t = t.trim_end_matches('Z');
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    format!("{secs}.{:0<3}", &frac[..frac.len().min(3)])
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
