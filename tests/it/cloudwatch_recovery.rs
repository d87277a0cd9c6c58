//! The real binary, configured as for a user (its own client, retries and timeouts), against a
//! CloudWatch that answers 503 and stops answering for a while: the query still arrives whole,
//! every event once, and a CloudWatch that never comes back is reported after a bounded
//! number of attempts.

use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

use kaudit::source::cloudwatch::{ATTEMPT_TIMEOUT, AWS_ROW_CAP};

use crate::support::child;
use crate::support::cloud_server::{CloudServer, Event, Script, aws_time};
use crate::support::jsonl;
use crate::support::moto::{self, Moto};

const T0: i64 = 1_793_606_400_000;

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            time_ms: T0 + i as i64 * 1000,
            ptr: format!("p{i}"),
            message: format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"e{i}"}}"#
            ),
        })
        .collect()
}

/// `kaudit query` of the prod log group from T0 to `end_ms` at `endpoint`, with moto's
/// environment.
fn query_command(endpoint: &str, end_ms: i64) -> Command {
    let mut command = moto::kaudit_command();
    command.args(["query", "--log-group", "/aws/eks/prod/cluster"]);
    command.args(["--endpoint-url", endpoint]);
    command.args(["--start", &aws_time(T0), "--end", &aws_time(end_ms)]);
    command
}

fn query(server: &CloudServer) -> std::process::Output {
    let mut command = query_command(&server.url(), T0 + 3_600_000);
    command.args(["-o", "jsonl", "fields @timestamp, @message"]);
    // Retried as for a user: the SDK's standard retries, not the other tests' single attempt.
    command.env_remove("AWS_MAX_ATTEMPTS");
    child::output(&mut command)
}

/// The test server in front of moto, answering queries over `n` events.
fn scripted(moto: &Moto, n: usize) -> CloudServer {
    let server = CloudServer::start(&moto.url());
    server.with(|s| {
        s.script = Some(Script {
            events: events(n),
            cap: AWS_ROW_CAP,
            running_polls: 1,
            ends: None,
        });
    });
    server
}

#[test]
fn unavailable_and_stalled_calls_are_retried_and_nothing_is_lost_or_doubled() {
    let moto = Moto::start();
    let server = scripted(&moto, 300);
    server.with(|s| {
        s.unavailable.insert("StartQuery".into(), 2);
        s.unavailable.insert("GetQueryResults".into(), 1);
        s.stall.insert(
            "GetQueryResults".into(),
            (1, ATTEMPT_TIMEOUT + Duration::from_secs(15)),
        );
    });
    let out = query(&server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let ids: Vec<String> = jsonl(&out.stdout)
        .iter()
        .map(|l| l["@message"].to_string())
        .collect();
    assert_eq!(ids.len(), 300, "{stderr}");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        300,
        "every event once"
    );
    let calls = server.calls();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(
        count("StartQuery"),
        3,
        "two 503s, then the query: {calls:?}"
    );
    assert!(
        count("GetQueryResults") >= 3,
        "a 503 and a stall retried: {calls:?}"
    );
}

#[test]
fn a_cloudwatch_that_stays_unavailable_is_reported_after_a_few_attempts() {
    let moto = Moto::start();
    let server = scripted(&moto, 10);
    server.with(|s| {
        s.unavailable.insert("StartQuery".into(), 1_000);
    });
    let out = query(&server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("StartQuery"), "{stderr}");
    assert!(stderr.to_lowercase().contains("unavailable"), "{stderr}");
    let tries = server.calls().iter().filter(|c| *c == "StartQuery").count();
    assert!((2..=10).contains(&tries), "{tries} attempts");
}

#[test]
fn no_credential_or_signature_is_ever_printed() {
    let moto = Moto::start();
    let server = scripted(&moto, 5);
    let secret = "kauditTestSecretKey0123456789abcdefABCDEF";
    let token = "kauditTestSessionToken9876543210zyxwvu";
    let closed = format!("http://127.0.0.1:{}", crate::support::moto::free_port());
    let run = |endpoint: &str, refuse: Option<(&str, &str)>| {
        server.with(|s| {
            s.refuse.clear();
            if let Some((code, message)) = refuse {
                s.refuse
                    .insert("StartQuery".into(), (code.into(), message.into()));
            }
        });
        let mut command = query_command(endpoint, T0 + 60_000);
        command.arg("fields @timestamp, @message");
        command
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", token)
            .env("RUST_LOG", "trace");
        let out = child::output(&mut command);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let url = server.url();
    for (what, text) in [
        ("an answer", run(&url, None)),
        (
            "expired credentials",
            run(
                &url,
                Some((
                    "ExpiredTokenException",
                    "The security token included in the request is expired",
                )),
            ),
        ),
        (
            "a refused call",
            run(
                &url,
                Some((
                    "AccessDeniedException",
                    "not authorized to perform: logs:StartQuery",
                )),
            ),
        ),
        ("an endpoint nobody listens on", run(&closed, None)),
    ] {
        for leak in [
            secret,
            token,
            "Signature=",
            "X-Amz-Security-Token",
            "authorization:",
        ] {
            assert!(!text.contains(leak), "{what}: {leak:?} printed:\n{text}");
        }
        assert!(!text.is_empty(), "{what}");
    }
}
