//! Every file of the third-party corpus through the format scanner: the audit events are all
//! found, what is not audit data is said to be so, and nothing panics.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use kaudit::audit::Depth;
use kaudit::audit::formats::{Format, NotAuditData, ProblemKind, ScanReport};
use kaudit::source::local::{self, InputSpec};

/// Every file under `dir`, hidden ones included, sorted.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn scan(path: &Path) -> ScanReport {
    let input = local::open(&InputSpec::Path(path.to_path_buf())).unwrap();
    let mut delivered = 0;
    let report = input.scan(Depth::Full, |_| {
        delivered += 1;
        ControlFlow::Continue(())
    });
    assert_eq!(delivered, report.events, "{}", path.display());
    report
}

/// Counted without the scanner: non-blank lines that serde_json reads as audit events (`kind`
/// `Event`, and an `audit.k8s.io` `apiVersion` when there is one: most Falco traces have none).
fn audit_events_by_serde(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| {
            v["kind"] == "Event"
                && v.get("apiVersion")
                    .is_none_or(|a| a.as_str().is_some_and(|a| a.starts_with("audit.k8s.io/")))
        })
        .count() as u64
}

/// Whether serde_json reads a value as the Cloud Audit entry of a Kubernetes API request: a
/// `protoPayload` object whose `serviceName` is `k8s.io`, or, without one, whose `methodName`
/// starts `io.k8s.`.
fn gke_kubernetes_entry(v: &serde_json::Value) -> bool {
    let payload = &v["protoPayload"];
    payload.is_object()
        && match payload.get("serviceName") {
            Some(service) => service == "k8s.io",
            None => payload["methodName"]
                .as_str()
                .is_some_and(|m| m.starts_with("io.k8s.")),
        }
}

/// Panther's test records by what their `log` holds, read by serde_json: EKS audit events, AKS
/// `kube-audit` records whose `properties.log` text is an audit event, GKE entries of
/// Kubernetes API requests, and Cloud Audit entries of other Google services.
fn panther_logs_by_serde(path: &Path) -> (u64, u64, u64, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut eks, mut aks, mut gke, mut gcp_other) = (0, 0, 0, 0);
    for line in text.lines() {
        let test: serde_json::Value = serde_json::from_str(line).unwrap();
        let log = &test["log"];
        let aks_event = log["category"]
            .as_str()
            .is_some_and(|c| c.starts_with("kube-audit"))
            .then(|| log["properties"]["log"].as_str())
            .flatten()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        if log["kind"] == "Event" {
            eks += 1;
        } else if aks_event.is_some_and(|e| e["kind"] == "Event") {
            aks += 1;
        } else if gke_kubernetes_entry(log) {
            gke += 1;
        } else if log.get("protoPayload").is_some() {
            gcp_other += 1;
        }
    }
    (eks, aks, gke, gcp_other)
}

