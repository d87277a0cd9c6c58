use super::*;
use crate::store::testing::{self, Ev, ms};

fn store(events: &[(u32, i64)]) -> EventStore {
    testing::store(events.iter().map(|(second, code)| Ev {
        second: *second,
        code: Some(*code),
        ..Ev::default()
    }))
}

/// A store of events stamped at these RFC 3339 times (millisecond precision), each refused
/// when its code says so.
fn stamped(times: &[(&str, i64)]) -> EventStore {
    let mut s = EventStore::default();
    for (i, (t, code)) in times.iter().enumerate() {
        let line = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a{i}","verb":"get","responseStatus":{{"code":{code}}},"requestReceivedTimestamp":"{t}","stageTimestamp":"{t}"}}"#
        );
        s.push_owned(line.as_bytes()).expect("a test line decodes");
    }
    s
}

fn all(s: &EventStore) -> Vec<u32> {
    (0..s.len() as u32).collect()
}

fn epoch(t: &str) -> i64 {
    crate::audit::time::parse_rfc3339_micros(t).expect("a time") / 1000
}

/// Every bar the same width, starting at a multiple of it, with every row in one.
fn assert_equal_bars(h: &Histogram, rows: u64) {
    assert!(h.bucket_ms > 0);
    assert_eq!(h.start_ms.rem_euclid(h.bucket_ms), 0, "aligned: {h:?}");
    for (i, b) in h.buckets.iter().enumerate() {
        assert_eq!(b.start_ms, h.start_ms + i as i64 * h.bucket_ms);
    }
    assert_eq!(h.buckets.iter().map(|b| b.total).sum::<u64>(), rows);
    let first = h.buckets.first().expect("a bar").start_ms;
    let last = h.buckets.last().expect("a bar").start_ms;
    assert!(first <= h.first_ms && h.first_ms < first + h.bucket_ms);
    assert!(last <= h.last_ms && h.last_ms < last + h.bucket_ms);
}

#[test]
fn bars_are_of_one_nice_width_that_fits_the_columns() {
    // Four hours less a little, as the demo: 06:00:00.053 to 09:59:59.686.
    let s = stamped(&[
        ("2026-11-02T06:00:00.053Z", 200),
        ("2026-11-02T07:30:00.000Z", 403),
        ("2026-11-02T09:59:59.686Z", 200),
    ]);
    let h = s.histogram(&all(&s));
    assert_eq!(h.first_ms, epoch("2026-11-02T06:00:00.053Z"));
    assert_eq!(h.last_ms, epoch("2026-11-02T09:59:59.686Z"));
    assert_equal_bars(&h, 3);
    // 158 columns (a 160-wide timeline): 2-minute bars, 120 of them, the rest left empty.
    let wide = h.bars(158);
    assert_eq!(wide.bucket_ms, 2 * MINUTE);
    assert_eq!(wide.buckets.len(), 120);
    assert_eq!(wide.start_ms, epoch("2026-11-02T06:00:00Z"));
    assert_equal_bars(&wide, 3);
    assert_eq!(wide.buckets[45].denied, 1);
    // 78 columns: 5-minute bars, 48 of them.
    let narrow = h.bars(78);
    assert_eq!(narrow.bucket_ms, 5 * MINUTE);
    assert_eq!(narrow.buckets.len(), 48);
    assert_equal_bars(&narrow, 3);
    // Room for every minute: 1-minute bars.
    assert_eq!(h.bars(240).bucket_ms, MINUTE);
    assert_eq!(h.bars(240).buckets.len(), 240);
}

