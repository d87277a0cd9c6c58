//! Every Kubernetes rule of Sigma's (`application/kubernetes/audit/`, `cloud/gcp/audit/`'s
//! `gcp_kubernetes_*`, `cloud/azure/activity_logs/`'s `azure_kubernetes_*`): the queries claiming
//! it by a `# sigma:` header, or why none does.
//!
//! A claim is proven on `tests/fixtures/sigma/<rule>.jsonl`: every record there must match the
//! Sigma rule (by the evaluator of `sigma_eval`) and be found by a claiming query. Sigma ships no
//! labelled events, so these records are the project's own; the Kubernetes records of Panther's
//! rule tests, run through the same rule, add records nobody here wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use kaudit::catalog::Catalog;

use super::panther::Cloud;
use super::sigma_eval::Rule;
use super::{LOGS_EVERY, header_list, hits};

/// The Azure Activity Log, which the Azure rules read, is not an API server's audit log.
macro_rules! azure {
    ($rest:literal) => {
        concat!(
            "nothing: it reads the Azure Activity Log (Azure Resource Manager operations such as \
             `MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/…` on Arc-enabled clusters), a log kaudit \
             does not read; ",
            $rest
        )
    };
}

/// The rules no query claims, and why.
const REASONS: &[(&str, &str)] = &[
    ("kubernetes_audit_deployment_deleted", LOGS_EVERY),
    ("kubernetes_audit_secrets_modified_or_deleted", LOGS_EVERY),
    (
        "kubernetes_audit_sidecar_injection",
        "nothing: it matches every patch of every Deployment (a rollout, a scale, an image \
         bump), not only a container added; `object-history` and `kaudit query` show a \
         Deployment's patches, with their bodies where the audit policy keeps them",
    ),
    ("gcp_kubernetes_secrets_modified_or_deleted", LOGS_EVERY),
    (
        "azure_kubernetes_admission_controller",
        azure!("in AKS's kube-audit log, `admission-webhook-changed` finds the same action"),
    ),
    (
        "azure_kubernetes_cluster_created_or_deleted",
        azure!(
            "a cluster's creation or deletion is an Azure operation that no API server's audit \
             log records"
        ),
    ),
    (
        "azure_kubernetes_cronjob",
        azure!("in AKS's kube-audit log, `job-changes` finds the same action"),
    ),
    (
        "azure_kubernetes_events_deleted",
        azure!("in AKS's kube-audit log, `events-deleted` finds the same action"),
    ),
    (
        "azure_kubernetes_network_policy_change",
        azure!(
            "in AKS's kube-audit log, it logs every change of a kind: `object-history` and \
             `kaudit query` answer it"
        ),
    ),
    (
        "azure_kubernetes_pods_deleted",
        azure!(
            "in AKS's kube-audit log, it logs every deletion of a kind: `object-history` and \
             `kaudit query` answer it"
        ),
    ),
    (
        "azure_kubernetes_role_access",
        azure!(
            "in AKS's kube-audit log, `role-changes` and `clusterrole-changes` list the same \
             writes, and `role-widened` and `system-clusterrole-changed` find the dangerous ones"
        ),
    ),
    (
        "azure_kubernetes_rolebinding_modified_or_deleted",
        azure!(
            "in AKS's kube-audit log, `rolebinding-changes` and `clusterrolebinding-changes` list \
             the same writes, and `cluster-admin-bound` finds the dangerous ones"
        ),
    ),
    (
        "azure_kubernetes_secret_or_config_object_access",
        azure!(
            "in AKS's kube-audit log, it logs every write of a kind: `object-history` and \
             `kaudit query` answer it"
        ),
    ),
    (
        "azure_kubernetes_service_account_modified_or_deleted",
        azure!(
            "in AKS's kube-audit log, `impersonation` finds a service account impersonated, and \
             `object-history` answers the writes"
        ),
    ),
];

