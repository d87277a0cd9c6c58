#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::PathBuf;

use super::load::themes_dir_beside;
use super::model::{ROLES, no_color_from};
use super::parse::place;
use super::*;
use crate::catalog::Origin;

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Themes) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let themes = Themes::load(Some(dir.path()));
    (dir, themes)
}

#[test]
fn colours_in_every_accepted_spelling() {
    let c = |s: &str| s.parse::<ThemeColor>().unwrap();
    assert_eq!(c("reset"), ThemeColor::Reset);
    assert_eq!(c("Default"), ThemeColor::Reset);
    assert_eq!(c("red"), ThemeColor::Named(NamedColor::Red));
    assert_eq!(c("Light Red"), ThemeColor::Named(NamedColor::LightRed));
    assert_eq!(c("bright_red"), ThemeColor::Named(NamedColor::LightRed));
    assert_eq!(c("grey"), ThemeColor::Named(NamedColor::Gray));
    assert_eq!(c("dark-grey"), ThemeColor::Named(NamedColor::DarkGray));
    assert_eq!(c("bright-black"), ThemeColor::Named(NamedColor::DarkGray));
    assert_eq!(c("bright-white"), ThemeColor::Named(NamedColor::White));
    assert_eq!(c("ix:244"), ThemeColor::Indexed(244));
    assert_eq!(c("244"), ThemeColor::Indexed(244));
    assert_eq!(c("colour16"), ThemeColor::Indexed(16));
    assert_eq!(c("#FF5f00"), ThemeColor::Rgb(0xff, 0x5f, 0x00));
}

#[test]
fn bad_colours_say_what_is_accepted() {
    let e = "redd".parse::<ThemeColor>().unwrap_err();
    assert_eq!(e.suggestion.as_deref(), Some("red"));
    let message = e.to_string();
    assert!(message.contains("did you mean `red`"), "{message}");
    assert!(message.contains("#ff5f5f"), "{message}");
    for bad in ["ix:256", "#12345", "#gggggg", "", "chartreuse-ish"] {
        assert!(bad.parse::<ThemeColor>().is_err(), "{bad}");
    }
}

#[test]
fn colours_print_as_they_are_read() {
    for text in ["reset", "light-red", "dark-gray", "ix:7", "#0a0b0c"] {
        let colour: ThemeColor = text.parse().unwrap();
        assert_eq!(colour.to_string(), text);
    }
}

#[test]
fn ansi_indexes_follow_the_palette() {
    assert_eq!(NamedColor::Black.ansi_index(), 0);
    assert_eq!(NamedColor::Gray.ansi_index(), 7);
    assert_eq!(NamedColor::DarkGray.ansi_index(), 8);
    assert_eq!(NamedColor::White.ansi_index(), 15);
    for (i, c) in NamedColor::ALL.iter().enumerate() {
        assert_eq!(usize::from(c.ansi_index()), i);
    }
}

#[test]
fn role_names_round_trip_and_chains_end() {
    for &role in Role::ALL {
        assert_eq!(Role::from_name(role.name()), Some(role));
        // A chain longer than the role list would be a loop.
        let mut at = role.fallback();
        let mut steps = 0;
        while let Some(r) = at {
            steps += 1;
            assert!(steps < ROLES, "{role} falls back in a loop");
            at = r.fallback();
        }
    }
}

#[test]
fn no_color_follows_the_convention() {
    assert!(!no_color_from(None));
    assert!(!no_color_from(Some("".into())));
    assert!(no_color_from(Some("1".into())));
    assert!(no_color_from(Some("0".into())));
}

#[test]
fn themes_folder_is_beside_the_queries_folder() {
    assert_eq!(
        themes_dir_beside(PathBuf::from("/home/a/.config/kaudit/queries")),
        Some(PathBuf::from("/home/a/.config/kaudit/themes"))
    );
}

