//! What the loader hands the merge: one part's rows, and how far a load has got.

use std::ops::Range;

use super::columns::{Columns, Interners, NO_TIME};
use crate::audit::formats::ScanReport;

/// How far a load has got, after a part was merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events in the store (everything loaded so far).
    pub events: usize,
    /// Bytes of this load's inputs read and merged.
    pub bytes_done: u64,
    /// Bytes of this load's inputs.
    pub bytes_total: u64,
    /// Problems found in this load's inputs so far (see [`ScanReport::problem_count`]).
    pub problems: u64,
}

/// The rows of one part of an input, with their own interners: give them to the store with
/// [`EventStore::load_with`] (or [`load_shared_with`]), which merges them in time order.
#[derive(Debug)]
pub struct Batch {
    /// Which of the loader's inputs it comes from.
    pub(super) input: usize,
    /// The part's place among the input's parts.
    pub(super) index: usize,
    pub(super) parts: usize,
    pub(super) range: Range<usize>,
    pub(super) columns: Columns,
    pub(super) interners: Interners,
    /// Event texts that are not in the input (unescaped CloudWatch messages).
    pub(super) owned: Vec<u8>,
    /// Lines counted from the part's start.
    pub(super) report: ScanReport,
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

    /// Is this the input's last part?
    pub fn is_last(&self) -> bool {
        self.index + 1 == self.parts
    }

    /// What the part held besides events; lines counted from the part's start.
    pub fn report(&self) -> &ScanReport {
        &self.report
    }

    /// The latest time among its rows.
    pub(super) fn latest(&self) -> Option<i64> {
        self.columns
            .time
            .iter()
            .copied()
            .filter(|&t| t != NO_TIME)
            .max()
    }
}
