//! Past CloudWatch's 10,000-row cap. An answer of events in time order, with no `limit` of the
//! query's own, that comes back with exactly the cap may have left events out: its time range
//! is cut in two and each half run again, recursively, until every part answers under the cap
//! or cannot be cut further (then it is said to be not covered). The parts' rows are joined in
//! the requested time order, each event once (by `@ptr`).
//!
//! StartQuery takes whole seconds, and AWS does not say whether an end time takes in its whole
//! second or only its first instant, while events carry milliseconds. So the two halves of a
//! part share their boundary second: whichever way AWS takes it, every event of that second is
//! in one half or both, and a repeat is dropped by its `@ptr`.
//!
//! Any other answer (`stats` groups, `dedup`, a `limit`, another sort, rows that are not one per
//! event) is one query: joined parts would repeat groups or not be the query's answer. When it
//! comes back with the cap, the caller is told there may be more.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

use super::Logs;
use super::query_life::{CloudQuery, run_query};
use super::types::{CloudError, QueryPoll, QueryStats};
use crate::insights::ast::{CommandKind, ExprKind, Query};

/// The most rows CloudWatch returns of a query.
pub const AWS_ROW_CAP: usize = 10_000;

/// Which end of the range comes first in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// CloudWatch's default, and `sort @timestamp desc`.
    NewestFirst,
    OldestFirst,
}

/// How a query's answer is read from CloudWatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Rows of events in time order, with no `limit` of the query's own: past the cap, the
    /// range is cut and the parts' rows joined.
    Split(Order),
    /// One query, its answer as CloudWatch gives it.
    Whole {
        /// Why joined parts would not be the query's answer, for messages.
        why: String,
        /// The most rows the query asks for itself: an answer of that many is complete.
        limit: Option<u64>,
    },
}

/// CloudWatch's own commands whose rows are still the events, one each.
const EVENT_PRESERVING_AWS_COMMANDS: &[&str] = &["SOURCE", "filterIndex", "unmask"];

/// How `query`'s answer is read: split past the cap only when its rows are events in time
/// order and it has no `limit` of its own (a `limit` is a choice, not a cap).
pub fn reading(query: &Query) -> Reading {
    let mut order = Order::NewestFirst;
    // The first reason found is the one told.
    let mut why: Option<String> = None;
    let mut limit: Option<u64> = None;
    for command in &query.commands {
        let reason = match &command.kind {
            CommandKind::Stats { .. } => "`stats` groups would repeat in each part".into(),
            CommandKind::Dedup(_) => "`dedup` keeps one event per part, not one in all".into(),
            CommandKind::Limit(n) => {
                limit = Some(limit.map_or(*n, |l| l.min(*n)));
                "it has a `limit` of its own".into()
            }
            CommandKind::Unnest { .. } => {
                // One event's list becomes several rows: a `limit` before it bounds nothing.
                limit = None;
                "`unnest` makes several rows of one event".into()
            }
            CommandKind::AwsOnly { name } if !EVENT_PRESERVING_AWS_COMMANDS.contains(&&**name) => {
                limit = None;
                format!("`{name}` is CloudWatch's own: its rows may not be events")
            }
            CommandKind::Sort(keys) => match keys.first().map(|k| (&k.expr.kind, k.descending)) {
                Some((ExprKind::Field(f), descending)) if f.path == "@timestamp" => {
                    order = if descending {
                        Order::NewestFirst
                    } else {
                        Order::OldestFirst
                    };
                    continue;
                }
                _ => "it is sorted on something other than @timestamp".into(),
            },
            _ => continue,
        };
        why.get_or_insert(reason);
    }
    match why {
        Some(why) => Reading::Whole { why, limit },
        None => Reading::Split(order),
    }
}

/// Where a run stands, for progress.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SplitProgress {
    pub queries: usize,
    pub rows: usize,
    /// Of the range's length in seconds, how much is answered in full so far.
    pub covered_s: i64,
    pub total_s: i64,
    /// The running part's statistics.
    pub part: QueryStats,
}

/// The answer, joined.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRun {
    pub rows: Vec<Vec<(String, String)>>,
    /// Summed over the parts kept.
    pub stats: QueryStats,
    /// StartQuery calls made: more than one only when the range was split.
    pub queries: usize,
    /// Ranges (`start_s`, `end_s`, as sent) too short to cut that still returned the cap: some
    /// of their events are missing.
    pub uncovered: Vec<(i64, i64)>,
    /// An answer that could not be split came back with the cap, and why it could not be:
    /// there may be more.
    pub capped: Option<String>,
    /// Stopped at `max_rows`.
    pub stopped_at_max: bool,
    pub cancelled: bool,
}

