//! One question over many accounts and regions (`kaudit query` and `kaudit clusters` with several
//! `--region`, `--role-arn`, a cluster glob), through the real SDK: moto holds two regions and a
//! second account reached by STS AssumeRole; the loopback server in front of it refuses one
//! region, or answers that the account is at its query limit, and counts what was sent.

use std::process::Output;

use crate::support::child;
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::{jsonl, now_ms, text};

pub(crate) const OTHER_ACCOUNT: &str = "111111111111";
pub(crate) const ROLE: &str = "arn:aws:iam::111111111111:role/kaudit-reader";
const STREAM: &str = "kube-apiserver-audit-0123456789abcdef";

/// The emulator seeded: `prod-a` and `prod-a2` (and `staging`, which `prod-*` leaves out) in
/// us-east-1, `prod-b` in eu-west-1, `prod-c` in the other account's us-east-1. Each event is
/// `{"n":N}` at `base + N s`, so the merged order is known.
pub(crate) struct Fleet {
    pub(crate) moto: Moto,
    pub(crate) server: CloudServer,
    pub(crate) base_ms: i64,
}

fn event(n: i64) -> String {
    format!(r#"{{"kind":"Event","auditID":"id-{n}","n":{n}}}"#)
}

pub(crate) fn fleet() -> Fleet {
    let moto = Moto::start();
    let base_ms = (now_ms() / 1000 - 600) * 1000;
    let seeded: [(&str, Option<&str>, &str, &[i64]); 5] = [
        ("us-east-1", None, "prod-a", &[1, 6]),
        ("us-east-1", None, "prod-a2", &[4]),
        ("us-east-1", None, "staging", &[7]),
        ("eu-west-1", None, "prod-b", &[2, 5]),
        ("us-east-1", Some(OTHER_ACCOUNT), "prod-c", &[3]),
    ];
    moto::rt().block_on(async {
        for (region, account, cluster, ns) in seeded {
            let client = moto::client_in(&moto.url(), region, account);
            let group = format!("/aws/eks/{cluster}/cluster");
            moto::create_stream(&client, &group, STREAM).await;
            let events: Vec<(i64, String)> =
                ns.iter().map(|n| (base_ms + n * 1000, event(*n))).collect();
            moto::put(&client, &group, STREAM, &events).await;
        }
    });
    let server = CloudServer::start(&moto.url());
    Fleet {
        moto,
        server,
        base_ms,
    }
}

impl Fleet {
    /// `kaudit ARGS` over both regions and both accounts, CloudWatch Logs through the loopback
    /// server, STS straight to moto.
    pub(crate) fn kaudit(&self, args: &[&str]) -> Output {
        let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
        let (start, end) = (at(self.base_ms / 1000), at(self.base_ms / 1000 + 60));
        let mut command = moto::kaudit_command();
        command
            .env("AWS_ENDPOINT_URL_STS", self.moto.url())
            .arg(args[0])
            .args(["--region", "us-east-1", "--region", "eu-west-1"])
            .args(["--role-arn", ROLE, "--endpoint-url", &self.server.url()]);
        if args[0] == "query" {
            command.args(["--start", &start, "--end", &end]);
        }
        child::output(command.args(&args[1..]))
    }

    pub(crate) fn start_queries(&self) -> usize {
        self.server
            .calls()
            .iter()
            .filter(|c| *c == "StartQuery")
            .count()
    }
}

fn query(f: &Fleet, text: &str) -> Output {
    f.kaudit(&["query", "--cluster", "prod-*", "-o", "jsonl", text])
}

/// `(n, @account, @region, @cluster)` of each row, in the order printed.
pub(crate) fn rows(out: &Output) -> Vec<(i64, String, String, String)> {
    jsonl(&out.stdout)
        .iter()
        .map(|row| {
            let message: serde_json::Value =
                serde_json::from_str(row["@message"].as_str().expect("a message")).unwrap();
            let s = |k: &str| row[k].as_str().unwrap_or_default().to_string();
            (
                message["n"].as_i64().expect("n"),
                s("@account"),
                s("@region"),
                s("@cluster"),
            )
        })
        .collect()
}

pub(crate) fn row(
    n: i64,
    account: &str,
    region: &str,
    cluster: &str,
) -> (i64, String, String, String) {
    (n, account.into(), region.into(), cluster.into())
}

pub(crate) const OWN: &str = "123456789012";

#[test]
fn two_regions_and_an_assumed_account_answer_as_one_in_time_order() {
    let f = fleet();
    let out = query(&f, "fields @timestamp, @message");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        rows(&out),
        [
            row(6, OWN, "us-east-1", "prod-a"),
            row(5, OWN, "eu-west-1", "prod-b"),
            row(4, OWN, "us-east-1", "prod-a2"),
            row(3, OTHER_ACCOUNT, "us-east-1", "prod-c"),
            row(2, OWN, "eu-west-1", "prod-b"),
            row(1, OWN, "us-east-1", "prod-a"),
        ],
        "{err}"
    );
    // The other account was read with the role's credentials, reached by AssumeRole.
    let signers = f.server.with(|s| s.signers.clone());
    assert!(signers.iter().any(|k| k != "testing"), "{signers:?}");
    for target in [
        "123456789012/us-east-1 (default credentials): complete",
        "123456789012/eu-west-1 (default credentials): complete",
        "111111111111/us-east-1 (role arn:aws:iam::111111111111:role/kaudit-reader): complete",
    ] {
        assert!(err.contains(target), "{target} in {err}");
    }
    assert!(
        err.contains("111111111111/eu-west-1 (role arn:aws:iam::111111111111:role/kaudit-reader): no cluster matched there"),
        "{err}"
    );
    // Two clusters of one account and region: one query; three targets in all.
    assert_eq!(f.start_queries(), 3);
    assert!(err.contains("price unknown"), "{err}");
    assert!(err.contains("total: 6 rows from 3 targets"), "{err}");
}

