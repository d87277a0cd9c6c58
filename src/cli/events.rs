//! `kaudit events`: the events of a source as a table, JSON or JSON lines.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::output::to_stdout;
use super::source_args::SourceArgs;
use super::table::{Row, TableWriter, row};
use super::time_args::{TimeArgs, TimeRange};
use super::{Outcome, problems};
use crate::audit::Depth;
use crate::audit::decode::decode_event;
use crate::audit::json::compact;
use crate::engine::local::{LocalSource, TimeSpan};
use crate::engine::{Event, Report, SharedStore};
use crate::store::FilterSet;
use crate::text::{json_escape_unsafe, sanitize};

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

    /// Prints the event whose text is `raw` if its time is in the range; false once the limit
    /// is reached.
    fn offer(&mut self, time_ms: Option<i64>, raw: &[u8], cut: bool) -> io::Result<bool> {
        self.span.add(time_ms);
        if self.range.contains(time_ms) {
            self.print(time_ms, raw, cut)?;
        }
        Ok(!self.full())
    }

    fn print(&mut self, time_ms: Option<i64>, raw: &[u8], cut: bool) -> io::Result<()> {
        match self.form {
            EventsOutput::Table => {
                // The text was read as an event when it was loaded; read again for its columns.
                let Ok(event) = decode_event(raw, Depth::Table) else {
                    return Ok(());
                };
                let r: Row = row(&event, time_ms);
                self.table.push(self.out, r)?;
            }
            EventsOutput::Json => {
                self.out
                    .write_all(if self.printed == 0 { b"[\n" } else { b",\n" })?;
                write_event_json(self.out, raw, cut)?;
            }
            EventsOutput::Jsonl => {
                write_event_json(self.out, raw, cut)?;
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
fn write_event_json(out: &mut dyn Write, raw: &[u8], cut: bool) -> io::Result<()> {
    let message = String::from_utf8_lossy(raw);
    if cut {
        let wrapped = serde_json::json!({"@truncated": true, "@message": message});
        return out.write_all(json_escape_unsafe(&wrapped.to_string()).as_bytes());
    }
    let one_line = if message.contains(['\n', '\r']) {
        Cow::Owned(compact(&message))
    } else {
        Cow::Borrowed(message.trim_end())
    };
    // Raw controls inside its strings (which JSON forbids) would reach the terminal.
    out.write_all(json_escape_unsafe(&one_line).as_bytes())
}

pub fn run(args: &EventsArgs) -> Result<Outcome> {
    let range = args.time.resolve(jiff::Timestamp::now().as_millisecond())?;
    let source = args.source.local(args.follow)?;
    if args.follow && !source.all_files() {
        bail!(super::UsageError(
            "--follow reads files: give the paths of the files to follow".into()
        ));
    }
    // An input that cannot be read is said at once and fails the command; the others are read.
    let failed = Arc::new(AtomicBool::new(false));
    let report = {
        let failed = failed.clone();
        Report::new(move |event| {
            if let Event::Failed(text) = event {
                eprintln!("kaudit: {}", sanitize(&text));
                failed.store(true, Ordering::Relaxed);
            }
            true
        })
    };
    // Every input is read before the first line is printed: several files or streams are one
    // timeline, merged by @timestamp (ties in the order the inputs were given).
    let store = SharedStore::default();
    source.load_now(&store, &report);
    let Ok(store) = store.read() else {
        bail!("the events could not be read");
    };
    problems::summarize(store.problems());
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
        if let Some((first, last)) = store.time_span() {
            printer.span.add(Some(first));
            printer.span.add(Some(last));
        }
        for row in store.filter(&FilterSet::default()) {
            let time = store.time_ms(row);
            if !printer.offer(time, store.raw(row), store.truncated(row))? {
                break;
            }
        }
        if args.follow && !printer.full() {
            follow(&source, &report, &mut printer)?;
        }
        if range.is_bounded()
            && printer.printed == 0
            && let Some(line) = printer.span.explanation()
        {
            eprintln!("kaudit: {line}");
        }
        printer.finish()
    })?;
    Ok(if failed.load(Ordering::Relaxed) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// Keeps reading the files from where loading stopped, until the limit or Ctrl-C. Each round's
/// events, from every file, are printed in time order.
fn follow(source: &LocalSource, report: &Report, printer: &mut Printer<'_>) -> io::Result<()> {
    let mut failed = None;
    let never = AtomicBool::new(false);
    source.follow_now(Depth::Table, report, &never, |round| {
        problems::summarize(&round.reports);
        let printed = (|| {
            for e in &round.events {
                if !printer.offer(e.time_ms, &e.raw, e.truncated)? {
                    return Ok(false);
                }
            }
            printer.table.flush(printer.out)?;
            printer.out.flush()?;
            Ok(true)
        })();
        match printed {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => ControlFlow::Break(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    failed.map_or(Ok(()), Err)
}
