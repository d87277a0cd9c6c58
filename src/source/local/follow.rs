//! Following a file as it grows (`--follow`), across rotation and truncation.
//!
//! Only complete lines are read: a last line still being written waits for its newline. When the
//! path comes to name another file (rotation by rename, as the API server's log rotation does),
//! the rest of the old file is read first, then the new one from its start. When the file
//! shrinks, or its first bytes change (copy-then-truncate rotation, even when the new content is
//! already longer than the old), it is read again from its start.
//!
//! Line-oriented formats only (JSON lines, export lines): a document spread over lines is read
//! only if it arrives within one poll.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::{GZIP_MAGIC, InputError, path_origin};
use crate::audit::decode::Depth;
use crate::audit::formats::{self, AuditRecord, Origin, Position, ScanReport};

/// Where a [`Follower`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowStart {
    /// Read what the file already holds, then what is added.
    Beginning,
    /// Only what is added from now on (a line being written now is read whole).
    End,
    /// What follows this byte offset, the start of a line: an input read up to there, followed
    /// from there on without reading anything twice.
    After(u64),
}

/// How much of the file's start is remembered to notice it was replaced in place.
const HEAD: usize = 256;
const CHUNK: usize = 1 << 20;

/// Reads a growing file: call [`Follower::poll`] in a loop, with a pause between calls.
pub struct Follower {
    path: PathBuf,
    origin: Origin,
    file: File,
    identity: Option<(u64, u64)>,
    /// File offset of `pending[0]`: everything before it was scanned.
    pos: u64,
    /// Lines before `pos`.
    line: u64,
    /// The start of a line whose newline has not been written yet.
    pending: Vec<u8>,
    /// The file's first bytes as read.
    head: Vec<u8>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("path", &self.path)
            .field("pos", &self.pos)
            .field("line", &self.line)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Follower {
    /// Starts following `path`. Gzip files cannot be followed.
    pub fn open(path: &Path, start: FollowStart) -> Result<Follower, InputError> {
        let err = |e| InputError::io(path, e);
        let mut file = File::open(path).map_err(err)?;
        let meta = file.metadata().map_err(err)?;
        if meta.is_dir() {
            return Err(InputError::Folder {
                path: path.to_path_buf(),
            });
        }
        let mut magic = [0u8; 2];
        let n = read_full(&mut file, &mut magic).map_err(err)?;
        if n == 2 && magic == GZIP_MAGIC {
            return Err(InputError::FollowCompressed {
                path: path.to_path_buf(),
            });
        }
        let mut follower = Follower {
            path: path.to_path_buf(),
            origin: path_origin(path),
            file,
            identity: identity(&meta),
            pos: 0,
            line: 0,
            pending: Vec::new(),
            head: Vec::new(),
        };
        match start {
            FollowStart::Beginning => {}
            FollowStart::End => follower.skip_to(u64::MAX).map_err(err)?,
            FollowStart::After(offset) => follower.skip_to(offset).map_err(err)?,
        }
        follower.refresh_head().map_err(err)?;
        Ok(follower)
    }

    /// Follows `path` from its current end.
    pub fn from_end(path: &Path) -> Result<Follower, InputError> {
        Follower::open(path, FollowStart::End)
    }

    /// Follows `path` from its beginning.
    pub fn from_start(path: &Path) -> Result<Follower, InputError> {
        Follower::open(path, FollowStart::Beginning)
    }

    pub fn name(&self) -> &str {
        &self.origin.name
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Reads the complete lines added since the last call and hands their events to
    /// `on_event`. Returns at once when there is nothing new. When `on_event` stops early, the
    /// rest of the lines read in that pass are skipped.
    pub fn poll(
        &mut self,
        depth: Depth,
        mut on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
    ) -> io::Result<ScanReport> {
        let mut report = ScanReport {
            name: self.origin.name.clone(),
            ..ScanReport::default()
        };
        match fs::metadata(&self.path) {
            Ok(meta) if identity(&meta).is_some() && identity(&meta) != self.identity => {
                // Rotated: what was written to the old file before the switch comes first.
                self.read_new(depth, &mut on_event, &mut report)?;
                if report.stopped_early {
                    return Ok(report);
                }
                self.flush_pending(depth, &mut on_event, &mut report);
                match File::open(&self.path) {
                    Ok(file) => {
                        self.identity = identity(&file.metadata()?);
                        self.file = file;
                        self.restart();
                    }
                    // Renamed away, and the new file not created yet: try again next time.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(report),
                    Err(e) => return Err(e),
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.read_new(depth, &mut on_event, &mut report)?;
                return Ok(report);
            }
            Err(e) => return Err(e),
        }
        let len = self.file.metadata()?.len();
        if len < self.read_pos() || !self.head_matches()? {
            self.restart();
        }
        self.read_new(depth, &mut on_event, &mut report)?;
        self.refresh_head()?;
        Ok(report)
    }

    fn read_pos(&self) -> u64 {
        self.pos + self.pending.len() as u64
    }

    fn restart(&mut self) {
        self.pos = 0;
        self.line = 0;
        self.pending.clear();
        self.head.clear();
    }

    /// Reads from where the last call stopped to the end of the file, scanning complete lines.
    fn read_new(
        &mut self,
        depth: Depth,
        on_event: &mut dyn FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
        report: &mut ScanReport,
    ) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(self.read_pos()))?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match self.file.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let old = self.pending.len();
            self.pending.extend_from_slice(&buf[..n]);
            let Some(last) = memchr::memrchr(b'\n', &self.pending[old..]) else {
                continue;
            };
            let complete = old + last + 1;
            let start = Position {
                offset: self.pos,
                line: self.line,
            };
            let part = formats::scan_lines(
                &self.pending[..complete],
                &self.origin,
                start,
                depth,
                &mut *on_event,
            );
            self.line += part.lines;
            self.pos += complete as u64;
            self.pending.drain(..complete);
            let stopped = part.stopped_early;
            report.absorb(part);
            if stopped {
                return Ok(());
            }
        }
    }

