//! `kaudit events`: the events of a source as a table, JSON or JSON lines.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::output::to_stdout;
use super::source_args::SourceArgs;
use super::table::{Row, TableWriter, row};
use super::time_args::{TimeArgs, TimeRange};
use super::{Outcome, problems};
use crate::audit::Detail;
use crate::audit::formats::AuditRecord;
use crate::audit::json::compact;
use crate::audit::time::format_millis_utc;
use crate::source::local::{self, Follower, InputSpec};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum EventsOutput {
    /// Aligned columns: time, user, source IP, verb, resource, namespace/name, code, decision.
    #[default]
    Table,
    /// A JSON array of the original events.
    Json,
    /// The original events, one per line.
    Jsonl,
}

#[derive(Debug, Clone, Default, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub time: TimeArgs,
    /// How to print the events.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: EventsOutput,
    /// Stop after this many events.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
    /// Keep reading the files as they grow (log rotation is followed); Ctrl-C ends.
    #[arg(long)]
    pub follow: bool,
}

impl EventsArgs {
    pub fn with_source(source: SourceArgs) -> Self {
        EventsArgs {
            source,
            ..EventsArgs::default()
        }
    }
}

/// Where printed events go, in the chosen form.
struct Printer<'w> {
    out: &'w mut dyn Write,
    form: EventsOutput,
    table: TableWriter,
    printed: u64,
    limit: u64,
    range: TimeRange,
    /// What the inputs covered, to explain an empty range.
    span: TimeSpan,
}

impl Printer<'_> {
    fn full(&self) -> bool {
        self.printed >= self.limit
    }

    /// Prints `rec` if it is in the time range; stops the scan at the limit or on a write error
    /// (kept in `failed`).
    fn offer(&mut self, rec: &AuditRecord<'_>, failed: &mut Option<io::Error>) -> ControlFlow<()> {
        self.span.add(rec.system.timestamp_ms);
        if !self.range.contains(rec.system.timestamp_ms) {
            return ControlFlow::Continue(());
        }
        if let Err(e) = self.print(rec) {
            *failed = Some(e);
            return ControlFlow::Break(());
        }
        if self.full() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn print(&mut self, rec: &AuditRecord<'_>) -> io::Result<()> {
        match self.form {
            EventsOutput::Table => {
                let r: Row = row(&rec.event, rec.system.timestamp_ms);
                self.table.push(self.out, r)?;
            }
            EventsOutput::Json => {
                self.out
                    .write_all(if self.printed == 0 { b"[\n" } else { b",\n" })?;
                write_event_json(self.out, rec)?;
            }
            EventsOutput::Jsonl => {
                write_event_json(self.out, rec)?;
                self.out.write_all(b"\n")?;
            }
        }
        self.printed += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.form {
            EventsOutput::Table => self.table.flush(self.out),
            EventsOutput::Json if self.printed == 0 => self.out.write_all(b"[]\n"),
            EventsOutput::Json => self.out.write_all(b"\n]\n"),
            EventsOutput::Jsonl => Ok(()),
        }?;
        self.out.flush()
    }
}

/// The original event, byte for byte where it is one line of valid JSON. A pretty-printed event
/// loses only its line breaks (so each stays on one line); a cut event, no longer valid JSON,
/// is wrapped as `{"@truncated":true,"@message":"…"}` so the output stays parseable.
fn write_event_json(out: &mut dyn Write, rec: &AuditRecord<'_>) -> io::Result<()> {
    let message = String::from_utf8_lossy(rec.message);
    if rec.event.truncated {
        let wrapped = serde_json::json!({"@truncated": true, "@message": message});
        return write!(out, "{wrapped}");
    }
    if message.contains(['\n', '\r']) {
        return out.write_all(compact(&message).as_bytes());
    }
    out.write_all(message.trim_end().as_bytes())
}

pub fn run(args: &EventsArgs) -> Result<Outcome> {
    let range = args.time.resolve(jiff::Timestamp::now().as_millisecond())?;
    let inputs = args.source.inputs()?;
    if args.follow && inputs.iter().any(|i| !matches!(i, InputSpec::Path(_))) {
        bail!("--follow reads files: give the paths of the files to follow");
    }
    let mut reports = Vec::new();
    let mut outcome = Outcome::Success;
    let mut printed = 0;
    to_stdout(|out| {
        let mut printer = Printer {
            out,
            form: args.output,
            table: TableWriter::default(),
            printed: 0,
            limit: args.limit.unwrap_or(u64::MAX),
            range,
            span: TimeSpan::default(),
        };
        if args.follow {
            follow(&inputs, &mut printer)?;
        } else {
            for spec in &inputs {
                if printer.full() {
                    break;
                }
                match local::open(spec) {
                    Ok(input) => {
                        let mut failed = None;
                        let report =
                            input.scan(Detail::Table, |rec| printer.offer(rec, &mut failed));
                        reports.push(report);
                        if let Some(e) = failed {
                            return Err(e);
                        }
                    }
                    Err(e) => {
                        eprintln!("kaudit: {}", crate::text::sanitize(&e.to_string()));
                        outcome = Outcome::Failure;
                    }
                }
            }
        }
        printed = printer.printed;
        if range.is_bounded() && printed == 0 {
            printer.span.explain_empty_range();
        }
        printer.finish()
    })?;
    problems::summarize(&reports);
    Ok(outcome)
}

/// Reads the files from their start and keeps reading as they grow, until the limit or Ctrl-C.
fn follow(inputs: &[InputSpec], printer: &mut Printer<'_>) -> io::Result<()> {
    let mut followers = Vec::new();
    for spec in inputs {
        if let InputSpec::Path(path) = spec {
            followers.push(Follower::from_start(path)?);
        }
    }
    loop {
        let mut failed = None;
        for f in &mut followers {
            let report = f.poll(Detail::Table, |rec| printer.offer(rec, &mut failed))?;
            problems::summarize(&[report]);
            if let Some(e) = failed {
                return Err(e);
            }
        }
        if printer.full() {
            return Ok(());
        }
        printer.table.flush(printer.out)?;
        printer.out.flush()?;
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The time span the inputs covered, to explain an empty result.
#[derive(Default)]
struct TimeSpan {
    first: Option<i64>,
    last: Option<i64>,
}

impl TimeSpan {
    fn add(&mut self, ms: Option<i64>) {
        if let Some(ms) = ms {
            self.first = Some(self.first.map_or(ms, |f| f.min(ms)));
            self.last = Some(self.last.map_or(ms, |l| l.max(ms)));
        }
    }

    /// A time range that matched nothing is most often a range that misses the input (an old
    /// export read with `--since`): say where the input lies.
    fn explain_empty_range(&self) {
        if let (Some(first), Some(last)) = (self.first, self.last) {
            eprintln!(
                "kaudit: no event in the time range; the input spans {} to {} (use --start/--end)",
                format_millis_utc(first * 1000),
                format_millis_utc(last * 1000)
            );
        }
    }
}