#[test]
fn every_corpus_file() {
    let Some(corpus) = crate::support::corpus_dir("corpus_formats") else {
        return;
    };
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    assert!(
        files.len() > 100,
        "the corpus looks incomplete: {} files",
        files.len()
    );

    let mut reports = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(&corpus).unwrap().display().to_string();
        reports.insert(rel, (path.clone(), scan(path)));
    }

    // A summary per folder, for whoever reads the test output.
    let mut folders: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for (rel, (_, r)) in &reports {
        let folder = rel.rsplit_once('/').map_or(".", |(d, _)| d).to_string();
        let row = folders.entry(folder).or_default();
        row[0] += 1;
        row[1] += r.events;
        row[2] += r.malformed;
        row[3] += r.not_audit;
        row[4] += u64::from(r.not_audit_data.is_some());
    }
    eprintln!("folder: files, events, malformed, not audit events, not audit data");
    for (folder, [files, events, malformed, not_audit, not_data]) in &folders {
        eprintln!("  {folder}: {files}, {events}, {malformed}, {not_audit}, {not_data}");
    }

    // Falco's trace files: 51 events in 47 files, one of them deliberately malformed.
    let falco: Vec<_> = reports
        .iter()
        .filter(|(rel, _)| {
            rel.starts_with("falco-trace-files/")
                && rel.matches('/').count() == 1
                && rel.ends_with(".json")
        })
        .collect();
    assert_eq!(falco.len(), 47);
    let events: u64 = falco.iter().map(|(_, (_, r))| r.events).sum();
    let by_serde: u64 = falco
        .iter()
        .map(|(_, (p, _))| audit_events_by_serde(p))
        .sum();
    assert_eq!((events, by_serde), (51, 51));
    let bad: Vec<_> = falco
        .iter()
        .filter(|(_, (_, r))| r.problem_count() > 0)
        .collect();
    assert_eq!(bad.len(), 1);
    let (rel, (_, r)) = bad[0];
    assert_eq!(rel.as_str(), "falco-trace-files/fal_01_003.json");
    assert_eq!((r.malformed, r.events), (1, 0));
    let p = &r.problems[0];
    assert_eq!((p.line, p.column, p.kind), (1, 10, ProblemKind::Malformed));
    assert_eq!(p.message, "`kind` is a number, expected a string");

    // audit2rbac's capture.
    let (path, r) = &reports["audit2rbac/demo.log"];
    assert_eq!((r.events, audit_events_by_serde(path)), (37, 37));
    assert_eq!(r.problem_count(), 0);

    // crowdsec's two test logs: one event each, no trailing newline.
    for rel in [
        ".tests/k8s-audit-pod-exec-file/k8s-audit-pod-exec-file.log",
        ".tests/k8s-audit-priv-pod-file/k8s-audit-priv-pod-file.log",
    ] {
        let (path, r) = &reports[&format!("crowdsec-hub/{rel}")];
        assert_eq!((r.events, audit_events_by_serde(path)), (1, 1), "{rel}");
    }

    // GKE entries as JSON lines: each one an event.
    let (path, r) = &reports["khi-gke/derived/khi_gke_k8s_audit.jsonl"];
    let text = std::fs::read_to_string(path).unwrap();
    let entries = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(gke_kubernetes_entry)
        .count() as u64;
    assert_eq!(entries, 3);
    assert_eq!(r.events_in(Format::GkeCloudAudit), entries);
    assert_eq!((r.events, r.problem_count()), (entries, 0));
    // And as the YAML they were written in: one entry a file.
    for n in 1..=3 {
        let (_, r) = &reports[&format!("khi-gke/container_recorder_test_1_{n}.yaml")];
        assert_eq!(r.events_in(Format::GkeCloudAudit), 1, "{n}");
        assert_eq!((r.events, r.problem_count()), (1, 0), "{n}");
    }

    // SIEM wrappers: Stratus's `event`, Panther's `log` around EKS events, AKS records and GKE
    // entries.
    let (_, r) = &reports["stratus-red-team-docs/derived/stratus_sample_events.jsonl"];
    assert_eq!((r.events_in(Format::Wrapped), r.problem_count()), (5, 0));
    let (path, r) = &reports["panther/derived/panther_tests.jsonl"];
    let (eks, aks, gke, gcp_other) = panther_logs_by_serde(path);
    assert_eq!((eks, aks, gke, gcp_other), (188, 34, 51, 6));
    assert_eq!(r.events_in(Format::Wrapped), eks);
    assert_eq!(r.events_in(Format::AksDiagnostic), aks);
    assert_eq!(r.events_in(Format::GkeCloudAudit), gke);
    assert_eq!((r.events, r.malformed), (eks + aks + gke, 0));
    // The rest are other Google services' entries, Azure activity records and placeholders.
    assert_eq!(r.not_audit, 302 - eks - aks - gke);
    let other_shape = "in `log`: Cloud Audit LogEntry (`protoPayload`) of a Google Cloud service \
                       other than GKE's Kubernetes API (`serviceName` is not `k8s.io`)";
    assert!(
        r.not_audit_shapes
            .contains(&(other_shape.to_string(), gcp_other)),
        "{:?}",
        r.not_audit_shapes
    );

    // YAML and Markdown are not audit data, and are said to be.
    for (rel, (_, r)) in &reports {
        let want = if rel.starts_with("khi-gke/") {
            continue;
        } else if rel.ends_with(".yaml") || rel.ends_with(".yml") {
            NotAuditData::Yaml
        } else if rel.ends_with(".md") {
            NotAuditData::Markdown
        } else {
            continue;
        };
        assert_eq!(r.not_audit_data, Some(want), "{rel}");
        assert_eq!(r.events, 0, "{rel}");
        assert_eq!(r.problems.len(), 1, "{rel}");
    }

    // Nothing else turns up events or malformed records where none are expected.
    let events: u64 = reports.values().map(|(_, r)| r.events).sum();
    assert_eq!(events, 51 + 37 + 2 + 5 + 188 + 34 + 51 + 3 + 3);
    let malformed: u64 = reports.values().map(|(_, r)| r.malformed).sum();
    assert_eq!(malformed, 1);
}
