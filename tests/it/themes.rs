//! The built-in themes and a user theme folder, as the console loads them.

use std::fs;
use std::path::Path;

use kaudit::catalog::Origin;
use kaudit::catalog::themes::{NamedColor, Role, StyleSpec, Theme, ThemeColor, Themes};

use crate::support::child;
use crate::support::kaudit_command;

const BUILT_IN: &[&str] = &["dark", "light", "high-contrast", "solarized-dark"];

fn user(files: &[(&str, &str)]) -> (tempfile::TempDir, Themes) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let themes = Themes::load(Some(dir.path()));
    (dir, themes)
}

fn rgb(text: &str) -> Option<ThemeColor> {
    Some(text.parse().unwrap())
}

#[test]
fn built_in_themes_load_without_problems() {
    let themes = Themes::load(None);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    assert_eq!(themes.names().collect::<Vec<_>>(), BUILT_IN);
    for theme in themes.themes() {
        assert_eq!(theme.origin, Origin::Embedded);
        assert!(!theme.description.is_empty(), "{}", theme.name);
    }
}

#[test]
fn built_in_themes_define_every_role() {
    let themes = Themes::load(None);
    for theme in themes.themes() {
        for &role in Role::ALL {
            let by = theme.defined_by(role);
            assert!(by.is_some(), "{}: nothing styles {role}", theme.name);
            // Reverse video is a style too (high-contrast's cursor), so "shows" is not "has
            // a colour".
            assert_ne!(
                theme.style(role),
                StyleSpec::default(),
                "{}: {role} looks like nothing",
                theme.name
            );
        }
    }
}

#[test]
fn dark_and_light_deny_differ() {
    let themes = Themes::load(None);
    let deny = |name: &str| themes.get(name).unwrap().style(Role::Deny);
    assert_ne!(deny("dark").fg, deny("light").fg);
    assert_eq!(deny("dark").fg, Some(ThemeColor::Indexed(203)));
}

#[test]
fn high_contrast_text_stands_out_from_its_fill() {
    let themes = Themes::load(None);
    let hc = themes.get("high-contrast").unwrap();
    let text = hc.style(Role::Text).fg.unwrap();
    let fill = hc.style(Role::Background).bg.unwrap();
    assert_ne!(text, fill);
    assert_ne!(text, ThemeColor::Reset);
    assert_ne!(fill, ThemeColor::Reset);
}

#[test]
fn a_denied_row_keeps_its_colour_under_the_cursor() {
    // The console draws `selected` over `deny`; a cursor that sets a foreground would hide it.
    let themes = Themes::load(None);
    for theme in themes.themes() {
        let selected = theme.style(Role::Selected);
        assert!(
            selected.fg.is_none(),
            "{}: selected sets a foreground",
            theme.name
        );
    }
}

