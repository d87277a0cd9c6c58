//! Picking rows: facet values kept or dropped, a time range, and a text search in the event.

use memchr::memmem;

use super::columns::{FACETS, NO_TIME};
use super::{EventStore, Facet, par};
use crate::audit::time::TimeRange;

/// What rows to keep. Values of the same facet in `include` are alternatives, different facets
/// must all match; a row with a value in `exclude` is dropped whatever else matches. A
/// [`Facet::User`] value matches either identity of a request, who sent it or whom it
/// impersonated: `bob` acting through `system:admin` is still bob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSet {
    pub include: Vec<(Facet, String)>,
    pub exclude: Vec<(Facet, String)>,
    /// On the event's time; a bounded range drops events without one.
    pub range: TimeRange,
    /// Kept when the event's text holds every word of this, in any order, ignoring ASCII case
    /// ([`search_words`]).
    pub text: Option<String>,
}

impl FilterSet {
    /// True when it keeps every row.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty()
            && self.exclude.is_empty()
            && !self.range.is_bounded()
            && self.text.as_deref().is_none_or(str::is_empty)
    }
}

/// A filter with its values turned into ids of one store.
struct Resolved {
    /// Per constrained facet: `keep[id]` says whether a row with that id passes.
    facets: Vec<(usize, Vec<bool>)>,
    /// The user values, over both identities of a request.
    identity: Option<Identity>,
    range: TimeRange,
    /// Every word must be found; lowercase ASCII.
    text: Vec<Vec<u8>>,
}

/// The words of a text search, split at blanks. Each is looked for as written, quotes and
/// all, so that a piece of the raw JSON (`"verb":"delete"`) is one word.
pub fn search_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// User values resolved against the user column and the impersonated one: per column, the ids
/// named.
struct Identity {
    kept: Option<[Vec<bool>; 2]>,
    dropped: [Vec<bool>; 2],
}

impl Identity {
    fn passes(&self, user: u32, impersonated: u32) -> bool {
        let named = |ids: &[Vec<bool>; 2]| {
            ids[0].get(user as usize).copied().unwrap_or(false)
                || ids[1].get(impersonated as usize).copied().unwrap_or(false)
        };
        self.kept.as_ref().is_none_or(named) && !named(&self.dropped)
    }
}

impl EventStore {
    /// The rows that pass `filter`, in time order (ties in the order read); read on every
    /// core.
    pub fn filter(&self, filter: &FilterSet) -> Vec<u32> {
        let settled = self.order.settled();
        let plan = if filter.is_empty() {
            None
        } else {
            match self.resolve(filter) {
                Some(plan) => Some(plan),
                None => return Vec::new(),
            }
        };
        let parts = par::over_chunks(settled, |range| {
            let mut pass = Passes::new(self, plan.as_ref());
            match self.order.permutation() {
                Some(order) => order[range]
                    .iter()
                    .copied()
                    .filter(|&row| pass.test(row))
                    .collect::<Vec<u32>>(),
                None => (range.start as u32..range.end as u32)
                    .filter(|&row| pass.test(row))
                    .collect(),
            }
        });
        let ordered = parts.concat();
        // Rows that arrived since the last merge, put in place here.
        let mut pass = Passes::new(self, plan.as_ref());
        let mut late: Vec<u32> = (settled as u32..self.len() as u32)
            .filter(|&row| pass.test(row))
            .collect();
        self.sort_by_time(&mut late);
        self.order.merge_lists(ordered, late, &self.columns.time)
    }

    /// Why a filter with a text search keeps nothing: the search's words that, with the rest of
    /// the filter, no event holds (empty when each is held by some event, only never all
    /// together). Reads the events once per word: asked only of an empty result.
    pub fn search_misses(&self, filter: &FilterSet) -> Vec<String> {
        let words = filter.text.as_deref().map(search_words).unwrap_or_default();
        words
            .into_iter()
            .filter(|word| {
                let alone = FilterSet {
                    text: Some(word.clone()),
                    ..filter.clone()
                };
                self.filter(&alone).is_empty()
            })
            .collect()
    }

