//! `kaudit tail` (the real binary, one attempt per call so that a fault is not hidden by the
//! SDK's retries) when CloudWatch does not answer: a live tail whose next session and whose
//! read-back of the gap are refused with 503, and polling whose page is refused. It carries on by
//! itself, and every event is printed once, in order.

use crate::support::child;
use crate::support::cloud_server::{CloudServer, LiveStep};
use crate::support::jsonl;
use crate::support::moto::{self, Moto};

const STREAM: &str = "kube-apiserver-audit-0a1b";

fn audit(i: usize) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"e-{i}","verb":"get","user":{{"username":"u"}}}}"#
    )
}

const GROUP: &str = "/aws/eks/prod/cluster";

/// The log group of cluster `prod` in moto with events `0..n` at `time(i)`.
fn log_group(moto: &Moto, n: usize, time: impl Fn(usize) -> i64) {
    let events: Vec<(i64, String)> = (0..n).map(|i| (time(i), audit(i))).collect();
    moto::seed(&moto.url(), GROUP, STREAM, &events);
}

/// `kaudit tail --cluster prod … --count N -o jsonl ARGS`: the audit IDs printed, and stderr.
fn tail(server: &CloudServer, count: usize, args: &[&str]) -> (Vec<String>, String) {
    let mut command = moto::kaudit_command();
    command
        .args(["tail", "--cluster", "prod", "--endpoint-url", &server.url()])
        .args([
            "--since",
            "5m",
            "--count",
            &count.to_string(),
            "-o",
            "jsonl",
        ])
        .args(args);
    let out = child::output(&mut command);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let ids = jsonl(&out.stdout)
        .iter()
        .map(|l| l["auditID"].as_str().unwrap().to_string())
        .collect();
    (ids, stderr)
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("e-{i}")).collect()
}

#[test]
fn a_live_tail_carries_on_when_cloudwatch_does_not_answer_and_prints_every_event_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let now = jiff::Timestamp::now().as_millisecond();
    // Ten events of history; twenty more stamped two seconds on, which a read-back of the gap
    // does not find before then (they are in the log group, as in CloudWatch).
    let time = move |i: usize| {
        if i < 10 {
            now - 50_000 + i as i64 * 1000
        } else {
            now + 2_000 + i as i64
        }
    };
    log_group(&moto, 30, time);
    let update = move |range: std::ops::Range<usize>| LiveStep::Update {
        events: range
            .map(|i| (time(i), STREAM.to_string(), audit(i)))
            .collect(),
        sampled: false,
    };
    server.with(|s| {
        // The first session brings 10..20 and ends; starting the next is refused once; the one
        // after is ended unread, as reading its gap back is refused; a last one brings some
        // again, and the rest.
        s.live.push_back(vec![
            LiveStep::Wait(300),
            update(10..20),
            LiveStep::Wait(300),
            LiveStep::Timeout,
        ]);
        s.live
            .push_back(vec![update(15..30), LiveStep::Wait(3_000)]);
        s.live
            .push_back(vec![update(15..30), LiveStep::Wait(3_000)]);
        s.unavailable_after.insert("StartLiveTail".into(), 1);
        s.unavailable.insert("StartLiveTail".into(), 1);
        s.unavailable_after.insert("FilterLogEvents".into(), 1);
        s.unavailable.insert("FilterLogEvents".into(), 1);
    });
    let (ids, stderr) = tail(&server, 30, &[]);
    assert_eq!(ids, expected(30), "{stderr}");
    assert!(!stderr.contains("polling"), "no fall back: {stderr}");
    assert!(stderr.contains("ServiceUnavailableException"), "{stderr}");
    // Each state the cluster went through, said as it changed: live, stalled, live again.
    let said: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kaudit: /aws/eks/prod/cluster: "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(said.first(), Some(&"live"), "{stderr}");
    assert_eq!(said.last(), Some(&"live"), "{stderr}");
    assert!(said.contains(&"stalled"), "{stderr}");
    let calls = server.calls();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(
        (
            count("StartLiveTail"),
            server.with(|s| s.live_started),
            count("FilterLogEvents")
        ),
        (4, 3, 3),
        "a refused start, a session whose read-back was refused, one that read it: {calls:?}"
    );
}

#[test]
fn polling_carries_on_when_cloudwatch_does_not_answer_and_prints_every_event_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let now = jiff::Timestamp::now().as_millisecond();
    log_group(&moto, 20, |i| now - 50_000 + i as i64 * 1000);
    // The first poll answers, a second late (as from a kaudit slow to start, or a slow
    // CloudWatch); the second is refused; the third reads the range again.
    server.with(|s| {
        s.delay.insert(
            "FilterLogEvents".into(),
            (1, std::time::Duration::from_secs(1)),
        );
        s.unavailable_after.insert("FilterLogEvents".into(), 1);
        s.unavailable.insert("FilterLogEvents".into(), 1);
    });
    // Ten more arrive once the first poll has been answered, before the refused one: told by
    // the server, not guessed from a pause.
    let (ids, stderr) = std::thread::scope(|scope| {
        scope.spawn(|| {
            server.wait_answered("FilterLogEvents", 1);
            let events: Vec<(i64, String)> = (20..30)
                .map(|i| (now - 50_000 + i as i64 * 1000, audit(i)))
                .collect();
            moto::append(&moto.url(), GROUP, STREAM, &events);
        });
        tail(&server, 30, &["--poll", "--interval", "1s"])
    });
    assert_eq!(ids, expected(30), "{stderr}");
    assert!(
        stderr.contains("CloudWatch did not answer for /aws/eks/prod/cluster"),
        "{stderr}"
    );
    let said: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kaudit: /aws/eks/prod/cluster: "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(said, ["polling", "stalled", "polling"], "{stderr}");
    let polls = server
        .calls()
        .iter()
        .filter(|c| *c == "FilterLogEvents")
        .count();
    assert!(polls >= 3, "{polls}");
}

#[test]
fn one_cluster_of_two_refused_is_said_by_name() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let now = jiff::Timestamp::now().as_millisecond();
    log_group(&moto, 3, |i| now - 10_000 + i as i64);
    let mut command = moto::kaudit_command();
    command
        .args(["tail", "--cluster", "prod", "--cluster", "gone"])
        .args([
            "--endpoint-url",
            &server.url(),
            "--poll",
            "--interval",
            "200ms",
        ]);
    let out = child::output(&mut command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("kaudit: /aws/eks/prod/cluster: polling"),
        "{stderr}"
    );
    assert!(
        stderr.contains("kaudit: /aws/eks/gone/cluster: refused ("),
        "{stderr}"
    );
}
