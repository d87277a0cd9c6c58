//! What the canned queries and the themes share: defaults built into the binary, and short text
//! files read from a user folder.

use std::fs;
use std::io::Read;
use std::path::Path;

/// `(file name, text)` of each default in `$dir`, in the order given. `$dir` is relative to the
/// file that uses the macro, as for `include_str!`.
macro_rules! embedded {
    ($dir:literal, $ext:literal: $($stem:literal),* $(,)?) => {
        &[$((
            concat!($stem, ".", $ext),
            include_str!(concat!($dir, "/", $stem, ".", $ext)),
        )),*]
    };
}

pub(super) use embedded;

/// The text of a user file of at most `max_bytes`; otherwise a message saying what is wrong and
/// what to do. `what` names what such a file holds ("a theme"), for the message about size.
pub(super) fn read_limited(path: &Path, max_bytes: u64, what: &str) -> Result<String, String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "the file is larger than {} KiB; {what} is a short text file",
            max_bytes / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (bad byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The file name without its extension: the name of the query or theme the file holds.
pub(super) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Dot files are editor and VCS leftovers (emacs's `.#x.insights` lock is a dangling symlink),
/// never queries or themes.
pub(super) fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
