//! The canned queries: the defaults of `queries/`, built into the binary, with a user folder on
//! top.
//!
//! A canned query is one `.insights` file: a header of `#` comment lines, then a CloudWatch Logs
//! Insights query. Logs Insights ignores `#` lines, so a file can be pasted into the AWS console
//! as it is.
//!
//! ```text
//! # name: aws-auth-changes
//! # description: Updates to the aws-auth ConfigMap
//! # tags: rbac, eks-guide
//! # source: https://docs.aws.amazon.com/eks/latest/best-practices/auditing-and-logging.html
//! fields @timestamp, @message
//! | filter objectRef.name = "aws-auth"
//! ```
//!
//! The header is every leading line that is blank or starts with `#`; `# key: value` lines set
//! `name` (required, and equal to the file stem), `description`, `tags` (comma-separated),
//! `source`, `severity` (detections: info, low, medium, high, critical) and `references`
//! (comma-separated). `${name}` in the query is a parameter ([`params`]); `{{FIELD in LIST}}`
//! is the place of one of the site's lists ([`lists`]), filled in when the catalog is loaded.
//! Other `#` lines are free comments, and unknown keys are ignored so that older versions can
//! read files written for newer ones.
//!
//! A user file whose name matches a default replaces it; any other name adds a query. A file that
//! cannot be used is listed in [`Catalog::problems`] and skipped: one broken file must not take the
//! console, or the other queries, down with it. A query whose lists are missing, empty or too
//! long is kept aside in [`Catalog::waiting`]: it cannot run, and is not offered as if it could.

mod files;
pub mod lists;
pub(crate) mod narrow;
pub mod params;
pub mod themes;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use files::{embedded, is_hidden, read_limited, stem};
use lists::Lists;
use lists::fill;

/// `(file name, text)` of each default, in the order the console lists them.
const EMBEDDED: &[(&str, &str)] = embedded![
    "../queries", "insights":
    "aws-auth-changes",
    "validating-webhook-changes",
    "role-changes",
    "rolebinding-changes",
    "clusterrole-changes",
    "clusterrolebinding-changes",
    "unauthorized-secret-reads",
    "failed-anonymous-requests",
    "user-activity",
    "source-ip-activity",
    "object-history",
    "binding-uses",
    "denied-per-user-per-minute",
    "denied-per-ip-per-minute",
    "first-seen-users",
    "first-seen-source-ips",
    "first-seen-user-agents",
    "impersonation",
    "forbid-decisions",
    "job-changes",
    "privileged-pod-created",
    "sensitive-mount-pod-created",
    "hostpath-pod-created",
    "host-namespace-pod-created",
    "exec-attach-portforward",
    "cluster-admin-bound",
    "clusterrole-wildcard",
    "clusterrole-write-privileges",
    "clusterrole-pod-exec",
    "anonymous-request-allowed",
    "nodeport-service-created",
    "kube-namespace-serviceaccount",
    "kube-namespace-pod-created",
    "configmap-with-credentials",
    "system-clusterrole-changed",
    "aws-auth-modified",
    "admission-webhook-changed",
    "rbac-object-deleted",
    "events-deleted",
    "secrets-read-by-users",
    "role-widened",
    "nodes-proxy-granted",
    "nodes-proxy-access",
    "root-pod-created",
    "dangerous-capabilities-pod-created",
    "ephemeral-container-added",
    "dangerous-container-command",
    "crypto-mining-image",
    "service-account-token-read",
    "pod-files-copied-out",
    "loadbalancer-service-created",
    "service-account-token-requested",
    "client-certificate-requested",
    "csr-approved",
    "secret-access-denied",
    "secrets-listed-all-namespaces",
    "ingress-without-tls",
    "anonymous-requests",
    "permission-discovery",
    "disallowed-user",
    "disallowed-image-pod-created",
    "disallowed-namespace-created",
    "admin-user-activity",
];

