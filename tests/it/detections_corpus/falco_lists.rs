//! The detections that test a site's lists against the Falco tests that exercise them.
//!
//! A Falco test runs one trace file with a set of rule files: Falco's own, then the overrides of
//! `test-rules/` that append to a list or replace a macro. The lists a test ends up with are
//! worked out here as Falco would (files in order, `append: true` extends, anything else
//! replaces, a list named among the items is expanded), written as kaudit's list files in a
//! folder of the test's own, and the catalog loaded with them: the detection runs as
//! `kaudit detect` would run it with those files, or not at all when a list is empty.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kaudit::catalog::Catalog;
use kaudit::engine::Detection;

use super::{cell, header_list, hits, short_of_targets};

/// Hits in tests that check only other rules, each looked at: the same lists would make Falco's
/// rule fire there too. Any other such hit fails the test until it is looked at.
const EXPLAINED: &[(&str, &str)] = &[
    // It creates the namespace `foo` with Falco's default list (kube-system, kube-public,
    // default), and checks only "Anonymous Request Allowed".
    ("disallowed-namespace-created", "anonymous_user"),
];

/// One top-level item of a Falco rule file: `- list: x`, `- macro: y`, … and its keys.
#[derive(Debug)]
struct Item {
    kind: String,
    name: String,
    keys: BTreeMap<String, String>,
}

/// The items of a Falco rule file. The files are plain: each item starts at `-` in the first
/// column, its keys are indented two spaces, and a longer value goes on over more indented
/// lines (a flow list `[…]`, a folded `>` condition).
fn items(text: &str) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut last_key: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let key_value = |s: &str| {
            let (k, v) = s.split_once(':')?;
            let k = k.trim();
            (!k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .then(|| (k.to_string(), v.trim().to_string()))
        };
        // An item may also be empty: a `-` alone.
        if let Some(rest) = line.strip_prefix('-') {
            let (kind, name) = key_value(rest).unwrap_or_default();
            last_key = None;
            items.push(Item {
                kind,
                name,
                keys: BTreeMap::new(),
            });
        } else if let Some(item) = items.last_mut() {
            let indented = line.strip_prefix("  ").filter(|l| !l.starts_with(' '));
            match indented.and_then(key_value) {
                Some((k, v)) => {
                    item.keys.insert(k.clone(), v);
                    last_key = Some(k);
                }
                None => {
                    if let Some(value) = last_key.as_ref().and_then(|k| item.keys.get_mut(k)) {
                        value.push(' ');
                        value.push_str(line.trim());
                    }
                }
            }
        }
    }
    items
}

/// The lists and macros Falco holds after loading some rule files.
#[derive(Debug, Default)]
struct Loaded {
    lists: BTreeMap<String, Vec<String>>,
    macros: BTreeMap<String, String>,
}

