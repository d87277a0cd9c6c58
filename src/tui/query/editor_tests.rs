use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;
use crate::catalog::themes::Role;
use crate::tui::query::test_support::{ctrl, draw, find, key, styles, text};
use crate::tui::query::time::PRESETS;

fn typed(editor: &mut Editor, s: &str) {
    for c in s.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        editor.handle_key(key(code));
    }
}

const BAD: &str = "fields @timestamp, verb\n| stats cout(*) by verb";

#[test]
fn typing_edits_the_text_and_rechecks_it() {
    let mut e = Editor::default();
    assert!(e.diagnostics().is_empty(), "an empty editor is no mistake");
    typed(&mut e, "filter user = \"zoë\"\n| stats count(*) by verb");
    assert!(e.diagnostics().is_empty(), "{:?}", e.diagnostics());
    for _ in 0..8 {
        e.handle_key(key(KeyCode::Left));
    }
    e.handle_key(key(KeyCode::Backspace));
    assert_eq!(e.text(), "filter user = \"zoë\"\n| stats count(* by verb");
    assert!(e.diagnostics().iter().any(Diagnostic::is_error));
    e.handle_key(key(KeyCode::Char(')')));
    assert!(e.diagnostics().is_empty());
    e.handle_key(ctrl('e'));
    assert_eq!(e.cursor(), (1, 24));
    e.handle_key(key(KeyCode::Up));
    assert_eq!(e.cursor(), (0, 19));
    e.handle_key(ctrl('a'));
    e.handle_key(key(KeyCode::Delete));
    assert_eq!(e.text(), "ilter user = \"zoë\"\n| stats count(*) by verb");
    assert_eq!(e.diagnostics()[0].suggestion.as_deref(), Some("filter"));
    e.handle_key(key(KeyCode::Tab));
    assert_eq!(
        (e.cursor(), e.text().starts_with("  ilter")),
        ((0, 2), true)
    );
    e.handle_key(ctrl('u'));
    assert_eq!(e.cursor(), (0, 0));
    // A key released is not a key pressed again.
    let mut release = key(KeyCode::Char('x'));
    release.kind = KeyEventKind::Release;
    e.handle_key(release);
    assert!(e.text().starts_with("ilter"));
}

#[test]
fn an_unknown_function_gets_a_caret_under_it_and_a_suggestion() {
    let e = Editor::new(BAD, History::default());
    let d = &e.diagnostics()[0];
    assert_eq!(d.span.slice(BAD), "cout");
    assert_eq!(d.suggestion.as_deref(), Some("count"));
    let styles = styles();
    let (buf, _) = draw(70, 12, |a, b| e.render(a, b, &styles), |_| None);
    let (cout_x, cout_y) = find(&buf, "cout(*)").expect("the query on screen");
    let (caret_x, caret_y) = find(&buf, "^~~~ ").expect("a caret");
    assert_eq!((caret_x, caret_y), (cout_x, cout_y + 1));
    let screen = text(&buf);
    assert!(
        screen.contains("^~~~ unknown function `cout` · did you mean `count`?"),
        "{screen}"
    );
    // The caret is in the error colour, the command in the keyword colour.
    let error = styles.get(Role::Error);
    assert_eq!(
        buf[(caret_x, caret_y)].fg,
        error.fg.expect("error has a colour")
    );
    let keyword = styles.get(Role::SyntaxKeyword);
    let (stats_x, stats_y) = find(&buf, "stats").expect("stats");
    assert_ne!(keyword.fg, styles.get(Role::Text).fg);
    assert_eq!(buf[(stats_x, stats_y)].fg, keyword.fg.expect("a colour"));
    assert_eq!(buf[(stats_x, stats_y)].modifier, keyword.add_modifier);
}

#[test]
fn a_query_with_an_error_is_not_run_and_says_why() {
    let mut e = Editor::new(BAD, History::default());
    assert_eq!(e.handle_key(key(KeyCode::F(5))), EditorAction::None);
    let why = e.refusal().expect("a reason").to_string();
    assert!(why.contains("unknown function `cout`"), "{why}");
    assert!(e.history().is_empty());
    let styles = styles();
    let (buf, _) = draw(90, 10, |a, b| e.render(a, b, &styles), |_| None);
    assert!(
        text(&buf).contains("not run: unknown function"),
        "{}",
        text(&buf)
    );
    // The reason goes with the next key.
    e.handle_key(key(KeyCode::Left));
    assert_eq!(e.refusal(), None);
    let mut empty = Editor::default();
    assert_eq!(empty.handle_key(ctrl('r')), EditorAction::None);
    assert!(
        empty
            .refusal()
            .is_some_and(|r| r.contains("nothing to run"))
    );
}

