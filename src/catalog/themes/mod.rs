//! Colour themes keyed by meaning: embedded defaults from `themes/`, a user folder on top.
//!
//! A theme is a TOML file whose keys are meanings, not widgets: `deny` is how a forbidden
//! decision looks wherever it is shown (a results row, a detail line, a histogram bar). A value is
//! a colour, or a table of a colour pair and modifiers:
//!
//! ```toml
//! inherits = "dark"                       # optional: start from another theme
//! description = "Dark, with louder denials"
//! muted = "gray"                          # a bare colour is the foreground
//! deny = { fg = "#ff5f5f", bold = true }  # fg, bg, bold, italic, underline, reversed, dim
//! selected = { bg = "ix:238" }
//! background = "reset"                    # for `background` alone, a bare colour is the fill
//! ```
//!
//! Colours are `reset` (the terminal's own colour), the sixteen ANSI names as ratatui spells
//! them (`black`, `red`, `green`, `yellow`, `blue`, `magenta`, `cyan`, `gray`, `dark-gray`,
//! `light-red`, `light-green`, `light-yellow`, `light-blue`, `light-magenta`, `light-cyan`,
//! `white`; `bright-` may stand for `light-`, `grey` for `gray`), a 256-colour index (`"ix:244"`,
//! `"244"` or the integer `244`) or `"#rrggbb"`. Note that `white` is the bright white (ANSI 15)
//! and `gray` the ordinary one (ANSI 7).
//!
//! # Fallbacks
//! A role is styled by the first of these that is set: the role itself, then each role of its
//! fallback chain ([`Role::fallback`]). A role is used as written: a role set to just
//! `{ bold = true }` has no colour of its own, it does not borrow one from its fallback. When
//! nothing in the chain is set, the role takes its colourless style ([`Theme::no_color`]), so
//! that the cursor row, marks and denials still show in a theme of three lines.
//!
//! With `inherits = "name"`, every role the file does not set is taken from that theme, before
//! any fallback: the file is a copy of its parent with changes. A user file may inherit the
//! built-in theme it replaces (`dark.toml` with `inherits = "dark"`).
//!
//! # Problems
//! A file that is not TOML, not UTF-8 or too large is listed in [`Themes::problems`] and skipped.
//! Inside a usable file, an unknown key is reported (with the nearest known name) and ignored, and
//! a value that cannot be used is reported and leaves its role unset, so the role falls back:
//! one typo must not cost a person the rest of their theme.

mod color;
mod inherit;
mod load;
mod model;
mod parse;

pub use color::{ColorError, NamedColor, ThemeColor};
pub use load::{ThemeProblem, Themes, default_user_dir};
pub use model::{Role, StyleSpec, Theme, no_color_requested};

use super::files::embedded;

/// The theme used when none is chosen.
pub const DEFAULT_THEME: &str = "dark";

/// The extension of a theme file.
pub const EXTENSION: &str = "toml";

/// A theme is a few dozen lines; the cap refuses a large file dropped into the folder by mistake.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// `(file name, text)` of each default, in the order the console lists them.
const EMBEDDED: &[(&str, &str)] = embedded![
    "../../../themes", "toml":
    "dark",
    "light",
    "high-contrast",
    "solarized-dark",
];

/// ` (did you mean `name`?)` when there is a near name, else nothing: for the end of a message.
fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

#[cfg(test)]
#[path = "themes_tests.rs"]
mod tests;
