//! Events held in memory for the console: compact columns, interned strings, facet counts and a
//! timeline.
//!
//! An [`EventStore`] keeps, per event, only what the results table, the facets and the timeline
//! need (about 69 bytes: a time, nine facet ids, a name id, two flags, where the event's text
//! is, and where its record starts, which a query's `@ptr` names), and finds the text itself in
//! the memory-mapped input when the detail view or an export asks for it. An event read out of
//! a larger record (an AKS record, a SIEM's wrapper) is flagged, and its record, which an export
//! writes, is the JSON object found again at its start: no more is kept for it. Strings are interned
//! per column, so a filter resolves its values to ids once and compares integers.
//!
//! A [`StoreLoader`] reads inputs in parts on several threads; each part is indexed with its
//! own interners, and the parts of every input are merged into one timeline (`merge`), so a
//! folder of streams reads as one log and a console can show the first rows while the rest is
//! read ([`load_shared`]). Events that arrive later (a followed file, CloudWatch) are pushed one
//! by one and their text is kept in an append-only arena; the time order (`order`) puts any
//! that arrive out of order in place.
//!
//! [`EventStore::filter`] picks rows by facet values, time and text, in time order;
//! [`EventStore::facet_counts`] counts the values of a set of rows; [`EventStore::histogram`]
//! spreads them over time.

use crate::audit::formats::{Cloud, Provenance, provenance};
use std::collections::HashMap;
use std::sync::Arc;

use crate::audit::decode::{DecodeError, DecodeErrorKind, Depth, decode_event};
use crate::audit::event::Event;
use crate::audit::formats::{AuditRecord, Format, NotAuditData, Problem, ProblemKind, ScanReport};
use crate::source::local::LocalInput;

mod batch;
mod columns;
mod facets;
mod filter;
mod histogram;
mod intern;
mod load;
mod merge;
mod order;
mod par;
pub use par::over_chunks;
mod sort;
#[cfg(test)]
mod testing;

pub use batch::{Batch, Progress};
pub use facets::FacetCounts;
pub use filter::{FilterSet, search_words};
pub use histogram::{Bucket, Histogram};
pub use load::{PART_BYTES, StoreLoader, load_shared, load_shared_with};
pub use sort::SortKey;

use columns::{Columns, DENIED, Interners, NO_ORIGIN, NO_TIME, OWNED, TRUNCATED, WRAPPED};

/// A column the console counts values of and filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    /// `user.username`. Filtering on it matches either identity of a request: who sent it, or
    /// whom it impersonated.
    User,
    /// `impersonatedUser.username`: whom the request was made as.
    Impersonated,
    /// The first of `sourceIPs`: the client as the API server saw it.
    SourceIp,
    Verb,
    /// `objectRef.resource`, with its subresource as the command line writes it (`pods/exec`):
    /// an exec is not a read of a pod.
    Resource,
    /// `objectRef.namespace`.
    Namespace,
    /// `responseStatus.code`, as text (`"403"`).
    Code,
    /// The `authorization.k8s.io/decision` annotation (`allow`, `forbid`).
    Decision,
    UserAgent,
    /// `@source`: the service that wrote the event (`eks`, `gke`, `aks`, `k8s`).
    Source,
    /// `@cluster`, where the record or its log group names it.
    Cluster,
    /// `@account`: the AWS account, GCP project or Azure subscription, where named.
    Account,
    /// `@region`: the AWS region a fleet's event was read in, GKE's location.
    Region,
}

impl Facet {
    /// Every facet, in the order the console lists them.
    pub const ALL: [Facet; 13] = [
        Facet::User,
        Facet::Impersonated,
        Facet::SourceIp,
        Facet::Verb,
        Facet::Resource,
        Facet::Namespace,
        Facet::Code,
        Facet::Decision,
        Facet::UserAgent,
        Facet::Source,
        Facet::Cluster,
        Facet::Account,
        Facet::Region,
    ];

    /// How the facet is named on screen.
    pub fn label(self) -> &'static str {
        match self {
            Facet::User => "user",
            Facet::Impersonated => "impersonated",
            Facet::SourceIp => "source IP",
            Facet::Verb => "verb",
            Facet::Resource => "resource",
            Facet::Namespace => "namespace",
            Facet::Code => "code",
            Facet::Decision => "decision",
            Facet::UserAgent => "user agent",
            Facet::Source => "source",
            Facet::Cluster => "cluster",
            Facet::Account => "account",
            Facet::Region => "region",
        }
    }

    /// Its position in [`Facet::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One input whose bytes rows point into.
