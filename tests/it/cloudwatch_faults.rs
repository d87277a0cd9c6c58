//! What moto cannot show, through the project's loopback server of the CloudWatch Logs protocol
//! (the real SDK over HTTP all the same): cancel sends StopQuery, throttling is retried,
//! GetLogRecord, and answers past the 10,000-row cap split until every event is in exactly once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kaudit::insights::parser::parse;
use kaudit::source::cloudwatch::{
    AWS_ROW_CAP, CloudError, CloudQuery, Logs, QueryState, SdkLogs, run_query, run_split,
};

use crate::support::child;
use crate::support::cloud_server::{CloudServer, Event, Script};
use crate::support::jsonl;
use crate::support::moto::{self, Moto};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// 2026-11-02T08:00:00Z in seconds.
const T0: i64 = 1_793_606_400;

fn query(start_s: i64, end_s: i64) -> CloudQuery {
    CloudQuery {
        groups: vec!["/aws/eks/prod/cluster".into()],
        start_s,
        end_s,
        text: "fields @timestamp, @message".into(),
    }
}

/// `n` events spread over `seconds` from T0, some sharing a millisecond.
fn events(n: usize, seconds: i64) -> Vec<Event> {
    (0..n)
        .map(|i| {
            let ms = T0 * 1000 + (i as i64 * seconds * 1000 / n as i64) / 2 * 2;
            Event {
                time_ms: ms,
                ptr: format!("ptr-{i}"),
                message: format!("{{\"auditID\":\"a-{i}\"}}"),
            }
        })
        .collect()
}

fn server(moto: &Moto, script: Option<Script>) -> (CloudServer, SdkLogs) {
    let server = CloudServer::start(&moto.url());
    server.with(|s| s.script = script);
    let logs = SdkLogs::from_client(moto::client(&server.url()));
    (server, logs)
}

