//! Detections over the events held in the store, whatever source they came from: each event is
//! read once, when it arrives (while loading, or followed later), by every detection its text can
//! concern ([`Sieve`]), and the store rows each detection kept are remembered. Findings are then
//! counted over any time range, and shown as events, from those rows: the count and the events
//! shown are the same events by construction, and nothing is read again until new events come.

use std::ops::Range;
use std::sync::Arc;

use crate::audit::time::TimeRange;
use crate::engine::classify::{Classifier, record_of};
use crate::engine::compile::Compiled;
use crate::engine::finding::Detection;
use crate::insights::exec::QueryResult;
use crate::insights::value::Value;
use crate::store::{EventStore, over_chunks};

/// The `@ptr` source of a held event: its offset is its store row.
const HELD: &str = "held";

/// Events read per turn of [`HeldFindings::catch_up`]: the store is not locked for longer.
pub const STEP: usize = 64 * 1024;

/// Every detection's hits among the events held so far.
#[derive(Debug)]
pub struct HeldFindings {
    classifier: Classifier,
    /// Per detection, the rows it kept, in row order.
    hits: Vec<Arc<Vec<u32>>>,
    /// Rows `0..read` have been read.
    read: usize,
}

/// What the detections found so far, to show: cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct HeldHits {
    pub detections: Arc<[Detection]>,
    /// Per detection, its rows in row order; `None` for one not read event by event.
    pub rows: Vec<Option<Arc<Vec<u32>>>>,
    /// The events read so far.
    pub read: usize,
}

impl HeldFindings {
    /// The detections, each compiled once; one that does not compile is named, with why.
    pub fn new(detections: Vec<Detection>) -> Result<HeldFindings, String> {
        let n = detections.len();
        Ok(HeldFindings {
            classifier: Classifier::new(detections)?,
            hits: (0..n).map(|_| Arc::new(Vec::new())).collect(),
            read: 0,
        })
    }

    /// Events read so far.
    pub fn read(&self) -> usize {
        self.read
    }

    /// Forgets every hit: the store was replaced.
    pub fn reset(&mut self) {
        for hits in &mut self.hits {
            *hits = Arc::new(Vec::new());
        }
        self.read = 0;
    }

    /// Reads the held events not read yet, at most [`STEP`] of them; true when some remain.
    /// A store with fewer events than were read is a new store: it is read from its start.
    pub fn catch_up(&mut self, store: &EventStore) -> bool {
        if store.len() < self.read {
            self.reset();
        }
        let end = store.len().min(self.read + STEP);
        let from = self.read;
        if end > from {
            let found = over_chunks(end - from, |chunk| {
                self.read_rows(store, chunk.start + from..chunk.end + from)
            });
            for chunk in found {
                for (hits, rows) in self.hits.iter_mut().zip(chunk) {
                    if !rows.is_empty() {
                        Arc::make_mut(hits).extend(rows);
                    }
                }
            }
            self.read = end;
        }
        self.read < store.len()
    }

    /// Per detection, the rows of `rows` it keeps.
    fn read_rows(&self, store: &EventStore, rows: Range<usize>) -> Vec<Vec<u32>> {
        let mut kept = vec![Vec::new(); self.hits.len()];
        let mut reading = self.classifier.reading();
        let mut fired = Vec::new();
        for row in rows {
            let row = row as u32;
            reading.fired(
                store.raw(row),
                store.time_ms(row),
                (HELD, u64::from(row)),
                &mut fired,
            );
            for &i in &fired {
                kept[i].push(row);
            }
        }
        kept
    }

    /// What was found so far.
    pub fn hits(&self) -> HeldHits {
        HeldHits {
            detections: self.classifier.detections().clone(),
            rows: self
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| self.classifier.per_event(i).then(|| h.clone()))
                .collect(),
            read: self.read,
        }
    }
}

impl HeldHits {
    /// The rows of detection `i` whose time is in `range`, in row order: over all time, the
    /// hits themselves, shared rather than copied.
    pub fn rows_in(&self, i: usize, store: &EventStore, range: TimeRange) -> Option<Arc<Vec<u32>>> {
        let rows = self.rows.get(i)?.as_ref()?;
        Some(if range.is_bounded() {
            Arc::new(
                rows.iter()
                    .copied()
                    .filter(|&r| range.contains(store.time_ms(r)))
                    .collect(),
            )
        } else {
            rows.clone()
        })
    }
}

/// The answer of `compiled` (for [`Target::LocalTied`]) over the held events `rows`, and per
/// answer row the store row of its event.
pub fn answer_over(
    compiled: &Compiled,
    store: &EventStore,
    rows: &[u32],
) -> Option<(QueryResult, Vec<Option<u32>>)> {
    let plan = compiled.plan()?;
    let mut run = plan.start();
    for &row in rows {
        if let Some(record) = record_of(store.raw(row), store.time_ms(row), (HELD, u64::from(row)))
        {
            let _ = run.push(&record);
        }
    }
    let mut result = run.finish();
    let ptr = plan.ptr_column();
    let row_of = result
        .rows
        .iter()
        .map(|r| match ptr.and_then(|c| r.get(c)) {
            Some(Value::Str(p)) => p
                .strip_prefix(HELD)
                .and_then(|p| p.strip_prefix(':'))
                .and_then(|n| n.parse().ok()),
            _ => None,
        })
        .collect();
    plan.drop_added_ptr(&mut result);
    Some((result, row_of))
}

#[cfg(test)]
#[path = "held_tests.rs"]
mod tests;
