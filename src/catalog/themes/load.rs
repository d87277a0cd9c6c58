//! The set of themes: the defaults, the user folder on top, and what was wrong with either.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::inherit::{Key, Resolver};
use super::parse::parse_theme;
use super::{DEFAULT_THEME, EMBEDDED, EXTENSION, MAX_FILE_BYTES, Theme};
use crate::catalog::Origin;
use crate::catalog::files::{is_hidden, read_limited, stem};

/// The user theme folder: `themes` beside the user query folder, so
/// `$XDG_CONFIG_HOME/kaudit/themes` or `$HOME/.config/kaudit/themes`.
pub fn default_user_dir() -> Option<PathBuf> {
    themes_dir_beside(crate::catalog::default_user_dir()?)
}

pub(super) fn themes_dir_beside(queries: PathBuf) -> Option<PathBuf> {
    Some(queries.parent()?.join("themes"))
}

/// Something wrong in a theme file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeProblem {
    pub path: PathBuf,
    /// 1-based, when the problem is at a place in the file.
    pub line: Option<usize>,
    /// 1-based, in characters, when `line` is set.
    pub column: Option<usize>,
    pub message: String,
    /// True when the whole file was left out; otherwise only the key named in the message was.
    pub skipped: bool,
}

impl fmt::Display for ThemeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if self.skipped {
            f.write_str(" (theme skipped)")?;
        }
        Ok(())
    }
}

/// The themes available to the console.
#[derive(Debug, Clone, Default)]
pub struct Themes {
    /// Unique by name: defaults in their curated order, then user additions by file name.
    themes: Vec<Theme>,
    /// In the order they were met: defaults, then user files by name.
    pub problems: Vec<ThemeProblem>,
}

impl Themes {
    /// The defaults, with the `*.toml` files of `user_dir` on top: a file named like a default
    /// replaces it, any other adds a theme. A missing `user_dir` is normal and not a problem.
    pub fn load(user_dir: Option<&Path>) -> Self {
        let mut problems = Vec::new();
        let mut embedded = Vec::new();
        for (file, text) in EMBEDDED {
            let stem = file.strip_suffix(".toml").unwrap_or(file);
            let path = Path::new("themes").join(file);
            embedded.extend(parse_theme(
                stem,
                text,
                &path,
                Origin::Embedded,
                &mut problems,
            ));
        }
        let mut user = Vec::new();
        if let Some(dir) = user_dir {
            for path in user_files(dir, &mut problems) {
                let stem = stem(&path);
                match read_limited(&path, MAX_FILE_BYTES, "a theme") {
                    Ok(text) => user.extend(parse_theme(
                        &stem,
                        &text,
                        &path,
                        Origin::User(path.clone()),
                        &mut problems,
                    )),
                    Err(message) => problems.push(ThemeProblem {
                        path,
                        line: None,
                        column: None,
                        message,
                        skipped: true,
                    }),
                }
            }
        }

        let mut resolver = Resolver::new(&embedded, &user, &mut problems);
        let mut themes = Vec::new();
        for (i, theme) in embedded.iter().enumerate() {
            let key = match user.iter().position(|u| u.name == theme.name) {
                Some(u) => Key::User(u),
                None => Key::Embedded(i),
            };
            themes.push(resolver.theme(key));
        }
        for (u, theme) in user.iter().enumerate() {
            if !embedded.iter().any(|e| e.name == theme.name) {
                themes.push(resolver.theme(Key::User(u)));
            }
        }
        Themes { themes, problems }
    }

    /// The theme called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.name == name)
    }

    /// [`DEFAULT_THEME`]; should even that be unusable, the first theme, then the colourless one.
    pub fn default_theme(&self) -> &Theme {
        self.get(DEFAULT_THEME)
            .or_else(|| self.themes.first())
            .unwrap_or(&NO_COLOR_THEME)
    }

    /// The names, in listing order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.themes.iter().map(|t| t.name.as_str())
    }

    /// All themes, defaults first.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }
}

static NO_COLOR_THEME: LazyLock<Theme> = LazyLock::new(Theme::no_color);

/// The `*.toml` files of `dir`, sorted so that listing order does not depend on the file system.
/// The folder is flat: a theme is one file.
fn user_files(dir: &Path, problems: &mut Vec<ThemeProblem>) -> Vec<PathBuf> {
    let mut problem = |message: String| {
        problems.push(ThemeProblem {
            path: dir.to_path_buf(),
            line: None,
            column: None,
            message,
            skipped: false,
        });
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Most people never make the folder; that is not worth a word.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            problem(format!("cannot list the theme folder: {e}"));
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                problem(format!("cannot list the theme folder: {e}"));
                continue;
            }
        };
        if is_hidden(&path) || path.extension().is_none_or(|e| e != EXTENSION) {
            continue;
        }
        // `metadata` follows symlinks, so a linked theme counts as the file it points to; a
        // broken link is left to `read_limited` to report.
        if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        files.push(path);
    }
    files.sort();
    files
}
