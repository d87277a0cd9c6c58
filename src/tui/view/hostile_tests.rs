//! Every screen of the console over `tests/fixtures/hostile.jsonl`: terminal escapes (title,
//! clear, OSC 52 clipboard, OSC 8 links), C1 controls, bidi overrides and invisible characters
//! in names, agents, URIs, bodies and reasons, and a line holding them raw. Nothing of them
//! reaches the drawn buffer except as visible escapes.

use super::*;

const HOSTILE: &[u8] = include_bytes!("../../../tests/fixtures/hostile.jsonl");

/// A character that must never be drawn from the data.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}')
}

fn assert_inert(what: &str, buf: &Buffer) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let symbol = buf[(x, y)].symbol();
            assert!(
                !symbol.chars().any(dangerous),
                "{what}: {symbol:?} drawn at {x},{y}:\n{}",
                text(buf)
            );
        }
    }
}

#[test]
fn every_screen_draws_hostile_text_as_visible_escapes() {
    let input = Arc::new(LocalInput::from_vec(
        path_origin("hostile.jsonl".as_ref()),
        HOSTILE.to_vec(),
    ));
    let mut store = EventStore::default();
    store.load(input.clone(), 1, |_| {});
    // The ninth line is broken off, raw escapes and all: not an event.
    assert_eq!(store.len(), 8);
    let inputs = [input];
    let styles = styles();
    let mut state = console(&store, 160, 48);
    state.query.browser = crate::tui::query::Browser::new(&Catalog::load(None));
    let keys = |state: &mut State, keys: &[KeyCode]| {
        for code in keys {
            let effects = update(state, Msg::Key(KeyEvent::new(*code, KeyModifiers::NONE)));
            settle_with(state, &store, &inputs, effects);
        }
    };
    let typed = |text: &str| text.chars().map(KeyCode::Char).collect::<Vec<_>>();

    // The table, the facets (user, then each other one) and the timeline.
    let screen = draw(&state, &store, &styles);
    assert_inert("the table", &screen);
    assert!(text(&screen).contains(r"\x1b]0;PW"), "{}", text(&screen));
    for _ in 0..6 {
        keys(&mut state, &[KeyCode::Tab, KeyCode::Right]);
        assert_inert("a facet", &draw(&state, &store, &styles));
        keys(&mut state, &[KeyCode::BackTab]);
    }
    // Each event's detail: decoded reason, request object, every field.
    for row in 0..8 {
        keys(&mut state, &[KeyCode::Home]);
        for _ in 0..row {
            keys(&mut state, &[KeyCode::Down]);
        }
        keys(&mut state, &[KeyCode::Enter]);
        let screen = draw(&state, &store, &styles);
        assert_inert(&format!("the detail of row {row}"), &screen);
        keys(&mut state, &[KeyCode::Esc]);
    }
    // The findings, and a query's answer with the hostile fields as columns.
    keys(&mut state, &[KeyCode::Char('F')]);
    assert_inert("the findings", &draw(&state, &store, &styles));
    keys(&mut state, &[KeyCode::Esc, KeyCode::Char(';')]);
    keys(
        &mut state,
        &typed("fields userAgent, requestURI, requestObject.data.x, responseStatus.message"),
    );
    keys(&mut state, &[KeyCode::F(5)]);
    let screen = draw(&state, &store, &styles);
    assert!(
        state.query.run.is_some(),
        "the query ran:\n{}",
        text(&screen)
    );
    assert_inert("a query's answer", &screen);
    assert!(
        text(&screen).contains(r"agent-title-\x1b]0;PW"),
        "{}",
        text(&screen)
    );
    // A search for an escape, typed as the analyst would see it.
    keys(&mut state, &[KeyCode::Esc, KeyCode::Char('/')]);
    keys(&mut state, &typed("PWNED"));
    keys(&mut state, &[KeyCode::Enter]);
    assert_inert("a search", &draw(&state, &store, &styles));
    // An error naming what the data named (a followed file, a log group).
    let effects = update(
        &mut state,
        Msg::Failed("following /tmp/\u{1b}]0;TITLE\u{7}\u{202e}.log: gone".into()),
    );
    settle_with(&mut state, &store, &inputs, effects);
    let screen = draw(&state, &store, &styles);
    assert_inert("an error", &screen);
    assert!(text(&screen).contains(r"\x1b]0;TITLE"), "{}", text(&screen));
}

#[test]
fn a_huge_value_is_drawn_cut_and_says_how_much_was_left_out() {
    let body = "B".repeat(2 * 1024 * 1024);
    let line = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"big","verb":"create","user":{{"username":"u"}},"userAgent":"{body}","stageTimestamp":"2026-11-02T08:00:00Z","requestObject":{{"data":"{body}"}}}}"#
    );
    let input = Arc::new(LocalInput::from_vec(
        path_origin("big.jsonl".as_ref()),
        line.into_bytes(),
    ));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    let mut state = console(&store, 160, 48);
    press(&mut state, &store, KeyCode::Enter);
    assert_inert("a huge event's detail", &draw(&state, &store, &styles()));
    // Each value is drawn cut, escaped, and says what was left out.
    let drawn = super::super::detail::shown(&format!("\u{1b}{body}"));
    assert!(drawn.starts_with(r"\x1bBBB"), "{}", &drawn[..20]);
    assert!(
        drawn.ends_with(&format!(
            "… ({} more bytes: export the event to read it whole)",
            body.len() + 1 - 4096
        )),
        "{}",
        &drawn[drawn.len() - 80..]
    );
}
