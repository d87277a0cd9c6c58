//! A query's answer printed: aligned columns, JSON, JSON lines or CSV, every cell made safe for
//! a terminal.

use std::io::{self, Write};

use clap::ValueEnum;

use super::output::to_stdout;
use super::table::TableWriter;
use crate::insights::exec::QueryResult;
use crate::insights::value::Value;
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

/// The result on standard output, in the chosen form.
pub fn print_result(result: &QueryResult, form: QueryOutput) -> io::Result<()> {
    to_stdout(|out| write_result(out, result, form))
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
