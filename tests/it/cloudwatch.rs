//! CloudWatch Logs through the real SDK, over HTTP, against moto's server on 127.0.0.1:
//! discovery of the clusters' audit log groups (paged), and a Logs Insights query's life.

use std::sync::atomic::AtomicBool;

use aws_sdk_cloudwatchlogs::Client;
use kaudit::source::cloudwatch::{
    CloudQuery, Logs, QueryState, SdkLogs, answer_from_rows, run_query,
};
use kaudit::source::demo::{DemoConfig, demo_bytes};

use crate::support::child;
use crate::support::cloud_server::{CloudServer, aws_time};
use crate::support::moto::{self, Moto};
use crate::support::{jsonl, kaudit_command, now_ms};

/// A cluster's audit log group with `events` demo events, one a second up to now: their lines.
async fn seed_cluster(client: &Client, cluster: &str, events: usize) -> Vec<String> {
    seed_cluster_stamped(client, cluster, events)
        .await
        .into_iter()
        .map(|(_, line)| line)
        .collect()
}

/// [`seed_cluster`], with each line's time (epoch ms).
async fn seed_cluster_stamped(client: &Client, cluster: &str, events: usize) -> Vec<(i64, String)> {
    let group = format!("/aws/eks/{cluster}/cluster");
    let stream = "kube-apiserver-audit-0123456789abcdef";
    moto::create_stream(client, &group, stream).await;
    let text = String::from_utf8(demo_bytes(&DemoConfig { events, seed: 5 })).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let start = now_ms() - events as i64 * 1000;
    let stamped: Vec<(i64, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (start + i as i64 * 1000, line.clone()))
        .collect();
    moto::put(client, &group, stream, &stamped).await;
    stamped
}

#[test]
fn the_clusters_audit_log_groups_are_found_across_pages() {
    let moto = Moto::start();
    moto::rt().block_on(async {
        let client = moto::client(&moto.url());
        for i in 0..57 {
            let name = format!("/aws/eks/cluster-{i:02}/cluster");
            client
                .create_log_group()
                .log_group_name(name)
                .send()
                .await
                .unwrap();
        }
        for other in ["/aws/lambda/f", "/aws/eks/cluster-01/other"] {
            client
                .create_log_group()
                .log_group_name(other)
                .send()
                .await
                .unwrap();
        }
        let logs = SdkLogs::from_client(client);
        let groups = logs.log_groups("/aws/eks/").await.unwrap();
        // 58 under the prefix, over two pages of at most 50.
        assert_eq!(groups.len(), 58);
        let clusters: Vec<&str> = groups.iter().filter_map(|g| g.cluster()).collect();
        assert_eq!(clusters.len(), 57);
        assert!(clusters.contains(&"cluster-56"));
    });
}

#[test]
fn a_query_runs_to_its_answer_with_progress_on_the_way() {
    let moto = Moto::start();
    moto::rt().block_on(async {
        let client = moto::client(&moto.url());
        let lines = seed_cluster(&client, "prod", 120).await;
        let logs = SdkLogs::from_client(client);
        let query = CloudQuery {
            groups: vec!["/aws/eks/prod/cluster".into()],
            start_s: now_ms() / 1000 - 3600,
            end_s: now_ms() / 1000 + 60,
            text: "fields @timestamp, @message | sort @timestamp desc | limit 25".into(),
        };
        let mut seen = Vec::new();
        let cancel = AtomicBool::new(false);
        let run = run_query(&logs, &query, |p| seen.push(p.state), &cancel)
            .await
            .unwrap();
        assert!(!run.cancelled);
        assert_eq!(run.poll.state, QueryState::Complete);
        assert_eq!(seen.last(), Some(&QueryState::Complete));
        assert_eq!(run.polls, seen.len());
        let answer = answer_from_rows(&run.poll.rows, run.poll.stats, false, false);
        assert_eq!(answer.rows.len(), 25);
        assert_eq!(answer.columns[..2], ["@timestamp", "@message"]);
        // The newest 25 events, newest first, each exactly as put.
        for (row, line) in answer.rows.iter().zip(lines.iter().rev()) {
            assert_eq!(row[1], kaudit::insights::value::Value::str(line));
        }
    });
}

