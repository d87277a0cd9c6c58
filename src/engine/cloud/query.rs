//! A query in CloudWatch Logs Insights, every step in one place: the range in whole seconds as
//! StartQuery takes them, the answer split past AWS's row cap and joined (`run_split`), and the
//! rows made the engine's values. The command line's query and detections and the console's
//! queries all run here.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::fleet_status::TargetNote;
use crate::engine::compile::Compiled;
use crate::engine::event::Progress;
use crate::insights::exec::QueryResult;
use crate::source::cloudwatch::{
    CloudError, CloudQuery, Logs, Order, QueryStats, Reading, answer_from_rows, reading, run_split,
};
use crate::store::EventStore;

/// The range `start_ms`..`end_ms` in whole seconds, as StartQuery takes them: the start rounded
/// down, the end up, so that the events of its last second count.
pub fn whole_seconds(start_ms: i64, end_ms: i64) -> (i64, i64) {
    (start_ms.div_euclid(1000), (end_ms + 999).div_euclid(1000))
}

/// What the answer lacks, and how it was got: for the one who shows it to say so.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudFacts {
    /// Summed over the parts kept.
    pub stats: QueryStats,
    /// StartQuery calls made: more than one only when the range was split.
    pub queries: usize,
    /// Ranges (`start_s`, `end_s`) too short to cut that still returned the cap: some of their
    /// events are missing.
    pub uncovered: Vec<(i64, i64)>,
    /// An answer that could not be split came back with the cap, and why it could not be.
    pub capped: Option<String>,
    /// Stopped at the most rows asked for ([`CloudFacts::max_rows`]).
    pub stopped_at_max: bool,
    pub max_rows: usize,
    pub cancelled: bool,
    /// The range was read oldest first: what stopping at the most rows left out is newer.
    pub oldest_first: bool,
    /// Over a fleet, how each account and region's part ended; empty over one.
    pub targets: Vec<TargetNote>,
}

impl CloudFacts {
    /// Every row of the query's answer is here.
    pub fn complete(&self) -> bool {
        self.uncovered.is_empty()
            && self.capped.is_none()
            && !self.stopped_at_max
            && !self.cancelled
    }
}

/// A query's answer from CloudWatch.
#[derive(Debug, Clone)]
pub struct CloudAnswer {
    /// The rows as the engine's values, `@ptr` left out unless the query names it.
    pub result: QueryResult,
    /// The rows as AWS gave them, `(field, value)` pairs.
    pub rows: Vec<Vec<(String, String)>>,
    /// The answer is rows of events (no `stats` groups).
    pub events: bool,
    pub facts: CloudFacts,
}

impl CloudAnswer {
    /// Per row, where CloudWatch keeps its event (`@ptr`).
    pub fn ptrs(&self) -> Vec<Option<String>> {
        self.rows.iter().map(|r| field(r, "@ptr")).collect()
    }

    /// Per row, the store row of its event among those held, by audit ID.
    pub fn tie(&self, held: &EventStore) -> Vec<Option<u32>> {
        if !self.events {
            return Vec::new();
        }
        tie_rows(&self.rows, held)
    }
}

/// Per row of events, the store row of its event among those held, by audit ID.
pub fn tie_rows(rows: &[Vec<(String, String)>], held: &EventStore) -> Vec<Option<u32>> {
    let mut by_id: HashMap<&str, u32> = HashMap::with_capacity(held.len());
    for row in 0..held.len() as u32 {
        if let Some(id) = audit_id(held.raw(row)) {
            by_id.insert(id, row);
        }
    }
    rows.iter()
        .map(|r| {
            let message = r.iter().find(|(f, _)| f == "@message")?;
            by_id.get(audit_id(message.1.as_bytes())?).copied()
        })
        .collect()
}

/// A field of a row as AWS gave it, when it has a value.
pub fn field(row: &[(String, String)], name: &str) -> Option<String> {
    row.iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
}

/// The audit ID in an event's text.
fn audit_id(text: &[u8]) -> Option<&str> {
    let at = memchr::memmem::find(text, b"\"auditID\":\"")? + 11;
    let end = memchr::memchr(b'"', &text[at..])?;
    std::str::from_utf8(&text[at..at + end]).ok()
}

/// Where and how much to read.
#[derive(Debug, Clone)]
pub struct CloudRange<'a> {
    pub groups: &'a [String],
    /// Epoch milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    /// Past the cap, at most this many rows are fetched.
    pub max_rows: usize,
}

/// Runs `compiled` (compiled for CloudWatch) over `range`, telling `progress` how it goes; a
/// cancel stops it in the account (StopQuery) and answers what CloudWatch had found.
pub async fn run<L: Logs>(
    logs: &L,
    compiled: &Compiled,
    range: &CloudRange<'_>,
    mut progress: impl FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<CloudAnswer, CloudError> {
    let started = Instant::now();
    let (start_s, end_s) = whole_seconds(range.start_ms, range.end_ms);
    let query = CloudQuery {
        groups: range.groups.to_vec(),
        start_s,
        end_s,
        text: compiled.text().to_string(),
    };
    let parsed = compiled.query();
    let mut run = run_split(
        logs,
        &query,
        parsed,
        range.max_rows,
        |p| {
            progress(Progress {
                records_scanned: p.part.records_scanned as u64,
                bytes_scanned: p.part.bytes_scanned as u64,
                bytes_total: None,
                queries: p.queries,
                rows: p.rows,
                elapsed_ms: started.elapsed().as_millis() as u64,
            })
        },
        cancel,
    )
    .await?;
    let reading = reading(parsed);
    let rows = std::mem::take(&mut run.rows);
    // The engine's own cap note would say to add a `limit`, which CloudWatch's cap does not heed:
    // the facts say what is true.
    let result = answer_from_rows(&rows, run.stats, compiled.text().contains("@ptr"), false);
    Ok(CloudAnswer {
        result,
        rows,
        events: matches!(reading, Reading::Split(_)) || !compiled.has_stats(),
        facts: CloudFacts {
            stats: run.stats,
            queries: run.queries,
            uncovered: run.uncovered,
            capped: run.capped,
            stopped_at_max: run.stopped_at_max,
            max_rows: range.max_rows,
            cancelled: run.cancelled,
            oldest_first: reading == Reading::Split(Order::OldestFirst),
            targets: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_widened_to_whole_seconds() {
        assert_eq!(whole_seconds(1_000, 2_000), (1, 2));
        // The start's second is taken in, and so is the end's.
        assert_eq!(whole_seconds(1_999, 2_001), (1, 3));
        // Before 1970 too: rounding is toward the past for the start, the future for the end.
        assert_eq!(whole_seconds(-1_500, -1_500), (-2, -1));
    }

    #[test]
    fn audit_ids_are_read_from_the_text() {
        assert_eq!(
            audit_id(br#"{"kind":"Event","auditID":"a-1","x":1}"#),
            Some("a-1")
        );
        assert_eq!(audit_id(b"{}"), None);
    }
}
