//! Cases: the evidence of one investigation, kept as it is gathered, for the hand-over.
//!
//! A case is a folder of the data folder (`$XDG_DATA_HOME/kaudit/cases/NAME/`, else
//! `~/.local/share/kaudit/cases/NAME/`), readable by its owner only (0700, its files 0600): audit
//! events hold secrets. It holds [`journal`]: every mark (the event's bytes as read, a tag and a
//! note), note, query run and finding opened, each with its time and the operating-system user,
//! appended and synced as it happens. What a case holds now is what its journal says: marks
//! taken back are gone from [`Case::marks`], never from the journal.

pub mod archive;
pub mod journal;
pub mod marking;
pub mod report;

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use journal::{BadLine, Entry, EventRef, FindingOpened, Original, QueryRun, What};

/// The journal's file name in a case folder.
pub const JOURNAL: &str = "journal.jsonl";

/// The tags kaudit offers; an analyst may use a word of their own.
pub const TAGS: [&str; 3] = ["attacker", "benign", "unsure"];

#[derive(Debug, Error)]
pub enum CaseError {
    #[error(
        "`{0}` cannot name a case: use letters, digits, `-`, `_` and `.` (at most 64, not starting \
         with `.`)"
    )]
    BadName(String),
    #[error(
        "`{0}` cannot be a tag: a word or two of letters, digits, `-`, `_`, `.`, `:` or spaces \
         (at most 40), such as attacker, benign or unsure"
    )]
    BadTag(String),
    #[error("no case named `{0}` (kaudit case list shows the cases)")]
    NoSuchCase(String),
    #[error(
        "no folder for cases: set XDG_DATA_HOME or HOME (cases live in \
         $XDG_DATA_HOME/kaudit/cases)"
    )]
    NoDataFolder,
    /// The error is said in the message, not as a cause (which would say it twice).
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
}

pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> CaseError + '_ {
    move |error| CaseError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// The folder cases live in: `$XDG_DATA_HOME/kaudit/cases`, else
/// `$HOME/.local/share/kaudit/cases`.
pub fn default_root() -> Result<PathBuf, CaseError> {
    root_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
        .ok_or(CaseError::NoDataFolder)
}

fn root_from(
    xdg_data_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    let data = xdg_data_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(data.join("kaudit").join("cases"))
}

/// Whether `name` can name a case: it becomes a folder name, so no separators, no `..`.
pub fn check_name(name: &str) -> Result<(), CaseError> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fine {
        Ok(())
    } else {
        Err(CaseError::BadName(crate::text::sanitize(name).into_owned()))
    }
}

/// `tag` as it is kept (trimmed, the offered tags in lower case), or why it cannot be one.
pub fn check_tag(tag: &str) -> Result<String, CaseError> {
    let tag = tag.trim();
    let fine = !tag.is_empty()
        && tag.chars().count() <= 40
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ' '));
    if !fine {
        return Err(CaseError::BadTag(crate::text::sanitize(tag).into_owned()));
    }
    Ok(match TAGS.iter().find(|t| t.eq_ignore_ascii_case(tag)) {
        Some(offered) => offered.to_string(),
        None => tag.to_string(),
    })
}

/// An open case: its folder and its journal, appended to as the analyst works.
#[derive(Debug)]
pub struct Case {
    name: String,
    dir: PathBuf,
    journal: journal::Journal,
}

impl Case {
    /// Opens the case `name` under `root`, making it (and `root`) if it does not exist yet.
    pub fn open_or_create(root: &Path, name: &str) -> Result<Case, CaseError> {
        check_name(name)?;
        let dir = root.join(name);
        let new = !dir.join(JOURNAL).exists();
        private_dir(&dir)?;
        let mut case = Case::at(name, dir)?;
        if new {
            case.record(What::Created)?;
        }
        Ok(case)
    }

    /// Opens the case `name` under `root`, which must exist.
    pub fn open(root: &Path, name: &str) -> Result<Case, CaseError> {
        check_name(name)?;
        let dir = root.join(name);
        if !dir.join(JOURNAL).is_file() {
            return Err(CaseError::NoSuchCase(name.to_string()));
        }
        Case::at(name, dir)
    }

