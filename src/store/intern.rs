//! Interned strings: each distinct value of a column is kept once and named by a `u32` id, so a
//! million rows hold ids and a filter compares integers.

use std::hash::{BuildHasher, RandomState};

/// The id of "no value": a row whose event lacks the field. Real values start at 1, so a count
/// indexed by id keeps the rows without a value in slot 0.
pub const ABSENT: u32 = 0;

/// Distinct strings, back to back in one buffer, found again through an open-addressing table of
/// ids. Compared with a map of boxed strings this costs no allocation per value and about 12
/// bytes of bookkeeping per distinct value besides its text.
#[derive(Debug, Clone)]
pub struct Interner {
    text: String,
    /// `ends[id]` is where value `id` ends in `text` and `ends[id - 1]` where it starts;
    /// `ends[0] == 0` stands for [`ABSENT`].
    ends: Vec<usize>,
    /// Ids (`0` = empty slot), a power of two long and at most half full.
    slots: Vec<u32>,
    /// Keyed per process: the values are written by whoever sent the requests, and a fixed
    /// hash would let them pick values that all land in one slot.
    hasher: RandomState,
    /// The id handed out last: runs of equal values (a verb, a code) skip the hashing.
    last: u32,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            text: String::new(),
            ends: vec![0],
            slots: vec![0; 16],
            hasher: RandomState::new(),
            last: ABSENT,
        }
    }
}

impl Interner {
    /// Distinct values held, plus one for [`ABSENT`]: ids are below this.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The value of `id`; `None` for [`ABSENT`] and for an id this interner never gave.
    pub fn get(&self, id: u32) -> Option<&str> {
        let id = id as usize;
        if id == 0 || id >= self.ends.len() {
            return None;
        }
        self.text.get(self.ends[id - 1]..self.ends[id])
    }

    /// The id of `value`, if it is held.
    pub fn find(&self, value: &str) -> Option<u32> {
        let slot = self.probe(value, self.hasher.hash_one(value));
        match self.slots[slot] {
            ABSENT => None,
            id => Some(id),
        }
    }

    /// The id of `value`, adding it when new.
    pub fn intern(&mut self, value: &str) -> u32 {
        if self.get(self.last) == Some(value) {
            return self.last;
        }
        let hash = self.hasher.hash_one(value);
        let slot = self.probe(value, hash);
        let id = match self.slots[slot] {
            ABSENT => self.insert(value, slot),
            id => id,
        };
        self.last = id;
        id
    }

    /// [`Interner::intern`] for an optional value: `None` is [`ABSENT`].
    pub fn intern_opt(&mut self, value: Option<&str>) -> u32 {
        value.map_or(ABSENT, |v| self.intern(v))
    }

    /// Every value with its id, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (1..self.ends.len()).map(|id| (id as u32, &self.text[self.ends[id - 1]..self.ends[id]]))
    }

    /// Heap bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * size_of::<usize>()
            + self.slots.capacity() * size_of::<u32>()
    }

    /// Gives back spare capacity (after a load, when no more values are expected soon).
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The slot holding `value`, or the empty slot where it would go.
    fn probe(&self, value: &str, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let id = self.slots[at];
            if id == ABSENT || self.get(id) == Some(value) {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    fn insert(&mut self, value: &str, slot: usize) -> u32 {
        // Past u32::MAX distinct values the ids would wrap; no column of audit data comes near.
        let id = self.ends.len() as u32;
        self.text.push_str(value);
        self.ends.push(self.text.len());
        self.slots[slot] = id;
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        self.slots = vec![ABSENT; size];
        let mask = size - 1;
        for id in 1..self.ends.len() {
            let value = &self.text[self.ends[id - 1]..self.ends[id]];
            let mut at = self.hasher.hash_one(value) as usize & mask;
            while self.slots[at] != ABSENT {
                at = (at + 1) & mask;
            }
            self.slots[at] = id as u32;
        }
    }
}

#[cfg(test)]
#[path = "intern_tests.rs"]
mod tests;
