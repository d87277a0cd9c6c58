//! Loading an input: parts read on worker threads, each indexed with its own interners, handed
//! out in input order as [`Batch`]es and merged by [`EventStore::append`].
//!
//! Merging is cheap next to reading (one lookup per distinct value of a part, one copy per row),
//! so it runs on the thread that called the loader, under whatever lock guards the store, while
//! the workers read on: the console shows the first part's rows while the rest are read.

use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, mpsc};

use super::columns::{Columns, Interners, OWNED};
use super::{EventStore, StoredInput};
use crate::audit::decode::Detail;
use crate::audit::formats::ScanReport;
use crate::source::local::{LocalInput, Part};

/// The size of a part by default: small enough that the first rows come within a few tens of
/// milliseconds, large enough that merging a part costs little next to reading it.
pub const PART_BYTES: usize = 8 << 20;

/// How far a load has got, after a part was merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events in the store (every input so far).
    pub events: usize,
    /// Bytes of this input read and merged.
    pub bytes_done: u64,
    /// Bytes of this input.
    pub bytes_total: u64,
    /// Problems found in this input so far (see [`ScanReport::problem_count`]).
    pub problems: u64,
}

/// Reads one input into [`Batch`]es on worker threads.
#[derive(Debug)]
pub struct StoreLoader {
    input: Arc<LocalInput>,
    threads: usize,
    part_bytes: usize,
    cancel: Arc<AtomicBool>,
}

/// The rows of one part of an input, with their own interners: merge it with
/// [`EventStore::append`], the batches of one loader in the order it hands them out.
#[derive(Debug)]
pub struct Batch {
    input: Arc<LocalInput>,
    /// The part's place among the input's parts.
    index: usize,
    parts: usize,
    range: Range<usize>,
    columns: Columns,
    interners: Interners,
    /// Event texts that are not in the input (unescaped CloudWatch messages).
    owned: Vec<u8>,
    /// Lines counted from the part's start.
    report: ScanReport,
}

impl Batch {
    /// Events in the batch.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the part held no event.
    pub fn is_empty(&self) -> bool {
        self.columns.len() == 0
    }

    /// The input's bytes up to the end of this part.
    pub fn bytes_done(&self) -> u64 {
        self.range.end as u64
    }

    /// The input's size.
    pub fn bytes_total(&self) -> u64 {
        self.input.bytes().len() as u64
    }

    /// Is this the input's last part?
    pub fn is_last(&self) -> bool {
        self.index + 1 == self.parts
    }

    /// What the part held besides events; lines counted from the part's start.
    pub fn report(&self) -> &ScanReport {
        &self.report
    }
}

impl StoreLoader {
    /// A loader on every core, in parts of [`PART_BYTES`].
    pub fn new(input: Arc<LocalInput>) -> StoreLoader {
        StoreLoader {
            input,
            threads: super::par::threads(),
            part_bytes: PART_BYTES,
            cancel: Arc::default(),
        }
    }

    /// Reads with this many threads (at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Cuts the input into parts of about this many bytes (see [`LocalInput::parts`]: only
    /// inputs of one event per line are cut).
    pub fn part_bytes(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(1);
        self
    }

