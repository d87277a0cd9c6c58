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
use crate::catalog::{Catalog, default_user_dir};
use crate::engine::{self, Detection, Finding};
use crate::source::local;
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

/// The table's cell: the first hits, each whole, and how many more there are.
fn refs_cell(finding: &Finding) -> String {
    if finding.refs.is_empty() {
        return "-".to_string();
    }
    let mut shown: Vec<String> = finding
        .refs
        .iter()
        .take(SHOWN_HITS)
        .map(|r| sanitize(r.text()).into_owned())
        .collect();
    if finding.refs.len() > SHOWN_HITS {
        shown.push(format!("+{} more", finding.refs.len() - SHOWN_HITS));
    }
    shown.join(", ")
}

/// Every detection over the files (or the demo), each malformed line reported once.
fn local_findings(args: &DetectArgs, detections: &[Detection]) -> Result<Vec<Finding>> {
    let range = args.time.resolve(jiff::Timestamp::now().as_millisecond())?;
    let mut inputs = Vec::new();
    for spec in args.source.inputs()? {
        inputs.push(local::open(&spec)?);
    }
    let (findings, reports) =
        engine::local::detect(detections, &inputs, range).map_err(|e| anyhow!(e))?;
    problems::summarize(&reports);
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
    let detections = Detection::all_of(&catalog);
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
                        "name": f.name,
                        "severity": f.severity.name(),
                        "description": f.description,
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
                        f.severity.name().to_string(),
                        sanitize(&f.name).into_owned(),
                        if f.complete {
                            f.hits.to_string()
                        } else {
                            format!("{}+", f.hits)
                        },
                        refs_cell(f),
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