    /// Scans a last line that will never get its newline (its file was rotated away).
    fn flush_pending(
        &mut self,
        depth: Depth,
        on_event: &mut dyn FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
        report: &mut ScanReport,
    ) {
        if self.pending.is_empty() {
            return;
        }
        let start = Position {
            offset: self.pos,
            line: self.line,
        };
        let part = formats::scan_lines(&self.pending, &self.origin, start, depth, on_event);
        report.absorb(part);
        self.pending.clear();
    }

    /// Skips the whole lines that end at or before `limit`, counting them: the next poll reads
    /// from the end of the last of them.
    fn skip_to(&mut self, limit: u64) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut buf = vec![0u8; CHUNK];
        let mut offset = 0u64;
        let mut after_last_newline = 0u64;
        let mut lines = 0u64;
        loop {
            let room = (limit - offset).min(CHUNK as u64) as usize;
            if room == 0 {
                break;
            }
            let n = match self.file.read(&mut buf[..room]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
                after_last_newline = offset + i as u64 + 1;
            }
            offset += n as u64;
        }
        // Whatever follows, a partial line or whole lines written since `limit` was taken, is
        // the next poll's to read: held as pending here, whole lines would wait for a newline
        // written after them.
        self.pos = after_last_newline;
        self.line = lines;
        self.pending.clear();
        Ok(())
    }

    /// Remembers the file's first bytes (only those already read).
    fn refresh_head(&mut self) -> io::Result<()> {
        let want = (self.read_pos().min(HEAD as u64)) as usize;
        if self.head.len() < want {
            self.head = vec![0u8; want];
            self.file.seek(SeekFrom::Start(0))?;
            let got = read_full(&mut self.file, &mut self.head)?;
            self.head.truncate(got);
        }
        Ok(())
    }

    fn head_matches(&mut self) -> io::Result<bool> {
        if self.head.is_empty() {
            return Ok(true);
        }
        let mut now = vec![0u8; self.head.len()];
        self.file.seek(SeekFrom::Start(0))?;
        let got = read_full(&mut self.file, &mut now)?;
        Ok(now[..got] == self.head[..])
    }
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Which file a path names: rotation replaces it.
#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// Without inode numbers, rotation is noticed only as a shrunk or rewritten file.
#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api","verb":"get","requestReceivedTimestamp":"2026-11-02T06:00:00.000000Z","stageTimestamp":"2026-11-02T06:00:00.001000Z"}}"#
        ) + "\n"
    }

    fn ids(f: &mut Follower) -> Vec<String> {
        let mut out = Vec::new();
        f.poll(Depth::Minimal, |r| {
            out.push(r.event.audit_id.as_deref().unwrap_or("").to_string());
            ControlFlow::Continue(())
        })
        .expect("the poll reads");
        out
    }

    /// Lines written after loading stopped but before the follower opened are the first poll's,
    /// not held back until another line arrives.
    #[test]
    fn lines_written_between_the_load_and_the_follow_are_read_at_once() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit.log");
        let loaded = line("a1");
        let partial = line("a2");
        // The load read a1 and half of a2; then a2 was finished and a3 written.
        std::fs::write(&path, loaded.clone() + &partial + &line("a3")).expect("written");
        let mut f =
            Follower::open(&path, FollowStart::After(loaded.len() as u64 + 20)).expect("followed");
        assert_eq!(ids(&mut f), ["a2", "a3"]);
        assert!(ids(&mut f).is_empty());
    }
}
