//! Several inputs are one timeline: streams of one cluster, folders of captures and followed
//! files come out in @timestamp order, every event once.

use std::io::Write;
use std::path::Path;

use crate::support::child::Running;
use crate::support::{kaudit, kaudit_command, text};

/// A demo file of `events` events, and the same split into two streams by alternating lines,
/// as two API servers write them.
fn demo_and_streams(dir: &Path, events: usize) -> (String, std::path::PathBuf) {
    let demo = dir.join("demo.log");
    let out = kaudit(&[
        "demo",
        "--events",
        &events.to_string(),
        "--seed",
        "7",
        "-o",
        demo.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = std::fs::read_to_string(&demo).unwrap();
    let streams = dir.join("streams");
    std::fs::create_dir(&streams).unwrap();
    for (which, name) in ["a.log", "b.log"].iter().enumerate() {
        let lines: String = all
            .lines()
            .enumerate()
            .filter(|(i, _)| i % 2 == which)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        std::fs::write(streams.join(name), lines).unwrap();
    }
    (all, streams)
}

fn audit_ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn two_streams_print_as_the_one_file_they_were_cut_from() {
    let dir = tempfile::tempdir().unwrap();
    let (all, streams) = demo_and_streams(dir.path(), 3000);
    let streams = streams.to_str().unwrap();
    let out = kaudit(&["events", streams, "-o", "jsonl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Every event, in order, once: the file they were cut from, line for line.
    assert_eq!(text(&out.stdout), all);
    // The first six of the timeline, not the first six of a.log.
    let out = kaudit(&["events", streams, "-n", "6", "-o", "jsonl"]);
    let first: Vec<String> = audit_ids(&all).into_iter().take(6).collect();
    assert_eq!(audit_ids(&text(&out.stdout)), first);
    // The table too.
    let out = kaudit(&["events", streams, "-n", "6"]);
    let times: Vec<String> = text(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(times.len(), 6);
    assert!(times.is_sorted(), "{times:?}");
}

#[test]
fn a_query_over_two_streams_answers_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let (all, streams) = demo_and_streams(dir.path(), 3000);
    let streams = streams.to_str().unwrap();
    let ids = audit_ids(&all);
    // Rows of events, no order of their own: the timeline's, and its first n for a limit.
    let out = kaudit(&["query", streams, "fields auditID | limit 6", "-o", "jsonl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(audit_ids(&text(&out.stdout)), ids[..6]);
    let out = kaudit(&[
        "query",
        streams,
        "filter verb = \"get\" | fields auditID, verb",
        "-o",
        "jsonl",
    ]);
    let gets: Vec<String> = all
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["verb"] == "get").then(|| v["auditID"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(gets.len() > 100);
    let got = audit_ids(&text(&out.stdout));
    assert_eq!(got.len(), gets.len());
    assert!(got == gets, "the gets are not in time order");
    // A sort of the query's own is kept: the newest first.
    let out = kaudit(&[
        "query",
        streams,
        "fields auditID | sort @timestamp desc | limit 3",
        "-o",
        "jsonl",
    ]);
    let newest: Vec<String> = ids.iter().rev().take(3).cloned().collect();
    assert_eq!(audit_ids(&text(&out.stdout)), newest);
}

#[test]
fn a_folder_of_captures_from_different_days_is_in_time_order() {
    let Some(corpus) = crate::support::corpus_dir("a folder of captures in time order") else {
        return;
    };
    let folder = corpus.join("falco-trace-files");
    let out = kaudit(&["events", folder.to_str().unwrap(), "-o", "jsonl"]);
    let stdout = text(&out.stdout);
    let times: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["stageTimestamp"]
                .as_str()
                .or(v["timestamp"].as_str())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(times.len() > 40, "{} events", times.len());
    let days: std::collections::BTreeSet<&str> = times.iter().map(|t| &t[..10]).collect();
    assert!(days.len() > 1, "the folder spans several days: {days:?}");
    assert!(times.is_sorted(), "{times:?}");
}

/// An event of a night shift, at second `s` plus `ms` milliseconds, numbered `n`.
fn event(n: usize, s: u32, ms: u32) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"event-{n:03}","stage":"ResponseComplete","verb":"get","user":{{"username":"u"}},"stageTimestamp":"2026-11-02T08:00:{s:02}.{ms:03}000Z"}}"#
    )
}

#[test]
fn following_two_files_prints_each_round_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    // Already there: 0 and 2 in a, 1 and 3 in b.
    std::fs::write(&a, format!("{}\n{}\n", event(0, 0, 100), event(2, 1, 5))).unwrap();
    std::fs::write(&b, format!("{}\n{}\n", event(1, 0, 900), event(3, 1, 500))).unwrap();
    let mut follow = Running::start(
        kaudit_command()
            .args(["events", a.to_str().unwrap(), b.to_str().unwrap()])
            .args(["--follow", "-n", "8", "-o", "jsonl"]),
    );
    // What the files held is printed first: both are read, and followed.
    let mut printed: Vec<String> = (0..4).map(|_| follow.line()).collect();
    // Written at once to both files, b's earlier than a's: one round, merged.
    let append = |path: &Path, lines: &[String]| {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    };
    append(&a, &[event(5, 2, 700), event(7, 3, 1)]);
    append(&b, &[event(4, 2, 300), event(6, 2, 999)]);
    let (status, rest, stderr) = follow.finish();
    assert!(status.success(), "{stderr}");
    printed.extend(rest);
    let expected: Vec<String> = (0..8).map(|n| format!("event-{n:03}")).collect();
    assert_eq!(audit_ids(&(printed.join("\n") + "\n")), expected);
}

/// User `n`'s event at epoch ms `at` (its own time, as the API server wrote it).
fn event_at(n: usize, at: i64) -> String {
    let t = jiff::Timestamp::from_millisecond(at).unwrap();
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"cw-{n:03}","stage":"ResponseComplete","verb":"get","user":{{"username":"user-{n:03}"}},"stageTimestamp":"{}"}}"#,
        t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
    )
}

