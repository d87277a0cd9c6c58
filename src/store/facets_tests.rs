use super::*;
use crate::store::testing::{self, Ev};

fn store(users: &[Option<&'static str>]) -> EventStore {
    testing::store(users.iter().enumerate().map(|(i, user)| Ev {
        user: *user,
        second: i as u32,
        ..Ev::default()
    }))
}

#[test]
fn top_values_by_count_then_by_value() {
    let s = store(&[
        Some("carol"),
        Some("bob"),
        None,
        Some("alice"),
        Some("bob"),
        Some("dave"),
        Some("carol"),
        None,
        Some("bob"),
    ]);
    let all: Vec<u32> = (0..s.len() as u32).collect();
    let c = s.facet_counts(&all, Facet::User, 3);
    let values: Vec<(&str, u64)> = c.values.iter().map(|(v, n)| (v.as_str(), *n)).collect();
    assert_eq!(values, [("bob", 3), ("carol", 2), ("alice", 1)]);
    assert_eq!(c.distinct, 4);
    assert_eq!(c.missing, 2);
    assert_eq!(c.rows, 9);
    let none = s.facet_counts(&all, Facet::User, 0);
    assert!(none.values.is_empty());
    assert_eq!(none.distinct, 4);
}

#[test]
fn only_the_given_rows_are_counted() {
    let s = store(&[Some("alice"), Some("bob"), Some("bob"), None]);
    let c = s.facet_counts(&[0, 3], Facet::User, 10);
    assert_eq!(c.values, [("alice".to_string(), 1)]);
    assert_eq!((c.distinct, c.missing, c.rows), (1, 1, 2));
    let empty = s.facet_counts(&[], Facet::Verb, 10);
    assert_eq!(empty, FacetCounts::default());
}

#[test]
fn all_facets_at_once_agree_with_one_at_a_time() {
    let users = ["alice", "bob", "carol", "dave", "erin"];
    let s = testing::store((0..70_000u32).map(|i| Ev {
        user: Some(users[(i * 7 % 5) as usize]),
        verb: ["get", "list", "watch"][(i % 3) as usize],
        code: Some([200, 403, 404, 201][(i % 4) as usize]),
        namespace: (i % 5 != 0).then_some("ns"),
        second: i / 1000,
        ..Ev::default()
    }));
    let rows: Vec<u32> = (0..s.len() as u32).filter(|r| r % 2 == 0).collect();
    let all = s.facet_counts_all(&rows, 3);
    assert_eq!(all.len(), Facet::ALL.len());
    for (facet, counts) in &all {
        assert_eq!(*counts, s.facet_counts(&rows, *facet, 3), "{facet:?}");
    }
    // Even rows have codes 200 and 404 only.
    let code = &all[Facet::Code.index()].1;
    let expected = [("200".to_string(), 17_500), ("404".to_string(), 17_500)];
    assert_eq!(code.values, expected);
    assert_eq!(code.distinct, 2);
    let namespace = &all[Facet::Namespace.index()].1;
    assert_eq!(namespace.missing, 7_000);
}