/// The extension of a canned-query file.
pub const EXTENSION: &str = "insights";

/// Logs Insights itself refuses queries past 10,000 characters; the larger cap leaves room for
/// the header while still refusing a log file dropped into the folder by mistake.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The longest query CloudWatch Logs Insights accepts (`StartQuery`'s `queryString`), in
/// characters. A query is sent whole, its `#` header included.
pub const MAX_QUERY_CHARS: usize = 10_000;

/// Where a canned query came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into the binary from `queries/`.
    Embedded,
    /// Read from this file in the user folder.
    User(PathBuf),
}

/// One canned query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedQuery {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub source: Option<String>,
    /// A detection's severity; investigation queries have none.
    pub severity: Option<Severity>,
    /// Where the rule comes from (Falco rules, Sigma, guides), besides `source`.
    pub references: Vec<String>,
    /// The `${name}` parameters of the body, in order of first use.
    pub params: Vec<String>,
    /// The lists (`lists/NAME.txt`) the body reads through `{{… in NAME}}`, in order of first
    /// use; in a query of [`Catalog::queries`] they are filled in.
    pub lists: Vec<String>,
    /// The whole file, header included; still a runnable query.
    pub text: String,
    /// The query without the header, trailing whitespace trimmed.
    pub body: String,
    /// The 1-based line of `text` where `body` starts, so errors in the body can point at the
    /// file.
    pub body_line: usize,
    pub origin: Origin,
}

/// How bad a detection's finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    pub path: PathBuf,
    /// The 1-based line the problem is on, when it is on one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {} (skipped)", self.message)
    }
}

/// Why a file's text is not a canned query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No `# name:` line (`line` is `None`), or one with nothing after the colon.
    #[error("the header does not name the query; write `# name: {stem}` at the top")]
    MissingName { stem: String, line: Option<usize> },
    #[error("`{key}` is set twice in the header (first on line {first}); keep one")]
    DuplicateKey {
        key: &'static str,
        line: usize,
        first: usize,
    },
    #[error(
        "the name `{name}` does not match the file name `{stem}.{EXTENSION}`; rename one so they agree"
    )]
    NameMismatch {
        name: String,
        stem: String,
        line: usize,
    },
    #[error(
        "the name `{name}` may only use ASCII letters, digits, `-`, `_` and `.`; rename the file and its `# name:` line"
    )]
    BadName { name: String, line: usize },
    #[error("there is no query after the header; add the query below the `#` lines")]
    EmptyBody { line: usize },
    #[error("the severity `{value}` is not one of info, low, medium, high, critical")]
    BadSeverity { value: String, line: usize },
    #[error("{message}")]
    BadListPlace { message: String, line: usize },
}

impl ParseError {
    /// The line the problem is on, if it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::MissingName { line, .. } => *line,
            Self::DuplicateKey { line, .. }
            | Self::NameMismatch { line, .. }
            | Self::BadName { line, .. }
            | Self::BadSeverity { line, .. }
            | Self::BadListPlace { line, .. }
            | Self::EmptyBody { line } => Some(*line),
        }
    }
}