#[test]
fn cancel_sends_stop_query_and_keeps_what_was_found() {
    let moto = Moto::start();
    let script = Script {
        events: events(500, 600),
        cap: AWS_ROW_CAP,
        running_polls: usize::MAX,
        ends: None,
    };
    let (server, logs) = server(&moto, Some(script));
    // StartQuery answers a second late: the cancel comes after two polls, however long
    // CloudWatch takes to answer them.
    server.with(|s| {
        s.delay
            .insert("StartQuery".into(), (1, Duration::from_secs(1)))
    });
    let cancel = AtomicBool::new(false);
    let mut polls = 0;
    let run = rt().block_on(run_query(
        &logs,
        &query(T0, T0 + 600),
        |_| {
            polls += 1;
            if polls == 2 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    ));
    let run = run.unwrap();
    assert!(run.cancelled);
    assert_eq!(run.poll.state, QueryState::Cancelled);
    let calls = server.calls();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    // Two polls while it ran, StopQuery, and one more for what it had found.
    assert_eq!(
        (
            count("StartQuery"),
            count("GetQueryResults"),
            count("StopQuery")
        ),
        (1, 3, 1),
        "{calls:?}"
    );
    assert_eq!(
        calls.iter().rev().take(2).collect::<Vec<_>>(),
        ["GetQueryResults", "StopQuery"],
        "stopped, then read: {calls:?}"
    );
    assert_eq!((run.polls, polls), (3, 3));
    // What AWS had found when it was stopped comes back.
    assert_eq!(run.poll.rows.len(), 500);
}

#[test]
fn throttling_is_retried_until_aws_answers_and_then_given_up() {
    let moto = Moto::start();
    let script = Script {
        events: events(50, 60),
        cap: AWS_ROW_CAP,
        running_polls: 1,
        ends: None,
    };
    let (server, logs) = server(&moto, Some(script));
    server.with(|s| {
        s.throttle.insert("StartQuery".into(), 2);
        s.throttle.insert("GetQueryResults".into(), 1);
    });
    let cancel = AtomicBool::new(false);
    let run = rt()
        .block_on(run_query(&logs, &query(T0, T0 + 60), |_| {}, &cancel))
        .unwrap();
    assert_eq!(run.poll.rows.len(), 50);
    let calls = server.calls();
    assert_eq!(
        calls.iter().filter(|c| *c == "StartQuery").count(),
        3,
        "{calls:?}"
    );
    // Throttled for good: the error says so, after a bounded number of attempts.
    server.with(|s| s.throttle.insert("StartQuery".into(), 100));
    let err = rt()
        .block_on(run_query(&logs, &query(T0, T0 + 60), |_| {}, &cancel))
        .unwrap_err();
    assert!(err.is_throttling(), "{err}");
    assert_eq!(
        server.calls().iter().filter(|c| *c == "StartQuery").count(),
        3 + 6
    );
}

#[test]
fn get_log_record_fetches_the_whole_event_and_other_calls_reach_moto() {
    let moto = Moto::start();
    let (server, logs) = server(&moto, None);
    let event = r#"{"kind":"Event","auditID":"abc","verb":"delete"}"#;
    server.with(|s| {
        s.records.insert(
            "CmQKKwoncHRy".into(),
            [
                ("@message".to_string(), event.to_string()),
                ("@timestamp".to_string(), "1793606400000".to_string()),
                (
                    "@logStream".to_string(),
                    "kube-apiserver-audit-1".to_string(),
                ),
            ]
            .into(),
        );
    });
    let rt = rt();
    let fields = rt.block_on(logs.log_record("CmQKKwoncHRy")).unwrap();
    assert_eq!(fields[0].0, "@logStream");
    assert!(fields.contains(&("@message".to_string(), event.to_string())));
    let err = rt.block_on(logs.log_record("nope")).unwrap_err();
    assert!(
        matches!(err, CloudError::Service { ref code, .. } if code == "InvalidParameterException"),
        "{err}"
    );
    // Not answered here: forwarded to moto, through the same connection handling.
    rt.block_on(async {
        let client = moto::client(&server.url());
        client
            .create_log_group()
            .log_group_name("/aws/eks/prod/cluster")
            .send()
            .await
            .unwrap();
    });
    let groups = rt.block_on(logs.log_groups("/aws/eks/")).unwrap();
    assert_eq!(groups.len(), 1);
    assert!(server.calls().contains(&"DescribeLogGroups".to_string()));
}

#[test]
fn an_answer_at_the_cap_is_split_until_every_event_is_in_exactly_once() {
    let moto = Moto::start();
    let all = events(25_000, 7200);
    let script = Script {
        events: all.clone(),
        cap: AWS_ROW_CAP,
        running_polls: 0,
        ends: None,
    };
    let (server, logs) = server(&moto, Some(script));
    let cancel = AtomicBool::new(false);
    let mut updates = 0;
    let q = query(T0, T0 + 7200);
    let parsed = parse(&q.text).unwrap();
    let run = rt()
        .block_on(run_split(
            &logs,
            &q,
            &parsed,
            usize::MAX,
            |_| updates += 1,
            &cancel,
        ))
        .unwrap();
    assert!(run.complete(), "{:?}", run.uncovered);
    assert_eq!(run.rows.len(), 25_000);
    let ptrs: HashSet<&str> = run
        .rows
        .iter()
        .filter_map(|r| r.iter().find(|(f, _)| f == "@ptr").map(|(_, v)| v.as_str()))
        .collect();
    assert_eq!(ptrs.len(), 25_000);
    // Newest first across the parts.
    let times: Vec<&str> = run.rows.iter().map(|r| r[0].1.as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    // Each part a range of its own.
    let ranges = server.with(|s| s.ranges.clone());
    assert!(
        ranges.len() >= 3 && run.queries == ranges.len(),
        "{ranges:?}"
    );
    assert!(updates >= run.queries);

    // --max-rows bounds it, and says so.
    let run = rt()
        .block_on(run_split(&logs, &q, &parsed, 12_000, |_| {}, &cancel))
        .unwrap();
    assert!(run.stopped_at_max && !run.complete());
    assert_eq!(run.rows.len(), 12_000);
}

#[test]
fn a_second_holding_more_than_the_cap_is_named_as_not_covered() {
    let moto = Moto::start();
    let mut all = events(2_000, 600);
    let dense = T0 + 300;
    all.extend((0..10_050).map(|i| Event {
        time_ms: dense * 1000 + (i % 1000),
        ptr: format!("dense-{i}"),
        message: "{}".into(),
    }));
    let script = Script {
        events: all.clone(),
        cap: AWS_ROW_CAP,
        running_polls: 0,
        ends: None,
    };
    let (_server, logs) = server(&moto, Some(script));
    let cancel = AtomicBool::new(false);
    let q = CloudQuery {
        text: "fields @timestamp, @message | sort @timestamp asc".into(),
        ..query(T0, T0 + 600)
    };
    let run = rt()
        .block_on(run_split(
            &logs,
            &q,
            &parse(&q.text).unwrap(),
            usize::MAX,
            |_| {},
            &cancel,
        ))
        .unwrap();
    assert!(!run.complete());
    // The shortest ranges that can be asked for without losing an event (two seconds, as the
    // server takes an end second whole), each holding the dense second.
    assert!(!run.uncovered.is_empty());
    for (start_s, end_s) in &run.uncovered {
        assert_eq!(end_s - start_s, 1, "{:?}", run.uncovered);
        assert!(
            (*start_s..=end_s + 1).contains(&dense),
            "{:?}",
            run.uncovered
        );
    }
    // Everything outside them, once; nothing twice.
    let ptrs: Vec<&str> = run
        .rows
        .iter()
        .filter_map(|r| r.iter().find(|(f, _)| f == "@ptr").map(|(_, v)| v.as_str()))
        .collect();
    let distinct: HashSet<&str> = ptrs.iter().copied().collect();
    assert_eq!(distinct.len(), ptrs.len());
    let outside = all.iter().filter(|e| {
        !run.uncovered
            .iter()
            .any(|(s, e2)| e.time_ms >= s * 1000 && e.time_ms < (e2 + 1) * 1000)
    });
    for e in outside {
        assert!(distinct.contains(e.ptr.as_str()), "{} lost", e.ptr);
    }
    // And what CloudWatch gave of the dense second: the cap's worth, less the few others.
    let dense_rows = ptrs.iter().filter(|p| p.starts_with("dense-")).count();
    assert!(dense_rows >= AWS_ROW_CAP - 10, "{dense_rows}");
}

#[test]
fn kaudit_query_splits_past_the_cap_and_prints_every_event_once() {
    let moto = Moto::start();
    let script = Script {
        events: events(12_000, 3600),
        cap: AWS_ROW_CAP,
        running_polls: 1,
        ends: None,
    };
    let (server, _logs) = server(&moto, Some(script));
    let mut command = moto::kaudit_command();
    command.args([
        "query",
        "--log-group",
        "/aws/eks/prod/cluster",
        "--endpoint-url",
        &server.url(),
        "--start",
        "2026-11-02T08:00:00Z",
        "--end",
        "2026-11-02T09:00:01Z",
        "-o",
        "jsonl",
        "fields @timestamp, @message",
    ]);
    let out = child::output(&mut command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = jsonl(&out.stdout);
    assert_eq!(lines.len(), 12_000, "{stderr}");
    let ids: HashSet<String> = lines.iter().map(|l| l["@message"].to_string()).collect();
    assert_eq!(ids.len(), 12_000);
    assert!(stderr.contains("split into 3 queries"), "{stderr}");
    // Only what was asked: no @ptr column.
    assert!(lines[0].get("@ptr").is_none());
}

#[test]
fn a_refused_call_names_the_iam_action_and_expired_credentials_say_so() {
    let moto = Moto::start();
    let (server, _logs) = server(&moto, None);
    let kaudit = |args: &[&str]| {
        let mut command = moto::kaudit_command();
        command.args(args).args(["--endpoint-url", &server.url()]);
        child::output(&mut command)
    };
    server.with(|s| {
        s.refuse.insert(
            "StartQuery".into(),
            (
                "AccessDeniedException".into(),
                "User: arn:aws:iam::123456789012:user/analyst is not authorized to perform: logs:StartQuery".into(),
            ),
        );
    });
    let out = kaudit(&["query", "--cluster", "prod", "fields @timestamp"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("needs `logs:StartQuery`"), "{stderr}");
    assert!(
        stderr.contains("is not authorized to perform"),
        "AWS's words, verbatim: {stderr}"
    );
    server.with(|s| {
        s.refuse.insert(
            "DescribeLogGroups".into(),
            (
                "ExpiredTokenException".into(),
                "The security token included in the request is expired".into(),
            ),
        );
    });
    let out = kaudit(&["clusters"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("expired or invalid") && stderr.contains("aws sso login"),
        "{stderr}"
    );
}

#[test]
fn a_query_aws_fails_or_times_out_is_reported_as_such() {
    let moto = Moto::start();
    for (state, words) in [("Failed", "failed"), ("Timeout", "timed out")] {
        let script = Script {
            events: events(10, 60),
            cap: AWS_ROW_CAP,
            running_polls: 1,
            ends: Some(state),
        };
        let (_server, logs) = server(&moto, Some(script));
        let cancel = AtomicBool::new(false);
        let err = rt()
            .block_on(run_query(&logs, &query(T0, T0 + 60), |_| {}, &cancel))
            .unwrap_err();
        assert!(matches!(err, CloudError::QueryEnded { .. }), "{err}");
        assert!(err.to_string().contains(words), "{err}");
    }
}

#[test]
fn kaudit_detect_names_a_hit_without_an_audit_id_by_its_ptr() {
    let moto = Moto::start();
    // Bindings to cluster-admin whose events carry no audit ID.
    let events = events(4, 60)
        .into_iter()
        .enumerate()
        .map(|(i, e)| Event {
            message: format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","user":{{"username":"mallory"}},"objectRef":{{"resource":"clusterrolebindings","name":"b-{i}"}},"requestObject":{{"roleRef":{{"name":"cluster-admin"}}}},"responseStatus":{{"code":201}}}}"#
            ),
            ..e
        })
        .collect();
    let script = Script {
        events,
        cap: AWS_ROW_CAP,
        running_polls: 0,
        ends: None,
    };
    let (server, _logs) = server(&moto, Some(script));
    let detect = |output: &str| {
        let mut command = moto::kaudit_command();
        command.args([
            "detect",
            "--log-group",
            "/aws/eks/prod/cluster",
            "--endpoint-url",
            &server.url(),
            "--start",
            "2026-11-02T08:00:00Z",
            "--end",
            "2026-11-02T08:05:00Z",
            "-o",
            output,
        ]);
        child::output(&mut command)
    };
    let out = detect("table");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.contains("cluster-admin-bound"))
        .unwrap();
    assert!(
        row.ends_with("@ptr ptr-3, @ptr ptr-2, @ptr ptr-1, +1 more"),
        "{stdout}"
    );
    let out = detect("json");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings
        .iter()
        .find(|f| f["name"] == "cluster-admin-bound")
        .unwrap();
    assert_eq!(f["auditIDs"], serde_json::json!([]));
    assert_eq!(
        f["hitsWithoutAuditID"],
        serde_json::json!(["@ptr ptr-3", "@ptr ptr-2", "@ptr ptr-1", "@ptr ptr-0"])
    );
}
