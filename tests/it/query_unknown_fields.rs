//! `kaudit query` over a field no event has: the answer and the exit status are what they would
//! be anyway (CloudWatch's: nothing matches), and stderr says which field, where, and the name
//! that was probably meant; also on the summary line when the answer is empty.

use std::process::Output;

use crate::support::{kaudit_stdin, text};

fn query(q: &str, input: &str, form: &str) -> Output {
    kaudit_stdin(&["query", "-", q, "-o", form], input.as_bytes())
}

fn event(id: u32, verb: &str, resource: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-0000-0000-00000000000{id}","stage":"ResponseComplete","requestURI":"/api/v1/{resource}","verb":"{verb}","user":{{"username":"alice","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.{id}"],"userAgent":"kubectl/v1.30.0","objectRef":{{"resource":"{resource}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},{extra}"requestReceivedTimestamp":"2026-11-02T08:00:0{id}.000000Z","stageTimestamp":"2026-11-02T08:00:0{id}.000100Z"}}"#
    )
}

fn input() -> String {
    [
        event(1, "get", "configmaps", ""),
        event(2, "list", "pods", ""),
        // a GKE-style field that the audit event does not define: known, since an event has it
        event(
            3,
            "get",
            "pods",
            r#""protoPayload":{"methodName":"io.k8s.core.v1.pods.get"},"#,
        ),
    ]
    .join("\n")
}

#[test]
fn a_misspelt_field_is_named_on_stderr_and_the_answer_is_unchanged() {
    let typo = r#"filter objectRef.resorce = "configmaps" | stats count(*) as n by verb"#;
    let out = query(typo, &input(), "json");
    // Nothing matches, as in CloudWatch; a warning is not an error.
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "[]\n");
    let stderr = text(&out.stderr);
    let expected = "warning: line 1, column 8: no event has `objectRef.resorce`\n    filter objectRef.resorce = \"configmaps\" | stats count(*) as n by verb\n           ^~~~~~~~~~~~~~~~~\ndid you mean `objectRef.resource`?\n";
    assert!(stderr.contains(expected), "{stderr}");
    // The summary line says why there is nothing.
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("records scanned: 3, matched: 0"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        summary.contains(", rows: 0, ")
            && summary.ends_with(
                " — no event has `objectRef.resorce`; did you mean `objectRef.resource`?"
            ),
        "{summary}"
    );
    // Spelt right, the same query finds the event.
    let right = typo.replace("resorce", "resource");
    let out = query(&right, &input(), "jsonl");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "{\"verb\":\"get\",\"n\":1}\n");
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn rows_stay_as_they_were_when_only_a_column_is_empty() {
    let out = query(
        "fields verb, user.name | sort verb asc | limit 10",
        &input(),
        "csv",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "verb,user.name\r\nget,\r\nget,\r\nlist,\r\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: line 1, column 14: no event has `user.name`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `user.username`?"), "{stderr}");
    // rows were found: the summary line has nothing to explain
    let summary = stderr.lines().last().unwrap();
    assert!(
        summary.starts_with("records scanned: 3") && summary.ends_with(" s"),
        "{summary}"
    );
}

#[test]
fn a_field_outside_the_schema_that_an_event_has_is_no_mistake() {
    // The literal passes over the events without it unread, but not before each was looked at
    // for the field: the one that has it has another method.
    let q = r#"filter protoPayload.methodName = "io.k8s.core.v1.pods.create" | fields verb"#;
    let out = query(q, &input(), "jsonl");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("no event has"), "{stderr}");
    assert!(stderr.contains("rows: 0, elapsed:"), "{stderr}");
    // A name the audit event defines is never questioned, whatever the events hold.
    let out = query(
        r#"filter impersonatedUser.username = "x" | fields verb"#,
        &input(),
        "jsonl",
    );
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}