impl CannedQuery {
    /// Parses the text of `<stem>.insights`.
    pub fn parse(stem: &str, text: &str, origin: Origin) -> Result<Self, ParseError> {
        // Editors on some systems save a byte-order mark; it is not part of the first line.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut name: Option<(String, usize)> = None;
        let mut description: Option<(String, usize)> = None;
        let mut tags: Option<(Vec<String>, usize)> = None;
        let mut source: Option<(String, usize)> = None;
        let mut severity: Option<(Severity, usize)> = None;
        let mut references: Option<(Vec<String>, usize)> = None;

        let mut offset = 0;
        let mut line_no = 0;
        let mut body_start = None;
        for raw in text.split_inclusive('\n') {
            line_no += 1;
            let line = raw.trim();
            if !line.is_empty() && !line.starts_with('#') {
                body_start = Some((offset, line_no));
                break;
            }
            offset += raw.len();
            let Some((key, value)) = header_entry(line) else {
                continue;
            };
            match key {
                "name" => set_once(&mut name, "name", value.to_owned(), line_no)?,
                "description" => {
                    set_once(&mut description, "description", value.to_owned(), line_no)?
                }
                "tags" => set_once(&mut tags, "tags", split_tags(value), line_no)?,
                "source" => set_once(&mut source, "source", value.to_owned(), line_no)?,
                "severity" => {
                    let parsed = Severity::parse(value).ok_or_else(|| ParseError::BadSeverity {
                        value: value.to_owned(),
                        line: line_no,
                    })?;
                    set_once(&mut severity, "severity", parsed, line_no)?
                }
                "references" => {
                    set_once(&mut references, "references", split_tags(value), line_no)?
                }
                _ => {}
            }
        }

        let stated_on = name.as_ref().map(|(_, line)| *line);
        let (name, name_line) =
            name.filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| ParseError::MissingName {
                    stem: stem.to_owned(),
                    line: stated_on,
                })?;
        if !valid_name(&name) {
            return Err(ParseError::BadName {
                name,
                line: name_line,
            });
        }
        if name != stem {
            return Err(ParseError::NameMismatch {
                name,
                stem: stem.to_owned(),
                line: name_line,
            });
        }
        let Some((body_offset, body_line)) = body_start else {
            return Err(ParseError::EmptyBody {
                line: line_no.max(1),
            });
        };
        let uses = fill::uses_of(&text[body_offset..]).map_err(|(line, message)| {
            ParseError::BadListPlace {
                message,
                line: body_line + line - 1,
            }
        })?;
        Ok(Self {
            name,
            description: description.map(|(d, _)| d).unwrap_or_default(),
            tags: tags.map(|(t, _)| t).unwrap_or_default(),
            source: source.map(|(s, _)| s).filter(|s| !s.is_empty()),
            severity: severity.map(|(s, _)| s),
            references: references.map(|(r, _)| r).unwrap_or_default(),
            params: params::params_of(&text[body_offset..]),
            lists: fill::list_names(&uses),
            text: text.to_owned(),
            body: text[body_offset..].trim_end().to_owned(),
            body_line,
            origin,
        })
    }

    /// This query with the places of its lists filled in; every list it reads has entries.
    fn with_lists(mut self, lists: &Lists) -> Self {
        let at = line_offset(&self.text, self.body_line);
        let (head, body) = self.text.split_at(at);
        // The places were read when the query was parsed: they are well formed.
        let uses = fill::uses_of(body).unwrap_or_default();
        let text = format!("{head}{}", fill::fill(body, &uses, lists));
        let uses = fill::uses_of(&self.body).unwrap_or_default();
        self.body = fill::fill(&self.body, &uses, lists);
        self.text = text;
        self
    }
}

/// The byte offset where the 1-based `line` of `text` starts.
fn line_offset(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// A query that reads lists and cannot run yet, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// As written, its lists not filled in.
    pub query: CannedQuery,
    pub why: WaitingFor,
}

/// Why a query's lists cannot be filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitingFor {
    /// These lists have no entry: no file, an empty one, or none of its lines usable.
    Lists(Vec<PathBuf>),
    /// Filled in from these lists, the query would be `chars` characters, more than
    /// CloudWatch Logs Insights accepts ([`MAX_QUERY_CHARS`]).
    TooLong { chars: usize, lists: Vec<PathBuf> },
}

impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paths = |paths: &[PathBuf]| {
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = &self.query.name;
        match &self.why {
            WaitingFor::Lists(lists) => write!(
                f,
                "{name} is off until {} written: {} (one entry a line)",
                if lists.len() == 1 {
                    "its list is"
                } else {
                    "its lists are"
                },
                paths(lists)
            ),
            WaitingFor::TooLong { chars, lists } => write!(
                f,
                "{name} is off: filled in from {}, it would be {chars} characters, past the \
                 {MAX_QUERY_CHARS} a CloudWatch Logs Insights query may have; shorten the list \
                 (an entry ending in `*` covers many names)",
                paths(lists)
            ),
        }
    }
}

