//! Loading inputs: parts read on worker threads, each indexed with its own interners, and merged
//! into the store as one timeline.
//!
//! EKS writes one audit stream per API server, so a folder is several streams whose events
//! interleave. The parts of every input are read at once, the input read least far in time
//! first, and merged k-way by time ([`merge`](super::merge)): each input is in time order (a
//! part that is not is sorted by itself), so a row can join the store as soon as no input still
//! being read can have an earlier one. Rows are then appended in time order, ties in the order
//! of the inputs, and keep their numbers; the store keeps no permutation for them.
//!
//! Merging is cheap next to reading (one lookup per distinct value of a part, one copy per row),
//! so it runs on the thread that called the loader, under whatever lock guards the store, while
//! the workers read on: the console shows the first rows while the rest is read.

use crate::audit::formats::provenance;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};

use super::EventStore;
use super::batch::{Batch, Progress};
use super::columns::{Columns, Interners, OWNED, WRAPPED};
use super::merge::Merge;
use crate::audit::decode::Depth;
use crate::audit::formats::ScanReport;
use crate::source::local::{LocalInput, Part};

/// The size of a part by default: small enough that the first rows come within a few tens of
/// milliseconds, large enough that merging a part costs little next to reading it.
pub const PART_BYTES: usize = 8 << 20;

/// Reads inputs into [`Batch`]es on worker threads.
#[derive(Debug)]
pub struct StoreLoader {
    inputs: Vec<Arc<LocalInput>>,
    threads: usize,
    part_bytes: usize,
    cancel: Arc<AtomicBool>,
}

impl StoreLoader {
    /// A loader of one input, on every core, in parts of [`PART_BYTES`].
    pub fn new(input: Arc<LocalInput>) -> StoreLoader {
        StoreLoader::many(vec![input])
    }

