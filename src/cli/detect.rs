//! `kaudit detect`: every detection of the library over a source, the findings grouped by
//! severity with their counts and the matching events' audit IDs. Exit 3 when anything fired,
//! for scripts.

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::problems;
use super::source_args::SourceArgs;
use super::span;
use super::table::TableWriter;
use super::time_args::TimeArgs;
use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::catalog::{CannedQuery, Catalog, default_user_dir};
use crate::engine::compile::first_error;
use crate::engine::local::ReadOptions;
use crate::engine::{self, Target, compile};
use crate::insights::value::Value;
use crate::source::local::{self, LocalInput};
use crate::text::sanitize;

/// Exit status when a detection fired.
const FIRED: u8 = 3;
/// Hits named per detection in the table, each whole (JSON has them all).
const SHOWN_HITS: usize = 3;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DetectOutput {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub cloud: CloudArgs,
    /// In CloudWatch: the most hits to fetch per detection (past AWS's 10,000-row cap the range
    /// is split).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_rows: usize,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: DetectOutput,
}

/// What one detection found.
pub struct Finding<'c> {
    pub query: &'c CannedQuery,
    pub hits: usize,
    /// False when CloudWatch's answer was cut (at --max-rows, a range too dense to cover, or an
    /// answer that cannot be split by time at its row cap): `hits` is then a floor.
    pub complete: bool,
    /// What names each hit, in the answer's order.
    pub refs: Vec<HitRef>,
}

/// How a hit is named: by its event's audit ID, else by where the event was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitRef {
    AuditId(String),
    /// `file:line` over local files, `@ptr …` over CloudWatch.
    At(String),
}

impl HitRef {
    fn text(&self) -> &str {
        match self {
            HitRef::AuditId(s) | HitRef::At(s) => s,
        }
    }
}

impl Finding<'_> {
    fn audit_ids(&self) -> Vec<&str> {
        self.refs
            .iter()
            .filter_map(|r| match r {
                HitRef::AuditId(id) => Some(id.as_str()),
                HitRef::At(_) => None,
            })
            .collect()
    }

    fn without_audit_id(&self) -> Vec<&str> {
        self.refs
            .iter()
            .filter_map(|r| match r {
                HitRef::At(at) => Some(at.as_str()),
                HitRef::AuditId(_) => None,
            })
            .collect()
    }

    /// The table's cell: the first hits, each whole, and how many more there are.
    fn refs_cell(&self) -> String {
        if self.refs.is_empty() {
            return "-".to_string();
        }
        let mut shown: Vec<String> = self
            .refs
            .iter()
            .take(SHOWN_HITS)
            .map(|r| sanitize(r.text()).into_owned())
            .collect();
        if self.refs.len() > SHOWN_HITS {
            shown.push(format!("+{} more", self.refs.len() - SHOWN_HITS));
        }
        shown.join(", ")
    }
}

/// `file:line` of the record `ptr` (`<source id>:<byte offset>`) points at, among `inputs`.
fn locate(ptr: &str, inputs: &[LocalInput]) -> String {
    let found = ptr.rsplit_once(':').and_then(|(source, offset)| {
        let offset: usize = offset.parse().ok()?;
        let input = inputs.iter().find(|i| i.origin().source_id == source)?;
        let bytes = input.bytes().get(..offset)?;
        let line = memchr::memchr_iter(b'\n', bytes).count() + 1;
        Some(format!("{}:{line}", input.name()))
    });
    found.unwrap_or_else(|| format!("@ptr {ptr}"))
}

