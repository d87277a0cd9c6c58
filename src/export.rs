//! Writing selected events out, exactly as they were read, to JSON or JSON lines, safely.
//!
//! An export is evidence, so each event is written as the bytes it was read as, never decoded
//! and re-encoded: a hash or a `diff` against the source log still matches. For an event read
//! out of a larger record (an AKS diagnostic record, a SIEM's wrapper), the console hands over
//! that record ([`crate::store::EventStore::original`]). serde_json is used
//! only to check that a text is JSON and to escape the texts that are not.
//!
//! # What is written
//! - [`ExportFormat::JsonLines`]: each event followed by `\n`.
//! - [`ExportFormat::JsonArray`]: `[\n`, the events joined by `,\n`, then `\n]\n`.
//!
//! Two cases change what is written, because writing the bytes as they are would make the whole
//! file unreadable:
//! - A text that is not a JSON value (above all a truncated event: CloudWatch Logs cuts an entry
//!   at 256 KB) is written as `{"kaudit.truncated": true, "text": "…"}`, the text as a JSON
//!   string, and counted in [`ExportSummary::truncated`]. A truncated text may end inside a
//!   multi-byte character; bytes that are not UTF-8 become U+FFFD in `text`, and the object then
//!   also says how many bytes were replaced in `"kaudit.invalid_bytes"`. Every valid byte is kept.
//! - A GKE entry read from YAML is written as `{"kaudit.yaml": true, "text": "…"}`: its text
//!   whole, as a JSON string, so that the file stays JSON and the entry can be had back.
//! - In JSON lines, a valid event that spans several lines (from a pretty-printed input) has its
//!   line breaks written as spaces. JSON allows no raw line break inside a string, so those line
//!   breaks were whitespace between tokens and the event means exactly the same.
//!
//! # How it is written
//! The events go to a temporary file in the target's folder, created with mode 0600 (only the
//! owner may read an audit log's secrets), flushed to disk, then published in one step: renamed
//! over the target when overwriting, otherwise hard-linked to the target name, which fails if
//! anything, even a file created a moment ago by another program, holds that name. A symbolic
//! link at the target is replaced, never written through. If anything fails, neither a partial
//! target nor the temporary file is left behind.
//!
//! Some file systems (FAT on a USB stick) have no hard links; there the target is created
//! exclusively and the temporary file copied into it, which still never replaces an existing
//! file but is not atomic: a crash part way leaves a short file.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How the events are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON array; `.json`.
    JsonArray,
    /// One event per line; `.jsonl` or `.ndjson`.
    JsonLines,
}

impl ExportFormat {
    /// The format an extension names (any case, without the dot).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "json" => Some(Self::JsonArray),
            "jsonl" | "ndjson" => Some(Self::JsonLines),
            _ => None,
        }
    }

    /// The format of `path`'s extension; JSON lines for any other, since that is the shape of
    /// the audit logs themselves, which kaudit and most tools read back.
    pub fn from_path(path: &Path) -> Self {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Self::from_extension)
            .unwrap_or(Self::JsonLines)
    }

    /// The usual extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Self::JsonArray => "json",
            Self::JsonLines => "jsonl",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The target, as it was given.
    pub path: PathBuf,
    pub events: usize,
    /// The size of the file.
    pub bytes: u64,
    /// Events that were not JSON and were written wrapped (see the module docs).
    pub truncated: usize,
}

/// Why an export did not happen. In every case nothing was written at the target.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The UI may offer to overwrite.
    #[error("{} already exists; choose another name or confirm overwrite", .path.display())]
    AlreadyExists { path: PathBuf },
    #[error("{} is a folder; give a file name inside it, such as {}", .path.display(), .path.join("evidence.jsonl").display())]
    IsDirectory { path: PathBuf },
    #[error("{} names no file; give a file name such as evidence.jsonl", .path.display())]
    NoFileName { path: PathBuf },
    #[error("the folder {} does not exist, so {} cannot be written; create the folder or choose another path", .folder.display(), .path.display())]
    NoFolder { path: PathBuf, folder: PathBuf },
    /// A file that may not be written is not replaced either, though its folder would allow it.
    #[error("{} is read-only and is left as it is; choose another name", .path.display())]
    ReadOnly { path: PathBuf },
    #[error("{} is not a folder, so {} cannot be written; choose another path", .folder.display(), .path.display())]
    NotAFolder { path: PathBuf, folder: PathBuf },
    #[error("{} starts with ~/, the home folder, but HOME is not set; give the whole path", .path.display())]
    NoHome { path: PathBuf },
    #[error("could not {action} {}: {source}; nothing was saved, {}", .path.display(), next_step(.source))]
    Io {
        path: PathBuf,
        /// What was being done, as a verb phrase: "write", "move into place", …
        action: &'static str,
        #[source]
        source: io::Error,
    },
}

