//! Every `authorization.k8s.io/reason` in the third-party corpus decodes, and none is lost.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use kaudit::audit::reason::{Authorizer, Reason, SubjectKind, decode_reason};
use serde_json::Value;

const REASON: &str = "authorization.k8s.io/reason";
const DECISION: &str = "authorization.k8s.io/decision";

/// The corpus files that hold events one JSON document per line, by source.
fn event_files(corpus: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    for (source, dir, ext) in [
        ("falco", "falco-trace-files", "json"),
        ("khi-gke", "khi-gke/derived", "jsonl"),
        ("panther", "panther/derived", "jsonl"),
        ("stratus", "stratus-red-team-docs/derived", "jsonl"),
    ] {
        files.extend(
            files_in(&corpus.join(dir), ext)
                .into_iter()
                .map(|f| (source, f)),
        );
    }
    for test in files_in(&corpus.join("crowdsec-hub/.tests"), "") {
        files.extend(files_in(&test, "log").into_iter().map(|f| ("crowdsec", f)));
    }
    files
}

/// Files (or, with an empty `ext`, folders) directly in `dir`, sorted.
fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| match ext {
            "" => p.is_dir(),
            ext => p.extension().is_some_and(|e| e == ext),
        })
        .collect();
    out.sort();
    out
}

/// Finds reasons anywhere in a document: EKS puts them under `annotations`, GKE under `labels`,
/// and some SIEM exports nest whole events as JSON text.
fn collect(value: &Value, found: &mut Vec<(Option<String>, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reason)) = map.get(REASON) {
                let decision = map.get(DECISION).and_then(Value::as_str).map(str::to_owned);
                found.push((decision, reason.clone()));
            }
            map.values().for_each(|v| collect(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        Value::String(s) if s.contains(REASON) => {
            if let Ok(inner) = serde_json::from_str::<Value>(s) {
                collect(&inner, found);
            }
        }
        _ => {}
    }
}

/// Every distinct (decision, reason) in the corpus, with the sources it came from.
fn corpus_reasons(corpus: &Path) -> BTreeMap<(Option<String>, String), BTreeSet<&'static str>> {
    let mut reasons: BTreeMap<_, BTreeSet<_>> = BTreeMap::new();
    for (source, file) in event_files(corpus) {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if !line.contains(REASON) {
                continue;
            }
            let where_ = format!("{}:{}", file.display(), n + 1);
            let doc: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{where_}: a reason on a line that is not JSON: {e}"));
            let mut found = Vec::new();
            collect(&doc, &mut found);
            assert!(
                !found.is_empty(),
                "{where_}: the reason was not found in the document"
            );
            for key in found {
                reasons.entry(key).or_default().insert(source);
            }
        }
    }
    reasons
}

/// The parts' texts, in order, make up the whole reason but for the separators between them.
fn assert_nothing_lost(text: &str, r: &Reason) {
    assert_eq!(r.verbatim, text);
    let is_separator = |s: &str| s.chars().all(|c| c.is_whitespace() || c == ',');
    let mut rest = text;
    for part in &r.parts {
        let at = rest
            .find(&part.text)
            .unwrap_or_else(|| panic!("{text:?}: part {:?} is not in the text", part.text));
        assert!(
            is_separator(&rest[..at]),
            "{text:?}: {:?} was dropped",
            &rest[..at]
        );
        rest = &rest[at + part.text.len()..];
    }
    assert!(is_separator(rest), "{text:?}: {rest:?} was dropped");
}

/// A name as the reason writes it: `"name"`, `"name/namespace"`, or bare in hand-written logs.
fn written(name: &str, namespace: Option<&str>) -> Vec<String> {
    let full = match namespace {
        Some(ns) => format!("{name}/{ns}"),
        None => name.to_owned(),
    };
    vec![format!("\"{full}\""), full]
}

fn assert_parts_in_text(text: &str, r: &Reason) {
    let appears = |what: &str, forms: Vec<String>| {
        assert!(
            forms.iter().any(|f| text.contains(f.as_str())),
            "{text:?}: {what} {forms:?} is not in the text"
        );
    };
    if let Some(b) = r.binding() {
        appears("binding", written(&b.name, b.namespace.as_deref()));
        assert!(
            text.contains(&format!("by {} ", b.kind)),
            "{text:?}: binding kind"
        );
    }
    if let Some(role) = r.role() {
        // A Role's namespace is its binding's, not written next to the role.
        appears("role", written(&role.name, None));
        assert!(
            text.contains(&format!(" of {} ", role.kind)),
            "{text:?}: role kind"
        );
    }
    if let Some(s) = r.subject() {
        let ns = (s.kind == SubjectKind::ServiceAccount)
            .then_some(s.namespace.as_deref())
            .flatten();
        appears("subject", written(&s.name, ns));
        assert!(
            text.contains(&format!(" to {} ", s.kind)),
            "{text:?}: subject kind"
        );
    }
}

