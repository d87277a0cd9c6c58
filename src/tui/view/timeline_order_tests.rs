//! Several streams of one cluster, drawn: one timeline, and dates where a day is crossed.

use std::sync::Arc;

use super::tests::{console, draw, styles, text};
use crate::audit::formats::Origin;
use crate::source::local::LocalInput;
use crate::store::EventStore;

/// Event `i` of a night: one every 7.3 s from 23:58:00.000 on 2026-11-02, with milliseconds.
fn event(i: usize) -> String {
    let ms = 86_280_000 + i as i64 * 7_300;
    let (h, m, s, frac) = (
        ms / 3_600_000 % 24,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000,
    );
    let day = 2 + ms / 86_400_000;
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"night-{i}","stage":"ResponseComplete","verb":"get","user":{{"username":"user-{i}"}},"stageTimestamp":"2026-11-{day:02}T{h:02}:{m:02}:{s:02}.{frac:03}456Z"}}"#
    )
}

/// Two audit streams, as two API servers write them: every other event each.
fn two_streams(events: usize) -> EventStore {
    let mut store = EventStore::default();
    for which in 0..2 {
        let text: String = (0..events)
            .filter(|i| i % 2 == which)
            .map(|i| event(i) + "\n")
            .collect();
        let name = format!("kube-apiserver-audit-{which}");
        let input = Arc::new(LocalInput::from_vec(
            Origin::new(&name, &name),
            text.into_bytes(),
        ));
        store.load(input, 2, |_| {});
    }
    store
}

/// The users of the table's rows (a time, then the user), top to bottom.
fn users_on_screen(screen: &str) -> Vec<usize> {
    screen
        .lines()
        .filter_map(|line| {
            let at = line.rfind("user-")?;
            // A row starts with its time; a facet's line with the value.
            line[..at].find(".000").or_else(|| line[..at].find(':'))?;
            let digits: String = line[at + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

#[test]
fn two_streams_show_as_one_timeline_with_dates_across_midnight() {
    let store = two_streams(40);
    let styles = styles();
    for (width, height) in [(80, 24), (160, 45)] {
        let state = console(&store, width, height);
        let screen = text(&draw(&state, &store, &styles));
        let users = users_on_screen(&screen);
        assert!(users.len() >= 10, "{screen}");
        // Event i is user-i, and events are numbered in time order.
        let expected: Vec<usize> = (0..users.len()).collect();
        assert_eq!(users, expected, "{width}x{height}\n{screen}");
        // 23:58 on the 2nd and 00:0x on the 3rd: each time with its date, at any width.
        assert!(screen.contains("11-02 23:58:00.000"), "{screen}");
        if users.len() > 17 {
            assert!(screen.contains("11-03 00:00:"), "{screen}");
        }
    }
}

#[test]
fn events_of_one_day_drop_the_date_on_a_narrow_screen() {
    let store = two_streams(10);
    let state = console(&store, 80, 24);
    let screen = text(&draw(&state, &store, &styles()));
    assert!(screen.contains("│  23:58:00.000 user-0"), "{screen}");
}

#[test]
fn events_years_apart_show_the_year() {
    let mut store = EventStore::default();
    let line = |id: &str, at: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","verb":"get","user":{{"username":"user-{id}"}},"stageTimestamp":"{at}"}}"#
        ) + "\n"
    };
    let text = line("1", "2018-10-25T13:58:49.736000Z") + &line("2", "2020-04-19T11:33:49.736000Z");
    let input = Arc::new(LocalInput::from_vec(
        Origin::new("years", "years"),
        text.into_bytes(),
    ));
    store.load(input, 1, |_| {});
    for (width, height) in [(80, 24), (160, 45)] {
        let state = console(&store, width, height);
        let screen = text_of(&store, &state);
        assert!(
            screen.contains("2018-10-25 13:58:49.736 user-1"),
            "{screen}"
        );
        assert!(
            screen.contains("2020-04-19 11:33:49.736 user-2"),
            "{screen}"
        );
    }
}

fn text_of(store: &EventStore, state: &crate::tui::State) -> String {
    text(&draw(state, store, &styles()))
}