/// The rules whose selection no record an API server writes can meet, with the query that
/// finds the action they mean. Their fixture holds real records of that action: the rule must
/// match none of them, and the query must find them all.
const UNMATCHED: &[(&str, &str, &str)] = &[
    (
        "kubernetes_audit_potential_enumeration_activity",
        "exec-attach-portforward",
        "nothing: the rule requires `responseStatus.code: 'ALLOW'`, but the code is the HTTP \
         status, a number (101 for an exec, 200, 403), so no event matches it (`\"allow\"` is a value \
         of the `authorization.k8s.io/decision` annotation, perhaps what it means); \
         `exec-attach-portforward` finds the shells run in pods that it looks for",
    ),
    (
        "gcp_kubernetes_admission_controller",
        "admission-webhook-changed",
        "nothing: the rule wants method names starting `admissionregistration.k8s.io.v`, but \
         GKE's all start `io.k8s.` \
         (`io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.create` in Panther's GKE \
         tests), so no entry matches it; `admission-webhook-changed` finds the \
         webhooks it means",
    ),
    (
        "gcp_kubernetes_cronjob",
        "job-changes",
        "nothing: the rule wants the method names `io.k8s.api.batch.v*.Job` and `…CronJob`, the \
         API's type names, but GKE's end with the verb (`io.k8s.batch.v1.cronjobs.create` in \
         Panther's GKE tests), so no entry matches it; `job-changes` finds the writes it means",
    ),
];

/// Where the covering queries read the rule otherwise than Sigma does, and why. A rule whose
/// note does not say `narrower` must have every Panther record it matches found.
const DIFFERS: &[(&str, &str)] = &[
    (
        "kubernetes_audit_change_admission_controller",
        "narrower: refused requests, which changed nothing, and the EKS control plane's eks: \
         identities are left out",
    ),
    (
        "kubernetes_audit_exec_into_container",
        "wider: attach and port-forward too, the same reach into a running pod",
    ),
    (
        "kubernetes_audit_pod_in_system_namespace",
        "narrower: pods from a control-plane image (EKS's, GKE's, AKS's, registry.k8s.io), which \
         the control plane starts in kube-system all day, and refused requests are left out; the \
         rule also matches a subresource created (an exec, an eviction), which is no new pod",
    ),
    (
        "kubernetes_audit_privileged_pod_creation",
        "narrower: refused requests and the control plane's own pods in kube-system are left \
         out; the rule matches any pod that sets `capabilities` at all, dropping them included, \
         and misses a privileged container that sets none, where kaudit finds a privileged \
         container or an added capability able to take over the node",
    ),
    (
        "kubernetes_audit_hostpath_mount",
        "narrower: refused requests and the control plane's own pods in kube-system are left out",
    ),
    (
        "kubernetes_audit_rbac_permisions_listing",
        "narrower: system: and eks: identities asking are left out; wider: \
         selfsubjectaccessreviews (`kubectl auth can-i VERB`) and selfsubjectreviews (`kubectl \
         auth whoami`) too",
    ),
    (
        "kubernetes_audit_secrets_enumeration",
        "narrower: lists by system: and eks: identities are left out (the controllers list \
         Secrets all day); wider: reads and watches too",
    ),
    (
        "kubernetes_audit_serviceaccount_creation",
        "narrower: kube-system and kube-public only, as every application brings its own \
         service account",
    ),
    (
        "kubernetes_audit_events_deleted",
        "narrower: refused requests and the control plane's clean-up (the namespace controller, \
         the garbage collector) are left out; wider: deletecollection too",
    ),
    (
        "kubernetes_audit_rolebinding_modification",
        "the investigation queries list every write; the detection, `cluster-admin-bound`, \
         alerts on the bindings to cluster-admin, the control plane's roles or system:masters",
    ),
    (
        "gcp_kubernetes_rolebinding",
        "the investigation queries list every write; the detection, `cluster-admin-bound`, \
         alerts on the bindings to cluster-admin, the control plane's roles or system:masters; \
         Panther's GKE tests name the group `io.k8s.rbac.v1.…`, which the rule's \
         `io.k8s.authorization.rbac.v*.…` does not match, and kaudit reads both",
    ),
    (
        "kubernetes_audit_unauthorized_unauthenticated_actions",
        "investigation only: refusals are everyday noise until they pile up; \
         `forbid-decisions` lists the authorizer's refusals (403), the `denied-per-*` counts \
         both codes per minute",
    ),
];

