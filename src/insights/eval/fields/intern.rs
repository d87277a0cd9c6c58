//! Strings read from events, made into values without a new allocation each time: a field
//! holds the same few values over and over (`verb`, `user.username`, `objectRef.resource`), and
//! a query that groups or filters on one would otherwise copy it out of every event it reads.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::DefaultHashBuilder;

use super::{RawValue, string_text};
use crate::insights::eval::value::Value;

/// Values this long or longer are made afresh: they are seldom repeated, and comparing them
/// would cost more than copying them.
const MAX_LEN: usize = 128;
/// Slots of the table at most: a field with more values than this reuses them less often.
const SLOTS: usize = 64;
/// Slots of the table at first. A run holds one table per field it loads, and in a pass of many
/// queries most runs see a few records: the table grows only for a field whose values keep
/// missing it (a user name, not a verb).
const FIRST_SLOTS: usize = 8;

/// The strings one field had lately, by hash, to hand out again. Each reader keeps its own.
#[derive(Debug, Default)]
pub struct Interner {
    hasher: DefaultHashBuilder,
    /// Made on the first value: a run holds one per field it loads, and most runs of a
    /// detection in one pass are never fed a record. A power of two long.
    table: Vec<Option<Arc<str>>>,
    /// Values not found since the table last grew.
    misses: usize,
}

impl Interner {
    /// The value of `raw`, as [`RawValue::to_value`] makes it; a short string (or structure)
    /// seen lately shares that one's allocation.
    pub fn value(&mut self, raw: RawValue<'_>) -> Value {
        let text = match raw {
            RawValue::Str {
                token,
                escaped: false,
            } => string_text(token, false),
            RawValue::Json(text) => text.into(),
            other => return other.to_value(),
        };
        if text.len() >= MAX_LEN {
            return Value::str(&text);
        }
        if self.table.is_empty() {
            self.table = vec![None; FIRST_SLOTS];
        }
        let hash = self.hasher.hash_one(text.as_bytes()) as usize;
        let slot = hash & (self.table.len() - 1);
        match &self.table[slot] {
            Some(known) if **known == *text => Value::Str(known.clone()),
            _ => {
                let made: Arc<str> = Arc::from(text.as_ref());
                self.misses += 1;
                if self.misses > 4 * self.table.len() && self.table.len() < SLOTS {
                    // What it held is dropped: it is only a cache of values already handed out.
                    self.table = vec![None; (self.table.len() * 4).min(SLOTS)];
                    self.misses = 0;
                }
                let slot = hash & (self.table.len() - 1);
                self.table[slot] = Some(made.clone());
                Value::Str(made)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_string_shares_one_allocation_and_equals_a_fresh_one() {
        let mut interner = Interner::default();
        let raw = |token| RawValue::from_token(token);
        let (a, b) = (
            interner.value(raw(r#""get""#)),
            interner.value(raw(r#""get""#)),
        );
        match (&a, &b) {
            (Value::Str(x), Value::Str(y)) => assert!(Arc::ptr_eq(x, y)),
            other => panic!("{other:?}"),
        }
        assert_eq!(a, raw(r#""get""#).to_value());
        // Everything else is made as `to_value` makes it.
        for token in [
            r#""a\"b""#,
            "401",
            "4.5",
            "null",
            "true",
            r#"{"a":[1,2]}"#,
            "[]",
            r#""""#,
        ] {
            assert_eq!(interner.value(raw(token)), raw(token).to_value(), "{token}");
            assert_eq!(interner.value(raw(token)), raw(token).to_value(), "{token}");
        }
        let long = format!("\"{}\"", "x".repeat(MAX_LEN));
        assert_eq!(interner.value(raw(&long)), raw(&long).to_value());
        assert_eq!(interner.value(RawValue::Missing), Value::Missing);
    }

    #[test]
    fn the_table_starts_small_and_grows_only_for_a_field_of_many_values() {
        let mut verbs = Interner::default();
        for _ in 0..1000 {
            verbs.value(RawValue::from_token(r#""get""#));
        }
        assert_eq!(verbs.table.len(), FIRST_SLOTS);
        let mut users = Interner::default();
        let tokens: Vec<String> = (0..SLOTS / 2).map(|i| format!("\"user-{i}\"")).collect();
        for _ in 0..20 {
            for t in &tokens {
                users.value(RawValue::from_token(t));
            }
        }
        assert_eq!(users.table.len(), SLOTS);
    }

    #[test]
    fn strings_that_share_a_slot_stay_apart() {
        let mut interner = Interner::default();
        let tokens: Vec<String> = (0..4 * SLOTS).map(|i| format!("\"user-{i}\"")).collect();
        for _ in 0..2 {
            for t in &tokens {
                assert_eq!(
                    interner.value(RawValue::from_token(t)),
                    Value::str(&t[1..t.len() - 1])
                );
            }
        }
    }
}