#[test]
fn every_corpus_reason_decodes_without_loss() {
    let Some(corpus) = crate::support::corpus_dir("reason_corpus") else {
        return;
    };
    let reasons = corpus_reasons(&corpus);
    let sources: BTreeSet<&str> = reasons.values().flatten().copied().collect();
    for source in ["falco", "khi-gke", "panther", "crowdsec"] {
        assert!(sources.contains(source), "no reason found in {source}");
    }

    let mut rbac = 0;
    for (decision, text) in reasons.keys() {
        let r = decode_reason(decision.as_deref(), text);
        assert_nothing_lost(text, &r);
        if text.starts_with("RBAC: allowed by ")
            || text.starts_with("EKS Access Policy: allowed by ")
        {
            rbac += 1;
            assert!(
                matches!(
                    r.authorizer(),
                    Authorizer::Rbac | Authorizer::EksAccessPolicy
                ),
                "{text:?}"
            );
            assert_parts_in_text(text, &r);
            // The apiserver's full form, `"b" of Kind "r" to Kind "s"`, decodes completely.
            if text.contains("\" of ") && text.contains("\" to ") && text.ends_with('"') {
                let grant = r.grant().unwrap_or_else(|| panic!("{text:?}: no grant"));
                assert!(grant.is_complete(), "{text:?}: {grant:?}");
            }
        }
        if text.is_empty() {
            assert_eq!(r.authorizer(), Authorizer::None);
            assert!(r.empty_meaning().is_some());
        }
    }
    eprintln!(
        "reason_corpus: {} distinct reasons ({rbac} RBAC) from {sources:?}",
        reasons.len()
    );
    assert!(rbac >= 6, "only {rbac} RBAC reasons found");
}

/// Reasons known to be in the corpus, decoded part by part.
#[test]
fn known_corpus_reasons() {
    let Some(corpus) = crate::support::corpus_dir("reason_corpus") else {
        return;
    };
    let reasons = corpus_reasons(&corpus);
    let texts: BTreeSet<&str> = reasons.keys().map(|(_, t)| t.as_str()).collect();
    let allow = Some("allow");
    // (reason, binding, role, subject) as `Kind name namespace`.
    let known: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        (
            r#"RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system""#,
            "ClusterRoleBinding system:controller:replicaset-controller -",
            Some("ClusterRole system:controller:replicaset-controller -"),
            Some("ServiceAccount replicaset-controller kube-system"),
        ),
        (
            r#"RBAC: allowed by RoleBinding "eks:addon-manager/kube-system" of Role "eks:addon-manager" to User "eks:addon-manager""#,
            "RoleBinding eks:addon-manager kube-system",
            Some("Role eks:addon-manager kube-system"),
            Some("User eks:addon-manager -"),
        ),
        (
            r#"RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated""#,
            "ClusterRoleBinding system:public-info-viewer -",
            Some("ClusterRole system:public-info-viewer -"),
            Some("Group system:unauthenticated -"),
        ),
        (
            r#"RBAC: allowed by ClusterRoleBinding "system:kube-controller-manager" of ClusterRole "system:kube-controller-manager" to User "system:kube-controller-manager""#,
            "ClusterRoleBinding system:kube-controller-manager -",
            Some("ClusterRole system:kube-controller-manager -"),
            Some("User system:kube-controller-manager -"),
        ),
        (
            r#"RBAC: allowed by ClusterRoleBinding "system:coredns" of ClusterRole "system:coredns" to ServiceAccount "coredns/kube-system""#,
            "ClusterRoleBinding system:coredns -",
            Some("ClusterRole system:coredns -"),
            Some("ServiceAccount coredns kube-system"),
        ),
        // Hand-written in rule tests: only the binding is there to read.
        (
            "RBAC: allowed by ClusterRoleBinding system:public-info-viewer",
            "ClusterRoleBinding system:public-info-viewer -",
            None,
            None,
        ),
    ];
    let show =
        |kind: String, name: &str, ns: Option<&str>| format!("{kind} {name} {}", ns.unwrap_or("-"));
    for &(text, binding, role, subject) in known {
        assert!(texts.contains(text), "not found in the corpus: {text}");
        let r = decode_reason(allow, text);
        let b = r.binding().unwrap();
        assert_eq!(
            show(b.kind.to_string(), &b.name, b.namespace.as_deref()),
            binding
        );
        let got = r
            .role()
            .map(|x| show(x.kind.to_string(), &x.name, x.namespace.as_deref()));
        assert_eq!(got.as_deref(), role, "{text}");
        let got = r
            .subject()
            .map(|x| show(x.kind.to_string(), &x.name, x.namespace.as_deref()));
        assert_eq!(got.as_deref(), subject, "{text}");
    }

    // Bare and empty reasons are kept, not decoded into anything.
    assert!(texts.contains("RBAC: allowed by ClusterRoleBinding"));
    let bare = decode_reason(allow, "RBAC: allowed by ClusterRoleBinding");
    assert_eq!(
        (bare.authorizer(), bare.binding()),
        (Authorizer::Rbac, None)
    );
    for decision in ["allow", "forbid"] {
        assert!(reasons.contains_key(&(Some(decision.to_owned()), String::new())));
    }
}