#[derive(Debug)]
struct StoredInput {
    /// Where the input starts in the address space of raw texts: the inputs back to back.
    base: u64,
    input: Arc<LocalInput>,
}

/// Where an event read from an EKS cluster's audit log group in CloudWatch was written, as the
/// console names it: its cluster (over a fleet, told apart from another of the same name), and
/// the account and region it was read in, when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub cluster: String,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Origin {
    fn provenance(&self) -> Provenance<'_> {
        use std::borrow::Cow::Borrowed;
        Provenance {
            cloud: Cloud::Eks,
            cluster: Some(Borrowed(&self.cluster)),
            account: self.account.as_deref().map(Borrowed),
            region: self.region.as_deref().map(Borrowed),
        }
    }
}

/// The name of the report that counts what [`EventStore::push_owned`] could not read.
pub const APPENDED: &str = "appended events";

/// Events in memory. A row number is an event's place in the order read, across everything
/// loaded or pushed, and never changes; [`EventStore::filter`] answers in time order.
#[derive(Debug, Default)]
pub struct EventStore {
    columns: Columns,
    /// The rows in @timestamp order, ties in the order read.
    order: order::TimeOrder,
    interners: Interners,
    inputs: Vec<StoredInput>,
    next_base: u64,
    /// The text of events that are not in an input: pushed ones, and messages a format had to
    /// unescape (CloudWatch JSON).
    arena: Vec<u8>,
    reports: Vec<ScanReport>,
    /// The report of pushed events in `reports`, once there is one.
    appended: Option<usize>,
    /// Where the events pushed by [`EventStore::push_record`] are in their source: per source
    /// id, `(offset, row)` in the order pushed.
    pushed: Vec<(String, Vec<(u64, u32)>)>,
}