    /// Stops (before the next batch, and within the parts being read) once `cancel` is set.
    pub fn cancel_on(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Reads the input, handing each part's batch to `on_batch` in input order, on the calling
    /// thread. Returns false when stopped early (by `on_batch` or the cancel flag).
    pub fn run(self, mut on_batch: impl FnMut(Batch) -> ControlFlow<()>) -> bool {
        let input = &self.input;
        let len = input.bytes().len();
        let parts = input.parts((len / self.part_bytes).max(1), self.part_bytes);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let halted = || stop.load(Ordering::Relaxed) || self.cancel.load(Ordering::Relaxed);
        let workers = self.threads.min(parts.len());
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<Batch>();
            for _ in 0..workers {
                let tx = tx.clone();
                let (parts, next, halted) = (&parts, &next, &halted);
                scope.spawn(move || {
                    // Parts are taken in order, so the one the merge waits for is read first.
                    while !halted() {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(part) = parts.get(i) else { break };
                        let batch = read_part(input, part, i, parts.len(), halted);
                        if tx.send(batch).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut waiting = BTreeMap::new();
            let mut due = 0;
            for batch in rx {
                waiting.insert(batch.index, batch);
                while let Some(batch) = waiting.remove(&due) {
                    if halted() || on_batch(batch).is_break() {
                        stop.store(true, Ordering::Relaxed);
                        return false;
                    }
                    due += 1;
                }
            }
            due == parts.len()
        })
    }
}

/// Reads one part into a batch.
fn read_part(
    input: &Arc<LocalInput>,
    part: &Part,
    index: usize,
    parts: usize,
    halted: &dyn Fn() -> bool,
) -> Batch {
    let data = input.bytes().as_ptr_range();
    let mut columns = Columns::default();
    let mut interners = Interners::default();
    let mut owned = Vec::new();
    let report = input.scan_part(part, Detail::Table, None, |record| {
        if halted() {
            return ControlFlow::Break(());
        }
        let message = record.message;
        let at = if data.contains(&message.as_ptr()) {
            message.as_ptr() as u64 - data.start as u64
        } else {
            let at = OWNED | owned.len() as u64;
            owned.extend_from_slice(message);
            at
        };
        let row = interners.row(&record.event, record.system.timestamp_ms);
        columns.push(row, at, message.len(), record.system.offset);
        ControlFlow::Continue(())
    });
    Batch {
        input: input.clone(),
        index,
        parts,
        range: part.range.clone(),
        columns,
        interners,
        owned,
        report,
    }
}

impl EventStore {
    /// Indexes a whole input on `threads` threads, parts merged in input order; `on_progress`
    /// is told after each part. Returns the input's report (also kept in
    /// [`EventStore::problems`]).
    pub fn load(
        &mut self,
        input: Arc<LocalInput>,
        threads: usize,
        on_progress: impl FnMut(Progress),
    ) -> ScanReport {
        self.load_with(StoreLoader::new(input).threads(threads), on_progress)
    }

    /// [`EventStore::load`] with a loader set up by the caller (part size, cancellation).
    pub fn load_with(
        &mut self,
        loader: StoreLoader,
        mut on_progress: impl FnMut(Progress),
    ) -> ScanReport {
        let mut report = None;
        loader.run(|batch| {
            let progress = self.append(batch);
            report = self.inputs.last().map(|s| s.report);
            on_progress(progress);
            ControlFlow::Continue(())
        });
        report
            .and_then(|r| self.reports.get(r))
            .cloned()
            .unwrap_or_default()
    }

    /// Merges one batch: the first of an input starts a new input, the others continue the
    /// input of the batch before. Returns where the load stands.
    pub fn append(&mut self, batch: Batch) -> Progress {
        let continued = self
            .inputs
            .last()
            .filter(|s| batch.index > 0 && Arc::ptr_eq(&s.input, &batch.input));
        if let Some(stored) = continued {
            // Rows pushed between two parts (a followed file) break the input's run of rows,
            // which `row_of_ptr` searches: its next rows start a run of their own.
            if stored.first_row + stored.rows != self.columns.len() {
                let run = StoredInput {
                    base: stored.base,
                    input: stored.input.clone(),
                    report: stored.report,
                    first_row: self.columns.len(),
                    rows: 0,
                };
                self.inputs.push(run);
            }
        } else {
            self.inputs.push(StoredInput {
                base: self.next_base,
                input: batch.input.clone(),
                report: self.reports.len(),
                first_row: self.columns.len(),
                rows: 0,
            });
            self.next_base += batch.input.bytes().len() as u64;
            self.reports.push(ScanReport {
                name: batch.input.name().to_string(),
                ..ScanReport::default()
            });
        }
        let Some(stored) = self.inputs.last() else {
            return Progress::default();
        };
        let (base, report_at, first_row) = (stored.base, stored.report, stored.first_row);
        self.reserve_for(&batch, first_row);
        let remap = self.interners.absorb(&batch.interners);
        let arena = self.arena.len() as u64;
        self.arena.extend_from_slice(&batch.owned);
        self.columns
            .extend_remapped(&batch.columns, &remap, |at| match at & OWNED {
                0 => base + at,
                _ => at + arena,
            });
        if let Some(stored) = self.inputs.last_mut() {
            stored.rows += batch.columns.len();
        }
        let report = &mut self.reports[report_at];
        let mut part_report = batch.report;
        // A part counts lines from its own start: put its problems in place.
        part_report.shift_lines(report.lines);
        report.absorb(part_report);
        let last = batch.index + 1 == batch.parts;
        // An input's rows join the time order when it is read, or sooner when there are many.
        self.appended(last);
        if last {
            self.order.shrink_to_fit();
            self.columns.shrink_to_fit();
            self.interners.shrink_to_fit();
            self.arena.shrink_to_fit();
        }
        Progress {
            events: self.columns.len(),
            bytes_done: batch.range.end as u64,
            bytes_total: batch.input.bytes().len() as u64,
            problems: self.reports[report_at].problem_count(),
        }
    }

    /// Makes room for the batch and, judging by the input's bytes per event so far, for the rest
    /// of the input: reserving once, exactly, leaves no unused half of a doubled vector.
    fn reserve_for(&mut self, batch: &Batch, first_row: usize) {
        if self.columns.spare() >= batch.len() {
            return;
        }
        let rows = self.columns.len() - first_row + batch.len();
        let bytes = batch.range.end.max(1);
        let left = batch.input.bytes().len() - batch.range.end;
        let expected = (left as f64 * rows as f64 / bytes as f64 * 1.02) as usize;
        self.columns.reserve_exact(batch.len() + expected);
    }
}

/// Loads an input into a store shared with readers (the console draws while it loads): the
/// workers read without the lock, which is taken only to merge each part. Returns the input's
/// report.
pub fn load_shared(
    store: &RwLock<EventStore>,
    input: Arc<LocalInput>,
    on_progress: impl FnMut(Progress),
) -> ScanReport {
    load_shared_with(store, StoreLoader::new(input), on_progress)
}

/// [`load_shared`] with a loader set up by the caller.
pub fn load_shared_with(
    store: &RwLock<EventStore>,
    loader: StoreLoader,
    mut on_progress: impl FnMut(Progress),
) -> ScanReport {
    let mut report = None;
    loader.run(|batch| {
        // Poisoned: an append panicked half-way, and the columns may disagree; stop adding.
        let Ok(mut store) = store.write() else {
            return ControlFlow::Break(());
        };
        let progress = store.append(batch);
        report = store.inputs.last().map(|s| s.report);
        drop(store);
        on_progress(progress);
        ControlFlow::Continue(())
    });
    let Ok(store) = store.read() else {
        return ScanReport::default();
    };
    report
        .and_then(|r| store.reports.get(r))
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
