//! Local inputs: files (plain or gzip), folders, standard input, bytes held in memory, and
//! following a growing file.
//!
//! [`expand`] turns the paths a user gave into [`InputSpec`]s, [`open`] reads one into a
//! [`LocalInput`] (memory-mapped, decompressed or read), and [`LocalInput::scan`] hands its bytes
//! to [`crate::audit::formats::scan`]. [`Follower`] keeps reading a file as it grows.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use flate2::read::MultiGzDecoder;
use memmap2::Mmap;

use crate::audit::decode::Depth;
use crate::audit::formats::{self, AuditRecord, Origin, Problem, ProblemKind, ScanReport};

mod follow;
mod parts;
mod query;

pub use follow::{FollowStart, Follower};
pub use parts::{MIN_PART, Part, read_parts, read_parts_each};
pub use query::{LocalQuery, QueryProgress};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// A file (or a FIFO, such as `<(zcat …)`).
    Path(PathBuf),
    /// Standard input (`-` on the command line).
    Stdin,
    /// Bytes held in memory (the built-in demo), plain or gzip; `log_group` is their `@log`
    /// when they stand for a log group (the demo's EKS cluster), else their name is.
    Bytes {
        name: String,
        data: Vec<u8>,
        log_group: Option<String>,
    },
}

impl InputSpec {
    /// How the input is named in messages.
    pub fn name(&self) -> String {
        match self {
            InputSpec::Path(path) => path.display().to_string(),
            InputSpec::Stdin => STDIN_NAME.to_string(),
            InputSpec::Bytes { name, .. } => name.clone(),
        }
    }
}

const STDIN_NAME: &str = "<stdin>";

/// How several inputs are named on one line: one by its name; files under one folder as
/// `5 files in /var/log/eks` rather than every path (which leaves no room on the line); else
/// how many, and the first.
pub fn describe(specs: &[InputSpec]) -> String {
    match specs {
        [] => "no input".to_string(),
        [one] => one.name(),
        [first, ..] => {
            let folders: Option<Vec<&Path>> = specs
                .iter()
                .map(|s| match s {
                    InputSpec::Path(p) => p.parent(),
                    _ => None,
                })
                .collect();
            let common = folders.and_then(|folders| {
                let mut common = folders.first()?.to_path_buf();
                for folder in &folders[1..] {
                    while !folder.starts_with(&common) {
                        if !common.pop() {
                            return None;
                        }
                    }
                }
                Some(common).filter(|c| !c.as_os_str().is_empty())
            });
            match common {
                Some(folder) => format!(
                    "{} in {}",
                    crate::text::count(specs.len(), "file"),
                    folder.display()
                ),
                None => format!(
                    "{} ({}, …)",
                    crate::text::count(specs.len(), "input"),
                    first.name()
                ),
            }
        }
    }
}

/// Why an input could not be opened. Every message names the input and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: no such file or folder; check the path", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot read it: {source}; check that it exists and that you may read it", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("standard input: cannot read it: {source}")]
    Stdin {
        #[source]
        source: io::Error,
    },
    #[error("`-` (standard input) is given more than once; it can be read only once")]
    StdinTwice,
    #[error("{}: is a folder; give it to `expand` to read the files inside", path.display())]
    Folder { path: PathBuf },
    #[error("{}: is gzip-compressed and cannot be followed; follow the uncompressed log instead", path.display())]
    FollowCompressed { path: PathBuf },
}

impl InputError {
    fn io(path: &Path, source: io::Error) -> InputError {
        if source.kind() == io::ErrorKind::NotFound {
            InputError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            InputError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

impl From<InputError> for io::Error {
    /// For callers that work in `io::Result` (a follow loop): the message is kept whole.
    fn from(err: InputError) -> io::Error {
        let kind = match &err {
            InputError::NotFound { .. } => io::ErrorKind::NotFound,
            InputError::Io { source, .. } | InputError::Stdin { source } => source.kind(),
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, err.to_string())
    }
}

/// Turns paths into inputs: `-` is standard input, a folder gives the files inside it
/// (recursively, sorted by path, hidden entries skipped, symbolic links followed once), and a
/// file named twice is read once.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<InputSpec>, InputError> {
    let mut out = Vec::new();
    let mut seen_files = HashSet::new();
    let mut seen_dirs = HashSet::new();
    let mut stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if stdin {
                return Err(InputError::StdinTwice);
            }
            stdin = true;
            out.push(InputSpec::Stdin);
            continue;
        }
        let meta = fs::metadata(path).map_err(|e| InputError::io(path, e))?;
        if meta.is_dir() {
            walk(path, &mut seen_dirs, &mut seen_files, &mut out)?;
        } else {
            push_file(path, &mut seen_files, &mut out);
        }
    }
    Ok(out)
}

