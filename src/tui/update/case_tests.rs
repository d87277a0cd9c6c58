//! The case in the console: what is sent to the journal for each key, and what the screen says
//! of what the journal kept.

use super::*;
use crate::case::EventRef;
use crate::tui::case_desk::{CaseKept, CaseWrite, OpenedCase};
use crate::tui::state::{Elsewhere, Mark};

fn opened(name: &str, held: Vec<(u32, Mark)>, elsewhere: Vec<Elsewhere>) -> Msg {
    Msg::CaseOpened(Ok(Box::new(OpenedCase {
        created: held.is_empty() && elsewhere.is_empty(),
        held,
        elsewhere,
        ..OpenedCase::made(name)
    })))
}

fn mark(tag: &str, note: Option<&str>) -> Mark {
    Mark {
        tag: tag.into(),
        note: note.map(str::to_string),
    }
}

fn writes(effects: &[Effect]) -> Vec<CaseWrite> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::CaseWrite(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn said(state: &State) -> String {
    state
        .status
        .message
        .clone()
        .map(|m| m.0)
        .unwrap_or_default()
}

fn kept(state: &mut State, case: &str, write: CaseWrite, error: Option<&str>) {
    update(
        state,
        Msg::CaseKept(Box::new(CaseKept {
            case: case.into(),
            write,
            error: error.map(str::to_string),
        })),
    );
}

#[test]
fn space_marks_with_the_tag_given_last_m_asks_for_one_and_a_note() {
    let mut state = loaded(10);
    let effects = update(&mut state, ch(':'));
    assert!(effects.is_empty());
    typed(&mut state, "case ir-1");
    assert_eq!(
        update(&mut state, key(KeyCode::Enter)),
        vec![Effect::OpenCase("ir-1".into())]
    );
    update(&mut state, opened("ir-1", Vec::new(), Vec::new()));
    assert!(
        said(&state).starts_with("case ir-1 made: 0 marked"),
        "{}",
        said(&state)
    );

    // Space: the default tag, written, the cursor moves down.
    let effects = update(&mut state, ch(' '));
    assert_eq!(
        writes(&effects),
        [CaseWrite::Mark {
            row: 0,
            mark: mark("unsure", None),
            ptr: None
        }]
    );
    assert_eq!(state.table.cursor, 1);
    // m: a tag and a note, for the event under the cursor; Space uses that tag from now on.
    update(&mut state, ch('m'));
    let prompt = state.prompt.clone().unwrap();
    assert_eq!(prompt.kind, PromptKind::Tag);
    assert_eq!(prompt.input, "");
    assert_eq!(prompt.label(), "tag and note (Enter: unsure): ");
    typed(&mut state, "Attacker  ran exec in payments ");
    let effects = update(&mut state, key(KeyCode::Enter));
    let given = mark("attacker", Some("ran exec in payments"));
    assert_eq!(
        writes(&effects),
        [CaseWrite::Mark {
            row: 1,
            mark: given.clone(),
            ptr: None
        }]
    );
    assert_eq!(state.case.as_ref().unwrap().marks.get(&1), Some(&given));
    // m again on a marked event offers its own tag and note to change.
    update(&mut state, ch('m'));
    assert_eq!(
        state.prompt.as_ref().unwrap().input,
        "attacker ran exec in payments"
    );
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('j'));
    let effects = update(&mut state, ch(' '));
    assert_eq!(
        writes(&effects),
        [CaseWrite::Mark {
            row: 2,
            mark: mark("attacker", None),
            ptr: None
        }]
    );
    // Space on a marked event takes it back.
    update(&mut state, ch('k'));
    let effects = update(&mut state, ch(' '));
    assert_eq!(writes(&effects), [CaseWrite::Unmark { row: 2 }]);
    assert_eq!(
        state.table.marked.iter().copied().collect::<Vec<_>>(),
        [0, 1]
    );
    // Enter alone in the prompt: the tag given last, no note.
    update(&mut state, ch('m'));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        writes(&effects),
        [CaseWrite::Mark {
            row: 3,
            mark: mark("attacker", None),
            ptr: None
        }]
    );
}

