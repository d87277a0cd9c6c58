//! The groups of a `stats … by`, in the order they were first seen, found by their values: a
//! record of a group already known is counted without copying its values or allocating.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::insights::eval::aggregates::Aggregator;
use crate::insights::eval::value::Value;

#[derive(Debug, Default)]
pub(super) struct Groups {
    /// Positions in `entries`, hashed by the groups of their values.
    table: HashTable<usize>,
    hasher: DefaultHashBuilder,
    /// Each group's values (the first seen, as [`Value::group_key`] keeps them) and
    /// aggregators, in the order the groups were first seen.
    entries: Vec<(Vec<Value>, Vec<Aggregator>)>,
}

impl Groups {
    /// The aggregators of the group `values` fall in; a new group, with `fresh` aggregators,
    /// when none does yet.
    pub(super) fn aggregators<V: Borrow<Value>>(
        &mut self,
        values: &[V],
        fresh: impl FnOnce() -> Vec<Aggregator>,
    ) -> &mut Vec<Aggregator> {
        let i = self.position(values, |values| {
            (values.iter().map(|v| v.borrow().clone()).collect(), fresh())
        });
        &mut self.entries[i].1
    }

    /// Where the group of `values` is in `entries`, added with `make` when it is not there.
    fn position<V: Borrow<Value>>(
        &mut self,
        values: &[V],
        make: impl FnOnce(&[V]) -> (Vec<Value>, Vec<Aggregator>),
    ) -> usize {
        let hash = group_hash(&self.hasher, values);
        let entries = &self.entries;
        let same = |&i: &usize| {
            let known = &entries[i].0;
            known.len() == values.len()
                && known
                    .iter()
                    .zip(values)
                    .all(|(a, b)| a.same_group(b.borrow()))
        };
        if let Some(&i) = self.table.find(hash, same) {
            return i;
        }
        let i = self.entries.len();
        self.entries.push(make(values));
        let (entries, hasher) = (&self.entries, &self.hasher);
        self.table
            .insert_unique(hash, i, |&j| group_hash(hasher, &entries[j].0));
        i
    }

    /// Adds the groups of a later part of the input: a group both saw merges its aggregators
    /// (the later part's values count as later), a new one comes after the existing ones.
    pub(super) fn merge(&mut self, later: Groups) {
        for (values, aggs) in later.entries {
            let mut theirs = Some(aggs);
            let i = self.position(&values, |values| {
                (values.to_vec(), theirs.take().unwrap_or_default())
            });
            if let Some(aggs) = theirs {
                for (mine, theirs) in self.entries[i].1.iter_mut().zip(aggs) {
                    // Both come from the same plan, so their kinds always agree.
                    let _ = mine.merge(theirs);
                }
            }
        }
    }

    /// Every group's values and aggregators, in the order first seen.
    pub(super) fn into_entries(self) -> Vec<(Vec<Value>, Vec<Aggregator>)> {
        self.entries
    }
}

fn group_hash<V: Borrow<Value>>(hasher: &DefaultHashBuilder, values: &[V]) -> u64 {
    let mut state = hasher.build_hasher();
    for v in values {
        v.borrow().hash_group(&mut state);
    }
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::eval::aggregates::AggInput;

    fn count() -> Vec<Aggregator> {
        vec![Aggregator::new("count", AggInput::Records, &[]).expect("count")]
    }

    fn add(groups: &mut Groups, values: &[Value]) {
        groups
            .aggregators(values, count)
            .iter_mut()
            .for_each(|a| a.update(&Value::Missing, None));
    }

    fn counted(groups: Groups) -> Vec<(Vec<String>, String)> {
        groups
            .into_entries()
            .into_iter()
            .map(|(values, aggs)| {
                (
                    values.iter().map(Value::display).collect(),
                    aggs[0].finish().display(),
                )
            })
            .collect()
    }

    #[test]
    fn values_of_one_group_count_together_and_keep_the_first_form() {
        let mut groups = Groups::default();
        add(&mut groups, &[Value::str("401"), Value::str("get")]);
        add(&mut groups, &[Value::Int(401), Value::str("get")]);
        add(&mut groups, &[Value::Float(401.0), Value::str("list")]);
        add(&mut groups, &[Value::Null, Value::str("get")]);
        add(&mut groups, &[Value::Missing, Value::str("get")]);
        add(&mut groups, &[Value::Null, Value::str("get")]);
        assert_eq!(
            counted(groups),
            [
                (vec!["401".to_string(), "get".to_string()], "2".to_string()),
                (vec!["401".to_string(), "list".to_string()], "1".to_string()),
                (vec!["null".to_string(), "get".to_string()], "2".to_string()),
                (vec!["".to_string(), "get".to_string()], "1".to_string()),
            ]
        );
    }

    #[test]
    fn a_later_part_merges_into_known_groups_and_appends_new_ones() {
        let (mut first, mut later) = (Groups::default(), Groups::default());
        add(&mut first, &[Value::str("b")]);
        add(&mut first, &[Value::str("a")]);
        add(&mut later, &[Value::str("c")]);
        add(&mut later, &[Value::str("a")]);
        add(&mut later, &[Value::str("a")]);
        first.merge(later);
        let got: Vec<(String, String)> = counted(first)
            .into_iter()
            .map(|(v, n)| (v.concat(), n))
            .collect();
        let want = [("b", "1"), ("a", "3"), ("c", "1")].map(|(v, n)| (v.into(), n.into()));
        assert_eq!(got, want);
    }
}