/// `# key: value` → `(key, value)`; any other comment line is free text.
fn header_entry(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let (key, value) = rest.split_once(':')?;
    let key_like = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    key_like.then(|| (key, value.trim()))
}

fn set_once<T>(
    slot: &mut Option<(T, usize)>,
    key: &'static str,
    value: T,
    line: usize,
) -> Result<(), ParseError> {
    if let Some((_, first)) = slot {
        return Err(ParseError::DuplicateKey {
            key,
            line,
            first: *first,
        });
    }
    *slot = Some((value, line));
    Ok(())
}

fn split_tags(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Names are typed on command lines and shown in lists, so they stay plain.
fn valid_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The canned queries available to the console.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Unique by name: defaults in their curated order, then user additions by path.
    queries: Vec<CannedQuery>,
    /// Queries whose lists cannot be filled in, in the same order.
    waiting: Vec<Waiting>,
    /// Files that were skipped, in the order they were met.
    pub problems: Vec<CatalogProblem>,
}

impl Catalog {
    /// The defaults, with the queries of `user_dir` (searched through its subfolders) on top.
    /// A missing `user_dir` is normal and not a problem. No lists: the queries that read one
    /// wait ([`Catalog::waiting`]).
    pub fn load(user_dir: Option<&Path>) -> Self {
        Self::load_with_lists(user_dir, None)
    }

    /// As [`Catalog::load`], with the lists of `lists_dir` ([`lists::default_dir`]) filled into
    /// the queries that read them.
    pub fn load_with_lists(user_dir: Option<&Path>, lists_dir: Option<&Path>) -> Self {
        let mut catalog = Self::default();
        for (file, text) in EMBEDDED {
            let stem = file.strip_suffix(".insights").unwrap_or(file);
            let path = Path::new("queries").join(file);
            catalog.add(&path, stem, text, Origin::Embedded);
        }
        if let Some(dir) = user_dir {
            catalog.load_user_dir(dir);
        }
        catalog.fill_lists(&Lists::load(lists_dir));
        catalog
    }

    /// Fills the lists into the queries that read them; a query whose lists are missing, empty
    /// or make it too long for CloudWatch waits instead.
    fn fill_lists(&mut self, lists: &Lists) {
        self.problems.extend(lists.problems.iter().cloned());
        for query in std::mem::take(&mut self.queries) {
            if query.lists.is_empty() {
                self.queries.push(query);
                continue;
            }
            let paths = |names: &[String]| names.iter().map(|n| lists.path_of(n)).collect();
            let missing = fill::missing(&query.lists, lists);
            if !missing.is_empty() {
                let why = WaitingFor::Lists(paths(&missing));
                self.waiting.push(Waiting { query, why });
                continue;
            }
            let filled = query.clone().with_lists(lists);
            let chars = filled.text.chars().count();
            if chars > MAX_QUERY_CHARS {
                let waiting = Waiting {
                    why: WaitingFor::TooLong {
                        chars,
                        lists: paths(&query.lists),
                    },
                    query,
                };
                let name = &waiting.query.name;
                let message = format!(
                    "the list makes {name} {chars} characters, past the {MAX_QUERY_CHARS} a \
                     CloudWatch Logs Insights query may have; {name} is off until it is shorter \
                     (an entry ending in `*` covers many names)"
                );
                self.problem(&lists.path_of(&waiting.query.lists[0]), None, message);
                self.waiting.push(waiting);
                continue;
            }
            self.queries.push(filled);
        }
    }

    /// The queries that can run, defaults first.
    pub fn queries(&self) -> &[CannedQuery] {
        &self.queries
    }

