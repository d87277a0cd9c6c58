//! Bad usage: a mistake in how kaudit was called, said with its reason; exit status 2, as for
//! the mistakes the argument parser finds itself.

use std::path::{Path, PathBuf};

/// A command line that cannot be run as given.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Bad usage, as an error to return with `?`.
pub fn usage(reason: impl Into<String>) -> anyhow::Error {
    UsageError(reason.into()).into()
}

/// Whether an error is bad usage, wherever in its chain.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.is::<UsageError>())
}

/// `kaudit PATH` reads PATH, so a mistyped command (`kaudit evnts`) arrives as a path. A first
/// path that names nothing on disk but is close to a command's name is taken as that command
/// mistyped; a file of that name, or a name far from every command, is left to be read (and,
/// when missing, reported as an input that could not be opened).
pub fn mistyped_command<'a>(
    paths: &[PathBuf],
    commands: impl IntoIterator<Item = &'a str>,
) -> Option<anyhow::Error> {
    let first = paths.first()?;
    let word = first.to_str()?;
    if word == "-" || word.contains(['/', '\\', '.']) || Path::new(word).exists() {
        return None;
    }
    let command = crate::insights::suggest::nearest(word, commands)?;
    // Made safe for the terminal with the rest of the message, where it is printed.
    Some(usage(format!(
        "no command and no file named {word}; did you mean `kaudit {command}`?"
    )))
}

/// Exit status for a query that does not parse or check: the message went to stderr.
pub(super) const QUERY_ERROR: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    const COMMANDS: [&str; 4] = ["events", "query", "detect", "formats"];

    fn suggestion(word: &str) -> Option<String> {
        mistyped_command(&[PathBuf::from(word)], COMMANDS).map(|e| e.to_string())
    }

    #[test]
    fn a_missing_word_near_a_command_suggests_it() {
        assert_eq!(
            suggestion("evnts").as_deref(),
            Some("no command and no file named evnts; did you mean `kaudit events`?")
        );
        assert!(suggestion("qeury").unwrap().contains("`kaudit query`"));
        assert!(is_usage(
            &mistyped_command(&[PathBuf::from("detcet")], COMMANDS).unwrap()
        ));
    }

    #[test]
    fn files_and_far_names_are_left_to_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("evnts");
        std::fs::write(&real, "").unwrap();
        assert!(mistyped_command(&[real], COMMANDS).is_none());
        for word in ["audit.log", "-", "./evnts", "kube-apiserver-audit", "x"] {
            assert_eq!(suggestion(word), None, "{word}");
        }
        assert!(mistyped_command(&[], COMMANDS).is_none());
    }
}