/// A query claiming a rule: its name, and `detection, SEVERITY` or `investigation`.
struct Claimant {
    name: String,
    kind: String,
}

/// The Kubernetes rules of the Sigma corpus, by file stem.
fn corpus_rules(corpus: &Path) -> BTreeMap<String, PathBuf> {
    let rules = corpus.join("sigma/rules");
    let folders = [
        ("application/kubernetes/audit", "kubernetes_audit_"),
        ("cloud/gcp/audit", "gcp_kubernetes_"),
        ("cloud/azure/activity_logs", "azure_kubernetes_"),
    ];
    let mut found = BTreeMap::new();
    for (folder, prefix) in folders {
        for entry in fs::read_dir(rules.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if stem.starts_with(prefix) && path.extension().is_some_and(|e| e == "yml") {
                found.insert(stem.to_string(), path.clone());
            }
        }
    }
    found
}

/// What a fixture shows: its records, how many the rule matches, how many any of the queries
/// finds, and how many each one finds.
struct Proof {
    total: usize,
    matched: usize,
    found: usize,
    per_query: Vec<usize>,
}

/// Runs the rule and the queries over a fixture. Each record is read alone, so one query's hit
/// on a neighbour cannot count for it.
fn prove(
    stem: &str,
    rule: &Rule,
    queries: &[&str],
    texts: &BTreeMap<String, String>,
    problems: &mut Vec<String>,
) -> Proof {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sigma")
        .join(format!("{stem}.jsonl"));
    let Ok(text) = fs::read_to_string(&fixture) else {
        problems.push(format!("{stem}: no fixture {}", fixture.display()));
        return Proof {
            total: 0,
            matched: 0,
            found: 0,
            per_query: vec![0; queries.len()],
        };
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut matched, mut found, mut total) = (0, 0, 0);
    let mut per_query = vec![0; queries.len()];
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        total += 1;
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", fixture.display(), i + 1));
        if rule.matches(&record) {
            matched += 1;
        }
        let file = dir.path().join(format!("{i}.json"));
        fs::write(&file, format!("{line}\n")).unwrap();
        let hit: Vec<bool> = queries.iter().map(|q| hits(&texts[*q], &file)).collect();
        for (count, hit) in per_query.iter_mut().zip(&hit) {
            *count += usize::from(*hit);
        }
        if hit.contains(&true) {
            found += 1;
        } else {
            problems.push(format!(
                "{stem}: {}:{} is found by none of {queries:?}",
                fixture.display(),
                i + 1
            ));
        }
    }
    Proof {
        total,
        matched,
        found,
        per_query,
    }
}

/// The Kubernetes records of Panther's rule tests (EKS events, GKE entries, AKS records): real
/// shapes, on which a rule said to match nothing must indeed match nothing.
fn panther_records(corpus: &Path) -> Vec<serde_json::Value> {
    let tests = fs::read_to_string(corpus.join("panther/derived/panther_tests.jsonl")).unwrap();
    let mut records = Vec::new();
    for line in tests.lines() {
        let mut test: serde_json::Value = serde_json::from_str(line).unwrap();
        let log = test["log"].take();
        match Cloud::of(&log) {
            // AKS's record holds the API server's event as a string.
            Some(Cloud::Aks) => {
                if let Some(event) = log["properties"]["log"].as_str() {
                    records.push(serde_json::from_str(event).unwrap());
                }
            }
            Some(Cloud::Eks | Cloud::Gke) => records.push(log),
            None => {}
        }
    }
    // Counted apart: 177 EKS events, 51 GKE entries and 34 AKS records.
    assert!(
        records.len() > 250,
        "Panther's tests look incomplete: {}",
        records.len()
    );
    records
}

/// Panther's records the rule matches, and how many of them the queries find (each read alone,
/// as kaudit reads a file of it).
fn on_panther(
    rule: &Rule,
    queries: &[&str],
    texts: &BTreeMap<String, String>,
    panther: &[serde_json::Value],
) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (mut matched, mut found) = (0, 0);
    for (i, record) in panther.iter().enumerate() {
        if !rule.matches(record) {
            continue;
        }
        matched += 1;
        let file = dir.path().join(format!("{i}.json"));
        fs::write(&file, serde_json::to_string(record).unwrap() + "\n").unwrap();
        if queries.iter().any(|q| hits(&texts[*q], &file)) {
            found += 1;
        }
    }
    (matched, found)
}