fn push_file(path: &Path, seen: &mut HashSet<PathBuf>, out: &mut Vec<InputSpec>) {
    let key = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if seen.insert(key) {
        out.push(InputSpec::Path(path.to_path_buf()));
    }
}

fn walk(
    dir: &Path,
    seen_dirs: &mut HashSet<PathBuf>,
    seen_files: &mut HashSet<PathBuf>,
    out: &mut Vec<InputSpec>,
) -> Result<(), InputError> {
    // A link back to a parent would otherwise walk forever.
    let key = fs::canonicalize(dir).map_err(|e| InputError::io(dir, e))?;
    if !seen_dirs.insert(key) {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| InputError::io(dir, e))? {
        let entry = entry.map_err(|e| InputError::io(dir, e))?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            entries.push(entry.path());
        }
    }
    entries.sort();
    for path in entries {
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, seen_dirs, seen_files, out)?,
            Ok(meta) if meta.is_file() => push_file(&path, seen_files, out),
            // Sockets, devices and dangling links in a folder are not logs.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(InputError::io(&path, e)),
        }
    }
    Ok(())
}

/// Files smaller than this are read: mapping them costs more than copying them.
const MAP_MIN: u64 = 64 * 1024;
/// The most of a mapped file [`LocalInput::read_ahead`] asks for at once.
const READ_AHEAD_MAX: usize = 64 << 20;
/// A file written to this recently is being written to: it is read, not mapped (see [`map`]).
const QUIET: Duration = Duration::from_secs(2);
const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];

enum Data {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

/// One input, read and decompressed, ready to scan.
pub struct LocalInput {
    origin: Origin,
    data: Data,
    compressed: bool,
    /// Why decompression stopped early, if it did: the bytes before are kept.
    gzip_error: Option<String>,
    /// Where the input is taken to end, when before the end of its bytes
    /// ([`LocalInput::keep_whole_lines`]).
    end: Option<usize>,
}

impl std::fmt::Debug for LocalInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalInput")
            .field("origin", &self.origin)
            .field("len", &self.bytes().len())
            .field("compressed", &self.compressed)
            .finish()
    }
}

/// Opens one input: plain files are memory-mapped (or read, when small or still being
/// written), gzip is decompressed (all members of a multi-member file), standard input is read
/// to its end.
pub fn open(spec: &InputSpec) -> Result<LocalInput, InputError> {
    match spec {
        InputSpec::Path(path) => open_path(path),
        InputSpec::Stdin => {
            let origin = stdin_origin();
            LocalInput::from_reader(origin, io::stdin().lock())
                .map_err(|source| InputError::Stdin { source })
        }
        InputSpec::Bytes {
            name,
            data,
            log_group,
        } => {
            let id = if name.len() <= 12
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                name.clone()
            } else {
                formats::source_id(name.as_bytes())
            };
            let mut origin = Origin::new(name.clone(), id);
            if let Some(group) = log_group {
                origin.log_group = group.clone();
            }
            Ok(LocalInput::from_vec(origin, data.clone()))
        }
    }
}

fn stdin_origin() -> Origin {
    Origin {
        name: STDIN_NAME.to_string(),
        log_group: STDIN_NAME.to_string(),
        log_stream: "kube-apiserver-audit-stdin".to_string(),
        source_id: "stdin".to_string(),
    }
}

/// The origin of a file: named as given, identified by its canonical path.
pub fn path_origin(path: &Path) -> Origin {
    let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let canonical = canonical.to_string_lossy();
    let mut origin = Origin::new(
        path.display().to_string(),
        formats::source_id(canonical.as_bytes()),
    );
    origin.log_stream = formats::default_log_stream(&canonical);
    origin
}

