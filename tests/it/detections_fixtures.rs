//! Detections that no third-party labelled data covers, proven on the project's own fixtures:
//! `tests/fixtures/detections/<detection>.jsonl` holds events whose auditID says what the
//! detection must do with them (`hit-…` found, `miss-…` not found). The near misses are the
//! events an analyst would curse a false alarm on: a refused request, a read, the control plane.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::insights::exec::Plan;
use kaudit::insights::parser::parse;
use kaudit::insights::value::Value;
use kaudit::source::local::{self, InputSpec, LocalQuery};

/// The auditIDs a query returns over a file.
fn found(text: &str, file: &Path) -> BTreeSet<String> {
    let plan = Plan::new(&parse(text).unwrap()).unwrap();
    let input = local::open(&InputSpec::Path(file.to_path_buf())).unwrap();
    let mut query = LocalQuery::new(&plan, TimeRange::default());
    query.read(&input).unwrap();
    let result = query.finish();
    let column = result
        .columns
        .iter()
        .position(|c| c == "auditID")
        .expect("a detection lists auditID");
    result
        .rows
        .iter()
        .map(|row| match &row[column] {
            Value::Str(s) => s.to_string(),
            other => panic!("auditID is {other:?}"),
        })
        .collect()
}

#[test]
fn each_fixture_is_found_where_it_says_hit_and_only_there() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detections");
    // The detections that test the site's lists read the fixtures' own.
    let lists = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists");
    let catalog = Catalog::load_with_lists(None, Some(&lists));
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert!(catalog.waiting().is_empty(), "{:?}", catalog.waiting());
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let query = catalog
            .queries()
            .iter()
            .find(|q| q.name == name)
            .unwrap_or_else(|| panic!("{name}: no such query"));
        let ids: Vec<String> = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["auditID"].as_str().unwrap().to_string()
            })
            .collect();
        let expected: BTreeSet<String> = ids
            .iter()
            .filter(|id| id.starts_with("hit-"))
            .cloned()
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < ids.len(),
            "{name}: needs hits and misses"
        );
        assert_eq!(found(&query.text, &path), expected, "{name}");
        checked += 1;
    }
    assert!(checked >= 16, "{checked} fixtures");
}

#[test]
fn every_detection_is_proven_somewhere() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detections");
    let catalog = Catalog::load(None);
    let waiting = catalog.waiting().iter().map(|w| &w.query);
    for q in catalog.queries().iter().chain(waiting) {
        if q.severity.is_none() {
            continue;
        }
        let labelled = q
            .text
            .lines()
            .any(|l| l.starts_with("# falco:") || l.starts_with("# panther:"));
        let fixture = dir.join(format!("{}.jsonl", q.name)).is_file();
        assert!(
            labelled || fixture,
            "{}: no labelled data, no fixture",
            q.name
        );
    }
}
