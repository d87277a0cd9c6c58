//! Past CloudWatch's 10,000-row cap, through the real binary and the real SDK: 24,000 events
//! 900 ms apart (sub-second times) in three streams of one log group, as EKS writes one
//! `kube-apiserver-audit-*` stream per API server. Every event once and in order, whichever way
//! AWS takes a query's end time; a query's own `limit`, and `stats` and `dedup` answers, are
//! never split. In the CLI (`kaudit query`, `kaudit detect`) and in the console.
//!
//! moto answers Logs Insights queries of events (it takes an end time as its first instant and
//! returns every row, with no cap); the project's loopback server answers the rest: the cap, both
//! other roundings of an end time, and `stats` at the cap.

use std::path::Path;
use std::process::Output;

use crate::support::child;
use crate::support::cloud_server::{CloudServer, EndRounding, Event, Script};
use crate::support::moto::{self, Moto};
use crate::support::pane::{Pane, tmux_available};
use crate::support::{jsonl, now_ms};

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAMS: [&str; 3] = [
    "kube-apiserver-audit-1a2b",
    "kube-apiserver-audit-3c4d",
    "kube-apiserver-audit-5e6f",
];
const EVENTS: usize = 24_000;
const STEP_MS: i64 = 900;
const CAP: usize = 10_000;

/// Event `i`'s text: its audit ID says where it stands in time. A person reading a secret: one
/// detection of the library fires on each.
fn audit(i: usize) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"e-{i:05}","verb":"get","user":{{"username":"u"}},"objectRef":{{"resource":"secrets"}},"responseStatus":{{"code":200}},"stageTimestamp":"2026-11-02T08:00:00Z"}}"#
    )
}

/// The detection each event fires.
const FIRED: &str = "secrets-read-by-users";

/// The place in time of the event whose text this is.
fn index(message: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(message).unwrap();
    v["auditID"].as_str().unwrap()[2..].parse().unwrap()
}

/// The 24,000 events into moto, `first_ms` on, spread over the three streams in turn.
fn seed_moto(moto: &Moto, first_ms: i64) {
    for (k, stream) in STREAMS.iter().enumerate() {
        let events: Vec<(i64, String)> = (k..EVENTS)
            .step_by(STREAMS.len())
            .map(|i| (first_ms + i as i64 * STEP_MS, audit(i)))
            .collect();
        moto::seed(&moto.url(), GROUP, stream, &events);
    }
}

/// Moto holding the events, the newest two minutes old; and the oldest one's time.
fn moto_with_events() -> (Moto, i64) {
    let moto = Moto::start();
    let first_ms = now_ms() - EVENTS as i64 * STEP_MS - 120_000;
    seed_moto(&moto, first_ms);
    (moto, first_ms)
}

fn kaudit(url: &str, args: &[&str]) -> Output {
    let mut command = moto::kaudit_command();
    command.args(args).args(["--endpoint-url", url]);
    child::output(&mut command)
}

