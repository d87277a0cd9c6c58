//! How a fleet query runs, over the same emulator and loopback server as `fleet`: how many
//! queries it starts at once (`--concurrency`).

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
