//! The rows as columns: one vector per field, ids into interners for the strings, and where each
//! event's text is. Used both for the store and for a part being read on a worker, whose local
//! ids are remapped when it is merged.

use super::Facet;
use super::intern::{ABSENT, Interner};
use crate::audit::event::Event;
use crate::audit::formats::Provenance;

/// Facets in [`Facet::ALL`].
pub(super) const FACETS: usize = Facet::ALL.len();

/// The time column's "no time": no event time is that far in the past.
pub(super) const NO_TIME: i64 = i64::MIN;

/// Set in a raw address when the text is in owned bytes (the store's arena, a batch's own
/// bytes) rather than in an input.
pub(super) const OWNED: u64 = 1 << 63;

/// HTTP has a few dozen codes in use; a log with more is odd, and its rest are formatted.
const MAX_CACHED_CODES: usize = 64;

pub(super) const TRUNCATED: u8 = 1;
pub(super) const DENIED: u8 = 2;
/// The event was read out of a larger record (an AKS record, a SIEM's wrapper): the record is
/// the JSON object that starts at the row's origin.
pub(super) const WRAPPED: u8 = 4;

/// One row's ids, before it is pushed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub time: i64,
    pub facets: [u32; FACETS],
    pub name: u32,
    pub flags: u8,
}

/// The columns, one entry per row in each.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    pub time: Vec<i64>,
    pub facets: [Vec<u32>; FACETS],
    pub name: Vec<u32>,
    pub flags: Vec<u8>,
    /// Where the event's text starts: an address in the inputs, or [`OWNED`] | an arena offset.
    pub raw_at: Vec<u64>,
    /// Its length. An event past 4 GiB would be cut here; no input format allows one.
    pub raw_len: Vec<u32>,
    /// Where the record starts (the offset of its `@ptr`): in the store, an address in the
    /// inputs as for `raw_at`, or [`NO_ORIGIN`]; in a batch, its offset in its input. A pushed
    /// row whose record is more than its event ([`WRAPPED`]) has the record copied to the
    /// arena, and its origin is that [`OWNED`] address.
    pub origin: Vec<u64>,
}

/// The origin of a row that has no input (pushed one by one).
pub(super) const NO_ORIGIN: u64 = u64::MAX;

impl Columns {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn push(&mut self, row: Row, raw_at: u64, raw_len: usize, origin: u64) {
        if self.spare() == 0 {
            // Rows pushed one by one (a followed file) after a load that fitted the columns to
            // its size: doubling a million-row store for each new event would hold twice the
            // memory it needs.
            self.reserve_exact(self.len() / 8 + 1024);
        }
        self.time.push(row.time);
        for (column, id) in self.facets.iter_mut().zip(row.facets) {
            column.push(id);
        }
        self.name.push(row.name);
        self.flags.push(row.flags);
        self.raw_at.push(raw_at);
        self.raw_len
            .push(u32::try_from(raw_len).unwrap_or(u32::MAX));
        self.origin.push(origin);
    }

    /// Appends `other`'s rows in `rows`, their ids translated by `remap`, their raw addresses by
    /// `address` and their origins moved by `origin_base`.
    pub fn extend_remapped(
        &mut self,
        other: &Columns,
        rows: std::ops::Range<usize>,
        remap: &Remap,
        address: impl Fn(u64) -> u64,
        origin_base: u64,
    ) {
        self.time.extend_from_slice(&other.time[rows.clone()]);
        for ((column, from), map) in self.facets.iter_mut().zip(&other.facets).zip(&remap.facets) {
            column.extend(from[rows.clone()].iter().map(|id| map[*id as usize]));
        }
        self.name.extend(
            other.name[rows.clone()]
                .iter()
                .map(|id| remap.name[*id as usize]),
        );
        self.flags.extend_from_slice(&other.flags[rows.clone()]);
        self.raw_at
            .extend(other.raw_at[rows.clone()].iter().map(|at| address(*at)));
        self.raw_len.extend_from_slice(&other.raw_len[rows.clone()]);
        self.origin
            .extend(other.origin[rows].iter().map(|o| o + origin_base));
    }