#[test]
fn a_missing_role_falls_back_along_its_chain() {
    let (_dir, themes) = user(&[("mine.toml", "danger = { fg = \"#ff0000\", bold = true }\n")]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let mine = themes.get("mine").unwrap();
    let danger = StyleSpec {
        fg: rgb("#ff0000"),
        bold: true,
        ..StyleSpec::default()
    };
    assert_eq!(mine.style(Role::Deny), danger);
    assert_eq!(mine.style(Role::Warning), danger);
    assert_eq!(mine.style(Role::Error), danger);
    assert_eq!(mine.defined_by(Role::Deny), Some(Role::Danger));
    assert_eq!(mine.defined_by(Role::Allow), None);
}

#[test]
fn syntax_roles_fall_back_to_accent_and_text() {
    let (_dir, themes) = user(&[(
        "mine.toml",
        "text = \"white\"\naccent = \"cyan\"\nmuted = \"gray\"\n",
    )]);
    let mine = themes.get("mine").unwrap();
    let fg = |role| mine.style(role).fg;
    let named = |c| Some(ThemeColor::Named(c));
    assert_eq!(fg(Role::SyntaxKeyword), named(NamedColor::Cyan));
    assert_eq!(fg(Role::SyntaxFunction), named(NamedColor::Cyan));
    assert_eq!(fg(Role::SyntaxString), named(NamedColor::White));
    assert_eq!(fg(Role::SyntaxComment), named(NamedColor::Gray));
    assert_eq!(fg(Role::Marked), named(NamedColor::Cyan));
    assert_eq!(fg(Role::Border), named(NamedColor::Gray));
}

#[test]
fn inherits_starts_from_another_theme() {
    let (_dir, themes) = user(&[(
        "louder.toml",
        "inherits = \"light\"\ndeny = { fg = \"#ff0000\", bold = true, underline = true }\n",
    )]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let light = themes.get("light").unwrap();
    let louder = themes.get("louder").unwrap();
    assert_eq!(louder.inherits.as_deref(), Some("light"));
    assert_eq!(louder.style(Role::Deny).fg, rgb("#ff0000"));
    assert!(louder.style(Role::Deny).underline);
    for &role in Role::ALL.iter().filter(|&&r| r != Role::Deny) {
        assert_eq!(louder.style(role), light.style(role), "{role}");
    }
}

#[test]
fn inherits_chains_through_user_themes() {
    let (_dir, themes) = user(&[
        ("base.toml", "inherits = \"dark\"\nallow = \"green\"\n"),
        ("top.toml", "inherits = \"base\"\ntext = \"white\"\n"),
    ]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    let top = themes.get("top").unwrap();
    let dark = themes.get("dark").unwrap();
    assert_eq!(
        top.style(Role::Allow).fg,
        Some(ThemeColor::Named(NamedColor::Green))
    );
    assert_eq!(
        top.style(Role::Text).fg,
        Some(ThemeColor::Named(NamedColor::White))
    );
    assert_eq!(top.style(Role::Deny), dark.style(Role::Deny));
}

#[test]
fn a_user_file_replaces_a_default_by_name() {
    let (dir, themes) = user(&[("light.toml", "text = \"black\"\n")]);
    assert!(themes.problems.is_empty(), "{:?}", themes.problems);
    assert_eq!(themes.names().collect::<Vec<_>>(), BUILT_IN);
    let light = themes.get("light").unwrap();
    assert_eq!(light.origin, Origin::User(dir.path().join("light.toml")));
    assert_eq!(
        light.style(Role::Text).fg,
        Some(ThemeColor::Named(NamedColor::Black))
    );
    // Not inherited: the replacement sets only `text`.
    assert_eq!(light.defined_by(Role::Deny), Some(Role::Text));
}

#[test]
fn a_user_file_adds_a_theme() {
    let (_dir, themes) = user(&[("zz-mine.toml", "text = \"red\"\n")]);
    let names: Vec<&str> = themes.names().collect();
    assert_eq!(names.last(), Some(&"zz-mine"));
    assert_eq!(names.len(), BUILT_IN.len() + 1);
}

#[test]
fn bad_toml_is_reported_with_its_place_and_skipped() {
    let bad = "text = \"white\"\ndeny = { fg = \"red\" bold = true }\n";
    let (dir, themes) = user(&[("broken.toml", bad), ("good.toml", "text = \"red\"\n")]);
    assert!(themes.get("broken").is_none());
    assert!(themes.get("good").is_some());
    assert_eq!(themes.problems.len(), 1, "{:?}", themes.problems);
    let problem = &themes.problems[0];
    assert_eq!(problem.path, dir.path().join("broken.toml"));
    assert_eq!(problem.line, Some(2));
    assert_eq!(problem.column, Some(21));
    assert!(problem.skipped);
    let shown = problem.to_string();
    assert!(shown.starts_with(&format!("{}:2:21: not valid TOML", problem.path.display())));
    assert!(shown.ends_with("(theme skipped)"), "{shown}");
}

#[test]
fn a_broken_user_theme_does_not_replace_the_default() {
    let (_dir, themes) = user(&[("dark.toml", "text = \n")]);
    assert_eq!(themes.problems.len(), 1);
    let dark = themes.get("dark").unwrap();
    assert_eq!(dark.origin, Origin::Embedded);
}

#[test]
fn unknown_keys_are_reported_with_a_suggestion_and_the_rest_is_used() {
    let (_dir, themes) = user(&[(
        "mine.toml",
        "text = \"white\"\ndney = \"red\"\nsyntax_keywrd = \"blue\"\nwibble = 1\n",
    )]);
    let mine = themes.get("mine").unwrap();
    assert_eq!(
        mine.style(Role::Text).fg,
        Some(ThemeColor::Named(NamedColor::White))
    );
    let messages: Vec<&str> = themes.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("unknown key `dney` (did you mean `deny`?)"));
    assert!(
        messages[1].starts_with("unknown key `syntax_keywrd` (did you mean `syntax_keyword`?)")
    );
    assert!(
        messages[2].starts_with("unknown key `wibble`;"),
        "{}",
        messages[2]
    );
    let lines: Vec<_> = themes.problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(
        lines,
        [(Some(2), Some(1)), (Some(3), Some(1)), (Some(4), Some(1))]
    );
    assert!(themes.problems.iter().all(|p| !p.skipped));
}

#[test]
fn no_color_carries_meaning_without_colour() {
    let theme = Theme::no_color();
    for &role in Role::ALL {
        let style = theme.style(role);
        assert_eq!((style.fg, style.bg), (None, None), "{role}");
    }
    let deny = theme.style(Role::Deny);
    let selected = theme.style(Role::Selected);
    let muted = theme.style(Role::Muted);
    assert!(deny.bold && deny.underline);
    assert!(selected.reversed);
    assert!(muted.dim);
    assert_ne!(deny, selected);
    assert_ne!(deny, muted);
    assert_ne!(selected, muted);
    assert_ne!(deny, theme.style(Role::Text));
    assert_ne!(theme.style(Role::Marked), theme.style(Role::Text));
}

/// `kaudit ARGS` with a home of its own (`HOME`, or `XDG_CONFIG_HOME` when given): the test
/// runs the same wherever it runs, whatever the environment of whoever runs it.
fn kaudit_at_home(home: &Path, xdg: Option<&Path>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = kaudit_command();
    command
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME");
    if let Some(xdg) = xdg {
        command.env("XDG_CONFIG_HOME", xdg);
    }
    let out = child::output(&mut command);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_user_folder_sits_beside_the_queries_folder() {
    let home = tempfile::tempdir().unwrap();
    let xdg = tempfile::tempdir().unwrap();
    // A theme and a query in each config folder, named by where they are.
    for (config, name) in [
        (home.path().join(".config"), "zz-home"),
        (xdg.path().to_path_buf(), "zz-xdg"),
    ] {
        let kaudit = config.join("kaudit");
        fs::create_dir_all(kaudit.join("themes")).unwrap();
        fs::create_dir_all(kaudit.join("queries")).unwrap();
        fs::write(
            kaudit.join("themes").join(format!("{name}.toml")),
            "text = \"red\"\n",
        )
        .unwrap();
        fs::write(
            kaudit.join("queries").join(format!("{name}.insights")),
            format!("# name: {name}\n# description: {name}'s own\nfields @timestamp\n"),
        )
        .unwrap();
    }
    for (xdg, name) in [(None, "zz-home"), (Some(xdg.path()), "zz-xdg")] {
        let (code, _, stderr) = kaudit_at_home(home.path(), xdg, &["--theme", "nosuch"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "no theme named \"nosuch\"; there are: dark, light, high-contrast, solarized-dark, {name}\n"
            )),
            "{stderr}"
        );
        let (code, stdout, stderr) = kaudit_at_home(home.path(), xdg, &["queries"]);
        assert_eq!(code, Some(0), "{stderr}");
        let mine: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|q| q.starts_with("zz-"))
            .collect();
        assert_eq!(mine, [name], "{stdout}");
    }
}
