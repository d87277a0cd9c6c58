//! The query library from the command line: listing, parameters, and the investigation queries
//! over the demo incident, checked against the demo's own lines.

use std::process::Output;

use crate::support::{self, kaudit};

/// The rows of a run that must have succeeded.
fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    support::jsonl(&out.stdout)
}

/// The demo's events, parsed.
fn demo() -> Vec<serde_json::Value> {
    support::jsonl(&kaudit(&["demo"]).stdout)
}

#[test]
fn the_library_lists_its_queries_with_their_parameters() {
    let out = kaudit(&["queries"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "aws-auth-changes",
        "user-activity",
        "object-history",
        "binding-uses",
        "forbid-decisions",
        "first-seen-users",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("object-history"))
        .unwrap();
    assert!(line.contains("resource, name"), "{line}");
}

#[test]
fn a_parameter_not_given_is_asked_for_by_name() {
    let out = kaudit(&["query", "--demo", "--canned", "user-activity"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--param user=VALUE"), "{stderr}");
}

#[test]
fn investigation_queries_find_what_the_demo_holds() {
    let events = demo();
    let user = "priya.sharma";
    let by_user = events
        .iter()
        .filter(|e| e["user"]["username"] == user)
        .count();
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "user-activity",
        "--param",
        &format!("user={user}"),
        "-o",
        "jsonl",
    ]));
    assert_eq!(rows.len(), by_user.min(10_000));
    assert!(by_user > 10);

    // Who touched aws-auth.
    let touched = events
        .iter()
        .filter(|e| {
            e["objectRef"]["resource"] == "configmaps" && e["objectRef"]["name"] == "aws-auth"
        })
        .count();
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "object-history",
        "--param",
        "resource=configmaps",
        "--param",
        "name=aws-auth",
        "-o",
        "jsonl",
    ]));
    assert_eq!(rows.len(), touched);
    assert!(rows.iter().any(|r| r["verb"] == "patch"));

    // Every use of one binding, from the decoded reason.
    let binding = "eks:node-manager";
    let needle = format!("Binding \"{binding}\"");
    let uses = events
        .iter()
        .filter(|e| {
            e["annotations"]["authorization.k8s.io/reason"]
                .as_str()
                .is_some_and(|r| r.contains(&needle))
        })
        .count();
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "binding-uses",
        "--param",
        &format!("binding={binding}"),
        "-o",
        "jsonl",
    ]));
    assert_eq!(rows.len(), uses);
    assert!(uses > 0);

    // Refusals.
    let forbid = events
        .iter()
        .filter(|e| e["annotations"]["authorization.k8s.io/decision"] == "forbid")
        .count();
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "forbid-decisions",
        "-o",
        "jsonl",
    ]));
    assert_eq!(rows.len(), forbid);
    let denied = events
        .iter()
        .filter(|e| matches!(e["responseStatus"]["code"].as_i64(), Some(401 | 403)))
        .count() as i64;
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "denied-per-user-per-minute",
        "-o",
        "jsonl",
    ]));
    let summed: i64 = rows.iter().map(|r| r["denied"].as_i64().unwrap()).sum();
    assert_eq!(summed, denied);

    // Every user once, with its first sighting.
    let users: std::collections::HashSet<&str> = events
        .iter()
        .filter_map(|e| e["user"]["username"].as_str())
        .collect();
    let rows = jsonl(&kaudit(&[
        "query",
        "--demo",
        "--canned",
        "first-seen-users",
        "-o",
        "jsonl",
    ]));
    assert_eq!(rows.len(), users.len());
}

#[test]
fn detections_find_every_step_of_the_demo_incident_and_no_high_finding_in_its_noise() {
    let out = kaudit(&["detect", "--demo", "-o", "json"]);
    assert_eq!(out.status.code(), Some(3), "exit 3: something fired");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let story = kaudit::source::demo::story();
    let in_story: std::collections::HashSet<&str> = story
        .iter()
        .flat_map(|s| s.audit_ids.iter().copied())
        .collect();
    for step in story {
        let found: Vec<&str> = findings
            .iter()
            .filter(|f| {
                f["auditIDs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|id| step.audit_ids.contains(&id.as_str().unwrap()))
            })
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(!found.is_empty(), "no detection finds the step {}", step.id);
    }
    for f in &findings {
        let severity = f["severity"].as_str().unwrap();
        if !matches!(severity, "high" | "critical") {
            continue;
        }
        for id in f["auditIDs"].as_array().unwrap() {
            assert!(
                in_story.contains(id.as_str().unwrap()),
                "{} ({severity}) fired on background noise: {id}",
                f["name"]
            );
        }
        assert_eq!(
            f["hits"].as_u64().unwrap() as usize,
            f["auditIDs"].as_array().unwrap().len()
        );
    }
    // Nothing at all over a quiet input: exit 0.
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet.log");
    std::fs::write(
        &quiet,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"q","verb":"get","user":{"username":"system:node:n1"},"objectRef":{"resource":"nodes","name":"n1"},"stageTimestamp":"2026-11-02T08:00:00Z"}"#,
    )
    .unwrap();
    let out = kaudit(&["detect", quiet.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The demo before its incident began: the range is honoured, nothing fires.
    let out = kaudit(&["detect", "--demo", "--end", "2026-11-02T06:00:00Z"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
