//! Detections over the events held in the store, whatever source they came from: each event is
//! read once, when it arrives (while loading, or followed later), by every detection its text can
//! concern ([`Sieve`]), and the store rows each detection kept are remembered. Findings are then
//! counted over any time range, and shown as events, from those rows: the count and the events
//! shown are the same events by construction, and nothing is read again until new events come.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::audit::decode::{Depth, decode_event};
use crate::audit::formats::{AuditRecord, Format, SystemFields};
use crate::audit::time::TimeRange;
use crate::engine::compile::{Compiled, Target, compile, first_error};
use crate::engine::finding::Detection;
use crate::engine::sieve::Sieve;
use crate::insights::exec::{Plan, QueryResult};
use crate::insights::value::Value;
use crate::store::{EventStore, over_chunks};

/// The `@ptr` source of a held event: its offset is its store row.
const HELD: &str = "held";

/// Events read per turn of [`HeldFindings::catch_up`]: the store is not locked for longer.
pub const STEP: usize = 64 * 1024;

/// Every detection's hits among the events held so far.
#[derive(Debug)]
pub struct HeldFindings {
    detections: Arc<[Detection]>,
    compiled: Vec<Compiled>,
    /// Per detection: it is read event by event ([`Plan::per_event`]); one that is not (it
    /// counts or keeps the first few) is answered only when run as a query.
    per_event: Vec<bool>,
    sieve: Sieve,
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
        let compiled = detections
            .iter()
            .map(|d| {
                compile(&d.text, Target::LocalTied).map_err(|e| {
                    format!(
                        "the detection {} cannot run: {}",
                        crate::text::sanitize(&d.name),
                        first_error(&e)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let plans: Vec<Option<&Plan>> = compiled.iter().map(Compiled::plan).collect();
        let per_event: Vec<bool> = plans
            .iter()
            .map(|p| p.is_some_and(Plan::per_event))
            .collect();
        // A detection not read here requires what no record holds: the sieve never opens it.
        let never = vec![vec![String::new()]];
        let required: Vec<Vec<Vec<String>>> = plans
            .iter()
            .zip(&per_event)
            .map(|(p, &each)| match p {
                Some(p) if each => p.required_literals(),
                _ => never.clone(),
            })
            .collect();
        let n = detections.len();
        Ok(HeldFindings {
            detections: detections.into(),
            compiled,
            per_event,
            sieve: Sieve::new(&required),
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
        let mut kept = vec![Vec::new(); self.compiled.len()];
        let mut runs: Vec<_> = self
            .compiled
            .iter()
            .map(|c| c.plan().map(Plan::start))
            .collect();
        let mut sifted = self.sieve.scratch();
        for row in rows {
            let row = row as u32;
            let raw = store.raw(row);
            if !self.sieve.sift(raw, &mut sifted) {
                continue;
            }
            let Some(record) = held_record(store, row) else {
                continue;
            };
            for (i, run) in runs.iter_mut().enumerate() {
                if sifted.open[i]
                    && self.per_event[i]
                    && let Some(run) = run
                    && run.keeps(&record)
                {
                    kept[i].push(row);
                }
            }
        }
        kept
    }

    /// What was found so far.
    pub fn hits(&self) -> HeldHits {
        HeldHits {
            detections: self.detections.clone(),
            rows: self
                .hits
                .iter()
                .zip(&self.per_event)
                .map(|(h, &each)| each.then(|| h.clone()))
                .collect(),
            read: self.read,
        }
    }
}

impl HeldHits {
    /// The rows of detection `i` whose time is in `range`, in row order.
    pub fn rows_in(&self, i: usize, store: &EventStore, range: TimeRange) -> Option<Vec<u32>> {
        let rows = self.rows.get(i)?.as_ref()?;
        Some(if range.is_bounded() {
            rows.iter()
                .copied()
                .filter(|&r| range.contains(store.time_ms(r)))
                .collect()
        } else {
            rows.to_vec()
        })
    }
}

/// Row `row` of the store as a record for a query: `@ptr` is `held:<row>`.
fn held_record(store: &EventStore, row: u32) -> Option<AuditRecord<'_>> {
    let raw = store.raw(row);
    let event = decode_event(raw, Depth::Classify).ok()?;
    Some(AuditRecord {
        event,
        message: raw,
        system: SystemFields {
            timestamp_ms: store.time_ms(row),
            ingestion_time_ms: None,
            log_stream: Cow::Borrowed(""),
            log_group: Cow::Borrowed(""),
            event_id: None,
            source_id: HELD,
            offset: u64::from(row),
        },
        format: Format::JsonLines,
        line: 0,
    })
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
        if let Some(record) = held_record(store, row) {
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
    if plan.ptr_appended()
        && let Some(c) = ptr
    {
        result.columns.remove(c);
        for r in &mut result.rows {
            if c < r.len() {
                r.remove(c);
            }
        }
    }
    Some((result, row_of))
}

#[cfg(test)]
#[path = "held_tests.rs"]
mod tests;