    /// The filter's values as ids, or `None` when no row can pass: an included value this store
    /// has never seen matches nothing (unless another value of the same facet does).
    fn resolve(&self, filter: &FilterSet) -> Option<Resolved> {
        let identity = match self.resolve_identity(filter) {
            Ok(identity) => identity,
            Err(NoRow) => return None,
        };
        let mut keep: [Option<Vec<bool>>; FACETS] = Default::default();
        let others = |v: &'_ (Facet, String)| v.0 != Facet::User;
        for (facet, _) in filter
            .include
            .iter()
            .chain(&filter.exclude)
            .filter(|v| others(v))
        {
            let i = facet.index();
            keep[i].get_or_insert_with(|| vec![true; self.interners.facets[i].len()]);
        }
        let included = |facet: Facet| filter.include.iter().any(|(f, _)| *f == facet);
        for facet in Facet::ALL {
            let Some(ids) = keep[facet.index()].as_mut() else {
                continue;
            };
            if included(facet) {
                ids.fill(false);
            }
            let interner = &self.interners.facets[facet.index()];
            for (_, value) in filter.include.iter().filter(|(f, _)| *f == facet) {
                if let Some(id) = interner.find(value) {
                    ids[id as usize] = true;
                }
            }
            for (_, value) in filter.exclude.iter().filter(|(f, _)| *f == facet) {
                if let Some(id) = interner.find(value) {
                    ids[id as usize] = false;
                }
            }
            if ids.iter().all(|k| !k) {
                return None;
            }
        }
        let facets: Vec<(usize, Vec<bool>)> = keep
            .into_iter()
            .enumerate()
            .filter_map(|(i, ids)| Some((i, ids?)))
            // A facet whose every value passes, absence included, constrains nothing.
            .filter(|(_, ids)| !ids.iter().all(|k| *k))
            .collect();
        let text = filter
            .text
            .as_deref()
            .map(search_words)
            .unwrap_or_default()
            .iter()
            .map(|w| w.as_bytes().to_ascii_lowercase())
            .collect();
        Some(Resolved {
            facets,
            identity,
            range: filter.range,
            text,
        })
    }

    /// The filter's user values as ids of both identity columns; `Err` when values are kept and
    /// no row can have one.
    fn resolve_identity(&self, filter: &FilterSet) -> Result<Option<Identity>, NoRow> {
        let (kept, dropped) = (user_values(&filter.include), user_values(&filter.exclude));
        if kept.is_empty() && dropped.is_empty() {
            return Ok(None);
        }
        let columns = [Facet::User, Facet::Impersonated];
        let ids = |values: &[&str]| -> [Vec<bool>; 2] {
            columns.map(|facet| {
                let interner = &self.interners.facets[facet.index()];
                let mut named = vec![false; interner.len()];
                for id in values.iter().filter_map(|v| interner.find(v)) {
                    named[id as usize] = true;
                }
                named
            })
        };
        let kept = (!kept.is_empty()).then(|| ids(&kept));
        if kept
            .as_ref()
            .is_some_and(|k| k.iter().all(|c| c.iter().all(|n| !n)))
        {
            return Err(NoRow);
        }
        Ok(Some(Identity {
            kept,
            dropped: ids(&dropped),
        }))
    }

    fn passes_columns(&self, plan: &Resolved, row: usize) -> bool {
        if plan.facets.is_empty() && plan.identity.is_none() && !plan.range.is_bounded() {
            return true;
        }
        if let Some(identity) = &plan.identity {
            let user = self.columns.facets[Facet::User.index()][row];
            let impersonated = self.columns.facets[Facet::Impersonated.index()][row];
            if !identity.passes(user, impersonated) {
                return false;
            }
        }
        for (facet, keep) in &plan.facets {
            let id = self.columns.facets[*facet][row];
            if !keep.get(id as usize).copied().unwrap_or(false) {
                return false;
            }
        }
        if plan.range.is_bounded() {
            let t = self.columns.time[row];
            return plan.range.contains((t != NO_TIME).then_some(t));
        }
        true
    }
}

fn user_values(list: &[(Facet, String)]) -> Vec<&str> {
    list.iter()
        .filter(|(f, _)| *f == Facet::User)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// No row can pass.
struct NoRow;

/// One thread's test of rows against a resolved filter (none: every row passes).
struct Passes<'s> {
    store: &'s EventStore,
    plan: Option<&'s Resolved>,
    finders: Vec<memmem::Finder<'s>>,
    lowered: Vec<u8>,
}

impl<'s> Passes<'s> {
    fn new(store: &'s EventStore, plan: Option<&'s Resolved>) -> Passes<'s> {
        let finders = plan
            .map(|p| p.text.iter().map(memmem::Finder::new).collect())
            .unwrap_or_default();
        Passes {
            store,
            plan,
            finders,
            lowered: Vec::new(),
        }
    }

    fn test(&mut self, row: u32) -> bool {
        let Some(plan) = self.plan else {
            return true;
        };
        if !self.store.passes_columns(plan, row as usize) {
            return false;
        }
        if self.finders.is_empty() {
            return true;
        }
        let raw = self.store.raw(row);
        self.lowered.clear();
        self.lowered.extend(raw.iter().map(u8::to_ascii_lowercase));
        self.finders.iter().all(|f| f.find(&self.lowered).is_some())
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
