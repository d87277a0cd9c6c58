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

use super::columns::{Columns, NO_TIME, OWNED, Remap};
use super::load::{Batch, Progress};
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

    fn head_key(&self) -> Option<i64> {
        (self.next < self.keys.len()).then(|| self.keys[self.row(self.next)])
    }
}

impl Source {
    fn head_key(&self) -> Option<i64> {
        self.queue.front().and_then(Pending::head_key)
    }
}

impl Merge {
    /// The reports of the load's inputs, in the order given.
    pub fn reports(&self) -> impl Iterator<Item = usize> + '_ {
        self.inputs.iter().map(|s| s.report)
    }

    /// The least `(key, input)` that a row of another input than `i` can still have: its head,
    /// or for an input still being read, its latest key (it can bring no earlier row).
    fn bound(&self, i: usize, all: bool) -> (i64, usize) {
        let mut bound = (i64::MAX, usize::MAX);
        for (j, s) in self.inputs.iter().enumerate().filter(|(j, _)| *j != i) {
            if let Some(k) = s.head_key() {
                bound = bound.min((k, j));
            }
            if !s.done && !all {
                bound = bound.min((s.latest.unwrap_or(i64::MIN), j));
            }
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

    /// Adds rows in `(key, input)` order while the least of them may go: every row when `all`.
    fn emit(&mut self, merge: &mut Merge, all: bool) {
        loop {
            let best = merge
                .inputs
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.head_key()?, i)))
                .min();
            let Some((_, i)) = best else { break };
            let bound = merge.bound(i, all);
            let source = &mut merge.inputs[i];
            let base = source.base;
            let Some(pending) = source.queue.front_mut() else {
                break;
            };
            // The run of this batch's rows that go before anything another input can bring.
            let from = pending.next;
            let mut to = from;
            while to < pending.keys.len() && (pending.keys[pending.row(to)], i) < bound {
                to += 1;
            }
            if to == from {
                break;
            }
            let arena = pending.arena;
            let address = |at: u64| match at & OWNED {
                0 => base + at,
                _ => at + arena,
            };
            if pending.order.is_none() && to - from > 16 {
                // One input's long run (a file, or streams apart in time): column by column.
                self.columns.extend_remapped(
                    &pending.columns,
                    from..to,
                    &pending.remap,
                    address,
                    base,
                );
            } else {
                for at in from..to {
                    let r = pending.row(at);
                    self.columns
                        .push_remapped(&pending.columns, r, &pending.remap, address, base);
                }
            }
            pending.next = to;
            if to == pending.keys.len() {
                source.queue.pop_front();
            }
        }
        self.appended(false);
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