    /// The queries that read lists which are missing, empty or too long: they cannot run.
    pub fn waiting(&self) -> &[Waiting] {
        &self.waiting
    }

    /// The query called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&CannedQuery> {
        self.queries.iter().find(|q| q.name == name)
    }

    /// The names, in listing order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.queries.iter().map(|q| q.name.as_str())
    }

    fn load_user_dir(&mut self, dir: &Path) {
        // Most people never make the folder; that is not worth a word.
        if fs::metadata(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return;
        }
        let mut files = Vec::new();
        self.collect_files(dir, &mut Vec::new(), &mut files);
        // Sorted so that which of two duplicates wins does not depend on the file system.
        files.sort();
        // Names already taken by user files, and where from, to name both sides of a clash.
        let mut from_user: Vec<(String, PathBuf)> = Vec::new();
        for path in files {
            let stem = stem(&path);
            if let Some((_, first)) = from_user.iter().find(|(name, _)| *name == stem) {
                let message = format!(
                    "a query named `{stem}` was already loaded from {}; rename one of them",
                    first.display()
                );
                self.problem(&path, None, message);
                continue;
            }
            let text = match read_limited(&path, MAX_FILE_BYTES, "a canned query") {
                Ok(text) => text,
                Err(message) => {
                    self.problem(&path, None, message);
                    continue;
                }
            };
            if self.add(&path, &stem, &text, Origin::User(path.clone())) {
                from_user.push((stem, path));
            }
        }
    }

    /// `seen` holds the real paths of the folders already searched: linked folders are followed,
    /// and a link back up the tree must neither loop nor load the same file twice.
    fn collect_files(&mut self, dir: &Path, seen: &mut Vec<PathBuf>, out: &mut Vec<PathBuf>) {
        match fs::canonicalize(dir) {
            Ok(real) if seen.contains(&real) => return,
            Ok(real) => seen.push(real),
            Err(e) => {
                self.problem(dir, None, format!("cannot resolve the folder: {e}"));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.problem(dir, None, format!("cannot list the folder: {e}"));
                return;
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(e) => self.problem(dir, None, format!("cannot list the folder: {e}")),
            }
        }
        // In order, so that which of two links to one folder is searched is always the same.
        paths.sort();
        for path in paths {
            if is_hidden(&path) {
                continue;
            }
            // `metadata` follows symlinks, so a linked folder or query counts as what it points to.
            let Ok(meta) = fs::metadata(&path) else {
                if path.extension().is_some_and(|e| e == EXTENSION) {
                    self.problem(&path, None, "cannot read the file (broken link?)".into());
                }
                continue;
            };
            if meta.is_dir() {
                self.collect_files(&path, seen, out);
            } else if path.extension().is_some_and(|e| e == EXTENSION) {
                out.push(path);
            }
        }
    }

    /// Adds or replaces a query by name; reports and skips a bad one. True when it was used.
    fn add(&mut self, path: &Path, stem: &str, text: &str, origin: Origin) -> bool {
        match CannedQuery::parse(stem, text, origin) {
            Ok(query) => {
                match self.queries.iter_mut().find(|q| q.name == query.name) {
                    Some(slot) => *slot = query,
                    None => self.queries.push(query),
                }
                true
            }
            Err(e) => {
                self.problem(path, e.line(), e.to_string());
                false
            }
        }
    }

    fn problem(&mut self, path: &Path, line: Option<usize>, message: String) {
        self.problems.push(CatalogProblem {
            path: path.to_path_buf(),
            line,
            message,
        });
    }
}

/// The user query folder: `$XDG_CONFIG_HOME/kaudit/queries`, else
/// `$HOME/.config/kaudit/queries`; `None` when neither variable is usable.
pub fn default_user_dir() -> Option<PathBuf> {
    user_dir_from(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    )
}

fn user_dir_from(
    xdg_config_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    let config = xdg_config_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(config.join("kaudit").join("queries"))
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "catalog_lists_tests.rs"]
mod lists_tests;
