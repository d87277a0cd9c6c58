//! The console's config file: `<config>/kaudit/config.toml` (next to the user's `queries/` and
//! `themes/` folders). Every key is optional; a bad file is reported on the status line and
//! the defaults are used, never a refusal to start.
//!
//! ```toml
//! theme = "light"        # a file stem of themes/ or the user's themes folder
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<String>,
}

/// `<config>/kaudit/config.toml`, where `<config>` is the folder the canned queries' user
/// folder is in.
pub fn default_path() -> Option<PathBuf> {
    let queries = crate::catalog::default_user_dir()?;
    Some(queries.parent()?.join("config.toml"))
}

/// The config at `path`; a missing file is the defaults, a bad one the defaults and a message
/// that names the file, line and column.
pub fn load(path: &Path) -> (Config, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Config::default(), None),
        Err(e) => {
            return (
                Config::default(),
                Some(format!("{}: {e}; using the defaults", path.display())),
            );
        }
    };
    match parse(&text) {
        Ok(config) => (config, None),
        Err(e) => (
            Config::default(),
            Some(format!("{}:{e}; using the defaults", path.display())),
        ),
    }
}

/// Parses a config; the error starts with `line:column:`.
pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |span| line_column(text, span.start));
        format!("{line}:{column}: {}", e.message())
    })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_is_read_and_unknown_keys_are_pointed_at() {
        assert_eq!(
            parse("theme = \"light\"\n").unwrap(),
            Config {
                theme: Some("light".into())
            }
        );
        let err = parse("theme = \"dark\"\ncolour = 1\n").unwrap_err();
        assert!(err.starts_with("2:1:"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn a_missing_file_is_the_defaults_and_a_bad_one_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let (config, message) = load(&dir.path().join("config.toml"));
        assert_eq!((config, message), (Config::default(), None));
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "theme = \n").unwrap();
        let (config, message) = load(&path);
        assert_eq!(config, Config::default());
        let message = message.unwrap();
        assert!(message.contains("config.toml:1:"), "{message}");
    }
}
