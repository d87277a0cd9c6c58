use super::*;
use crate::store::testing::{self, Ev, ms};

fn store(events: &[(u32, i64)]) -> EventStore {
    testing::store(events.iter().map(|(second, code)| Ev {
        second: *second,
        code: Some(*code),
        ..Ev::default()
    }))
}

#[test]
fn buckets_cover_the_span_and_count_denied_apart() {
    // 0 s to 99 s: a span of 99,001 ms in 10 buckets of 9,901 ms.
    let s = store(&[
        (0, 200),
        (5, 403),
        (50, 200),
        (51, 401),
        (99, 200),
        (99, 403),
    ]);
    let all: Vec<u32> = (0..s.len() as u32).collect();
    let h = s.histogram(&all, 10);
    assert_eq!(h.start_ms, ms(0));
    assert_eq!(h.bucket_ms, 9_901);
    assert_eq!(h.buckets.len(), 10);
    assert_eq!(h.untimed, 0);
    let totals: Vec<(u64, u64)> = h.buckets.iter().map(|b| (b.total, b.denied)).collect();
    assert_eq!(
        totals,
        [
            (2, 1),
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
            (2, 1),
            (0, 0),
            (0, 0),
            (0, 0),
            (2, 1)
        ]
    );
    assert_eq!(h.buckets[5].start_ms, ms(0) + 5 * 9_901);
    assert_eq!(h.buckets.iter().map(|b| b.total).sum::<u64>(), 6);
}

#[test]
fn only_the_given_rows_and_a_short_span_gives_fewer_buckets() {
    let s = store(&[(0, 200), (1, 200), (7, 403)]);
    let h = s.histogram(&[0], 120);
    assert_eq!(h.buckets.len(), 1);
    assert_eq!(h.buckets[0].total, 1);
    let h = s.histogram(&[0, 1], 5000);
    // 1,001 ms of span: one bucket per millisecond at most.
    assert_eq!(h.buckets.len(), 1001);
    assert_eq!(h.bucket_ms, 1);
    assert_eq!(h.buckets.first().map(|b| b.total), Some(1));
    assert_eq!(h.buckets.last().map(|b| b.total), Some(1));
}

#[test]
fn rows_without_time_are_counted_apart() {
    let mut s = store(&[(3, 200)]);
    let untimed = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","verb":"get"}"#;
    s.push_owned(untimed.as_bytes()).unwrap();
    assert_eq!(s.time_ms(1), None);
    let h = s.histogram(&[0, 1], 10);
    assert_eq!(h.untimed, 1);
    assert_eq!(h.buckets.iter().map(|b| b.total).sum::<u64>(), 1);
    let only = s.histogram(&[1], 10);
    assert!(only.buckets.is_empty());
    assert_eq!(only.untimed, 1);
    assert_eq!(s.histogram(&[], 10), Histogram::default());
}
