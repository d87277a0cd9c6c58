//! The facets pane: the top values of each facet over the current result.

use crate::store::{Facet, FacetCounts};

#[derive(Debug, Clone, Default)]
pub struct FacetsState {
    pub facets: Vec<(Facet, FacetCounts)>,
    /// The facet whose values the cursor moves through.
    pub facet: usize,
    pub cursor: usize,
}

impl FacetsState {
    pub fn set(&mut self, facets: Vec<(Facet, FacetCounts)>) {
        let keep = self.current().map(|(f, _)| *f);
        self.facets = facets;
        if let Some(f) = keep {
            self.facet = self.facets.iter().position(|(g, _)| *g == f).unwrap_or(0);
        }
        self.clamp();
    }

    pub fn current(&self) -> Option<&(Facet, FacetCounts)> {
        self.facets.get(self.facet)
    }

    /// The facet and value under the cursor.
    pub fn selected(&self) -> Option<(Facet, &str)> {
        let (facet, counts) = self.current()?;
        let (value, _) = counts.values.get(self.cursor)?;
        Some((*facet, value.as_str()))
    }

    pub fn next_facet(&mut self, delta: isize) {
        let n = self.facets.len();
        if n > 0 {
            self.facet = (self.facet as isize + delta).rem_euclid(n as isize) as usize;
            self.cursor = 0;
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        self.cursor = self.cursor.saturating_add_signed(delta);
        self.clamp();
    }

    fn clamp(&mut self) {
        self.facet = self.facet.min(self.facets.len().saturating_sub(1));
        let values = self.current().map_or(0, |(_, c)| c.values.len());
        self.cursor = self.cursor.min(values.saturating_sub(1));
    }
}
