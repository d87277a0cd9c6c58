//! A case handed over: one ZIP holding the marked events as read (`events.jsonl`, in time
//! order), the journal, the report (`report.html`, `report.md`) and `manifest.json`: kaudit's
//! version, who exported it and when, the sources and ranges queried, and the SHA-256 of every
//! file and of every event's bytes. [`verify`] recomputes them all and names whatever changed,
//! went missing or was added.
//!
//! The hashes prove the archive is as the manifest says; whoever holds the archive can also
//! rewrite the manifest, so the manifest's own hash, printed at export, is what to hand over
//! by another channel.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::journal::{self, What};
use super::report::{self, Story};
use super::{Case, CaseError, io_at, marks, now, os_user};

pub const MANIFEST: &str = "manifest.json";
pub const EVENTS: &str = "events.jsonl";
pub const JOURNAL: &str = "journal.jsonl";
pub const REPORT_HTML: &str = "report.html";
pub const REPORT_MD: &str = "report.md";

/// What `manifest.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub kaudit: String,
    pub case: String,
    pub exported_by: String,
    pub exported_at: String,
    /// The files and log groups the case's queries read.
    pub sources: Vec<String>,
    /// The time ranges they asked for.
    pub ranges: Vec<String>,
    /// Every file of the archive but the manifest.
    pub files: BTreeMap<String, FileHash>,
    /// Every event of `events.jsonl`, in its order.
    pub events: Vec<EventHash>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHash {
    /// Its line in `events.jsonl`, from 1.
    pub line: usize,
    #[serde(rename = "auditID", default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Of the event's bytes as read.
    pub sha256: String,
    /// Of its line in `events.jsonl`: the same bytes, unless they were not one line of JSON
    /// (a truncated event is written as `{"kaudit.truncated": true, "text": …}`).
    pub line_sha256: String,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub path: PathBuf,
    pub events: usize,
    /// Of the whole archive.
    pub sha256: String,
    /// Of `manifest.json`: what to hand over by another channel.
    pub manifest_sha256: String,
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The most a manifest may hold: a hash line per event, for far more events than a case has.
const MANIFEST_MAX: u64 = 256 << 20;

/// The SHA-256 of each line of a file read in chunks, empty lines skipped (as the lines of
/// `events.jsonl` are counted).
#[derive(Default)]
struct LineHashes {
    line: Option<Sha256>,
}

impl LineHashes {
    fn update(&mut self, mut bytes: &[u8], done: &mut Vec<String>) {
        while !bytes.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                Some(at) => {
                    if at > 0 {
                        self.line
                            .get_or_insert_with(Sha256::new)
                            .update(&bytes[..at]);
                    }
                    self.finish(done);
                    bytes = &bytes[at + 1..];
                }
                None => {
                    self.line.get_or_insert_with(Sha256::new).update(bytes);
                    bytes = &[];
                }
            }
        }
    }

    fn finish(&mut self, done: &mut Vec<String>) {
        if let Some(line) = self.line.take() {
            done.push(hex(&line.finalize()));
        }
    }
}

/// Writes `case` to `target`, a new file (an existing one is never replaced), readable by its
/// owner only.
pub fn export(case: &Case, target: &Path) -> Result<Exported, CaseError> {
    let journal_path = case.dir().join(super::JOURNAL);
    let journal_bytes = std::fs::read(&journal_path).map_err(io_at(&journal_path))?;
    let read = journal::parse(&journal_bytes);
    let mut marked = marks(&read.entries);
    // In time order (a stable sort: events of one time keep the order they were marked in;
    // those without a time come first).
    marked.sort_by(|a, b| time_of(a).cmp(&time_of(b)));

    let mut events = Vec::new();
    let mut hashes = Vec::new();
    for (i, entry) in marked.iter().enumerate() {
        let What::Marked {
            event, original, ..
        } = &entry.what
        else {
            continue;
        };
        let bytes = original.bytes().unwrap_or_default();
        let line = crate::export::json_line(&bytes);
        hashes.push(EventHash {
            line: i + 1,
            audit_id: event.audit_id.clone(),
            time: event.time.clone(),
            sha256: sha256(&bytes),
            line_sha256: sha256(&line),
        });
        events.extend_from_slice(&line);
        events.push(b'\n');
    }
    let mut story = Story::new(case.name(), &read.entries, &marked);
    story.exported_by = os_user();
    story.exported_at = now();
    let files: [(&str, Vec<u8>); 4] = [
        (EVENTS, events),
        (JOURNAL, journal_bytes),
        (REPORT_HTML, report::html(&story).into_bytes()),
        (REPORT_MD, report::markdown(&story).into_bytes()),
    ];
    let (mut sources, mut ranges) = (Vec::new(), Vec::new());
    for entry in &read.entries {
        if let What::Query(q) = &entry.what {
            for s in q.read_from() {
                if !sources.contains(s) {
                    sources.push(s.clone());
                }
            }
            let range = q.range_shown();
            if !ranges.iter().any(|r| r == range) {
                ranges.push(range.to_string());
            }
        }
    }
    let manifest = Manifest {
        kaudit: story.version.clone(),
        case: case.name().to_string(),
        exported_by: story.exported_by.clone(),
        exported_at: story.exported_at.clone(),
        sources,
        ranges,
        files: files
            .iter()
            .map(|(name, bytes)| {
                let hash = FileHash {
                    sha256: sha256(bytes),
                    bytes: bytes.len() as u64,
                };
                (name.to_string(), hash)
            })
            .collect(),
        events: hashes,
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(io::Error::other)
        .map_err(io_at(target))?;
    manifest_bytes.push(b'\n');

    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
        .map_err(io_at(target))?;
    let written = write_zip(file, &files, &manifest_bytes);
    if let Err(e) = written {
        // No partial archive is left to be taken for a whole one.
        let _ = std::fs::remove_file(target);
        return Err(io_at(target)(e));
    }
    let archive = std::fs::read(target).map_err(io_at(target))?;
    Ok(Exported {
        path: target.to_path_buf(),
        events: manifest.events.len(),
        sha256: sha256(&archive),
        manifest_sha256: sha256(&manifest_bytes),
    })
}

fn time_of(entry: &journal::Entry) -> Option<&str> {
    match &entry.what {
        What::Marked { event, .. } => event.time.as_deref(),
        _ => None,
    }
}

fn write_zip(file: File, files: &[(&str, Vec<u8>)], manifest: &[u8]) -> io::Result<()> {
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, bytes) in files
        .iter()
        .map(|(n, b)| (*n, &b[..]))
        .chain([(MANIFEST, manifest)])
    {
        zip.start_file(name, options).map_err(io::Error::other)?;
        zip.write_all(bytes)?;
    }
    let file = zip.finish().map_err(io::Error::other)?;
    file.sync_all()
}

