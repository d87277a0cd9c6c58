//! One theme file as written: TOML to roles and styles, each unusable value reported where it is.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::model::{Entries, ROLES};
use super::{Role, StyleSpec, ThemeColor, ThemeProblem, did_you_mean};
use crate::catalog::Origin;
use crate::text::suggest::nearest;

/// One file as written, before inheritance.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) name: String,
    pub(super) description: String,
    /// The parent's name and where the file names it.
    pub(super) inherits: Option<(String, Place)>,
    pub(super) origin: Origin,
    pub(super) path: PathBuf,
    pub(super) entries: Entries,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub(super) line: usize,
    pub(super) column: usize,
}

pub(super) fn place(text: &str, offset: usize) -> Place {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Place {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Reads one theme file; `None` when it cannot be used at all.
pub(super) fn parse_theme(
    stem: &str,
    text: &str,
    path: &Path,
    origin: Origin,
    problems: &mut Vec<ThemeProblem>,
) -> Option<Parsed> {
    // Editors on some systems save a byte-order mark; spans are counted without it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut report = |at: Option<Place>, message: String, skipped: bool| {
        problems.push(ThemeProblem {
            path: path.to_path_buf(),
            line: at.map(|p| p.line),
            column: at.map(|p| p.column),
            message,
            skipped,
        });
    };
    let table = match DeTable::parse(text) {
        Ok(table) => table.into_inner(),
        Err(e) => {
            let at = e.span().map(|s| place(text, s.start));
            let message = format!("not valid TOML: {}; fix the file", e.message().trim_end());
            report(at, message, true);
            return None;
        }
    };

    let mut parsed = Parsed {
        name: stem.to_owned(),
        description: String::new(),
        inherits: None,
        origin,
        path: path.to_path_buf(),
        entries: [None; ROLES],
    };
    // The table is ordered by key; problems read better in file order.
    let mut items: Vec<_> = table.iter().collect();
    items.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in items {
        let key_at = place(text, key.span().start);
        let value_at = place(text, value.span().start);
        match key.get_ref().as_ref() {
            "inherits" => match value.get_ref().as_str() {
                Some(name) => parsed.inherits = Some((name.to_owned(), value_at)),
                None => report(
                    Some(value_at),
                    "`inherits` must be a theme name in quotes, such as inherits = \"dark\"; it is ignored"
                        .to_owned(),
                    false,
                ),
            },
            "description" => match value.get_ref().as_str() {
                Some(d) => parsed.description = d.to_owned(),
                None => report(
                    Some(value_at),
                    "`description` must be text in quotes; it is ignored".to_owned(),
                    false,
                ),
            },
            name => match Role::from_name(name) {
                Some(role) => {
                    let mut issues = Vec::new();
                    let style = parse_style(role, value, text, &mut issues);
                    for (at, message) in issues {
                        report(Some(at), message, false);
                    }
                    if let Some(style) = style {
                        parsed.entries[role.index()] = Some(style);
                    }
                }
                None => {
                    let known = Role::ALL
                        .iter()
                        .map(|r| r.name())
                        .chain(["inherits", "description"]);
                    let message = match nearest(name, known) {
                        Some(s) => format!("unknown key `{name}` (did you mean `{s}`?); it is ignored"),
                        None => format!(
                            "unknown key `{name}`; it is ignored (a theme sets roles such as text, muted, deny, allow and selected: see themes/dark.toml)"
                        ),
                    };
                    report(Some(key_at), message, false);
                }
            },
        }
    }
    Some(parsed)
}

const STYLE_FIELDS: &[&str] = &["fg", "bg", "bold", "italic", "underline", "reversed", "dim"];

/// `None` when the value cannot be used, so that the role falls back; `issues` says why.
fn parse_style(
    role: Role,
    value: &Spanned<DeValue<'_>>,
    text: &str,
    issues: &mut Vec<(Place, String)>,
) -> Option<StyleSpec> {
    let at = place(text, value.span().start);
    let then = match role.fallback() {
        Some(f) => format!("`{role}` falls back to `{f}`"),
        None => format!("`{role}` keeps its colourless style"),
    };
    let colour = |v: &Spanned<DeValue<'_>>, issues: &mut Vec<(Place, String)>, key: &str| {
        let at = place(text, v.span().start);
        let parsed = match v.get_ref() {
            DeValue::String(s) => s.parse::<ThemeColor>().map_err(|e| e.to_string()),
            DeValue::Integer(i) => u8::from_str_radix(i.as_str(), i.radix())
                .map(ThemeColor::Indexed)
                .map_err(|_| "a colour index is from 0 to 255".to_owned()),
            other => Err(format!(
                "expected a colour in quotes, such as \"#ff5f5f\", not {}",
                article(other.type_str())
            )),
        };
        parsed
            .map_err(|e| issues.push((at, format!("`{key}`: {e}; {then}"))))
            .ok()
    };
    match value.get_ref() {
        DeValue::String(_) | DeValue::Integer(_) => {
            let c = colour(value, issues, role.name())?;
            // The background's meaning is its fill, so a bare colour there is the fill.
            Some(if role == Role::Background {
                StyleSpec {
                    bg: Some(c),
                    ..StyleSpec::default()
                }
            } else {
                StyleSpec {
                    fg: Some(c),
                    ..StyleSpec::default()
                }
            })
        }
        DeValue::Table(table) => {
            let mut style = StyleSpec::default();
            let mut usable = true;
            let mut items: Vec<_> = table.iter().collect();
            items.sort_by_key(|(k, _)| k.span().start);
            for (key, v) in items {
                let field = key.get_ref().as_ref();
                let qualified = format!("{role}.{field}");
                let flag = match field {
                    "fg" | "bg" => {
                        let c = colour(v, issues, &qualified);
                        usable &= c.is_some();
                        if field == "fg" {
                            style.fg = c;
                        } else {
                            style.bg = c;
                        }
                        continue;
                    }
                    "bold" => &mut style.bold,
                    "italic" => &mut style.italic,
                    "underline" => &mut style.underline,
                    "reversed" => &mut style.reversed,
                    "dim" => &mut style.dim,
                    _ => {
                        let suggestion = nearest(field, STYLE_FIELDS.iter().copied());
                        issues.push((
                            place(text, key.span().start),
                            format!(
                                "unknown key `{qualified}`{}; it is ignored (a style has {})",
                                did_you_mean(suggestion.as_deref()),
                                STYLE_FIELDS.join(", ")
                            ),
                        ));
                        continue;
                    }
                };
                match v.get_ref().as_bool() {
                    Some(b) => *flag = b,
                    None => {
                        usable = false;
                        issues.push((
                            place(text, v.span().start),
                            format!("`{qualified}` must be true or false; {then}"),
                        ));
                    }
                }
            }
            usable.then_some(style)
        }
        other => {
            issues.push((
                at,
                format!(
                    "`{role}` must be a colour such as \"#ff5f5f\" or a table such as {{ fg = \"#ff5f5f\", bold = true }}, not {}; {then}",
                    article(other.type_str())
                ),
            ));
            None
        }
    }
}

fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}
