use crossterm::event::KeyCode;

use super::*;
use crate::catalog::themes::Role;
use crate::tui::query::test_support::{ctrl, draw, find, key, styles, text};

/// The EKS guide's eight queries, the library's first: the tests do not move as it grows.
fn browser() -> Browser {
    Browser::with_queries(Catalog::load(None).queries()[..8].to_vec())
}

fn search(b: &mut Browser, s: &str) {
    for c in s.chars() {
        b.handle_key(key(KeyCode::Char(c)));
    }
}

fn names(b: &Browser) -> Vec<&str> {
    b.hits()
        .iter()
        .map(|h| b.queries()[h.index].name.as_str())
        .collect()
}

#[test]
fn an_empty_search_lists_every_query_in_catalog_order() {
    let b = browser();
    let all: Vec<&str> = b.queries().iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names(&b), all);
    assert_eq!(all.first(), Some(&"aws-auth-changes"));
    assert!(b.hits().iter().all(|h| h.name.is_empty() && h.score == 0));
}

#[test]
fn fuzzy_searches_find_the_query_meant_first() {
    for (typed, first) in [
        ("aws", "aws-auth-changes"),
        ("authcm", "aws-auth-changes"),
        ("secret", "unauthorized-secret-reads"),
        ("anon", "failed-anonymous-requests"),
        ("webhook", "validating-webhook-changes"),
        ("crb", "clusterrolebinding-changes"),
    ] {
        let mut b = browser();
        search(&mut b, typed);
        assert_eq!(names(&b).first(), Some(&first), "{typed}: {:?}", names(&b));
    }
    let mut b = browser();
    search(&mut b, "aws");
    // The name's own letters are the ones marked: a, w, s at its start.
    assert_eq!(b.hits()[0].name, [0, 1, 2]);
    // "authcm" is not in the name: it matches the description's "auth… ConfigMap".
    let mut b = browser();
    search(&mut b, "authcm");
    let (hit, q) = b.selected().expect("a hit");
    assert!(hit.name.is_empty());
    let marked: String = hit
        .description
        .iter()
        .map(|&i| q.description.chars().nth(i).unwrap_or('?'))
        .collect();
    assert_eq!(marked.to_lowercase(), "authcm");
}

#[test]
fn every_word_must_match_somewhere() {
    let mut b = browser();
    search(&mut b, "rbac bindings");
    let found = names(&b);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().all(|n| n.ends_with("binding-changes")),
        "{found:?}"
    );
    search(&mut b, " zzz");
    assert!(b.hits().is_empty());
    assert_eq!(b.handle_key(key(KeyCode::Enter)), BrowserAction::None);
    b.handle_key(ctrl('u'));
    assert_eq!(b.search(), "");
    assert_eq!(b.hits().len(), b.queries().len());
}

#[test]
fn letters_search_arrows_move_and_enter_or_tab_take_the_query() {
    let mut b = browser();
    // j, k and e are letters here, not moves or commands.
    search(&mut b, "jke");
    assert_eq!(b.search(), "jke");
    for _ in 0..3 {
        b.handle_key(key(KeyCode::Backspace));
    }
    b.handle_key(key(KeyCode::Down));
    b.handle_key(key(KeyCode::Down));
    b.handle_key(key(KeyCode::Up));
    let second = b.queries()[1].clone();
    assert_eq!(
        b.handle_key(key(KeyCode::Enter)),
        BrowserAction::Run {
            text: second.text.clone(),
            name: second.name.clone()
        }
    );
    let edit = BrowserAction::Edit {
        text: second.text.clone(),
        name: second.name.clone(),
    };
    assert_eq!(b.handle_key(key(KeyCode::Tab)), edit);
    assert_eq!(b.handle_key(ctrl('e')), edit);
    b.handle_key(key(KeyCode::End));
    assert_eq!(
        b.selected().map(|(h, _)| h.index),
        Some(b.queries().len() - 1)
    );
    b.handle_key(key(KeyCode::PageDown));
    assert_eq!(
        b.selected().map(|(h, _)| h.index),
        Some(b.queries().len() - 1)
    );
    b.handle_key(key(KeyCode::Home));
    assert_eq!(b.selected().map(|(h, _)| h.index), Some(0));
    // A new search puts the cursor on the best hit.
    b.handle_key(key(KeyCode::Down));
    search(&mut b, "secret");
    assert_eq!(
        b.selected().map(|(_, q)| q.name.as_str()),
        Some("unauthorized-secret-reads")
    );
    assert_eq!(b.handle_key(key(KeyCode::Esc)), BrowserAction::Close);
}

#[test]
fn matched_characters_are_drawn_in_the_match_style() {
    let mut b = browser();
    search(&mut b, "aws");
    let styles = styles();
    let (buf, cursor) = draw(
        120,
        30,
        |a, buf| b.render(a, buf, &styles),
        |a| b.cursor_position(a),
    );
    let (x, y) = find(&buf, "▶ aws-auth-changes").expect("the first hit, selected");
    let hit = styles.get(Role::Match);
    let a = &buf[(x + 2, y)];
    assert_eq!(
        (a.symbol(), a.fg, a.bg),
        ("a", hit.fg.expect("fg"), hit.bg.expect("bg"))
    );
    // The "-" after "aws" did not match: the row's colours.
    let dash = &buf[(x + 5, y)];
    assert_eq!(dash.fg, styles.get(Role::Text).fg.expect("fg"));
    assert_eq!(dash.bg, styles.get(Role::Selected).bg.expect("bg"));
    assert_eq!(cursor, Some(ratatui::layout::Position::new(1 + 8 + 3, 1)));
}

#[test]
fn nothing_matching_says_so() {
    let mut b = browser();
    search(&mut b, "kubectl-cp");
    let styles = styles();
    let (buf, _) = draw(80, 24, |a, buf| b.render(a, buf, &styles), |_| None);
    let screen = text(&buf);
    assert!(
        screen.contains("no canned query matches “kubectl-cp”"),
        "{screen}"
    );
    let all = b.queries().len();
    assert!(
        screen.contains(&format!("canned queries · 0 of {all}")),
        "{screen}"
    );
}

#[test]
fn the_browser_at_two_sizes() {
    let mut b = browser();
    search(&mut b, "role");
    b.handle_key(key(KeyCode::Down));
    let styles = styles();
    for (w, h) in [(80, 24), (140, 40)] {
        let (buf, _) = draw(
            w,
            h,
            |a, buf| b.render(a, buf, &styles),
            |a| b.cursor_position(a),
        );
        insta::assert_snapshot!(format!("browser_{w}x{h}"), text(&buf));
    }
}

#[test]
fn a_hostile_user_query_file_reaches_the_screen_escaped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = "# name: zz-evil\n# description: looks \u{1b}[2Jharmless\u{7}\n# tags: x\u{1b}]52;c;Zm9v\u{7}\nfields @message # \u{1b}[31mred\n";
    std::fs::write(dir.path().join("zz-evil.insights"), file).expect("written");
    let mut b = Browser::new(&Catalog::load(Some(dir.path())));
    search(&mut b, "zz-evil");
    assert_eq!(b.selected().map(|(_, q)| q.name.as_str()), Some("zz-evil"));
    let styles = styles();
    let (buf, _) = draw(140, 30, |a, buf| b.render(a, buf, &styles), |_| None);
    let screen = text(&buf);
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "{screen:?}"
    );
    assert!(screen.contains("looks \\x1b[2Jharmless\\x07"), "{screen}");
    assert!(screen.contains("# \\x1b[31mred"), "{screen}");
}
