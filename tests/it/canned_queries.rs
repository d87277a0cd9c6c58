//! The query library and the engine against data: the demo incident's story, and the
//! third-party Falco trace files checked against an independent computation with jq.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::process::Command;

use crate::support::child;
use kaudit::audit::Depth;
use kaudit::audit::formats::{Origin, scan};
use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::engine::local::{LocalInput, read_together};
use kaudit::insights::exec::{Plan, QueryResult};
use kaudit::insights::parser::parse;
use kaudit::insights::value::Value;
use kaudit::source::demo::{DemoConfig, demo_bytes, story};

fn run(query: &str, data: &[u8]) -> QueryResult {
    let q = parse(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
    let plan = Plan::new(&q).unwrap();
    let mut run = plan.start();
    scan(data, &Origin::new("demo", "demo"), Depth::Table, |rec| {
        let _ = run.push(rec);
        ControlFlow::Continue(())
    });
    run.finish()
}

/// The auditIDs of a result's `@message` column (or of an `auditID` column).
fn audit_ids(result: &QueryResult) -> BTreeSet<String> {
    let col = |name: &str| result.columns.iter().position(|c| c == name);
    if let Some(i) = col("auditID") {
        return result.rows.iter().map(|r| r[i].display()).collect();
    }
    let i = col("@message").unwrap();
    result
        .rows
        .iter()
        .map(|r| {
            let Value::Str(m) = &r[i] else {
                panic!("no message")
            };
            let v: serde_json::Value = serde_json::from_str(m).unwrap();
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect()
}

fn demo() -> Vec<u8> {
    demo_bytes(&DemoConfig::default())
}

fn step_ids(id: &str) -> BTreeSet<String> {
    let step = story().iter().find(|s| s.id == id).unwrap();
    step.audit_ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_story_filter_selects_exactly_its_step() {
    let data = demo();
    for step in story() {
        let query = format!("{} | fields auditID | limit 10000", step.filter);
        let got = audit_ids(&run(&query, &data));
        assert_eq!(got, step_ids(step.id), "step {}: {}", step.id, step.filter);
    }
}

#[test]
fn the_guide_queries_find_the_story_steps() {
    let data = demo();
    let catalog = Catalog::load(None);
    let body = |name: &str| catalog.get(name).unwrap().text.clone();
    let found = |name: &str| audit_ids(&run(&body(name), &data));

    let aws_auth = found("aws-auth-changes");
    assert!(!aws_auth.is_empty());
    assert!(
        aws_auth.is_subset(&step_ids("aws-auth-backdoor")),
        "{aws_auth:?}"
    );
    let webhooks = found("validating-webhook-changes");
    assert_eq!(webhooks, step_ids("validating-webhook"));
    let crb = found("clusterrolebinding-changes");
    assert!(!crb.is_empty() && crb.is_subset(&step_ids("cluster-admin-binding")));
    let rb = found("rolebinding-changes");
    assert!(!rb.is_empty() && rb.is_subset(&step_ids("cover-tracks")));
    // The probe's failed requests, every one of them.
    let anonymous = found("failed-anonymous-requests");
    assert_eq!(anonymous, step_ids("anonymous-probe"));
    // Three 401 secret reads in one minute.
    let secrets = run(&body("unauthorized-secret-reads"), &data);
    assert_eq!(secrets.columns, ["bin(1m)", "count()"]);
    let rows: Vec<Vec<String>> = secrets
        .rows
        .iter()
        .map(|r| r.iter().map(Value::display).collect())
        .collect();
    assert_eq!(rows, [["2026-11-02 06:43:00.000", "3"]]);
    // The demo changes no Role or ClusterRole, and the queries say so.
    assert!(found("role-changes").is_empty());
    assert!(found("clusterrole-changes").is_empty());
}

/// The same question asked of kaudit and of jq over the Falco trace files.
const JQ_CASES: &[(&str, &str)] = &[
    (
        r#"filter objectRef.resource = "clusterrolebindings" and verb in ["create", "update", "patch", "delete"]"#,
        r#"select(.objectRef.resource == "clusterrolebindings" and (.verb | IN("create","update","patch","delete")))"#,
    ),
    (
        r#"filter objectRef.resource = "clusterroles" and verb in ["create", "update", "patch", "delete"]"#,
        r#"select(.objectRef.resource == "clusterroles" and (.verb | IN("create","update","patch","delete")))"#,
    ),
    (
        r#"filter objectRef.resource = "configmaps" and verb in ["create", "update", "patch", "delete"]"#,
        r#"select(.objectRef.resource == "configmaps" and (.verb | IN("create","update","patch","delete")))"#,
    ),
    (
        r#"filter user.username = "system:anonymous""#,
        r#"select(.user.username == "system:anonymous")"#,
    ),
    (
        r#"filter objectRef.subresource in ["exec", "attach"]"#,
        r#"select(.objectRef.subresource == "exec" or .objectRef.subresource == "attach")"#,
    ),
    (
        r#"filter responseStatus.code >= 400"#,
        r#"select((.responseStatus.code // 0) >= 400)"#,
    ),
    (
        r#"filter requestObject.spec.hostNetwork = 1 or requestObject.spec.hostNetwork = "true""#,
        r#"select(.requestObject.spec.hostNetwork == true)"#,
    ),
    (
        r#"filter objectRef.namespace = "kube-system" and verb = "create""#,
        r#"select(.objectRef.namespace == "kube-system" and .verb == "create")"#,
    ),
];

#[test]
fn falco_trace_files_agree_with_jq() {
    let Some(corpus) = crate::support::corpus_dir("falco_trace_files_agree_with_jq") else {
        return;
    };
    let falco = corpus.join("falco-trace-files");
    let mut files: Vec<_> = std::fs::read_dir(&falco)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("fal_01_003.json"))
        .collect();
    files.sort();
    let data: Vec<u8> = files
        .iter()
        .flat_map(|f| {
            let mut b = std::fs::read(f).unwrap();
            b.push(b'\n');
            b
        })
        .collect();
    let jq = Command::new("jq").arg("--version").output();
    assert!(
        jq.is_ok_and(|o| o.status.success()),
        "jq is needed for this test (apt-get install jq)"
    );
    let mut total = 0;
    for (query, jq_filter) in JQ_CASES {
        let ours = audit_ids(&run(&format!("{query} | fields auditID"), &data));
        let out = child::output(
            Command::new("jq")
                .args(["-r", &format!("{jq_filter} | .auditID")])
                .args(&files),
        );
        assert!(out.status.success(), "jq {jq_filter}");
        let theirs: BTreeSet<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(ours, theirs, "{query}");
        total += ours.len();
    }
    assert!(total >= 15, "the cases should select events, got {total}");
}

/// The demo written in each of its forms (CloudWatch's output, AKS records, GKE entries): every
/// story step's filter and every canned query finds the same events in it as in the JSON lines
/// the API server writes.
#[test]
fn every_story_step_and_canned_query_finds_the_same_in_every_form_of_the_demo() {
    use kaudit::source::demo::{DemoFormat, write_demo};
    // The story and some noise around it: enough for every query, small enough to read often.
    let cfg = DemoConfig {
        events: 1200,
        seed: 11,
    };
    let written = |format| {
        let mut out = Vec::new();
        write_demo(&cfg, format, &mut out).unwrap();
        out
    };
    let lines = written(DemoFormat::Jsonl);
    // Every canned query over a form of the demo, in one pass.
    let catalog = Catalog::load(None);
    let texts: Vec<String> = catalog
        .queries()
        .iter()
        .map(|q| format!("{} | limit 10000", q.text))
        .collect();
    let plans: Vec<Plan> = texts
        .iter()
        .map(|t| Plan::new(&parse(t).unwrap()).unwrap())
        .collect();
    let plan_refs: Vec<&Plan> = plans.iter().collect();
    let answers = |data: &[u8]| -> Vec<Option<BTreeSet<String>>> {
        let input = LocalInput::from_vec(Origin::new("demo", "demo"), data.to_vec());
        let pass = read_together(&plan_refs, TimeRange::default(), &[&input]).unwrap();
        // Only what names events (by audit ID or whole) compares; the rest count or group.
        pass.results
            .iter()
            .map(|r| {
                r.columns
                    .iter()
                    .any(|c| c == "auditID" || c == "@message")
                    .then(|| audit_ids(r))
            })
            .collect()
    };
    let expected = answers(&lines);
    let found = expected
        .iter()
        .flatten()
        .filter(|ids| !ids.is_empty())
        .count();
    assert!(found >= 15, "only {found} canned queries found anything");
    for format in [DemoFormat::CloudWatch, DemoFormat::Aks, DemoFormat::Gke] {
        let data = written(format);
        assert_ne!(data, lines);
        for step in story() {
            let query = format!("{} | fields auditID | limit 10000", step.filter);
            let got = audit_ids(&run(&query, &data));
            assert_eq!(got, step_ids(step.id), "{format:?}: step {}", step.id);
        }
        for ((q, ours), theirs) in catalog.queries().iter().zip(&expected).zip(answers(&data)) {
            // The one known difference, said in docs/formats.md: the EKS guide's query asks for
            // code 201, which only the API server writes; GKE's entries read 200 (Google's
            // mapping), so the guide's query, kept as the guide writes it, finds nothing there.
            if format == DemoFormat::Gke && q.name == "validating-webhook-changes" {
                assert_eq!(theirs.map(|t| t.len()), Some(0));
                continue;
            }
            assert_eq!(&theirs, ours, "{format:?}: {}", q.name);
        }
    }
}