#[test]
fn a_glob_lists_the_clusters_it_matches_in_every_region_and_account() {
    let f = fleet();
    let out = f.kaudit(&["clusters", "--cluster", "prod-*"]);
    let listed = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<Vec<&str>> = listed
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        lines,
        [
            ["123456789012", "us-east-1", "prod-a"],
            ["123456789012", "us-east-1", "prod-a2"],
            ["123456789012", "eu-west-1", "prod-b"],
            ["111111111111", "us-east-1", "prod-c"],
        ],
        "{listed}"
    );
}

#[test]
fn a_region_that_refuses_is_said_and_the_others_still_answer() {
    let f = fleet();
    f.server.with(|s| {
        s.refuse_in.insert(
            ("StartQuery".into(), "eu-west-1".into()),
            (
                "AccessDeniedException".into(),
                "User is not authorized to perform: logs:StartQuery".into(),
            ),
        )
    });
    let out = query(&f, "fields @timestamp, @message");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let ns: Vec<i64> = rows(&out).iter().map(|r| r.0).collect();
    assert_eq!(ns, [6, 4, 3, 1], "{err}");
    assert!(
        err.contains(
            "123456789012/eu-west-1 (default credentials): refused: AWS refused logs:StartQuery"
        ),
        "{err}"
    );
    assert!(
        err.contains("123456789012/us-east-1 (default credentials): complete"),
        "{err}"
    );
}

#[test]
fn the_query_limit_is_waited_out_and_the_retries_counted() {
    let f = fleet();
    f.server
        .with(|s| s.limit_exceeded.insert("StartQuery".into(), 2));
    let out = query(&f, "fields @timestamp, @message");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(rows(&out).len(), 6, "{err}");
    // Three queries, two of them refused once each or one twice: five StartQuery calls.
    assert_eq!(f.start_queries(), 5, "{err}");
    let retried: usize = err
        .lines()
        .filter_map(|l| {
            let at = l.find("throttled and retried ")? + "throttled and retried ".len();
            l[at..].split(' ').next()?.parse::<usize>().ok()
        })
        .sum();
    assert_eq!(retried, 2, "{err}");
    assert!(
        err.contains("when AWS said the account was at its query limit"),
        "{err}"
    );
}

#[test]
fn a_dry_run_lists_the_queries_and_sends_none() {
    let f = fleet();
    let out = f.kaudit(&[
        "query",
        "--dry-run",
        "--cluster",
        "prod-*",
        "stats count(*) by verb",
    ]);
    let listed = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(f.start_queries(), 0);
    // A stats query is asked once per cluster: four clusters, four queries.
    assert_eq!(
        listed.matches("  query: stats count(*) by verb").count(),
        4,
        "{listed}"
    );
    for group in ["prod-a", "prod-a2", "prod-b", "prod-c"] {
        assert!(
            listed.contains(&format!("  log groups: /aws/eks/{group}/cluster\n")),
            "{group} in {listed}"
        );
    }
    assert!(listed.contains("111111111111/us-east-1 (role "), "{listed}");
    assert!(!listed.contains("staging"), "{listed}");
}

#[test]
fn stats_by_cluster_is_asked_once_per_cluster_and_each_answer_names_its_cluster() {
    let f = fleet();
    let out = query(&f, "stats count(*) by @cluster");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // CloudWatch has no @cluster: it is left out of the text sent, one query per cluster.
    let texts = f.server.with(|s| s.texts.clone());
    assert_eq!(texts, ["stats count(*)"; 4], "{err}");
    // moto answers a stats query with rows of events (it does not count), so what is checked
    // here is where each answer came from.
    let mut seen: Vec<(String, String, String)> = jsonl(&out.stdout)
        .iter()
        .map(|row| {
            let s = |k: &str| row[k].as_str().unwrap_or_default().to_string();
            (s("@account"), s("@region"), s("@cluster"))
        })
        .collect();
    seen.sort();
    seen.dedup();
    let want = |a: &str, r: &str, c: &str| (a.to_string(), r.to_string(), c.to_string());
    assert_eq!(
        seen,
        [
            want(OTHER_ACCOUNT, "us-east-1", "prod-c"),
            want(OWN, "eu-west-1", "prod-b"),
            want(OWN, "us-east-1", "prod-a"),
            want(OWN, "us-east-1", "prod-a2"),
        ],
        "{err}"
    );
    assert!(
        err.contains("a stats query is asked once per cluster"),
        "{err}"
    );
}