fn open_path(path: &Path) -> Result<LocalInput, InputError> {
    let file = File::open(path).map_err(|e| InputError::io(path, e))?;
    let meta = file.metadata().map_err(|e| InputError::io(path, e))?;
    if meta.is_dir() {
        return Err(InputError::Folder {
            path: path.to_path_buf(),
        });
    }
    let origin = path_origin(path);
    let quiet = meta
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age >= QUIET);
    if meta.is_file() && meta.len() >= MAP_MIN && quiet {
        let map = map(&file).map_err(|e| InputError::io(path, e))?;
        if map.starts_with(&GZIP_MAGIC) {
            let (data, gzip_error) = gunzip(&map[..]);
            return Ok(LocalInput {
                origin,
                data: Data::Owned(data),
                compressed: true,
                gzip_error,
                end: None,
            });
        }
        return Ok(LocalInput {
            origin,
            data: Data::Mapped(map),
            compressed: false,
            gzip_error: None,
            end: None,
        });
    }
    LocalInput::from_reader(origin, file).map_err(|e| InputError::io(path, e))
}

/// Maps a file read-only.
fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: a mapping is only as stable as the file under it. Another process may rewrite the
    // file while it is mapped (the bytes the scanner already checked would change under it) or
    // truncate it (reading past the new end raises SIGBUS). We map only regular files that have
    // not been written to for a while: a live log still being written is read into memory
    // instead, and `Follower` never maps. What remains is someone rewriting an old log in place
    // during a scan; the scanner only reads the bytes, so that yields garbled records, and a
    // truncation ends the process — a risk taken for reading large logs without copying them.
    #[allow(unsafe_code)]
    unsafe {
        Mmap::map(file)
    }
}

/// Decompresses every gzip member. On a corrupt or cut stream, keeps what came before and says
/// what went wrong.
fn gunzip(compressed: &[u8]) -> (Vec<u8>, Option<String>) {
    // Audit JSON compresses about tenfold; the guess only saves reallocations.
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(8).min(1 << 28));
    match MultiGzDecoder::new(compressed).read_to_end(&mut out) {
        Ok(_) => (out, None),
        Err(e) => {
            let at = out.len();
            (
                out,
                Some(format!(
                    "the gzip data is corrupt or cut short after {at} decompressed bytes ({e}); \
                     the records before were read"
                )),
            )
        }
    }
}

