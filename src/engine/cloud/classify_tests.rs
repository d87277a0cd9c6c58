use super::*;
use crate::engine::compile::{Compiled, Target, compile};

fn tied(text: &str) -> Compiled {
    compile(text, Target::LocalTied).expect("compiles")
}

/// An answer row as AWS gives it.
fn row(time: &str, message: &str, ptr: &str) -> Vec<(String, String)> {
    [
        ("@timestamp", time),
        ("@message", message),
        ("@logStream", "kube-apiserver-audit-1a2b"),
        ("@log", "123456789012:/aws/eks/prod/cluster"),
        ("@ptr", ptr),
    ]
    .iter()
    .map(|(f, v)| (f.to_string(), v.to_string()))
    .collect()
}

fn event(id: Option<&str>, verb: &str, resource: &str) -> String {
    let id = id.map_or(String::new(), |id| format!(r#""auditID":"{id}","#));
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1",{id}"verb":"{verb}","objectRef":{{"resource":"{resource}"}},"stageTimestamp":"2026-11-02T08:00:00.000000Z"}}"#
    )
}

fn ids(refs: &[HitRef]) -> Vec<&str> {
    refs.iter().map(HitRef::text).collect()
}

#[test]
fn each_plan_keeps_its_own_events_in_the_answers_order() {
    let deletes =
        tied("fields @timestamp, auditID | filter verb = 'delete' | sort @timestamp desc");
    let secrets = tied("fields auditID | filter objectRef.resource = 'secrets'");
    let rows = vec![
        row(
            "2026-11-02 08:00:09.000",
            &event(Some("a-9"), "delete", "secrets"),
            "p9",
        ),
        row(
            "2026-11-02 08:00:08.000",
            &event(Some("a-8"), "get", "pods"),
            "p8",
        ),
        row(
            "2026-11-02 08:00:07.000",
            &event(None, "delete", "pods"),
            "p7",
        ),
        row(
            "2026-11-02 08:00:06.000",
            &event(Some("a-6"), "get", "secrets"),
            "p6",
        ),
        row(
            "2026-11-02 08:00:05.000",
            "not json, but delete and secrets",
            "p5",
        ),
    ];
    let plans = [
        deletes.plan().expect("planned"),
        secrets.plan().expect("planned"),
    ];
    let hits = classify(&plans, &rows);
    // Newest first, as the answer came; a hit without an audit ID by its row's @ptr. The text
    // that is not JSON is read, and kept by neither: its fields are not there.
    assert_eq!(ids(&hits[0]), ["a-9", "@ptr p7"]);
    assert_eq!(ids(&hits[1]), ["a-9", "a-6"]);
}

#[test]
fn an_event_is_judged_at_the_time_cloudwatch_gave_it() {
    // The event's own time is 08:00:00; CloudWatch's, 08:00:30.
    let late = tied("fields auditID | filter @timestamp > 1793606410000 and verb = 'get'");
    let rows = vec![row(
        "2026-11-02 08:00:30.000",
        &event(Some("a-1"), "get", "pods"),
        "p1",
    )];
    let hits = classify(&[late.plan().expect("planned")], &rows);
    assert_eq!(ids(&hits[0]), ["a-1"]);
    // And on the stream CloudWatch named.
    let stream = tied("fields auditID | filter @logStream like /audit-1a2b/");
    let hits = classify(&[stream.plan().expect("planned")], &rows);
    assert_eq!(ids(&hits[0]), ["a-1"]);
}

#[test]
fn hits_past_a_plans_row_cap_are_all_kept_in_order() {
    // A split answer can hold more hits than one run of a plan keeps without a `limit`.
    let n = DEFAULT_ROW_CAP * 2 + 5;
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let ms = 1_793_606_400_000 + (n - i) as i64 * 10;
            let time = jiff::Timestamp::from_millisecond(ms)
                .expect("a time")
                .strftime("%Y-%m-%d %H:%M:%S%.3f")
                .to_string();
            row(&time, &event(Some(&format!("a-{i}")), "get", "pods"), "p")
        })
        .collect();
    for text in [
        "fields auditID | filter verb = 'get' | sort @timestamp desc",
        "fields auditID | filter verb = 'get'",
    ] {
        let plan = tied(text);
        let hits = classify(&[plan.plan().expect("planned")], &rows);
        assert_eq!(hits[0].len(), n, "{text}");
        let expected: Vec<String> = (0..n).map(|i| format!("a-{i}")).collect();
        assert!(ids(&hits[0]) == expected, "{text}: out of order");
    }
}