/// `kaudit query` over the log group: the events printed, by place in time, and stderr.
fn query(url: &str, range: &[&str], text: &str) -> (Vec<usize>, String) {
    let mut args = vec!["query", "--log-group", GROUP, "-o", "jsonl"];
    args.extend(range);
    args.push(text);
    let out = kaudit(url, &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let rows = jsonl(&out.stdout)
        .iter()
        .map(|row| index(row["@message"].as_str().unwrap()))
        .collect();
    (rows, stderr)
}

/// How far `rows` are from `expected`, for a message that shows the figures.
fn compare(rows: &[usize], expected: &[usize]) -> String {
    let distinct: std::collections::HashSet<_> = rows.iter().collect();
    format!(
        "{} rows, {} distinct, {} expected; first difference at {:?}",
        rows.len(),
        distinct.len(),
        expected.len(),
        rows.iter().zip(expected).position(|(a, b)| a != b)
    )
}

const SINCE: [&str; 2] = ["--since", "7h"];
const NEWEST_FIRST: &str = "fields @timestamp, @message | sort @timestamp desc";

#[test]
fn past_the_cap_every_event_comes_once_and_in_order_through_moto() {
    let (moto, _) = moto_with_events();
    let (rows, stderr) = query(&moto.url(), &SINCE, NEWEST_FIRST);
    let expected: Vec<usize> = (0..EVENTS).rev().collect();
    assert!(rows == expected, "{}\n{stderr}", compare(&rows, &expected));
    assert!(stderr.contains("the range was split into"), "{stderr}");
    assert!(!stderr.contains("cannot be split"), "{stderr}");
    assert!(!stderr.contains("not covered"), "{stderr}");
}

#[test]
fn a_query_with_its_own_limit_returns_that_many_and_is_not_split() {
    let (moto, _) = moto_with_events();
    let (rows, stderr) = query(
        &moto.url(),
        &SINCE,
        &format!("{NEWEST_FIRST} | limit 10000"),
    );
    let expected: Vec<usize> = (EVENTS - CAP..EVENTS).rev().collect();
    assert!(rows == expected, "{}\n{stderr}", compare(&rows, &expected));
    assert!(!stderr.contains("split"), "{stderr}");
    assert!(stderr.contains("(CloudWatch, 1 query)"), "{stderr}");
}

/// 2026-11-02T08:00:00Z in seconds.
const T0: i64 = 1_793_606_400;

/// The events for the loopback server: `first_ms` on, 900 ms apart, in three streams.
fn scripted_events(first_ms: i64) -> Vec<Event> {
    (0..EVENTS)
        .map(|i| Event {
            time_ms: first_ms + i as i64 * STEP_MS,
            ptr: format!("ptr-{}-{i}", STREAMS[i % STREAMS.len()]),
            message: audit(i),
        })
        .collect()
}

/// The loopback server answering queries over the events (123 ms past T0 on), at most 10,000
/// rows each, taking end times as `rounding` says.
fn scripted(moto: &Moto, rounding: EndRounding) -> CloudServer {
    let server = CloudServer::start(&moto.url());
    server.with(|s| {
        s.end_rounding = rounding;
        s.script = Some(Script {
            events: scripted_events(T0 * 1000 + 123),
            cap: CAP,
            running_polls: 0,
            ends: None,
        });
    });
    server
}

const SCRIPTED_RANGE: [&str; 4] = [
    "--start",
    "2026-11-02T08:00:00Z",
    "--end",
    "2026-11-02T14:00:00Z",
];

#[test]
fn whichever_way_aws_takes_an_end_time_no_event_is_lost_or_doubled() {
    let moto = Moto::start();
    let mut wrong = Vec::new();
    for rounding in EndRounding::ALL {
        let server = scripted(&moto, rounding);
        for (text, expected) in [
            (NEWEST_FIRST, (0..EVENTS).rev().collect::<Vec<_>>()),
            (
                "fields @timestamp, @message | sort @timestamp asc",
                (0..EVENTS).collect(),
            ),
        ] {
            let (rows, stderr) = query(&server.url(), &SCRIPTED_RANGE, text);
            assert!(stderr.contains("the range was split into"), "{stderr}");
            if rows != expected {
                wrong.push(format!(
                    "{rounding:?}, {text}: {}",
                    compare(&rows, &expected)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn stats_and_dedup_answers_at_the_cap_are_not_split_and_say_there_may_be_more() {
    let moto = Moto::start();
    let server = scripted(&moto, EndRounding::WholeSecond);
    for text in [
        "stats count(*) by bin(1s)",
        "fields @timestamp, @message, verb | dedup verb",
    ] {
        let before = server.with(|s| s.ranges.len());
        let (rows, stderr) = query(&server.url(), &SCRIPTED_RANGE, text);
        assert_eq!(rows.len(), CAP, "{text}: {stderr}");
        assert_eq!(
            server.with(|s| s.ranges.len()) - before,
            1,
            "{text}: one query"
        );
        assert!(stderr.contains("cannot be split"), "{stderr}");
        assert!(stderr.contains("there may be more"), "{stderr}");
        assert!(!stderr.contains("split into"), "{stderr}");
    }
    // Under the cap: nothing to say.
    let (rows, stderr) = query(
        &server.url(),
        &[
            "--start",
            "2026-11-02T08:00:00Z",
            "--end",
            "2026-11-02T08:59:59Z",
        ],
        "stats count(*) by bin(1s)",
    );
    assert_eq!(rows.len(), 4_000, "{stderr}");
    assert!(!stderr.contains("split"), "{stderr}");
}

/// `kaudit detect` findings as JSON, by detection name: `(hits, complete)`; no hit twice.
fn detect(url: &str, config: &Path, range: &[&str]) -> Vec<(String, u64, bool)> {
    let mut command = moto::kaudit_command();
    command
        .args(["detect", "--log-group", GROUP, "--endpoint-url", url])
        .args(["--max-rows", "30000", "-o", "json"])
        .args(range)
        .env("XDG_CONFIG_HOME", config);
    let out = child::output(&mut command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    findings
        .iter()
        .map(|f| {
            let ids = f["auditIDs"].as_array().unwrap();
            let distinct: std::collections::HashSet<_> = ids.iter().collect();
            assert_eq!(distinct.len(), ids.len(), "{}: a hit twice", f["name"]);
            (
                f["name"].as_str().unwrap().to_string(),
                f["hits"].as_u64().unwrap(),
                f["complete"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Every detection found nothing, but the one every event fires, which found each once.
fn every_event_once(findings: &[(String, u64, bool)]) {
    assert!(findings.len() > 1);
    for (name, hits, complete) in findings {
        let expected = if name == FIRED { EVENTS as u64 } else { 0 };
        assert_eq!((*hits, *complete), (expected, true), "{name}");
    }
}

#[test]
fn kaudit_detect_counts_every_event_once_and_never_splits_stats() {
    // moto answers the detections' shared queries with every event, under no cap: kaudit tells
    // them apart, and the one detection they fire counts each once.
    let (moto, _) = moto_with_events();
    let config = tempfile::tempdir().unwrap();
    every_event_once(&detect(&moto.url(), config.path(), &SINCE));

    // The loopback server answers at the cap, as AWS would: each shared query is split past it,
    // and no hit is lost or counted twice.
    let server = scripted(&moto, EndRounding::WholeSecond);
    every_event_once(&detect(&server.url(), config.path(), &SCRIPTED_RANGE));
    let texts = server.with(|s| s.texts.clone());
    let distinct: std::collections::HashSet<&String> = texts.iter().collect();
    assert!(texts.len() > 2 * distinct.len(), "{} queries", texts.len());

    // A detection of the user's that counts groups: one query, its answer at the cap said to
    // be incomplete, never 24,000 rows made of repeated groups.
    let queries = config.path().join("kaudit/queries");
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::write(
        queries.join("verb-burst.insights"),
        "# name: verb-burst\n# description: Requests counted by verb\n# tags: detection\n# severity: low\nstats count(*) by verb, bin(1s)\n",
    )
    .unwrap();
    // The loopback server answers it at the cap, as AWS would; the library's detections find
    // nothing there (they were counted above).
    let server = scripted(&moto, EndRounding::WholeSecond);
    server.with(|s| s.only_texts_with = Some("stats count(*) by verb".into()));
    let findings = detect(&server.url(), config.path(), &SCRIPTED_RANGE);
    let burst = findings.iter().find(|f| f.0 == "verb-burst").unwrap();
    assert_eq!((burst.1, burst.2), (CAP as u64, false), "{findings:?}");
    let texts = server.with(|s| s.texts.clone());
    assert_eq!(
        texts.iter().filter(|t| t.contains("stats")).count(),
        1,
        "one query for the stats detection"
    );
}

#[test]
fn the_console_shows_every_event_once_past_the_cap_and_never_splits_limit_or_stats() {
    if !tmux_available("console: CloudWatch queries past the cap") {
        return;
    }
    let (moto, first_ms) = moto_with_events();
    // In front of moto: loading reads moto's events; the stats query is answered here.
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let env: Vec<(&str, &str)> = moto::env().to_vec();
    let pane = Pane::start_with(
        "cloud-split",
        dir.path(),
        &[
            "--log-group",
            GROUP,
            "--endpoint-url",
            &url,
            "--since",
            "7h",
        ],
        &env,
        220,
        40,
    );
    pane.wait_for("events 24000 of 24000");
    // The status line, once the answer is in, starts with the query.
    let run = |text: &str| -> String {
        pane.keys(&[":"]);
        pane.literal(&format!("query {text}"));
        pane.keys(&["Enter"]);
        pane.wait_for(&format!("{text}: "))
    };
    // Each row tied to a distinct held event: as many events as rows means none twice.
    let screen = run(NEWEST_FIRST);
    assert!(
        screen
            .contains("24000 rows; the events view, facets and timeline now hold its 24000 events"),
        "{screen}"
    );
    // The newest first, then the one before it.
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("│@timestamp"))
        .unwrap();
    for (k, line) in lines[header + 1..header + 4].iter().enumerate() {
        let ms = first_ms + (EVENTS - 1 - k) as i64 * STEP_MS;
        let shown = crate::support::cloud_server::aws_time(ms);
        assert!(line.contains(&shown), "row {k} is not at {shown}: {screen}");
    }
    assert!(screen.contains("10,000-row cap"), "{screen}");

    let screen = run(&format!("{NEWEST_FIRST} | limit 10000"));
    assert!(
        screen
            .contains("10000 rows; the events view, facets and timeline now hold its 10000 events"),
        "{screen}"
    );
    assert!(!screen.contains("10,000-row cap"), "{screen}");
    assert!(!screen.contains("cannot be split"), "{screen}");

    // The same events, answered at the cap as AWS would; moto has no cap and no `stats`.
    server.with(|s| {
        s.script = Some(Script {
            events: scripted_events(first_ms),
            cap: CAP,
            running_polls: 0,
            ends: None,
        });
    });
    let screen = run("stats count(*) by verb, bin(1s)");
    assert!(
        screen.contains("stats count(*) by verb, bin(1s): 10000 rows"),
        "{screen}"
    );
    assert!(screen.contains("cannot be split"), "{screen}");
    assert_eq!(server.with(|s| s.ranges.len()), 1, "one query: {screen}");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}