    fn at(name: &str, dir: PathBuf) -> Result<Case, CaseError> {
        let path = dir.join(JOURNAL);
        // A journal that is a device or a pipe would be read without end.
        if let Ok(meta) = std::fs::metadata(&path)
            && !meta.is_file()
        {
            let error = io::Error::other("not a regular file: a journal is one");
            return Err(io_at(&path)(error));
        }
        let journal = journal::Journal::open(&path).map_err(io_at(&path))?;
        Ok(Case {
            name: name.to_string(),
            dir,
            journal,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends `what`, now and as the current user, synced to disk before it returns.
    pub fn record(&mut self, what: What) -> Result<Entry, CaseError> {
        let entry = Entry {
            at: now(),
            user: os_user(),
            what,
        };
        self.journal
            .append(&entry)
            .map_err(io_at(self.journal.path()))?;
        Ok(entry)
    }

    /// Everything the journal holds, and the lines it could not read.
    pub fn read(&self) -> Result<journal::Read, CaseError> {
        journal::read(self.journal.path()).map_err(io_at(self.journal.path()))
    }
}

/// The events a journal's entries leave marked, in the order they were first marked; a mark
/// made again replaces the earlier one's tag and note.
pub fn marks(entries: &[Entry]) -> Vec<&Entry> {
    let mut marked: Vec<&Entry> = Vec::new();
    for entry in entries {
        match &entry.what {
            What::Marked { event, .. } => match marked
                .iter_mut()
                .find(|m| event_of(m).is_some_and(|e| e.same_event(event)))
            {
                Some(earlier) => *earlier = entry,
                None => marked.push(entry),
            },
            What::Unmarked { event } => {
                marked.retain(|m| !event_of(m).is_some_and(|e| e.same_event(event)))
            }
            _ => {}
        }
    }
    marked
}

fn event_of(entry: &Entry) -> Option<&EventRef> {
    match &entry.what {
        What::Marked { event, .. } | What::Unmarked { event } => Some(event),
        _ => None,
    }
}

/// One case, as `kaudit case list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub name: String,
    pub marked: usize,
    pub notes: usize,
    pub queries: usize,
    /// Findings opened, each time one was (as the report lists them).
    pub findings: usize,
    /// When the last entry was written.
    pub last: Option<String>,
    /// Lines of its journal that could not be read.
    pub bad_lines: usize,
}

/// Every case under `root`, by name; none when `root` does not exist yet.
pub fn list(root: &Path) -> Result<Vec<Summary>, CaseError> {
    let dirs = match std::fs::read_dir(root) {
        Ok(dirs) => dirs,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_at(root)(e)),
    };
    let mut cases = Vec::new();
    for dir in dirs {
        let dir = dir.map_err(io_at(root))?;
        let name = dir.file_name().to_string_lossy().into_owned();
        let path = dir.path().join(JOURNAL);
        if check_name(&name).is_err() || !path.is_file() {
            continue;
        }
        let read = journal::read(&path).map_err(io_at(&path))?;
        let count = |f: fn(&What) -> bool| read.entries.iter().filter(|e| f(&e.what)).count();
        cases.push(Summary {
            marked: marks(&read.entries).len(),
            notes: count(|w| matches!(w, What::Note { .. })),
            queries: count(|w| matches!(w, What::Query(_))),
            findings: count(|w| matches!(w, What::FindingOpened(_))),
            last: read.entries.last().map(|e| e.at.clone()),
            bad_lines: read.bad.len(),
            name,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// Makes `dir` and its missing parents, each readable by its owner only; an existing folder is
/// narrowed to its owner too.
fn private_dir(dir: &Path) -> Result<(), CaseError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_at(dir))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_at(dir))
}

/// `FROM..TO` in UTC, an open end left empty; empty for all time.
pub fn range_text(range: crate::audit::time::TimeRange) -> String {
    if range.start_ms.is_none() && range.end_ms.is_none() {
        return String::new();
    }
    let end = |ms: Option<i64>| {
        ms.map(|ms| crate::audit::time::format_millis_utc(ms * 1000))
            .unwrap_or_default()
    };
    format!("{}..{}", end(range.start_ms), end(range.end_ms))
}

/// Now, in UTC, to the millisecond.
pub(crate) fn now() -> String {
    crate::audit::time::format_millis_utc(jiff::Timestamp::now().as_microsecond())
}

/// Who is running kaudit: `$USER` (or `$LOGNAME`), else the user id.
pub(crate) fn os_user() -> String {
    use std::os::unix::fs::MetadataExt;
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|u| u.to_string_lossy().into_owned())
        .find(|u| !u.is_empty())
        .or_else(|| {
            std::fs::metadata("/proc/self")
                .ok()
                .map(|m| format!("uid {}", m.uid()))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;
