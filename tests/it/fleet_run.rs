//! How a fleet query runs, over the same emulator and loopback server as `fleet`: how many
//! queries it starts at once (`--concurrency`), and a role STS refuses to let be assumed (moto
//! grants every AssumeRole, so STS is reached through the loopback server, which answers
//! `AccessDenied` for that role as STS does and forwards the rest to moto).

use crate::fleet::fleet;
use crate::support::cloud_server::Script;
use crate::support::moto;
use crate::support::{child, text};

/// A stats query is asked once per cluster: four queries, each running for three polls.
fn four_slow_queries(f: &crate::fleet::Fleet, extra: &[&str]) -> std::process::Output {
    f.server.with(|s| {
        s.script = Some(Script {
            cap: 10_000,
            running_polls: 3,
            ..Script::default()
        });
        s.most_running = 0;
    });
    let mut args = vec!["query", "--cluster", "prod-*", "-o", "jsonl"];
    args.extend_from_slice(extra);
    args.push("stats count(*)");
    f.kaudit(&args)
}

#[test]
fn concurrency_two_never_has_more_than_two_queries_running_at_once() {
    let f = fleet();
    // As given, four start at once: the server sees more than two running.
    let out = four_slow_queries(&f, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(f.server.with(|s| s.most_running) > 2, "{err}");
    let out = four_slow_queries(&f, &["--concurrency", "2"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let (most, started) = f.server.with(|s| (s.most_running, s.texts.len()));
    assert_eq!(started, 8, "four queries a run: {err}");
    assert_eq!(most, 2, "{err}");
    assert!(
        err.contains("up to 2 queries at once (started at 2)"),
        "{err}"
    );
}

#[test]
fn a_concurrency_past_the_accounts_quota_or_none_at_all_is_refused() {
    for wrong in ["0", "101", "many"] {
        let out = child::output(moto::kaudit_command().args([
            "query",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--cluster",
            "prod-*",
            "--concurrency",
            wrong,
            "fields @timestamp",
        ]));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{wrong}: {err}");
        assert!(err.contains("--concurrency"), "{wrong}: {err}");
    }
    let out = child::output(moto::kaudit_command().args([
        "query",
        "--cluster",
        "prod-a",
        "--concurrency",
        "2",
        "fields @timestamp",
    ]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--concurrency is for a query over a fleet"),
        "{err}"
    );
}

#[test]
fn a_role_sts_will_not_let_be_assumed_is_refused_in_kaudits_words() {
    let f = fleet();
    f.server
        .with(|s| s.unassumable.push(crate::fleet::ROLE.into()));
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let (start, end) = (at(f.base_ms / 1000), at(f.base_ms / 1000 + 60));
    let out = child::output(
        moto::kaudit_command()
            // STS through the loopback server: it refuses the role, and forwards the rest.
            .env("AWS_ENDPOINT_URL_STS", f.server.url())
            .args([
                "query",
                "--region",
                "us-east-1",
                "--role-arn",
                crate::fleet::ROLE,
            ])
            .args(["--endpoint-url", &f.server.url(), "--cluster", "prod-*"])
            .args(["--start", &start, "--end", &end, "-o", "jsonl"])
            .arg("fields @timestamp, @message"),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let role = crate::fleet::ROLE;
    assert!(
        err.contains(&format!(
            "kaudit: 111111111111/us-east-1 (role {role}): refused: AWS refused sts:AssumeRole for {role} (User: arn:aws:iam::123456789012:user/testing is not authorized to perform: sts:AssumeRole on resource: {role}) while listing its clusters"
        )),
        "{err}"
    );
    assert!(!err.contains("dispatch failure"), "{err}");
    // STS was asked, refused, and nothing was asked of CloudWatch with the role's credentials.
    assert!(f.server.calls().iter().any(|c| c == "AssumeRole"), "{err}");
    assert!(
        err.contains("123456789012/us-east-1 (default credentials): complete"),
        "{err}"
    );
    assert_eq!(crate::fleet::rows(&out).len(), 3, "{err}");
}

#[test]
fn the_status_file_says_each_targets_status_while_json_stays_the_rows() {
    let f = fleet();
    f.server.with(|s| {
        s.refuse_in.insert(
            ("StartQuery".into(), "eu-west-1".into()),
            (
                "AccessDeniedException".into(),
                "User is not authorized to perform: logs:StartQuery".into(),
            ),
        );
        s.unassumable.push(crate::fleet::ROLE.into());
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("status.json");
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let (start, end) = (at(f.base_ms / 1000), at(f.base_ms / 1000 + 60));
    let out = child::output(
        moto::kaudit_command()
            .env("AWS_ENDPOINT_URL_STS", f.server.url())
            .args(["query", "--region", "us-east-1", "--region", "eu-west-1"])
            .args(["--role-arn", crate::fleet::ROLE])
            .args(["--endpoint-url", &f.server.url(), "--cluster", "prod-*"])
            .args(["--start", &start, "--end", &end, "-o", "json"])
            .arg("--status-file")
            .arg(&file)
            .arg("fields @timestamp, @message"),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // `-o json` is still an array of rows: us-east-1's three.
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(3), "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["complete"], false, "{doc:#}");
    let targets = doc["targets"].as_array().unwrap();
    let by = |account: &str, region: &str| {
        targets
            .iter()
            .find(|t| t["account"] == account && t["region"] == region)
            .unwrap_or_else(|| panic!("{account}/{region} in {doc:#}"))
    };
    let east = by("123456789012", "us-east-1");
    assert_eq!(east["status"], "complete", "{doc:#}");
    assert_eq!(east["queries"], 1);
    assert_eq!(east["rows"], 3);
    assert_eq!(east["throttled"], 0);
    assert!(east["bytes_scanned"].is_number());
    assert_eq!(east["price_per_gb"], 0.005);
    assert_eq!(east["price_from"], "kaudit");
    let west = by("123456789012", "eu-west-1");
    assert_eq!(west["status"], "refused", "{doc:#}");
    assert_eq!(west["action"], "logs:StartQuery");
    assert_eq!(
        west["message"],
        "User is not authorized to perform: logs:StartQuery"
    );
    assert_eq!(west["rows"], 0);
    assert!(
        west["cost_usd"].is_null(),
        "no price for eu-west-1: {doc:#}"
    );
    for region in ["us-east-1", "eu-west-1"] {
        let role = by(crate::fleet::OTHER_ACCOUNT, region);
        assert_eq!(role["status"], "refused", "{doc:#}");
        assert_eq!(role["action"], "sts:AssumeRole");
        assert_eq!(role["role_arn"], crate::fleet::ROLE);
        assert_eq!(role["while"], "listing its clusters");
    }
    assert_eq!(targets.len(), 4, "{doc:#}");
    assert_eq!(doc["total"]["rows"], 3);
    assert_eq!(doc["concurrency"]["first"], 4);
}
