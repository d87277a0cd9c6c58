//! The help overlay: as wide as the terminal, every description whole (wrapped, never cut),
//! every `:` command listed, and the box ending where its text ends.

use crossterm::event::KeyCode;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::tui::geometry;
use crate::tui::keymap::BINDINGS;
use crate::tui::keymap::help::COMMANDS;

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_help_uses_the_width_lists_every_command_and_ends_with_its_text() {
    let store = demo_store();
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let mut state = console(&store, width, height);
        press(&mut state, &store, KeyCode::Char('?'));
        let popup = geometry::help_popup(&state);
        // The terminal's width, where the text needs it.
        assert!(popup.width > 84.min(width - 1), "{popup:?} at {width}");
        // Page by page to the end: the rows as drawn, a continued description joined to its row.
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut last_screen = String::new();
        for _ in 0..40 {
            let screen = text(&draw(&state, &store, &styles));
            let lines: Vec<&str> = screen.lines().collect();
            for y in popup.y + 1..popup.bottom() - 1 {
                let line: String = lines[usize::from(y)]
                    .chars()
                    .skip(usize::from(popup.x) + 1)
                    .take(usize::from(popup.width) - 2)
                    .collect();
                let (keys, said) = (
                    line.chars().take(28).collect::<String>(),
                    line.chars().skip(28).collect::<String>(),
                );
                if !keys.starts_with("  ") {
                    continue;
                }
                match rows.last_mut() {
                    Some(last) if keys.trim().is_empty() && !said.trim().is_empty() => {
                        last.1 = words(&format!("{} {said}", last.1));
                    }
                    _ if !keys.trim().is_empty() => rows.push((words(&keys), words(&said))),
                    _ => {}
                }
            }
            if screen == last_screen {
                break;
            }
            last_screen = screen;
            // Only whole pages: the first line of a page may continue the last of the one
            // before, and is joined to it.
            for _ in 0..popup.height - 2 {
                press(&mut state, &store, KeyCode::Down);
            }
        }
        for binding in BINDINGS {
            let label = words(&binding.label());
            if label.chars().count() > 25 {
                continue;
            }
            let want = words(binding.help);
            assert!(
                rows.iter().any(|(k, said)| *k == label && *said == want),
                "{label}: {want:?} whole at {width} columns"
            );
        }
        for (usage, what) in COMMANDS {
            assert!(
                rows.iter()
                    .any(|(k, said)| k == usage && *said == words(what)),
                "{usage} at {width} columns"
            );
        }
        // At the end, the last command stands on the box's last line: nothing blank under it.
        let lines: Vec<&str> = last_screen.lines().collect();
        let bottom = lines[usize::from(popup.bottom() - 2)];
        let (last, _) = COMMANDS.last().expect("commands");
        assert!(bottom.contains(last), "{bottom}");
    }
}
