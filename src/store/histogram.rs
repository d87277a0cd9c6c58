//! Spreading rows over time: the timeline, with refused requests counted apart.
//!
//! Buckets are of a "nice" width (1s, 5s, 1m, 15m, 1h, …) and start at a multiple of it since
//! the epoch, so a bar reads as a round stretch of the clock (09:58:00 to 09:59:00, UTC) and
//! every bar stands for the same time. The store counts in fine buckets once per filter;
//! [`Histogram::bars`] folds them exactly into as many bars as a screen has room for.

use super::columns::{DENIED, NO_TIME};
use super::{EventStore, par};

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The bar widths a timeline may take, shortest first; past days it goes on 1, 2, 5 × 10ⁿ days.
const NICE: [i64; 27] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    SECOND,
    2 * SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
];

/// The counting widths: each divides every nice width at least as long, so that fine buckets
/// fold into bars with nothing split. Past a day: 10ⁿ days.
const FINE: [i64; 9] = [
    1,
    10,
    100,
    SECOND,
    5 * SECOND,
    MINUTE,
    5 * MINUTE,
    HOUR,
    3 * HOUR,
];

/// The fine buckets are at most this wide a part of the span: room for this many bars.
const RESOLUTION: i128 = 1000;

/// The nice widths, shortest first, without end (1, 2, 5 × 10ⁿ days after a day).
fn nice_widths() -> impl Iterator<Item = i64> {
    let days = (0..17u32).flat_map(|n| {
        [1, 2, 5].into_iter().map(move |k| {
            DAY.saturating_mul(k)
                .saturating_mul(10i64.saturating_pow(n))
        })
    });
    NICE.into_iter().chain(days.skip(1))
}

/// The counting width for a span: the longest fine width with [`RESOLUTION`] of them in it.
fn fine_width(span: i128) -> i64 {
    let days = (0..17u32).map(|n| DAY.saturating_mul(10i64.saturating_pow(n)));
    FINE.into_iter()
        .chain(days)
        .take_while(|&w| i128::from(w) * RESOLUTION <= span)
        .last()
        .unwrap_or(1)
}

/// How many buckets of `width`, each starting at a multiple of it, hold `first..=last`.
fn aligned_count(first: i64, last: i64, width: i64) -> i128 {
    i128::from(last.div_euclid(width)) - i128::from(first.div_euclid(width)) + 1
}

/// Rows over time, in buckets of one width, each starting at a multiple of it since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// The first bucket's start, epoch ms.
    pub start_ms: i64,
    /// Each bucket's width in ms (at least 1).
    pub bucket_ms: i64,
    pub buckets: Vec<Bucket>,
    /// Rows without a time, in no bucket.
    pub untimed: u64,
    /// The earliest and the latest row's time (when there is a bucket).
    pub first_ms: i64,
    pub last_ms: i64,
}

/// One stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Epoch ms.
    pub start_ms: i64,
    /// Rows in it.
    pub total: u64,
    /// Of those, requests refused (401, 403, decision `forbid`).
    pub denied: u64,
}

impl Histogram {
    /// The same rows in at most `columns` bars of the shortest nice width that fits (never
    /// shorter than the counting width); fewer bars when the span is short, never stretched.
    pub fn bars(&self, columns: usize) -> Histogram {
        if self.buckets.is_empty() || columns == 0 {
            return Histogram {
                buckets: Vec::new(),
                ..self.clone()
            };
        }
        let (first, last) = (self.first_ms, self.last_ms);
        // One instant is one bar of a second, not of a millisecond.
        let fine = if first == last {
            SECOND
        } else {
            self.bucket_ms.max(1)
        };
        let width = nice_widths()
            .filter(|&w| w >= fine && w % fine == 0)
            .find(|&w| aligned_count(first, last, w) <= columns as i128)
            .unwrap_or(i64::MAX);
        let first_bar = first.div_euclid(width);
        let n = usize::try_from(aligned_count(first, last, width)).unwrap_or(1);
        let start_ms = first_bar.saturating_mul(width);
        let mut buckets: Vec<Bucket> = (0..n)
            .map(|i| Bucket {
                start_ms: start_ms.saturating_add(width.saturating_mul(i as i64)),
                ..Bucket::default()
            })
            .collect();
        for b in &self.buckets {
            let i = (b.start_ms.div_euclid(width) - first_bar).clamp(0, n as i64 - 1) as usize;
            buckets[i].total += b.total;
            buckets[i].denied += b.denied;
        }
        Histogram {
            start_ms,
            bucket_ms: width,
            buckets,
            ..self.clone()
        }
    }

    /// The bar (of these buckets) a time falls in.
    pub fn bucket_of(&self, ms: i64) -> Option<usize> {
        let i = ms
            .checked_sub(self.start_ms)?
            .div_euclid(self.bucket_ms.max(1));
        usize::try_from(i).ok().filter(|&i| i < self.buckets.len())
    }
}

impl EventStore {
    /// `rows` over their time span, in fine buckets (about a thousandth of the span, and a
    /// width that every nice bar width is a multiple of): [`Histogram::bars`] makes the bars.
    pub fn histogram(&self, rows: &[u32]) -> Histogram {
        let time = &self.columns.time;
        let at = |row: u32| time.get(row as usize).copied().unwrap_or(NO_TIME);
        let spans = par::over_chunks(rows.len(), |range| {
            let (mut lo, mut hi, mut untimed) = (i64::MAX, i64::MIN, 0u64);
            for &row in &rows[range] {
                match at(row) {
                    NO_TIME => untimed += 1,
                    t => {
                        lo = lo.min(t);
                        hi = hi.max(t);
                    }
                }
            }
            (lo, hi, untimed)
        });
        let untimed = spans.iter().map(|s| s.2).sum();
        let lo = spans.iter().map(|s| s.0).min().unwrap_or(i64::MAX);
        let hi = spans.iter().map(|s| s.1).max().unwrap_or(i64::MIN);
        if lo > hi {
            return Histogram {
                untimed,
                ..Histogram::default()
            };
        }
        // In 128 bits: a log can hold any i64 times (CloudWatch's), and the span of two may not
        // fit in 64.
        let width = fine_width(i128::from(hi) - i128::from(lo));
        let first = lo.div_euclid(width);
        let n = usize::try_from(aligned_count(lo, hi, width)).unwrap_or(1);
        let counts = par::over_chunks(rows.len(), |range| {
            let mut counts = vec![(0u64, 0u64); n];
            for &row in &rows[range] {
                let t = at(row);
                if t == NO_TIME {
                    continue;
                }
                let b = (t.div_euclid(width) - first) as usize;
                counts[b].0 += 1;
                if self.columns.flags[row as usize] & DENIED != 0 {
                    counts[b].1 += 1;
                }
            }
            counts
        });
        let start_ms = first.saturating_mul(width);
        let buckets = (0..n)
            .map(|b| Bucket {
                start_ms: start_ms.saturating_add(width.saturating_mul(b as i64)),
                total: counts.iter().map(|c| c[b].0).sum(),
                denied: counts.iter().map(|c| c[b].1).sum(),
            })
            .collect();
        Histogram {
            start_ms,
            bucket_ms: width,
            buckets,
            untimed,
            first_ms: lo,
            last_ms: hi,
        }
    }
}

#[cfg(test)]
#[path = "histogram_tests.rs"]
mod tests;
