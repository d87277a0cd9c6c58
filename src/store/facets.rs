//! Counting the values of a facet over a set of rows.

use std::cmp::Ordering;

use super::columns::FACETS;
use super::intern::Interner;
use super::{EventStore, Facet, par};

/// The values of one facet over a set of rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetCounts {
    /// The most frequent values with their counts, most first; equal counts in value order.
    pub values: Vec<(String, u64)>,
    /// Distinct values among the rows (not only those in `values`).
    pub distinct: usize,
    /// Rows without a value.
    pub missing: u64,
    /// Rows counted.
    pub rows: u64,
}

impl EventStore {
    /// The `top` most frequent values of `facet` among `rows`, with how many distinct values
    /// there are and how many rows have none.
    pub fn facet_counts(&self, rows: &[u32], facet: Facet, top: usize) -> FacetCounts {
        let column = &self.columns.facets[facet.index()];
        let interner = &self.interners.facets[facet.index()];
        let parts = par::over_chunks(rows.len(), |range| {
            let mut counts = vec![0u32; interner.len()];
            for &row in &rows[range] {
                if let Some(&id) = column.get(row as usize) {
                    counts[id as usize] += 1;
                }
            }
            counts
        });
        let counts = sum(parts.iter().map(|p| p.as_slice()), interner.len());
        top_values(&counts, interner, top, rows.len())
    }

    /// [`EventStore::facet_counts`] for every facet in [`Facet::ALL`], in one pass over the
    /// rows.
    pub fn facet_counts_all(&self, rows: &[u32], top: usize) -> Vec<(Facet, FacetCounts)> {
        let sizes: [usize; FACETS] = std::array::from_fn(|i| self.interners.facets[i].len());
        let parts = par::over_chunks(rows.len(), |range| {
            let mut counts: [Vec<u32>; FACETS] = std::array::from_fn(|i| vec![0u32; sizes[i]]);
            for &row in &rows[range] {
                let row = row as usize;
                if row >= self.len() {
                    continue;
                }
                for (counts, column) in counts.iter_mut().zip(&self.columns.facets) {
                    counts[column[row] as usize] += 1;
                }
            }
            counts
        });
        Facet::ALL
            .iter()
            .map(|facet| {
                let i = facet.index();
                let counts = sum(parts.iter().map(|p| p[i].as_slice()), sizes[i]);
                let interner = &self.interners.facets[i];
                (*facet, top_values(&counts, interner, top, rows.len()))
            })
            .collect()
    }
}

/// Adds per-thread counts.
fn sum<'a>(parts: impl Iterator<Item = &'a [u32]>, len: usize) -> Vec<u64> {
    let mut total = vec![0u64; len];
    for part in parts {
        for (t, n) in total.iter_mut().zip(part) {
            *t += u64::from(*n);
        }
    }
    total
}

fn top_values(counts: &[u64], interner: &Interner, top: usize, rows: usize) -> FacetCounts {
    let mut seen: Vec<(u32, u64)> = counts
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| **n > 0)
        .map(|(id, n)| (id as u32, *n))
        .collect();
    let distinct = seen.len();
    let value = |id: u32| interner.get(id).unwrap_or_default();
    let order = |a: &(u32, u64), b: &(u32, u64)| -> Ordering {
        b.1.cmp(&a.1).then_with(|| value(a.0).cmp(value(b.0)))
    };
    if top < seen.len() {
        // Only the top need sorting; with many distinct values (source IPs) that is most of
        // the work saved.
        seen.select_nth_unstable_by(top, order);
        seen.truncate(top);
    }
    seen.sort_unstable_by(order);
    FacetCounts {
        values: seen
            .into_iter()
            .map(|(id, n)| (value(id).to_string(), n))
            .collect(),
        distinct,
        missing: counts.first().copied().unwrap_or(0),
        rows: rows as u64,
    }
}

#[cfg(test)]
#[path = "facets_tests.rs"]
mod tests;
