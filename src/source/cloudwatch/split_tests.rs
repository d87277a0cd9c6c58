use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::insights::parser::parse;
use crate::source::cloudwatch::{
    FilterPage, LiveMsg, LiveTarget, LogGroup, QueryState, TailTarget,
};

fn read(text: &str) -> Reading {
    reading(&parse(text).unwrap())
}

fn whole(text: &str) -> (String, Option<u64>) {
    match read(text) {
        Reading::Whole { why, limit } => (why, limit),
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn only_answers_of_events_in_time_order_split() {
    assert_eq!(read("fields @message"), Reading::Split(Order::NewestFirst));
    assert_eq!(
        read("sort @timestamp asc"),
        Reading::Split(Order::OldestFirst)
    );
    assert_eq!(
        read("SOURCE logGroups(namePrefix: ['/aws/eks/']) | filter verb = 'get'"),
        Reading::Split(Order::NewestFirst)
    );
    assert!(whole("stats count(*) by verb").0.contains("stats"));
    assert!(whole("fields verb | dedup verb").0.contains("dedup"));
    assert!(whole("sort verb").0.contains("other than @timestamp"));
    assert!(whole("pattern @message").0.contains("`pattern`"));
    assert_eq!(whole("fields x | limit 5").1, Some(5));
    assert_eq!(
        whole("limit 50 | sort @timestamp desc | limit 7").1,
        Some(7)
    );
    // Stats after a limit: no more groups than rows.
    assert_eq!(whole("limit 20 | stats count(*) by verb").1, Some(20));
    assert_eq!(whole("limit 20 | unnest sourceIPs into ip").1, None);
}

/// Which events an end time takes in: AWS does not say, so every way is tried.
#[derive(Debug, Clone, Copy)]
enum Rounding {
    WholeSecond,
    FirstInstant,
    Exclusive,
}

impl Rounding {
    fn end_ms(self, end_s: i64) -> i64 {
        match self {
            Rounding::WholeSecond => (end_s + 1) * 1000,
            Rounding::FirstInstant => end_s * 1000 + 1,
            Rounding::Exclusive => end_s * 1000,
        }
    }
}

/// Logs Insights over events held in memory, `(time ms, @ptr)`, answering at most the cap in
/// the query's time order, as CloudWatch does.
struct Fake {
    events: Vec<(i64, String)>,
    rounding: Rounding,
    started: Mutex<Vec<(i64, i64, bool)>>,
}

impl Fake {
    fn new(events: Vec<(i64, String)>, rounding: Rounding) -> Fake {
        Fake {
            events,
            rounding,
            started: Mutex::new(Vec::new()),
        }
    }

    /// The events a query of `start_s..=end_s` finds, in its order, uncapped.
    fn found(&self, start_s: i64, end_s: i64, oldest_first: bool) -> Vec<&(i64, String)> {
        let end_ms = self.rounding.end_ms(end_s);
        let mut found: Vec<&(i64, String)> = self
            .events
            .iter()
            .filter(|(t, _)| *t >= start_s * 1000 && *t < end_ms)
            .collect();
        if oldest_first {
            found.sort_by_key(|(t, _)| *t);
        } else {
            found.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
        }
        found
    }
}

impl Logs for Fake {
    async fn log_groups(&self, _prefix: &str) -> Result<Vec<LogGroup>, CloudError> {
        Ok(Vec::new())
    }

    async fn start_query(
        &self,
        _groups: &[String],
        start_s: i64,
        end_s: i64,
        text: &str,
    ) -> Result<String, CloudError> {
        let mut started = self.started.lock().unwrap();
        started.push((start_s, end_s, text.contains("@timestamp asc")));
        Ok((started.len() - 1).to_string())
    }

    async fn query_results(&self, id: &str) -> Result<QueryPoll, CloudError> {
        let (start_s, end_s, oldest_first) =
            self.started.lock().unwrap()[id.parse::<usize>().unwrap()];
        let found = self.found(start_s, end_s, oldest_first);
        Ok(QueryPoll {
            state: QueryState::Complete,
            stats: QueryStats {
                records_matched: found.len() as f64,
                records_scanned: found.len() as f64,
                bytes_scanned: 0.0,
            },
            rows: found
                .iter()
                .take(AWS_ROW_CAP)
                .map(|(t, p)| {
                    vec![
                        ("@timestamp".to_string(), t.to_string()),
                        ("@ptr".to_string(), p.clone()),
                    ]
                })
                .collect(),
        })
    }

    async fn stop_query(&self, _id: &str) -> Result<(), CloudError> {
        Ok(())
    }

    async fn log_record(&self, _ptr: &str) -> Result<Vec<(String, String)>, CloudError> {
        Ok(Vec::new())
    }

    async fn live_tail(
        &self,
        _target: &LiveTarget,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<LiveMsg>, CloudError> {
        Err(CloudError::NotFound {
            message: "no live tail here".into(),
        })
    }

    async fn filter_log_events(
        &self,
        _target: &TailTarget,
        _start_ms: i64,
        _end_ms: i64,
        _next: Option<String>,
    ) -> Result<FilterPage, CloudError> {
        Ok(FilterPage::default())
    }
}

/// Runs `text` over the fake from `start_s` to `end_s`, time standing still while it polls.
fn run(fake: &Fake, start_s: i64, end_s: i64, text: &str, max_rows: usize) -> SplitRun {
    let query = CloudQuery {
        groups: vec!["/aws/eks/prod/cluster".into()],
        start_s,
        end_s,
        text: text.into(),
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(run_split(
            fake,
            &query,
            &parse(text).unwrap(),
            max_rows,
            |_| {},
            &AtomicBool::new(false),
        ))
        .unwrap()
}

fn times(run: &SplitRun) -> Vec<i64> {
    run.rows.iter().map(|r| r[0].1.parse().unwrap()).collect()
}

/// A xorshift generator: the same cases every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const ROUNDINGS: [Rounding; 3] = [
    Rounding::WholeSecond,
    Rounding::FirstInstant,
    Rounding::Exclusive,
];
const DESC: &str = "fields @timestamp | sort @timestamp desc";
const ASC: &str = "fields @timestamp | sort @timestamp asc";

#[test]
fn every_event_once_and_in_order_whichever_way_an_end_time_is_taken() {
    // 24,000 events 900 ms apart: most seconds hold one, some two, and none a whole one.
    let events: Vec<(i64, String)> = (0..24_000)
        .map(|i| (1_000_000_123 + i * 900, format!("p{i}")))
        .collect();
    for rounding in ROUNDINGS {
        let fake = Fake::new(events.clone(), rounding);
        for (text, oldest_first) in [(DESC, false), (ASC, true)] {
            let run = run(&fake, 1_000_000, 1_000_000 + 21_600, text, usize::MAX);
            let expected: Vec<i64> = fake
                .found(1_000_000, 1_000_000 + 21_600, oldest_first)
                .iter()
                .map(|(t, _)| *t)
                .collect();
            assert_eq!(expected.len(), 24_000);
            assert!(run.complete(), "{rounding:?} {text}: {:?}", run.uncovered);
            assert!(run.queries > 1, "split");
            let got = times(&run);
            assert!(
                got == expected,
                "{rounding:?} {text}: {} rows of 24000",
                got.len()
            );
        }
    }
}

#[test]
fn dense_seconds_end_the_cutting_and_are_named_and_nothing_else_is_lost_or_doubled() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut dense_runs = 0;
    for case in 0..8 {
        let start_s: i64 = 1_700_000_000;
        let span = 20 + rng.below(3000) as i64;
        let mut events: Vec<(i64, String)> = (0..rng.below(25_000))
            .map(|i| {
                let t = start_s * 1000 + rng.below(span as u64 * 1000) as i64;
                (t, format!("p{i}"))
            })
            .collect();
        // A burst past the cap within a second or two, now and then; some on one millisecond.
        if case % 2 == 0 {
            let at = start_s + rng.below(span as u64) as i64;
            let n = events.len();
            events.extend((0..10_500 + rng.below(3000)).map(|i| {
                let ms = if i % 5 == 0 {
                    0
                } else {
                    rng.below(1500) as i64
                };
                (at * 1000 + ms, format!("d{}", n as u64 + i))
            }));
        }
        for rounding in ROUNDINGS {
            for (text, oldest_first) in [(DESC, false), (ASC, true)] {
                let fake = Fake::new(events.clone(), rounding);
                let run = run(&fake, start_s, start_s + span, text, usize::MAX);
                let label = format!("case {case}, {rounding:?}, {text}");
                // Ended, and no range was asked twice.
                let started = fake.started.lock().unwrap().clone();
                assert_eq!(started.len(), run.queries, "{label}");
                let ranges: HashSet<(i64, i64)> =
                    started.iter().map(|(s, e, _)| (*s, *e)).collect();
                assert_eq!(ranges.len(), started.len(), "{label}");
                // Each event at most once, in the requested order.
                let ptrs: HashSet<&str> = run.rows.iter().map(|r| r[1].1.as_str()).collect();
                assert_eq!(ptrs.len(), run.rows.len(), "{label}: a repeat");
                let got = times(&run);
                assert!(
                    got.windows(2).all(|w| if oldest_first {
                        w[0] <= w[1]
                    } else {
                        w[0] >= w[1]
                    }),
                    "{label}: out of order"
                );
                // Only a range too short to cut is left uncovered; every event outside those
                // is in.
                for (s, e) in &run.uncovered {
                    assert!(e - s <= 1, "{label}: {s}..{e}");
                    assert!(fake.found(*s, *e, false).len() >= AWS_ROW_CAP, "{label}");
                }
                let uncovered = |t: i64| {
                    run.uncovered
                        .iter()
                        .any(|(s, e)| t >= s * 1000 && t < rounding.end_ms(*e))
                };
                let expected = fake
                    .found(start_s, start_s + span, oldest_first)
                    .into_iter()
                    .filter(|(t, _)| !uncovered(*t));
                for (t, p) in expected {
                    assert!(ptrs.contains(p.as_str()), "{label}: {p} at {t} lost");
                }
                assert_eq!(run.complete(), run.uncovered.is_empty(), "{label}");
                dense_runs += usize::from(!run.uncovered.is_empty());
            }
        }
    }
    assert!(
        dense_runs >= 6,
        "the bursts were dense enough: {dense_runs}"
    );
}

#[test]
fn a_query_with_its_own_limit_or_groups_is_one_query_and_the_cap_is_told() {
    let events: Vec<(i64, String)> = (0..24_000)
        .map(|i| (1_000_000_123 + i * 900, format!("p{i}")))
        .collect();
    let fake = Fake::new(events, Rounding::FirstInstant);
    let (start, end) = (1_000_000, 1_000_000 + 21_600);
    let limited = run(&fake, start, end, &format!("{DESC} | limit 10000"), 100);
    assert_eq!((limited.queries, limited.rows.len()), (1, 10_000));
    assert!(limited.complete(), "its own limit: nothing more was asked");
    let stats = run(&fake, start, end, "stats count(*) by bin(1s)", 100);
    assert_eq!((stats.queries, stats.rows.len()), (1, 10_000));
    assert!(!stats.complete());
    assert!(stats.capped.as_deref().unwrap().contains("stats"));
    // Under the cap there is nothing to say.
    let few = run(&fake, start, start + 60, "stats count(*) by bin(1s)", 100);
    assert!(few.complete() && few.queries == 1);
    // --max-rows bounds a split answer, and says so.
    let bounded = run(&fake, start, end, DESC, 12_000);
    assert!(bounded.stopped_at_max && !bounded.complete());
    assert_eq!(bounded.rows.len(), 12_000);
}
