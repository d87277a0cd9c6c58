use super::*;
use crate::store::testing::{self, Ev, ms};

/// Rows 0..=5: (user, verb, namespace, code).
fn store() -> EventStore {
    let rows = [
        ("alice", "get", Some("team-a"), 200),
        ("bob", "get", Some("team-b"), 403),
        ("alice", "list", None, 200),
        ("carol", "delete", Some("team-a"), 200),
        ("bob", "list", Some("team-a"), 401),
        ("alice", "delete", Some("team-b"), 200),
    ];
    testing::store(
        rows.into_iter()
            .enumerate()
            .map(|(i, (user, verb, namespace, code))| Ev {
                user: Some(user),
                verb,
                namespace,
                code: Some(code),
                agent: Some(if i == 3 {
                    "Terraform/1.9"
                } else {
                    "kubectl/v1.31.0"
                }),
                second: i as u32 * 10,
                ..Ev::default()
            }),
    )
}

fn rows(store: &EventStore, include: &[(Facet, &str)], exclude: &[(Facet, &str)]) -> Vec<u32> {
    let own = |v: &[(Facet, &str)]| v.iter().map(|(f, s)| (*f, s.to_string())).collect();
    store.filter(&FilterSet {
        include: own(include),
        exclude: own(exclude),
        ..FilterSet::default()
    })
}