fn run_one<'c>(
    query: &'c CannedQuery,
    inputs: &[LocalInput],
    range: TimeRange,
    reports: &mut Vec<ScanReport>,
) -> Result<Finding<'c>> {
    let mut compiled = compile(&query.text, Target::LocalTied).map_err(|d| {
        anyhow!(
            "the detection {} cannot run: {}",
            sanitize(&query.name),
            first_error(&d)
        )
    })?;
    compiled.across_inputs(inputs.len());
    let read = engine::local::read(&compiled, range, inputs, &ReadOptions::default())
        .map_err(|_| anyhow!("a reader thread failed"))?;
    reports.extend(read.reports);
    let result = read.result;
    let Some(plan) = compiled.plan() else {
        return Err(anyhow!("the detection {} cannot run", query.name));
    };
    let id_column = result.columns.iter().position(|c| c == "auditID");
    let ptr_column = plan.ptr_column();
    let refs = result
        .rows
        .iter()
        .map(|r| match id_column.and_then(|c| r.get(c)) {
            Some(Value::Str(id)) if !id.is_empty() => HitRef::AuditId(id.to_string()),
            _ => match ptr_column.and_then(|c| r.get(c)) {
                Some(Value::Str(ptr)) => HitRef::At(locate(ptr, inputs)),
                _ => HitRef::At("where: unknown".to_string()),
            },
        })
        .collect();
    Ok(Finding {
        query,
        hits: result.rows.len(),
        complete: true,
        refs,
    })
}

/// Every detection over the files (or the demo), each malformed line reported once.
fn local_findings<'c>(
    args: &DetectArgs,
    detections: &[&'c CannedQuery],
) -> Result<Vec<Finding<'c>>> {
    let range = args.time.resolve(jiff::Timestamp::now().as_millisecond())?;
    let mut inputs = Vec::new();
    for spec in args.source.inputs()? {
        inputs.push(local::open(&spec)?);
    }
    let mut findings = Vec::new();
    let mut first_reports = None;
    for q in detections {
        let mut reports = Vec::new();
        findings.push(run_one(q, &inputs, range, &mut reports)?);
        first_reports.get_or_insert(reports);
    }
    problems::summarize(&first_reports.unwrap_or_default());
    if range.is_bounded() && findings.iter().all(|f| f.hits == 0) {
        let (span, inside) = span::span_of(&inputs, range);
        if !inside {
            span.explain_empty_range();
        }
    }
    Ok(findings)
}

pub fn run(args: &DetectArgs) -> Result<Outcome> {
    let catalog = Catalog::load(default_user_dir().as_deref());
    for p in &catalog.problems {
        eprintln!("kaudit: {}", sanitize(&p.to_string()));
    }
    let mut detections: Vec<&CannedQuery> = catalog
        .queries()
        .iter()
        .filter(|q| q.severity.is_some())
        .collect();
    detections.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.name.cmp(&b.name)));
    let findings = if args.cloud.is_set() {
        if args.source.demo || !args.source.paths.is_empty() || !args.source.file.is_empty() {
            return Err(super::usage::usage(
                "--cluster and --log-group read CloudWatch Logs: give them or files (or --demo), not both",
            ));
        }
        super::detect_cloud::run(args, &detections)?
    } else {
        local_findings(args, &detections)?
    };
    let fired = findings.iter().filter(|f| f.hits > 0).count();
    to_stdout(|out| match args.output {
        DetectOutput::Json => {
            let doc: Vec<serde_json::Value> = findings
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.query.name,
                        "severity": f.query.severity.map(|s| s.name()),
                        "description": f.query.description,
                        "hits": f.hits,
                        "complete": f.complete,
                        "auditIDs": f.audit_ids(),
                        "hitsWithoutAuditID": f.without_audit_id(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            out.write_all(b"\n")
        }
        DetectOutput::Table => {
            let mut table = TableWriter::new(
                vec![
                    "severity".into(),
                    "detection".into(),
                    "hits".into(),
                    "audit IDs".into(),
                ],
                // The last column is never cut: an audit ID is whole or not shown.
                vec![8, 36, 8, usize::MAX],
            );
            for f in &findings {
                table.push(
                    out,
                    vec![
                        f.query.severity.map_or("-", |s| s.name()).to_string(),
                        sanitize(&f.query.name).into_owned(),
                        if f.complete {
                            f.hits.to_string()
                        } else {
                            format!("{}+", f.hits)
                        },
                        f.refs_cell(),
                    ],
                )?;
            }
            table.flush(out)
        }
    })?;
    eprintln!("{fired} of {} detections fired", findings.len());
    Ok(if fired > 0 {
        Outcome::Exit(FIRED)
    } else {
        Outcome::Success
    })
}