fn next_step(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "free some space or choose another folder"
        }
        io::ErrorKind::PermissionDenied => "choose a folder you may write to",
        io::ErrorKind::FileTooLarge => {
            "the file is larger than may be written here; choose another folder"
        }
        io::ErrorKind::ReadOnlyFilesystem => "choose a folder on a writable disk",
        _ => "check the folder and try again",
    }
}

/// `~/…` (and `~` alone) read as the home folder `home` (the caller passes `$HOME`), as a
/// shell would: an export to `~/evidence.jsonl` lands there, not in a folder named `~`. Any
/// other path is kept as it is (`~alice/` too: no account's folder is looked up).
pub fn expand_home(path: &Path, home: Option<&Path>) -> Result<PathBuf, ExportError> {
    let Some(text) = path.to_str() else {
        return Ok(path.to_path_buf());
    };
    let rest = if text == "~" {
        Some("")
    } else {
        text.strip_prefix("~/")
    };
    match (rest, home.filter(|h| !h.as_os_str().is_empty())) {
        (None, _) => Ok(path.to_path_buf()),
        (Some(rest), Some(home)) => Ok(home.join(rest.trim_start_matches('/'))),
        (Some(_), None) => Err(ExportError::NoHome {
            path: path.to_path_buf(),
        }),
    }
}

/// Writes `events` (each the raw JSON text of one event, as read) to `path`. Without
/// `overwrite`, an existing `path` is never replaced and [`ExportError::AlreadyExists`] is
/// returned. See the module docs for what is written and how.
pub fn export<'a>(
    events: impl IntoIterator<Item = &'a [u8]>,
    path: &Path,
    format: ExportFormat,
    overwrite: bool,
) -> Result<ExportSummary, ExportError> {
    let folder = check_target(path, overwrite)?;
    let io_error = |action, source| ExportError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };

    let (file, temp) =
        create_temp(folder, path).map_err(|e| io_error("create a temporary file beside", e))?;
    let counts = {
        let mut out = BufWriter::new(&file);
        let counts = write_events(&mut out, events, format).map_err(|e| io_error("write", e))?;
        out.flush().map_err(|e| io_error("write", e))?;
        counts
    };
    file.sync_all().map_err(|e| io_error("save to disk", e))?;
    // Closed before publishing: some systems cannot rename or link an open file.
    drop(file);

    if overwrite {
        fs::rename(temp.path(), path).map_err(|e| io_error("move into place", e))?;
        temp.published();
    } else {
        publish_no_clobber(temp, path)?;
    }
    sync_folder(folder);

    Ok(ExportSummary {
        path: path.to_path_buf(),
        events: counts.events,
        bytes: counts.bytes,
        truncated: counts.truncated,
    })
}

/// Refuses what cannot or must not be written; returns the folder the file goes in.
fn check_target(path: &Path, overwrite: bool) -> Result<&Path, ExportError> {
    let target = || path.to_path_buf();
    // `metadata` follows links, so a link to a folder counts as a folder.
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(ExportError::IsDirectory { path: target() });
    }
    if path.file_name().is_none() {
        return Err(ExportError::NoFileName { path: target() });
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match fs::metadata(folder) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(ExportError::NotAFolder {
                path: target(),
                folder: folder.to_path_buf(),
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ExportError::NoFolder {
                path: target(),
                folder: folder.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(ExportError::Io {
                path: target(),
                action: "look at the folder of",
                source: e,
            });
        }
    }
    // Asked early so that a person is asked before anything is written; the publish step
    // checks again, atomically. `symlink_metadata` sees a dangling link, which also holds the
    // name.
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.is_file() && !may_write(path) {
            return Err(ExportError::ReadOnly { path: target() });
        }
        if !overwrite {
            return Err(ExportError::AlreadyExists { path: target() });
        }
    }
    Ok(folder)
}

/// Whether this process may write the regular file at `path` (opened for writing, changing
/// nothing: the file is neither truncated nor touched).
fn may_write(path: &Path) -> bool {
    match fs::OpenOptions::new().write(true).open(path) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
        ),
    }
}

/// A temporary file that removes itself unless it was published.
#[derive(Debug)]
struct Temp {
    path: PathBuf,
    armed: bool,
}

impl Temp {
    fn path(&self) -> &Path {
        &self.path
    }

