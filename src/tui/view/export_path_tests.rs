//! An export path typed in the console with a leading `~/` is written in the home folder.

use crossterm::event::KeyCode;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::store::EventStore;
use crate::tui::msg::{ExportFailure, Msg};
use crate::tui::{Effect, State, update};

/// `:` and `line`, Enter: the effects asked for.
fn command(state: &mut State, store: &EventStore, line: &str) -> Vec<Effect> {
    press(state, store, KeyCode::Char(':'));
    for c in line.chars() {
        press(state, store, KeyCode::Char(c));
    }
    update(
        state,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
    )
}

#[test]
fn an_export_to_a_path_under_the_home_folder_lands_there() {
    let store = demo_store();
    let styles = styles();
    let home = tempfile::tempdir().expect("a home folder");
    let mut state = console(&store, 80, 24);
    state.status.home = Some(home.path().to_path_buf());
    let effects = command(&mut state, &store, "export-all ~/evidence.jsonl");
    let [
        Effect::Export {
            rows,
            path,
            format,
            overwrite,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    let want = home.path().join("evidence.jsonl");
    assert_eq!(*path, want);
    // As the runner does it: written, and said.
    let result = crate::export::export(
        rows.iter().map(|r| store.raw(*r)),
        path,
        *format,
        *overwrite,
    )
    .map_err(|e| ExportFailure {
        exists: false,
        message: e.to_string(),
        path: path.clone(),
    });
    update(&mut state, Msg::Exported(result));
    let written = std::fs::read_to_string(&want).expect("the file in the home folder");
    assert_eq!(written.lines().count(), store.len());
    let screen = text(&draw(&state, &store, &styles));
    let status = screen.lines().last().expect("a status line");
    assert!(status.contains("exported 3000 events"), "{status}");
    // No home folder known: refused, the path named; nothing asked of the runner.
    state.status.home = None;
    let effects = command(&mut state, &store, "export-all ~/again.jsonl");
    assert!(effects.is_empty(), "{effects:?}");
    let said = state.status.message.clone().expect("said").0;
    assert!(
        said.contains("~/again.jsonl") && said.contains("HOME"),
        "{said}"
    );
}
