//! Bad input, measured: each case (a 256 KB event, one cut at CloudWatch's cap, a 10 MB line,
//! JSON nested 100,000 deep, 100,000 distinct users in a facet, a million rows in the table, a
//! query nested 100,000 deep) runs in a child process of its own through what the console does (load,
//! draw the table and facets, open the first event's detail, run a query and draw its answer),
//! and the table gives its outcome, wall time and peak memory. `cargo bench --bench bad_input`.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use common::console::{key, settle};
use crossterm::event::KeyCode;
use kaudit::audit::time::TimeRange;
use kaudit::catalog::themes::Themes;
use kaudit::source::local::{self, InputSpec};
use kaudit::store::EventStore;
use kaudit::text::count;
use kaudit::tui::msg::{LoadProgress, Msg};
use kaudit::tui::query_run::answer_now;
use kaudit::tui::{State, Styles, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CASES: &[(&str, &str)] = &[
    ("event-256k", "an event with a 256 KB user agent"),
    (
        "cut-256k",
        "an event cut at 256 KB inside a string (CloudWatch's cap)",
    ),
    ("line-10m", "a 10 MB line (one event, a 10 MB request body)"),
    ("json-deep", "a request body nested 100,000 arrays deep"),
    (
        "users-100k",
        "100,000 events from 100,000 distinct users, the user facet drawn and kept to one",
    ),
    (
        "rows-1m",
        "1,000,000 events in the table, and a query over them (an answer stops at 10,000 rows, as CloudWatch's does)",
    ),
    ("query-deep", "a query of 100,000 nested parentheses"),
];

fn head(auditid: &str, user: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{auditid}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/web/pods","verb":"create","user":{{"username":"{user}"}},"sourceIPs":["203.0.113.9"],"objectRef":{{"resource":"pods","namespace":"web","name":"p"}},"responseStatus":{{"code":201}},"stageTimestamp":"2026-11-02T08:00:00.000000Z""#
    )
}

/// Writes the case's input; returns it and the query the case runs.
fn input(case: &str, dir: &Path) -> (PathBuf, String) {
    let path = dir.join(format!("{case}.jsonl"));
    let mut text = String::new();
    let mut query = "fields @timestamp, user.username, verb, userAgent".to_string();
    match case {
        "event-256k" => {
            text = format!(
                "{},\"userAgent\":\"{}\"}}\n",
                head("a", "u"),
                "A".repeat(256 * 1024)
            );
        }
        "cut-256k" => {
            let whole = format!(
                "{},\"userAgent\":\"{}\"}}",
                head("a", "u"),
                "A".repeat(300 * 1024)
            );
            text = format!("{}\n", &whole[..256 * 1024]);
        }
        "line-10m" => {
            text = format!(
                "{},\"requestObject\":{{\"data\":\"{}\"}}}}\n",
                head("a", "u"),
                "B".repeat(10 * 1024 * 1024)
            );
            query = "fields strlen(requestObject.data)".into();
        }
        "json-deep" => {
            let n = 100_000;
            text = format!(
                "{},\"requestObject\":{}{}}}\n",
                head("a", "u"),
                "[".repeat(n),
                "]".repeat(n)
            );
            query = "fields requestObject.0.0.0, jsonParse(@message)".into();
        }
        "users-100k" => {
            for i in 0..100_000 {
                writeln!(
                    text,
                    "{}}}",
                    head(&format!("a{i}"), &format!("user-{i:06}"))
                )
                .unwrap();
            }
            query = "stats count(*) by user.username".into();
        }
        "rows-1m" => {
            for i in 0..1_000_000 {
                writeln!(
                    text,
                    "{}}}",
                    head(&format!("a{i}"), &format!("user-{}", i % 50))
                )
                .unwrap();
            }
            query = "fields @timestamp, user.username, verb".into();
        }
        "query-deep" => {
            text = format!("{}}}\n", head("a", "u"));
            query = format!(
                "fields verb | filter {}verb = \"get\"{}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            );
        }
        _ => panic!("no case {case}"),
    }
    std::fs::write(&path, text).unwrap();
    (path, query)
}

/// The child: one case, its outcome on stdout.
fn run_case(case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (path, query) = input(case, dir.path());
    let styles = Styles::from_theme(Themes::load(None).default_theme());
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let input = Arc::new(local::open(&InputSpec::Path(path)).unwrap());
    let mut store = EventStore::default();
    store.load(input.clone(), 2, |_| {});
    let mut state = State::new("bench", None);
    let effects = update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    settle(&mut state, &store, effects);
    let effects = update(
        &mut state,
        Msg::Loaded(LoadProgress {
            events: store.len(),
            done: true,
            ..LoadProgress::default()
        }),
    );
    settle(&mut state, &store, effects);
    terminal
        .draw(|f| view::draw(f, &state, &store, &styles))
        .unwrap();
    if case == "users-100k" {
        // Into the user facet, keep its first value.
        key(&mut state, &store, KeyCode::Tab);
        key(&mut state, &store, KeyCode::Enter);
        terminal
            .draw(|f| view::draw(f, &state, &store, &styles))
            .unwrap();
    }
    key(&mut state, &store, KeyCode::Enter);
    terminal
        .draw(|f| view::draw(f, &state, &store, &styles))
        .unwrap();
    let answer = answer_now(&query, TimeRange::default(), &[input], &store);
    let outcome = match &answer {
        Ok(a) => count(a.result.rows.len(), "row"),
        Err(e) => format!(
            "refused: {}",
            format!("{e:?}").chars().take(90).collect::<String>()
        ),
    };
    let problems = store.problem_count();
    println!(
        "{}, {} shown, {} reported, truncated: {}; query: {outcome}",
        count(store.len(), "event"),
        state.table.rows.len(),
        count(problems, "problem"),
        (0..store.len() as u32)
            .filter(|r| store.truncated(*r))
            .count(),
    );
}

fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        run_case(&args[i + 1]);
        // The parent reads the peak before this process is reaped.
        std::thread::sleep(std::time::Duration::from_millis(300));
        return;
    }
    println!("| case | outcome | wall time | peak memory |\n|---|---|---|---|");
    for (case, about) in CASES {
        let started = Instant::now();
        let mut child = Command::new(&args[0])
            .args(["--case", case])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut peak = 0;
        while child.try_wait().unwrap().is_none() {
            peak = peak.max(peak_kb(pid));
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let elapsed = started.elapsed();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let outcome = if out.status.success() {
            text
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            format!(
                "FAILED ({}): {}",
                out.status,
                err.lines().last().unwrap_or("")
            )
        };
        println!(
            "| {about} | {outcome} | {:.2} s | {} MB |",
            elapsed.as_secs_f64(),
            peak / 1024
        );
    }
}
