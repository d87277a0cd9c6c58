//! Live tail through the real SDK's event stream, served by the project's loopback server in
//! AWS's event-stream framing (gaps read back from moto): a session that streams for tens of
//! seconds, drops its connection, times out, and samples, with every event shown exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;

use kaudit::source::cloudwatch::{LiveNote, LiveOptions, LiveTarget, SdkLogs, follow};

use crate::support::child;
use crate::support::cloud_server::{CloudServer, LiveStep};
use crate::support::jsonl;
use crate::support::moto::{self, Moto};

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAM: &str = "kube-apiserver-audit-0a1b";

fn audit(i: usize) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"live-{i}","verb":"get","user":{{"username":"u"}}}}"#
    )
}

/// Time in these scripts runs at this many ms a step: events are stamped a step apart, and a
/// session's pauses are counted in steps.
const STEP_MS: u64 = 40;

/// How long one call may take in [`a_live_tail_survives_a_drop_and_a_timeout_and_shows_every_event_once`]:
/// its first session streams for longer, so it shows that a live session is not cut by the
/// limit every other call has.
const ATTEMPT: Duration = Duration::from_millis(1_500);

#[test]
fn a_live_tail_survives_a_drop_and_a_timeout_and_shows_every_event_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    // Stamped from now on, a step apart, as the API server would write them while the tail
    // runs: a gap read back at some moment finds the events up to that moment, and no later.
    let times: Vec<i64> = (0..=120).map(|i| now + i as i64 * STEP_MS as i64).collect();
    // Every event is in the log group, where a gap is read back from.
    let stored: Vec<(i64, String)> = times[..120]
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, audit(i)))
        .collect();
    moto::seed(&moto.url(), GROUP, STREAM, &stored);
    let update = |range: std::ops::Range<usize>, sampled: bool| LiveStep::Update {
        events: range
            .map(|i| (times[i], STREAM.to_string(), audit(i)))
            .collect(),
        sampled,
    };
    let wait = |steps: u64| LiveStep::Wait(steps * STEP_MS);
    // Session 1 streams for 55 steps (longer than a call may take), samples for a while, then
    // its connection drops: 40..55 are never sent live, and are in the log group by then.
    // Session 2 repeats a few, streams on, and times out. Session 3 brings the rest, and last
    // event 120, sent live only: once it is shown, everything sent before it was handled.
    server.with(|s| {
        s.live.push_back(vec![
            update(0..10, false),
            wait(20),
            update(10..20, true),
            wait(20),
            update(20..40, false),
            wait(15),
            LiveStep::Drop,
        ]);
        s.live.push_back(vec![
            update(50..70, false),
            wait(20),
            update(70..100, false),
            wait(15),
            LiveStep::Timeout,
        ]);
        s.live
            .push_back(vec![update(95..121, false), LiveStep::Wait(60_000)]);
    });
    assert!(Duration::from_millis(55 * STEP_MS) > ATTEMPT + Duration::from_millis(500));
    let client = moto::client(&server.url());
    let config = client
        .config()
        .to_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT)
                .operation_timeout(ATTEMPT)
                .build(),
        )
        .build();
    let logs = SdkLogs::from_client(aws_sdk_cloudwatchlogs::Client::from_conf(config));
    let target = LiveTarget {
        identifiers: vec![format!(
            "arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
        )],
        groups: vec![GROUP.into()],
        stream_prefix: Some("kube-apiserver-audit".into()),
        pattern: None,
        ..LiveTarget::default()
    };
    let notes = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let started = std::time::Instant::now();
    let result = rt.block_on(async {
        let (notes, counts, stop2) = (notes.clone(), counts.clone(), stop.clone());
        // Stopped once the last event is shown (or, failing that, after a minute).
        let watchdog = {
            let (counts, stop) = (counts.clone(), stop.clone());
            tokio::spawn(async move {
                for _ in 0..3_000 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if counts.lock().unwrap().contains_key(&audit(120)) {
                        break;
                    }
                }
                stop.store(true, Ordering::Relaxed);
            })
        };
        let r = follow(
            &logs,
            &target,
            LiveOptions {
                lookback_ms: 60_000,
                ..LiveOptions::default()
            },
            move |note| {
                if let LiveNote::Events(events) = &note {
                    let mut counts = counts.lock().unwrap();
                    for e in events {
                        *counts.entry(e.message.clone()).or_default() += 1;
                    }
                }
                notes.lock().unwrap().push(note);
            },
            &stop2,
        )
        .await;
        watchdog.await.unwrap();
        r
    });
    result.unwrap();
    let counts = counts.lock().unwrap();
    for i in 0..=120 {
        assert_eq!(
            counts.get(&audit(i)),
            Some(&1),
            "event {i} of {}",
            counts.len()
        );
    }
    assert_eq!(counts.len(), 121);
    let notes = notes.lock().unwrap();
    let sampled: Vec<bool> = notes
        .iter()
        .filter_map(|n| match n {
            LiveNote::Sampled(s) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(
        sampled,
        [true, false],
        "sampling told when it starts and when it stops"
    );
    let reconnects = notes
        .iter()
        .filter(|n| matches!(n, LiveNote::Reconnecting(_)))
        .count();
    let kinds: Vec<String> = notes
        .iter()
        .map(|n| match n {
            LiveNote::Events(e) => format!("events({})", e.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(reconnects, 2, "{kinds:?}");
    assert!(
        notes.iter().any(
            |n| matches!(n, LiveNote::Reconnecting(w) if w.contains("SessionTimeoutException"))
        ),
        "{kinds:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| matches!(n, LiveNote::Backfilled(k) if *k >= 10)),
        "{kinds:?}"
    );
    // Three sessions, the first two played to their end (the first for longer than a call
    // may take), and a gap read back after each of those two.
    assert_eq!(server.with(|s| (s.live_started, s.live_played)), (3, 2));
    assert_eq!(
        server.answered("FilterLogEvents"),
        2,
        "{:?}",
        server.calls()
    );
    eprintln!(
        "a live tail over three sessions: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn kaudit_tail_reads_the_history_then_follows_live_and_warns_of_sampling() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let now = jiff::Timestamp::now().as_millisecond();
    // Ten events of the last minute are history; ten more come live, sampled.
    let history: Vec<(i64, String)> = (0..10)
        .map(|i| (now - 50_000 + i as i64 * 1000, audit(i)))
        .collect();
    moto::seed(&moto.url(), GROUP, STREAM, &history);
    server.with(|s| {
        s.live.push_back(vec![
            LiveStep::Wait(500),
            LiveStep::Update {
                events: (10..20)
                    .map(|i| (now + i as i64, STREAM.to_string(), audit(i)))
                    .collect(),
                sampled: true,
            },
            LiveStep::Wait(3_000),
        ]);
    });
    let mut command = moto::kaudit_command();
    command.args([
        "tail",
        "--cluster",
        "prod",
        "--endpoint-url",
        &server.url(),
        "--since",
        "5m",
        "--count",
        "20",
        "-o",
        "jsonl",
    ]);
    let out = child::output(&mut command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let ids: Vec<String> = jsonl(&out.stdout)
        .iter()
        .map(|l| l["auditID"].to_string())
        .collect();
    let expected: Vec<String> = (0..20).map(|i| format!("\"live-{i}\"")).collect();
    assert_eq!(ids, expected);
    assert!(
        stderr.contains("WARNING: CloudWatch is sampling"),
        "{stderr}"
    );
    assert!(server.calls().contains(&"StartLiveTail".to_string()));
}

#[test]
fn a_session_is_replaced_before_aws_would_end_it_and_nothing_falls_in_between() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    // Written while one session hands over to the next: only the read-back finds them.
    let handed_over: Vec<(i64, String)> = (0..15)
        .map(|i| (now + 100 + i as i64 * 100, audit(i)))
        .collect();
    moto::seed(&moto.url(), GROUP, STREAM, &handed_over);
    let logs = SdkLogs::from_client(moto::client(&server.url()));
    let target = LiveTarget {
        identifiers: vec![format!(
            "arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
        )],
        groups: vec![GROUP.into()],
        stream_prefix: Some("kube-apiserver-audit".into()),
        pattern: None,
        ..LiveTarget::default()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let notes = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let stop2 = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5_000)).await;
            stop2.store(true, Ordering::Relaxed);
        });
        let notes = notes.clone();
        follow(
            &logs,
            &target,
            LiveOptions {
                session_max: Duration::from_millis(1_500),
                lookback_ms: 60_000,
                backfill_from: None,
            },
            move |n| notes.lock().unwrap().push(n),
            &stop,
        )
        .await
        .unwrap();
    });
    let notes = notes.lock().unwrap();
    let replaced = notes
        .iter()
        .filter(|n| matches!(n, LiveNote::Reconnecting(w) if w.contains("three-hour")))
        .count();
    assert!(replaced >= 2, "{replaced}");
    assert!(server.with(|s| s.live_started) >= 3);
    let mut shown: HashMap<String, usize> = HashMap::new();
    for n in notes.iter() {
        if let LiveNote::Events(events) = n {
            for e in events {
                *shown.entry(e.message.clone()).or_default() += 1;
            }
        }
    }
    for i in 0..15 {
        assert_eq!(shown.get(&audit(i)), Some(&1), "event {i}");
    }
}
