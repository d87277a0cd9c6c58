//! `kaudit formats`: what each input holds, and every record that could not be read.

use std::io::Write;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::Outcome;
use super::output::to_stdout;
use super::source_args::SourceArgs;
use crate::audit::Detail;
use crate::audit::formats::{ProblemKind, ScanReport};
use crate::source::local;
use crate::text::sanitize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum FormatsOutput {
    /// A summary line per input, then its problems with positions.
    #[default]
    Text,
    /// One JSON object per input, in an array.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct FormatsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// How to print the report.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: FormatsOutput,
}

pub fn run(args: &FormatsArgs) -> Result<Outcome> {
    let mut reports = Vec::new();
    let mut outcome = Outcome::Success;
    for spec in args.source.inputs()? {
        match local::open(&spec) {
            Ok(input) => {
                reports.push(input.scan(Detail::Table, |_| std::ops::ControlFlow::Continue(())))
            }
            Err(e) => {
                eprintln!("kaudit: {}", sanitize(&e.to_string()));
                outcome = Outcome::Failure;
            }
        }
    }
    to_stdout(|out| match args.output {
        FormatsOutput::Text => write_text(out, &reports),
        FormatsOutput::Json => {
            let all: Vec<Value> = reports.iter().map(report_json).collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
            writeln!(out)
        }
    })?;
    Ok(outcome)
}

fn write_text(out: &mut dyn Write, reports: &[ScanReport]) -> std::io::Result<()> {
    let mut total = ScanReport::default();
    for report in reports {
        writeln!(out, "{}", sanitize(&report.to_string()))?;
        // A whole input that is not audit data is said on its summary line already.
        for p in report
            .problems
            .iter()
            .filter(|p| p.kind != ProblemKind::NotAuditData)
        {
            writeln!(out, "  {}", sanitize(&p.to_string()))?;
        }
        let more = report
            .problem_count()
            .saturating_sub(report.problems.len() as u64);
        if more > 0 {
            writeln!(
                out,
                "  … and {more} more problems of the kinds counted above"
            )?;
        }
        total.absorb(ScanReport {
            name: String::new(),
            problems: Vec::new(),
            not_audit_data: None,
            ..report.clone()
        });
    }
    if reports.len() > 1 {
        let unreadable_files = reports
            .iter()
            .filter(|r| r.not_audit_data.is_some())
            .count();
        total.name = format!("{} inputs", reports.len());
        write!(out, "{}", sanitize(&total.to_string()))?;
        if unreadable_files > 0 {
            write!(out, "; {unreadable_files} not audit data")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn report_json(r: &ScanReport) -> Value {
    let formats: serde_json::Map<String, Value> = r
        .formats
        .iter()
        .map(|(f, n)| (f.id().to_string(), json!(n)))
        .collect();
    let problems: Vec<Value> = r
        .problems
        .iter()
        .map(|p| {
            json!({"line": p.line, "column": p.column, "offset": p.offset,
                   "kind": p.kind.to_string(), "message": p.message})
        })
        .collect();
    json!({
        "name": r.name,
        "bytes": r.bytes,
        "lines": r.lines,
        "formats": formats,
        "events": r.events,
        "truncated": r.truncated,
        "malformed": r.malformed,
        "not_audit_events": r.not_audit,
        "not_audit_shapes": r.not_audit_shapes,
        "control_messages": r.control_messages,
        "unreadable": r.unreadable,
        "not_audit_data": r.not_audit_data.map(|w| w.to_string()),
        "problems": problems,
    })
}
