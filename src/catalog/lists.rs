//! The site's own lists: who may use the cluster, which images and namespaces are expected,
//! who the full administrators are. Some detections test an event against one of them (Falco's
//! "Disallowed K8s User" and its kin), and a canned query cannot know them: the responder
//! writes them, one file a list, in `lists/` next to `queries/`.
//!
//! ```text
//! # lists/allowed-users.txt: one entry a line; `#` starts a comment
//! alice@example.com
//! ci-deployer          # the pipeline's own user
//! eks:*                # a trailing `*` takes every name that starts so
//! ```
//!
//! Plain text rather than keys in `config.toml`: names are pasted from an audit log or
//! `kubectl` one a line, need no quoting (`arn:aws:…`, `eks:…` would in TOML), diff well, and a
//! mistake on one line costs that line, not the whole config.
//!
//! A list named `…-images` holds image references (`ghcr.io/acme/`, `nginx`); every other list
//! holds names. A line that cannot be an entry is reported with its file and line, and skipped;
//! the rest of the list is used.

pub mod fill;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::CatalogProblem;
use super::files::{is_hidden, read_limited, stem};

/// The extension of a list file.
pub const EXTENSION: &str = "txt";

/// A list is names, not data: past this it is more likely a log saved in the wrong place.
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// The longest image entry: a repository name is at most 255 characters, and the registry and
/// tag fit in the rest. The regex an image list becomes nests deeper with longer entries.
pub const MAX_IMAGE_CHARS: usize = 320;

/// What a list's entries are, known from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// User names, namespaces: any text without spaces or control characters.
    Names,
    /// Image references as a pod spec writes them (`registry/repository:tag`).
    Images,
}

impl ListKind {
    pub fn of(name: &str) -> ListKind {
        if name == "images" || name.ends_with("-images") {
            ListKind::Images
        } else {
            ListKind::Names
        }
    }
}

/// One entry of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry without its trailing `*`.
    pub text: String,
    /// Written with a trailing `*`: every value that starts with `text`.
    pub prefix: bool,
}

/// One list file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub kind: ListKind,
    pub path: PathBuf,
    /// In file order, each once.
    pub entries: Vec<Entry>,
}

/// The lists of a folder, by name (the file stem).
#[derive(Debug, Clone, Default)]
pub struct Lists {
    dir: Option<PathBuf>,
    lists: BTreeMap<String, List>,
    /// Files and lines that could not be used, in the order met.
    pub problems: Vec<CatalogProblem>,
}

impl Lists {
    /// Every `NAME.txt` of `dir`. A missing folder is normal: no lists yet.
    pub fn load(dir: Option<&Path>) -> Lists {
        let mut lists = Lists {
            dir: dir.map(Path::to_path_buf),
            ..Lists::default()
        };
        let Some(dir) = dir else { return lists };
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return lists,
            Err(e) => {
                lists.problem(dir, None, format!("cannot list the folder: {e}"));
                return lists;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if is_hidden(&path) || path.extension().is_none_or(|e| e != EXTENSION) {
                continue;
            }
            let name = stem(&path);
            if !valid_name(&name) {
                lists.problem(
                    &path,
                    None,
                    "a list's name may only use lowercase ASCII letters, digits and `-`; rename the file".into(),
                );
                continue;
            }
            match read_limited(&path, MAX_FILE_BYTES, "a list") {
                Ok(text) => lists.add(&name, &path, &text),
                Err(message) => lists.problem(&path, None, message),
            }
        }
        lists
    }

    /// The list called `name`, if its file exists (it may be empty).
    pub fn get(&self, name: &str) -> Option<&List> {
        self.lists.get(name)
    }

    /// Where the list called `name` is read from, for messages: its file, else where it would be.
    pub fn path_of(&self, name: &str) -> PathBuf {
        let file = format!("{name}.{EXTENSION}");
        match (self.lists.get(name), &self.dir) {
            (Some(list), _) => list.path.clone(),
            (None, Some(dir)) => dir.join(file),
            (None, None) => Path::new("lists").join(file),
        }
    }

    /// The names of the lists read, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.lists.keys().map(String::as_str)
    }

    /// Adds the list `name` from the text of its file (`path` for messages).
    pub fn add(&mut self, name: &str, path: &Path, text: &str) {
        let kind = ListKind::of(name);
        let mut entries: Vec<Entry> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let raw = if i == 0 {
                raw.strip_prefix('\u{feff}').unwrap_or(raw)
            } else {
                raw
            };
            match parse_line(raw, kind) {
                Ok(Some(entry)) if !entries.contains(&entry) => entries.push(entry),
                Ok(_) => {}
                Err(message) => self.problem(path, Some(i + 1), message),
            }
        }
        self.lists.insert(
            name.to_string(),
            List {
                kind,
                path: path.to_path_buf(),
                entries,
            },
        );
    }

    fn problem(&mut self, path: &Path, line: Option<usize>, message: String) {
        self.problems.push(CatalogProblem {
            path: path.to_path_buf(),
            line,
            message,
        });
    }
}

/// List names appear in file names and in queries' `{{… in NAME}}`, so they stay plain.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One line of a list file: an entry, nothing (blank or a comment), or why it is neither.
fn parse_line(raw: &str, kind: ListKind) -> Result<Option<Entry>, String> {
    let line = strip_comment(raw).trim();
    if line.is_empty() {
        return Ok(None);
    }
    if let Some(c) = line.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the entry holds the control character U+{:04X}; write the name as plain text",
            c as u32
        ));
    }
    if line.chars().any(char::is_whitespace) {
        return Err(format!(
            "`{line}` holds a space: write one entry a line (a comment starts with ` #`)"
        ));
    }
    let (text, prefix) = match line.strip_suffix('*') {
        Some(rest) => (rest, true),
        None => (line, false),
    };
    if text.contains('*') {
        return Err(format!(
            "`{line}`: a `*` may only end an entry (`eks:*` takes every name that starts with `eks:`)"
        ));
    }
    if kind == ListKind::Images {
        if let Some(c) = text.chars().find(|c| !image_char(*c)) {
            return Err(format!(
                "`{line}` is not an image reference (`{c}`): images are written with letters, digits and . _ - / : @"
            ));
        }
        if text.len() > MAX_IMAGE_CHARS {
            return Err(format!(
                "the entry is {} characters, longer than an image reference ({MAX_IMAGE_CHARS} at most)",
                text.len()
            ));
        }
    }
    Ok(Some(Entry {
        text: text.to_string(),
        prefix,
    }))
}

/// `#` at the start of a line, or after a space, starts a comment; inside a name it is part of
/// it (an OIDC user such as `https://issuer#1234`).
fn strip_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// The characters of an image reference (`[registry[:port]/]path[:tag][@digest]`).
fn image_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@')
}

/// The lists folder: `$KAUDIT_LISTS` when set (for scripts and tests), else `lists/` next to
/// the user's `queries/` folder (`$XDG_CONFIG_HOME/kaudit/lists`, else
/// `$HOME/.config/kaudit/lists`).
pub fn default_dir() -> Option<PathBuf> {
    dir_from(
        std::env::var_os("KAUDIT_LISTS"),
        super::default_user_dir().as_deref(),
    )
}

fn dir_from(env: Option<std::ffi::OsString>, queries: Option<&Path>) -> Option<PathBuf> {
    match env.filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(queries?.parent()?.join("lists")),
    }
}

#[cfg(test)]
#[path = "lists_tests.rs"]
mod tests;
