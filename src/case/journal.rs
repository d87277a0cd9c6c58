//! A case's journal: what the analyst did, one JSON object a line, only ever appended to.
//!
//! Each entry is written whole in one write and synced to disk before [`Journal::append`]
//! returns, so an entry the caller was told of survives the process being killed (`kill -9`)
//! or the machine losing power. A kill in the middle of a write can leave at most the last line
//! cut short: reading says so, with its line and column, and keeps every entry before it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One thing the analyst did, when and as whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When, in UTC, to the millisecond (`2026-11-02T08:15:31.123Z`).
    pub at: String,
    /// The operating-system user who did it.
    pub user: String,
    #[serde(flatten)]
    pub what: What,
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// The case was made.
    Created,
    /// An event marked as evidence, kept byte for byte as it was read.
    Marked {
        event: EventRef,
        /// `attacker`, `benign`, `unsure`, or the analyst's own word.
        tag: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        original: Original,
    },
    /// A mark taken back.
    Unmarked { event: EventRef },
    /// A note on the case itself.
    Note { text: String },
    /// A query run while the case was open.
    Query(QueryRun),
    /// A detection's finding opened to review its hits.
    FindingOpened(FindingOpened),
}

/// A finding as it was opened: which detection, how serious, and how many hits over which range.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FindingOpened {
    /// The detection's name (its canned query's).
    pub detection: String,
    pub severity: String,
    /// Its hits among the events held, over `range`.
    pub hits: u64,
    /// As [`QueryRun::range`].
    pub range: String,
}

impl FindingOpened {
    /// The range as it is shown, in the words [`QueryRun::range_shown`] uses.
    pub fn range_shown(&self) -> &str {
        range_shown(&self.range)
    }
}

/// A query as it ran: what was asked, over what, and what it found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryRun {
    pub text: String,
    /// The time range asked for, as `FROM..TO` in UTC (either end may be open: `..`).
    pub range: String,
    /// The files read, or `demo`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The CloudWatch log groups queried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_groups: Vec<String>,
    pub records_scanned: u64,
    pub bytes_scanned: u64,
    pub rows: u64,
}

impl QueryRun {
    /// The range as it is shown: `all time` when none was asked.
    pub fn range_shown(&self) -> &str {
        range_shown(&self.range)
    }

    /// What it read: the files, then the log groups.
    pub fn read_from(&self) -> impl Iterator<Item = &String> {
        self.sources.iter().chain(&self.log_groups)
    }
}

/// `FROM..TO` as it is shown: `all time` when no range was asked.
fn range_shown(range: &str) -> &str {
    if range.is_empty() { "all time" } else { range }
}

/// Which event an entry is about: found again by its `auditID` and `@ptr` when the case is
/// reopened over the same sources; its time and source say what it was when they are gone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventRef {
    #[serde(rename = "auditID", default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
    #[serde(rename = "@ptr", default, skip_serializing_if = "Option::is_none")]
    pub ptr: Option<String>,
    /// The event's `@timestamp`, in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The file it was read from, or its CloudWatch log group (`GROUP:STREAM` when the stream
    /// is known: neither name can hold a colon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl EventRef {
    /// Whether two references name the same event: the same `@ptr` (the same place in the
    /// same source), or the same `auditID` at the same time (a copy of the log elsewhere; the
    /// time tells apart the entries GKE writes for one request, which share an id).
    pub fn same_event(&self, other: &EventRef) -> bool {
        if let (Some(a), Some(b)) = (&self.ptr, &other.ptr)
            && a == b
        {
            return true;
        }
        matches!((&self.audit_id, &other.audit_id), (Some(a), Some(b)) if a == b)
            && self.time == other.time
    }
}

/// An event's bytes as read: as text when they are UTF-8 (nearly always), else in hex, so that
/// they come back byte for byte either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Original {
    Text(String),
    Hex(String),
}

impl Original {
    pub fn of(bytes: &[u8]) -> Original {
        match std::str::from_utf8(bytes) {
            Ok(text) => Original::Text(text.to_string()),
            Err(_) => Original::Hex(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }

    /// The bytes back; `None` for hex that is not hex (a journal edited by hand).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Original::Text(text) => Some(text.as_bytes().to_vec()),
            Original::Hex(hex) => (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect(),
        }
    }
}

/// A line of the journal that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What reading a journal gave: every entry that could be read, in order, and every line that
/// could not.
#[derive(Debug, Default)]
pub struct Read {
    pub entries: Vec<Entry>,
    pub bad: Vec<BadLine>,
}

/// A journal file, open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates, readable by its owner only) the journal at `path`.
    pub fn open(path: &Path) -> io::Result<Journal> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        // A line cut short by a crash is ended, so that the next entry is a line of its own
        // rather than the end of a broken one.
        let len = file.metadata()?.len();
        if len > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                file.sync_data()?;
            }
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` and syncs it to disk: when this returns `Ok`, the entry is kept.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write: a reader never sees half of one entry followed by another.
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
}

/// Reads the journal at `path`; a missing file is an empty journal.
pub fn read(path: &Path) -> io::Result<Read> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(parse(&bytes))
}

/// The entries of a journal's bytes.
pub fn parse(bytes: &[u8]) -> Read {
    let mut read = Read::default();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => read.entries.push(entry),
            Err(e) => read.bad.push(BadLine {
                line: i + 1,
                column: e.column(),
                message: if e.is_eof() {
                    "cut short (the program was stopped while writing it?)".to_string()
                } else {
                    e.to_string()
                },
            }),
        }
    }
    read
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
