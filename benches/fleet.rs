//! `kaudit query` over a fleet of 50 clusters in 3 regions, as a person runs it (the release
//! binary, `--region` three times, `--cluster '*'`), against a loopback CloudWatch Logs of the
//! bench's own (`fleet/server.rs`). Every cluster holds a known set of events, each at its own
//! millisecond, so the answer is known: the bench fails unless every event comes back once, in
//! time order, with its cluster and region, every cluster's `stats` count is right, and every
//! target says `complete` (and `throttled and retried` as often as the server refused a
//! StartQuery for the account's limit). It prints rows, StartQuery calls the server received,
//! retries, the most queries at once and the wall time, for each latency per call.
//!
//! `KAUDIT_BENCH_FLEET_EVENTS` events per cluster (1,000: each region then holds more than
//! CloudWatch's 10,000-row cap, so its query is split), `KAUDIT_BENCH_FLEET_LATENCY_MS` the
//! latencies (`0,50,200`), `KAUDIT_BENCH_FLEET_LIMIT_EVERY` every how many StartQuery calls one
//! is refused with `LimitExceededException` (7; 0 for none).

#[path = "fleet/server.rs"]
mod server;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use server::{ACCOUNT, Group, Server};

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const CLUSTERS: usize = 50;
/// The events span one hour.
const SPAN_MS: i64 = 3_600_000;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Cluster `c` lives in region `c % 3` (17, 17 and 16 clusters); event `n` of the fleet is
/// cluster `n % 50`'s, at `base + n * step` ms.
fn fleet(per_cluster: usize, base_ms: i64) -> Vec<Group> {
    let total = (per_cluster * CLUSTERS) as i64;
    let step = SPAN_MS / total;
    let mut groups: Vec<Group> = (0..CLUSTERS)
        .map(|c| Group {
            region: REGIONS[c % REGIONS.len()].to_string(),
            cluster: format!("c{c:02}"),
            events: Vec::with_capacity(per_cluster),
        })
        .collect();
    for n in 0..total {
        let c = n as usize % CLUSTERS;
        groups[c].events.push((
            base_ms + n * step,
            format!(r#"{{"kind":"Event","auditID":"id-{n}","n":{n}}}"#),
            format!("ptr-{n}"),
        ));
    }
    groups
}

fn kaudit(server: &Server, start: &str, end: &str, args: &[&str]) -> (Output, Duration) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kaudit"));
    command
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_STS", &server.url)
        // kaudit's own back-off answers LimitExceededException, not the SDK's retries: each
        // refusal is then one kaudit counts.
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .arg("query");
    for r in REGIONS {
        command.args(["--region", r]);
    }
    command.args([
        "--cluster",
        "*",
        "--endpoint-url",
        &server.url,
        "--start",
        start,
        "--end",
        end,
    ]);
    let started = Instant::now();
    let out = command.args(args).output().expect("run kaudit");
    (out, started.elapsed())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Each target's status says complete; the retries said, summed.
fn statuses(err: &str) -> usize {
    let mut retried = 0;
    for region in REGIONS {
        let head = format!("kaudit: {ACCOUNT}/{region} (default credentials): complete");
        let line = err
            .lines()
            .find(|l| l.starts_with(&head))
            .unwrap_or_else(|| panic!("`{head}` in:\n{err}"));
        if let Some(n) = line
            .split("throttled and retried ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
        {
            retried += n.parse::<usize>().expect("a count of retries");
        }
    }
    retried
}

/// "N (first → last)" from the total line's "up to N queries at once (started at F, lowered
/// to L …)": the most queries that ran at once, and the limit at the start and at the end.
fn at_once(err: &str) -> String {
    let word_after = |key: &str| {
        err.split(key)
            .nth(1)
            .and_then(|r| r.split([' ', ',', ')']).next())
            .map(str::to_string)
    };
    let most = word_after("up to ").unwrap_or_else(|| "?".into());
    let first = word_after("started at ").unwrap_or_else(|| "?".into());
    let last = word_after("lowered to ").unwrap_or_else(|| first.clone());
    format!("{most} ({first} → {last})")
}

/// Every event once, newest first, each with its cluster and region.
fn check_events(rows: &[serde_json::Value], groups: &[Group], err: &str) {
    let total: usize = groups.iter().map(|g| g.events.len()).sum();
    assert_eq!(rows.len(), total, "rows of events; stderr:\n{err}");
    for (i, row) in rows.iter().enumerate() {
        let message: serde_json::Value =
            serde_json::from_str(row["@message"].as_str().expect("@message")).expect("an event");
        let n = message["n"].as_u64().expect("n") as usize;
        // Newest first, one row each: the i-th row is event total-1-i.
        assert_eq!(n, total - 1 - i, "row {i} out of place or repeated");
        let g = &groups[n % CLUSTERS];
        assert_eq!(row["@cluster"], g.cluster.as_str(), "row {i}'s cluster");
        assert_eq!(row["@region"], g.region.as_str(), "row {i}'s region");
        assert_eq!(row["@account"], ACCOUNT, "row {i}'s account");
    }
}

/// One count per cluster, each its own.
fn check_counts(rows: &[serde_json::Value], groups: &[Group], err: &str) {
    assert_eq!(rows.len(), groups.len(), "stats rows; stderr:\n{err}");
    for g in groups {
        let row = rows
            .iter()
            .find(|r| r["@cluster"] == g.cluster.as_str())
            .unwrap_or_else(|| panic!("no count for {}", g.cluster));
        let count = row["count(*)"]
            .as_str()
            .map(|c| c.parse::<usize>().expect("a count"))
            .or_else(|| row["count(*)"].as_u64().map(|c| c as usize));
        assert_eq!(count, Some(g.events.len()), "{}'s count", g.cluster);
        assert_eq!(row["@region"], g.region.as_str(), "{}'s region", g.cluster);
    }
}

/// How many queries `--dry-run` says it would send.
fn dry_run_count(server: &Server, start: &str, end: &str, text: &str) -> usize {
    let (out, _) = kaudit(server, start, end, &["--dry-run", text]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "--dry-run: {err}");
    let sent = server.take_counts().start_query;
    assert_eq!(sent, 0, "--dry-run sent {sent} StartQuery");
    err.split("--dry-run: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of queries in: {err}"))
}

fn main() {
    let per_cluster: usize = env_or("KAUDIT_BENCH_FLEET_EVENTS", 1_000);
    let limit_every: usize = env_or("KAUDIT_BENCH_FLEET_LIMIT_EVERY", 7);
    let latencies: Vec<u64> = std::env::var("KAUDIT_BENCH_FLEET_LATENCY_MS")
        .unwrap_or_else(|_| "0,50,200".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    // Two hours ago, on a whole minute: inside any retention, and the same range for every run.
    let now_s = jiff::Timestamp::now().as_second();
    let base_ms = (now_s - 7_200) / 60 * 60 * 1000;
    let at = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .expect("a time")
            .to_string()
    };
    let (start, end) = (at(base_ms), at(base_ms + SPAN_MS));
    let queries = [
        ("fields @timestamp, @message", "events"),
        ("stats count(*) by @cluster", "stats"),
    ];
    println!(
        "fleet: {CLUSTERS} clusters in {} regions, {per_cluster} events each ({} in all); every {limit_every}th StartQuery refused with LimitExceededException",
        REGIONS.len(),
        per_cluster * CLUSTERS,
    );
    println!();
    println!(
        "| query | latency a call | clusters | regions | rows | queries (--dry-run) | StartQuery sent | LimitExceeded | retries said | most at once (limit first → last) | wall time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for latency in latencies {
        let server = Server::start(
            fleet(per_cluster, base_ms),
            Duration::from_millis(latency),
            limit_every,
        );
        for (text, name) in queries {
            let planned = dry_run_count(&server, &start, &end, text);
            let (out, wall) = kaudit(&server, &start, &end, &["-o", "jsonl", text]);
            let err = stderr(&out);
            let counts = server.take_counts();
            assert_eq!(out.status.code(), Some(0), "{name} at {latency} ms:\n{err}");
            let rows = jsonl(&out);
            if name == "events" {
                check_events(&rows, server.groups(), &err);
            } else {
                check_counts(&rows, server.groups(), &err);
            }
            let retried = statuses(&err);
            assert_eq!(
                retried, counts.limit_exceeded,
                "retries said against LimitExceededException answers:\n{err}"
            );
            let clusters: std::collections::HashSet<&str> =
                rows.iter().filter_map(|r| r["@cluster"].as_str()).collect();
            let regions: std::collections::HashSet<&str> =
                rows.iter().filter_map(|r| r["@region"].as_str()).collect();
            println!(
                "| `{text}` | {latency} ms | {} | {} | {} | {planned} | {} | {} | {retried} | {} | {:.2} s |",
                clusters.len(),
                regions.len(),
                rows.len(),
                counts.start_query,
                counts.limit_exceeded,
                at_once(&err),
                wall.as_secs_f64()
            );
        }
    }
}
