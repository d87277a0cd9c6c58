//! `sort @timestamp desc | limit n` over a split input passes over the records that cannot make
//! the answer. Whatever it passes over, the rows and the statistics must be the ones a single
//! plain pass gives: in any input order, with equal times, with a time range, both directions.

use kaudit::audit::decode::Depth;
use kaudit::audit::time::TimeRange;
use kaudit::insights::checker::check;
use kaudit::insights::exec::{Plan, QueryResult};
use kaudit::insights::parser::parse;
use kaudit::source::demo::{DemoConfig, demo_bytes};
use kaudit::source::local::{LocalInput, LocalQuery, path_origin};

fn plan(text: &str) -> Plan {
    let query = parse(text).expect("query parses");
    assert!(check(&query).iter().all(|d| !d.is_error()), "{text}");
    Plan::new(&query).expect("query compiles")
}

fn input(data: Vec<u8>) -> LocalInput {
    LocalInput::from_vec(path_origin("events.jsonl".as_ref()), data)
}

/// One plain pass: one run, no parts, no floor.
fn plain(plan: &Plan, data: &LocalInput, range: TimeRange) -> QueryResult {
    let mut run = plan.start_in(range);
    data.scan(Depth::Classify, |record| run.push(record));
    run.finish()
}

/// The query as `kaudit query` runs it, and how many records it passed over. With one thread,
/// parts are read one after the other, newest first: the floor set by one works on the next.
fn split(plan: &Plan, data: &LocalInput, range: TimeRange, threads: usize) -> (QueryResult, u64) {
    let mut query = LocalQuery::new(plan, range)
        .threads(threads)
        .part_bytes(data.bytes().len() / 4);
    query.read(data).expect("no reader panics");
    let passed_over = query.passed_over();
    (query.finish(), passed_over)
}

