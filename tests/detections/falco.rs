//! The detections with a `# falco:` header against the Falco trace files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kaudit::catalog::Catalog;

use crate::{cell, header_list, hits};

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
pub fn section(corpus: &Path) -> (String, Vec<String>) {
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
         Each detection of `queries/` that names a Falco k8s-audit rule (`# falco:` in its header) is\n\
         run over every trace file of the Falco project's test suite; a file is a positive for the\n\
         detection when a test expects it to trigger that rule, and a negative otherwise.\n\n\
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
    let covered: BTreeSet<&String> = table.values().flat_map(|r| &r.rules).collect();
    let uncovered: BTreeSet<&String> = expected
        .values()
        .flatten()
        .filter(|r| !covered.contains(r))
        .collect();
    doc.push_str(
        "\nLabelled rules no detection claims. Falco's `K8s … Created/Deleted` rules log activity rather \
         than detect an attack (every create or delete of a kind; `kaudit query` does that in one \
         line), and the `Disallowed …` rules test a site's own allow list, which kaudit does not \
         have:\n\n",
    );
    for rule in &uncovered {
        doc.push_str(&format!("- {rule}\n"));
    }
    let mut problems = Vec::new();
    for (name, row) in &table {
        if row.positives == 0 {
            problems.push(format!("{name}: no labelled positive for {:?}", row.rules));
        }
        if row.found * 10 < row.positives * 9 {
            problems.push(format!(
                "{name} found {} of {} Falco positives ({:?} missed)",
                row.found, row.positives, row.missed
            ));
        }
        if row.false_hits.len() * 20 > row.negatives {
            problems.push(format!(
                "{name} hit {} of {} Falco negatives: {:?}",
                row.false_hits.len(),
                row.negatives,
                row.false_hits
            ));
        }
    }
    (doc, problems)
}