#[test]
fn an_empty_filter_keeps_every_row() {
    let s = store();
    assert_eq!(rows(&s, &[], &[]), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn values_of_one_facet_are_alternatives() {
    let s = store();
    assert_eq!(rows(&s, &[(Facet::User, "alice")], &[]), [0, 2, 5]);
    assert_eq!(
        rows(&s, &[(Facet::User, "alice"), (Facet::User, "carol")], &[]),
        [0, 2, 3, 5]
    );
}

#[test]
fn different_facets_must_all_match() {
    let s = store();
    let r = rows(
        &s,
        &[
            (Facet::User, "alice"),
            (Facet::User, "bob"),
            (Facet::Verb, "list"),
        ],
        &[],
    );
    assert_eq!(r, [2, 4]);
    assert_eq!(
        rows(&s, &[(Facet::Verb, "get"), (Facet::Code, "403")], &[]),
        [1]
    );
}

#[test]
fn an_exclude_wins_over_an_include() {
    let s = store();
    assert_eq!(rows(&s, &[], &[(Facet::User, "alice")]), [1, 3, 4]);
    assert_eq!(
        rows(&s, &[(Facet::User, "alice")], &[(Facet::User, "alice")]),
        Vec::<u32>::new()
    );
    assert_eq!(
        rows(&s, &[(Facet::User, "alice")], &[(Facet::Verb, "delete")]),
        [0, 2]
    );
}

#[test]
fn absent_values_fail_an_include_and_pass_an_exclude() {
    let s = store();
    assert_eq!(rows(&s, &[(Facet::Namespace, "team-a")], &[]), [0, 3, 4]);
    assert_eq!(rows(&s, &[], &[(Facet::Namespace, "team-a")]), [1, 2, 5]);
}

#[test]
fn unknown_values_match_nothing_and_exclude_nothing() {
    let s = store();
    assert!(rows(&s, &[(Facet::User, "mallory")], &[]).is_empty());
    assert_eq!(
        rows(&s, &[(Facet::User, "mallory"), (Facet::User, "bob")], &[]),
        [1, 4]
    );
    assert_eq!(rows(&s, &[], &[(Facet::User, "mallory")]).len(), 6);
}

#[test]
fn the_range_is_half_open_on_event_time() {
    let s = store();
    let filter = FilterSet {
        range: TimeRange {
            start_ms: Some(ms(10)),
            end_ms: Some(ms(40)),
        },
        ..FilterSet::default()
    };
    assert_eq!(s.filter(&filter), [1, 2, 3]);
    let from = FilterSet {
        range: TimeRange {
            start_ms: Some(ms(45)),
            end_ms: None,
        },
        ..FilterSet::default()
    };
    assert_eq!(s.filter(&from), [5]);
}

#[test]
fn text_is_found_in_the_raw_event_ignoring_case() {
    let s = store();
    let text = |t: &str| {
        s.filter(&FilterSet {
            text: Some(t.to_string()),
            ..FilterSet::default()
        })
    };
    assert_eq!(text("terraform"), [3]);
    assert_eq!(text("TERRAFORM/1.9"), [3]);
    assert_eq!(text("\"code\":40"), [1, 4]);
    assert!(text("nowhere-to-be-found").is_empty());
    assert_eq!(text("").len(), 6);
    let both = FilterSet {
        include: vec![(Facet::User, "bob".to_string())],
        text: Some("401".to_string()),
        ..FilterSet::default()
    };
    assert_eq!(s.filter(&both), [4]);
}

#[test]
fn every_word_of_a_search_must_be_found_in_any_order() {
    let s = store();
    let text = |t: &str| {
        s.filter(&FilterSet {
            text: Some(t.to_string()),
            ..FilterSet::default()
        })
    };
    // Words, not a phrase: bob's events with a 401, whichever word comes first.
    assert_eq!(text("bob 401"), [4]);
    assert_eq!(text("401   BOB"), [4]);
    assert_eq!(text("alice team-b"), [5]);
    assert_eq!(text("\"verb\":\"delete\" team-a"), [3]);
    assert!(text("alice 403").is_empty());
    assert_eq!(search_words(" a  b\tc "), ["a", "b", "c"]);
    // Why nothing: the words no event holds, or none when each is held but never together.
    let why = |t: &str, include: &[(Facet, &str)]| {
        s.search_misses(&FilterSet {
            include: include.iter().map(|(f, v)| (*f, v.to_string())).collect(),
            text: Some(t.to_string()),
            ..FilterSet::default()
        })
    };
    assert_eq!(why("alice zzz 401 qqq", &[]), ["zzz", "qqq"]);
    assert!(why("alice 403", &[]).is_empty());
    assert_eq!(
        why("alice terraform", &[(Facet::User, "bob")]),
        ["alice", "terraform"]
    );
}

#[test]
fn many_rows_filter_the_same_on_every_core() {
    let users = ["alice", "bob", "carol"];
    let s = testing::store((0..100_000u32).map(|i| Ev {
        user: Some(users[(i % 3) as usize]),
        verb: if i % 7 == 0 { "delete" } else { "get" },
        second: i / 100,
        ..Ev::default()
    }));
    let r = rows(&s, &[(Facet::User, "bob")], &[(Facet::Verb, "delete")]);
    let expected: Vec<u32> = (0..100_000).filter(|i| i % 3 == 1 && i % 7 != 0).collect();
    assert_eq!(r, expected);
}

#[test]
fn a_user_matches_either_identity_of_a_request() {
    let lines = include_bytes!("../../tests/fixtures/identities.jsonl");
    let input = std::sync::Arc::new(crate::source::local::LocalInput::from_vec(
        crate::source::local::path_origin("identities.jsonl".as_ref()),
        lines.to_vec(),
    ));
    let mut s = EventStore::default();
    s.load(input, 1, |_| {});
    // Rows 0 and 1: system:admin as bob; row 2 as alice; row 4 bob himself.
    assert_eq!(rows(&s, &[(Facet::User, "bob")], &[]), [0, 1, 4]);
    assert_eq!(rows(&s, &[(Facet::Impersonated, "bob")], &[]), [0, 1]);
    assert_eq!(
        rows(&s, &[(Facet::User, "bob"), (Facet::User, "alice")], &[]),
        [0, 1, 2, 4]
    );
    assert_eq!(
        rows(
            &s,
            &[(Facet::User, "system:admin")],
            &[(Facet::User, "bob")]
        ),
        [2, 3]
    );
    assert_eq!(
        rows(&s, &[(Facet::Resource, "pods/exec")], &[]),
        [1, 11],
        "an exec is not a read of a pod"
    );
    assert!(rows(&s, &[(Facet::User, "nobody")], &[]).is_empty());
}
