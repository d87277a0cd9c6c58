//! The title line: what the console must say however short the line, such as events CloudWatch
//! did not send.

use super::tests::{console, demo_store, draw, styles, text};
use crate::tui::msg::Msg;
use crate::tui::update;

/// CloudWatch's sampling is said on the title line while it lasts, and still once it stops
/// (its next heartbeat says "not sampled" at once): the events it did not send stay missing.
#[test]
fn a_tail_sampled_once_is_still_said_after_sampling_stops() {
    let store = demo_store();
    let styles = styles();
    let mut state = console(&store, 160, 45);
    let mut tail = crate::tui::msg::TailStatus {
        added: 20,
        sampled: true,
        was_sampled: true,
        ..Default::default()
    };
    update(&mut state, Msg::Tail(tail.clone()));
    let screen = text(&draw(&state, &store, &styles));
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("SAMPLED by CloudWatch: some events are not sent"),
        "{screen}"
    );
    tail.sampled = false;
    update(&mut state, Msg::Tail(tail));
    let screen = text(&draw(&state, &store, &styles));
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("SAMPLED by CloudWatch earlier: some events were not sent"),
        "{screen}"
    );
}
