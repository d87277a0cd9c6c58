//! Whether some event read has a field: for the names a query reads that the audit event does
//! not fix (`checker::UnsureField`), watched while the query runs, so that a name no event had
//! is reported after it rather than answered with a silent "0 rows".
//!
//! Watching costs one more walk over each event read, and only while a watched name is still
//! unseen: a query that reads only the audit event's fields watches nothing and pays nothing,
//! and one whose names all turn up stops looking at the first event that has the last of them.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::insights::fields::{FieldSet, RawValue, RecordFields};

/// Names watched at most; more are taken as seen (no warning rather than a wrong one).
const MAX_WATCHED: usize = 64;

/// The watched names and which of them no event has had yet; shared by the runs of one query.
#[derive(Debug)]
pub struct FieldPresence {
    paths: FieldSet,
    names: Vec<String>,
    /// One bit per name, set while no event read has had it.
    unseen: AtomicU64,
}

impl FieldPresence {
    /// Watches these names (repeats once, past [`MAX_WATCHED`] none).
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> FieldPresence {
        let mut unique: Vec<String> = Vec::new();
        for name in names {
            let name = name.as_ref();
            if unique.len() < MAX_WATCHED && !unique.iter().any(|n| n == name) {
                unique.push(name.to_string());
            }
        }
        let bits = match unique.len() {
            MAX_WATCHED => u64::MAX,
            n => (1u64 << n) - 1,
        };
        FieldPresence {
            paths: FieldSet::from_names(&unique),
            names: unique,
            unseen: AtomicU64::new(bits),
        }
    }

    /// Some watched name has not been seen yet.
    #[inline]
    pub fn watching(&self) -> bool {
        self.unseen.load(Ordering::Relaxed) != 0
    }

    /// Looks for the names not seen yet in one event.
    pub(super) fn observe(&self, fields: &RecordFields<'_, '_>) {
        let unseen = self.unseen.load(Ordering::Relaxed);
        if unseen == 0 {
            return;
        }
        let mut raw = [RawValue::Missing; MAX_WATCHED];
        let raw = &mut raw[..self.names.len()];
        // System names are never unsure: a watched `@name` is one no event has.
        self.paths.resolve_raw(fields.message(), raw);
        let found = raw
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_missing())
            .fold(0u64, |m, (i, _)| m | 1 << i);
        if found & unseen != 0 {
            self.unseen.fetch_and(!found, Ordering::Relaxed);
        }
    }

    /// The watched names no event read has had, in the order given.
    pub fn unseen(&self) -> Vec<&str> {
        let unseen = self.unseen.load(Ordering::Relaxed);
        self.names
            .iter()
            .enumerate()
            .filter(|(i, _)| unseen & (1 << i) != 0)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}
