//! The detections with a `# panther:` header against Panther's rule tests: the EKS audit events,
//! GKE Cloud Audit entries and AKS `kube-audit` records among them, each read as kaudit reads a
//! file of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use kaudit::catalog::Catalog;

use super::{cell, header_list, hits};

/// The service whose audit record a Panther test holds, told apart by its shape alone (not by
/// kaudit's reading of it, which is what is under test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Cloud {
    Eks,
    Gke,
    Aks,
}

const CLOUDS: [Cloud; 3] = [Cloud::Eks, Cloud::Gke, Cloud::Aks];

impl Cloud {
    fn name(self) -> &'static str {
        match self {
            Cloud::Eks => "EKS",
            Cloud::Gke => "GKE",
            Cloud::Aks => "AKS",
        }
    }

    /// The record's service, or `None` for a record that is not a Kubernetes audit record (an
    /// Azure activity log entry, a Deployment Manager entry, a bare indicator).
    pub(super) fn of(log: &serde_json::Value) -> Option<Cloud> {
        let payload = &log["protoPayload"];
        if payload.is_object() {
            let k8s = payload["serviceName"] == "k8s.io"
                || payload["methodName"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("io.k8s."));
            return k8s.then_some(Cloud::Gke);
        }
        let category = log["category"].as_str().unwrap_or("");
        if category.starts_with("kube-audit") && !log["properties"]["log"].is_null() {
            return Some(Cloud::Aks);
        }
        (log["kind"] == "Event" && log["verb"].is_string()).then_some(Cloud::Eks)
    }
}

/// One labelled record: the test's name, whether its rule should fire, and the file holding it.
struct Case {
    name: String,
    expected: bool,
    cloud: Cloud,
    file: PathBuf,
}