#[test]
fn places_count_lines_and_characters() {
    let text = "a = 1\nné = \"x\"\n";
    let p = place(text, text.find('=').unwrap());
    assert_eq!((p.line, p.column), (1, 3));
    let second = text.rfind('=').unwrap();
    let p = place(text, second);
    assert_eq!((p.line, p.column), (2, 4));
}

#[test]
fn a_role_is_used_as_written() {
    let (_dir, themes) = load(&[("t.toml", "danger = \"red\"\ndeny = { bold = true }\n")]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let t = themes.get("t").unwrap();
    let deny = t.style(Role::Deny);
    assert_eq!(deny.fg, None);
    assert!(deny.bold);
    assert_eq!(t.defined_by(Role::Deny), Some(Role::Deny));
    assert_eq!(t.defined_by(Role::Warning), Some(Role::Danger));
}

#[test]
fn unset_roles_keep_their_colourless_style() {
    let (_dir, themes) = load(&[("t.toml", "danger = \"red\"\n")]);
    let t = themes.get("t").unwrap();
    assert_eq!(t.defined_by(Role::Selected), None);
    assert!(t.style(Role::Selected).reversed);
    assert!(t.style(Role::Muted).dim);
}

#[test]
fn a_bare_colour_is_the_background_fill() {
    let (_dir, themes) = load(&[("t.toml", "background = \"black\"\n")]);
    let bg = themes.get("t").unwrap().style(Role::Background);
    assert_eq!(bg.bg, Some(ThemeColor::Named(NamedColor::Black)));
    assert_eq!(bg.fg, None);
}

#[test]
fn integers_are_palette_indexes() {
    let (_dir, themes) = load(&[("t.toml", "muted = 244\nbar = { bg = 17 }\n")]);
    let t = themes.get("t").unwrap();
    assert_eq!(t.style(Role::Muted).fg, Some(ThemeColor::Indexed(244)));
    assert_eq!(t.style(Role::Bar).bg, Some(ThemeColor::Indexed(17)));
}

#[test]
fn an_unusable_value_leaves_its_role_to_fall_back() {
    let text = "danger = \"red\"\ndeny = { fg = \"redd\", bold = true }\nallow = [1]\nmuted = { dim = \"yes\" }\n";
    let (_dir, themes) = load(&[("t.toml", text)]);
    let t = themes.get("t").unwrap();
    assert_eq!(t.defined_by(Role::Deny), Some(Role::Danger));
    assert_eq!(t.defined_by(Role::Allow), None);
    assert_eq!(t.defined_by(Role::Muted), None);
    let messages: Vec<String> = themes.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages[0].contains(":2:15: `deny.fg`: unknown colour \"redd\" (did you mean `red`?)")
    );
    assert!(
        messages[0].ends_with("`deny` falls back to `danger`"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains(":3:9: `allow` must be a colour"),
        "{}",
        messages[1]
    );
    assert!(messages[1].contains("not an array"), "{}", messages[1]);
    assert!(
        messages[2].contains(":4:17: `muted.dim` must be true or false"),
        "{}",
        messages[2]
    );
    assert!(themes.problems.iter().all(|p| !p.skipped));
}

#[test]
fn unknown_style_fields_are_ignored_with_a_suggestion() {
    let (_dir, themes) = load(&[("t.toml", "deny = { fg = \"red\", bolt = true }\n")]);
    let t = themes.get("t").unwrap();
    assert_eq!(
        t.style(Role::Deny).fg,
        Some(ThemeColor::Named(NamedColor::Red))
    );
    assert_eq!(themes.problems.len(), 1);
    let message = &themes.problems[0].message;
    assert!(
        message.contains("`deny.bolt` (did you mean `bold`?)"),
        "{message}"
    );
}

#[test]
fn duplicate_keys_skip_the_file() {
    let (_dir, themes) = load(&[("t.toml", "text = \"red\"\ntext = \"blue\"\n")]);
    assert!(themes.get("t").is_none());
    assert_eq!(themes.problems.len(), 1);
    assert!(themes.problems[0].skipped);
    assert_eq!(themes.problems[0].line, Some(2));
}

#[test]
fn inheritance_loops_and_self_references_are_reported() {
    let (_dir, themes) = load(&[
        ("a.toml", "inherits = \"b\"\ntext = \"red\"\n"),
        ("b.toml", "inherits = \"a\"\nmuted = \"blue\"\n"),
        ("c.toml", "inherits = \"c\"\n"),
    ]);
    let a = themes.get("a").unwrap();
    assert_eq!(a.defined_by(Role::Muted), Some(Role::Muted));
    let b = themes.get("b").unwrap();
    assert_eq!(b.defined_by(Role::Text), None);
    assert!(themes.get("c").is_some());
    let messages: Vec<String> = themes.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("b.toml:1:12: `inherits = \"a\"` makes a loop"));
    assert!(messages[1].contains("c.toml:1:12: `inherits = \"c\"` names this theme itself"));
}

