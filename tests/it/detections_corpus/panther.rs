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
    /// Negatives hit on purpose: the test's name and why kaudit looks wider than the rule.
    deliberate: Vec<(String, String)>,
}

/// A detection's `# wider-than-panther: TEST NAME — REASON` lines: the Panther negatives it
/// hits on purpose, each with its reason. They are counted apart from the false hits, and a
/// line that names no negative the detection hits is itself a problem (it would hide nothing,
/// and later hide something else).
fn deliberate(text: &str) -> Vec<(String, String)> {
    text.lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("# wider-than-panther:"))
        .map(|rest| {
            let (name, reason) = rest
                .split_once('—')
                .unwrap_or_else(|| panic!("`# wider-than-panther:{rest}` needs `TEST — REASON`"));
            (name.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Whether a Panther test's log is a Kubernetes audit event as EKS writes it (the same tests
/// also hold GKE and AKS records; kaudit reads them too, but the table here is of EKS's).
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
        let mut wider: Vec<(String, String)> = detections
            .iter()
            .flat_map(|(_, text)| deliberate(text))
            .collect();
        for case in rule_cases {
            let hit = detections.iter().any(|(_, text)| hits(text, &case.file));
            let on_purpose = wider.iter().position(|(name, _)| *name == case.name);
            match (case.expected, hit, on_purpose) {
                (true, true, _) => row.found += 1,
                (true, false, _) => row.missed.push(case.name.clone()),
                (false, true, Some(i)) => row.deliberate.push(wider.remove(i)),
                (false, true, None) => row.false_hits.push(case.name.clone()),
                (false, false, _) => {}
            }
            if case.expected {
                row.positives += 1;
            } else {
                row.negatives += 1;
            }
        }
        for (name, _) in wider {
            problems.push(format!(
                "{rule}: `# wider-than-panther: {name}` names no negative of this rule that its \
                 detections hit"
            ));
        }
        table.insert(rule.clone(), row);
    }

    let mut doc = String::from(
        "## Panther rule tests (EKS records)\n\n\
         Panther's detection rules ship unit tests: audit records, each labelled with whether its\n\
         rule should fire. Each EKS record is run through the detections that claim its rule\n\
         (`# panther:` in their header); a positive is found when one of them hits it, and a\n\
         negative is a false hit when one of them does. The targets hold for each rule alone: with\n\
         a handful of negatives a rule, one false hit is over 5 %. Where kaudit looks wider than a\n\
         rule on purpose, the detection names that negative (`# wider-than-panther:` in its\n\
         header, with the reason); it is counted apart, under \"wider on purpose\", and listed\n\
         with its reason below the table.\n\n\
         | Panther rule | detections | positives | found | missed | negatives | false hits | wider on purpose |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for (rule, row) in &table {
        let wider: Vec<String> = row.deliberate.iter().map(|(n, _)| n.clone()).collect();
        doc.push_str(&format!(
            "| {rule} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.detections.join(", "),
            row.positives,
            row.found,
            cell(&row.missed),
            row.negatives,
            cell(&row.false_hits),
            cell(&wider),
        ));
    }
    let positives: usize = table.values().map(|r| r.positives).sum();
    let found: usize = table.values().map(|r| r.found).sum();
    let negatives: usize = table.values().map(|r| r.negatives).sum();
    let false_hits: usize = table.values().map(|r| r.false_hits.len()).sum();
    let on_purpose: usize = table.values().map(|r| r.deliberate.len()).sum();
    doc.push_str(&format!(
        "| **all claimed rules** | | {positives} | {found} | | {negatives} | {false_hits} | {on_purpose} |\n"
    ));
    doc.push_str("\nWider on purpose, and why:\n\n");
    for (rule, row) in &table {
        for (name, reason) in &row.deliberate {
            doc.push_str(&format!("- {rule}, \"{name}\": {reason}\n"));
        }
    }
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
        if row.false_hits.len() * 20 > row.negatives {
            problems.push(format!(
                "{rule} hit {} of {} Panther negatives: {:?}",
                row.false_hits.len(),
                row.negatives,
                row.false_hits
            ));
        }
        if row.found * 10 < row.positives * 9 {
            problems.push(format!(
                "{rule} found {} of {} Panther positives ({:?} missed)",
                row.found, row.positives, row.missed
            ));
        }
    }
    (doc, problems)
}