/// An audit event at second `s`, microsecond `us`; `time_first` puts the times before the
/// rest of the event, as a re-serialised event may.
fn event(n: usize, s: u32, us: u32, time_first: bool) -> String {
    let time = format!("2026-11-02T08:{:02}:{:02}.{us:06}Z", s / 60, s % 60);
    let times = format!(r#""requestReceivedTimestamp":"{time}","stageTimestamp":"{time}""#);
    let body = format!(
        r#""kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{n}","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{{"username":"user-{}"}},"sourceIPs":["10.0.0.{}"],"responseStatus":{{"code":200}}"#,
        n % 7,
        n % 5
    );
    if time_first {
        format!("{{{times},{body}}}\n")
    } else {
        format!("{{{body},{times}}}\n")
    }
}

/// Events in a scrambled order, many sharing a time, a few with their times first.
fn scrambled(count: usize) -> Vec<u8> {
    scrambled_over(count, 600)
}

/// As [`scrambled`], over `seconds` distinct seconds; over a few, all on whole seconds.
fn scrambled_over(count: usize, seconds: u64) -> Vec<u8> {
    let mut out = String::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for n in 0..count {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let s = (x % seconds) as u32;
        // A quarter of the events share whole seconds: equal times across parts.
        let us = if n % 4 == 0 || seconds < 100 {
            0
        } else {
            (x >> 20) as u32 % 1_000_000
        };
        out.push_str(&event(n, s, us, n % 11 == 0));
    }
    out.into_bytes()
}

const QUERIES: &[&str] = &[
    "fields @timestamp, user.username, verb, auditID | sort @timestamp desc | limit 10",
    "fields @timestamp, auditID | sort @timestamp asc | limit 10",
    "sort @timestamp desc | limit 1",
    "fields auditID | sort @timestamp desc, auditID asc | limit 37",
    "parse requestURI '/api/*/*' as version, kind | sort @timestamp desc | limit 250",
    "fields @timestamp, auditID | sort @timestamp asc | limit 5000",
];

/// Compares; returns how many records the split runs passed over in all.
fn assert_same(text: &str, data: &LocalInput, range: TimeRange) -> u64 {
    let plan = plan(text);
    assert!(
        plan.time_floor(range).is_some(),
        "{text} should use the floor"
    );
    let expected = plain(&plan, data, range);
    let mut passed_over = 0;
    for threads in [1, 2, 4] {
        let (got, skipped) = split(&plan, data, range, threads);
        passed_over += skipped;
        assert_eq!(got.columns, expected.columns, "{text}");
        assert_eq!(got.rows, expected.rows, "{text}, {threads} threads");
        assert_eq!(
            got.statistics, expected.statistics,
            "{text}, {threads} threads"
        );
    }
    passed_over
}

/// A run trims what it holds, and so sets the floor, every few thousand rows: inputs of
/// this size let the floor work in every part.
const EVENTS: usize = 40_000;

#[test]
fn the_newest_rows_are_those_of_a_plain_pass_over_the_demo() {
    let data = input(demo_bytes(&DemoConfig {
        events: EVENTS,
        seed: 3,
    }));
    for text in QUERIES {
        let passed_over = assert_same(text, &data, TimeRange::default());
        assert!(passed_over > 0, "{text}: the floor never worked");
    }
}

#[test]
fn scrambled_times_and_equal_times_give_the_plain_answer() {
    let data = input(scrambled(EVENTS));
    for text in QUERIES {
        let passed_over = assert_same(text, &data, TimeRange::default());
        assert!(passed_over > 0, "{text}: the floor never worked");
    }
}

#[test]
fn among_equal_times_the_first_in_the_input_wins_wherever_it_is() {
    // Twenty times for all: the newest n all share one, and a stable sort keeps the first
    // ones in the input, which sit in the part read last.
    let data = input(scrambled_over(EVENTS, 20));
    for text in QUERIES {
        assert_same(text, &data, TimeRange::default());
    }
}

#[test]
fn a_time_range_gives_the_plain_answer_and_counts() {
    let data = input(scrambled(EVENTS));
    let base: jiff::Timestamp = "2026-11-02T08:02:00Z".parse().unwrap();
    let from = base.as_millisecond();
    let range = TimeRange {
        start_ms: Some(from),
        end_ms: Some(from + 3 * 60_000),
    };
    for text in QUERIES {
        assert_same(text, &data, range);
    }
    // And the range did cut: fewer records scanned than the input holds.
    let plan = plan(QUERIES[0]);
    let s = split(&plan, &data, range, 2).0.statistics;
    assert!(
        s.records_scanned < 30_000 && s.records_scanned > 10_000,
        "{s:?}"
    );
    assert_eq!(s.records_matched, s.records_scanned);
}

#[test]
fn the_floor_passes_over_records_once_it_holds_enough() {
    // Not a timing: the floor must actually keep records from being read. Newest first, one
    // part: once the run holds its rows (it trims what it holds every few thousand), everything
    // after is older and passed over.
    let demo = demo_bytes(&DemoConfig {
        events: 20_000,
        seed: 3,
    });
    let mut lines: Vec<&[u8]> = demo.split_inclusive(|b| *b == b'\n').collect();
    lines.reverse();
    let data = input(lines.concat());
    let plan = plan(QUERIES[0]);
    let mut query = LocalQuery::new(&plan, TimeRange::default()).threads(1);
    query.read(&data).unwrap();
    let passed_over = query.passed_over();
    let result = query.finish();
    assert!(passed_over > 10_000, "passed over {passed_over} of 20000");
    assert_eq!(result.rows, plain(&plan, &data, TimeRange::default()).rows);
    assert_eq!(result.statistics.records_scanned, 20_000);
    assert_eq!(result.statistics.records_matched, 20_000);
}

#[test]
fn queries_that_drop_or_rewrite_records_before_the_sort_have_no_floor() {
    for text in [
        "filter verb = 'get' | sort @timestamp desc | limit 5",
        "sort @timestamp desc",
        "limit 5 | sort @timestamp desc",
        "sort verb desc | limit 5",
        "fields auditID as @timestamp | sort @timestamp desc | limit 5",
        "sort @timestamp desc | dedup user.username | limit 5",
        "stats count(*) by verb | sort verb desc | limit 5",
        "sort @timestamp desc | limit 5 | filter verb = 'get'",
    ] {
        assert!(
            plan(text).time_floor(TimeRange::default()).is_none(),
            "{text}"
        );
    }
}
