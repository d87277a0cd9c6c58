//! A small file of the user's own (a watch's state, the query history) replaced at once: a new
//! file beside it, owner-only, synced, renamed over it, and the folder synced so that the rename
//! outlives a reboot. A crash leaves the old content or the new, never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces `path`'s content by `bytes` at once; the file is the owner's only (0600).
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover of a crash would make `create_new` fail.
    let _ = fs::remove_file(&temp);
    let written = write_new(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    fs::File::open(&dir)?.sync_all()
}

/// A new file, never an existing one or the target of a planted link.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
