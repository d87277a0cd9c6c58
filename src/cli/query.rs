//! `kaudit query`: a Logs Insights query over local events.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::problems;
use super::source_args::SourceArgs;
use super::span;
use super::table::TableWriter;
use super::time_args::TimeArgs;
use super::usage::usage;
use crate::catalog::{Catalog, default_user_dir};
use crate::engine::{self, Target, compile, local::ReadOptions};
use crate::insights::diag::{Diagnostic, render_all};
use crate::insights::exec::QueryResult;
use crate::insights::value::Value;
use crate::source::local::{self, InputSpec};
use crate::text::{json_escape_unsafe, sanitize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum QueryOutput {
    /// Aligned columns.
    #[default]
    Table,
    /// A JSON array of objects, keys in column order.
    Json,
    /// One JSON object per row, keys in column order.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// Read the built-in demo incident (the default when no file is given).
    #[arg(long)]
    pub demo: bool,
    /// A file or folder to read (repeatable); `-` reads standard input.
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub file: Vec<PathBuf>,
    /// Files or folders to read, then the query (unless --query-file or --canned gives it).
    #[arg(value_name = "PATH… QUERY")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub time: TimeArgs,
    /// How to print the result.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: QueryOutput,
    /// Read the query from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "canned")]
    pub query_file: Option<PathBuf>,
    /// Run a query of the library by name (`queries/`, and the user's folder).
    #[arg(long, value_name = "NAME")]
    pub canned: Option<String>,
    #[command(flatten)]
    pub cloud: CloudArgs,
    /// A value for a `${NAME}` parameter of the query (repeatable): `--param user=alice`.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = crate::catalog::params::parse_assignment)]
    pub param: Vec<(String, String)>,
    /// In CloudWatch: the most rows to fetch when an answer of events is split past AWS's
    /// 10,000-row cap.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_rows: usize,
}

/// Exit status for a query that does not parse or check: the message went to stderr.
const QUERY_ERROR: u8 = 2;

pub fn run(args: &QueryArgs) -> Result<Outcome> {
    let mut positional = args.args.clone();
    let text = match (&args.query_file, &args.canned) {
        (Some(path), _) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the query file {}", path.display()))?,
        (None, Some(name)) => canned(name)?,
        (None, None) => positional
            .pop()
            .ok_or_else(|| usage("give a query, --query-file FILE or --canned NAME"))?,
    };
    let text = match crate::catalog::params::fill(&text, &args.param) {
        Ok(text) => text,
        Err(missing) => {
            eprintln!("kaudit: {missing}");
            return Ok(Outcome::Exit(QUERY_ERROR));
        }
    };
    if args.demo && !positional.is_empty() {
        return Err(usage(
            "--demo reads the demo incident: give either --demo or files, not both",
        ));
    }
    let source = SourceArgs {
        demo: args.demo,
        file: args.file.clone(),
        paths: positional.into_iter().map(PathBuf::from).collect(),
    };
    if args.cloud.is_set() {
        if args.demo || !source.paths.is_empty() || !args.file.is_empty() {
            return Err(usage(
                "--cluster and --log-group read CloudWatch Logs: give them or files (or --demo), not both",
            ));
        }
        // Checked as CloudWatch will run it: a mistake is caught before AWS bills a byte.
        let compiled = match compile(&text, Target::CloudWatch) {
            Ok(compiled) => compiled,
            Err(diagnostics) => return Ok(report_query_error(&text, &diagnostics)),
        };
        if !compiled.warnings().is_empty() {
            eprint!("{}", render_all(&text, compiled.warnings()));
        }
        return super::cloud_query::run(args, &compiled);
    }
    let mut compiled = match compile(&text, Target::Local) {
        Ok(compiled) => compiled,
        Err(diagnostics) => return Ok(report_query_error(&text, &diagnostics)),
    };
    let specs = source.inputs()?;
    compiled.across_inputs(specs.len());
    if !compiled.warnings().is_empty() {
        eprint!("{}", render_all(&text, compiled.warnings()));
    }
    let range = args.time.resolve(jiff::Timestamp::now().as_millisecond())?;
    let started = Instant::now();
    let mut outcome = Outcome::Success;
    // Standard input cannot be read twice: kept, in case the range matches nothing.
    let mut stdin = None;
    // Each input opened as it is read: a folder of gzip files is not held in memory at once.
    let opened = specs.iter().filter_map(|spec| match local::open(spec) {
        Ok(input) => {
            let input = std::sync::Arc::new(input);
            if matches!(spec, InputSpec::Stdin) {
                stdin = Some(input.clone());
            }
            Some(input)
        }
        Err(e) => {
            eprintln!("kaudit: {}", sanitize(&e.to_string()));
            outcome = Outcome::Failure;
            None
        }
    });
    let options = ReadOptions {
        watch_fields: true,
        ..ReadOptions::default()
    };
    let read = engine::local::read(&compiled, range, opened, &options)
        .map_err(|_| anyhow!("a reader thread failed"))?;
    let result = read.result;
    problems::summarize(&read.reports);
    if result.statistics.records_matched == 0 {
        span::explain_if_outside(&specs, stdin.as_deref(), range);
    }
    let absent = read.unseen;
    if !absent.is_empty() {
        eprint!("{}", render_all(&text, &absent));
    }
    if result.capped
        && let Some(w) = compiled.row_cap_warning()
    {
        eprint!("{}", render_all(&text, &[w]));
    }
    print_result(&result, args.output)?;
    let s = result.statistics;
    eprintln!(
        "records scanned: {}, matched: {}, bytes scanned: {}, rows: {}, elapsed: {:.3} s{}",
        s.records_scanned,
        s.records_matched,
        s.bytes_scanned,
        result.rows.len(),
        started.elapsed().as_secs_f64(),
        empty_answer_note(&result, &absent)
    );
    Ok(outcome)
}

/// For an answer with no rows that reads a field no event had: that field, on the summary
/// line, where a reader of "rows: 0" looks for why.
fn empty_answer_note(result: &QueryResult, absent: &[Diagnostic]) -> String {
    if !result.rows.is_empty() {
        return String::new();
    }
    let mut said: Vec<String> = Vec::new();
    for d in absent {
        let line = sanitize(&d.one_line()).into_owned();
        if !said.contains(&line) {
            said.push(line);
        }
    }
    if said.is_empty() {
        String::new()
    } else {
        format!(" — {}", said.join("; "))
    }
}

fn canned(name: &str) -> Result<String> {
    let catalog = Catalog::load(default_user_dir().as_deref());
    for p in &catalog.problems {
        eprintln!("kaudit: {}", sanitize(&p.to_string()));
    }
    match catalog.get(name) {
        Some(q) => Ok(q.text.clone()),
        None => {
            let names: Vec<&str> = catalog.names().collect();
            let near = crate::insights::suggest::nearest(name, names.iter().copied())
                .map(|n| format!("did you mean {n:?}? "))
                .unwrap_or_default();
            Err(usage(format!(
                "no canned query named {name:?}; {near}the library has: {}",
                names.join(", ")
            )))
        }
    }
}

/// The result on standard output, in the chosen form.
pub fn print_result(result: &QueryResult, form: QueryOutput) -> io::Result<()> {
    to_stdout(|out| write_result(out, result, form))
}

fn report_query_error(text: &str, diagnostics: &[Diagnostic]) -> Outcome {
    eprint!("{}", render_all(text, diagnostics));
    Outcome::Exit(QUERY_ERROR)
}

fn write_result(out: &mut dyn Write, result: &QueryResult, form: QueryOutput) -> io::Result<()> {
    match form {
        QueryOutput::Table => {
            let mut table = TableWriter::new(
                result
                    .columns
                    .iter()
                    .map(|c| sanitize(c).into_owned())
                    .collect(),
                result.columns.iter().map(|_| 120).collect(),
            );
            for row in &result.rows {
                let cells = row
                    .iter()
                    .map(|v| sanitize(&v.display()).into_owned())
                    .collect();
                table.push(out, cells)?;
            }
            table.flush(out)
        }
        QueryOutput::Json => {
            out.write_all(b"[")?;
            for (i, row) in result.rows.iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                write_object(out, &result.columns, row)?;
            }
            out.write_all(if result.rows.is_empty() {
                b"]\n"
            } else {
                b"\n]\n"
            })
        }
        QueryOutput::Jsonl => {
            for row in &result.rows {
                write_object(out, &result.columns, row)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        QueryOutput::Csv => {
            write_csv_line(out, result.columns.iter().map(|c| c.as_str().into()))?;
            for row in &result.rows {
                write_csv_line(out, row.iter().map(|v| v.display().into()))?;
            }
            Ok(())
        }
    }
}

/// `{"column": value, …}` with keys in column order (a map would sort them).
fn write_object(out: &mut dyn Write, columns: &[String], row: &[Value]) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (c, v)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let json = if v.is_missing() {
            serde_json::Value::Null
        } else {
            v.to_json()
        };
        // serde_json leaves DEL, C1 and bidi controls raw: escaped here, the same JSON.
        let pair = format!("{}:{json}", serde_json::Value::from(c.as_str()));
        out.write_all(json_escape_unsafe(&pair).as_bytes())?;
    }
    out.write_all(b"}")
}

/// One CSV record (RFC 4180 quoting). Control characters are escaped as everywhere else, so a
/// CSV shown on a terminal is as safe as the table.
fn write_csv_line<'a>(
    out: &mut dyn Write,
    cells: impl Iterator<Item = std::borrow::Cow<'a, str>>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = sanitize(&cell).into_owned();
        if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&cell);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}
