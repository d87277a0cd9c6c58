//! CloudWatch refusing the credentials mid-session, or not answering, while the console reads it
//! (the real binary in tmux, the real SDK, moto behind a server that expires an access key or
//! answers 503): the console says what to do, and R — once the credentials file holds new keys —
//! carries on where it stopped; a live tail tries again by itself when CloudWatch did not
//! answer. Every event once, counted from an export; a query run again works.

use std::collections::HashSet;
use std::path::Path;

use crate::support::cloud_server::{CloudServer, Expiry, LiveStep};
use crate::support::moto::{self, Moto};
use crate::support::pane::{Pane, tmux_available};

const STREAM: &str = "kube-apiserver-audit-1";

fn audit(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","verb":"get","user":{{"username":"u"}},"objectRef":{{"resource":"pods"}},"responseStatus":{{"code":200}},"stageTimestamp":"2026-12-01T08:00:00Z"}}"#
    )
}

/// Each cluster's log group in moto, holding `(time ms, auditID)` events.
fn put(moto: &Moto, clusters: &[(&str, Vec<(i64, String)>)]) {
    for (cluster, events) in clusters {
        moto::seed(&moto.url(), &group(cluster), STREAM, &messages(events));
    }
}

/// More `(time ms, auditID)` events into each cluster's log group.
fn put_more(moto: &Moto, clusters: &[(&str, Vec<(i64, String)>)]) {
    for (cluster, events) in clusters {
        moto::append(&moto.url(), &group(cluster), STREAM, &messages(events));
    }
}

