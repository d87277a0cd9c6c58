//! The console end to end, as a person uses it: the real binary in a tmux pane, keys sent,
//! the screen read back.
//!
//! tmux is required where `KAUDIT_REQUIRE_TMUX` is set (CI sets it); elsewhere, without tmux,
//! these tests say plainly that they did not run.

use std::time::Duration;

use crate::support::pane::{Pane, tmux_available};
use crate::support::{jsonl, kaudit};

#[test]
fn an_analyst_runs_the_aws_auth_query_follows_its_actor_and_exports_two_events() {
    if !tmux_available("console end to end") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::start("triage", dir.path(), &[], 160, 45);
    pane.wait_for("Demo: 20000 events");
    // Findings lead: counted on the title line as soon as the events are read.
    pane.wait_for("findings: 2 critical");
    pane.wait_for("events 20000 of 20000");
    // Who touched aws-auth? The canned query, found in the browser by typing.
    pane.keys(&["b"]);
    pane.wait_for("aws-auth-changes");
    pane.literal("aws-auth");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("aws-auth-changes: 1 row");
    assert!(
        screen.contains("query: aws-auth-changes (1 event)"),
        "{screen}"
    );
    assert!(screen.contains("@message"), "{screen}");
    // The facets now count the query's events: its one user is the actor. Keep only them.
    pane.keys(&["Tab"]);
    pane.wait_for("◂ user");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("user: system:serviceaccount:kube-system:node-health-agent");
    assert!(screen.contains("events 1 of 20000"), "{screen}");
    // The event in detail: the decision and the reason decoded.
    pane.keys(&["BTab", "Enter"]);
    let screen = pane.wait_for("authorizer");
    assert!(screen.contains("decision"), "{screen}");
    assert!(screen.contains("RBAC"), "{screen}");
    assert!(screen.contains("binding"), "{screen}");
    assert!(screen.contains("role"), "{screen}");
    // Everything else this identity did: drop the query's chip, keep the user's.
    pane.keys(&["Escape", ":"]);
    pane.literal("drop 1");
    pane.keys(&["Enter"]);
    pane.wait_for("events 8 of 20000");
    // Mark two rows, export them.
    pane.keys(&["g", "Space", "Space"]);
    pane.wait_for("marked 2");
    pane.keys(&["e"]);
    pane.wait_for("export marked to:");
    pane.keys(&["C-u"]);
    pane.literal("evidence.json");
    pane.keys(&["Enter"]);
    pane.wait_for("exported 2 events");
    let path = dir.path().join("evidence.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let events: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(events.len(), 2);
    // Exactly the original events: each is one of the demo's lines.
    let demo = kaudit(&["demo"]);
    let originals: Vec<serde_json::Value> = jsonl(&demo.stdout);
    for event in &events {
        assert_eq!(
            event["user"]["username"],
            "system:serviceaccount:kube-system:node-health-agent"
        );
        assert!(originals.contains(event), "{event}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The same name again is not overwritten without a yes.
    pane.keys(&["e"]);
    pane.wait_for("export marked to:");
    pane.keys(&["C-u"]);
    pane.literal("evidence.json");
    pane.keys(&["Enter"]);
    pane.wait_for("replace it? (y/n)");
    pane.keys(&["n"]);
    pane.wait_for("export cancelled");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    pane.keys(&["q"]);
    let screen = pane.wait_for("kaudit-exited-0");
    // The terminal was given back: the console's frame is gone.
    assert!(!screen.contains("events 20000"), "{screen}");
}

#[test]
fn a_followed_file_streams_into_the_console_pauses_and_is_queried() {
    if !tmux_available("console live tail") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = kaudit(&["demo", "--events", "2000"]);
    let lines: Vec<&str> = std::str::from_utf8(&demo.stdout).unwrap().lines().collect();
    let log = dir.path().join("audit.log");
    std::fs::write(&log, lines[..1500].join("\n") + "\n").unwrap();
    let pane = Pane::start("tail", dir.path(), &["--follow", "audit.log"], 160, 45);
    pane.wait_for("events 1500 of 1500");
    pane.wait_for("following:");
    // Another process appends, a few lines at a time.
    let writer = {
        let log = log.clone();
        let more: Vec<String> = lines[1500..1700].iter().map(|l| l.to_string()).collect();
        std::thread::spawn(move || {
            use std::io::Write;
            for chunk in more.chunks(50) {
                let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
                f.write_all((chunk.join("\n") + "\n").as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    writer.join().unwrap();
    pane.wait_for("events 1700 of 1700");
    pane.wait_for("following: 200 new");
    // Paused: new events wait, counted, and come in on resume.
    pane.keys(&["p"]);
    pane.wait_for("PAUSED");
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all((lines[1700..1800].join("\n") + "\n").as_bytes())
            .unwrap();
    }
    pane.wait_for("100 waiting");
    assert!(pane.screen().contains("events 1700 of 1700"));
    pane.keys(&["p"]);
    pane.wait_for("events 1800 of 1800");
    // An ad-hoc query from the editor reads the file as it is now; the history is kept, 0600.
    // (F2 rather than `;`, which tmux reads as the end of its own command.)
    pane.keys(&["F2"]);
    pane.wait_for("F5 run");
    pane.literal("stats count(*) as n, count_distinct(user.username) as users");
    pane.keys(&["F5"]);
    let screen = pane.wait_for("1,800 records");
    assert!(screen.contains("1800"), "{screen}");
    let history = dir.path().join("config/kaudit/history.jsonl");
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(text.contains("count_distinct(user.username)"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&history).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn findings_lead_the_console_and_a_followed_event_is_found_as_it_arrives() {
    if !tmux_available("console findings") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = kaudit(&["demo"]);
    let text = std::str::from_utf8(&demo.stdout).unwrap();
    // The incident without its aws-auth change, which comes later, appended.
    let (late, rest): (Vec<&str>, Vec<&str>) = text
        .lines()
        .partition(|l| l.contains(r#""name":"aws-auth""#) && l.contains(r#""verb":"patch""#));
    assert_eq!(late.len(), 1);
    let log = dir.path().join("audit.log");
    std::fs::write(&log, rest.join("\n") + "\n").unwrap();
    let pane = Pane::start("findings", dir.path(), &["--follow", "audit.log"], 80, 24);
    pane.wait_for("events 19999 of 19999");
    // One critical finding (the cluster-admin binding), on the first screen, at 80 columns.
    let screen = pane.wait_for("findings: 1 crit");
    assert!(screen.contains("(F)"), "{screen}");
    assert!(
        screen.contains('▲'),
        "the timeline marks where it fired: {screen}"
    );
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all((late[0].to_string() + "\n").as_bytes())
            .unwrap();
    }
    // Read as it arrives: the title counts it, and F lists it at once.
    pane.wait_for("events 20000 of 20000");
    pane.wait_for("findings: 2 crit");
    pane.keys(&["F"]);
    let screen = pane.wait_for("aws-auth-modified");
    assert!(screen.contains("all time"), "{screen}");
    // Its one hit, shown as the events it counted.
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("aws-auth-modified: 1 row");
    assert!(screen.contains("1 event"), "{screen}");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn the_console_reads_a_cluster_in_cloudwatch_follows_it_live_and_queries_there() {
    use crate::support::cloud_server::{CloudServer, LiveStep};
    use crate::support::moto::{self, Moto};
    if !tmux_available("console over CloudWatch") {
        return;
    }
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let group = "/aws/eks/prod/cluster";
    let stream = "kube-apiserver-audit-77aa";
    let demo = kaudit(&["demo", "--events", "60"]);
    let lines: Vec<String> = String::from_utf8(demo.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let now = jiff::Timestamp::now().as_millisecond();
    let history: Vec<(i64, String)> = lines[..40]
        .iter()
        .enumerate()
        .map(|(i, line)| (now - 300_000 + i as i64 * 1000, line.clone()))
        .collect();
    moto::seed(&moto.url(), group, stream, &history);
    // Live: twenty more events, sampled, two seconds in.
    server.with(|s| {
        s.live.push_back(vec![
            LiveStep::Wait(2_000),
            LiveStep::Update {
                events: lines[40..]
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (now + i as i64, stream.to_string(), l.clone()))
                    .collect(),
                sampled: true,
            },
            LiveStep::Wait(60_000),
        ]);
    });
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let env: Vec<(&str, &str)> = moto::env().to_vec();
    let pane = Pane::start_with(
        "cloud",
        dir.path(),
        &[
            "--cluster",
            "prod",
            "--endpoint-url",
            &url,
            "--since",
            "10m",
            "--follow",
        ],
        &env,
        160,
        45,
    );
    pane.wait_for("CloudWatch /aws/eks/prod/cluster");
    pane.wait_for("events 40 of 40");
    let screen = pane.wait_for("events 60 of 60");
    assert!(
        pane.wait_for("SAMPLED by CloudWatch").contains("SAMPLED"),
        "{screen}"
    );
    // A query runs in CloudWatch; its rows are tied to the events the console holds.
    pane.keys(&[":"]);
    pane.literal("query fields @timestamp, @message | sort @timestamp desc | limit 5");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("5 rows");
    assert!(
        server.calls().contains(&"StartQuery".to_string()),
        "{screen}"
    );
    pane.wait_for("(5 events)");
    // An answer of events the console does not hold: Enter fetches the row's event
    // (GetLogRecord) and opens it.
    let outside = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"far-away-1","verb":"delete","user":{"username":"mallory"},"sourceIPs":["198.51.100.7"],"objectRef":{"resource":"secrets","namespace":"prod","name":"db"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-01T00:00:00Z"}"#;
    server.answer_one_not_held(now - 1_000, "CmQKKwoncHRy-far", outside, outside);
    pane.keys(&[":"]);
    pane.literal("query fields @timestamp, @message");
    pane.keys(&["Enter"]);
    pane.wait_for("1 row");
    pane.keys(&["Enter"]);
    // The detail pane (only open once the event is held), decoded from the fetched record.
    let screen = pane.wait_for("event · Enter/1-9 pivot");
    assert!(screen.contains("audit ID      far-away-1"), "{screen}");
    assert!(server.calls().contains(&"GetLogRecord".to_string()));
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn with_only_a_connection_the_console_lists_the_clusters_to_pick_one() {
    use crate::support::moto::{self, Moto};
    if !tmux_available("console cluster picker") {
        return;
    }
    let moto = Moto::start();
    let now = jiff::Timestamp::now().as_millisecond();
    for (cluster, n) in [("prod-eu", 3), ("staging", 7)] {
        let events: Vec<(i64, String)> = (0..n)
            .map(|i| {
                (
                    now - 60_000 + i,
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{cluster}-{i}","verb":"get","user":{{"username":"u"}},"stageTimestamp":"2026-11-24T08:00:00Z"}}"#
                    ),
                )
            })
            .collect();
        let group = format!("/aws/eks/{cluster}/cluster");
        moto::seed(&moto.url(), &group, "kube-apiserver-audit-1", &events);
    }
    moto::seed(&moto.url(), "/aws/lambda/x", "x", &[]);
    let dir = tempfile::tempdir().unwrap();
    let url = moto.url();
    let env: Vec<(&str, &str)> = moto::env().to_vec();
    let pane = Pane::start_with(
        "picker",
        dir.path(),
        &["--endpoint-url", &url],
        &env,
        140,
        40,
    );
    let screen = pane.wait_for("EKS clusters · 2 of 2");
    assert!(
        screen.contains("prod-eu") && screen.contains("staging"),
        "{screen}"
    );
    assert!(!screen.contains("lambda"), "{screen}");
    pane.literal("stag");
    pane.wait_for("1 of 2");
    pane.keys(&["Enter"]);
    pane.wait_for("CloudWatch /aws/eks/staging/cluster");
    pane.wait_for("events 7 of 7");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn quitting_while_a_cloudwatch_query_runs_stops_it_in_the_account() {
    use crate::support::cloud_server::{CloudServer, Script};
    use crate::support::moto::{self, Moto};
    if !tmux_available("console quits a CloudWatch query") {
        return;
    }
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let client = moto::client(&moto.url());
            client
                .create_log_group()
                .log_group_name("/aws/eks/prod/cluster")
                .send()
                .await
                .unwrap();
        });
    // A query that never finishes by itself.
    server.with(|s| {
        s.script = Some(Script {
            events: Vec::new(),
            cap: 10_000,
            running_polls: usize::MAX,
            ends: None,
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let env: Vec<(&str, &str)> = moto::env().to_vec();
    let pane = Pane::start_with(
        "cloudquit",
        dir.path(),
        &["--cluster", "prod", "--endpoint-url", &url],
        &env,
        140,
        40,
    );
    pane.wait_for("CloudWatch /aws/eks/prod/cluster");
    pane.keys(&[":"]);
    pane.literal("query fields @message");
    pane.keys(&["Enter"]);
    pane.wait_for("query running");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
    let calls = server.calls();
    assert!(calls.contains(&"StopQuery".to_string()), "{calls:?}");
}
