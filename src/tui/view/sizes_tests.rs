//! The screens of the demo incident's walk-through at the three sizes a responder meets — a
//! laptop's 80×24, a half screen's 160×45, a wide screen's 240×60 — over the very demo the
//! console opens on: the first screen, the facets on a long identity, the findings, the detail
//! of the aws-auth change, and the events after a pivot from it.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::tests::{draw, open, settle_with, styles, text};
use crate::catalog::Catalog;
use crate::engine::local::DEMO_EVENTS;
use crate::source::demo::{DemoConfig, demo_bytes};
use crate::source::local::{LocalInput, path_origin};
use crate::store::EventStore;
use crate::tui::msg::Msg;
use crate::tui::query::Browser;
use crate::tui::{State, Styles, update};

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 45), (240, 60)];

/// The CI role's assumed-role ARN, the longest name among the demo's users.
const LONG_IDENTITY: &str =
    "arn:aws:sts::111122223333:assumed-role/atlas-prod-github-deployer/GitHubActions";

/// The keys said on the status line.
const KEYS: &str = "b queries · ; editor · Tab pane · Enter detail · / search · Space mark · e export · ? help · q quit";

/// Asserts that the status line says whole keys, none cut inside a word.
fn whole_keys(screen: &str) {
    let last = screen.lines().last().unwrap_or_default().trim_end();
    for part in last.split(" · ") {
        assert!(KEYS.split(" · ").any(|k| k == part), "{part:?} in {last:?}");
    }
}

struct Demo {
    input: Arc<LocalInput>,
    store: EventStore,
    styles: Styles,
}

impl Demo {
    /// The demo the console opens on, whole.
    fn load() -> Demo {
        let data = demo_bytes(&DemoConfig {
            events: DEMO_EVENTS,
            seed: 1,
        });
        let input = Arc::new(LocalInput::from_vec(path_origin("demo".as_ref()), data));
        let mut store = EventStore::default();
        store.load(input.clone(), 2, |_| {});
        Demo {
            input,
            store,
            styles: styles(),
        }
    }

    /// The console's first screen at this size, the detections read.
    fn first_screen(&self, width: u16, height: u16) -> State {
        // As `kaudit` with no source says it.
        let banner = format!(
            "Demo: {DEMO_EVENTS} events of an EKS cluster under attack · F: what the detections \
             found, ▲ on the timeline · ? keys · real data: kaudit FILE|FOLDER"
        );
        let mut state = State::new("demo incident", Some(banner));
        state.query.browser = Browser::new(&Catalog::load(None));
        let effects = open(&mut state, &self.store, width, height);
        settle_with(&mut state, &self.store, &[], effects);
        state
    }

    fn keys(&self, state: &mut State, codes: &[KeyCode]) {
        for code in codes {
            let key = crossterm::event::KeyEvent::new(*code, crossterm::event::KeyModifiers::NONE);
            let effects = update(state, Msg::Key(key));
            settle_with(
                state,
                &self.store,
                std::slice::from_ref(&self.input),
                effects,
            );
        }
    }

    fn screen(&self, state: &State) -> String {
        text(&draw(state, &self.store, &self.styles))
    }
}

#[test]
fn the_walk_through_s_screens_at_three_sizes() {
    let demo = Demo::load();
    for (width, height) in SIZES {
        let size = format!("{width}x{height}");
        let first = demo.first_screen(width, height);
        let mut state = first.clone();
        insta::assert_snapshot!(format!("first_{size}"), demo.screen(&state));

        // The facets on the longest identity: shortened in the list, whole at the pane's foot
        // (at 80 columns the facets take the table's place while they have the keys).
        demo.keys(&mut state, &[KeyCode::Tab]);
        let at = state
            .facets
            .current()
            .and_then(|(_, c)| c.values.iter().position(|(v, _)| v == LONG_IDENTITY))
            .expect("the CI role among the users");
        demo.keys(&mut state, &vec![KeyCode::Down; at]);
        let screen = demo.screen(&state);
        if width > 80 {
            // Written out whole, over two lines where the pane is narrow.
            assert!(screen.contains(&LONG_IDENTITY[..39]), "{screen}");
        }
        // Broken after one of its separators, not inside a word.
        assert!(
            screen.contains("│atlas-prod-github-deployer/GitHubActions")
                || screen.contains("│GitHubActions "),
            "{screen}"
        );
        insta::assert_snapshot!(format!("facets_long_identity_{size}"), screen);

        // F: the findings; Enter: the aws-auth change's one event; Enter: its detail.
        let mut state = first;
        demo.keys(&mut state, &[KeyCode::Char('F')]);
        let screen = demo.screen(&state);
        assert!(screen.contains("aws-auth-modified"), "{screen}");
        whole_keys(&screen);
        // A description cut at the pane's edge says so.
        let lead = screen
            .lines()
            .find(|l| l.contains("critical aws-auth-modified"))
            .expect("the aws-auth finding");
        assert!(
            lead.ends_with("…│") || lead.trim_end_matches('│').ends_with(' '),
            "{lead}"
        );
        insta::assert_snapshot!(format!("findings_{size}"), screen);
        demo.keys(&mut state, &[KeyCode::Enter, KeyCode::Enter]);
        let screen = demo.screen(&state);
        assert!(
            screen.contains("ClusterRoleBinding node-health-agent"),
            "{screen}"
        );
        // The answer's row names who did it by the end of the name too.
        let row = screen
            .lines()
            .find(|l| l.contains("203.0.113.77   patch"))
            .expect("the answer's row");
        let end = if width > 80 {
            "node-health-agent "
        } else {
            "-agent "
        };
        assert!(row.contains("  syst") && row.contains(end), "{row}");
        whole_keys(&screen);
        // The pivot Enter takes is in sight, though the list of them is below the pane's foot.
        let pivot = "Enter: 1 all events by user system:serviceaccount:kube-system:";
        assert!(screen.contains(pivot), "{screen}");
        insta::assert_snapshot!(format!("detail_aws_auth_{size}"), screen);

        // 1: every event of the service account that made it.
        demo.keys(&mut state, &[KeyCode::Char('1')]);
        let screen = demo.screen(&state);
        assert!(screen.contains("events 8 of 20000"), "{screen}");
        // What they touched reads by its name: a cell too narrow for the namespace and the
        // name gives up the namespace first.
        let names: &[&str] = if width > 80 {
            &["/aws-auth ", "/node-health", "/developers-edit "]
        } else {
            &["-auth "]
        };
        for name in names {
            assert!(screen.contains(name), "{name:?} at {size}:\n{screen}");
        }
        // The chips' hint whole or left out where the chip takes the line.
        let chips = screen
            .lines()
            .find(|l| l.starts_with(" filters:"))
            .expect("the chips");
        let hint = chips.contains("(Backspace drops the last");
        assert!(hint == (width > 80), "{chips}");
        assert!(hint || !chips.contains("(Back"), "{chips}");
        insta::assert_snapshot!(format!("after_pivot_{size}"), screen);
    }
}
