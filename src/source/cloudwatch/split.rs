//! Past CloudWatch's 10,000-row cap: a query of events that comes back with exactly the cap
//! (and no `limit` of its own) may have left events out, so its time range is cut in two and
//! each half run again, recursively, until every part answers under the cap or is one second
//! long. The parts are merged in time order without repeats (by `@ptr`), and what could not be
//! covered is said.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

use super::Logs;
use super::insights::{CloudQuery, run_query};
use super::types::{CloudError, QueryPoll, QueryStats};
use crate::insights::ast::{CommandKind, ExprKind, Query};

/// How the answer can be split past the cap: only a query of events, in time order, with no
/// `limit` of its own (a `limit` is a choice, not a cap).
pub fn split_order(query: &Query) -> Option<Order> {
    let mut order = Order::NewestFirst;
    for command in &query.commands {
        match &command.kind {
            CommandKind::Stats { .. } | CommandKind::Limit(_) | CommandKind::Dedup(_) => {
                return None;
            }
            CommandKind::Sort(keys) => {
                let first = keys.first()?;
                match &first.expr.kind {
                    ExprKind::Field(f) if f.path == "@timestamp" => {
                        order = if first.descending {
                            Order::NewestFirst
                        } else {
                            Order::OldestFirst
                        };
                    }
                    _ => return None,
                }
            }
            _ => {}
        }
    }
    Some(order)
}

/// The most rows CloudWatch returns of a query without `limit`.
pub const AWS_ROW_CAP: usize = 10_000;

/// Which end of the range comes first in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// CloudWatch's default, and `sort @timestamp desc`.
    NewestFirst,
    OldestFirst,
}

/// Where a split run stands, for progress.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SplitProgress {
    pub queries: usize,
    pub rows: usize,
    /// Seconds of the range answered in full so far.
    pub covered_s: i64,
    pub total_s: i64,
    /// The running part's statistics.
    pub part: QueryStats,
}

/// The merged answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRun {
    pub rows: Vec<Vec<(String, String)>>,
    /// Summed over the parts kept.
    pub stats: QueryStats,
    pub queries: usize,
    /// One-second ranges that still returned the cap: some of their events are missing.
    pub uncovered: Vec<(i64, i64)>,
    /// Stopped at `max_rows`.
    pub stopped_at_max: bool,
    pub cancelled: bool,
}

impl SplitRun {
    /// Every event in the range is in the answer.
    pub fn complete(&self) -> bool {
        self.uncovered.is_empty() && !self.stopped_at_max && !self.cancelled
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

/// Runs `query` over its range, split where it hits the cap, keeping at most `max_rows` rows.
pub async fn run_split<L: Logs>(
    logs: &L,
    query: &CloudQuery,
    order: Order,
    max_rows: usize,
    mut progress: impl FnMut(&SplitProgress),
    cancel: &AtomicBool,
) -> Result<SplitRun, CloudError> {
    let mut run = SplitRun {
        rows: Vec::new(),
        stats: QueryStats::default(),
        queries: 0,
        uncovered: Vec::new(),
        stopped_at_max: false,
        cancelled: false,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let total_s = query.end_s - query.start_s + 1;
    let mut covered_s = 0;
    // Parts still to run, the next one first (both ends whole seconds, both included).
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
        let capped = answer.poll.rows.len() >= AWS_ROW_CAP;
        if capped && end_s > start_s && !answer.cancelled {
            let mid = start_s + (end_s - start_s) / 2;
            let (older, newer) = ((start_s, mid), (mid + 1, end_s));
            match order {
                // The one to run next goes last.
                Order::NewestFirst => todo.extend([older, newer]),
                Order::OldestFirst => todo.extend([newer, older]),
            }
            continue;
        }
        if capped && !answer.cancelled {
            run.uncovered.push((start_s, end_s));
        }
        add(&mut run.stats, answer.poll.stats);
        covered_s += end_s - start_s + 1;
        for row in answer.poll.rows {
            // The parts do not overlap; a pointer seen twice is the same event, kept once.
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
mod tests {
    use super::*;
    use crate::insights::parser::parse;

    fn order(text: &str) -> Option<Order> {
        split_order(&parse(text).unwrap())
    }

    #[test]
    fn only_answers_of_events_in_time_order_split() {
        assert_eq!(order("fields @message"), Some(Order::NewestFirst));
        assert_eq!(order("sort @timestamp asc"), Some(Order::OldestFirst));
        assert_eq!(order("stats count(*) by verb"), None);
        assert_eq!(order("fields x | limit 5"), None);
        assert_eq!(order("sort verb"), None);
    }
}