#[test]
fn running_gives_the_text_and_the_range_and_remembers_the_query() {
    let mut e = Editor::new("fields @timestamp | limit 5", History::default());
    e.handle_key(key(KeyCode::F(2)));
    e.handle_key(ctrl('t'));
    assert_eq!(e.time(), PRESETS[1]);
    assert_eq!(
        e.handle_key(KeyEvent::new(
            KeyCode::Char('R'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT
        )),
        EditorAction::Run {
            text: "fields @timestamp | limit 5".into(),
            range: PRESETS[1]
        }
    );
    assert_eq!(
        e.history().entries().collect::<Vec<_>>(),
        ["fields @timestamp | limit 5"]
    );
    assert_eq!(e.handle_key(key(KeyCode::F(6))), EditorAction::Cancel);
    assert_eq!(e.handle_key(ctrl('x')), EditorAction::Cancel);
    assert_eq!(e.handle_key(key(KeyCode::Esc)), EditorAction::Close);
    assert_eq!(e.handle_key(key(KeyCode::F(1))), EditorAction::Help);
    // Warnings do not stop a run.
    let mut warned = Editor::new(
        "sort @timestamp desc | limit 5 | filter verb = \"get\"",
        History::default(),
    );
    assert!(!warned.diagnostics().is_empty());
    assert!(matches!(
        warned.handle_key(key(KeyCode::F(5))),
        EditorAction::Run { .. }
    ));
}

#[test]
fn up_on_the_first_line_and_ctrl_p_step_through_the_history() {
    let mut history = History::default();
    history.push("fields a");
    history.push("fields b\n| limit 2");
    let mut e = Editor::new("draft", history);
    e.handle_key(key(KeyCode::Up));
    assert_eq!(e.text(), "fields b\n| limit 2");
    // The cursor is on the last line of the recalled query: Up moves within it first.
    e.handle_key(key(KeyCode::Up));
    assert_eq!(e.text(), "fields b\n| limit 2");
    e.handle_key(key(KeyCode::Up));
    assert_eq!(e.text(), "fields a");
    e.handle_key(ctrl('n'));
    assert_eq!(e.text(), "fields b\n| limit 2");
    e.handle_key(key(KeyCode::Down));
    assert_eq!(e.text(), "draft");
    e.handle_key(ctrl('p'));
    assert_eq!(e.text(), "fields b\n| limit 2");
}

#[test]
fn typed_bounds_are_checked_in_place() {
    let mut e = Editor::new("fields a", History::default());
    e.handle_key(key(KeyCode::F(3)));
    typed(&mut e, "yesterday\n");
    typed(&mut e, "2026-11-02T09:00:00Z\n");
    let styles = styles();
    let (buf, cursor) = draw(
        100,
        8,
        |a, b| e.render(a, b, &styles),
        |a| e.cursor_position(a),
    );
    let screen = text(&buf);
    assert!(
        screen.contains("the start `yesterday` is not an RFC 3339 time"),
        "{screen}"
    );
    // The cursor went back to the bound that is wrong, after its text.
    assert_eq!(cursor.map(|p| p.x), Some(1 + 5 + 9));
    for _ in 0..9 {
        e.handle_key(key(KeyCode::Backspace));
    }
    typed(&mut e, "2026-11-02T08:00:00Z\n");
    assert_eq!(
        e.time(),
        TimeChoice::Between {
            start_ms: 1_793_606_400_000,
            end_ms: 1_793_610_000_000
        }
    );
    assert_eq!(e.text(), "fields a", "the keys went to the bounds");
}

#[test]
fn the_cursor_follows_wide_text_and_long_lines() {
    let mut e = Editor::new("filter user = \"日本\"", History::default());
    let styles = styles();
    let (_, cursor) = draw(
        60,
        8,
        |a, b| e.render(a, b, &styles),
        |a| e.cursor_position(a),
    );
    // Border, a gutter of "1 " padded to 3, and 20 columns of text (two wide characters).
    assert_eq!(cursor, Some(ratatui::layout::Position::new(1 + 3 + 20, 1)));
    typed(&mut e, &" and verb = \"get\"".repeat(4));
    let (buf, cursor) = draw(
        40,
        8,
        |a, b| e.render(a, b, &styles),
        |a| e.cursor_position(a),
    );
    assert_eq!(
        cursor.map(|p| p.x),
        Some(38),
        "the text scrolls to keep the cursor"
    );
    assert!(
        text(&buf)
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with("\"get\" │"))
    );
}

#[test]
fn the_editor_at_two_sizes() {
    let mut history = History::default();
    history.push("fields @timestamp");
    let mut e = Editor::new("", history);
    typed(&mut e, "# who touched aws-auth\n");
    typed(
        &mut e,
        "filter objectRef.name = \"aws-auth\" and verb in [\"update\", \"patch\"]\n",
    );
    typed(
        &mut e,
        "| stats cout(*) by user.username, bin(5m)\n| sort @timestamp desc\n| limit 20\n| filter verb != \"get\"",
    );
    e.handle_key(key(KeyCode::F(2)));
    let styles = styles();
    for (w, h) in [(80, 24), (140, 40)] {
        let (buf, _) = draw(
            w,
            h,
            |a, b| e.render(a, b, &styles),
            |a| e.cursor_position(a),
        );
        insta::assert_snapshot!(format!("editor_{w}x{h}"), text(&buf));
    }
}

#[test]
fn fields_are_held_against_the_loaded_events_once_gathered() {
    use crate::insights::known::{FieldTree, SeenFields};
    let text = "filter objectRef.resorce = \"pods\" and protoPayload.methodName like \"get\"";
    let mut e = Editor::new(text, History::default());
    let said =
        |e: &Editor| -> Vec<String> { e.diagnostics().iter().map(|d| d.one_line()).collect() };
    // before: the audit event's fields alone
    assert_eq!(
        said(&e),
        [
            "`objectRef.resorce` is not a field of Kubernetes audit events; did you mean `objectRef.resource`?",
            "`protoPayload.methodName` is not a field of Kubernetes audit events",
        ]
    );
    let seen = SeenFields::new(
        FieldTree::from_names(["objectRef.resource", "protoPayload.methodName"]),
        2,
    );
    e.set_seen_fields(Arc::new(seen));
    assert_eq!(
        said(&e),
        ["no event has `objectRef.resorce`; did you mean `objectRef.resource`?"]
    );
    assert!(e.diagnostics().iter().all(|d| !d.is_error()));
    // CloudWatch reads more than was loaded: back to what the audit event defines
    e.set_target(Target::CloudWatch);
    assert_eq!(said(&e).len(), 2);
    assert!(said(&e)[0].starts_with("`objectRef.resorce` is not a field"));
}