#[test]
fn the_screen_says_kept_only_when_the_journal_has_it_and_a_mark_not_kept_comes_off() {
    let mut state = loaded(10);
    update(&mut state, opened("ir-2", Vec::new(), Vec::new()));
    update(&mut state, ch(' '));
    assert!(!said(&state).contains("kept"), "{}", said(&state));
    assert_eq!(state.case.as_ref().unwrap().unconfirmed, 1);
    kept(
        &mut state,
        "ir-2",
        CaseWrite::Mark {
            row: 0,
            mark: mark("unsure", None),
            ptr: None,
        },
        None,
    );
    assert_eq!(
        said(&state),
        "kept in case ir-2 (1 marked): marked [unsure]"
    );
    assert_eq!(state.case.as_ref().unwrap().unconfirmed, 0);

    update(&mut state, ch(' '));
    kept(
        &mut state,
        "ir-2",
        CaseWrite::Mark {
            row: 1,
            mark: mark("unsure", None),
            ptr: None,
        },
        Some("No space left on device"),
    );
    assert!(
        said(&state).starts_with("NOT kept in case ir-2: No space left on device"),
        "{}",
        said(&state)
    );
    assert!(!state.table.marked.contains(&1));
    assert!(!state.case.as_ref().unwrap().marks.contains_key(&1));
    assert_eq!(state.case.as_ref().unwrap().marked(), 1);
}

#[test]
fn opening_restores_the_marks_and_keeps_those_made_before_switching_replaces_them() {
    let mut state = loaded(10);
    // Marked before any case: plain marks, nothing written.
    let effects = update(&mut state, ch(' '));
    assert!(writes(&effects).is_empty());
    let gone = Elsewhere {
        event: EventRef {
            audit_id: Some("gone".into()),
            ..EventRef::default()
        },
        mark: mark("benign", None),
    };
    let effects = update(
        &mut state,
        opened(
            "ir-3",
            vec![(4, mark("attacker", Some("why")))],
            vec![gone.clone()],
        ),
    );
    // The mark made before is kept in the case.
    assert_eq!(
        writes(&effects),
        [CaseWrite::Mark {
            row: 0,
            mark: mark("unsure", None),
            ptr: None
        }]
    );
    assert_eq!(
        state.table.marked.iter().copied().collect::<Vec<_>>(),
        [0, 4]
    );
    let open = state.case.as_ref().unwrap();
    assert_eq!(open.marked(), 3);
    assert_eq!(open.elsewhere, [gone]);
    assert!(
        said(&state)
            .contains("3 marked (1 not among the events read), 1 mark made before added [unsure]"),
        "{}",
        said(&state)
    );

    let effects = update(
        &mut state,
        opened("ir-4", vec![(7, mark("unsure", None))], Vec::new()),
    );
    assert!(writes(&effects).is_empty(), "a case's marks stay in it");
    assert_eq!(state.table.marked.iter().copied().collect::<Vec<_>>(), [7]);
    // A late reply about the case left is no news of this one.
    kept(&mut state, "ir-3", CaseWrite::Note("x".into()), None);
    assert!(
        said(&state).starts_with("case ir-4 opened"),
        "{}",
        said(&state)
    );
}

#[test]
fn marks_not_held_are_looked_for_once_loading_is_done_and_found_take_their_rows() {
    let mut state = State::new("test", None);
    let far = Elsewhere {
        event: EventRef {
            audit_id: Some("a".into()),
            ..EventRef::default()
        },
        mark: mark("attacker", None),
    };
    let effects = update(&mut state, opened("ir-5", Vec::new(), vec![far.clone()]));
    assert!(
        said(&state).contains("(1 to find as the events load)"),
        "{}",
        said(&state)
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::FindMarks(_))),
        "not while loading"
    );
    let effects = update(
        &mut state,
        Msg::Loaded(LoadProgress {
            events: 5,
            done: true,
            ..LoadProgress::default()
        }),
    );
    assert!(
        effects.contains(&Effect::FindMarks(vec![far.clone()])),
        "{effects:?}"
    );
    update(
        &mut state,
        Msg::MarksFound {
            marks: vec![far],
            rows: vec![Some(3)],
        },
    );
    let open = state.case.as_ref().unwrap();
    assert!(open.elsewhere.is_empty());
    assert_eq!(open.marks.get(&3), Some(&mark("attacker", None)));
    assert!(state.table.marked.contains(&3));
}

#[test]
fn without_a_case_the_case_keys_say_how_to_open_one_and_bad_words_are_refused() {
    let mut state = loaded(5);
    update(&mut state, ch('m'));
    assert!(state.prompt.is_none());
    assert!(
        said(&state).starts_with("no case open: :case NAME"),
        "{}",
        said(&state)
    );
    update(&mut state, ch(':'));
    typed(&mut state, "note hello");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(said(&state).starts_with("no case open"), "{}", said(&state));
    update(&mut state, ch(':'));
    typed(&mut state, "case ../etc");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(
        said(&state).contains("cannot name a case"),
        "{}",
        said(&state)
    );

    update(&mut state, opened("ir-6", Vec::new(), Vec::new()));
    update(&mut state, ch('m'));
    typed(&mut state, "<script> x");
    assert!(writes(&update(&mut state, key(KeyCode::Enter))).is_empty());
    assert!(said(&state).contains("cannot be a tag"), "{}", said(&state));
    assert!(state.table.marked.is_empty());
}
