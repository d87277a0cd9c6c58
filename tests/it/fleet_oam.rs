//! A CloudWatch cross-account monitoring account (`--monitoring-account`) through the real SDK:
//! its linked source accounts' clusters are listed with DescribeLogGroups and
//! `includeLinkedAccounts`, and read with one StartQuery per region naming the groups by ARN
//! (`logGroupIdentifiers`). The loopback server plays the monitoring account; STS (moto) names
//! the caller's.

use crate::fleet::{OWN, row, rows};
use crate::support::cloud_server::{CloudServer, Event, Script};
use crate::support::moto::{self, Moto};
use crate::support::{child, now_ms, text};

const A: &str = "111111111111";
const B: &str = "222222222222";

fn arn(region: &str, account: &str, cluster: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:/aws/eks/{cluster}/cluster")
}

#[test]
fn a_monitoring_account_reads_its_linked_accounts_with_one_query_per_region() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let base_ms = (now_ms() / 1000 - 600) * 1000;
    // (n, region, account, cluster): `staging` is linked but not matched by `prod-*`.
    let seeded = [
        (1, "us-east-1", A, "prod-x"),
        (2, "us-east-1", B, "prod-y"),
        (3, "eu-west-1", A, "prod-z"),
        (4, "eu-west-1", B, "prod-w"),
        (5, "us-east-1", B, "staging"),
    ];
    server.with(|s| {
        let mut events = Vec::new();
        for (n, region, account, cluster) in seeded {
            s.linked.push(arn(region, account, cluster));
            let ptr = format!("ptr-{n}");
            s.logs_by_ptr
                .insert(ptr.clone(), format!("{account}:/aws/eks/{cluster}/cluster"));
            events.push(Event {
                time_ms: base_ms + n * 1000,
                ptr,
                message: format!(r#"{{"kind":"Event","auditID":"id-{n}","n":{n}}}"#),
            });
        }
        s.script = Some(Script {
            events,
            cap: 10_000,
            running_polls: 0,
            ends: None,
        });
    });
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let kaudit = |args: &[&str]| {
        child::output(
            moto::kaudit_command()
                .env("AWS_ENDPOINT_URL_STS", moto.url())
                .arg(args[0])
                .args(["--monitoring-account", "--cluster", "prod-*"])
                .args(["--region", "us-east-1", "--region", "eu-west-1"])
                .args(["--endpoint-url", &server.url()])
                .args(&args[1..]),
        )
    };

    let out = kaudit(&["clusters"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed: Vec<Vec<String>> = text(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(3).map(str::to_string).collect())
        .collect();
    assert_eq!(
        listed,
        [
            [A, "us-east-1", "prod-x"],
            [B, "us-east-1", "prod-y"],
            [A, "eu-west-1", "prod-z"],
            [B, "eu-west-1", "prod-w"],
        ],
        "{}",
        text(&out.stdout)
    );

    let (start, end) = (at(base_ms / 1000), at(base_ms / 1000 + 60));
    let out = kaudit(&[
        "query",
        "--start",
        &start,
        "--end",
        &end,
        "-o",
        "jsonl",
        "fields @timestamp, @message",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        rows(&out),
        [
            row(4, B, "eu-west-1", "prod-w"),
            row(3, A, "eu-west-1", "prod-z"),
            row(2, B, "us-east-1", "prod-y"),
            row(1, A, "us-east-1", "prod-x"),
        ],
        "{err}"
    );
    // One StartQuery per region, over both linked accounts' groups by ARN, none by name.
    let starts = server.calls().iter().filter(|c| *c == "StartQuery").count();
    assert_eq!(starts, 2, "{err}");
    let (mut identifiers, names) = server.with(|s| (s.identifiers.clone(), s.group_names.clone()));
    identifiers.sort();
    assert_eq!(
        identifiers,
        [
            [arn("eu-west-1", A, "prod-z"), arn("eu-west-1", B, "prod-w")],
            [arn("us-east-1", A, "prod-x"), arn("us-east-1", B, "prod-y")],
        ],
        "{err}"
    );
    assert!(names.iter().all(Vec::is_empty), "{names:?}");
    // The targets are the monitoring account's, by region.
    assert!(
        err.contains(&format!("{OWN}/us-east-1 (default credentials): complete")),
        "{err}"
    );
}
