//! The most recent (or the earliest) n events: `sort @timestamp desc | limit n`, the query an
//! investigation starts with and CloudWatch's own default.
//!
//! Once a run holds n rows, a record whose time is strictly older than the n-th newest of them
//! can no longer make the answer, and a row needs that record's time only, which the API server
//! writes at the end of the event. A [`TimeFloor`] keeps that bound for all the runs of one query
//! (one per part of the input, on several threads), so that a part read after a newer one passes
//! over its records almost as fast as it finds their ends. Equal times are never passed over: a
//! stable sort keeps the one that came first in the input, whichever part it is in.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::audit::stage_timestamp_from_end;
use crate::audit::time::{TimeRange, parse_rfc3339_micros};

/// The bound on `@timestamp` past which records cannot enter a query's top n.
#[derive(Debug)]
pub struct TimeFloor {
    descending: bool,
    keep: usize,
    /// The query's time range: a record outside it is passed over too, and not counted.
    range: TimeRange,
    /// In milliseconds; `i64::MIN` (descending) or `i64::MAX` (ascending) until n rows are held.
    bound: AtomicI64,
    /// Records passed over before they reached a run ([`TimeFloor::passes_over`]).
    passed_over: AtomicU64,
    /// Records passed over for being outside the time range.
    outside: AtomicU64,
    outside_bytes: AtomicU64,
}

impl TimeFloor {
    pub(super) fn new(descending: bool, keep: usize, range: TimeRange) -> TimeFloor {
        TimeFloor {
            descending,
            keep,
            range,
            bound: AtomicI64::new(if descending { i64::MIN } else { i64::MAX }),
            passed_over: AtomicU64::new(0),
            outside: AtomicU64::new(0),
            outside_bytes: AtomicU64::new(0),
        }
    }

    /// True for `sort @timestamp desc`: the newest records matter, so read the input's later
    /// parts first.
    pub fn descending(&self) -> bool {
        self.descending
    }

    /// How many rows the query keeps.
    pub(super) fn keep(&self) -> usize {
        self.keep
    }

    /// Whether a record of this time can no longer enter the answer.
    pub(super) fn excludes(&self, time_ms: i64) -> bool {
        let bound = self.bound.load(Ordering::Relaxed);
        if self.descending {
            time_ms < bound
        } else {
            time_ms > bound
        }
    }

    /// Tightens the bound to the time of a run's n-th row.
    pub(super) fn tighten(&self, time_ms: i64) {
        if self.descending {
            self.bound.fetch_max(time_ms, Ordering::Relaxed);
        } else {
            self.bound.fetch_min(time_ms, Ordering::Relaxed);
        }
    }

    /// For a one-line event as the API server writes it (its raw bytes): whether it can be
    /// passed over unread. Those in the time range are counted, as every such record counts as
    /// matched (a plan gets a floor only when nothing before its sort filters).
    pub fn passes_over(&self, raw: &[u8]) -> bool {
        let bound = self.bound.load(Ordering::Relaxed);
        if (bound == i64::MIN || bound == i64::MAX) && !self.range.is_bounded() {
            return false;
        }
        let Some(ms) = stage_timestamp_from_end(raw)
            .and_then(parse_rfc3339_micros)
            .map(|us| us.div_euclid(1000))
        else {
            return false;
        };
        if !self.range.contains(Some(ms)) {
            self.outside.fetch_add(1, Ordering::Relaxed);
            self.outside_bytes
                .fetch_add(raw.len() as u64, Ordering::Relaxed);
            return true;
        }
        let out = self.excludes(ms);
        if out {
            self.passed_over.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    /// How many records in the range [`TimeFloor::passes_over`] passed over (a run adds them to
    /// its matched records when it finishes).
    pub(super) fn passed_over(&self) -> u64 {
        self.passed_over.load(Ordering::Relaxed)
    }

    /// How many records [`TimeFloor::passes_over`] passed over for being outside the range: not
    /// scanned, as a run does not count those it reads and finds outside.
    /// Records and bytes.
    pub fn outside_range(&self) -> (u64, u64) {
        (
            self.outside.load(Ordering::Relaxed),
            self.outside_bytes.load(Ordering::Relaxed),
        )
    }
}
