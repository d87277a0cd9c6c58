use std::collections::{BTreeSet, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn k(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

/// The layers the README's key table covers; the others are in the help alone.
const IN_README: [Layer; 8] = [
    Layer::Anywhere,
    Layer::Everywhere,
    Layer::Following,
    Layer::Waiting,
    Layer::Events,
    Layer::Facets,
    Layer::Detail,
    Layer::Answer,
];

const ALL: [Layer; 18] = [
    Layer::Anywhere,
    Layer::Waiting,
    Layer::Picker,
    Layer::Prompt,
    Layer::Confirm,
    Layer::Help,
    Layer::Timeline,
    Layer::Findings,
    Layer::Columns,
    Layer::Browser,
    Layer::Editor,
    Layer::AnswerColumns,
    Layer::Answer,
    Layer::Everywhere,
    Layer::Following,
    Layer::Events,
    Layer::Facets,
    Layer::Detail,
];

/// The key names of each row of the README's `| keys | where | what |` table, by layer.
fn readme_keys(readme: &str) -> HashMap<Layer, BTreeSet<String>> {
    let section = readme
        .split("### The console")
        .nth(1)
        .expect("README.md has a section `### The console`");
    let table = section
        .split("| keys | where | what |")
        .nth(1)
        .expect("the console's section has the key table");
    let mut keys: HashMap<Layer, BTreeSet<String>> = HashMap::new();
    for line in table.lines().skip(2) {
        let Some(line) = line.strip_prefix('|') else {
            break;
        };
        let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
        let (names, place) = (cells[0], cells[1]);
        let layer = ALL
            .into_iter()
            .find(|l| l.title().eq_ignore_ascii_case(place))
            .unwrap_or_else(|| panic!("README: no layer is called {place:?} ({line})"));
        let set = keys.entry(layer).or_default();
        if names == "mouse" {
            set.insert("mouse".into());
            continue;
        }
        let names = names.replace("`1`–`9`", "`1-9`");
        let quoted: Vec<&str> = names.split('`').skip(1).step_by(2).collect();
        assert!(!quoted.is_empty(), "README: no key in {line}");
        set.extend(quoted.into_iter().map(String::from));
    }
    keys
}

fn table_keys(layer: Layer) -> BTreeSet<String> {
    BINDINGS
        .iter()
        .filter(|b| b.layer == layer)
        .flat_map(|b| b.keys.iter())
        .flat_map(|(chords, _)| chords.iter().map(|c| c.name()))
        .collect()
}

#[test]
fn the_readme_key_table_names_the_keys_the_keymap_binds() {
    let readme = include_str!("../../../README.md");
    let readme = readme_keys(readme);
    let mut wrong = Vec::new();
    for layer in IN_README {
        let documented = readme.get(&layer).cloned().unwrap_or_default();
        let bound = table_keys(layer);
        let missing: Vec<_> = bound.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&bound).collect();
        if !missing.is_empty() || !stale.is_empty() {
            wrong.push(format!(
                "where = {:?}: not written there {missing:?}; not bound {stale:?}",
                layer.title().to_lowercase()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "README.md's key table and the keymap differ:\n{}",
        wrong.join("\n")
    );
    for layer in readme.keys() {
        assert!(IN_README.contains(layer), "{layer:?} is in the README");
    }
}

#[test]
fn each_layer_is_one_section_of_the_help() {
    let mut seen = Vec::new();
    for (layer, rows) in sections() {
        assert!(!seen.contains(&layer), "{layer:?} is split in the table");
        assert!(!rows.is_empty());
        for row in rows {
            // The help gives the keys 26 columns: one stays blank before the words.
            let label = row.label();
            assert!(label.chars().count() <= 25, "{label:?} is too long");
        }
        seen.push(layer);
    }
    for layer in ALL {
        // The picker and the Findings view hold their own keys, and show them.
        let own = matches!(layer, Layer::Picker | Layer::Findings);
        assert_eq!(seen.contains(&layer), !own, "{layer:?}");
    }
}

#[test]
fn a_row_earlier_in_its_layer_wins() {
    let none = KeyModifiers::NONE;
    let control = KeyModifiers::CONTROL;
    // Control-X stops the query; x alone drops a facet value, in the layer under it.
    let ctrl_x = k(KeyCode::Char('x'), control);
    assert_eq!(action(Layer::Everywhere, &ctrl_x), Some(Action::Cancel));
    assert_eq!(
        action(Layer::Facets, &k(KeyCode::Char('x'), none)),
        Some(Action::Drop)
    );
    // The answer leaves Control chords it does not bind to the layers under it.
    assert_eq!(action(Layer::Answer, &k(KeyCode::Char('j'), control)), None);
    assert_eq!(
        action(Layer::Answer, &k(KeyCode::Char('d'), control)),
        Some(Action::HalfDown)
    );
    // In the editor a typed letter is text, AltGr's too; Control-Home is not Home.
    let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
    assert_eq!(
        action(Layer::Editor, &k(KeyCode::Char('r'), altgr)),
        Some(Action::Type)
    );
    assert_eq!(
        action(Layer::Editor, &k(KeyCode::Char('r'), control)),
        Some(Action::Run)
    );
    assert_eq!(
        action(Layer::Editor, &k(KeyCode::Home, control)),
        Some(Action::TextStart)
    );
    assert_eq!(
        action(Layer::Editor, &k(KeyCode::Home, none)),
        Some(Action::LineStart)
    );
    // The browser's Control-E edits before the search would type the letter.
    assert_eq!(
        action(Layer::Browser, &k(KeyCode::Char('e'), control)),
        Some(Action::Edit)
    );
    assert_eq!(
        action(Layer::Browser, &k(KeyCode::Char('e'), none)),
        Some(Action::Type)
    );
    // Control-U clears the prompt; any other character is typed.
    assert_eq!(
        action(Layer::Prompt, &k(KeyCode::Char('u'), control)),
        Some(Action::ClearLine)
    );
    assert_eq!(
        action(Layer::Prompt, &k(KeyCode::Char('u'), none)),
        Some(Action::Type)
    );
    // Any key but y keeps the file.
    assert_eq!(
        action(Layer::Confirm, &k(KeyCode::Char('Y'), KeyModifiers::SHIFT)),
        Some(Action::Confirm)
    );
    assert_eq!(
        action(Layer::Confirm, &k(KeyCode::Enter, none)),
        Some(Action::Close)
    );
    assert_eq!(
        action(Layer::Detail, &k(KeyCode::Char('7'), none)),
        Some(Action::Pivot)
    );
    assert_eq!(action(Layer::Detail, &k(KeyCode::Char('0'), none)), None);
}

#[test]
fn labels_name_each_actions_keys() {
    let row = |layer, first: Action| {
        BINDINGS
            .iter()
            .find(|b| b.layer == layer && b.keys[0].1 == first)
            .map(Binding::label)
    };
    assert_eq!(
        row(Layer::Events, Action::Down).as_deref(),
        Some("j ↓, k ↑")
    );
    assert_eq!(
        row(Layer::Everywhere, Action::NextPane).as_deref(),
        Some("Tab, Shift-Tab")
    );
    assert_eq!(
        row(Layer::Editor, Action::TextStart).as_deref(),
        Some("Ctrl-Home, Ctrl-End")
    );
    assert_eq!(
        row(Layer::Detail, Action::TakePivot).as_deref(),
        Some("Enter, 1-9")
    );
}

#[test]
fn typed_keys_exclude_control_chords() {
    assert_eq!(
        typed(&k(KeyCode::Char('E'), KeyModifiers::SHIFT)),
        Some('E')
    );
    assert_eq!(typed(&k(KeyCode::Char('e'), KeyModifiers::CONTROL)), None);
    assert_eq!(typed(&k(KeyCode::Char('x'), KeyModifiers::ALT)), None);
    let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
    assert_eq!(typed(&k(KeyCode::Char('@'), altgr)), Some('@'));
}