fn group(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

fn messages(events: &[(i64, String)]) -> Vec<(i64, String)> {
    events.iter().map(|(t, id)| (*t, audit(id))).collect()
}

/// A profile's keys, as `aws configure` or `aws sso login` would leave them.
fn credentials(dir: &Path, key: &str) {
    std::fs::write(
        dir.join("credentials"),
        format!("[default]\naws_access_key_id = {key}\naws_secret_access_key = secret-{key}\n"),
    )
    .unwrap();
}

/// The console over `args`, its credentials from the files in `dir` only.
fn console(name: &str, dir: &Path, server: &CloudServer, args: &[&str]) -> Pane {
    std::fs::write(dir.join("config"), "[default]\nregion = us-east-1\n").unwrap();
    let (credentials, config, url) = (
        dir.join("credentials").display().to_string(),
        dir.join("config").display().to_string(),
        server.url(),
    );
    let home = dir.display().to_string();
    let env = [
        ("HOME", home.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ("AWS_CONFIG_FILE", config.as_str()),
        // None from the test's own environment: the files are the only source.
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("NO_PROXY", "127.0.0.1,localhost"),
    ];
    let mut all = args.to_vec();
    all.extend(["--endpoint-url", &url, "--since", "10m"]);
    Pane::start_with(name, dir, &all, &env, 220, 40)
}

/// The audit IDs of the events the console holds, from `E` (export all) to a file.
fn exported_ids(pane: &Pane, dir: &Path, name: &str) -> (usize, HashSet<String>) {
    let path = dir.join(name);
    pane.keys(&[":"]);
    pane.literal(&format!("export-all {}", path.display()));
    pane.keys(&["Enter"]);
    pane.wait_for("exported");
    let text = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect();
    (ids.len(), ids.into_iter().collect())
}

/// The access keys `op` was signed with, in order.
fn signers(server: &CloudServer, op: &str) -> Vec<String> {
    server.with(|s| {
        s.calls
            .iter()
            .zip(&s.signers)
            .filter(|(call, _)| *call == op)
            .map(|(_, key)| key.clone())
            .collect()
    })
}

/// Moto with clusters `a` and `b`, 150 events each in the last five minutes.
fn two_clusters() -> Moto {
    let moto = Moto::start();
    let now = jiff::Timestamp::now().as_millisecond();
    let events = |cluster: &str| -> Vec<(i64, String)> {
        (0..150)
            .map(|i| (now - 300_000 + i * 1000, format!("{cluster}-{i}")))
            .collect()
    };
    put(&moto, &[("a", events("a")), ("b", events("b"))]);
    moto
}

#[test]
fn expired_credentials_mid_load_are_refreshed_and_the_load_and_a_query_carry_on() {
    if !tmux_available("console: credentials expire mid-session") {
        return;
    }
    let moto = two_clusters();
    let server = CloudServer::start(&moto.url());
    // The session's key expires after the first log group's page: the second one is refused.
    server.with(|s| {
        s.expiry = Some(Expiry {
            key: "AKIDFIRST".into(),
            op: "FilterLogEvents".into(),
            after: 1,
        })
    });
    let dir = tempfile::tempdir().unwrap();
    credentials(dir.path(), "AKIDFIRST");
    let pane = console(
        "credentials-load",
        dir.path(),
        &server,
        &["--cluster", "a", "--cluster", "b"],
    );
    let screen = pane.wait_for("press R");
    assert!(
        screen.contains("refresh them (aws sso login") && screen.contains("ExpiredTokenException"),
        "{screen}"
    );
    pane.wait_for("events 150 of 150");
    // Any other key reads the message away; what to do stays on the status line.
    pane.keys(&["j"]);
    pane.wait_for("press R");
    credentials(dir.path(), "AKIDSECOND");
    pane.keys(&["R"]);
    pane.wait_for("events 300 of 300");
    let (lines, ids) = exported_ids(&pane, dir.path(), "load.jsonl");
    assert_eq!((lines, ids.len()), (300, 300), "every event, once");
    assert_eq!(
        signers(&server, "FilterLogEvents"),
        ["AKIDFIRST", "AKIDFIRST", "AKIDSECOND"],
        "the refused page asked again, with the new key, and nothing read twice"
    );

    // A query whose credentials expire says so, and runs once they are refreshed.
    server.with(|s| {
        s.expiry = Some(Expiry {
            key: "AKIDSECOND".into(),
            op: String::new(),
            after: 0,
        })
    });
    let query = "query fields @timestamp, @message | sort @timestamp desc | limit 5";
    pane.keys(&[":"]);
    pane.literal(query);
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("run the query again");
    assert!(screen.contains("ExpiredTokenException"), "{screen}");
    credentials(dir.path(), "AKIDTHIRD");
    pane.keys(&[":"]);
    pane.literal(query);
    pane.keys(&["Enter"]);
    pane.wait_for("5 rows");
    assert_eq!(signers(&server, "StartQuery"), ["AKIDSECOND", "AKIDTHIRD"]);
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

/// A live tail over cluster `a`: 150 events of history within the minute a reconnection reads
/// back (so they come again, and must not show twice), then a first session of ten events that
/// AWS ends, and a second one that brings five of them again and ten new ones. Live events are
/// in the log group too, as in CloudWatch: a gap read back finds them. Returns a function that
/// puts the second session's new events into the log group, as time goes on.
fn live_tail_setup<'a>(moto: &'a Moto, server: &CloudServer) -> impl Fn() + 'a {
    let now = jiff::Timestamp::now().as_millisecond();
    let history: Vec<(i64, String)> = (0..150)
        .map(|i| (now - 30_000 + i * 100, format!("h-{i}")))
        .collect();
    let stored = move |from: usize, to: usize| -> Vec<(i64, String)> {
        (from..to)
            .map(|i| (now + i as i64, format!("live-{i}")))
            .collect()
    };
    let live = move |from: usize, to: usize| -> Vec<(i64, String, String)> {
        stored(from, to)
            .into_iter()
            .map(|(t, id)| (t, STREAM.to_string(), audit(&id)))
            .collect()
    };
    put(moto, &[("a", history)]);
    put_more(moto, &[("a", stored(0, 10))]);
    server.with(|s| {
        s.live.push_back(vec![
            LiveStep::Update {
                events: live(0, 10),
                sampled: false,
            },
            LiveStep::Wait(500),
            LiveStep::Timeout,
        ]);
        s.live.push_back(vec![
            LiveStep::Update {
                events: live(5, 20),
                sampled: false,
            },
            LiveStep::Wait(60_000),
        ]);
    });
    move || put_more(moto, &[("a", stored(10, 20))])
}

#[test]
fn expired_credentials_stop_the_live_tail_until_refreshed_and_nothing_is_lost_or_doubled() {
    if !tmux_available("console: credentials expire while following") {
        return;
    }
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let later = live_tail_setup(&moto, &server);
    // The key is good for the load's page and the first read-back; it has expired by the time
    // kaudit starts the next session.
    server.with(|s| {
        s.expiry = Some(Expiry {
            key: "AKIDFIRST".into(),
            op: "FilterLogEvents".into(),
            after: 2,
        });
    });
    let dir = tempfile::tempdir().unwrap();
    credentials(dir.path(), "AKIDFIRST");
    let pane = console(
        "credentials-tail",
        dir.path(),
        &server,
        &["--cluster", "a", "--follow"],
    );
    pane.wait_for("events 160 of 160");
    pane.wait_for("press R");
    later();
    credentials(dir.path(), "AKIDSECOND");
    pane.keys(&["R"]);
    pane.wait_for("events 170 of 170");
    let (lines, ids) = exported_ids(&pane, dir.path(), "tail.jsonl");
    assert_eq!((lines, ids.len()), (170, 170), "every event, once");
    assert_eq!(
        signers(&server, "StartLiveTail"),
        ["AKIDFIRST", "AKIDFIRST", "AKIDSECOND"]
    );
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn a_live_tail_cloudwatch_does_not_answer_is_tried_again_by_itself() {
    if !tmux_available("console: live tail not answered") {
        return;
    }
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    // The second session's new events reach the log group only through it: 170 means it ran.
    let _later = live_tail_setup(&moto, &server);
    // The first session is refused (503, the SDK's retries spent), and then the read-back of
    // the next one: kaudit waits and tries again, no key pressed.
    server.with(|s| {
        s.unavailable.insert("StartLiveTail".into(), 1);
        s.unavailable_after.insert("FilterLogEvents".into(), 1);
        s.unavailable.insert("FilterLogEvents".into(), 1);
    });
    let dir = tempfile::tempdir().unwrap();
    credentials(dir.path(), "AKIDFIRST");
    let pane = console(
        "unavailable-tail",
        dir.path(),
        &server,
        &["--cluster", "a", "--follow"],
    );
    pane.wait_for("events 170 of 170");
    let (lines, ids) = exported_ids(&pane, dir.path(), "tail.jsonl");
    assert_eq!((lines, ids.len()), (170, 170), "every event, once");
    assert_eq!(
        (
            signers(&server, "StartLiveTail").len(),
            server.with(|s| s.live_started),
            signers(&server, "FilterLogEvents").len()
        ),
        (3, 2, 3),
        "a refused start; a session whose read-back was refused; one that worked"
    );
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn the_cluster_picker_waits_for_refreshed_credentials_too() {
    if !tmux_available("console: credentials refused while listing clusters") {
        return;
    }
    let moto = Moto::start();
    let now = jiff::Timestamp::now().as_millisecond();
    put(
        &moto,
        &[(
            "a",
            (0..3)
                .map(|i| (now - 60_000 + i, format!("a-{i}")))
                .collect(),
        )],
    );
    let server = CloudServer::start(&moto.url());
    server.with(|s| {
        s.expiry = Some(Expiry {
            key: "AKIDFIRST".into(),
            op: String::new(),
            after: 0,
        })
    });
    let dir = tempfile::tempdir().unwrap();
    credentials(dir.path(), "AKIDFIRST");
    // Only a connection: the console lists the clusters first.
    let pane = console("credentials-picker", dir.path(), &server, &[]);
    pane.wait_for("press R");
    credentials(dir.path(), "AKIDSECOND");
    pane.keys(&["R"]);
    pane.wait_for("EKS clusters · 1 of 1");
    pane.keys(&["Enter"]);
    pane.wait_for("events 3 of 3");
    assert_eq!(
        signers(&server, "DescribeLogGroups"),
        ["AKIDFIRST", "AKIDSECOND"]
    );
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn a_load_cloudwatch_does_not_answer_waits_for_r_and_carries_on() {
    if !tmux_available("console: CloudWatch does not answer mid-load") {
        return;
    }
    let moto = two_clusters();
    let server = CloudServer::start(&moto.url());
    // A 503 for the first page, and the console is given one attempt: its retries are spent.
    server.with(|s| s.unavailable.insert("FilterLogEvents".into(), 1));
    let dir = tempfile::tempdir().unwrap();
    credentials(dir.path(), "AKIDFIRST");
    let pane = console(
        "unavailable-load",
        dir.path(),
        &server,
        &["--cluster", "a", "--cluster", "b"],
    );
    let screen = pane.wait_for("CloudWatch did not answer, retries spent: press R");
    assert!(screen.contains("ServiceUnavailableException"), "{screen}");
    pane.keys(&["R"]);
    pane.wait_for("events 300 of 300");
    let (lines, ids) = exported_ids(&pane, dir.path(), "load.jsonl");
    assert_eq!((lines, ids.len()), (300, 300), "every event, once");
    assert_eq!(signers(&server, "FilterLogEvents").len(), 3);
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}
