//! `kaudit tail --state FILE` (the real binary, through the real SDK against the loopback server
//! in front of moto): a tail killed with SIGKILL in the middle of a burst, or stopped cleanly,
//! and started again with the same state prints every event exactly once; a corrupt state is
//! refused by name; two clusters' positions are kept apart.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::child::{self, Running};
use crate::support::cloud_server::{CloudServer, LiveStep};
use crate::support::moto::{self, Moto};
use crate::support::now_ms;

const STREAM: &str = "kube-apiserver-audit-0a1b";

fn group(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

fn audit(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"get","user":{{"username":"u"}}}}"#
    )
}

/// `kaudit tail` over the server, `--state STATE -o jsonl`, with `args`.
fn tail_command(server: &CloudServer, state: &Path, args: &[&str]) -> std::process::Command {
    let mut command = moto::kaudit_command();
    command
        .args(["tail", "--endpoint-url", &server.url(), "-o", "jsonl"])
        .arg("--state")
        .arg(state)
        .args(args);
    command
}

/// The audit IDs of JSON lines.
fn ids(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Every expected ID printed exactly once over the runs, and nothing else.
fn assert_once(printed: &[String], expected: &[String], context: &str) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in printed {
        *counts.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    assert!(
        twice.is_empty() && missing.is_empty(),
        "printed twice: {twice:?}; never printed: {missing:?}\n{context}"
    );
    assert_eq!(printed.len(), expected.len(), "{context}");
}

/// The state file's JSON.
fn state_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_tail_killed_in_the_middle_of_a_burst_carries_on_with_every_event_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("prod.state");
    let now = now_ms();
    // Ten events of history; a burst of sixty, four to a millisecond, stamped a few seconds on
    // (CloudWatch holds them, but a read-back before then does not find them).
    let burst_at = now + 6_000;
    let time = move |i: usize| {
        if i < 10 {
            now - 30_000 + i as i64 * 1000
        } else {
            burst_at + (i as i64 - 10) / 4
        }
    };
    let events: Vec<(i64, String)> = (0..70)
        .map(|i| (time(i), audit(&format!("e-{i}"))))
        .collect();
    moto::seed(&moto.url(), &group("prod"), STREAM, &events);
    let update = move |range: std::ops::Range<usize>| LiveStep::Update {
        events: range
            .map(|i| (time(i), STREAM.to_string(), audit(&format!("e-{i}"))))
            .collect(),
        sampled: false,
    };
    server.with(|s| {
        // The burst's first thirty come, cutting the millisecond of e-38..e-41 after e-39; the
        // rest would come a minute later, but the tail is killed before.
        s.live.push_back(vec![
            LiveStep::Wait(300),
            update(10..40),
            LiveStep::Wait(60_000),
            update(40..70),
        ]);
        // The next run's session brings part of the burst again with the rest.
        s.live.push_back(vec![LiveStep::Wait(300), update(30..70)]);
    });
    let mut first = Running::start(&mut tail_command(
        &server,
        &state,
        &["--cluster", "prod", "--since", "1m"],
    ));
    let mut printed: Vec<String> = (0..40).map(|_| first.line()).collect();
    // The position of the last event printed is on disk: a crash now loses nothing.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let keys = state_json(&state)["groups"][group("prod")]["keys"].clone();
        if keys
            .as_array()
            .is_some_and(|k| k.contains(&"audit:e-39".into()))
        {
            break;
        }
        assert!(Instant::now() < deadline, "no position saved: {keys}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (rest, stderr) = first.killed();
    printed.extend(rest);
    assert_eq!(ids(&printed).len(), 40, "{stderr}");
    assert!(stderr.contains("/aws/eks/prod/cluster: live"), "{stderr}");
    let saved = state_json(&state);
    assert_eq!(
        saved["groups"][group("prod")]["time_ms"],
        time(39),
        "{saved}"
    );
    // While it was down, the burst's time passed, and an event stamped before the cut reached
    // CloudWatch only now (a late arrival).
    while now_ms() < burst_at + 100 {
        std::thread::sleep(Duration::from_millis(20));
    }
    moto::append(
        &moto.url(),
        &group("prod"),
        STREAM,
        &[(time(20), audit("late"))],
    );
    let out = child::output(&mut tail_command(
        &server,
        &state,
        &["--cluster", "prod", "--since", "1m", "--count", "31"],
    ));
    let second_stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{second_stderr}");
    assert!(
        second_stderr.contains("carrying on from"),
        "{second_stderr}"
    );
    let second: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    printed.extend(second);
    let mut expected: Vec<String> = (0..70).map(|i| format!("e-{i}")).collect();
    expected.push("late".into());
    assert_once(
        &ids(&printed),
        &expected,
        &format!("first run:\n{stderr}\nsecond run:\n{second_stderr}"),
    );
}

/// The printed lines of a run that ends by itself (its count), and its stderr.
fn run(command: &mut std::process::Command) -> (Vec<String>, String) {
    let out = child::output(command);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (lines, stderr)
}

#[test]
fn a_tail_stopped_cleanly_carries_on_where_it_stopped_live_or_polling() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    for (n, mode) in [&[][..], &["--poll", "--interval", "200ms"][..]]
        .into_iter()
        .enumerate()
    {
        let cluster = format!("c{n}");
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("tail.state");
        let base = now_ms() - 40_000;
        // Three events to a millisecond: the count stops the first run inside one.
        let events = |range: std::ops::Range<i64>| -> Vec<(i64, String)> {
            range
                .map(|i| (base + (i / 3) * 1000, audit(&format!("{cluster}-{i}"))))
                .collect()
        };
        moto::seed(&moto.url(), &group(&cluster), STREAM, &events(0..20));
        let args = |count: &'static str| {
            let mut a = vec!["--cluster", &cluster, "--since", "5m", "--count", count];
            a.extend_from_slice(mode);
            a
        };
        let (mut printed, first) = run(&mut tail_command(&server, &state, &args("14")));
        assert_eq!(printed.len(), 14, "{mode:?}: {first}");
        use std::os::unix::fs::PermissionsExt;
        let file_mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(file_mode & 0o777, 0o600, "{mode:?}");
        // More while it was stopped.
        moto::append(&moto.url(), &group(&cluster), STREAM, &events(20..26));
        let (second, stderr) = run(&mut tail_command(&server, &state, &args("12")));
        printed.extend(second);
        let expected: Vec<String> = (0..26).map(|i| format!("{cluster}-{i}")).collect();
        assert_once(
            &ids(&printed),
            &expected,
            &format!("{mode:?}: first run:\n{first}\nsecond run:\n{stderr}"),
        );
    }
}

