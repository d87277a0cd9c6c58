//! Golden cases of the query language: one TOML file per case in `tests/golden/queries/`, with
//! `query`, `input` (audit events as JSON lines) and either the expected `columns` and `rows`
//! (values as the table shows them, all strings) or the expected `error` text (the rendered
//! diagnostic, caret included). An optional `warnings` list holds texts the rendered warnings
//! must contain, those said after the run included (a field no event had); `quiet = true` says
//! there must be none at all.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use kaudit::audit::Depth;
use kaudit::audit::formats::{Origin, Skip, scan_skipping};
use kaudit::insights::checker::{Target, check_deferred, unseen_field_warnings};
use kaudit::insights::diag::render_all;
use kaudit::insights::exec::{FieldPresence, Plan};
use kaudit::insights::parser::parse;
use kaudit::insights::value::Value;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    query: String,
    #[serde(default)]
    input: String,
    columns: Option<Vec<String>>,
    rows: Option<Vec<Vec<String>>>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    quiet: bool,
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
}

/// What a query produced: columns, rows as displayed, and the rendered warnings.
type Produced = (Vec<String>, Vec<Vec<String>>, String);

/// What a case produced, or the error text.
fn run(case: &Case) -> Result<Produced, String> {
    let query = parse(&case.query).map_err(|d| render_all(&case.query, &d))?;
    let (mut diagnostics, unsure) = check_deferred(&query, Target::Local);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(render_all(&case.query, &diagnostics));
    }
    let plan = Plan::new(&query).map_err(|d| render_all(&case.query, &[d]))?;
    let origin = Origin::new("golden.log", "golden");
    // As `kaudit query` reads: records are only classified, the run reads the rest.
    let detail = Depth::Classify;
    // The fields the audit event does not fix are watched while the query runs.
    let presence = Arc::new(FieldPresence::new(&unsure));
    let run_with = |skip: Option<Skip<'_>>| {
        let mut run = plan.start().watch(presence.clone());
        let mut stopped = false;
        scan_skipping(case.input.as_bytes(), &origin, detail, skip, |rec| {
            stopped |= run.push(rec).is_break();
            ControlFlow::Continue(())
        });
        let result = run.finish();
        let rows: Vec<Vec<String>> = result
            .rows
            .iter()
            .map(|r| r.iter().map(Value::display).collect())
            .collect();
        let read = result.statistics.records_scanned;
        (result.columns, rows, (read, stopped))
    };
    let (columns, rows, (read, stopped)) = run_with(None);
    diagnostics.extend(unseen_field_warnings(
        &unsure,
        &presence.unseen(),
        read,
        stopped,
    ));
    let rendered = render_all(&case.query, &diagnostics);
    // The literal prefilter passes over records unread: it must never change an answer.
    if let Some(prefilter) = plan.prefilter() {
        let skip = |raw: &[u8]| !prefilter.may_match(raw);
        let (c, r, _) = run_with(Some(&skip));
        let with = (c, r);
        if with != (columns.clone(), rows.clone()) {
            return Err(format!("the prefilter changed the answer: {with:?}"));
        }
    }
    Ok((columns, rows, rendered))
}

fn check_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap();
    let case: Case = toml::from_str(&text).map_err(|e| format!("bad case file: {e}"))?;
    match (run(&case), &case.error) {
        (Err(got), Some(want)) if got.trim_end() == want.trim_end() => Ok(()),
        (Err(got), Some(want)) => Err(format!("error text\n--- want\n{want}\n--- got\n{got}")),
        (Err(got), None) => Err(format!("unexpected error:\n{got}")),
        (Ok(_), Some(want)) => Err(format!("expected the error\n{want}\nbut the query ran")),
        (Ok((columns, rows, warnings)), None) => {
            let mut problems = Vec::new();
            if let Some(want) = &case.columns
                && *want != columns
            {
                problems.push(format!("columns: want {want:?}, got {columns:?}"));
            }
            if let Some(want) = &case.rows
                && *want != rows
            {
                problems.push(format!("rows:\n  want {want:?}\n  got  {rows:?}"));
            }
            if case.columns.is_none() && case.rows.is_none() {
                problems.push("the case says neither rows nor error".to_string());
            }
            for w in &case.warnings {
                if !warnings.contains(w.as_str()) {
                    problems.push(format!("missing warning {w:?} in:\n{warnings}"));
                }
            }
            if case.quiet && !warnings.is_empty() {
                problems.push(format!("warnings where none were expected:\n{warnings}"));
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n"))
            }
        }
    }
}

#[test]
fn golden_queries() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/queries");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check_case(f)
                .err()
                .map(|e| format!("{}:\n{e}", f.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