#[test]
fn millisecond_times_get_millisecond_bars() {
    let s = stamped(&[
        ("2026-11-02T08:00:00.001Z", 200),
        ("2026-11-02T08:00:00.004Z", 401),
        ("2026-11-02T08:00:00.050Z", 200),
    ]);
    let h = s.histogram(&all(&s));
    assert_eq!(h.bucket_ms, 1);
    let bars = h.bars(20);
    assert_eq!(bars.bucket_ms, 5);
    assert_eq!(bars.buckets.len(), 11);
    assert_equal_bars(&bars, 3);
    let counts: Vec<u64> = bars.buckets.iter().map(|b| b.total).collect();
    assert_eq!(counts, [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(bars.buckets[0].denied, 1);
}

#[test]
fn one_event_or_a_span_of_zero_is_one_bar() {
    let s = stamped(&[
        ("2026-11-02T08:00:00.250Z", 200),
        ("2026-11-02T08:00:00.250Z", 403),
    ]);
    let h = s.histogram(&all(&s));
    assert_eq!(h.buckets.len(), 1);
    let bars = h.bars(78);
    assert_eq!(bars.buckets.len(), 1);
    assert_equal_bars(&bars, 2);
    assert_eq!((bars.buckets[0].total, bars.buckets[0].denied), (2, 1));
    let one = s.histogram(&[0]).bars(158);
    assert_eq!(one.buckets.len(), 1);
    assert_eq!(one.bucket_ms, SECOND);
    assert_eq!(one.first_ms, one.last_ms);
    assert_equal_bars(&one, 1);
}

#[test]
fn a_span_across_midnight_is_cut_at_round_times() {
    let s = stamped(&[
        ("2026-11-02T23:10:07.000Z", 200),
        ("2026-11-02T23:59:59.999Z", 200),
        ("2026-11-03T00:00:00.000Z", 403),
        ("2026-11-03T01:05:00.000Z", 200),
    ]);
    let h = s.histogram(&all(&s));
    let bars = h.bars(78);
    // 1 h 55 min over 78 columns: 2-minute bars would need 58, so they fit.
    assert_eq!(bars.bucket_ms, 2 * MINUTE);
    assert_equal_bars(&bars, 4);
    let midnight = epoch("2026-11-03T00:00:00Z");
    let at = bars.bucket_of(midnight).expect("midnight is in a bar");
    assert_eq!(bars.buckets[at].start_ms, midnight);
    assert_eq!(bars.buckets[at].total, 1);
    assert_eq!(bars.buckets[at - 1].total, 1);
    // Days at a time: bars of a day start at midnight UTC.
    let week = stamped(&[("2026-11-01T13:00:00Z", 200), ("2026-11-09T02:00:00Z", 200)]);
    let bars = week.histogram(&all(&week)).bars(10);
    assert_eq!(bars.bucket_ms, DAY);
    assert_eq!(bars.start_ms, epoch("2026-11-01T00:00:00Z"));
    assert_eq!(bars.buckets.len(), 9);
}

#[test]
fn folding_loses_no_row_whatever_the_width() {
    let s = store(&[
        (0, 200),
        (5, 403),
        (50, 200),
        (51, 401),
        (99, 200),
        (99, 403),
    ]);
    let h = s.histogram(&all(&s));
    assert_eq!(h.first_ms, ms(0));
    assert_eq!(h.last_ms, ms(99));
    for columns in 1..200 {
        let bars = h.bars(columns);
        assert!(bars.buckets.len() <= columns, "{columns}: {bars:?}");
        assert_equal_bars(&bars, 6);
        assert_eq!(bars.buckets.iter().map(|b| b.denied).sum::<u64>(), 3);
    }
}

#[test]
fn rows_without_time_are_counted_apart() {
    let mut s = store(&[(3, 200)]);
    let untimed = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","verb":"get"}"#;
    s.push_owned(untimed.as_bytes()).unwrap();
    assert_eq!(s.time_ms(1), None);
    let h = s.histogram(&[0, 1]);
    assert_eq!(h.untimed, 1);
    assert_eq!(h.buckets.iter().map(|b| b.total).sum::<u64>(), 1);
    let only = s.histogram(&[1]);
    assert!(only.buckets.is_empty());
    assert!(only.bars(80).buckets.is_empty());
    assert_eq!(only.untimed, 1);
    assert_eq!(s.histogram(&[]), Histogram::default());
}
