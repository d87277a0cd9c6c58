//! The third-party corpus the tests read in place.

use std::path::PathBuf;

/// The third-party corpus (`../shared/corpus`), read in place and never copied.
///
/// `KAUDIT_CORPUS` set (as CI sets it): the folder must exist, or the test fails. Unset: the
/// sibling `../shared/corpus` is used when present; otherwise the test says plainly that it did
/// not run and returns `None`.
pub fn corpus_dir(test: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KAUDIT_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "KAUDIT_CORPUS={} is not a folder: the corpus tests must run here",
            dir.display()
        );
        return Some(dir);
    }
    let sibling = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if sibling.is_dir() {
        return Some(sibling);
    }
    eprintln!(
        "NOT RUN: {test}: the corpus was not found (set KAUDIT_CORPUS to ../shared/corpus to run it)"
    );
    None
}
