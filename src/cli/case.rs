//! `kaudit case`: the cases of the data folder, their journals, and events added to them from
//! scripts.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

use super::Outcome;
use super::case_add;
use super::output::to_stdout;
use super::table::TableWriter;
use super::usage::usage;
use crate::case::{self, Case, CaseError, Entry, EventRef, What};
use crate::text::sanitize;

#[derive(Debug, Args)]
pub struct CaseArgs {
    #[command(subcommand)]
    command: CaseCommand,
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// The cases: events marked, notes, queries, findings opened, and when each last changed.
    List,
    /// A case's journal: what was marked, noted and asked, when, and by whom.
    Show {
        name: String,
        /// A table, or the journal's entries as JSON lines.
        #[arg(long, short = 'o', value_enum, default_value_t)]
        output: ShowOutput,
    },
    /// Add a note to a case (made if it is new).
    Note { name: String, text: String },
    /// Mark the events a query finds (in files, or in CloudWatch with --cluster or --log-group)
    /// as evidence in a case (made if it is new): kept byte for byte, with a tag and a note, and
    /// the query recorded.
    Add(Box<case_add::AddArgs>),
    /// Write a case to one ZIP for the hand-over: the marked events as read, the journal, a
    /// report (HTML and Markdown) and a manifest of SHA-256 hashes.
    Export {
        name: String,
        /// The archive to write (a new file: an existing one is never replaced).
        #[arg(long, short = 'o', value_name = "FILE.zip")]
        output: PathBuf,
    },
    /// Recompute every hash of an exported case; exit 0 only when all hold.
    Verify { archive: PathBuf },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
enum ShowOutput {
    #[default]
    Table,
    Jsonl,
}

pub fn run(args: &CaseArgs) -> Result<Outcome> {
    let root = case::default_root()?;
    match &args.command {
        CaseCommand::List => list(&root),
        CaseCommand::Show { name, output } => show(&root, name, *output),
        CaseCommand::Note { name, text } => {
            let mut case = open_or_create(&root, name)?;
            case.record(What::Note { text: text.clone() })?;
            eprintln!("kaudit: noted in case {name}");
            Ok(Outcome::Success)
        }
        CaseCommand::Add(add_args) => case_add::add(&root, add_args),
        CaseCommand::Export { name, output } => export(&root, name, output),
        CaseCommand::Verify { archive } => verify(archive),
    }
}

fn export(root: &std::path::Path, name: &str, output: &std::path::Path) -> Result<Outcome> {
    let case = open_existing(root, name)?;
    let exported = case::archive::export(&case, output)?;
    println!(
        "{}: case {name}, {}\n  archive SHA-256:  {}\n  manifest SHA-256: {} (hand this over \
         apart from the archive)",
        sanitize(&exported.path.display().to_string()),
        crate::text::count(exported.events as u64, "event"),
        exported.sha256,
        exported.manifest_sha256
    );
    Ok(Outcome::Success)
}

fn verify(archive: &std::path::Path) -> Result<Outcome> {
    let verified = case::archive::verify(archive)?;
    let shown = sanitize(&archive.display().to_string()).into_owned();
    for problem in &verified.problems {
        println!("{shown}: {problem}");
    }
    if verified.problems.is_empty() {
        println!(
            "{shown}: verified: {} and {}, every hash holds",
            crate::text::count(verified.files as u64, "file"),
            crate::text::count(verified.events as u64, "event")
        );
        Ok(Outcome::Success)
    } else {
        eprintln!(
            "kaudit: {shown} does not verify: {}",
            crate::text::count(verified.problems.len() as u64, "problem")
        );
        Ok(Outcome::Failure)
    }
}

/// The case `name`, which must exist: a name that is not one is said with the nearest.
fn open_existing(root: &std::path::Path, name: &str) -> Result<Case> {
    case::check_name(name).map_err(|e| usage(e.to_string()))?;
    match Case::open(root, name) {
        Err(CaseError::NoSuchCase(_)) => {
            let names: Vec<String> = case::list(root)?.into_iter().map(|c| c.name).collect();
            let near = crate::text::suggest::nearest(name, names.iter().map(String::as_str))
                .map(|n| format!(": did you mean {n}?"))
                .unwrap_or_default();
            Err(usage(format!("no case named `{name}`{near}")))
        }
        other => Ok(other?),
    }
}

/// A name that cannot be a case is a usage mistake (exit 2), not a failure.
fn open_or_create(root: &std::path::Path, name: &str) -> Result<Case> {
    case::check_name(name).map_err(|e| usage(e.to_string()))?;
    Ok(Case::open_or_create(root, name)?)
}

fn list(root: &std::path::Path) -> Result<Outcome> {
    let cases = case::list(root)?;
    if cases.is_empty() {
        eprintln!(
            "kaudit: no cases yet in {} (kaudit case add NAME … or kaudit case note NAME TEXT \
             makes one)",
            sanitize(&root.display().to_string())
        );
        return Ok(Outcome::Success);
    }
    to_stdout(|out| {
        let mut table = TableWriter::new(
            [
                "case",
                "marked",
                "notes",
                "queries",
                "findings",
                "last change",
            ]
            .map(String::from)
            .to_vec(),
            vec![64, 7, 6, 8, 8, 24],
        );
        for c in &cases {
            let cells = [
                c.name.clone(),
                c.marked.to_string(),
                c.notes.to_string(),
                c.queries.to_string(),
                c.findings.to_string(),
                c.last.clone().unwrap_or_default(),
            ];
            table.push(out, safe(cells))?;
        }
        table.flush(out)
    })?;
    for c in cases.iter().filter(|c| c.bad_lines > 0) {
        eprintln!(
            "kaudit: case {}: {} of its journal cannot be read (kaudit case show {} says which)",
            c.name,
            crate::text::count(c.bad_lines as u64, "line"),
            c.name
        );
    }
    Ok(Outcome::Success)
}

fn show(root: &std::path::Path, name: &str, output: ShowOutput) -> Result<Outcome> {
    let case = open_existing(root, name)?;
    let read = case.read()?;
    match output {
        ShowOutput::Jsonl => to_stdout(|out| {
            for entry in &read.entries {
                serde_json::to_writer(&mut *out, entry)?;
                writeln!(out)?;
            }
            Ok(())
        })?,
        ShowOutput::Table => to_stdout(|out| {
            let mut table = TableWriter::new(
                ["time", "user", "what", "detail"]
                    .map(String::from)
                    .to_vec(),
                vec![24, 16, 8, 160],
            );
            for entry in &read.entries {
                let cells = [
                    entry.at.clone(),
                    entry.user.clone(),
                    kind(entry).to_string(),
                    detail(entry),
                ];
                table.push(out, safe(cells))?;
            }
            table.flush(out)
        })?,
    }
    for bad in &read.bad {
        eprintln!(
            "kaudit: {}:{}:{}: {}",
            sanitize(&case.dir().join(case::JOURNAL).display().to_string()),
            bad.line,
            bad.column,
            sanitize(&bad.message)
        );
    }
    Ok(if read.bad.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// Cells as the table writer takes them: nothing from a journal (log text, notes) reaches the
/// terminal as a control character.
fn safe<const N: usize>(cells: [String; N]) -> Vec<String> {
    cells.iter().map(|c| sanitize(c).into_owned()).collect()
}

fn kind(entry: &Entry) -> &'static str {
    match entry.what {
        What::Created => "created",
        What::Marked { .. } => "marked",
        What::Unmarked { .. } => "unmarked",
        What::Note { .. } => "note",
        What::Query(_) => "query",
        What::FindingOpened(_) => "finding",
    }
}

/// One line on what an entry says.
fn detail(entry: &Entry) -> String {
    let event = |e: &EventRef| {
        let id = e.audit_id.as_deref().or(e.ptr.as_deref()).unwrap_or("?");
        match &e.time {
            Some(t) => format!("{id} at {t}"),
            None => id.to_string(),
        }
    };
    match &entry.what {
        What::Created => String::new(),
        What::Marked {
            event: e,
            tag,
            note,
            ..
        } => match note {
            Some(note) => format!("[{tag}] {} — {note}", event(e)),
            None => format!("[{tag}] {}", event(e)),
        },
        What::Unmarked { event: e } => event(e),
        What::Note { text } => text.clone(),
        What::Query(q) => format!(
            "{} ({}; {}, {})",
            q.text,
            q.range_shown(),
            crate::text::count(q.records_scanned, "record"),
            crate::text::count(q.rows, "row")
        ),
        What::FindingOpened(f) => format!(
            "{} [{}] ({} over {})",
            f.detection,
            f.severity,
            crate::text::count(f.hits, "hit"),
            f.range_shown()
        ),
    }
}