    /// Appends rows picked from several batches, `(batch, row)` in order, column by column: the
    /// ids translated by each batch's remap, raw addresses and origins placed by its base (and
    /// its arena, for owned texts).
    pub fn extend_gathered(&mut self, from: &[GatherFrom<'_>], picks: &[(u32, u32)]) {
        let at = |&(b, r): &(u32, u32)| (&from[b as usize], r as usize);
        self.time
            .extend(picks.iter().map(at).map(|(g, r)| g.columns.time[r]));
        for (f, column) in self.facets.iter_mut().enumerate() {
            column.extend(
                picks
                    .iter()
                    .map(at)
                    .map(|(g, r)| g.remap.facets[f][g.columns.facets[f][r] as usize]),
            );
        }
        self.name.extend(
            picks
                .iter()
                .map(at)
                .map(|(g, r)| g.remap.name[g.columns.name[r] as usize]),
        );
        self.flags
            .extend(picks.iter().map(at).map(|(g, r)| g.columns.flags[r]));
        self.raw_at.extend(picks.iter().map(at).map(|(g, r)| {
            let raw = g.columns.raw_at[r];
            match raw & OWNED {
                0 => g.base + raw,
                _ => raw + g.arena,
            }
        }));
        self.raw_len
            .extend(picks.iter().map(at).map(|(g, r)| g.columns.raw_len[r]));
        self.origin.extend(
            picks
                .iter()
                .map(at)
                .map(|(g, r)| g.columns.origin[r] + g.base),
        );
    }

    /// Makes room for `more` rows exactly: a load knows about how many are coming, and growing
    /// by doubling would leave up to half the columns unused.
    pub fn reserve_exact(&mut self, more: usize) {
        self.time.reserve_exact(more);
        for column in &mut self.facets {
            column.reserve_exact(more);
        }
        self.name.reserve_exact(more);
        self.flags.reserve_exact(more);
        self.raw_at.reserve_exact(more);
        self.raw_len.reserve_exact(more);
        self.origin.reserve_exact(more);
    }

    /// Rows that fit without growing.
    pub fn spare(&self) -> usize {
        // Every column grows together; the narrowest says the least.
        self.flags.capacity() - self.flags.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.time.shrink_to_fit();
        for column in &mut self.facets {
            column.shrink_to_fit();
        }
        self.name.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.raw_at.shrink_to_fit();
        self.raw_len.shrink_to_fit();
        self.origin.shrink_to_fit();
    }

    pub fn memory_bytes(&self) -> usize {
        self.time.capacity() * size_of::<i64>()
            + self
                .facets
                .iter()
                .map(|c| c.capacity() * size_of::<u32>())
                .sum::<usize>()
            + self.name.capacity() * size_of::<u32>()
            + self.flags.capacity()
            + self.raw_at.capacity() * size_of::<u64>()
            + self.raw_len.capacity() * size_of::<u32>()
            + self.origin.capacity() * size_of::<u64>()
    }
}

/// A batch rows are gathered from (see [`Columns::extend_gathered`]).
pub(super) struct GatherFrom<'a> {
    pub columns: &'a Columns,
    pub remap: &'a Remap,
    /// Where its input starts among the inputs laid back to back.
    pub base: u64,
    /// Where its owned texts start in the store's arena.
    pub arena: u64,
}

/// Local ids to the store's, per facet and for names; index 0 ([`ABSENT`]) maps to itself.
#[derive(Debug)]
pub(super) struct Remap {
    facets: [Vec<u32>; FACETS],
    name: Vec<u32>,
}

/// The interners of every string column.
#[derive(Debug, Clone, Default)]
pub(super) struct Interners {
    pub facets: [Interner; FACETS],
    pub name: Interner,
    /// Response codes seen, with their ids: a code is interned as text, and formatting each one
    /// would cost more than the rest of the row.
    codes: Vec<(i64, u32)>,
    /// Where `resource/subresource` is put together, not allocated per event.
    scratch: String,
}

