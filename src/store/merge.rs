//! A load's batches joined to the store in time order: a k-way merge over its inputs.
//!
//! Each input hands its batches in order. A batch's rows are keyed by time (a row without one
//! by the time of the row read before it in its input) and sorted only when out of order by
//! themselves. A row joins the store once no input still being read can bring an earlier row,
//! or one of the same time from an input given before it: inputs are in time order (an API
//! server writes its stream so), so that input's latest time so far bounds what it can bring.
//! A part that breaks that promise is still right: its rows are appended late, and the store's
//! time order ([`super::order`]) puts them in place.

use std::collections::VecDeque;
use std::sync::Arc;

use super::batch::{Batch, Progress};
use super::columns::{Columns, NO_TIME, OWNED, Remap};
use super::{EventStore, StoredInput};
use crate::audit::formats::ScanReport;
use crate::source::local::LocalInput;

/// One load in progress.
#[derive(Debug)]
pub(super) struct Merge {
    inputs: Vec<Source>,
    bytes_done: u64,
    bytes_total: u64,
    rows_taken: usize,
}

/// One input of a load.
#[derive(Debug)]
struct Source {
    /// Its report in the store.
    report: usize,
    /// Its address in the store's address space of raw texts.
    base: u64,
    queue: VecDeque<Pending>,
    /// The latest key taken in so far; `None` before its first batch.
    latest: Option<i64>,
    /// Its last batch was taken in.
    done: bool,
    /// The time of the last row taken in that has one.
    carry: i64,
}

/// A batch taken in, its rows waiting to join the store.
#[derive(Debug)]
struct Pending {
    columns: Columns,
    remap: Remap,
    /// Where its owned texts start in the store's arena.
    arena: u64,
    keys: Vec<i64>,
    /// Its rows in time order, when they are not in order by themselves.
    order: Option<Vec<u32>>,
    /// Rows already in the store (counted in `order` when there is one).
    next: usize,
}

impl Pending {
    fn row(&self, at: usize) -> usize {
        self.order.as_ref().map_or(at, |o| o[at] as usize)
    }
}

/// A waiting batch to copy rows from.
struct Gather<'a> {
    pending: &'a Pending,
    base: u64,
}

/// The rows that may go, `ready[i]` of input `i`, merged k-way by `(key, input)`: each a
/// `(batch, row)` into the inputs' queues flattened (`first_batch[i]` is input `i`'s first).
fn merge_picks(inputs: &[Source], ready: &[usize], first_batch: &[usize]) -> Vec<(u32, u32)> {
    /// Where an input's merge stands: its queue's batch, the place in it, rows left to give.
    struct Cursor<'a> {
        input: usize,
        queue: &'a VecDeque<Pending>,
        batch: usize,
        at: usize,
        left: usize,
    }
    impl Cursor<'_> {
        fn key(&self) -> i64 {
            let p = &self.queue[self.batch];
            p.keys[p.row(self.at)]
        }
        fn advance(&mut self) {
            self.left -= 1;
            self.at += 1;
            if self.at == self.queue[self.batch].keys.len() && self.left > 0 {
                self.batch += 1;
                self.at = self.queue[self.batch].next;
            }
        }
    }
    let mut cursors: Vec<Cursor<'_>> = inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| ready[*i] > 0)
        .map(|(i, s)| Cursor {
            input: i,
            queue: &s.queue,
            batch: 0,
            at: s.queue.front().map_or(0, |p| p.next),
            left: ready[i],
        })
        .collect();
    let mut picks = Vec::with_capacity(ready.iter().sum());
    let mut heads: Vec<(i64, usize)> = cursors.iter().map(|c| (c.key(), c.input)).collect();
    while !cursors.is_empty() {
        // The least head: a few inputs, so a look at each beats a heap.
        let mut best = 0;
        for (k, head) in heads.iter().enumerate().skip(1) {
            if *head < heads[best] {
                best = k;
            }
        }
        let c = &mut cursors[best];
        let p = &c.queue[c.batch];
        picks.push(((first_batch[c.input] + c.batch) as u32, p.row(c.at) as u32));
        c.advance();
        if c.left == 0 {
            cursors.swap_remove(best);
            heads.swap_remove(best);
        } else {
            heads[best] = (c.key(), c.input);
        }
    }
    picks
}