impl LocalInput {
    /// Reads an input from any reader (standard input, a pipe), decompressing gzip.
    pub fn from_reader(origin: Origin, mut reader: impl Read) -> io::Result<LocalInput> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data)?;
        Ok(LocalInput::from_vec(origin, data))
    }

    /// An input from bytes in memory, decompressing gzip.
    pub fn from_vec(origin: Origin, data: Vec<u8>) -> LocalInput {
        if data.starts_with(&GZIP_MAGIC) {
            let (data, gzip_error) = gunzip(&data);
            LocalInput {
                origin,
                data: Data::Owned(data),
                compressed: true,
                gzip_error,
                end: None,
            }
        } else {
            LocalInput {
                origin,
                data: Data::Owned(data),
                compressed: false,
                gzip_error: None,
                end: None,
            }
        }
    }

    /// The input's name in messages: the path as given, `<stdin>`, or the name of the bytes.
    pub fn name(&self) -> &str {
        &self.origin.name
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Was the input gzip-compressed?
    pub fn compressed(&self) -> bool {
        self.compressed
    }

    /// The (decompressed) bytes.
    pub fn bytes(&self) -> &[u8] {
        let all: &[u8] = match &self.data {
            Data::Mapped(map) => map,
            Data::Owned(vec) => vec,
        };
        &all[..self.end.unwrap_or(all.len()).min(all.len())]
    }

    /// Asks the system to read `range` of a mapped file now, in large requests, rather than
    /// page by page as a scan comes to it: on a file the page cache does not hold yet that is
    /// several times faster, on one it holds it costs one system call. At most
    /// [`READ_AHEAD_MAX`] bytes are asked for, so that a scan that stops early (a `limit`) has
    /// not had the whole of a large file read for it.
    pub fn read_ahead(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        if let Data::Mapped(map) = &self.data
            && range.end <= map.len()
        {
            let len = range.len().min(READ_AHEAD_MAX);
            // Only advice: refused, the scan is as right and only as fast as without it.
            let _ = map.advise_range(memmap2::Advice::WillNeed, range.start, len);
        }
        #[cfg(not(unix))]
        let _ = range;
    }

    /// Lets go of the pages of `range` of a mapped file once a scan is done with them: the page
    /// cache keeps them, and a later read maps them again. A large input then holds no more of
    /// this process's memory than the parts being scanned, and the mapping is taken down part by
    /// part by the threads that scan, not all at once by one thread at the end.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        if let Data::Mapped(map) = &self.data
            && range.end <= map.len()
        {
            // SAFETY: MADV_DONTNEED on this read-only mapping of a file only drops page table
            // entries: the next read of those bytes maps the same pages of the file again, so no
            // byte read through the mapping changes because of it (a file rewritten under the
            // mapping is the risk `map` already takes).
            #[allow(unsafe_code)]
            let dropped = unsafe {
                map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    range.start,
                    range.len(),
                )
            };
            // Only advice: refused, the pages stay mapped until the input is dropped.
            let _ = dropped;
        }
        #[cfg(not(unix))]
        let _ = range;
    }

    /// Ends the input after its last newline. For a file that is followed: what comes after is a
    /// line still being written, the follower's to read once it is whole, not a malformed line
    /// of the load.
    pub fn keep_whole_lines(&mut self) {
        self.end = Some(memchr::memrchr(b'\n', self.bytes()).map_or(0, |i| i + 1));
    }

    /// Finds every audit event (see [`formats::scan`]); a gzip stream that ended badly is
    /// reported as an [`ProblemKind::Unreadable`] problem at its end.
    pub fn scan(
        &self,
        depth: Depth,
        on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
    ) -> ScanReport {
        self.scan_part(&Part::whole(self.bytes().len()), depth, None, on_event)
    }

    /// Every problem of the input handed to `on_problem` in input order, however many (see
    /// [`formats::scan_problems`]), the end of a gzip stream that ended badly last; the report
    /// as [`LocalInput::scan`] gives it.
    pub fn list_problems(
        &self,
        depth: Depth,
        on_problem: &mut formats::OnProblem<'_>,
    ) -> ScanReport {
        let mut report = formats::scan_problems(self.bytes(), &self.origin, depth, on_problem);
        if let Some(problem) = self.gzip_problem(&report) {
            on_problem(&problem);
            report.add_problem(problem);
        }
        report
    }

    /// Adds a gzip stream that ended badly, as an [`ProblemKind::Unreadable`] problem at the
    /// end of the input.
    fn report_gzip_error(&self, report: &mut ScanReport) {
        if let Some(problem) = self.gzip_problem(report) {
            report.add_problem(problem);
        }
    }

    fn gzip_problem(&self, report: &ScanReport) -> Option<Problem> {
        let message = self.gzip_error.as_ref()?;
        let bytes = self.bytes();
        let line = report.lines.max(1);
        let column = bytes
            .rsplit(|b| *b == b'\n')
            .next()
            .map_or(0, |last| String::from_utf8_lossy(last).chars().count())
            as u64
            + 1;
        Some(Problem {
            line,
            column,
            offset: bytes.len() as u64,
            kind: ProblemKind::Unreadable,
            message: message.clone(),
        })
    }
}

#[cfg(test)]
mod describe_tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<InputSpec> {
        names.iter().map(|n| InputSpec::Path(n.into())).collect()
    }

    #[test]
    fn several_files_are_named_by_their_folder_and_count() {
        assert_eq!(describe(&paths(&["/var/log/a.json"])), "/var/log/a.json");
        assert_eq!(
            describe(&paths(&["/tmp/k/a", "/tmp/k/b", "/tmp/k/sub/c"])),
            "3 files in /tmp/k"
        );
        assert_eq!(
            describe(&paths(&["a.json", "b.json"])),
            "2 inputs (a.json, …)"
        );
        let mixed = vec![InputSpec::Path("/tmp/k/a".into()), InputSpec::Stdin];
        assert_eq!(describe(&mixed), "2 inputs (/tmp/k/a, …)");
    }
}