    /// A loader of several inputs read as one timeline, in the order given for equal times.
    pub fn many(inputs: Vec<Arc<LocalInput>>) -> StoreLoader {
        StoreLoader {
            inputs,
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

    /// Cuts inputs into parts of about this many bytes (see [`LocalInput::parts`]: only inputs
    /// of one event per line are cut).
    pub fn part_bytes(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(1);
        self
    }

    /// Stops (before the next batch, and within the parts being read) once `cancel` is set.
    pub fn cancel_on(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// The inputs, in the order given.
    pub fn inputs(&self) -> &[Arc<LocalInput>] {
        &self.inputs
    }

    /// Reads the inputs, handing each part's batch to `on_batch` on the calling thread: the
    /// batches of one input in their order, the inputs interleaved so that the one read least
    /// far in time is read next. Returns false when stopped early (by `on_batch` or the cancel
    /// flag).
    pub fn run(&self, mut on_batch: impl FnMut(Batch) -> ControlFlow<()>) -> bool {
        let parts: Vec<Vec<Part>> = self
            .inputs
            .iter()
            .map(|input| {
                let len = input.bytes().len();
                input.parts((len / self.part_bytes).max(1), self.part_bytes)
            })
            .collect();
        let total: usize = parts.iter().map(Vec::len).sum();
        let schedule = Mutex::new(Schedule::new(&parts));
        let stop = AtomicBool::new(false);
        let halted = || stop.load(Ordering::Relaxed) || self.cancel.load(Ordering::Relaxed);
        let workers = self.threads.min(total);
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<Batch>();
            for _ in 0..workers {
                let tx = tx.clone();
                let (parts, schedule, halted) = (&parts, &schedule, &halted);
                scope.spawn(move || {
                    while !halted() {
                        let next = schedule.lock().ok().and_then(|mut s| s.take());
                        let Some((input, index)) = next else { break };
                        let part = &parts[input][index];
                        let batch = read_part(
                            &self.inputs[input],
                            input,
                            part,
                            index,
                            parts[input].len(),
                            halted,
                        );
                        if tx.send(batch).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut waiting: Vec<BTreeMap<usize, Batch>> =
                self.inputs.iter().map(|_| BTreeMap::new()).collect();
            let mut due = vec![0; self.inputs.len()];
            let mut delivered = 0;
            for batch in rx {
                let input = batch.input;
                if let (Ok(mut s), Some(t)) = (schedule.lock(), batch.latest()) {
                    s.read_to(input, t);
                }
                waiting[input].insert(batch.index, batch);
                while let Some(batch) = waiting[input].remove(&due[input]) {
                    if halted() || on_batch(batch).is_break() {
                        stop.store(true, Ordering::Relaxed);
                        return false;
                    }
                    due[input] += 1;
                    delivered += 1;
                }
            }
            delivered == total
        })
    }
}

/// Which part is read next: every input's first part, then the next part of the input read
/// least far in time, so that the merge, which waits for the slowest input, waits little and
/// holds few parts.
struct Schedule {
    parts: Vec<usize>,
    next: Vec<usize>,
    /// The latest time read so far in each input.
    latest: Vec<Option<i64>>,
}

impl Schedule {
    fn new(parts: &[Vec<Part>]) -> Schedule {
        Schedule {
            parts: parts.iter().map(Vec::len).collect(),
            next: vec![0; parts.len()],
            latest: vec![None; parts.len()],
        }
    }

    fn take(&mut self) -> Option<(usize, usize)> {
        let left = |i: &usize| self.next[*i] < self.parts[*i];
        let input = (0..self.parts.len())
            .filter(left)
            .find(|&i| self.next[i] == 0)
            .or_else(|| {
                (0..self.parts.len())
                    .filter(left)
                    .min_by_key(|&i| (self.latest[i].unwrap_or(i64::MIN), i))
            })?;
        let index = self.next[input];
        self.next[input] += 1;
        Some((input, index))
    }

    fn read_to(&mut self, input: usize, time: i64) {
        let latest = &mut self.latest[input];
        *latest = Some(latest.map_or(time, |l| l.max(time)));
    }
}

/// Reads one part into a batch.
fn read_part(
    input: &Arc<LocalInput>,
    at: usize,
    part: &Part,
    index: usize,
    parts: usize,
    halted: &dyn Fn() -> bool,
) -> Batch {
    let data = input.bytes().as_ptr_range();
    let mut columns = Columns::default();
    let mut interners = Interners::default();
    let mut owned = Vec::new();
    let report = input.scan_part(part, Depth::Table, None, |record| {
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
        let mut row = interners.row(
            &record.event,
            record.system.timestamp_ms,
            Some(&provenance(record)),
        );
        if record.format.unwrapped() {
            row.flags |= WRAPPED;
        }
        columns.push(row, at, message.len(), record.system.offset);
        ControlFlow::Continue(())
    });
    Batch {
        input: at,
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
    /// Indexes one input on `threads` threads; `on_progress` is told after each part. Returns
    /// the input's report (also kept in [`EventStore::problems`]).
    pub fn load(
        &mut self,
        input: Arc<LocalInput>,
        threads: usize,
        on_progress: impl FnMut(Progress),
    ) -> ScanReport {
        self.load_with(StoreLoader::new(input).threads(threads), on_progress)
            .pop()
            .unwrap_or_default()
    }

    /// Indexes the loader's inputs as one timeline; `on_progress` is told after each part.
    /// Returns each input's report, in the order given (also kept in [`EventStore::problems`]).
    pub fn load_with(
        &mut self,
        loader: StoreLoader,
        mut on_progress: impl FnMut(Progress),
    ) -> Vec<ScanReport> {
        let mut merge = self.begin_load(loader.inputs());
        loader.run(|batch| {
            let progress = self.take_batch(&mut merge, batch);
            on_progress(progress);
            ControlFlow::Continue(())
        });
        self.end_load(&mut merge);
        self.reports_of(&merge)
    }
}

/// Loads inputs into a store shared with readers (the console draws while it loads): the
/// workers read without the lock, which is taken only to merge each part. Returns each input's
/// report.
pub fn load_shared(
    store: &RwLock<EventStore>,
    input: Arc<LocalInput>,
    on_progress: impl FnMut(Progress),
) -> Vec<ScanReport> {
    load_shared_with(store, StoreLoader::new(input), on_progress)
}

/// [`load_shared`] with a loader set up by the caller (several inputs, part size, cancellation).
pub fn load_shared_with(
    store: &RwLock<EventStore>,
    loader: StoreLoader,
    mut on_progress: impl FnMut(Progress),
) -> Vec<ScanReport> {
    let Some(mut merge) = store
        .write()
        .ok()
        .map(|mut s| s.begin_load(loader.inputs()))
    else {
        return Vec::new();
    };
    loader.run(|batch| {
        // Poisoned: a merge panicked half-way, and the columns may disagree; stop adding.
        let Ok(mut store) = store.write() else {
            return ControlFlow::Break(());
        };
        let progress = store.take_batch(&mut merge, batch);
        drop(store);
        on_progress(progress);
        ControlFlow::Continue(())
    });
    let Ok(mut store) = store.write() else {
        return Vec::new();
    };
    store.end_load(&mut merge);
    store.reports_of(&merge)
}

impl EventStore {
    /// The reports of a load's inputs, in the order given.
    fn reports_of(&self, merge: &Merge) -> Vec<ScanReport> {
        merge
            .reports()
            .filter_map(|r| self.reports.get(r).cloned())
            .collect()
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