#[test]
fn a_corrupt_state_file_is_refused_by_name_and_left_as_it_is() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    moto::seed(
        &moto.url(),
        &group("prod"),
        STREAM,
        &[(now_ms(), audit("a"))],
    );
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("prod.state");
    let text = "{\"version\": 1,\n  \"groups\": {\"/aws/eks/prod/cluster\": {\"time_ms\": tru";
    std::fs::write(&state, text).unwrap();
    let out = child::output(&mut tail_command(
        &server,
        &state,
        &["--cluster", "prod", "--count", "1"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&state.display().to_string()), "{stderr}");
    assert!(stderr.contains("line 2, column"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing shown from now instead");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), text);
    let calls = server.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c == "StartLiveTail" || c == "FilterLogEvents"),
        "{calls:?}"
    );
}

#[test]
fn two_clusters_positions_are_kept_apart_and_another_clusters_is_kept() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fleet.state");
    let base = now_ms() - 60_000;
    // prod's events are newer than staging's: one position for both would lose staging's.
    let events = |cluster: &str, range: std::ops::Range<i64>, offset: i64| -> Vec<(i64, String)> {
        range
            .map(|i| (base + offset + i * 1000, audit(&format!("{cluster}-{i}"))))
            .collect()
    };
    moto::seed(
        &moto.url(),
        &group("prod"),
        STREAM,
        &events("prod", 0..10, 20_000),
    );
    moto::seed(
        &moto.url(),
        &group("staging"),
        STREAM,
        &events("staging", 0..10, 0),
    );
    let both = [
        "--cluster",
        "prod",
        "--cluster",
        "staging",
        "--since",
        "5m",
        "--poll",
    ];
    let (mut printed, first) = run(&mut tail_command(
        &server,
        &state,
        &[&both[..], &["--interval", "200ms", "--count", "20"]].concat(),
    ));
    let saved = state_json(&state);
    assert_eq!(
        (
            saved["groups"][group("prod")]["time_ms"].as_i64(),
            saved["groups"][group("staging")]["time_ms"].as_i64()
        ),
        (Some(base + 20_000 + 9_000), Some(base + 9_000)),
        "{saved}\n{first}"
    );
    for cluster in ["prod", "staging"] {
        let said = format!("/aws/eks/{cluster}/cluster: polling");
        assert_eq!(first.matches(&said).count(), 1, "said once: {first}");
    }
    // staging receives late events, stamped before prod's newest; prod carries on alone.
    moto::append(
        &moto.url(),
        &group("staging"),
        STREAM,
        &events("staging", 10..13, 0),
    );
    moto::append(
        &moto.url(),
        &group("prod"),
        STREAM,
        &events("prod", 10..12, 20_000),
    );
    let (second, only_prod) = run(&mut tail_command(
        &server,
        &state,
        &[
            "--cluster",
            "prod",
            "--since",
            "5m",
            "--poll",
            "--interval",
            "200ms",
            "--count",
            "2",
        ],
    ));
    printed.extend(second);
    assert!(
        only_prod.contains("also holds the position of /aws/eks/staging/cluster"),
        "{only_prod}"
    );
    let saved = state_json(&state);
    assert_eq!(
        saved["groups"][group("staging")]["time_ms"].as_i64(),
        Some(base + 9_000),
        "staging's position kept as it was: {saved}"
    );
    // Both again, and a third cluster the state knows nothing of.
    moto::seed(&moto.url(), &group("dev"), STREAM, &events("dev", 0..2, 0));
    let (third, stderr) = run(&mut tail_command(
        &server,
        &state,
        &[
            &both[..],
            &["--cluster", "dev", "--interval", "200ms", "--count", "5"],
        ]
        .concat(),
    ));
    assert!(
        stderr.contains("/aws/eks/dev/cluster: ") && stderr.contains("holds no position for it"),
        "{stderr}"
    );
    printed.extend(third);
    let mut expected: Vec<String> = (0..12).map(|i| format!("prod-{i}")).collect();
    expected.extend((0..13).map(|i| format!("staging-{i}")));
    expected.extend((0..2).map(|i| format!("dev-{i}")));
    assert_once(
        &ids(&printed),
        &expected,
        &format!("{first}\n{only_prod}\n{stderr}"),
    );
}

