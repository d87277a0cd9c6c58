//! The detections with a `# panther:` header against Panther's rule tests over EKS audit records.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use kaudit::catalog::Catalog;

use super::{cell, header_list, hits};

/// One labelled record: the test's name, whether its rule should fire, and the file holding it.
struct Case {
    name: String,
    expected: bool,
    file: PathBuf,
}

#[derive(Debug, Default)]
struct Row {
    detections: Vec<String>,
    positives: usize,
    found: usize,
    missed: Vec<String>,
    negatives: usize,
    false_hits: Vec<String>,
}

/// Whether a Panther test's log is a Kubernetes audit event as EKS writes it (the same tests
/// also hold GKE and AKS records, which kaudit recognises but does not convert).
fn is_eks_event(log: &serde_json::Value) -> bool {
    log.get("kind").and_then(|k| k.as_str()) == Some("Event")
        && log.get("verb").is_some()
        && log.get("protoPayload").is_none()
}

/// The Panther table of `docs/detections.md`, and what falls under the targets.
pub fn section(corpus: &Path) -> (String, Vec<String>) {
    let tests = fs::read_to_string(corpus.join("panther/derived/panther_tests.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for (i, line) in tests.lines().enumerate() {
        let test: serde_json::Value = serde_json::from_str(line).unwrap();
        if !is_eks_event(&test["log"]) {
            continue;
        }
        let file = dir.path().join(format!("{i}.json"));
        fs::write(&file, serde_json::to_string(&test["log"]).unwrap() + "\n").unwrap();
        cases
            .entry(test["rule_id"].as_str().unwrap().to_string())
            .or_default()
            .push(Case {
                name: test["test_name"].as_str().unwrap().replace('|', "\\|"),
                expected: test["expected_result"].as_bool().unwrap(),
                file,
            });
    }
    let total: usize = cases.values().map(Vec::len).sum();
    assert!(total > 150, "only {total} EKS records in the Panther tests");

    // Panther rule → the detections claiming it.
    let catalog = Catalog::load(None);
    let mut claims: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for q in catalog.queries() {
        for rule in header_list(&q.text, "panther") {
            assert!(
                q.severity.is_some(),
                "{}: a detection needs a severity",
                q.name
            );
            claims
                .entry(rule)
                .or_default()
                .push((q.name.clone(), q.text.clone()));
        }
    }
    let mut problems = Vec::new();
    let mut table: BTreeMap<String, Row> = BTreeMap::new();
    for (rule, detections) in &claims {
        let Some(rule_cases) = cases.get(rule) else {
            problems.push(format!("{rule}: no EKS record in the Panther tests"));
            continue;
        };
        let mut row = Row {
            detections: detections.iter().map(|(n, _)| format!("`{n}`")).collect(),
            ..Row::default()
        };
        for case in rule_cases {
            let hit = detections.iter().any(|(_, text)| hits(text, &case.file));
            match (case.expected, hit) {
                (true, true) => row.found += 1,
                (true, false) => row.missed.push(case.name.clone()),
                (false, true) => row.false_hits.push(case.name.clone()),
                (false, false) => {}
            }
            if case.expected {
                row.positives += 1;
            } else {
                row.negatives += 1;
            }
        }
        table.insert(rule.clone(), row);
    }

    let mut doc = String::from(
        "## Panther rule tests (EKS records)\n\n\
         Panther's detection rules ship unit tests: audit records, each labelled with whether its\n\
         rule should fire. Each EKS record is run through the detections that claim its rule\n\
         (`# panther:` in their header); a positive is found when one of them hits it, and a\n\
         negative is a false hit when one of them does. Panther's tests are a handful per rule,\n\
         so the false-hit target applies to the negatives of all claimed rules together; the\n\
         false hits below are places where kaudit looks wider than Panther on purpose: a webhook\n\
         changed rather than only created, a RoleBinding (not only a ClusterRoleBinding) to\n\
         cluster-admin, a hand edit of an EKS add-on's `system:` role.\n\n\
         | Panther rule | detections | positives | found | missed | negatives | false hits |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (rule, row) in &table {
        doc.push_str(&format!(
            "| {rule} | {} | {} | {} | {} | {} | {} |\n",
            row.detections.join(", "),
            row.positives,
            row.found,
            cell(&row.missed),
            row.negatives,
            cell(&row.false_hits),
        ));
    }
    let positives: usize = table.values().map(|r| r.positives).sum();
    let found: usize = table.values().map(|r| r.found).sum();
    let negatives: usize = table.values().map(|r| r.negatives).sum();
    let false_hits: usize = table.values().map(|r| r.false_hits.len()).sum();
    doc.push_str(&format!(
        "| **all claimed rules** | | {positives} | {found} | | {negatives} | {false_hits} |\n"
    ));
    let unclaimed: BTreeSet<&String> = cases.keys().filter(|r| !claims.contains_key(*r)).collect();
    doc.push_str(
        "\nRules with EKS records that no detection claims. They count events over a window \
         against a threshold, tell public from private addresses by enrichment, match a feed of \
         indicators, or log every create of a kind (the investigation queries and `kaudit query` \
         cover those questions without a verdict):\n\n",
    );
    for rule in unclaimed {
        let n = cases[rule].len();
        doc.push_str(&format!("- {rule} ({n} records)\n"));
    }

    for (rule, row) in &table {
        if row.positives == 0 {
            problems.push(format!("{rule}: no labelled positive"));
        }
        if row.found * 10 < row.positives * 9 {
            problems.push(format!(
                "{rule} found {} of {} Panther positives ({:?} missed)",
                row.found, row.positives, row.missed
            ));
        }
    }
    if false_hits * 20 > negatives {
        problems.push(format!(
            "the claimed Panther rules hit {false_hits} of {negatives} negatives"
        ));
    }
    (doc, problems)
}