    /// The file now lives under the target's name (renamed), so there is nothing to remove.
    fn published(mut self) {
        self.armed = false;
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new file beside `target`, readable by its owner only from the first moment.
fn create_temp(folder: &Path, target: &Path) -> io::Result<(File, Temp)> {
    // Kept short of the usual 255-byte name limit, with a hint of what it was for in case a
    // crash leaves it behind.
    let stem: String = target
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(64).collect())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last = None;
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = OsString::from(".");
        name.push(format!(
            "{stem}.{}-{nanos}-{n}.kaudit-tmp",
            std::process::id()
        ));
        let path = folder.join(name);
        match open_private(&path) {
            Ok(file) => return Ok((file, Temp { path, armed: true })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// Creates `path`, failing if it exists, with mode 0600 on Unix.
fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // The umask may only have taken bits away; this makes the mode exactly 0600 without
        // ever widening it.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Gives the temporary file the target's name unless the name is taken, even at the last moment.
fn publish_no_clobber(temp: Temp, target: &Path) -> Result<(), ExportError> {
    let io_error = |source| ExportError::Io {
        path: target.to_path_buf(),
        action: "move into place",
        source,
    };
    match fs::hard_link(temp.path(), target) {
        // The target now names the file too; dropping `temp` removes the other name.
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(ExportError::AlreadyExists {
            path: target.to_path_buf(),
        }),
        Err(_) => copy_no_clobber(temp.path(), target).map_err(io_error),
    }
}

/// For file systems without hard links: an exclusive create still never replaces a file.
fn copy_no_clobber(from: &Path, target: &Path) -> io::Result<()> {
    let mut out = open_private(target)?;
    let copied = File::open(from)
        .and_then(|mut input| io::copy(&mut input, &mut out))
        .and_then(|_| out.sync_all());
    if copied.is_err() {
        // Created exclusively above, so this is our own partial file.
        let _ = fs::remove_file(target);
    }
    copied
}

/// Makes the new name itself survive a crash. The file is already complete and in place, so a
/// failure here is not worth failing the export for.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    events: usize,
    bytes: u64,
    truncated: usize,
}

fn write_events<'a>(
    out: &mut impl Write,
    events: impl IntoIterator<Item = &'a [u8]>,
    format: ExportFormat,
) -> io::Result<Counts> {
    let mut counts = Counts::default();
    let mut put = |bytes: &[u8], counts: &mut Counts| {
        counts.bytes += bytes.len() as u64;
        out.write_all(bytes)
    };
    if format == ExportFormat::JsonArray {
        put(b"[\n", &mut counts)?;
    }
    for raw in events {
        if format == ExportFormat::JsonArray && counts.events > 0 {
            put(b",\n", &mut counts)?;
        }
        let (text, truncated) = shaped(raw, format);
        counts.truncated += usize::from(truncated);
        put(&text, &mut counts)?;
        if format == ExportFormat::JsonLines {
            put(b"\n", &mut counts)?;
        }
        counts.events += 1;
    }
    if format == ExportFormat::JsonArray {
        put(b"\n]\n", &mut counts)?;
    }
    Ok(counts)
}

/// An event as a file of `format` holds it (see the module docs), and whether it stands for a
/// text that is not JSON (a truncated event).
fn shaped(raw: &[u8], format: ExportFormat) -> (Cow<'_, [u8]>, bool) {
    if is_json_value(raw) {
        match format {
            ExportFormat::JsonLines if raw.iter().any(|&b| b == b'\n' || b == b'\r') => {
                let line = raw
                    .iter()
                    .map(|&b| match b {
                        b'\n' | b'\r' => b' ',
                        b => b,
                    })
                    .collect();
                (Cow::Owned(line), false)
            }
            _ => (Cow::Borrowed(raw), false),
        }
    } else if is_yaml_record(raw) {
        (Cow::Owned(wrap_text(raw, "kaudit.yaml")), false)
    } else {
        (Cow::Owned(wrap_text(raw, "kaudit.truncated")), true)
    }
}

/// An event as one line of a JSON lines export writes it (without its line end): its bytes as
/// read, unless they are not one line of JSON.
pub fn json_line(raw: &[u8]) -> Cow<'_, [u8]> {
    shaped(raw, ExportFormat::JsonLines).0
}

/// One JSON value and nothing else but whitespace, in UTF-8 as JSON requires. Skipping the value
/// checks its grammar without building it, and without a nesting limit.
fn is_json_value(raw: &[u8]) -> bool {
    std::str::from_utf8(raw)
        .is_ok_and(|text| serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok())
}

/// A GKE entry read from YAML: text that starts as no JSON value does (a truncated event starts
/// as one, and is cut later).
fn is_yaml_record(raw: &[u8]) -> bool {
    raw.first()
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'-' | b'\''))
}

/// The object that stands for a text that is not JSON: `{"<flag>": true, "text": "…"}`.
fn wrap_text(raw: &[u8], flag: &str) -> Vec<u8> {
    let invalid: usize = raw.utf8_chunks().map(|c| c.invalid().len()).sum();
    let text = String::from_utf8_lossy(raw);
    // Serializing a string cannot fail; the fallback only keeps the output well-formed.
    let quoted = serde_json::to_string(&text).unwrap_or_else(|_| "\"\"".to_owned());
    let mut out = String::with_capacity(quoted.len() + 64);
    out.push_str("{\"");
    out.push_str(flag);
    out.push_str("\": true, \"text\": ");
    out.push_str(&quoted);
    if invalid > 0 {
        out.push_str(&format!(", \"kaudit.invalid_bytes\": {invalid}"));
    }
    out.push('}');
    out.into_bytes()
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
