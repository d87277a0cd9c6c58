//! Ordering rows by a column: by time, or by a string column's values in text order (interned
//! ids are ranked once, so a million rows sort by integers). Sorts are stable: rows with equal
//! values keep the order they came in (time order for a filter's answer).

use super::columns::NO_TIME;
use super::intern::{ABSENT, Interner};
use super::{EventStore, Facet};

/// What rows can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Time,
    Facet(Facet),
    /// Namespace, then name.
    Object,
}

/// The place of each id of `interner` when its values are put in text order; rows without a
/// value come last.
fn ranks(interner: &Interner) -> Vec<u32> {
    let mut ids: Vec<(u32, &str)> = interner.iter().collect();
    ids.sort_unstable_by(|a, b| a.1.cmp(b.1));
    let mut rank = vec![u32::MAX; interner.len() + 1];
    for (place, (id, _)) in ids.iter().enumerate() {
        if let Some(slot) = rank.get_mut(*id as usize) {
            *slot = place as u32;
        }
    }
    if let Some(absent) = rank.get_mut(ABSENT as usize) {
        *absent = u32::MAX;
    }
    rank
}

impl EventStore {
    /// Orders `rows` by `key`, stably; `descending` reverses the values' order, not the order
    /// of equal rows. Rows without the value go last either way.
    pub fn sort_rows(&self, rows: &mut [u32], key: SortKey, descending: bool) {
        let flip = |v: u64| if descending { u64::MAX - 1 - v } else { v };
        let missing = u64::MAX;
        match key {
            SortKey::Time => {
                let time = &self.columns.time;
                rows.sort_by_key(|&r| match time.get(r as usize) {
                    Some(&t) if t != NO_TIME => flip((t as u64) ^ (1 << 63)),
                    _ => missing,
                });
            }
            SortKey::Facet(facet) => {
                let rank = ranks(&self.interners.facets[facet.index()]);
                let ids = &self.columns.facets[facet.index()];
                rows.sort_by_key(|&r| {
                    let id = ids.get(r as usize).copied().unwrap_or(ABSENT);
                    match rank.get(id as usize).copied().unwrap_or(u32::MAX) {
                        u32::MAX => missing,
                        place => flip(u64::from(place)),
                    }
                });
            }
            SortKey::Object => {
                let ns_rank = ranks(&self.interners.facets[Facet::Namespace.index()]);
                let name_rank = ranks(&self.interners.name);
                let ns = &self.columns.facets[Facet::Namespace.index()];
                let names = &self.columns.name;
                let at = |rank: &[u32], ids: &[u32], r: u32| {
                    let id = ids.get(r as usize).copied().unwrap_or(ABSENT);
                    rank.get(id as usize).copied().unwrap_or(u32::MAX)
                };
                rows.sort_by_key(|&r| {
                    let (a, b) = (at(&ns_rank, ns, r), at(&name_rank, names, r));
                    if a == u32::MAX && b == u32::MAX {
                        return missing;
                    }
                    flip((u64::from(a) << 32) | u64::from(b))
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{Ev, store};

    #[test]
    fn rows_sort_by_text_order_stably_with_missing_values_last() {
        let ev = |user, second| Ev {
            user,
            second,
            ..Ev::default()
        };
        let store = store([
            ev(Some("bob"), 3),
            ev(Some("alice"), 1),
            ev(None, 2),
            ev(Some("bob"), 0),
        ]);
        let mut rows: Vec<u32> = (0..4).collect();
        store.sort_rows(&mut rows, SortKey::Facet(Facet::User), false);
        assert_eq!(rows, [1, 0, 3, 2]);
        store.sort_rows(&mut rows, SortKey::Facet(Facet::User), true);
        // Descending values; the two bobs keep their order; no user still last.
        assert_eq!(rows, [0, 3, 1, 2]);
        store.sort_rows(&mut rows, SortKey::Time, false);
        assert_eq!(rows, [3, 1, 2, 0]);
        store.sort_rows(&mut rows, SortKey::Time, true);
        assert_eq!(rows, [0, 2, 1, 3]);
        store.sort_rows(&mut rows, SortKey::Object, false);
        // One object for all: the order they came in.
        assert_eq!(rows, [0, 2, 1, 3]);
    }
}