impl Merge {
    /// The reports of the load's inputs, in the order given.
    pub fn reports(&self) -> impl Iterator<Item = usize> + '_ {
        self.inputs.iter().map(|s| s.report)
    }

    /// The least `(key, input)` that a row not yet taken in from another input than `i` can
    /// have: an input still being read can bring no row earlier than its latest key (nor one
    /// before any, before its first batch). Rows of `i` before that may go.
    fn bound(&self, i: usize, all: bool) -> (i64, usize) {
        let mut bound = (i64::MAX, usize::MAX);
        if all {
            return bound;
        }
        for (j, s) in self
            .inputs
            .iter()
            .enumerate()
            .filter(|(j, s)| *j != i && !s.done)
        {
            bound = bound.min((s.latest.unwrap_or(i64::MIN), j));
        }
        bound
    }
}

impl EventStore {
    /// Starts a load of `inputs`: each gets its place and its report now, in the order given.
    pub(super) fn begin_load(&mut self, inputs: &[Arc<LocalInput>]) -> Merge {
        let mut sources = Vec::with_capacity(inputs.len());
        for input in inputs {
            let base = self.next_base;
            self.inputs.push(StoredInput {
                base,
                input: input.clone(),
            });
            self.next_base += input.bytes().len() as u64;
            sources.push(Source {
                report: self.reports.len(),
                base,
                queue: VecDeque::new(),
                latest: None,
                done: false,
                carry: i64::MIN,
            });
            self.reports.push(ScanReport {
                name: input.name().to_string(),
                ..ScanReport::default()
            });
        }
        Merge {
            bytes_total: inputs.iter().map(|i| i.bytes().len() as u64).sum(),
            inputs: sources,
            bytes_done: 0,
            rows_taken: 0,
        }
    }

    /// Takes in one batch (the batches of an input in their order) and adds to the store every
    /// row that may join it now.
    pub(super) fn take_batch(&mut self, merge: &mut Merge, batch: Batch) -> Progress {
        merge.bytes_done += batch.range.len() as u64;
        merge.rows_taken += batch.len();
        self.reserve_for(merge, batch.len());
        let remap = self.interners.absorb(&batch.interners);
        let arena = self.arena.len() as u64;
        self.arena.extend_from_slice(&batch.owned);
        let source = &mut merge.inputs[batch.input];
        let report = &mut self.reports[source.report];
        let mut part_report = batch.report;
        // A part counts lines from its own start: put its problems in place.
        part_report.shift_lines(report.lines);
        report.absorb(part_report);
        let keys: Vec<i64> = batch
            .columns
            .time
            .iter()
            .map(|&t| {
                if t != NO_TIME {
                    source.carry = t;
                }
                source.carry
            })
            .collect();
        let order = (!keys.is_sorted()).then(|| {
            let mut rows: Vec<u32> = (0..keys.len() as u32).collect();
            rows.sort_by_key(|&r| keys[r as usize]);
            rows
        });
        if let Some(&latest) = keys.iter().max() {
            source.latest = Some(source.latest.map_or(latest, |l| l.max(latest)));
        }
        source.done = batch.index + 1 == batch.parts;
        source.queue.push_back(Pending {
            columns: batch.columns,
            remap,
            arena,
            keys,
            order,
            next: 0,
        });
        self.emit(merge, false);
        Progress {
            events: self.len(),
            bytes_done: merge.bytes_done,
            bytes_total: merge.bytes_total,
            problems: merge
                .reports()
                .map(|r| self.reports[r].problem_count())
                .sum(),
        }
    }

