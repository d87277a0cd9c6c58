#![allow(clippy::unwrap_used)]
//! The detections of `queries/` proven on data we did not write: each is run over every Falco
//! trace file of the corpus and its hits compared with the Falco rule each file is labelled to
//! trigger (`falco-trace-files/derived/expected_detections.jsonl`). The confusion table is
//! `docs/detections.md`; `KAUDIT_WRITE_DOCS=1` writes it again, and otherwise the test fails when
//! it is stale or when a covered rule falls under its targets (90 % of the labelled positives
//! found, false hits on at most 5 % of the negatives).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::insights::exec::Plan;
use kaudit::insights::parser::parse;
use kaudit::source::local::{self, InputSpec, LocalQuery};

/// The Falco rules a detection covers, from its `# falco:` header line.
fn falco_rules(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("# falco:"))
        .flat_map(|r| r.split(','))
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

/// Whether the query finds anything in the file.
fn hits(text: &str, file: &Path) -> bool {
    let plan = Plan::new(&parse(text).unwrap()).unwrap();
    let input = local::open(&InputSpec::Path(file.to_path_buf())).unwrap();
    let mut query = LocalQuery::new(&plan, TimeRange::default());
    query.read(&input).unwrap();
    !query.finish().rows.is_empty()
}

#[derive(Debug, Default)]
struct Row {
    rules: Vec<String>,
    positives: usize,
    found: usize,
    missed: Vec<String>,
    negatives: usize,
    false_hits: Vec<String>,
}

#[test]
fn detections_find_what_falco_labels_and_little_else() {
    let Some(corpus) = common::corpus_dir("detections_corpus") else {
        return;
    };
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
        let rules = falco_rules(&q.text);
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
        "# Detections proven on the Falco trace files\n\n\
         Each detection of `queries/` that names a Falco k8s-audit rule (`# falco:` in its header) is\n\
         run over every trace file of the Falco project's test suite; a file is a positive for the\n\
         detection when a test expects it to trigger that rule. Written by\n\
         `KAUDIT_WRITE_DOCS=1 cargo test --test detections_corpus`; the test fails when this page is\n\
         stale, or when a detection finds under 90 % of its positives or hits over 5 % of its\n\
         negatives.\n\n\
         | detection | Falco rule | positives | found | missed | negatives | false hits |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, row) in &table {
        doc.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} |\n",
            row.rules.join(", "),
            row.positives,
            row.found,
            if row.missed.is_empty() {
                "0".to_string()
            } else {
                row.missed.join(", ")
            },
            row.negatives,
            if row.false_hits.is_empty() {
                "0".to_string()
            } else {
                row.false_hits.join(", ")
            },
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/detections.md");
    if std::env::var_os("KAUDIT_WRITE_DOCS").is_some() {
        fs::write(&path, &doc).unwrap();
    }
    for (name, row) in &table {
        assert!(
            row.positives > 0,
            "{name}: no labelled positive for {:?}",
            row.rules
        );
        assert!(
            row.found * 10 >= row.positives * 9,
            "{name} found {} of {} ({:?} missed)",
            row.found,
            row.positives,
            row.missed
        );
        assert!(
            row.false_hits.len() * 20 <= row.negatives,
            "{name} hit {} of {} negatives: {:?}",
            row.false_hits.len(),
            row.negatives,
            row.false_hits
        );
    }
    let written = fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        written, doc,
        "docs/detections.md is stale: run KAUDIT_WRITE_DOCS=1 cargo test --test detections_corpus"
    );
}
