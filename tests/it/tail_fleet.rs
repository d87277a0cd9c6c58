//! `kaudit tail` over many clusters in one process (the real binary, through the real SDK
//! against the loopback server in front of moto): two regions followed at once, each event
//! printed once; more groups than the live tail sessions allowed, the rest polled; a session AWS
//! refuses at the account's limit polled instead; and `--state` keeping apart two regions' groups
//! of one name.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use crate::support::child;
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::{jsonl, now_ms};

pub(crate) const STREAM: &str = "kube-apiserver-audit-0123456789abcdef";
pub(crate) const OWN: &str = "123456789012";

pub(crate) fn audit(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"get","user":{{"username":"u"}}}}"#
    )
}

/// Puts `ids` (one a second from `from_ms`) into the audit log of `cluster` in `region`.
pub(crate) fn seed(moto: &Moto, region: &str, cluster: &str, from_ms: i64, ids: &[String]) {
    let events: Vec<(i64, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (from_ms + i as i64 * 1000, audit(id)))
        .collect();
    moto::rt().block_on(async {
        let client = moto::client_in(&moto.url(), region, None);
        let group = format!("/aws/eks/{cluster}/cluster");
        moto::create_stream(&client, &group, STREAM).await;
        moto::put(&client, &group, STREAM, &events).await;
    });
}

pub(crate) fn ids(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i}")).collect()
}

/// `kaudit tail ARGS` over the server, STS straight to moto.
pub(crate) fn tail(server: &CloudServer, moto: &Moto, args: &[&str]) -> Output {
    let mut command = moto::kaudit_command();
    command
        .env("AWS_ENDPOINT_URL_STS", moto.url())
        .args(["tail", "--endpoint-url", &server.url(), "--since", "10m"])
        .args(args);
    child::output(&mut command)
}

pub(crate) const BOTH_REGIONS: [&str; 4] = ["--region", "us-east-1", "--region", "eu-west-1"];

/// `kaudit tail --region us-east-1 --region eu-west-1 ARGS`.
pub(crate) fn tail_in_both(server: &CloudServer, moto: &Moto, args: &[&str]) -> Output {
    tail(server, moto, &[&BOTH_REGIONS[..], args].concat())
}

/// The audit IDs printed as JSON lines, each with how many times.
pub(crate) fn printed(out: &Output) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for line in jsonl(&out.stdout) {
        let id = line["auditID"].as_str().expect("an audit ID").to_string();
        *seen.entry(id).or_default() += 1;
    }
    seen
}

pub(crate) fn once(expected: &[String]) -> BTreeMap<String, usize> {
    expected.iter().map(|id| (id.clone(), 1)).collect()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_tail_over_two_regions_prints_each_event_of_both_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let base = now_ms() - 300_000;
    seed(&moto, "us-east-1", "prod-a", base, &ids("a", 0..4));
    seed(&moto, "eu-west-1", "prod-b", base + 500, &ids("b", 0..3));
    // Not matched by the glob: never followed.
    seed(&moto, "eu-west-1", "staging", base, &ids("s", 0..2));
    let out = tail_in_both(
        &server,
        &moto,
        &["--cluster", "prod-*", "--count", "7", "-o", "jsonl"],
    );
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    let mut expected = ids("a", 0..4);
    expected.extend(ids("b", 0..3));
    assert_eq!(printed(&out), once(&expected), "{said}");
    // One live tail session in each region, each over its own cluster's group.
    let sessions = server.with(|s| s.live_requests.clone());
    let mut regions_asked: Vec<&str> = sessions.iter().map(|(r, _)| r.as_str()).collect();
    regions_asked.sort();
    assert_eq!(regions_asked, ["eu-west-1", "us-east-1"], "{sessions:?}");
    for (region, identifiers) in &sessions {
        let cluster = if region == "us-east-1" {
            "prod-a"
        } else {
            "prod-b"
        };
        assert_eq!(identifiers.len(), 1, "{sessions:?}");
        assert!(
            identifiers[0].ends_with(&format!("/aws/eks/{cluster}/cluster")),
            "{sessions:?}"
        );
    }
    // Each cluster's status, with its account and region.
    for line in [
        format!("kaudit: /aws/eks/prod-a/cluster ({OWN}/us-east-1): live"),
        format!("kaudit: /aws/eks/prod-b/cluster ({OWN}/eu-west-1): live"),
    ] {
        assert!(said.contains(&line), "{line}\n{said}");
    }
    // As a table, each event says its cluster, account and region.
    let out = tail_in_both(&server, &moto, &["--cluster", "prod-*", "--count", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 8, "a title and seven events:\n{table}");
    assert!(lines[0].starts_with("CLUSTER"), "{table}");
    assert!(lines[0].contains("ACCOUNT/REGION"), "{table}");
    let in_row = |cluster: &str, region: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(cluster) && l.contains(&format!("{OWN}/{region}")))
            .count()
    };
    assert_eq!(in_row("prod-a", "us-east-1"), 4, "{table}");
    assert_eq!(in_row("prod-b", "eu-west-1"), 3, "{table}");
}