/// The Sigma table of `docs/detections.md`, and what is wrong with the claims.
pub fn section(corpus: &Path) -> (String, Vec<String>) {
    let rules = corpus_rules(corpus);
    // Counted with `ls`: 16 kubernetes_audit_, 4 gcp_kubernetes_, 10 azure_kubernetes_.
    assert!(
        rules.len() >= 30,
        "the Sigma rules look incomplete: {}",
        rules.len()
    );
    let mut problems = Vec::new();
    let catalog = Catalog::load(None);
    let texts: BTreeMap<String, String> = catalog
        .queries()
        .iter()
        .map(|q| (q.name.clone(), q.text.clone()))
        .collect();
    let mut claims: BTreeMap<String, Vec<Claimant>> = BTreeMap::new();
    for q in catalog.queries() {
        for stem in header_list(&q.text, "sigma") {
            claims.entry(stem).or_default().push(Claimant {
                name: q.name.clone(),
                kind: match q.severity {
                    Some(s) => format!("detection, {}", s.name()),
                    None => "investigation".to_string(),
                },
            });
        }
    }
    let named: BTreeSet<&str> = claims
        .keys()
        .map(String::as_str)
        .chain(REASONS.iter().map(|(s, _)| *s))
        .chain(UNMATCHED.iter().map(|(s, _, _)| *s))
        .chain(DIFFERS.iter().map(|(s, _)| *s))
        .collect();
    for stem in named {
        if !rules.contains_key(stem) {
            problems.push(format!(
                "{stem}: named here but not a Kubernetes rule of the Sigma corpus"
            ));
        }
    }
    let explained = REASONS
        .iter()
        .map(|(s, _)| *s)
        .chain(UNMATCHED.iter().map(|(s, _, _)| *s));
    for stem in explained {
        if claims.contains_key(stem) {
            problems.push(format!(
                "{stem}: claimed by a query, and given a reason for none"
            ));
        }
    }
    for (stem, query, _) in UNMATCHED {
        if !texts.contains_key(*query) {
            problems.push(format!("{stem}: the query {query} is not in queries/"));
        }
    }
    for (stem, _) in DIFFERS {
        if !claims.contains_key(*stem) {
            problems.push(format!(
                "{stem}: a note on how the queries differ, but no query claims it"
            ));
        }
    }
    let reasons = REASONS
        .iter()
        .map(|(_, r)| *r)
        .chain(UNMATCHED.iter().map(|(_, _, r)| *r));
    for reason in reasons {
        // A query a reason sends the reader to must exist.
        for quoted in reason.split('`').skip(1).step_by(2) {
            let looks_like_query = !quoted.is_empty()
                && quoted
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if looks_like_query && !texts.contains_key(quoted) {
                problems.push(format!(
                    "a reason names `{quoted}`, which is not in queries/"
                ));
            }
        }
    }

    let panther = panther_records(corpus);
    let mut doc = String::from(
        "## Sigma rules\n\n\
         Every Kubernetes rule of Sigma's (`kubernetes_audit_*`, `gcp_kubernetes_*`,\n\
         `azure_kubernetes_*`), and the queries covering it (`# sigma:` in their header) or why\n\
         none does. Sigma ships no test events, so each claim is proven on the project's own\n\
         records, `tests/fixtures/sigma/<rule>.jsonl` (audit events, or GKE Cloud Audit entries\n\
         for the `gcp_` rules): every record must match the rule, as a minimal Sigma evaluator in\n\
         the test reads it, and be found by a covering query. Each rule is also run over the\n\
         Kubernetes records of Panther's rule tests (EKS events, GKE entries, AKS `kube-audit`\n\
         records): of those a covered rule matches, the queries must find all unless the note\n\
         says where they are narrower, and a rule said to match nothing must match none.\n\
         Sigma's fields that are not the event's own paths are read where the event holds them\n\
         (`hostPath` and `capabilities` in the pod's spec, `apiGroup` in `objectRef`,\n\
         `gcp.audit.method_name` as `protoPayload.methodName`), and its verb `replace` is\n\
         kubectl's word for what the API server logs as `update`.\n\n\
         | Sigma rule | title | level | covered by | proof | differs, or why none covers it |\n\
         |---|---|---|---|---|---|\n",
    );
    let (mut claimed, mut explained, mut positives, mut found_total) = (0, 0, 0, 0);
    let (mut panther_matched, mut panther_found) = (0, 0);
    for (stem, path) in &rules {
        let rule = Rule::load(path);
        let (covered, proof, note) = if let Some(claimants) = claims.get(stem) {
            claimed += 1;
            let queries: Vec<&str> = claimants.iter().map(|c| c.name.as_str()).collect();
            let Proof {
                total,
                matched,
                found,
                per_query,
            } = prove(stem, &rule, &queries, &texts, &mut problems);
            if matched < total {
                problems.push(format!(
                    "{stem}: {} of its {total} fixture records do not match the Sigma rule",
                    total - matched
                ));
            }
            if total == 0 {
                problems.push(format!("{stem}: claimed, but its fixture holds no record"));
            }
            positives += total;
            found_total += found;
            let covered: Vec<String> = claimants
                .iter()
                .map(|c| format!("`{}` ({})", c.name, c.kind))
                .collect();
            let each = if queries.len() > 1 {
                let counts: Vec<String> = queries
                    .iter()
                    .zip(&per_query)
                    .map(|(q, n)| format!("`{q}` {n}"))
                    .collect();
                format!(" ({})", counts.join(", "))
            } else {
                String::new()
            };
            let (real, real_found) = on_panther(&rule, &queries, &texts, &panther);
            let note = DIFFERS
                .iter()
                .find(|(s, _)| s == stem)
                .map_or("", |(_, n)| n);
            if real_found < real && !note.contains("narrower") {
                problems.push(format!(
                    "{stem}: the queries find {real_found} of the {real} Panther records the rule \
                     matches, and its note says nothing narrower"
                ));
            }
            panther_matched += real;
            panther_found += real_found;
            (
                covered.join(", "),
                if real == 0 {
                    format!("{found} of {total} found{each}; no Panther record matches")
                } else {
                    format!(
                        "{found} of {total} found{each}; Panther's records: {real_found} of the \
                         {real} it matches"
                    )
                },
                note.to_string(),
            )
        } else if let Some((_, query, reason)) = UNMATCHED
            .iter()
            .find(|(s, q, _)| s == stem && texts.contains_key(*q))
        {
            explained += 1;
            let Proof {
                total,
                matched,
                found,
                ..
            } = prove(stem, &rule, &[query], &texts, &mut problems);
            let real = panther.iter().filter(|r| rule.matches(r)).count();
            if matched > 0 || total == 0 || real > 0 {
                problems.push(format!(
                    "{stem}: said to match no real record, but matches {matched} of the {total} \
                     in its fixture and {real} of Panther's"
                ));
            }
            if found < total {
                problems.push(format!("{stem}: `{query}` finds {found} of {total}"));
            }
            (
                "nothing".to_string(),
                format!(
                    "rule matches {matched} of {total}, and {real} of Panther's {} records; \
                     `{query}` finds {found} of {total}",
                    panther.len()
                ),
                reason.to_string(),
            )
        } else if let Some((_, reason)) = REASONS.iter().find(|(s, _)| s == stem) {
            explained += 1;
            ("nothing".to_string(), "-".to_string(), reason.to_string())
        } else {
            problems.push(format!(
                "Sigma rule {stem}: no query claims it and no reason is given"
            ));
            ("?".to_string(), "-".to_string(), String::new())
        };
        doc.push_str(&format!(
            "| {stem} | {} | {} | {covered} | {proof} | {note} |\n",
            rule.title.replace('|', "\\|"),
            rule.level,
        ));
    }
    doc.push_str(&format!(
        "\n{claimed} rules covered ({found_total} of {positives} fixture records found; \
         {panther_found} of the {panther_matched} Panther records they match), {explained} \
         explained, of {}.\n",
        rules.len()
    ));
    (doc, problems)
}