#[test]
fn a_watch_carries_on_from_its_state_without_repeating_a_finding() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.state");
    let base = now_ms() - 30_000;
    // Every third event changes aws-auth: a finding each.
    let events: Vec<(i64, String)> = (0..12)
        .map(|i| {
            let (verb, name) = if i % 3 == 0 { ("patch", "aws-auth") } else { ("get", "web") };
            let text = format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"w-{i}","stage":"ResponseComplete","requestURI":"/x","verb":"{verb}","user":{{"username":"mallory"}},"objectRef":{{"resource":"configmaps","namespace":"kube-system","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"code":200}}}}"#
            );
            (base + i * 1000, text)
        })
        .collect();
    moto::seed(&moto.url(), &group("prod"), STREAM, &events);
    let mut printed = Vec::new();
    for _ in 0..2 {
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
            .args([
                "--poll",
                "--interval",
                "200ms",
                "--since",
                "5m",
                "--count",
                "2",
            ])
            .args(["-o", "jsonl", "--state"])
            .arg(&state);
        let out = child::output(&mut command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "a finding fired: {stderr}");
        printed.extend(ids(&String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()));
    }
    assert_eq!(printed, ["w-0", "w-3", "w-6", "w-9"]);
}

#[test]
fn a_tail_stopped_with_sigterm_ends_cleanly_its_position_written() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("prod.state");
    let base = now_ms() - 20_000;
    let events: Vec<(i64, String)> = (0..8)
        .map(|i| (base + i * 1000, audit(&format!("t-{i}"))))
        .collect();
    moto::seed(&moto.url(), &group("prod"), STREAM, &events);
    let mut tail = Running::start(&mut tail_command(
        &server,
        &state,
        &["--cluster", "prod", "--since", "1m"],
    ));
    let printed: Vec<String> = (0..8).map(|_| tail.line()).collect();
    tail.terminate();
    let (status, rest, stderr) = tail.finish();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(ids(&printed).last().map(String::as_str), Some("t-7"));
    let saved = state_json(&state);
    assert_eq!(
        saved["groups"][group("prod")]["time_ms"],
        base + 7000,
        "{saved}"
    );
    assert_eq!(
        saved["groups"][group("prod")]["keys"][0],
        "audit:t-7",
        "{saved}"
    );
}