impl SplitRun {
    /// Every row of the query's answer is here.
    pub fn complete(&self) -> bool {
        self.uncovered.is_empty()
            && self.capped.is_none()
            && !self.stopped_at_max
            && !self.cancelled
    }
}

fn ptr(row: &[(String, String)]) -> Option<&str> {
    row.iter()
        .find(|(f, _)| f == "@ptr")
        .map(|(_, v)| v.as_str())
}

fn add(total: &mut QueryStats, part: QueryStats) {
    total.records_matched += part.records_matched;
    total.records_scanned += part.records_scanned;
    total.bytes_scanned += part.bytes_scanned;
}

/// Runs `query` (whose text parses to `parsed`) over its range. An answer of events in time
/// order is split where it hits the cap, keeping at most `max_rows` rows; any other answer is
/// one query (see [`reading`]).
pub async fn run_split<L: Logs>(
    logs: &L,
    query: &CloudQuery,
    parsed: &Query,
    max_rows: usize,
    mut progress: impl FnMut(&SplitProgress),
    cancel: &AtomicBool,
) -> Result<SplitRun, CloudError> {
    let mut run = SplitRun {
        rows: Vec::new(),
        stats: QueryStats::default(),
        queries: 0,
        uncovered: Vec::new(),
        capped: None,
        stopped_at_max: false,
        cancelled: false,
    };
    let total_s = query.end_s - query.start_s;
    let order = match reading(parsed) {
        Reading::Split(order) => order,
        Reading::Whole { why, limit } => {
            let mut now = SplitProgress {
                queries: 1,
                total_s,
                ..SplitProgress::default()
            };
            let answer = run_query(
                logs,
                query,
                |poll: &QueryPoll| {
                    now.part = poll.stats;
                    progress(&now);
                },
                cancel,
            )
            .await?;
            let rows = answer.poll.rows.len();
            if rows >= AWS_ROW_CAP && limit.is_none_or(|n| n > rows as u64) {
                run.capped = Some(why);
            }
            run.queries = 1;
            run.stats = answer.poll.stats;
            run.rows = answer.poll.rows;
            run.cancelled = answer.cancelled;
            return Ok(run);
        }
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut covered_s = 0;
    // Parts still to run, the next one last (both ends whole seconds, as StartQuery takes them).
    let mut todo = vec![(query.start_s, query.end_s)];
    while let Some((start_s, end_s)) = todo.pop() {
        let part = CloudQuery {
            start_s,
            end_s,
            ..query.clone()
        };
        let mut now = SplitProgress {
            queries: run.queries + 1,
            rows: run.rows.len(),
            covered_s,
            total_s,
            part: QueryStats::default(),
        };
        let answer = run_query(
            logs,
            &part,
            |poll: &QueryPoll| {
                now.part = poll.stats;
                progress(&now);
            },
            cancel,
        )
        .await?;
        run.queries += 1;
        let rows = answer.poll.rows;
        if rows.len() >= AWS_ROW_CAP && !answer.cancelled {
            if rows.iter().any(|r| ptr(r).is_none()) {
                // Repeats of a shared second could not be told apart.
                run.capped = Some("its rows carry no @ptr to tell repeats apart".into());
            } else if end_s - start_s >= 2 {
                // Both halves hold the boundary second, and both are shorter than the part.
                let mid = start_s + (end_s - start_s) / 2;
                let (older, newer) = ((start_s, mid), (mid, end_s));
                match order {
                    Order::NewestFirst => todo.extend([older, newer]),
                    Order::OldestFirst => todo.extend([newer, older]),
                }
                continue;
            } else {
                run.uncovered.push((start_s, end_s));
            }
        }
        add(&mut run.stats, answer.poll.stats);
        covered_s += end_s - start_s;
        // In order: a part's rows follow the parts before it in time, but for the boundary
        // second they share, whose events came with the part before (every one of them, when
        // it answered under the cap; else those it kept were the nearest, and the rest come
        // here, after them).
        for row in rows {
            if let Some(p) = ptr(&row)
                && !seen.insert(p.to_string())
            {
                continue;
            }
            if run.rows.len() == max_rows {
                run.stopped_at_max = true;
                break;
            }
            run.rows.push(row);
        }
        if answer.cancelled {
            run.cancelled = true;
            break;
        }
        if run.stopped_at_max {
            break;
        }
    }
    Ok(run)
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
