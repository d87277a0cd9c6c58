//! The detections of `queries/` proven on data we did not write, from `../shared/corpus`:
//! - the Falco project's trace files, each labelled with the Falco rules it should trigger
//!   (`falco-trace-files/derived/expected_detections.jsonl`), for detections with a `# falco:`
//!   header;
//! - Panther's rule tests over EKS audit records (`panther/derived/panther_tests.jsonl`), each
//!   labelled with whether its rule should fire, for detections with a `# panther:` header;
//! - Sigma's Kubernetes rules (`sigma/rules/`), each covered by the queries with a `# sigma:`
//!   header (proven on the project's own records the rule matches) or explained.
//!
//! The confusion tables are `docs/detections.md`; `KAUDIT_WRITE_DOCS=1` writes it again, and
//! otherwise the test fails when it is stale or when a covered rule falls under its targets (90 %
//! of the labelled positives found, false hits on at most 5 % of the labelled negatives).

mod falco;
mod falco_lists;
mod panther;
mod sigma;
mod sigma_eval;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use kaudit::audit::time::TimeRange;
use kaudit::catalog::Catalog;
use kaudit::insights::exec::Plan;
use kaudit::insights::parser::parse;
use kaudit::source::local::{self, InputSpec, LocalQuery};

/// Why a rule that logs every write or read of a kind has no detection: it is a question for
/// the investigation queries, not an alert.
pub const LOGS_EVERY: &str = "nothing: it logs every create, delete or read of a kind rather than \
     an attack; `object-history`, the `*-changes` queries and `kaudit query` answer it";

/// The values of a detection's `# KEY:` header lines (comma-separated, several lines allowed).
pub fn header_list(text: &str, key: &str) -> Vec<String> {
    let prefix = format!("# {key}:");
    text.lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .flat_map(|r| r.split(','))
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

/// Whether the query finds anything in the file.
pub fn hits(text: &str, file: &Path) -> bool {
    let plan = Plan::new(&parse(text).unwrap()).unwrap();
    let input = local::open(&InputSpec::Path(file.to_path_buf())).unwrap();
    let mut query = LocalQuery::new(&plan, TimeRange::default());
    query.read(&input).unwrap();
    !query.finish().rows.is_empty()
}

/// A list of names for a table cell: `0` when empty.
pub fn cell(names: &[String]) -> String {
    if names.is_empty() {
        "0".to_string()
    } else {
        names.join(", ")
    }
}

/// What a detection proven on Falco's tests falls short of: at least 90 % of the positives
/// found, at most 5 % of the negatives hit.
pub fn short_of_targets(
    name: &str,
    (found, positives, missed): (usize, usize, &[String]),
    (false_hits, negatives): (&[String], usize),
) -> Vec<String> {
    let mut problems = Vec::new();
    if found * 10 < positives * 9 {
        problems.push(format!(
            "{name} found {found} of {positives} Falco positives ({missed:?} missed)"
        ));
    }
    if false_hits.len() * 20 > negatives {
        problems.push(format!(
            "{name} hit {} of {negatives} Falco negatives: {false_hits:?}",
            false_hits.len()
        ));
    }
    problems
}

/// The closing table: every detection, its severity, what proves it and what it cannot see.
fn every_detection(falco_proven: &BTreeSet<String>) -> String {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detections");
    let mut doc = String::from(
        "## Every detection\n\n\
         What proves each detection: the Falco trace files, Panther's tests, or the project's own\n\
         fixtures (`tests/fixtures/detections/`, run by `cargo test --test it detections_fixtures`:\n\
         each event says whether it must be found). Limits are where a Logs Insights query cannot\n\
         say what the rule means.\n\n\
         | detection | severity | proven by | limits |\n|---|---|---|---|\n",
    );
    // With no lists, the detections that read one wait for it: they are detections all the same.
    let catalog = Catalog::load(None);
    let waiting = catalog.waiting().iter().map(|w| &w.query);
    let mut queries: Vec<_> = catalog
        .queries()
        .iter()
        .chain(waiting)
        .filter(|q| q.severity.is_some())
        .collect();
    queries.sort_by(|a, b| a.name.cmp(&b.name));
    for q in queries {
        let mut proof = Vec::new();
        if falco_proven.contains(&q.name) {
            proof.push("Falco");
        }
        if !header_list(&q.text, "panther").is_empty() {
            proof.push("Panther");
        }
        if fixtures.join(format!("{}.jsonl", q.name)).is_file() {
            proof.push("fixtures");
        }
        let limits: Vec<&str> = q
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("# limits:"))
            .map(str::trim)
            .collect();
        doc.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            q.name,
            q.severity.unwrap().name(),
            proof.join(", "),
            limits.join("; ")
        ));
    }
    doc
}

#[test]
fn detections_find_what_third_parties_label_and_little_else() {
    let Some(corpus) = crate::support::corpus_dir("detections_corpus") else {
        return;
    };
    let (falco_doc, mut problems, falco_proven) = falco::section(&corpus);
    let (panther_doc, panther_problems) = panther::section(&corpus);
    problems.extend(panther_problems);
    let (sigma_doc, sigma_problems) = sigma::section(&corpus);
    problems.extend(sigma_problems);
    let every = every_detection(&falco_proven);
    let doc = format!(
        "# Detections proven on third-party labelled data\n\n\
         Written by `KAUDIT_WRITE_DOCS=1 cargo test --test it detections_corpus`; the test fails when\n\
         this page is stale, or when a covered rule finds under 90 % of its labelled positives or\n\
         hits over 5 % of its labelled negatives.\n\n\
         Each table runs a detection alone. `kaudit detect` runs them all in one pass over the\n\
         inputs, and finds the same: `cargo test --test it detections_one_pass` compares the two\n\
         ways, hit by hit, over the demo, these files and the fixtures.\n\n{falco_doc}\n{panther_doc}\n{sigma_doc}\n{every}"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/detections.md");
    if std::env::var_os("KAUDIT_WRITE_DOCS").is_some() {
        fs::write(&path, &doc).unwrap();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let written = fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        written, doc,
        "docs/detections.md is stale: run KAUDIT_WRITE_DOCS=1 cargo test --test it detections_corpus"
    );
}