impl Loaded {
    fn load(&mut self, text: &str) {
        for item in items(text) {
            let append = item.keys.get("append").is_some_and(|a| a == "true");
            match item.kind.as_str() {
                "list" => {
                    let entries = flow_list(item.keys.get("items").map_or("[]", |s| s));
                    let list = self.lists.entry(item.name).or_default();
                    if !append {
                        list.clear();
                    }
                    list.extend(entries);
                }
                "macro" => {
                    let condition = item.keys.get("condition").cloned().unwrap_or_default();
                    let condition = condition.trim_start_matches(['>', '|']).trim().to_string();
                    match self.macros.get_mut(&item.name) {
                        Some(old) if append => {
                            old.push(' ');
                            old.push_str(&condition);
                        }
                        _ => {
                            self.macros.insert(item.name, condition);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A list's items, the lists named among them expanded.
    fn resolve(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.lists.get(name).into_iter().flatten() {
            if self.lists.contains_key(item) && item != name {
                out.extend(self.resolve(item));
            } else {
                out.push(item.clone());
            }
        }
        out
    }

    /// kaudit's list files for these lists and macros: name → lines. An empty list is no file.
    fn kaudit_lists(&self) -> BTreeMap<&'static str, Vec<String>> {
        let mut lists = BTreeMap::new();
        // "Disallowed K8s User" allows both lists (the EKS one since 2023).
        let mut users = self.resolve("allowed_k8s_users");
        users.extend(self.resolve("eks_allowed_k8s_users"));
        lists.insert("allowed-users", users);
        lists.insert("allowed-namespaces", self.resolve("allowed_namespaces"));
        // "Create Disallowed Pod": `not allowed_k8s_containers`.
        let containers = self
            .macros
            .get("allowed_k8s_containers")
            .map(String::as_str);
        let images = match containers {
            // Every image allowed.
            Some("(k8s_audit_always_true)") => vec!["*".to_string()],
            Some(condition) => {
                let inner = condition
                    .split_once(".image.repository in (")
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .unwrap_or_else(|| panic!("no translation for {condition:?}"))
                    .0;
                inner.split(',').map(|s| s.trim().to_string()).collect()
            }
            None => Vec::new(),
        };
        lists.insert("allowed-images", images);
        // "Full K8s Administrative Access": off while `allowed_full_admin_users` is always true.
        let admins = match self
            .macros
            .get("allowed_full_admin_users")
            .map(String::as_str)
        {
            None | Some("(k8s_audit_always_true)") => Vec::new(),
            Some("(k8s_audit_never_true)") => self.resolve("full_admin_k8s_users"),
            Some(other) => panic!("no translation for {other:?}"),
        };
        lists.insert("admin-users", admins);
        lists
    }
}

/// `[a, "b", c]` → its items, unquoted.
fn flow_list(text: &str) -> Vec<String> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(|s| s.trim().trim_matches('"').trim_matches('\'').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One Falco test: its name, trace file, the rule files it loads, and what it expects.
struct Test {
    name: String,
    trace: String,
    rules_files: Vec<String>,
    /// The rules it expects to fire; empty with `quiet` when it expects no alert at all.
    expects: BTreeSet<String>,
    quiet: bool,
}

fn tests(traces: &Path) -> Vec<Test> {
    let labels = fs::read_to_string(traces.join("derived/expected_detections.jsonl")).unwrap();
    labels
        .lines()
        .map(|line| {
            let t: serde_json::Value = serde_json::from_str(line).unwrap();
            let strings = |v: &serde_json::Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            };
            let expects = t["detect_counts"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c.as_object().unwrap().keys().cloned())
                .collect();
            Test {
                name: t["test"].as_str().unwrap().to_string(),
                trace: t["trace_file"].as_str().unwrap().to_string(),
                rules_files: strings(&t["rules_file"]),
                expects,
                quiet: t["detect"] == false,
            }
        })
        .collect()
}

/// The lists a test runs with, as kaudit's list files; `None` for a test that loads no
/// k8s-audit rule file (it tests one rule of its own).
fn lists_of(test: &Test, traces: &Path) -> Option<BTreeMap<&'static str, Vec<String>>> {
    let mut loaded = Loaded::default();
    let mut audit_rules = false;
    for file in &test.rules_files {
        let path = match file.as_str() {
            // Falco's syscall rules: nothing of the k8s audit source.
            "falco_rules.yaml" => continue,
            // The rule file these tests were written against.
            "k8s_audit_rules.yaml" => traces.join("matching-rules/k8s_audit_rules.2023-08.yaml"),
            other => traces.join("test-rules").join(other),
        };
        audit_rules |= file.contains("k8s_audit_rules");
        loaded.load(&fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")));
    }
    audit_rules.then(|| loaded.kaudit_lists())
}

#[derive(Debug, Default)]
struct Row {
    rules: Vec<String>,
    lists: Vec<String>,
    positives: usize,
    found: usize,
    missed: Vec<String>,
    negatives: usize,
    false_hits: Vec<String>,
    /// Tests that expect only other rules, where the detection hit.
    elsewhere: Vec<String>,
}

/// The table of the detections that read lists, what falls under the targets, the detections
/// some test proves, and the Falco rules each detection claims.
pub fn section(
    corpus: &Path,
) -> (
    String,
    Vec<String>,
    BTreeSet<String>,
    BTreeMap<String, Vec<String>>,
) {
    let traces = corpus.join("falco-trace-files");
    let unlisted = Catalog::load(None);
    let mut table: BTreeMap<String, Row> = BTreeMap::new();
    for w in unlisted.waiting() {
        let rules = header_list(&w.query.text, "falco");
        if !rules.is_empty() {
            let lists = w.query.lists.clone();
            table.insert(
                w.query.name.clone(),
                Row {
                    rules,
                    lists,
                    ..Row::default()
                },
            );
        }
    }
    assert_eq!(table.len(), 4, "{:?}", table.keys());

    let mut ran = 0;
    for test in tests(&traces) {
        let Some(lists) = lists_of(&test, &traces) else {
            continue;
        };
        ran += 1;
        let dir = tempfile::tempdir().unwrap();
        for (name, entries) in &lists {
            if !entries.is_empty() {
                fs::write(dir.path().join(format!("{name}.txt")), entries.join("\n")).unwrap();
            }
        }
        let catalog = Catalog::load_with_lists(None, Some(dir.path()));
        assert!(
            catalog.problems.is_empty(),
            "{}: {:?}",
            test.name,
            catalog.problems
        );
        let detections = Detection::all_of(&catalog);
        for (name, row) in &mut table {
            // A detection whose list is empty is off: it finds nothing.
            let hit = detections
                .iter()
                .find(|d| &d.name == name)
                .is_some_and(|d| hits(&d.text, &traces.join(&test.trace)));
            let label = format!("`{}`", test.name);
            if row.rules.iter().any(|r| test.expects.contains(r)) {
                row.positives += 1;
                if hit {
                    row.found += 1;
                } else {
                    row.missed.push(label);
                }
            } else if test.quiet {
                row.negatives += 1;
                if hit {
                    row.false_hits.push(label);
                }
            } else if hit {
                row.elsewhere.push(label);
            }
        }
    }
    assert!(ran > 50, "only {ran} Falco tests ran");

    let mut doc = String::from(
        "\nThe detections that test the site's own lists ([lists.md](lists.md)) run per Falco test\n\
         instead: a test runs one trace file with Falco's rule file and the list overrides of its\n\
         `test-rules/`, so the lists differ from test to test. The lists each test ends up with\n\
         (Falco's defaults, then its overrides, appended or replaced as Falco does) are written as\n\
         kaudit's list files, and the detection runs with them, or is off when its list is empty\n\
         (Falco's tests keep Full K8s Administrative Access off). A test is a positive when it\n\
         expects the rule and a negative when it expects no alert at all; a test expecting only\n\
         other rules says nothing of this one (Falco checks only the counts it names), and the\n\
         last column lists where the detection hit such a test: `anonymous_user` creates the\n\
         namespace `foo`, which Falco's default list does not hold either, so Falco's rule fires\n\
         there too, unchecked.\n\n\
         | detection | Falco rule | lists | positives | found | missed | negatives | false hits | hits in tests of other rules |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let mut problems = Vec::new();
    for (name, row) in &table {
        let files: Vec<String> = row.lists.iter().map(|l| format!("`{l}.txt`")).collect();
        doc.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.rules.join(", "),
            files.join(", "),
            row.positives,
            row.found,
            cell(&row.missed),
            row.negatives,
            cell(&row.false_hits),
            cell(&row.elsewhere),
        ));
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/detections/{name}.jsonl"))
            .is_file();
        if row.positives == 0 && !fixture {
            problems.push(format!(
                "{name}: no Falco test expects {:?}, and no fixture",
                row.rules
            ));
        }
        for test in &row.elsewhere {
            if !EXPLAINED.contains(&(name.as_str(), test.trim_matches('`'))) {
                problems.push(format!(
                    "{name} hit {test}, which expects other rules: look at it, and say why in EXPLAINED"
                ));
            }
        }
        problems.extend(short_of_targets(
            name,
            (row.found, row.positives, &row.missed),
            (row.false_hits.as_slice(), row.negatives),
        ));
    }
    let proven = table
        .iter()
        .filter(|(_, row)| row.found > 0)
        .map(|(name, _)| name.clone())
        .collect();
    let claims = table
        .into_iter()
        .map(|(name, row)| (name, row.rules))
        .collect();
    (doc, problems, proven, claims)
}