/// What [`verify`] found: every file and event checked, and what did not hold.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    pub files: usize,
    pub events: usize,
    /// Each thing that does not hold, in words; none when the archive is as exported.
    pub problems: Vec<String>,
}

/// Recomputes every hash of the archive at `path` against its manifest.
pub fn verify(path: &Path) -> Result<Verified, CaseError> {
    let file = File::open(path).map_err(io_at(path))?;
    let bad = |why: String| CaseError::Io {
        path: path.to_path_buf(),
        error: io::Error::new(io::ErrorKind::InvalidData, why),
    };
    let mut zip = ZipArchive::new(file).map_err(|e| bad(format!("not a ZIP archive: {e}")))?;
    // An archive may come from anyone: each file is hashed as it is read, never held whole
    // (but the manifest, which is small), so a file that inflates to gigabytes costs time only.
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    let mut event_lines: Vec<String> = Vec::new();
    let mut manifest_bytes = None;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("entry {} cannot be read: {e}", i + 1)))?;
        let name = entry
            .name()
            .map_err(|e| bad(format!("entry {} has no usable name: {e}", i + 1)))?
            .into_owned();
        if hashes.contains_key(&name) || (name == MANIFEST && manifest_bytes.is_some()) {
            return Err(bad(format!(
                "it holds two files named {}",
                crate::text::sanitize(&name)
            )));
        }
        if name == MANIFEST {
            let mut bytes = Vec::new();
            (&mut entry)
                .take(MANIFEST_MAX + 1)
                .read_to_end(&mut bytes)
                .map_err(io_at(path))?;
            if bytes.len() as u64 > MANIFEST_MAX {
                return Err(bad(format!("its {MANIFEST} is too large to be one")));
            }
            manifest_bytes = Some(bytes);
            continue;
        }
        let mut file = Sha256::new();
        let mut line = LineHashes::default();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            let n = entry.read(&mut chunk).map_err(io_at(path))?;
            if n == 0 {
                break;
            }
            file.update(&chunk[..n]);
            if name == EVENTS {
                line.update(&chunk[..n], &mut event_lines);
            }
        }
        if name == EVENTS {
            line.finish(&mut event_lines);
        }
        hashes.insert(name, hex(&file.finalize()));
    }
    let manifest_bytes = manifest_bytes
        .ok_or_else(|| bad(format!("it holds no {MANIFEST}: not a kaudit case archive")))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| bad(format!("its {MANIFEST} cannot be read: {e}")))?;
    let mut verified = Verified::default();
    let name = |n: &str| crate::text::sanitize(n).into_owned();
    for (file, hash) in &manifest.files {
        match hashes.get(file) {
            None => verified.problems.push(format!("missing: {}", name(file))),
            Some(got) if *got != hash.sha256 => {
                verified.problems.push(format!("changed: {}", name(file)));
            }
            Some(_) => verified.files += 1,
        }
    }
    for file in hashes.keys().filter(|f| !manifest.files.contains_key(*f)) {
        verified.problems.push(format!("added: {}", name(file)));
    }
    if hashes.contains_key(EVENTS) {
        for (i, expected) in manifest.events.iter().enumerate() {
            let which = describe(expected);
            match event_lines.get(i) {
                None => verified.problems.push(format!("missing: {which}")),
                Some(got) if *got != expected.line_sha256 => {
                    verified.problems.push(format!("changed: {which}"));
                }
                Some(_) => verified.events += 1,
            }
        }
        for i in manifest.events.len()..event_lines.len() {
            verified
                .problems
                .push(format!("added: an event at line {} of {EVENTS}", i + 1));
        }
    }
    Ok(verified)
}

/// An event as a problem names it: its line, its auditID and time.
fn describe(e: &EventHash) -> String {
    let mut out = format!("the event at line {} of {EVENTS}", e.line);
    if let Some(id) = &e.audit_id {
        out.push_str(&format!(" (auditID {}", crate::text::sanitize(id)));
        if let Some(t) = &e.time {
            out.push_str(&format!(", {}", crate::text::sanitize(t)));
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_hashed_in_chunks_are_the_lines_hashed_whole() {
        let text = b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":\"x\\ny\"}\nlast without an end";
        let whole: Vec<String> = text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(sha256)
            .collect();
        for size in 1..text.len() {
            let mut lines = LineHashes::default();
            let mut got = Vec::new();
            for chunk in text.chunks(size) {
                lines.update(chunk, &mut got);
            }
            lines.finish(&mut got);
            assert_eq!(got, whole, "chunks of {size}");
        }
    }
}