impl EventStore {
    /// Events held.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.columns.len() == 0
    }

    /// The event's `@timestamp` in epoch ms (its `stageTimestamp` for raw audit lines); `None`
    /// when it has none or `row` is past the end.
    pub fn time_ms(&self, row: u32) -> Option<i64> {
        let t = *self.columns.time.get(row as usize)?;
        (t != NO_TIME).then_some(t)
    }

    /// The event's value of a facet (`Code` as `"403"`); `None` when it has none.
    pub fn value(&self, row: u32, facet: Facet) -> Option<&str> {
        let id = *self.columns.facets[facet.index()].get(row as usize)?;
        self.interners.facets[facet.index()].get(id)
    }

    /// `objectRef.name`.
    pub fn name(&self, row: u32) -> Option<&str> {
        let id = *self.columns.name.get(row as usize)?;
        self.interners.name.get(id)
    }

    /// The event's text exactly as read (for raw audit lines, the line without its line end);
    /// empty past the end.
    pub fn raw(&self, row: u32) -> &[u8] {
        let row = row as usize;
        let (Some(&at), Some(&len)) = (self.columns.raw_at.get(row), self.columns.raw_len.get(row))
        else {
            return &[];
        };
        self.bytes_at(at, Some(len as usize)).unwrap_or_default()
    }

    /// The record the event was read from, byte for byte, what an export writes: the AKS record
    /// or the SIEM's wrapper around an unwrapped event, else the same as [`EventStore::raw`].
    pub fn original(&self, row: u32) -> &[u8] {
        let origin = self.columns.origin.get(row as usize).copied();
        match origin {
            Some(at) if self.flags(row) & WRAPPED != 0 && at != NO_ORIGIN => {
                // The record is one JSON object (or a GKE entry in YAML): its end is found again
                // rather than kept.
                self.bytes_at(at, None).unwrap_or_else(|| self.raw(row))
            }
            _ => self.raw(row),
        }
    }

    /// The bytes at a raw address (in the inputs, or [`OWNED`] in the arena): `len` of them, or
    /// the JSON value that starts there.
    fn bytes_at(&self, at: u64, len: Option<usize>) -> Option<&[u8]> {
        let (bytes, start) = if at & OWNED != 0 {
            (self.arena.as_slice(), (at & !OWNED) as usize)
        } else {
            let i = self.inputs.partition_point(|s| s.base <= at);
            let stored = self.inputs.get(i.wrapping_sub(1))?;
            (stored.input.bytes(), (at - stored.base) as usize)
        };
        let end = match len {
            Some(len) => start + len,
            None => crate::audit::formats::record_end(bytes, start)?,
        };
        bytes.get(start..end)
    }

    /// The event's `@ptr` (`<source id>:<byte offset>`), which [`EventStore::row_of_ptr`] finds
    /// again; `None` for an event pushed with no input behind it.
    pub fn ptr(&self, row: u32) -> Option<String> {
        let origin = *self.columns.origin.get(row as usize)?;
        if origin != NO_ORIGIN && origin & OWNED == 0 {
            let i = self.inputs.partition_point(|s| s.base <= origin);
            let stored = self.inputs.get(i.wrapping_sub(1))?;
            return Some(format!(
                "{}:{}",
                stored.input.origin().source_id,
                origin - stored.base
            ));
        }
        self.pushed.iter().find_map(|(source, pushed)| {
            let (offset, _) = pushed.iter().find(|(_, r)| *r == row)?;
            Some(format!("{source}:{offset}"))
        })
    }

    /// The name of the input the event was read from (the path as given, `demo`); `None` for
    /// an event pushed with no input behind it.
    pub fn source_name(&self, row: u32) -> Option<&str> {
        let origin = *self.columns.origin.get(row as usize)?;
        if origin == NO_ORIGIN || origin & OWNED != 0 {
            return None;
        }
        let i = self.inputs.partition_point(|s| s.base <= origin);
        Some(&self.inputs.get(i.wrapping_sub(1))?.input.origin().name)
    }

    /// How many inputs rows point into (pushed events, with none behind them, not counted).
    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// The row of the event at a query answer's `@ptr` (`<source id>:<byte offset>`), when the
    /// store holds it. One look through every row: for many, use [`EventStore::rows_of_ptrs`].
    pub fn row_of_ptr(&self, ptr: &str) -> Option<u32> {
        self.rows_of_ptrs([ptr]).pop().flatten()
    }

    /// The rows of the events at each of `times` (epoch ms), in the order read, in one look
    /// through the rows.
    pub fn rows_at_times(&self, times: &[i64]) -> Vec<Vec<u32>> {
        let mut found = vec![Vec::new(); times.len()];
        let mut wanted: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, &t) in times.iter().enumerate() {
            wanted.entry(t).or_default().push(i);
        }
        for (row, t) in self.columns.time.iter().enumerate() {
            if let Some(asked) = wanted.get(t) {
                for &i in asked {
                    found[i].push(row as u32);
                }
            }
        }
        found
    }

    /// [`EventStore::row_of_ptr`] of each pointer, in order, in one look through the rows.
    pub fn rows_of_ptrs<'a>(&self, ptrs: impl IntoIterator<Item = &'a str>) -> Vec<Option<u32>> {
        let ptrs: Vec<&str> = ptrs.into_iter().collect();
        let mut found = vec![None; ptrs.len()];
        // Loaded rows hold where their record starts among the inputs laid back to back.
        let mut wanted: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, ptr) in ptrs.iter().enumerate() {
            let Some((source, offset)) = ptr.rsplit_once(':') else {
                continue;
            };
            let Ok(offset) = offset.parse::<u64>() else {
                continue;
            };
            for stored in &self.inputs {
                if stored.input.origin().source_id == source
                    && offset < stored.input.bytes().len() as u64
                {
                    wanted.entry(stored.base + offset).or_default().push(i);
                }
            }
            if let Some((_, pushed)) = self.pushed.iter().find(|(s, _)| s == source) {
                // In file order, unless the file was cut and written again.
                let row = match pushed.binary_search_by_key(&offset, |(o, _)| *o) {
                    Ok(at) => Some(pushed[at].1),
                    Err(_) => pushed.iter().find(|(o, _)| *o == offset).map(|(_, r)| *r),
                };
                found[i] = found[i].or(row);
            }
        }
        if !wanted.is_empty() {
            for (row, origin) in self.columns.origin.iter().enumerate() {
                if let Some(asked) = wanted.get(origin) {
                    for &i in asked {
                        found[i] = Some(row as u32);
                    }
                }
            }
        }
        found
    }

    /// The event was cut short (CloudWatch keeps 256 KB of an entry): it holds what its prefix
    /// said.
    pub fn truncated(&self, row: u32) -> bool {
        self.flags(row) & TRUNCATED != 0
    }

    /// The request was refused: code 401 or 403, or the authorizer's decision `forbid`.
    pub fn denied(&self, row: u32) -> bool {
        self.flags(row) & DENIED != 0
    }

    fn flags(&self, row: u32) -> u8 {
        self.columns.flags.get(row as usize).copied().unwrap_or(0)
    }

    /// What each input held besides events (malformed lines, truncated events, …), one report per
    /// input in the order loaded, plus one named [`APPENDED`] once [`EventStore::push_owned`] has
    /// been used, and the reports given to [`EventStore::add_report`].
    pub fn problems(&self) -> &[ScanReport] {
        &self.reports
    }

    /// Problems counted over every report.
    pub fn problem_count(&self) -> u64 {
        self.reports.iter().map(ScanReport::problem_count).sum()
    }

    /// Every distinct value of a facet seen so far, in order of first appearance.
    pub fn values(&self, facet: Facet) -> impl Iterator<Item = &str> {
        self.interners.facets[facet.index()].iter().map(|(_, v)| v)
    }

    /// Heap bytes held by the columns, the interners and the arena; not the inputs, which are
    /// memory-mapped (or were read into memory before the store saw them).
    pub fn memory_bytes(&self) -> usize {
        self.columns.memory_bytes()
            + self.interners.memory_bytes()
            + self.arena.capacity()
            + self.inputs.capacity() * size_of::<StoredInput>()
            + self.reports.capacity() * size_of::<ScanReport>()
            + self.order.memory_bytes()
    }

    /// The earliest and the latest `@timestamp` held, when any event has one.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        self.order.span()
    }

    /// Puts rows in the order the console shows them: by time, ties in the order read.
    pub fn sort_by_time(&self, rows: &mut [u32]) {
        self.order.sort_rows(rows, &self.columns.time);
    }

    /// Merges into the time order the rows that arrived since the last merge (a live tail's
    /// round): reading stays right without it, and gets faster with it.
    pub fn settle(&mut self) {
        self.order.merge(&self.columns.time);
    }

    /// Takes note of rows just appended; `now` merges them into the time order at once.
    fn appended(&mut self, now: bool) {
        self.order.appended(&self.columns.time, now);
    }

    /// Appends one event found by a reader (a followed file's new lines): its text is copied, its
    /// time is the record's `@timestamp`. What the reader could not read is in its own report;
    /// give that to [`EventStore::add_report`]. Returns the new row.
    pub fn push_record(&mut self, record: &AuditRecord<'_>) -> u32 {
        let row = self.interners.row(
            &record.event,
            record.system.timestamp_ms,
            Some(&provenance(record)),
        );
        let mut row = row;
        let mut origin = NO_ORIGIN;
        if record.format.unwrapped() {
            row.flags |= WRAPPED;
            origin = self.keep_original(record.original);
        }
        let at = OWNED | self.arena.len() as u64;
        self.arena.extend_from_slice(record.message);
        self.columns.push(row, at, record.message.len(), origin);
        self.appended(false);
        let added = (self.columns.len() - 1) as u32;
        let source = record.system.source_id;
        match self.pushed.iter_mut().find(|(s, _)| s == source) {
            Some((_, rows)) => rows.push((record.system.offset, added)),
            None => self
                .pushed
                .push((source.to_string(), vec![(record.system.offset, added)])),
        }
        added
    }

    /// Appends one event given as its JSON text (one line of a followed log), decoded here and
    /// kept in the arena. A text that is not an audit event is counted in the [`APPENDED`]
    /// report and returned as the error; a cut one is kept, marked truncated, and counted there
    /// too.
    pub fn push_owned(&mut self, raw: &[u8]) -> Result<u32, DecodeError> {
        self.push(raw, true, None)
    }

    /// [`EventStore::push_owned`] of an event read from an EKS cluster's audit log group in
    /// CloudWatch: `cluster` is how the console names that cluster (its facet, the detail).
    pub fn push_owned_in(&mut self, raw: &[u8], origin: &Origin) -> Result<u32, DecodeError> {
        self.push(raw, true, Some(&origin.provenance()))
    }

    /// Appends one event whose reader already counted it and reported its problems in a report
    /// of its own (a followed file's poll, kept with [`EventStore::add_report`]): the same as
    /// [`EventStore::push_owned`], but nothing is counted twice.
    pub fn push_reported(&mut self, raw: &[u8]) -> Result<u32, DecodeError> {
        self.push(raw, false, None)
    }

    /// [`EventStore::push_reported`] of an event read out of a larger record (an AKS record, a
    /// SIEM's wrapper): the record is kept too, for [`EventStore::original`].
    pub fn push_reported_from(
        &mut self,
        raw: &[u8],
        original: Option<&[u8]>,
    ) -> Result<u32, DecodeError> {
        self.push_reported_in(raw, original, None)
    }

    /// [`EventStore::push_reported_from`] of an event from an EKS cluster's audit log group,
    /// when its origin is given ([`EventStore::push_owned_in`]).
    pub fn push_reported_in(
        &mut self,
        raw: &[u8],
        original: Option<&[u8]>,
        origin: Option<&Origin>,
    ) -> Result<u32, DecodeError> {
        let from = origin.map(Origin::provenance);
        let row = self.push(raw, false, from.as_ref())?;
        if let Some(original) = original {
            let i = row as usize;
            self.columns.origin[i] = self.keep_original(original);
            self.columns.flags[i] |= WRAPPED;
        }
        Ok(row)
    }

    /// Keeps a record in the arena, where [`EventStore::original`] finds its end again: a JSON
    /// record ends itself; a GKE entry in YAML is followed by a document end (`---`), as in the
    /// input it came from.
    fn keep_original(&mut self, original: &[u8]) -> u64 {
        let at = OWNED | self.arena.len() as u64;
        self.arena.extend_from_slice(original);
        if !matches!(original.first(), Some(b'{' | b'[' | b'"')) {
            self.arena.extend_from_slice(b"\n---\n");
        }
        at
    }

    fn push(
        &mut self,
        raw: &[u8],
        account: bool,
        from: Option<&Provenance<'_>>,
    ) -> Result<u32, DecodeError> {
        if !account && let Ok(event) = decode_event(raw, Depth::Table) {
            return Ok(self.keep_owned(raw, &event, from));
        }
        // Read, and what it lacks said, here: its reader passed it on, but it does not decode
        // as an event of the table.
        // Pushed texts have no input of their own: a problem's line is the push's ordinal and
        // its offset is counted over the texts pushed before, as if they were one input.
        let report = self.appended_report();
        let ordinal = self.reports[report].lines + 1;
        let offset = self.reports[report].bytes;
        self.reports[report].lines = ordinal;
        self.reports[report].bytes += raw.len() as u64;
        let event = match decode_event(raw, Depth::Table) {
            Ok(event) => event,
            Err(err) => {
                // As the line reader sees it: text that does not open an object is not JSON,
                // whatever word it starts with.
                let object = raw.trim_ascii_start().first() == Some(&b'{');
                let kind = match err.kind {
                    DecodeErrorKind::NotAnEvent(_) if object => ProblemKind::NotAuditEvent,
                    _ => ProblemKind::Malformed,
                };
                self.reports[report].add_problem(Problem {
                    line: ordinal,
                    column: err.column_in(raw) as u64,
                    offset: offset + err.offset as u64,
                    kind,
                    message: err.kind.to_string(),
                });
                return Err(err);
            }
        };
        let r = &mut self.reports[report];
        r.events += 1;
        match r.formats.iter_mut().find(|(f, _)| *f == Format::JsonLines) {
            Some((_, n)) => *n += 1,
            None => r.formats.push((Format::JsonLines, 1)),
        }
        if event.truncated {
            r.add_problem(Problem {
                line: ordinal,
                column: 1,
                offset,
                kind: ProblemKind::Truncated,
                message: format!(
                    "event cut short after {} bytes: kept what it holds",
                    raw.len()
                ),
            });
        }
        Ok(self.keep_owned(raw, &event, from))
    }

    /// The event's row, its text kept in the arena.
    fn keep_owned(&mut self, raw: &[u8], event: &Event<'_>, from: Option<&Provenance<'_>>) -> u32 {
        let time_ms = event.time_micros().map(|us| us.div_euclid(1000));
        let row = self.interners.row(event, time_ms, from);
        let at = OWNED | self.arena.len() as u64;
        self.arena.extend_from_slice(raw);
        self.columns.push(row, at, raw.len(), NO_ORIGIN);
        self.appended(false);
        (self.columns.len() - 1) as u32
    }

    /// Keeps a reader's report (a followed file's poll): added to the report of the same name,
    /// else kept as a new one. Its lines are taken as already counted from the input's start.
    pub fn add_report(&mut self, report: ScanReport) {
        match self.reports.iter_mut().find(|r| r.name == report.name) {
            Some(kept) => kept.absorb(report),
            None => self.reports.push(report),
        }
    }

    /// Takes back the verdict that the input of this name is empty or blank, for an input
    /// that is followed: it may only not have been written to yet.
    pub fn forgive_empty(&mut self, name: &str) {
        for report in self.reports.iter_mut().filter(|r| r.name == name) {
            if matches!(
                report.not_audit_data,
                Some(NotAuditData::Empty | NotAuditData::Blank)
            ) {
                report.not_audit_data = None;
            }
        }
    }

    fn appended_report(&mut self) -> usize {
        *self.appended.get_or_insert_with(|| {
            self.reports.push(ScanReport {
                name: APPENDED.to_string(),
                ..ScanReport::default()
            });
            self.reports.len() - 1
        })
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