/// The users of the table's rows, top to bottom (a row: its time, then its user).
fn users_in_table(screen: &str) -> Vec<usize> {
    screen
        .lines()
        .filter_map(|line| {
            let at = line.rfind("user-")?;
            line[..at].rfind('.')?;
            line[at + 5..at + 8].parse().ok()
        })
        .collect()
}

#[test]
fn the_console_over_two_cloudwatch_streams_shows_one_timeline() {
    use crate::support::moto::{self, Moto};
    use crate::support::pane::{Pane, tmux_available};
    if !tmux_available("the console over two CloudWatch streams") {
        return;
    }
    let moto = Moto::start();
    let group = "/aws/eks/prod/cluster";
    let now = jiff::Timestamp::now().as_millisecond();
    // Sixty events 731 ms apart, dealt out to two API servers' streams.
    let at = |n: usize| now - 240_000 + n as i64 * 731;
    for (which, stream) in ["kube-apiserver-audit-aaaa", "kube-apiserver-audit-bbbb"]
        .iter()
        .enumerate()
    {
        let events: Vec<(i64, String)> = (0..60)
            .filter(|n| n % 2 == which)
            .map(|n| (at(n), event_at(n, at(n))))
            .collect();
        moto::seed(&moto.url(), group, stream, &events);
    }
    let dir = tempfile::tempdir().unwrap();
    let url = moto.url();
    let env: Vec<(&str, &str)> = moto::env().to_vec();
    let pane = Pane::start_with(
        "timeline-cloud",
        dir.path(),
        &[
            "--cluster",
            "prod",
            "--endpoint-url",
            &url,
            "--since",
            "10m",
        ],
        &env,
        160,
        45,
    );
    let screen = pane.wait_for("events 60 of 60");
    let users = users_in_table(&screen);
    assert!(users.len() >= 20, "{screen}");
    let expected: Vec<usize> = (0..users.len()).collect();
    assert_eq!(users, expected, "{screen}");
}

#[test]
fn the_console_over_a_folder_of_streams_shows_one_timeline() {
    use crate::support::pane::{Pane, tmux_available};
    if !tmux_available("the console over a folder of streams") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let streams = dir.path().join("streams");
    std::fs::create_dir(&streams).unwrap();
    let base = 1_793_606_400_000; // 2026-11-02T08:00:00Z
    for which in 0..3 {
        let lines: String = (0..90)
            .filter(|n| n % 3 == which)
            .map(|n| event_at(n, base + n as i64 * 457) + "\n")
            .collect();
        std::fs::write(
            streams.join(format!("kube-apiserver-audit-{which}.log")),
            lines,
        )
        .unwrap();
    }
    for (width, height) in [(80, 24), (160, 45)] {
        let pane = Pane::start(
            &format!("timeline-folder-{width}"),
            dir.path(),
            &["streams"],
            width,
            height,
        );
        let screen = pane.wait_for("events 90 of 90");
        let users = users_in_table(&screen);
        assert!(users.len() >= 8, "{screen}");
        let expected: Vec<usize> = (0..users.len()).collect();
        assert_eq!(users, expected, "{width}x{height}\n{screen}");
    }
}
