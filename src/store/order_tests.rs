use super::*;

const NONE: i64 = i64::MIN;

/// The order a plain stable sort by time gives, a row without a time taking the time of the
/// row before it: the reference.
fn reference(time: &[i64]) -> Vec<u32> {
    let mut key = Vec::with_capacity(time.len());
    let mut last = i64::MIN;
    for &t in time {
        if t != NONE {
            last = t;
        }
        key.push(last);
    }
    let mut rows: Vec<u32> = (0..time.len() as u32).collect();
    rows.sort_by_key(|&r| key[r as usize]);
    rows
}

fn positions(order: &TimeOrder) -> Vec<u32> {
    (0..order.settled()).map(|p| order.row_at(p)).collect()
}

/// Appends `batches` one after the other, as a load or a tail would, merging at the end.
fn run(batches: &[&[i64]], now: bool) -> (TimeOrder, Vec<i64>) {
    let mut order = TimeOrder::default();
    let mut time = Vec::new();
    for batch in batches {
        time.extend_from_slice(batch);
        order.appended(&time, now);
    }
    order.merge(&time);
    (order, time)
}

#[test]
fn rows_in_order_keep_no_permutation() {
    let (order, time) = run(&[&[1, 2, 2, 5], &[5, 7], &[9]], true);
    assert_eq!(order.permutation(), None);
    assert_eq!(positions(&order), reference(&time));
    assert_eq!(order.memory_bytes(), 0);
    assert_eq!(order.span(), Some((1, 9)));
}

#[test]
fn two_interleaved_streams_merge_into_one_timeline() {
    // Stream a holds the odd seconds, stream b the even ones, read one after the other.
    let a: Vec<i64> = (0..50).map(|i| 2 * i + 1).collect();
    let b: Vec<i64> = (0..50).map(|i| 2 * i).collect();
    let (order, time) = run(&[&a, &b], true);
    assert_eq!(positions(&order), reference(&time));
    let times: Vec<i64> = positions(&order)
        .iter()
        .map(|&r| time[r as usize])
        .collect();
    assert_eq!(times, (0..100).collect::<Vec<_>>());
}

#[test]
fn equal_times_keep_the_order_rows_were_read() {
    // Three inputs, each with events at the same two milliseconds.
    let (order, _) = run(&[&[10, 20], &[10, 20], &[10, 20]], true);
    assert_eq!(positions(&order), vec![0, 2, 4, 1, 3, 5]);
}

#[test]
fn a_part_out_of_order_is_sorted_and_stable() {
    let (order, time) = run(&[&[1, 2, 3], &[9, 4, 4, 8, 4]], true);
    assert_eq!(positions(&order), reference(&time));
    assert_eq!(positions(&order), vec![0, 1, 2, 4, 5, 7, 6, 3]);
}

#[test]
fn a_row_without_a_time_stays_after_the_row_read_before_it() {
    let (order, time) = run(&[&[NONE, 5, NONE, 6], &[NONE, 1]], true);
    assert_eq!(positions(&order), vec![0, 5, 1, 2, 3, 4]);
    assert_eq!(positions(&order), reference(&time));
    assert_eq!(order.span(), Some((1, 6)));
    // In order by themselves: no permutation for a cut line in a stream.
    let (order, _) = run(&[&[1, 2, NONE, 3]], true);
    assert_eq!(order.permutation(), None);
}

#[test]
fn merging_waits_while_few_rows_are_new_and_then_catches_up() {
    let mut order = TimeOrder::default();
    let mut time: Vec<i64> = (0..10_000).map(|i| i * 10).collect();
    order.appended(&time, false);
    assert_eq!(order.settled(), 10_000);
    // An event that arrived late: kept aside, not merged yet.
    time.push(5);
    order.appended(&time, false);
    assert_eq!(order.settled(), 10_000);
    order.merge(&time);
    assert_eq!(order.settled(), 10_001);
    assert_eq!(order.row_at(1), 10_000);
    // Later rows in order go at the end without a merge.
    time.extend([200_000, 200_001]);
    order.appended(&time, false);
    assert_eq!(order.settled(), 10_003);
    assert_eq!(positions(&order), reference(&time));
}

#[test]
fn any_arrival_gives_the_order_of_a_stable_sort() {
    // A small deterministic generator: several streams with jitter, cut into batches of
    // varying sizes, merged now or later.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for case in 0..200 {
        let streams = 1 + next(5) as usize;
        let mut batches: Vec<Vec<i64>> = Vec::new();
        for _ in 0..streams {
            let mut t = next(1000) as i64;
            let mut stream = Vec::new();
            for _ in 0..next(400) {
                t += next(20) as i64;
                let jitter = if next(10) == 0 { -(next(50) as i64) } else { 0 };
                stream.push(if next(100) == 0 { NONE } else { t + jitter });
            }
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let cut = (1 + next(100) as usize).min(rest.len());
                batches.push(rest[..cut].to_vec());
                rest = &rest[cut..];
            }
        }
        let slices: Vec<&[i64]> = batches.iter().map(Vec::as_slice).collect();
        let (order, time) = run(&slices, case % 2 == 0);
        assert_eq!(positions(&order), reference(&time), "case {case}");
    }
}
