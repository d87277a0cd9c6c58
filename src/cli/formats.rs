//! `kaudit formats`: what each input holds, and every record that could not be read, however
//! many.

use std::io::{self, Write};
use std::ops::ControlFlow;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::Outcome;
use super::output::to_stdout;
use super::source_args::SourceArgs;
use crate::audit::Depth;
use crate::audit::formats::{Problem, ProblemKind, ScanReport};
use crate::engine::local::{self, LocalInput};
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
    let mut outcome = Outcome::Success;
    let specs = args.source.inputs()?;
    to_stdout(|out| {
        let mut listing = Listing {
            out,
            form: args.output,
            inputs: 0,
            unreadable_files: 0,
            total: ScanReport::default(),
        };
        // One input at a time, each read again only to list problems past those its report
        // kept: every problem is listed, and no more than one input is held.
        for spec in &specs {
            match local::open(spec) {
                Ok(input) => listing.input(&input)?,
                Err(e) => {
                    eprintln!("kaudit: {}", sanitize(&e.to_string()));
                    outcome = Outcome::Failure;
                }
            }
        }
        listing.finish()
    })?;
    Ok(outcome)
}

/// The report being written, input by input.
struct Listing<'w> {
    out: &'w mut dyn Write,
    form: FormatsOutput,
    inputs: usize,
    unreadable_files: usize,
    /// The counts over every input.
    total: ScanReport,
}

impl Listing<'_> {
    fn input(&mut self, input: &LocalInput) -> io::Result<()> {
        let report = input.scan(Depth::Table, |_| ControlFlow::Continue(()));
        match self.form {
            FormatsOutput::Text => {
                writeln!(self.out, "{}", sanitize(&report.to_string()))?;
                // A whole input that is not audit data is said on its summary line already.
                self.problems(input, &report, |out, p| {
                    if p.kind == ProblemKind::NotAuditData {
                        return Ok(());
                    }
                    writeln!(out, "  {}", sanitize(&p.to_string()))
                })?;
            }
            FormatsOutput::Json => {
                self.out
                    .write_all(if self.inputs == 0 { b"[\n" } else { b",\n" })?;
                let head = serde_json::to_string_pretty(&report_json(&report))
                    .map_err(io::Error::other)?;
                // The problems go last, written as they are found.
                let head = head.strip_suffix("\n}").unwrap_or(&head);
                write!(self.out, "{head},\n  \"problems\": [")?;
                let mut first = true;
                self.problems(input, &report, |out, p| {
                    out.write_all(if first { b"\n    " } else { b",\n    " })?;
                    first = false;
                    serde_json::to_writer(&mut *out, &problem_json(p)).map_err(io::Error::other)
                })?;
                self.out
                    .write_all(if first { b"]\n}" } else { b"\n  ]\n}" })?;
            }
        }
        self.inputs += 1;
        self.unreadable_files += usize::from(report.not_audit_data.is_some());
        self.total.absorb(ScanReport {
            name: String::new(),
            problems: Vec::new(),
            not_audit_data: None,
            ..report
        });
        Ok(())
    }

    /// Every problem of `input` to `write`: those its report kept when it kept them all, else
    /// all of them as the input is read again.
    fn problems(
        &mut self,
        input: &LocalInput,
        report: &ScanReport,
        mut write: impl FnMut(&mut dyn Write, &Problem) -> io::Result<()>,
    ) -> io::Result<()> {
        if report.problems.len() as u64 >= report.problem_count() {
            for p in &report.problems {
                write(self.out, p)?;
            }
            return Ok(());
        }
        let mut written = Ok(());
        input.list_problems(Depth::Table, &mut |p| {
            if written.is_ok() {
                written = write(self.out, p);
            }
        });
        written
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.form {
            FormatsOutput::Json if self.inputs == 0 => self.out.write_all(b"[]\n"),
            FormatsOutput::Json => self.out.write_all(b"\n]\n"),
            FormatsOutput::Text if self.inputs > 1 => {
                self.total.name = crate::text::count(self.inputs, "input");
                write!(self.out, "{}", sanitize(&self.total.to_string()))?;
                if self.unreadable_files > 0 {
                    write!(self.out, "; {} not audit data", self.unreadable_files)?;
                }
                writeln!(self.out)
            }
            FormatsOutput::Text => Ok(()),
        }
    }
}

fn problem_json(p: &Problem) -> Value {
    json!({"line": p.line, "column": p.column, "offset": p.offset,
           "kind": p.kind.to_string(), "message": p.message})
}

fn report_json(r: &ScanReport) -> Value {
    let formats: serde_json::Map<String, Value> = r
        .formats
        .iter()
        .map(|(f, n)| (f.id().to_string(), json!(n)))
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
    })
}
