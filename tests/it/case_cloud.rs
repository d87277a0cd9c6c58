//! `kaudit case add` over CloudWatch Logs, through the real SDK against moto's server: a query's
//! rows there hold only the fields it names (moto answers `fields user.username` with `@ptr`
//! alone), so each event is fetched whole with GetLogRecord and kept byte for byte as CloudWatch
//! stores it. moto has no GetLogRecord: the loopback server in front of it answers that from
//! what moto holds (read back with FilterLogEvents), and forwards every other call.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use crate::support::child;
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::now_ms;

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAM: &str = "kube-apiserver-audit-0123456789abcdef";

fn event(id: &str, at_ms: i64, agent: &str, body: &str) -> String {
    let at = jiff::Timestamp::from_millisecond(at_ms).unwrap();
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/configmaps/app","verb":"update","user":{{"username":"mallory"}},"sourceIPs":["198.51.100.7"],"userAgent":"{agent}","objectRef":{{"resource":"configmaps","namespace":"prod","name":"app","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{{"data":{{"payload":"{body}"}}}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}"}}"#
    )
}

/// The log group's events: one past 64 KB, one with text that is not ASCII, one plain, each a
/// few minutes old, and one from two hours ago (outside `--since 1h`): `(time ms, message)`.
fn events() -> Vec<(i64, String)> {
    let now = now_ms();
    let big = "x".repeat(70 * 1024);
    vec![
        (
            now - 7_200_000,
            event("old-1", now - 7_200_000, "kubectl", "old"),
        ),
        (
            now - 300_000,
            event("big-1", now - 300_000, "kubectl", &big),
        ),
        (
            now - 200_000,
            event(
                "utf-1",
                now - 200_000,
                "kubectl/v1.31 (linux) — ünïcødé 日本語 ✓",
                "héllo wörld ∑",
            ),
        ),
        (
            now - 100_000,
            event("plain-1", now - 100_000, "kubectl", "v2"),
        ),
    ]
}

/// moto with the group seeded, a loopback server in front of it answering GetLogRecord for
/// every event moto holds but `unfetchable`, and each message by its `@ptr`.
fn cloud(unfetchable: &[&str]) -> (Moto, CloudServer, HashMap<String, String>) {
    let moto = Moto::start();
    moto::seed(&moto.url(), GROUP, STREAM, &events());
    // What moto stores, and where: its `@ptr` is the eventId FilterLogEvents answers.
    let stored: Vec<(String, String)> = moto::rt().block_on(async {
        let page = moto::client(&moto.url())
            .filter_log_events()
            .log_group_name(GROUP)
            .send()
            .await
            .unwrap();
        page.events()
            .iter()
            .map(|e| {
                (
                    e.event_id().unwrap().to_string(),
                    e.message().unwrap().to_string(),
                )
            })
            .collect()
    });
    assert_eq!(stored.len(), 4);
    let server = CloudServer::start(&moto.url());
    server.with(|s| {
        for (ptr, message) in &stored {
            if unfetchable.iter().any(|id| message.contains(id)) {
                continue;
            }
            s.records.insert(
                ptr.clone(),
                [
                    ("@message".to_string(), message.clone()),
                    ("@logStream".to_string(), STREAM.to_string()),
                    ("@log".to_string(), format!("123456789012:{GROUP}")),
                ]
                .into(),
            );
        }
    });
    (moto, server, stored.into_iter().collect())
}

fn kaudit_in(data: &Path, args: &[&str]) -> Output {
    child::output(
        moto::kaudit_command()
            .args(args)
            .env("XDG_DATA_HOME", data)
            .env("USER", "ana"),
    )
}

