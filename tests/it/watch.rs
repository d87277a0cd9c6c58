//! `kaudit watch`: findings printed as their events arrive, from a followed file and from a
//! cluster's live tail (the loopback server in AWS's event-stream framing, gaps read back from
//! moto), each event read once across a dropped session; and how long an event takes to become
//! a finding on standard output.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::child;
use crate::support::cloud_server::{CloudServer, LiveStep};
use crate::support::moto::{self, Moto};
use crate::support::{kaudit, kaudit_command};

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAM: &str = "kube-apiserver-audit-0a1b";

/// Event `i`: every third one changes aws-auth (a critical finding), the others read pods.
fn event(i: usize, time_ms: i64) -> String {
    let time = jiff::Timestamp::from_millisecond(time_ms).unwrap();
    let (verb, object) = if i.is_multiple_of(3) {
        (
            "patch",
            r#"{"resource":"configmaps","namespace":"kube-system","name":"aws-auth","apiVersion":"v1"}"#,
        )
    } else {
        (
            "get",
            r#"{"resource":"pods","namespace":"default","name":"web","apiVersion":"v1"}"#,
        )
    };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"w-{i}","stage":"ResponseComplete","requestURI":"/x","verb":"{verb}","user":{{"username":"mallory"}},"sourceIPs":["198.51.100.7"],"objectRef":{object},"responseStatus":{{"code":200}},"stageTimestamp":"{time}"}}"#
    )
}

/// Standard output's lines as they come, each with when it came.
fn lines_of(child: &mut Child) -> Receiver<(Instant, String)> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(rx: &Receiver<(Instant, String)>) -> (Instant, String) {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("a finding within 30 s")
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[test]
fn a_followed_file_gives_each_finding_once_as_its_event_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let demo = kaudit(&["demo", "--events", "3000"]);
    let log = dir.path().join("audit.log");
    std::fs::write(&log, &demo.stdout).unwrap();
    let detect = child::output(
        kaudit_command()
            .env("XDG_CONFIG_HOME", dir.path())
            .args(["detect", "-o", "json"])
            .arg(&log),
    );
    let expected: usize = serde_json::from_slice::<Vec<serde_json::Value>>(&detect.stdout)
        .unwrap()
        .iter()
        .map(|f| f["hits"].as_u64().unwrap() as usize)
        .sum();
    assert!(expected > 10, "{expected} hits in the demo");
    let mut child = kaudit_command()
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["watch", "-o", "jsonl"])
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    // What the file holds already: the findings `kaudit detect` gives, each once.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for _ in 0..expected {
        let (_, line) = next_line(&rx);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let key = (v["detection"].to_string(), v["auditID"].to_string());
        *seen.entry(key).or_default() += 1;
    }
    assert_eq!(seen.len(), expected, "every finding once");
    // Events written later, one at a time: each finding comes as its event is written.
    let now = jiff::Timestamp::now().as_millisecond();
    let mut latencies = Vec::new();
    for i in (0..9).step_by(3) {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let written = Instant::now();
        writeln!(f, "{}", event(i, now + i as i64)).unwrap();
        drop(f);
        let (came, line) = next_line(&rx);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["detection"], "aws-auth-modified");
        assert_eq!(v["auditID"], format!("w-{i}"));
        assert_eq!(v["event"]["user"]["username"], "mallory");
        latencies.push(came - written);
    }
    // Nothing more: no event read twice.
    assert!(rx.recv_timeout(Duration::from_millis(1_500)).is_err());
    child.kill().unwrap();
    let _ = child.wait();
    let worst = latencies.iter().max().unwrap();
    eprintln!(
        "watch latency, followed file (written → finding on stdout): {:?} ms, worst {:.0} ms",
        latencies
            .iter()
            .map(|d| millis(*d).round())
            .collect::<Vec<_>>(),
        millis(*worst)
    );
}

#[test]
fn a_cluster_watched_live_gives_each_finding_once_across_a_dropped_session() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    let times: Vec<i64> = (0..30).map(|i| now + 1_000 + i as i64 * 100).collect();
    let stored: Vec<(i64, String)> = times
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, event(i, *t)))
        .collect();
    // Every event is in the log group, where the gap after the drop is read back from.
    moto::seed(&moto.url(), GROUP, STREAM, &stored);
    let update = |range: std::ops::Range<usize>| LiveStep::Update {
        events: range
            .map(|i| (times[i], STREAM.to_string(), event(i, times[i])))
            .collect(),
        sampled: false,
    };
    // Session 1 sends 0..12, one update a second, and drops: 12..18 are never sent live.
    // Session 2 repeats 15..18 and brings the rest.
    server.with(|s| {
        s.live.push_back(vec![
            LiveStep::Wait(1_000),
            update(0..3),
            LiveStep::Wait(1_000),
            update(3..6),
            LiveStep::Wait(1_000),
            update(6..12),
            LiveStep::Wait(1_000),
            LiveStep::Drop,
        ]);
        s.live.push_back(vec![
            LiveStep::Wait(1_000),
            update(15..30),
            LiveStep::Wait(3_000),
        ]);
    });
    let mut command = moto::kaudit_command();
    command
        .env("XDG_CONFIG_HOME", dir.path())
        .args([
            "watch",
            "--cluster",
            "prod",
            "--endpoint-url",
            &server.url(),
        ])
        .args(["--since", "5m", "--count", "10", "-o", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let rx = lines_of(&mut child);
    let mut arrived = Vec::new();
    for _ in 0..10 {
        arrived.push(next_line(&rx));
    }
    let status = child::wait(&mut child, "kaudit watch --cluster prod");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "a finding fired: {stderr}");
    let ids: Vec<String> = arrived
        .iter()
        .map(|(_, l)| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            assert_eq!(v["detection"], "aws-auth-modified");
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect();
    // Every third event, each once, in order: the gap's (12, 15) read back, 15 not repeated.
    let expected: Vec<String> = (0..30).step_by(3).map(|i| format!("w-{i}")).collect();
    assert_eq!(ids, expected, "{stderr}");
    assert!(stderr.contains("read back from the gap"), "{stderr}");
    assert!(stderr.contains("findings"), "{stderr}");
    assert_eq!(server.with(|s| s.live_started), 2);
    // From an update written by the server to its first finding on standard output, for the
    // first session's three updates (the first, third and seventh findings).
    let sent = server.with(|s| s.updates_sent.clone());
    let latencies: Vec<f64> = [(0, 0), (1, 1), (2, 2)]
        .iter()
        .map(|&(update, finding)| millis(arrived[finding].0 - sent[update]))
        .collect();
    eprintln!("watch latency, live tail (update sent → finding on stdout): {latencies:.1?} ms");
    // The first finding is the first event of the first update.
    assert!(latencies.iter().all(|l| *l >= 0.0), "{latencies:?}");
}

#[test]
fn watch_asks_for_something_to_watch_and_not_two_things() {
    let out = kaudit(&["watch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give the files to watch"));
    let out = kaudit(&["watch", "x.log", "--cluster", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not both"));
}