#[test]
fn kaudit_query_and_clusters_reach_cloudwatch() {
    let moto = Moto::start();
    let stamped = moto::rt().block_on(async {
        let client = moto::client(&moto.url());
        seed_cluster_stamped(&client, "prod", 40).await
    });
    let kaudit = |args: &[&str]| child::output(moto::kaudit_command().args(args));
    let url = moto.url();
    let out = kaudit(&["clusters", "--endpoint-url", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("prod") && text.contains("/aws/eks/prod/cluster"),
        "{text}"
    );

    let out = kaudit(&[
        "query",
        "--cluster",
        "prod",
        "--endpoint-url",
        &url,
        "--since",
        "1h",
        "--output",
        "jsonl",
        "fields @timestamp, verb | sort @timestamp desc | limit 7",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rows: Vec<serde_json::Value> = jsonl(&out.stdout);
    // The newest seven, newest first (moto finds no field in a JSON message, as CloudWatch
    // does: `verb` is not in its answer, so only the times are known).
    let times: Vec<&serde_json::Value> = rows.iter().map(|r| &r["@timestamp"]).collect();
    let newest: Vec<serde_json::Value> = stamped
        .iter()
        .rev()
        .take(7)
        .map(|(t, _)| aws_time(*t).into())
        .collect();
    assert_eq!(times, newest.iter().collect::<Vec<_>>(), "{stderr}");
    assert!(stderr.contains("records scanned"), "{stderr}");
    // A canned query of the library goes to CloudWatch as the library has it, and its answer
    // comes back whole, in its order. moto evaluates no filter (its answer is every event of
    // the range, sorted as asked): the rows expected are those, from the events put.
    let server = CloudServer::start(&url);
    let out = kaudit(&[
        "query",
        "--cluster",
        "prod",
        "--endpoint-url",
        &server.url(),
        "--canned",
        "aws-auth-changes",
        "-o",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let canned = kaudit::catalog::Catalog::load(None)
        .queries()
        .iter()
        .find(|q| q.name == "aws-auth-changes")
        .unwrap()
        .text
        .clone();
    assert!(canned.contains("| sort @timestamp desc"), "{canned}");
    assert_eq!(server.with(|s| s.texts.clone()), [canned]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<serde_json::Value> = stamped
        .iter()
        .rev()
        .map(|(t, line)| serde_json::json!({"@timestamp": aws_time(*t), "@message": line}))
        .collect();
    assert_eq!(rows, serde_json::Value::Array(expected));
    // A query the checker refuses costs nothing: exit 2, a caret, no call made.
    let out = kaudit(&[
        "query",
        "--cluster",
        "prod",
        "--endpoint-url",
        &url,
        "stats cout(*)",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("count"));
}

#[test]
fn without_credentials_kaudit_says_where_it_looked_and_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = child::output(
        kaudit_command()
            .args([
                "clusters",
                "--region",
                "us-east-1",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ])
            .env_clear()
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no AWS credentials were found"), "{stderr}");
    assert!(stderr.contains("aws sso login"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one readable line: {stderr}");
}

#[test]
fn kaudit_detect_runs_every_detection_in_cloudwatch_over_the_range() {
    let moto = Moto::start();
    let lines = moto::rt().block_on(async {
        let client = moto::client(&moto.url());
        seed_cluster(&client, "prod", 40).await
    });
    let url = moto.url();
    let detect = |range: &[&str]| {
        let mut command = moto::kaudit_command();
        command
            .args([
                "detect",
                "--cluster",
                "prod",
                "--endpoint-url",
                &url,
                "-o",
                "json",
            ])
            .args(range);
        child::output(&mut command)
    };
    let detections = kaudit::catalog::Catalog::load(None)
        .queries()
        .iter()
        .filter(|q| q.severity.is_some())
        .count();
    // moto answers a Logs Insights query with every event of the range (it evaluates no
    // filter): kaudit tells them apart itself, so what fires is what fires on the same events
    // read from a file, and each answer was collected over the range given.
    let out = detect(&["--since", "1h"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings.len(), detections);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prod.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out =
        child::output(kaudit_command().args(["detect", file.to_str().unwrap(), "-o", "json"]));
    let local: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings, local);
    assert!(findings.iter().any(|f| f["hits"] != 0), "{findings:?}");
    assert!(
        findings.iter().all(|f| f["complete"] == true),
        "{findings:?}"
    );
    // A range before the events: nothing read, nothing fired, exit 0.
    let at = |ago_ms: i64| {
        jiff::Timestamp::from_millisecond(now_ms() - ago_ms)
            .unwrap()
            .to_string()
    };
    let out = detect(&["--start", &at(7_200_000), "--end", &at(3_600_000)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings.iter().all(|f| f["hits"] == 0), "{findings:?}");
    assert!(
        stderr.contains(&format!("0 of {detections} detections fired")),
        "{stderr}"
    );
}
