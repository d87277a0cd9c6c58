//! `kaudit detect`: every detection of the library over a source, the findings grouped by
//! severity with their counts and the matching events' audit IDs. Exit 3 when anything fired,
//! for scripts.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::problems;
use super::source_args::SourceArgs;
use super::table::TableWriter;
use super::time_args::TimeArgs;
use super::work::block_on;
use crate::catalog::{Catalog, WaitingFor, default_user_dir, lists};
use crate::engine::cloud::{FIRST_CONCURRENCY, FleetSettings, FleetSource};
use crate::engine::{Detection, Event, EventSource, Finding, Report};
use crate::text::sanitize;

/// Exit status when a detection fired.
const FIRED: u8 = 3;
/// Hits named per detection in the table, each whole (JSON has them all).
const SHOWN_HITS: usize = 3;
/// How far back the detections read in CloudWatch when no range is given: CloudWatch bills
/// every byte scanned, once per query (one per batch of detections).
const DEFAULT_CLOUD_SPAN_MS: i64 = 24 * 3600 * 1000;

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

/// Every detection over the source, each malformed line reported once.
fn findings(args: &DetectArgs, detections: &[Detection]) -> Result<Vec<Finding>> {
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    let read = "the last 24 hours are read";
    let fleet = args.cloud.fleet();
    // A named fleet is read first: a mistake in it is said before anything else.
    let cloud = if fleet {
        args.cloud.with_fleet()?
    } else {
        args.cloud.clone()
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let terminal = std::io::stderr().is_terminal() && (args.cloud.is_set() || fleet);
    let report = Report::new(move |event| {
        match event {
            // An account or region that could not be listed or asked, over a fleet.
            Event::Failed(why) => {
                let clear = if terminal { "\r\x1b[K" } else { "" };
                eprintln!("{clear}kaudit: {}", sanitize(&why));
            }
            Event::Detected { done, of } if terminal => {
                eprint!("\r\x1b[Kdetections run: {done} of {of} (Ctrl-C stops them)");
            }
            // What the run cost in CloudWatch.
            Event::Note(note) => {
                let clear = if terminal { "\r\x1b[K" } else { "" };
                eprintln!("{clear}kaudit: {}", sanitize(&note));
            }
            _ => {}
        }
        true
    });
    let source: Arc<dyn EventSource> = if fleet {
        let start = range.start_ms.unwrap_or_else(|| {
            eprintln!("kaudit: no --since or --start: {read}");
            now_ms - DEFAULT_CLOUD_SPAN_MS
        });
        fleet_of(&cloud, start, args.max_rows, &report, &cancel)?
    } else if args.cloud.is_set() {
        Arc::new(
            args.cloud
                .source(range, now_ms, DEFAULT_CLOUD_SPAN_MS, read, args.max_rows)?,
        )
    } else {
        Arc::new(args.source.local(false)?)
    };
    let detected = block_on(
        source.remote(),
        &cancel,
        source.detect(detections, range, &report, &cancel),
    )?;
    if terminal {
        eprint!("\r\x1b[K");
    }
    let detected = detected.map_err(|e| anyhow!(e))?;
    problems::summarize(&detected.reports);
    if detected.findings.iter().all(|f| f.hits == 0)
        && let Some(line) = source.explain_empty(range)
    {
        eprintln!("kaudit: {line}");
    }
    Ok(detected.findings)
}

/// Every cluster of the fleet the flags (with the named fleet read in) cover, found in each account and
/// region: the detections are asked of them all.
fn fleet_of(
    cloud: &CloudArgs,
    since_ms: i64,
    max_rows: usize,
    report: &Report,
    cancel: &Arc<AtomicBool>,
) -> Result<Arc<dyn EventSource>> {
    let fleet = cloud;
    let source = FleetSource::new(FleetSettings {
        name: fleet.fleet_label(),
        scope: fleet.scope(),
        since_ms,
        follow: false,
        max_events: 0,
        max_rows,
        prices: super::fleet_cost::prices(),
        concurrency: fleet.fleet_concurrency.unwrap_or(FIRST_CONCURRENCY),
    });
    let clusters = block_on(false, cancel, source.clusters(report))?.map_err(|e| anyhow!(e))?;
    if clusters.is_empty() {
        return Err(anyhow!(
            "no cluster matched in any account and region given: nothing was asked"
        ));
    }
    let keys: Vec<String> = clusters.into_iter().map(|c| c.key).collect();
    source
        .with_clusters(&keys)
        .ok_or_else(|| anyhow!("the fleet's clusters could not be opened"))
}

/// The library's detections (the user's folders and lists included), its problems and the
/// detections that wait for a list said on stderr.
pub(super) fn library_detections() -> Vec<Detection> {
    let catalog = Catalog::load_with_lists(
        default_user_dir().as_deref(),
        lists::default_dir().as_deref(),
    );
    for p in &catalog.problems {
        eprintln!("kaudit: {}", sanitize(&p.to_string()));
    }
    // A detection that tests a list the site has not written finds nothing, and says why
    // (one too long for CloudWatch is among the problems above): in one line when several
    // wait, as they all do before any list is written.
    let waiting: Vec<_> = catalog
        .waiting()
        .iter()
        .filter(|w| w.query.severity.is_some() && matches!(w.why, WaitingFor::Lists(_)))
        .collect();
    match waiting.as_slice() {
        [] => {}
        [one] => eprintln!("kaudit: {}", sanitize(&one.to_string())),
        several => {
            let names: Vec<String> = several
                .iter()
                .map(|w| sanitize(&w.query.name).into_owned())
                .collect();
            let folder = lists::default_dir()
                .map_or("the lists folder".to_string(), |d| d.display().to_string());
            eprintln!(
                "kaudit: {} off until their lists are written in {} ({}; see docs/lists.md)",
                match several.len() {
                    1 => "1 detection is".to_string(),
                    n => format!("{n} detections are"),
                },
                sanitize(&folder),
                names.join(", ")
            );
        }
    }
    Detection::all_of(&catalog)
}

pub fn run(args: &DetectArgs) -> Result<Outcome> {
    let detections = library_detections();
    if args.cloud.is_set()
        && (args.source.demo || !args.source.paths.is_empty() || !args.source.file.is_empty())
    {
        return Err(super::usage::usage(
            "--cluster and --log-group read CloudWatch Logs: give them or files (or --demo), not both",
        ));
    }
    let findings = findings(args, &detections)?;
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
    eprintln!(
        "{fired} of {} fired",
        crate::text::count(findings.len(), "detection")
    );
    Ok(if fired > 0 {
        Outcome::Exit(FIRED)
    } else {
        Outcome::Success
    })
}
