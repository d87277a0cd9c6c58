//! The detections with a `# falco:` header against the Falco trace files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kaudit::catalog::Catalog;

use super::{cell, header_list, hits, short_of_targets};

#[derive(Debug, Default)]
struct Row {
    rules: Vec<String>,
    positives: usize,
    found: usize,
    missed: Vec<String>,
    negatives: usize,
    false_hits: Vec<String>,
}

/// The Falco table of `docs/detections.md`, and what falls under the targets.
/// Also the detections some labelled trace file proves.
pub fn section(corpus: &Path) -> (String, Vec<String>, BTreeSet<String>) {
    let traces = corpus.join("falco-trace-files");
    // Trace file → the Falco rules some test expects it to trigger.
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let labels = fs::read_to_string(traces.join("derived/expected_detections.jsonl")).unwrap();
    for line in labels.lines() {
        let test: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = test["trace_file"].as_str().unwrap().to_string();
        let entry = expected.entry(file).or_default();
        for counts in test["detect_counts"].as_array().into_iter().flatten() {
            for rule in counts.as_object().unwrap().keys() {
                entry.insert(rule.clone());
            }
        }
    }
    let mut files: Vec<String> = fs::read_dir(&traces)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() > 40, "the trace files look incomplete");
    let catalog = Catalog::load(None);
    let mut table: BTreeMap<String, Row> = BTreeMap::new();
    for q in catalog.queries() {
        let rules = header_list(&q.text, "falco");
        if rules.is_empty() {
            continue;
        }
        assert!(
            q.severity.is_some(),
            "{}: a detection needs a severity",
            q.name
        );
        let mut row = Row {
            rules: rules.clone(),
            ..Row::default()
        };
        for file in &files {
            let labelled = expected
                .get(file)
                .is_some_and(|e| rules.iter().any(|r| e.contains(r)));
            let hit = hits(&q.text, &traces.join(file));
            if labelled {
                row.positives += 1;
                if hit {
                    row.found += 1;
                } else {
                    row.missed.push(file.clone());
                }
            } else {
                row.negatives += 1;
                if hit {
                    row.false_hits.push(file.clone());
                }
            }
        }
        table.insert(q.name.clone(), row);
    }
    assert!(
        table.len() >= 10,
        "{} detections cover Falco rules",
        table.len()
    );

    let mut doc = String::from(
        "## Falco trace files\n\n\
         Each detection of `queries/` that names a Falco k8s-audit rule (`# falco:` in its header)\n\
         and reads none of the site's lists is run over every trace file of the Falco project's test\n\
         suite; a file is a positive for the detection when a test expects it to trigger that rule,\n\
         and a negative otherwise. A detection whose rules no trace file exercises (0 positives) is\n\
         proven by Panther's tests or by the project's fixtures instead (last table).\n\n\
         | detection | Falco rule | positives | found | missed | negatives | false hits |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, row) in &table {
        doc.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} |\n",
            row.rules.join(", "),
            row.positives,
            row.found,
            cell(&row.missed),
            row.negatives,
            cell(&row.false_hits),
        ));
    }
    let (lists_doc, mut problems, lists_proven, mut claims) = super::falco_lists::section(corpus);
    doc.push_str(&lists_doc);
    claims.extend(
        table
            .iter()
            .map(|(name, row)| (name.clone(), row.rules.clone())),
    );
    doc.push_str(&coverage(corpus, &claims, &mut problems));
    for (name, row) in &table {
        if row.positives == 0 {
            // Claimed, but no trace file exercises the rule: the proof is elsewhere.
            let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/fixtures/detections/{name}.jsonl"))
                .is_file();
            let panther = catalog
                .queries()
                .iter()
                .any(|q| &q.name == name && !header_list(&q.text, "panther").is_empty());
            if !fixture && !panther {
                problems.push(format!(
                    "{name}: no trace file labelled {:?}, and no fixture or Panther test",
                    row.rules
                ));
            }
        }
        problems.extend(short_of_targets(
            name,
            (row.found, row.positives, &row.missed),
            (row.false_hits.as_slice(), row.negatives),
        ));
    }
    let mut proven: BTreeSet<String> = table
        .iter()
        .filter(|(_, row)| row.found > 0)
        .map(|(name, _)| name.clone())
        .collect();
    proven.extend(lists_proven);
    (doc, problems, proven)
}

/// Every rule of Falco's k8s-audit rule file: the detections claiming it, or why none does.
fn coverage(
    corpus: &Path,
    claims: &BTreeMap<String, Vec<String>>,
    problems: &mut Vec<String>,
) -> String {
    let rules_file = corpus.join("falco-rules/k8saudit/k8s_audit_rules.yaml");
    let text = fs::read_to_string(&rules_file).unwrap();
    let rules: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- rule:"))
        .map(str::trim)
        .collect();
    assert!(rules.len() > 30, "the Falco rule file looks incomplete");
    let mut doc = String::from(
        "\nEvery rule of Falco's `k8s_audit_rules.yaml`, and the detection covering it or why none\n\
         does:\n\n| Falco rule | covered by |\n|---|---|\n",
    );
    for rule in rules {
        let claimed: Vec<String> = claims
            .iter()
            .filter(|(_, rules)| rules.iter().any(|r| r == rule))
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        let why = if !claimed.is_empty() {
            claimed.join(", ")
        } else if rule.starts_with("K8s ") {
            super::LOGS_EVERY.to_string()
        } else if rule.starts_with("Untrusted Node") {
            "nothing: it tests the site's list of trusted node names, which `lists/` does not \
             hold; `object-history` and `kaudit query` show the nodes that joined"
                .to_string()
        } else if rule == "All K8s Audit Events" || rule == "Dummy rule" {
            "nothing: it matches every event (Falco's own plumbing)".to_string()
        } else {
            problems.push(format!("Falco rule {rule:?}: no detection and no reason"));
            "?".to_string()
        };
        doc.push_str(&format!("| {rule} | {why} |\n"));
    }
    doc
}