#[test]
fn an_unknown_parent_is_reported_with_a_suggestion() {
    let (_dir, themes) = load(&[("t.toml", "inherits = \"drak\"\ntext = \"red\"\n")]);
    assert!(themes.get("t").is_some());
    assert_eq!(themes.problems.len(), 1);
    let message = &themes.problems[0].message;
    assert!(message.contains("no theme named `drak`"), "{message}");
    assert!(message.contains("did you mean `dark`?"), "{message}");
}

#[test]
fn a_user_theme_may_inherit_the_default_it_replaces() {
    let (_dir, themes) = load(&[("dark.toml", "inherits = \"dark\"\nallow = \"green\"\n")]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let dark = themes.get("dark").unwrap();
    assert_eq!(
        dark.style(Role::Allow).fg,
        Some(ThemeColor::Named(NamedColor::Green))
    );
    assert_eq!(dark.style(Role::Deny).fg, Some(ThemeColor::Indexed(203)));
    assert!(matches!(dark.origin, Origin::User(_)));
}

#[test]
fn other_files_and_folders_are_not_themes() {
    let (dir, _) = load(&[
        ("notes.txt", "not a theme"),
        (".hidden.toml", "text = ["),
        ("ok.toml", "text = \"red\"\n"),
    ]);
    fs::create_dir(dir.path().join("sub.toml")).unwrap();
    let themes = Themes::load(Some(dir.path()));
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let user: Vec<&str> = themes.names().skip(EMBEDDED.len()).collect();
    assert_eq!(user, ["ok"]);
}

#[test]
fn unreadable_files_are_skipped() {
    let (_dir, themes) = load(&[("t.toml", "")]);
    assert!(themes.get("t").is_some(), "an empty theme is a valid one");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("latin1.toml"), b"text = \"r\xe9d\"\n").unwrap();
    fs::write(
        dir.path().join("big.toml"),
        "# x\n".repeat(MAX_FILE_BYTES as usize),
    )
    .unwrap();
    let themes = Themes::load(Some(dir.path()));
    assert!(themes.get("latin1").is_none());
    assert!(themes.get("big").is_none());
    let messages: Vec<String> = themes.problems.iter().map(|p| p.to_string()).collect();
    assert!(messages[0].contains("larger than 64 KiB"), "{messages:?}");
    assert!(messages[1].contains("not UTF-8"), "{messages:?}");
    assert!(messages.iter().all(|m| m.ends_with("(theme skipped)")));
}

#[test]
fn a_missing_folder_is_not_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let themes = Themes::load(Some(&dir.path().join("absent")));
    assert!(themes.problems.is_empty());
    assert_eq!(themes.names().count(), EMBEDDED.len());
}

#[test]
fn the_default_theme_is_dark() {
    assert_eq!(Themes::load(None).default_theme().name, DEFAULT_THEME);
    assert_eq!(Themes::default().default_theme().name, "no-color");
}