    /// Adds every row still waiting (the inputs are read, or the load was stopped).
    pub(super) fn end_load(&mut self, merge: &mut Merge) {
        self.emit(merge, true);
        self.appended(true);
        self.order.shrink_to_fit();
        self.columns.shrink_to_fit();
        self.interners.shrink_to_fit();
        self.arena.shrink_to_fit();
    }

    /// Adds, in `(key, input)` order, every row that may go now: each input's rows that come
    /// before anything an input still being read can bring; every row when `all`.
    fn emit(&mut self, merge: &mut Merge, all: bool) {
        // How many of each input's waiting rows may go.
        let ready: Vec<usize> = (0..merge.inputs.len())
            .map(|i| {
                let bound = merge.bound(i, all);
                let mut n = 0;
                for p in &merge.inputs[i].queue {
                    let go = (p.next..p.keys.len())
                        .take_while(|&at| (p.keys[p.row(at)], i) < bound)
                        .count();
                    n += go;
                    if p.next + go < p.keys.len() {
                        break;
                    }
                }
                n
            })
            .collect();
        if ready.iter().all(|&n| n == 0) {
            return;
        }
        let only = ready.iter().filter(|&&n| n > 0).count() == 1;
        if let (true, Some(i)) = (only, ready.iter().position(|&n| n > 0))
            && merge.inputs[i].queue.iter().all(|p| p.order.is_none())
        {
            // One input's rows in their own order (a file, or streams apart in time): whole
            // runs, column by column.
            let source = &merge.inputs[i];
            let mut left = ready[i];
            for p in &source.queue {
                let take = left.min(p.keys.len() - p.next);
                let (base, arena) = (source.base, p.arena);
                let address = |at: u64| match at & OWNED {
                    0 => base + at,
                    _ => at + arena,
                };
                self.columns.extend_remapped(
                    &p.columns,
                    p.next..p.next + take,
                    &p.remap,
                    address,
                    base,
                );
                left -= take;
                if left == 0 {
                    break;
                }
            }
        } else {
            self.gather(merge, &ready);
        }
        // What went is gone from the queues.
        for (source, mut n) in merge.inputs.iter_mut().zip(ready) {
            while n > 0 {
                let Some(p) = source.queue.front_mut() else {
                    break;
                };
                let take = n.min(p.keys.len() - p.next);
                p.next += take;
                n -= take;
                if p.next == p.keys.len() {
                    source.queue.pop_front();
                }
            }
        }
        self.appended(false);
    }

    /// Copies the rows that may go from several inputs, merged k-way.
    fn gather(&mut self, merge: &Merge, ready: &[usize]) {
        // The waiting batches, flattened, and the rows to take from them in order.
        let mut batches: Vec<Gather<'_>> = Vec::new();
        let mut first_batch = Vec::with_capacity(merge.inputs.len());
        for source in &merge.inputs {
            first_batch.push(batches.len());
            for p in &source.queue {
                batches.push(Gather {
                    pending: p,
                    base: source.base,
                });
            }
        }
        let picks = merge_picks(&merge.inputs, ready, &first_batch);
        self.columns.extend_gathered(
            &batches
                .iter()
                .map(|g| super::columns::GatherFrom {
                    columns: &g.pending.columns,
                    remap: &g.pending.remap,
                    base: g.base,
                    arena: g.pending.arena,
                })
                .collect::<Vec<_>>(),
            &picks,
        );
    }

    /// Makes room for the batch and, judging by the load's bytes per event so far, for the rest
    /// of it: reserving once, exactly, leaves no unused half of a doubled vector.
    fn reserve_for(&mut self, merge: &Merge, rows: usize) {
        if self.columns.spare() >= rows {
            return;
        }
        let per_byte = merge.rows_taken as f64 / merge.bytes_done.max(1) as f64;
        let left = merge.bytes_total.saturating_sub(merge.bytes_done);
        let waiting: usize = merge
            .inputs
            .iter()
            .flat_map(|s| &s.queue)
            .map(|p| p.keys.len() - p.next)
            .sum();
        let expected = (left as f64 * per_byte * 1.02) as usize;
        self.columns.reserve_exact(waiting + rows + expected);
    }
}
