//! Spreading rows over time: the timeline, with refused requests counted apart.

use super::columns::{DENIED, NO_TIME};
use super::{EventStore, par};

/// Rows over time, in buckets of equal width from the earliest row's time to the latest's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// The first bucket's start, epoch ms.
    pub start_ms: i64,
    /// Each bucket's width in ms (at least 1).
    pub bucket_ms: i64,
    pub buckets: Vec<Bucket>,
    /// Rows without a time, in no bucket.
    pub untimed: u64,
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

impl EventStore {
    /// `rows` over their time span in at most `buckets` buckets (fewer when the span is shorter
    /// than that many milliseconds).
    pub fn histogram(&self, rows: &[u32], buckets: usize) -> Histogram {
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
        if lo > hi || buckets == 0 {
            return Histogram {
                untimed,
                ..Histogram::default()
            };
        }
        // In 128 bits: a log can hold any i64 times (CloudWatch's), and the span of two may not
        // fit in 64.
        let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
        let width = span.div_ceil(buckets as u128).max(1);
        let n = span.div_ceil(width) as usize;
        let counts = par::over_chunks(rows.len(), |range| {
            let mut counts = vec![(0u64, 0u64); n];
            for &row in &rows[range] {
                let t = at(row);
                if t == NO_TIME {
                    continue;
                }
                let b = ((i128::from(t) - i128::from(lo)) as u128 / width) as usize;
                counts[b].0 += 1;
                if self.columns.flags[row as usize] & DENIED != 0 {
                    counts[b].1 += 1;
                }
            }
            counts
        });
        let width_ms = i64::try_from(width).unwrap_or(i64::MAX);
        let buckets = (0..n)
            .map(|b| Bucket {
                start_ms: lo.saturating_add(width_ms.saturating_mul(b as i64)),
                total: counts.iter().map(|c| c[b].0).sum(),
                denied: counts.iter().map(|c| c[b].1).sum(),
            })
            .collect();
        Histogram {
            start_ms: lo,
            bucket_ms: width_ms,
            buckets,
            untimed,
        }
    }
}

#[cfg(test)]
#[path = "histogram_tests.rs"]
mod tests;