#[test]
fn groups_past_the_live_sessions_allowed_are_polled_and_every_event_printed_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let base = now_ms() - 300_000;
    // Twelve clusters: one session holds ten groups; one session allowed.
    let clusters: Vec<String> = (1..=12).map(|i| format!("c{i:02}")).collect();
    let mut expected = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        let mine = ids(c, 0..2);
        seed(&moto, "us-east-1", c, base + i as i64 * 10, &mine);
        expected.extend(mine);
    }
    let mut args: Vec<&str> = Vec::new();
    for c in &clusters {
        args.extend(["--cluster", c.as_str()]);
    }
    args.extend(["--live-sessions", "1", "--interval", "200ms"]);
    args.extend(["--count", "24", "-o", "jsonl"]);
    let out = tail(&server, &moto, &args);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert_eq!(printed(&out), once(&expected), "{said}");
    let sessions = server.with(|s| s.live_requests.clone());
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].1.len(), 10, "{sessions:?}");
    assert!(
        said.contains("2 log groups beyond 1 live tail session"),
        "{said}"
    );
    for c in &clusters[..10] {
        let line = format!("kaudit: /aws/eks/{c}/cluster: live");
        assert!(said.contains(&line), "{line}\n{said}");
    }
    for c in &clusters[10..] {
        let line = format!("kaudit: /aws/eks/{c}/cluster: polling");
        assert!(said.contains(&line), "{line}\n{said}");
    }
}

#[test]
fn a_live_tail_session_refused_at_the_account_limit_is_polled_instead() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let base = now_ms() - 300_000;
    seed(&moto, "us-east-1", "prod-a", base, &ids("a", 0..3));
    seed(&moto, "eu-west-1", "prod-b", base, &ids("b", 0..3));
    // Another tool holds the account's sessions: the first StartLiveTail is refused.
    server.with(|s| s.live_limit_exceeded = 1);
    let out = tail_in_both(
        &server,
        &moto,
        &[
            "--cluster",
            "prod-*",
            "--interval",
            "200ms",
            "--count",
            "6",
            "-o",
            "jsonl",
        ],
    );
    let said = stderr(&out);
    assert!(out.status.success(), "not a failure: {said}");
    let mut expected = ids("a", 0..3);
    expected.extend(ids("b", 0..3));
    assert_eq!(printed(&out), once(&expected), "{said}");
    assert!(
        said.contains("AWS refused another live tail session"),
        "{said}"
    );
    // The refused session's region polls; the other's session is live.
    let refused = server.with(|s| s.live_requests[0].0.clone());
    let other = if refused == "us-east-1" {
        "eu-west-1"
    } else {
        "us-east-1"
    };
    let cluster = |region: &str| {
        if region == "us-east-1" {
            "prod-a"
        } else {
            "prod-b"
        }
    };
    for (region, status) in [(refused.as_str(), "polling"), (other, "live")] {
        let line = format!(
            "kaudit: /aws/eks/{}/cluster ({OWN}/{region}): {status}",
            cluster(region)
        );
        assert!(said.contains(&line), "{line}\n{said}");
    }
    assert_eq!(server.with(|s| s.live_requests.len()), 2);
}

/// The state file's JSON.
pub(crate) fn state_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn tail_state_over_two_regions_keeps_each_regions_group_of_one_name_apart() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fleet.state");
    let base = now_ms() - 300_000;
    // The same cluster name, so the same group name, in both regions.
    seed(&moto, "us-east-1", "prod", base, &ids("east", 0..3));
    seed(
        &moto,
        "eu-west-1",
        "prod",
        base + 100_000,
        &ids("west", 0..2),
    );
    let run = |count: &str| {
        tail_in_both(
            &server,
            &moto,
            &[
                "--cluster",
                "prod",
                "--state",
                state.to_str().unwrap(),
                "--count",
                count,
                "-o",
                "jsonl",
            ],
        )
    };
    let first = run("5");
    let said = stderr(&first);
    assert!(first.status.success(), "{said}");
    let mut expected = ids("east", 0..3);
    expected.extend(ids("west", 0..2));
    assert_eq!(printed(&first), once(&expected), "{said}");
    let saved = state_json(&state);
    assert_eq!(saved["version"], 2, "{saved}");
    let group = "/aws/eks/prod/cluster";
    let east = &saved["targets"][format!("{OWN}/us-east-1")][group];
    let west = &saved["targets"][format!("{OWN}/eu-west-1")][group];
    assert_eq!(east["time_ms"], base + 2000, "{saved}");
    assert_eq!(west["time_ms"], base + 101_000, "{saved}");
    // New events in both regions: the next run prints only those, each once.
    let later = now_ms() - 20_000;
    moto::rt().block_on(async {
        for (region, prefix) in [("us-east-1", "east"), ("eu-west-1", "west")] {
            let client = moto::client_in(&moto.url(), region, None);
            let events: Vec<(i64, String)> = (5..7)
                .map(|i| (later + i, audit(&format!("{prefix}-{i}"))))
                .collect();
            moto::put(&client, group, STREAM, &events).await;
        }
    });
    let second = run("4");
    let said = stderr(&second);
    assert!(second.status.success(), "{said}");
    let mut expected = ids("east", 5..7);
    expected.extend(ids("west", 5..7));
    assert_eq!(printed(&second), once(&expected), "{said}");
    for region in ["us-east-1", "eu-west-1"] {
        let line = format!("kaudit: {group} ({OWN}/{region}): carrying on from");
        assert!(said.contains(&line), "{line}\n{said}");
    }
}