/// `kaudit case add NAME` over the log group through `server`, the last hour, then `rest`.
fn case_add(data: &Path, server: &CloudServer, name: &str, rest: &[&str]) -> Output {
    let url = server.url();
    let mut args = vec![
        "case",
        "add",
        name,
        "--log-group",
        GROUP,
        "--endpoint-url",
        &url,
        "--since",
        "1h",
    ];
    args.extend_from_slice(rest);
    kaudit_in(data, &args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The case's journal, as `kaudit case show NAME -o jsonl` prints it.
fn journal(data: &Path, name: &str) -> Vec<serde_json::Value> {
    let out = kaudit_in(data, &["case", "show", name, "-o", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    crate::support::jsonl(&out.stdout)
}

fn calls(server: &CloudServer, op: &str) -> usize {
    server.calls().iter().filter(|c| *c == op).count()
}

#[test]
fn events_are_fetched_whole_and_kept_byte_for_byte_as_cloudwatch_stores_them() {
    let (_moto, server, by_ptr) = cloud(&[]);
    let data = tempfile::tempdir().unwrap();
    let query = "fields user.username | filter user.username = \"mallory\"";
    let out = case_add(
        data.path(),
        &server,
        "ir-9",
        &[
            query,
            "--tag",
            "attacker",
            "--note",
            "wrote the app's config",
        ],
    );
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("3 events marked [attacker]"), "{said}");
    assert!(said.contains("fetched 3 of 3 events whole"), "{said}");
    // One GetLogRecord per event the query found; the event outside the range is not asked for.
    assert_eq!(calls(&server, "GetLogRecord"), 3, "{:?}", server.calls());

    let entries = journal(data.path(), "ir-9");
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "query", "marked", "marked", "marked"]);
    let q = &entries[1];
    assert_eq!(q["text"], query);
    assert_eq!(q["log_groups"], serde_json::json!([GROUP]));
    assert_eq!(q["rows"], 3);
    assert!(q.get("sources").is_none(), "{q}");
    // The range CloudWatch read: from an hour ago, to when it ran.
    assert!(q["range"].as_str().unwrap().ends_with(".."), "{q}");
    let marked = &entries[2..];
    let ids: Vec<&str> = marked
        .iter()
        .map(|m| m["event"]["auditID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["big-1", "utf-1", "plain-1"], "in time order");
    for m in marked {
        let ptr = m["event"]["@ptr"].as_str().unwrap();
        let kept = m["original"]["text"].as_str().unwrap();
        assert_eq!(kept, by_ptr[ptr], "the @message at {ptr}, byte for byte");
        assert_eq!(m["event"]["source"], GROUP);
        assert_eq!(m["tag"], "attacker");
        assert_eq!(m["note"], "wrote the app's config");
    }
    let big = marked[0]["original"]["text"].as_str().unwrap();
    assert!(big.len() > 70 * 1024, "{}", big.len());
    let utf = marked[1]["original"]["text"].as_str().unwrap();
    assert!(utf.contains("ünïcødé 日本語 ✓") && utf.contains("héllo wörld ∑"));
}

#[test]
fn an_event_cloudwatch_does_not_return_is_said_and_the_others_are_kept() {
    let (_moto, server, by_ptr) = cloud(&["utf-1"]);
    let data = tempfile::tempdir().unwrap();
    let out = case_add(
        data.path(),
        &server,
        "ir-10",
        &["fields user.username, @logStream | filter user.username = \"mallory\""],
    );
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let lost = by_ptr
        .iter()
        .find(|(_, m)| m.contains("utf-1"))
        .map(|(p, _)| p.clone())
        .unwrap();
    assert!(
        said.contains(&format!("the event at @ptr {lost} could not be fetched"))
            && said.contains("InvalidParameterException"),
        "{said}"
    );
    assert!(said.contains("fetched 2 of 3 events whole"), "{said}");
    assert!(said.contains("2 events marked [unsure]"), "{said}");
    let entries = journal(data.path(), "ir-10");
    let marked: Vec<&serde_json::Value> =
        entries.iter().filter(|e| e["kind"] == "marked").collect();
    let ids: Vec<&str> = marked
        .iter()
        .map(|m| m["event"]["auditID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["big-1", "plain-1"]);
    for m in marked {
        let ptr = m["event"]["@ptr"].as_str().unwrap();
        assert_eq!(m["original"]["text"].as_str().unwrap(), by_ptr[ptr]);
        // The query named each row's stream.
        assert_eq!(m["event"]["source"], format!("{GROUP}:{STREAM}"));
    }
    assert!(entries.iter().any(|e| e["kind"] == "query"));
}

#[test]
fn more_events_than_the_cap_are_refused_before_any_is_fetched() {
    let (_moto, server, _) = cloud(&[]);
    let data = tempfile::tempdir().unwrap();
    let out = case_add(
        data.path(),
        &server,
        "ir-11",
        &["fields user.username", "--max-events", "2"],
    );
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("found 3 events, over the limit of --max-events 2"),
        "{said}"
    );
    assert_eq!(calls(&server, "GetLogRecord"), 0, "{:?}", server.calls());
    // A query whose rows are not events is refused before it reaches CloudWatch.
    let out = case_add(data.path(), &server, "ir-11", &["stats count(*) by verb"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("rows are not events"), "{said}");
    assert_eq!(calls(&server, "StartQuery"), 1, "{:?}", server.calls());
    assert!(!data.path().join("kaudit").exists(), "no case was made");
}
