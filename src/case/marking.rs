//! Marks and the events held: what a mark keeps of a held event, and which held events the
//! marks of a case name when it is opened again.

use super::journal::{EventRef, Original};
use crate::audit::time::{format_millis_utc, parse_rfc3339_micros};
use crate::audit::{Depth, decode_event};
use crate::store::EventStore;

/// What a mark keeps of the held event at `row`: where to find it again, and its bytes as read
/// (the whole record it came in: an AKS record, a SIEM's wrapper).
pub fn held_event(held: &EventStore, row: u32) -> (EventRef, Original) {
    let event = EventRef {
        audit_id: audit_id(held, row),
        ptr: held.ptr(row),
        time: held.time_ms(row).map(|ms| format_millis_utc(ms * 1000)),
        source: held.source_name(row).map(str::to_string),
    };
    (event, Original::of(held.original(row)))
}

fn audit_id(held: &EventStore, row: u32) -> Option<String> {
    decode_event(held.raw(row), Depth::Minimal)
        .ok()
        .and_then(|e| e.audit_id.map(|id| id.into_owned()))
}

/// For each reference, the row of the held event it names, when one is held: the event at its
/// `@ptr` when that event has the reference's `auditID` (a file written again may hold another
/// event there), else the event of its `auditID` at its time. Two looks through the rows,
/// whatever the number of references.
pub fn find_held(held: &EventStore, refs: &[&EventRef]) -> Vec<Option<u32>> {
    let ptrs: Vec<&str> = refs
        .iter()
        .map(|r| r.ptr.as_deref().unwrap_or(""))
        .collect();
    let mut found = held.rows_of_ptrs(ptrs);
    for (slot, r) in found.iter_mut().zip(refs) {
        if let (Some(row), Some(id)) = (*slot, &r.audit_id)
            && audit_id(held, row).as_deref() != Some(id.as_str())
        {
            *slot = None;
        }
    }
    let by_time: Vec<(usize, i64)> = refs
        .iter()
        .enumerate()
        .filter(|(i, r)| found[*i].is_none() && r.audit_id.is_some())
        .filter_map(|(i, r)| Some((i, parse_rfc3339_micros(r.time.as_deref()?)? / 1000)))
        .collect();
    let times: Vec<i64> = by_time.iter().map(|(_, t)| *t).collect();
    for ((i, _), rows) in by_time.iter().zip(held.rows_at_times(&times)) {
        found[*i] = rows
            .into_iter()
            .find(|&row| audit_id(held, row) == refs[*i].audit_id);
    }
    found
}

#[cfg(test)]
#[path = "marking_tests.rs"]
mod tests;