/// One rule's outcome on the records of one service.
#[derive(Debug, Default)]
struct Tally {
    positives: usize,
    found: usize,
    missed: Vec<String>,
    negatives: usize,
    false_hits: Vec<String>,
    /// Negatives hit on purpose: the test's name and why kaudit looks wider than the rule.
    deliberate: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Row {
    detections: Vec<String>,
    clouds: BTreeMap<Cloud, Tally>,
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

/// `found of positives, hits of negatives` for a table cell; `-` without records.
fn counts(t: Option<&Tally>) -> String {
    match t {
        Some(t) if t.positives + t.negatives > 0 => format!(
            "{} of {}, {} of {}",
            t.found,
            t.positives,
            t.false_hits.len(),
            t.negatives
        ),
        _ => "-".to_string(),
    }
}

/// The Panther table of `docs/detections.md`, and what falls under the targets.
pub fn section(corpus: &Path) -> (String, Vec<String>) {
    let tests = fs::read_to_string(corpus.join("panther/derived/panther_tests.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut per_cloud: BTreeMap<Cloud, usize> = BTreeMap::new();
    for (i, line) in tests.lines().enumerate() {
        let test: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(cloud) = Cloud::of(&test["log"]) else {
            continue;
        };
        *per_cloud.entry(cloud).or_default() += 1;
        let file = dir.path().join(format!("{i}.json"));
        fs::write(&file, serde_json::to_string(&test["log"]).unwrap() + "\n").unwrap();
        cases
            .entry(test["rule_id"].as_str().unwrap().to_string())
            .or_default()
            .push(Case {
                name: test["test_name"].as_str().unwrap().replace('|', "\\|"),
                expected: test["expected_result"].as_bool().unwrap(),
                cloud,
                file,
            });
    }
    // Counted apart with serde_json: 196 EKS, 34 AKS and 57 GKE records of Kubernetes.
    assert!(per_cloud[&Cloud::Eks] > 150, "{per_cloud:?}");
    assert!(per_cloud[&Cloud::Gke] > 30, "{per_cloud:?}");
    assert!(per_cloud[&Cloud::Aks] > 30, "{per_cloud:?}");

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
            problems.push(format!("{rule}: no Kubernetes record in the Panther tests"));
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
            let tally = row.clouds.entry(case.cloud).or_default();
            let named = format!("{} ({})", case.name, case.cloud.name());
            match (case.expected, hit, on_purpose) {
                (true, true, _) => tally.found += 1,
                (true, false, _) => tally.missed.push(named),
                (false, true, Some(i)) => tally.deliberate.push(wider.remove(i)),
                (false, true, None) => tally.false_hits.push(named),
                (false, false, _) => {}
            }
            if case.expected {
                tally.positives += 1;
            } else {
                tally.negatives += 1;
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
        "## Panther rule tests (EKS, GKE and AKS records)\n\n\
         Panther's detection rules ship unit tests: audit records, each labelled with whether its\n\
         rule should fire. Many of its Kubernetes rules hold for every managed service, and their\n\
         tests hold an EKS audit event, a GKE Cloud Audit entry and an AKS `kube-audit` record.\n\
         Each record is written to a file of its own and read as kaudit reads any file, then run\n\
         through the detections that claim its rule (`# panther:` in their header); a positive is\n\
         found when one of them hits it, and a negative is a false hit when one of them does.\n\
         A cell says `found of positives, false hits of negatives`. The targets hold for each rule\n\
         and service alone: over EKS records, 90 % of the positives found and at most 5 % of the\n\
         negatives hit (with a handful of negatives a rule, one false hit is over 5 %); over GKE\n\
         and AKS records, every positive found and no negative hit. Where kaudit looks wider than a\n\
         rule on purpose, the detection names that negative (`# wider-than-panther:` in its\n\
         header, with the reason); it is counted apart, under \"wider on purpose\", and listed\n\
         with its reason below the table.\n\n\
         | Panther rule | detections | EKS | GKE | AKS | missed | false hits | wider on purpose |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let all = |row: &Row, f: fn(&Tally) -> Vec<String>| -> Vec<String> {
        row.clouds.values().flat_map(f).collect()
    };
    for (rule, row) in &table {
        doc.push_str(&format!(
            "| {rule} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.detections.join(", "),
            counts(row.clouds.get(&Cloud::Eks)),
            counts(row.clouds.get(&Cloud::Gke)),
            counts(row.clouds.get(&Cloud::Aks)),
            cell(&all(row, |t| t.missed.clone())),
            cell(&all(row, |t| t.false_hits.clone())),
            cell(&all(row, |t| t
                .deliberate
                .iter()
                .map(|(n, _)| n.clone())
                .collect())),
        ));
    }
    let mut totals: BTreeMap<Cloud, Tally> = BTreeMap::new();
    for row in table.values() {
        for (cloud, t) in &row.clouds {
            let total = totals.entry(*cloud).or_default();
            total.positives += t.positives;
            total.found += t.found;
            total.negatives += t.negatives;
            total.false_hits.extend(t.false_hits.iter().cloned());
            total.deliberate.extend(t.deliberate.iter().cloned());
        }
    }
    let on_purpose: usize = totals.values().map(|t| t.deliberate.len()).sum();
    doc.push_str(&format!(
        "| **all claimed rules** | | {} | {} | {} | | | {on_purpose} |\n",
        counts(totals.get(&Cloud::Eks)),
        counts(totals.get(&Cloud::Gke)),
        counts(totals.get(&Cloud::Aks)),
    ));
    doc.push_str("\nWider on purpose, and why:\n\n");
    for (rule, row) in &table {
        for (name, reason) in row.clouds.values().flat_map(|t| &t.deliberate) {
            doc.push_str(&format!("- {rule}, \"{name}\": {reason}\n"));
        }
    }
    let unclaimed: BTreeSet<&String> = cases.keys().filter(|r| !claims.contains_key(*r)).collect();
    doc.push_str(
        "\nRules with Kubernetes audit records that no detection claims. They count events over a \
         window against a threshold, tell public from private addresses by enrichment, match a feed \
         of indicators, or log every create of a kind (the investigation queries and `kaudit query` \
         cover those questions without a verdict):\n\n",
    );
    for rule in unclaimed {
        let mut by_cloud: BTreeMap<Cloud, usize> = BTreeMap::new();
        for case in &cases[rule] {
            *by_cloud.entry(case.cloud).or_default() += 1;
        }
        let said: Vec<String> = by_cloud
            .iter()
            .map(|(c, n)| format!("{n} {}", c.name()))
            .collect();
        doc.push_str(&format!("- {rule} ({})\n", said.join(", ")));
    }

    for (rule, row) in &table {
        if row.clouds.values().all(|t| t.positives == 0) {
            problems.push(format!("{rule}: no labelled positive"));
        }
        for cloud in CLOUDS {
            let Some(t) = row.clouds.get(&cloud) else {
                continue;
            };
            let name = cloud.name();
            let (too_few, too_many) = match cloud {
                Cloud::Eks => (
                    t.found * 10 < t.positives * 9,
                    t.false_hits.len() * 20 > t.negatives,
                ),
                Cloud::Gke | Cloud::Aks => (t.found < t.positives, !t.false_hits.is_empty()),
            };
            if too_few {
                problems.push(format!(
                    "{rule} found {} of {} {name} positives ({:?} missed)",
                    t.found, t.positives, t.missed
                ));
            }
            if too_many {
                problems.push(format!(
                    "{rule} hit {} of {} {name} negatives: {:?}",
                    t.false_hits.len(),
                    t.negatives,
                    t.false_hits
                ));
            }
        }
    }
    (doc, problems)
}
