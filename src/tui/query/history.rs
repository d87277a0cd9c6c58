//! The queries run before, newest last, kept across runs in `<config>/kaudit/history.jsonl`.
//!
//! The component only keeps the list; [`load`] and [`save`] are the only I/O, for the runner to
//! call. Queries name users, roles and hosts under investigation, so the file is written
//! readable by its owner alone, and replaced whole (a temporary file renamed over it) so that a
//! crash mid-write never leaves half a history.

use std::collections::VecDeque;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many queries are kept.
pub const HISTORY_LIMIT: usize = 500;

/// A history file larger than this is not read: it is not one kaudit wrote.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Past queries and, while stepping through them, where the step is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// Oldest first.
    entries: VecDeque<String>,
    limit: usize,
    /// The entry shown while stepping back; `None` when editing fresh text.
    at: Option<usize>,
    /// The text being written before the first step back, given back after the last step on.
    draft: Option<String>,
}

impl Default for History {
    fn default() -> Self {
        History::new(HISTORY_LIMIT)
    }
}

impl History {
    pub fn new(limit: usize) -> History {
        History {
            entries: VecDeque::new(),
            limit: limit.max(1),
            at: None,
            draft: None,
        }
    }

    /// Adds a query run. Blank text and a repeat of the newest entry are not added. Ends any
    /// stepping. True when added.
    pub fn push(&mut self, text: &str) -> bool {
        self.at = None;
        self.draft = None;
        let text = text.trim_end();
        if text.trim().is_empty() || self.entries.back().is_some_and(|last| last == text) {
            return false;
        }
        self.entries.push_back(text.to_string());
        while self.entries.len() > self.limit {
            self.entries.pop_front();
        }
        true
    }

    /// Oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One step back; `current` is kept to come back to. `None` when there is nothing older.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let at = match self.at {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = Some(current.to_string());
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.at = Some(at);
        self.entries.get(at).map(String::as_str)
    }

    /// One step on; past the newest entry, the text that was being written. `None` when not
    /// stepping.
    pub fn newer(&mut self) -> Option<String> {
        let at = self.at?;
        if at + 1 < self.entries.len() {
            self.at = Some(at + 1);
            return self.entries.get(at + 1).cloned();
        }
        self.at = None;
        Some(self.draft.take().unwrap_or_default())
    }

    /// `(n, of)` while stepping, 1-based from the oldest, for a title.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.at.map(|i| (i + 1, self.entries.len()))
    }
}

/// `<config>/kaudit/history.jsonl`, beside the user query folder.
pub fn default_path() -> Option<PathBuf> {
    let queries = crate::catalog::default_user_dir()?;
    Some(queries.parent()?.join("history.jsonl"))
}

#[derive(Serialize, Deserialize)]
struct Line {
    text: String,
}

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot read the query history {}: {source}; move the file aside to start a new one", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the query history {} is larger than {} MiB; move it aside to start a new one", path.display(), MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge { path: PathBuf },
    #[error("cannot save the query history to {}: {source}; check the folder's permissions", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The history in `path`, and how many of its lines could not be read (they are skipped: one
/// bad line must not cost the rest). A missing file is an empty history.
pub fn load(path: &Path) -> Result<(History, usize), HistoryError> {
    let read_error = |source| HistoryError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((History::default(), 0)),
        Err(e) => return Err(read_error(e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(HistoryError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut history = History::default();
    let mut skipped = 0;
    for line in String::from_utf8_lossy(&bytes).lines() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(line) {
            Ok(entry) => {
                history.push(&entry.text);
            }
            Err(_) => skipped += 1,
        }
    }
    Ok((history, skipped))
}

/// Writes the history to `path`, owner-only, replacing the file whole. The folder is made
/// (owner-only) when missing.
pub fn save(path: &Path, history: &History) -> Result<(), HistoryError> {
    let write_error = |source| HistoryError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(write_error)?;

    let mut text = String::new();
    for entry in history.entries() {
        let line = serde_json::to_string(&Line {
            text: entry.to_string(),
        })
        .map_err(|e| write_error(e.into()))?;
        text.push_str(&line);
        text.push('\n');
    }
    crate::engine::private_file::replace(path, text.as_bytes()).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_and_blanks_are_not_kept_and_the_oldest_go_first() {
        let mut h = History::new(3);
        assert!(h.push("fields a"));
        assert!(!h.push("fields a  \n"));
        assert!(!h.push("  \n "));
        assert!(h.push("fields b"));
        assert!(h.push("fields a"));
        assert!(h.push("fields c"));
        assert_eq!(
            h.entries().collect::<Vec<_>>(),
            ["fields b", "fields a", "fields c"]
        );
        assert_eq!(History::default().limit, HISTORY_LIMIT);
    }

    #[test]
    fn stepping_back_and_on_gives_the_draft_back() {
        let mut h = History::default();
        assert_eq!(h.older("draft"), None);
        assert_eq!(h.newer(), None);
        h.push("one");
        h.push("two");
        assert_eq!(h.older("draft"), Some("two"));
        assert_eq!(h.position(), Some((2, 2)));
        assert_eq!(h.older("ignored"), Some("one"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.position(), Some((1, 2)));
        assert_eq!(h.newer().as_deref(), Some("two"));
        assert_eq!(h.newer().as_deref(), Some("draft"));
        assert_eq!(h.position(), None);
        assert_eq!(h.newer(), None);
        h.older("x");
        h.push("three");
        assert_eq!(h.position(), None);
    }

    #[test]
    fn saves_owner_only_and_loads_back_skipping_bad_lines() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("kaudit").join("history.jsonl");
        let mut h = History::default();
        h.push("filter user.username = \"priya\"\n| stats count(*) by verb");
        h.push("fields @timestamp # with \"quotes\" and \u{1b}");
        save(&path, &h).expect("saved");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("written").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = fs::metadata(path.parent().expect("a folder"))
                .expect("made")
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
        let (back, skipped) = load(&path).expect("loaded");
        assert_eq!(skipped, 0);
        assert_eq!(
            back.entries().collect::<Vec<_>>(),
            h.entries().collect::<Vec<_>>()
        );
        // Nothing but the file itself is left in the folder.
        let names: Vec<_> = fs::read_dir(path.parent().expect("a folder"))
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["history.jsonl"]);

        let mut text = fs::read_to_string(&path).expect("read");
        text.push_str("not json\n{\"other\": 1}\n\n{\"text\": \"fields z\"}\n");
        fs::write(&path, text).expect("written");
        let (back, skipped) = load(&path).expect("loaded");
        assert_eq!(skipped, 2);
        assert_eq!(back.len(), 3);
        assert_eq!(back.entries().last(), Some("fields z"));
    }

    #[test]
    fn a_missing_file_is_an_empty_history_and_a_readonly_folder_an_error() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (h, skipped) = load(&dir.path().join("none.jsonl")).expect("no file is fine");
        assert!(h.is_empty());
        assert_eq!(skipped, 0);
        let blocked = dir.path().join("file");
        fs::write(&blocked, "").expect("written");
        let e = save(&blocked.join("history.jsonl"), &h).expect_err("a file is no folder");
        assert!(
            e.to_string().contains("cannot save the query history"),
            "{e}"
        );
    }

    #[test]
    fn the_file_sits_beside_the_query_folder() {
        if let (Some(path), Some(queries)) = (default_path(), crate::catalog::default_user_dir()) {
            assert_eq!(path.parent(), queries.parent());
            assert!(path.ends_with("kaudit/history.jsonl"));
        }
    }
}
