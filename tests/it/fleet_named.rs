//! Named fleets: `fleet.toml` in kaudit's config folder (`XDG_CONFIG_HOME/kaudit/`), used by
//! `kaudit clusters --fleet NAME` and `kaudit query --fleet NAME` through the real SDK, over the
//! same emulator and loopback server as the fleet given by flags.

use std::path::Path;
use std::process::Output;

use crate::fleet::{OTHER_ACCOUNT, OWN, ROLE, fleet, row, rows};
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::{child, text};

/// A config folder holding `fleet.toml` with `body`.
fn config(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kaudit")).unwrap();
    std::fs::write(dir.path().join("kaudit").join("fleet.toml"), body).unwrap();
    dir
}

/// `kaudit ARGS` with `config_home` as XDG_CONFIG_HOME, CloudWatch Logs through the loopback
/// server, STS straight to moto; no account or region flag.
fn kaudit(moto: &Moto, server: &CloudServer, config_home: &Path, args: &[&str]) -> Output {
    child::output(
        moto::kaudit_command()
            .env("AWS_ENDPOINT_URL_STS", moto.url())
            .env("XDG_CONFIG_HOME", config_home)
            .args(args)
            .args(["--endpoint-url", &server.url()]),
    )
}

fn prod() -> String {
    format!(
        r#"# Production, both regions, and the account reached by the reader role.
[fleet.prod]
accounts = [{{ default = true }}, {{ role_arn = "{ROLE}" }}]
regions = ["us-east-1", "eu-west-1"]
clusters = ["prod-*"]

[fleet.east]
regions = ["us-east-1"]
clusters = ["prod-*"]
"#
    )
}

/// `account region cluster` of each listed line.
fn listed(out: &Output) -> Vec<Vec<String>> {
    text(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(3).map(str::to_string).collect())
        .collect()
}

#[test]
fn a_named_fleet_lists_and_queries_its_accounts_and_regions() {
    let f = fleet();
    let dir = config(&prod());
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &["clusters", "--fleet", "prod"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        listed(&out),
        [
            [OWN, "us-east-1", "prod-a"],
            [OWN, "us-east-1", "prod-a2"],
            [OWN, "eu-west-1", "prod-b"],
            [OTHER_ACCOUNT, "us-east-1", "prod-c"],
        ],
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("/aws/eks/prod-b/cluster"));

    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let (start, end) = (at(f.base_ms / 1000), at(f.base_ms / 1000 + 60));
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &[
            "query",
            "--fleet",
            "prod",
            "--start",
            &start,
            "--end",
            &end,
            "-o",
            "jsonl",
            "fields @timestamp, @message",
        ],
    );
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
    assert_eq!(f.start_queries(), 3, "{err}");
}

#[test]
fn flags_beside_a_fleet_add_to_it() {
    let f = fleet();
    let dir = config(&prod());
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &["clusters", "--fleet", "east", "--region", "eu-west-1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        listed(&out),
        [
            [OWN, "us-east-1", "prod-a"],
            [OWN, "us-east-1", "prod-a2"],
            [OWN, "eu-west-1", "prod-b"],
        ],
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_mistake_in_fleet_toml_is_named_by_line_and_column() {
    let f = fleet();
    let dir = config("[fleet.prod]\nclusters = [\"prod-*\"]\nregions = \"us-east-1\"\n");
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &["clusters", "--fleet", "prod"],
    );
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    let file = dir.path().join("kaudit").join("fleet.toml");
    assert!(err.contains(&format!("{}:3:11: ", file.display())), "{err}");
    // Nothing was asked of AWS.
    assert_eq!(f.server.calls().len(), 0, "{err}");

    let dir = config("[fleet.prod]\naccounts = [{ role_arn = \"kaudit-reader\" }]\n");
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &["clusters", "--fleet", "prod"],
    );
    let err = text(&out.stderr);
    let file = dir.path().join("kaudit").join("fleet.toml");
    assert!(
        err.contains(&format!(
            "{}:2:26: `kaudit-reader` is not a role ARN",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn an_unknown_fleet_is_said_with_the_nearest_name() {
    let f = fleet();
    let dir = config(&prod());
    let out = kaudit(
        &f.moto,
        &f.server,
        dir.path(),
        &["query", "--fleet", "prdo", "fields @timestamp"],
    );
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    let file = dir.path().join("kaudit").join("fleet.toml");
    assert!(
        err.contains(&format!(
            "no fleet prdo in {}; did you mean prod? (it names east, prod)",
            file.display()
        )),
        "{err}"
    );
    assert_eq!(f.server.calls().len(), 0, "{err}");
}

/// `kaudit query ARGS` over the emulator's first minute, rows as JSON lines.
fn query(f: &crate::fleet::Fleet, config_home: &Path, args: &[&str]) -> Output {
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let (start, end) = (at(f.base_ms / 1000), at(f.base_ms / 1000 + 60));
    let mut all = vec!["query", "--start", &start, "--end", &end, "-o", "jsonl"];
    all.extend_from_slice(args);
    kaudit(&f.moto, &f.server, config_home, &all)
}

/// The stderr line of one target.
fn line_of<'a>(err: &'a str, target: &str) -> &'a str {
    err.lines()
        .find(|l| l.contains(target))
        .unwrap_or_else(|| panic!("{target} in {err}"))
}

#[test]
fn the_users_prices_price_a_region_kaudit_has_none_for_and_are_named_as_theirs() {
    use crate::support::cloud_server::{Event, Script};
    let f = fleet();
    // Every query finds one event and scans 100 bytes.
    f.server.with(|s| {
        s.script = Some(Script {
            events: vec![Event {
                time_ms: f.base_ms + 5_000,
                ptr: "ptr-1".into(),
                message: r#"{"n":1}"#.into(),
            }],
            cap: 10_000,
            ..Script::default()
        })
    });
    let dir = config(&format!("{}\n[prices]\neu-west-1 = 2000000\n", prod()));
    let out = query(
        &f,
        dir.path(),
        &["--fleet", "prod", "fields @timestamp, @message"],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let west = line_of(
        &err,
        "123456789012/eu-west-1 (default credentials): complete",
    );
    assert!(
        west.ends_with("100 bytes scanned, $0.2000 at your price of $2000000/GB"),
        "{west}"
    );
    let east = line_of(
        &err,
        "123456789012/us-east-1 (default credentials): complete",
    );
    assert!(east.ends_with("100 bytes scanned, $0.0000"), "{east}");
    let total = line_of(&err, "total: ");
    assert!(
        total.contains("cost $0.2000 (Logs Insights prices"),
        "{total}"
    );
    assert!(
        total.contains("your prices from fleet.toml for eu-west-1)"),
        "{total}"
    );
}

#[test]
fn a_bad_price_is_named_by_line_and_column_and_the_query_still_answers() {
    let f = fleet();
    let dir = config("[prices]\neu-west-1 = -1.0\n");
    let out = query(
        &f,
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--cluster",
            "prod-*",
            "fields @timestamp, @message",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let file = dir.path().join("kaudit").join("fleet.toml");
    assert!(
        err.contains(&format!(
            "{}:2:13: the price of eu-west-1 is US dollars per GB scanned, 0 or more; its [prices] are not used",
            file.display()
        )),
        "{err}"
    );
    assert!(
        line_of(&err, "123456789012/eu-west-1").ends_with("price unknown"),
        "{err}"
    );
}