impl Interners {
    /// The row of one event; `time_ms` is the record's `@timestamp`.
    ///  `from` is where the record says it was written, when there is a record.
    pub fn row(
        &mut self,
        event: &Event<'_>,
        time_ms: Option<i64>,
        from: Option<&Provenance<'_>>,
    ) -> Row {
        let object = event.object_ref.as_ref();
        let code = event.code();
        let decision = event.decision();
        let mut facets = [ABSENT; FACETS];
        for facet in Facet::ALL {
            let f = &mut self.facets[facet.index()];
            facets[facet.index()] = match facet {
                Facet::User => f.intern_opt(event.username()),
                Facet::Impersonated => f.intern_opt(
                    event
                        .impersonated_user
                        .as_ref()
                        .and_then(|u| u.username.as_deref()),
                ),
                Facet::SourceIp => f.intern_opt(event.source_ips.first().map(|ip| ip.as_ref())),
                Facet::Verb => f.intern_opt(event.verb()),
                Facet::Resource => match object.map(|o| (&o.resource, &o.subresource)) {
                    Some((Some(resource), Some(sub))) => {
                        self.scratch.clear();
                        self.scratch.push_str(resource);
                        self.scratch.push('/');
                        self.scratch.push_str(sub);
                        f.intern(&self.scratch)
                    }
                    Some((resource, _)) => f.intern_opt(resource.as_deref()),
                    None => ABSENT,
                },
                Facet::Namespace => f.intern_opt(object.and_then(|o| o.namespace.as_deref())),
                Facet::Code => match code {
                    Some(code) => match self.codes.iter().find(|(c, _)| *c == code) {
                        Some((_, id)) => *id,
                        None => {
                            let id = f.intern(&code.to_string());
                            if self.codes.len() < MAX_CACHED_CODES {
                                self.codes.push((code, id));
                            }
                            id
                        }
                    },
                    None => ABSENT,
                },
                Facet::Decision => f.intern_opt(decision),
                Facet::UserAgent => f.intern_opt(event.user_agent.as_deref()),
                Facet::Source => f.intern_opt(from.map(|p| p.cloud.name())),
                Facet::Cluster => f.intern_opt(from.and_then(|p| p.cluster.as_deref())),
                Facet::Account => f.intern_opt(from.and_then(|p| p.account.as_deref())),
                Facet::Region => f.intern_opt(from.and_then(|p| p.region.as_deref())),
            };
        }
        let name = self.name.intern_opt(object.and_then(|o| o.name.as_deref()));
        let mut flags = 0;
        if event.truncated {
            flags |= TRUNCATED;
        }
        if matches!(code, Some(401 | 403)) || decision == Some("forbid") {
            flags |= DENIED;
        }
        Row {
            time: time_ms.unwrap_or(NO_TIME),
            facets,
            name,
            flags,
        }
    }

    /// Takes in every value of `local`, saying which id each now has.
    pub fn absorb(&mut self, local: &Interners) -> Remap {
        let map = |into: &mut Interner, from: &Interner| {
            let mut ids = Vec::with_capacity(from.len());
            ids.push(ABSENT);
            ids.extend(from.iter().map(|(_, value)| into.intern(value)));
            ids
        };
        let mut facets: [Vec<u32>; FACETS] = Default::default();
        for (i, ids) in facets.iter_mut().enumerate() {
            *ids = map(&mut self.facets[i], &local.facets[i]);
        }
        let name = map(&mut self.name, &local.name);
        Remap { facets, name }
    }

    pub fn shrink_to_fit(&mut self) {
        for i in &mut self.facets {
            i.shrink_to_fit();
        }
        self.name.shrink_to_fit();
    }

    pub fn memory_bytes(&self) -> usize {
        self.facets
            .iter()
            .map(Interner::memory_bytes)
            .sum::<usize>()
            + self.name.memory_bytes()
            + self.codes.capacity() * size_of::<(i64, u32)>()
    }
}
