//! Roles, their styles, and a theme that gives each role a style.

use std::fmt;

use super::color::ThemeColor;
use crate::catalog::Origin;

macro_rules! roles {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, fallback $fallback:expr;)*) => {
        /// What a piece of the console means, which a theme gives a style.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role {
            $($(#[$doc])* $variant,)*
        }

        impl Role {
            /// Every role, in the order theme files list them.
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            /// The key of this role in a theme file.
            pub fn name(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)*
                }
            }

            /// The role this one takes its style from when a theme does not set it.
            pub fn fallback(self) -> Option<Role> {
                match self {
                    $(Role::$variant => $fallback,)*
                }
            }
        }
    };
}

roles! {
    /// Ordinary text.
    Text = "text", fallback None;
    /// Secondary text: counts, labels, hints.
    Muted = "muted", fallback Some(Role::Text);
    /// The fill behind everything; its `bg` is what counts.
    Background = "background", fallback Some(Role::Text);
    /// Pane borders.
    Border = "border", fallback Some(Role::Muted);
    /// The focused pane's border and title.
    Focus = "focus", fallback Some(Role::Accent);
    /// The cursor row. Without a fallback role, so that an unset cursor is reversed rather than
    /// borrowing a colour that may not stand out.
    Selected = "selected", fallback None;
    /// Rows marked for export.
    Marked = "marked", fallback Some(Role::Accent);
    /// Column headers and section titles.
    Header = "header", fallback Some(Role::Accent);
    /// Emphasis: key names, the title, pivots.
    Accent = "accent", fallback Some(Role::Text);
    /// Search hits.
    Match = "match", fallback Some(Role::Accent);
    /// Active filter chips.
    Chip = "chip", fallback Some(Role::Accent);
    /// Anything bad that has no more precise role.
    Danger = "danger", fallback Some(Role::Text);
    /// Forbidden decisions, 401/403 rows, denied histogram bars.
    Deny = "deny", fallback Some(Role::Danger);
    /// Allowed decisions.
    Allow = "allow", fallback Some(Role::Text);
    /// Truncated events, malformed line counts.
    Warning = "warning", fallback Some(Role::Danger);
    /// Query errors and their caret.
    Error = "error", fallback Some(Role::Danger);
    /// Histogram bars.
    Bar = "bar", fallback Some(Role::Accent);
    /// Query editor: commands and keywords.
    SyntaxKeyword = "syntax_keyword", fallback Some(Role::Accent);
    /// Query editor: function names.
    SyntaxFunction = "syntax_function", fallback Some(Role::Accent);
    /// Query editor: string literals.
    SyntaxString = "syntax_string", fallback Some(Role::Text);
    /// Query editor: numbers and durations.
    SyntaxNumber = "syntax_number", fallback Some(Role::Text);
    /// Query editor: field names.
    SyntaxField = "syntax_field", fallback Some(Role::Text);
    /// Query editor: `#` comments.
    SyntaxComment = "syntax_comment", fallback Some(Role::Muted);
    /// Query editor: operators and `|`.
    SyntaxOperator = "syntax_operator", fallback Some(Role::Text);
}

pub(super) const ROLES: usize = Role::ALL.len();

impl Role {
    /// The role whose theme key is `name`.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.name() == name)
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The style a role has when no colour may carry its meaning.
    fn colourless(self) -> StyleSpec {
        let plain = StyleSpec::default();
        match self {
            Role::Text
            | Role::Background
            | Role::Allow
            | Role::Bar
            | Role::SyntaxFunction
            | Role::SyntaxString
            | Role::SyntaxNumber
            | Role::SyntaxField
            | Role::SyntaxOperator => plain,
            Role::Muted | Role::Border => StyleSpec { dim: true, ..plain },
            Role::Focus
            | Role::Header
            | Role::Accent
            | Role::Danger
            | Role::Warning
            | Role::SyntaxKeyword => StyleSpec {
                bold: true,
                ..plain
            },
            Role::Selected | Role::Chip => StyleSpec {
                reversed: true,
                ..plain
            },
            Role::Marked => StyleSpec {
                bold: true,
                italic: true,
                ..plain
            },
            Role::Match => StyleSpec {
                underline: true,
                ..plain
            },
            Role::Deny => StyleSpec {
                bold: true,
                underline: true,
                ..plain
            },
            Role::Error => StyleSpec {
                bold: true,
                reversed: true,
                ..plain
            },
            Role::SyntaxComment => StyleSpec {
                dim: true,
                italic: true,
                ..plain
            },
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How one role looks. A colour left `None` is not set at all, so whatever is drawn underneath
/// shows through; `Some(Reset)` asks for the terminal's own colour. Modifiers are only ever added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StyleSpec {
    pub fg: Option<ThemeColor>,
    pub bg: Option<ThemeColor>,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub reversed: bool,
    pub dim: bool,
}

/// The roles a theme sets itself (its own file, then what it inherits), by role index.
pub(super) type Entries = [Option<StyleSpec>; ROLES];

/// A theme with its inheritance applied; fallbacks are resolved when a role is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The file stem: what `--theme` and the config name.
    pub name: String,
    pub description: String,
    /// The theme this one starts from, as the file names it.
    pub inherits: Option<String>,
    pub origin: Origin,
    pub(super) entries: Entries,
}

impl Theme {
    /// The style of `role`, fallbacks resolved.
    pub fn style(&self, role: Role) -> StyleSpec {
        match self.defined_by(role) {
            Some(from) => self.entries[from.index()].unwrap_or_default(),
            None => role.colourless(),
        }
    }

    /// The role whose setting styles `role`: itself, one of its fallbacks, or `None` when the
    /// theme sets nothing along the chain and the colourless style is used.
    pub fn defined_by(&self, role: Role) -> Option<Role> {
        let mut at = Some(role);
        while let Some(r) = at {
            if self.entries[r.index()].is_some() {
                return Some(r);
            }
            at = r.fallback();
        }
        None
    }

    /// The theme for `NO_COLOR`: no colour at all, meaning carried by modifiers alone (denials
    /// bold and underlined, the cursor reversed, secondary text dim).
    pub fn no_color() -> Theme {
        let mut entries: Entries = [None; ROLES];
        for role in Role::ALL {
            entries[role.index()] = Some(role.colourless());
        }
        Theme {
            name: "no-color".to_owned(),
            description: "No colour, for NO_COLOR; meaning shown by bold, underline and reverse"
                .to_owned(),
            inherits: None,
            origin: Origin::Embedded,
            entries,
        }
    }
}

/// Whether the user asked for no colour: per <https://no-color.org>, `NO_COLOR` set to anything
/// but the empty string.
pub fn no_color_requested() -> bool {
    no_color_from(std::env::var_os("NO_COLOR"))
}

pub(super) fn no_color_from(value: Option<std::ffi::OsString>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}