#[test]
fn a_limit_holds_for_the_fleet_not_for_each_target() {
    let f = fleet();
    let out = query(&f, "fields @timestamp, @message | limit 2");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let ns: Vec<i64> = rows(&out).iter().map(|r| r.0).collect();
    // Each target's two newest, merged: the fleet's two newest.
    assert_eq!(ns, [6, 5], "{err}");
    assert!(
        err.contains("the query's limit left out 3 more rows"),
        "{err}"
    );
}

#[test]
fn a_target_whose_second_holds_more_than_the_cap_is_partial_and_says_which_second() {
    use crate::support::cloud_server::{Event, Script};
    let f = fleet();
    // One more event in one second than CloudWatch's cap: that second cannot be read whole.
    let second_ms = f.base_ms + 20_000;
    let events: Vec<Event> = (0..10_001)
        .map(|i| Event {
            time_ms: second_ms + i % 1000,
            ptr: format!("ptr-{i}"),
            message: event(20),
        })
        .collect();
    f.server.with(|s| {
        s.script = Some(Script {
            events,
            cap: 10_000,
            running_polls: 0,
            ends: None,
        })
    });
    let out = query(&f, "fields @timestamp, @message");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let second = jiff::Timestamp::from_second(second_ms / 1000).unwrap();
    let next = jiff::Timestamp::from_second(second_ms / 1000 + 1).unwrap();
    let partial = format!("partial: not covered from {second} to {next}");
    for target in [
        "123456789012/us-east-1 (default credentials)",
        "123456789012/eu-west-1 (default credentials)",
        "111111111111/us-east-1 (role arn:aws:iam::111111111111:role/kaudit-reader)",
    ] {
        assert!(
            err.contains(&format!("{target}: {partial}")),
            "{target}: {partial} in {err}"
        );
    }
}

#[test]
fn a_query_that_fails_in_the_account_fails_its_target_and_the_run() {
    use crate::support::cloud_server::Script;
    let f = fleet();
    f.server.with(|s| {
        s.script = Some(Script {
            ends: Some("Failed"),
            ..Script::default()
        })
    });
    let out = query(&f, "fields @timestamp, @message");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.matches(": failed: the query failed: query id q-")
            .count(),
        3,
        "{err}"
    );
}

#[test]
fn the_account_is_named_by_sts_where_no_cluster_is_found() {
    let f = fleet();
    let out = child::output(
        moto::kaudit_command()
            .env("AWS_ENDPOINT_URL_STS", f.moto.url())
            .args(["query", "--region", "us-west-2", "--region", "ap-south-1"])
            .args(["--endpoint-url", &f.server.url(), "--cluster", "prod-*"])
            .arg("fields @timestamp"),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for region in ["us-west-2", "ap-south-1"] {
        assert!(
            err.contains(&format!(
                "123456789012/{region} (default credentials): no cluster matched there"
            )),
            "{region} in {err}"
        );
    }
    assert!(err.contains("nothing was queried"), "{err}");
    assert_eq!(f.start_queries(), 0);
}

#[test]
fn a_region_whose_clusters_cannot_be_listed_is_said_and_the_others_are_listed() {
    let f = fleet();
    f.server.with(|s| {
        s.refuse_in.insert(
            ("DescribeLogGroups".into(), "eu-west-1".into()),
            (
                "AccessDeniedException".into(),
                "User is not authorized to perform: logs:DescribeLogGroups".into(),
            ),
        )
    });
    let out = f.kaudit(&["clusters", "--cluster", "prod-*"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let listed = text(&out.stdout);
    for cluster in ["prod-a", "prod-a2", "prod-c"] {
        assert!(
            listed.contains(&format!(" {cluster} ")),
            "{cluster} in {listed}"
        );
    }
    assert!(!listed.contains("prod-b"), "{listed}");
    assert!(
        err.contains("123456789012/eu-west-1 (default credentials): refused: AWS refused logs:DescribeLogGroups"),
        "{err}"
    );
}

#[test]
fn a_query_past_aws_length_once_kaudit_adds_to_it_is_refused_before_any_start_query() {
    let f = fleet();
    // 9,995 characters: within the limit alone; over two clusters of one target kaudit asks
    // for `@log` first, which makes it 10,009.
    let long = format!("filter verb = \"{}\"", "x".repeat(9_979));
    assert_eq!(long.chars().count(), 9_995);
    let out = query(&f, &long);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(f.start_queries(), 0, "{err}");
    assert!(out.stdout.is_empty(), "{err}");
    assert!(
        err.contains(
            "123456789012/us-east-1 (default credentials): the query text sent would be 10009 characters, past the 10000 StartQuery takes"
        ),
        "{err}"
    );
    // The targets of one cluster each send it as given, within the limit.
    assert_eq!(err.matches("characters, past the").count(), 1, "{err}");
    assert!(err.contains("nothing was queried"), "{err}");
}
