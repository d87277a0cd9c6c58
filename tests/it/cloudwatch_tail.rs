//! Tailing CloudWatch Logs by polling FilterLogEvents, through the real SDK against moto: no
//! event lost or shown twice, including events that share a millisecond and late arrivals.

use std::collections::HashMap;

use aws_sdk_cloudwatchlogs::Client;
use kaudit::source::cloudwatch::{Poller, SdkLogs, TailTarget, poll};

use crate::support::child;
use crate::support::moto::{self, Moto};
use crate::support::{jsonl, now_ms};

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAMS: [&str; 2] = ["kube-apiserver-audit-aaaa", "kube-apiserver-audit-bbbb"];

async fn setup(client: &Client) {
    client
        .create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    for stream in STREAMS.iter().chain(["other-stream"].iter()) {
        client
            .create_log_stream()
            .log_group_name(GROUP)
            .log_stream_name(*stream)
            .send()
            .await
            .unwrap();
    }
}

/// Puts `(time, message)` events into a stream of the group.
async fn put(client: &Client, stream: &str, events: Vec<(i64, String)>) {
    moto::put(client, GROUP, stream, &events).await;
}

fn audit(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"get","user":{{"username":"u"}},"stageTimestamp":"2026-11-24T08:00:00Z"}}"#
    )
}

#[test]
fn polling_never_loses_or_repeats_an_event() {
    let moto = Moto::start();
    let client = moto::client(&moto.url());
    let logs = SdkLogs::from_client(client.clone());
    let rt = moto::rt();
    let base = now_ms() - 60_000;
    let target = TailTarget {
        group: GROUP.into(),
        stream_prefix: Some("kube-apiserver-audit".into()),
        pattern: None,
    };
    let mut poller = Poller::new(base - 1000, 30_000);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut expected = Vec::new();
    let mut take = |events: Vec<kaudit::source::cloudwatch::TailEvent>| {
        for e in events {
            *seen.entry(e.message).or_default() += 1;
        }
    };
    rt.block_on(setup(&client));
    for round in 0..4i64 {
        // Three events in each millisecond, in both streams; one round also brings events
        // stamped before the newest already seen (late arrivals, inside the look-back).
        let mut batch: HashMap<&str, Vec<(i64, String)>> = HashMap::new();
        for i in 0..60i64 {
            let stream = STREAMS[(i % 2) as usize];
            let t = base + round * 5_000 + (i / 3) * 10;
            let id = format!("r{round}-e{i}");
            expected.push(audit(&id));
            batch.entry(stream).or_default().push((t, audit(&id)));
        }
        if round == 2 {
            for i in 0..5 {
                let id = format!("late-{i}");
                expected.push(audit(&id));
                batch
                    .entry(STREAMS[1])
                    .or_default()
                    .push((base + 3_000 + i, audit(&id)));
            }
        }
        rt.block_on(async {
            for (stream, events) in batch {
                put(&client, stream, events).await;
            }
            // Not an audit stream: never shown.
            put(
                &client,
                "other-stream",
                vec![(base + round, "noise".into())],
            )
            .await;
        });
        let new = rt
            .block_on(poll(&logs, &target, &mut poller, now_ms()))
            .unwrap();
        take(new);
        // A poll with nothing new adds nothing.
        let again = rt
            .block_on(poll(&logs, &target, &mut poller, now_ms()))
            .unwrap();
        assert!(again.is_empty(), "{again:?}");
    }
    assert_eq!(expected.len(), 245);
    for m in &expected {
        assert_eq!(seen.get(m), Some(&1), "{m}");
    }
    assert_eq!(seen.len(), expected.len(), "nothing else");
}

#[test]
fn kaudit_tail_prints_the_history_then_stops_at_count() {
    let moto = Moto::start();
    let client = moto::client(&moto.url());
    let rt = moto::rt();
    let base = now_ms() - 120_000;
    rt.block_on(async {
        setup(&client).await;
        let events = (0..30)
            .map(|i| (base + i * 1000, audit(&format!("t{i}"))))
            .collect();
        put(&client, STREAMS[0], events).await;
    });
    let mut command = moto::kaudit_command();
    command.args([
        "tail",
        "--cluster",
        "prod",
        "--endpoint-url",
        &moto.url(),
        "--since",
        "10m",
        "--interval",
        "200ms",
        "--count",
        "25",
        "--poll",
        "-o",
        "jsonl",
    ]);
    let out = child::output(&mut command);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = jsonl(&out.stdout);
    assert_eq!(lines.len(), 25);
    assert_eq!(lines[0]["auditID"], "t0");
    assert_eq!(lines[24]["auditID"], "t24");
}

/// What FilterLogEvents gives for the group's audit streams, every page, in the order given.
async fn as_cloudwatch_gives(client: &Client, from_ms: i64) -> Vec<(i64, String)> {
    let mut events = Vec::new();
    let mut next = None;
    loop {
        let page = client
            .filter_log_events()
            .log_group_name(GROUP)
            .log_stream_name_prefix("kube-apiserver-audit")
            .start_time(from_ms)
            .end_time(now_ms())
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        for e in page.events() {
            let v: serde_json::Value = serde_json::from_str(e.message().unwrap()).unwrap();
            events.push((e.timestamp().unwrap(), v["auditID"].to_string()));
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            return events;
        }
    }
}

#[test]
fn kaudit_tail_prints_the_history_of_several_streams_in_time_order() {
    let moto = Moto::start();
    let client = moto::client(&moto.url());
    let rt = moto::rt();
    let base = now_ms() - 120_000;
    // Two API servers' streams, interleaved to the millisecond; every third pair of events shares
    // one. The second stream's events reach CloudWatch first, so their ids are the smaller.
    rt.block_on(async {
        setup(&client).await;
        let b = (0..60)
            .map(|i| {
                (
                    base + i * 10 + if i % 3 == 0 { 0 } else { 5 },
                    audit(&format!("b{i}")),
                )
            })
            .collect();
        put(&client, STREAMS[1], b).await;
        let a = (0..60)
            .map(|i| (base + i * 10, audit(&format!("a{i}"))))
            .collect();
        put(&client, STREAMS[0], a).await;
    });
    // In time order; events of one millisecond in the order CloudWatch gave them.
    let mut expected = rt.block_on(as_cloudwatch_gives(&client, base - 1000));
    expected.sort_by_key(|(t, _)| *t);
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(expected.len(), 120);
    let server = crate::support::cloud_server::CloudServer::start(&moto.url());
    for mode in [&["--poll", "--interval", "200ms"][..], &[][..]] {
        // Live tail (the loopback server's session sends nothing): the history is read back.
        let mut command = moto::kaudit_command();
        command
            .args(["tail", "--cluster", "prod", "--endpoint-url", &server.url()])
            .args(["--since", "10m", "--count", "120", "-o", "jsonl"])
            .args(mode);
        let out = child::output(&mut command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{mode:?}: {stderr}");
        let printed: Vec<String> = jsonl(&out.stdout)
            .iter()
            .map(|l| l["auditID"].to_string())
            .collect();
        assert_eq!(printed, expected, "{mode:?}: {stderr}");
    }
    assert!(server.calls().contains(&"StartLiveTail".to_string()));
}
