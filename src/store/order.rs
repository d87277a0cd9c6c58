//! The events' time order.
//!
//! Rows are numbered in the order they were read, input after input, and a row's number never
//! changes: the console holds numbers (the cursor, marks, a query's events) while a load or a
//! live tail goes on. What the console shows is @timestamp order, ties in row order, across
//! every input: EKS writes one audit stream per API server, so a folder of streams interleaves.
//!
//! While rows arrive in time order (one input, or inputs that follow one another in time) the
//! order is the rows themselves and costs nothing. Otherwise it is a permutation, kept by
//! merging: the rows that arrived since the last merge are sorted only when they are out of
//! order themselves (a stream is nearly always in order), then merged in from the back, so only
//! the order's tail past the earliest new row moves. Merges are put off while the new rows are
//! few next to the ordered ones, so that loading several streams merges each row a few times,
//! not once per part; until merged, new rows are ordered on the fly by whoever reads them.
//!
//! An event without a time (a line cut before its timestamp) keeps its place after the event
//! read before it: its key is that event's time.

use super::columns::NO_TIME;

/// Rows not yet merged below which merging waits (unless told to merge now).
const MIN_MERGE: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct TimeOrder {
    /// Rows `0..settled` in time order; `None` while that order is `0..settled` itself.
    sorted: Option<Vec<u32>>,
    /// Rows below this are in the order; the rest arrived since the last merge.
    settled: usize,
    /// Rows looked at (their times counted in `span`, their keys known).
    seen: usize,
    /// The latest key among the settled rows.
    latest: i64,
    /// The earliest real time seen, and the latest (every row, settled or not).
    span: Option<(i64, i64)>,
    /// The keys of rows without a time, by row: few, so kept aside.
    carried: Vec<(u32, i64)>,
    /// The time of the last row seen that has one.
    last_time: Option<i64>,
}

/// What the rows seen last were like.
struct Seen {
    first: Option<i64>,
    last: Option<i64>,
    in_order: bool,
}

impl TimeOrder {
    /// Takes note of rows appended to `time` (the time column); merges them when `now`, or when
    /// enough have gathered.
    pub fn appended(&mut self, time: &[i64], now: bool) {
        let nothing_waits = self.seen == self.settled;
        let new = self.see(time);
        if nothing_waits && new.in_order && new.first.is_none_or(|k| k >= self.latest) {
            // After every settled row and in order (a stream read on, a live tail): they go at
            // the end, and while the rows are in order by themselves nothing is kept.
            if let Some(sorted) = &mut self.sorted {
                sorted.extend(self.settled as u32..time.len() as u32);
            }
            self.latest = new.last.unwrap_or(self.latest);
            self.settled = time.len();
            return;
        }
        let waiting = time.len() - self.settled;
        if now || waiting >= MIN_MERGE.max(self.settled / 2) {
            self.merge(time);
        }
    }

    /// Looks at the rows not seen yet: their times into the span, the keys of those without
    /// one kept.
    fn see(&mut self, time: &[i64]) -> Seen {
        let mut seen = Seen {
            first: None,
            last: None,
            in_order: true,
        };
        for (row, &t) in time.iter().enumerate().skip(self.seen) {
            let key = if t == NO_TIME {
                let key = self.last_time.unwrap_or(i64::MIN);
                self.carried.push((row as u32, key));
                key
            } else {
                self.span = Some(match self.span {
                    Some((a, b)) => (a.min(t), b.max(t)),
                    None => (t, t),
                });
                self.last_time = Some(t);
                t
            };
            seen.in_order &= seen.last.is_none_or(|l| l <= key);
            seen.first.get_or_insert(key);
            seen.last = Some(key);
        }
        self.seen = self.seen.max(time.len());
        seen
    }

    /// The row's place in time: its time, or for a row without one, the time of the row read
    /// before it.
    pub fn key(&self, time: &[i64], row: u32) -> i64 {
        match time.get(row as usize) {
            Some(&t) if t != NO_TIME => t,
            _ => match self.carried.binary_search_by_key(&row, |(r, _)| *r) {
                Ok(i) => self.carried[i].1,
                Err(_) => i64::MIN,
            },
        }
    }

    /// Merges every row not yet in the order.
    pub fn merge(&mut self, time: &[i64]) {
        self.see(time);
        if self.settled == time.len() {
            return;
        }
        let mut new: Vec<u32> = (self.settled as u32..time.len() as u32).collect();
        // Sorted only when out of order; stable, so equal times keep their row order.
        if !new.is_sorted_by_key(|&r| self.key(time, r)) {
            new.sort_by_key(|&r| self.key(time, r));
        }
        let settled = self.settled;
        let mut sorted = self
            .sorted
            .take()
            .unwrap_or_else(|| (0..settled as u32).collect());
        let (n, m) = (sorted.len(), new.len());
        sorted.reserve_exact(m);
        sorted.resize(n + m, 0);
        // From the back: a settled row moves only past new rows strictly earlier than it, and
        // new rows, read later, follow settled rows of the same time.
        let (mut i, mut j) = (n, m);
        while j > 0 {
            let k = i + j - 1;
            if i > 0 && self.key(time, sorted[i - 1]) > self.key(time, new[j - 1]) {
                sorted[k] = sorted[i - 1];
                i -= 1;
            } else {
                sorted[k] = new[j - 1];
                j -= 1;
            }
        }
        let newest = new.last().map_or(i64::MIN, |&r| self.key(time, r));
        self.latest = self.latest.max(newest);
        self.sorted = Some(sorted);
        self.settled = time.len();
    }

    /// Rows merged into the order: positions `0..settled()`.
    pub fn settled(&self) -> usize {
        self.settled
    }

    /// The row at a position of the order, `pos < settled()`.
    #[cfg(test)]
    pub fn row_at(&self, pos: usize) -> u32 {
        match &self.sorted {
            Some(sorted) => sorted[pos],
            None => pos as u32,
        }
    }

    /// The permutation, when the rows are not in order by themselves.
    pub fn permutation(&self) -> Option<&[u32]> {
        self.sorted.as_deref()
    }

    /// The earliest and the latest time of any row, when some row has one.
    pub fn span(&self) -> Option<(i64, i64)> {
        self.span
    }

    pub fn memory_bytes(&self) -> usize {
        self.sorted
            .as_ref()
            .map_or(0, |s| s.capacity() * size_of::<u32>())
            + self.carried.capacity() * size_of::<(u32, i64)>()
    }

    /// Frees what the order does not need: a permutation grown by merges.
    pub fn shrink_to_fit(&mut self) {
        if let Some(sorted) = &mut self.sorted {
            sorted.shrink_to_fit();
        }
    }
}

impl TimeOrder {
    /// Puts any set of rows in time order, ties in row order: the order kept.
    pub fn sort_rows(&self, rows: &mut [u32], time: &[i64]) {
        let key = |r: u32| (self.key(time, r), r);
        if !rows.is_sorted_by_key(|&r| key(r)) {
            rows.sort_unstable_by_key(|&r| key(r));
        }
    }

    /// Two lists of rows, each in time order, as one.
    pub fn merge_lists(&self, a: Vec<u32>, b: Vec<u32>, time: &[i64]) -> Vec<u32> {
        if b.is_empty() {
            return a;
        }
        if a.is_empty() {
            return b;
        }
        let key = |r: u32| (self.key(time, r), r);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if key(b[j]) < key(a[i]) {
                out.push(b[j]);
                j += 1;
            } else {
                out.push(a[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
