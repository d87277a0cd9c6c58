//! The active filters: facet values kept or dropped (the chips), and a text search.

use crate::audit::time::TimeRange;
use crate::store::{Facet, FilterSet};

/// One facet value kept (`include`) or dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub facet: Facet,
    pub value: String,
    pub include: bool,
}

impl Chip {
    pub fn label(&self) -> String {
        let sign = if self.include { "" } else { "not " };
        format!("{}: {sign}{}", self.facet.label(), self.value)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub chips: Vec<Chip>,
    pub text: Option<String>,
    pub range: TimeRange,
}

impl Filters {
    /// Adds a chip; the same value with the other sign is replaced, the same chip is a no-op.
    /// True when the filters changed.
    pub fn add(&mut self, facet: Facet, value: &str, include: bool) -> bool {
        if let Some(i) = self
            .chips
            .iter()
            .position(|c| c.facet == facet && c.value == value)
        {
            if self.chips[i].include == include {
                return false;
            }
            self.chips.remove(i);
        }
        self.chips.push(Chip {
            facet,
            value: value.to_string(),
            include,
        });
        true
    }

    /// Removes the time range, else the last chip, else the text search (the order the chips
    /// line shows them in, from its end); true when something was removed.
    pub fn pop(&mut self) -> bool {
        if self.range.is_bounded() {
            self.range = TimeRange::default();
            return true;
        }
        self.text.take().is_some() || self.chips.pop().is_some()
    }

    pub fn clear(&mut self) -> bool {
        let had = !self.is_empty();
        *self = Filters::default();
        had
    }

    pub fn is_empty(&self) -> bool {
        self.chips.is_empty() && self.text.is_none() && !self.range.is_bounded()
    }

    /// What the store filters with.
    pub fn to_filter_set(&self) -> FilterSet {
        let pick = |include: bool| {
            self.chips
                .iter()
                .filter(|c| c.include == include)
                .map(|c| (c.facet, c.value.clone()))
                .collect()
        };
        FilterSet {
            include: pick(true),
            exclude: pick(false),
            range: self.range,
            text: self.text.clone(),
        }
    }
}
