//! The events of a shared query's answer told apart here, by the same plans that read local
//! files: each row's `@message` read as an audit record, with the time, stream and group
//! CloudWatch gave it, and fed to the plan of each detection of the batch whose literals it
//! holds (the [`Sieve`] of the one pass over files). A detection's hits are the rows its plan
//! keeps, in the answer's order: newest first, the order it gets running alone.

use std::borrow::Cow;

use crate::audit::decode::{Depth, decode_event};
use crate::audit::formats::{AuditRecord, Format, SystemFields};
use crate::engine::finding::HitRef;
use crate::engine::sieve::Sieve;
use crate::insights::exec::{DEFAULT_ROW_CAP, Plan, QueryResult, Run};
use crate::insights::value::Value;
use crate::source::cloudwatch::parse_aws_time;

use super::query::field;

/// The source half of the `@ptr` a row's record gets here; its offset is the row's place.
const ROW_SOURCE: &str = "row";

/// A hit without an audit ID, named by where CloudWatch keeps its event.
pub fn by_ptr(ptr: Option<String>) -> HitRef {
    HitRef::At(ptr.map_or("where: unknown".into(), |p| format!("@ptr {p}")))
}

/// The hits of each plan (planned to answer `@ptr`, as [`Plan::with_ptr`]) among `rows`, a
/// shared query's answer as AWS gave it.
pub fn classify(plans: &[&Plan], rows: &[Vec<(String, String)>]) -> Vec<Vec<HitRef>> {
    let required: Vec<Vec<Vec<String>>> = plans.iter().map(|p| p.required_literals()).collect();
    let sieve = Sieve::new(&required);
    let mut sifted = sieve.scratch();
    let mut runs: Vec<Chunked<'_>> = plans.iter().map(|p| Chunked::new(p)).collect();
    for (at, row) in rows.iter().enumerate() {
        let value = |name: &str| {
            row.iter()
                .find(|(f, _)| f == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let message = value("@message").as_bytes();
        if !sieve.sift(message, &mut sifted) {
            continue;
        }
        // A message that is not an audit event is judged on its text all the same, as
        // CloudWatch judged it.
        let event = decode_event(message, Depth::Classify).unwrap_or_default();
        let record = AuditRecord {
            event,
            message,
            original: message,
            system: SystemFields {
                // CloudWatch's time, which ordered the answer; else the event's own.
                timestamp_ms: parse_aws_time(value("@timestamp")),
                ingestion_time_ms: None,
                log_stream: Cow::Borrowed(value("@logStream")),
                log_group: Cow::Borrowed(value("@log")),
                event_id: None,
                source_id: ROW_SOURCE,
                offset: at as u64,
            },
            format: Format::CloudWatchJson,
            line: at as u64 + 1,
        };
        for (run, open) in runs.iter_mut().zip(&sifted.open) {
            if *open {
                run.push(&record, rows);
            }
        }
    }
    runs.into_iter().map(|run| run.finish(rows)).collect()
}

/// A plan's run over an answer, started afresh after every [`DEFAULT_ROW_CAP`] records: a
/// query without a `limit` keeps at most that many rows, as CloudWatch's does, while a
/// detection's hits in an answer split past the cap may be more. Records come newest first, the
/// plan's own order, so each run's rows follow the last run's.
struct Chunked<'p> {
    plan: &'p Plan,
    run: Run<'p>,
    fed: usize,
    hits: Vec<HitRef>,
}

impl<'p> Chunked<'p> {
    fn new(plan: &'p Plan) -> Chunked<'p> {
        Chunked {
            plan,
            run: plan.start(),
            fed: 0,
            hits: Vec::new(),
        }
    }

    fn push(&mut self, record: &AuditRecord<'_>, rows: &[Vec<(String, String)>]) {
        // A record makes at most one row: a plan that makes more does not share a query.
        let _ = self.run.push(record);
        self.fed += 1;
        if self.fed == DEFAULT_ROW_CAP {
            let full = std::mem::replace(&mut self.run, self.plan.start());
            let result = full.finish();
            self.hits.extend(hit_refs(&result, self.plan, rows));
            self.fed = 0;
        }
    }

    fn finish(mut self, rows: &[Vec<(String, String)>]) -> Vec<HitRef> {
        let result = self.run.finish();
        self.hits.extend(hit_refs(&result, self.plan, rows));
        self.hits
    }
}

/// What names each row of a plan's answer: its audit ID, else the `@ptr` CloudWatch gave its
/// row of the shared answer.
fn hit_refs(result: &QueryResult, plan: &Plan, rows: &[Vec<(String, String)>]) -> Vec<HitRef> {
    let id_column = result.columns.iter().position(|c| c == "auditID");
    let ptr_column = plan.ptr_column();
    result
        .rows
        .iter()
        .map(|r| match id_column.and_then(|c| r.get(c)) {
            Some(Value::Str(id)) if !id.is_empty() => HitRef::AuditId(id.to_string()),
            _ => by_ptr(
                ptr_column
                    .and_then(|c| r.get(c))
                    .and_then(row_of)
                    .and_then(|at| rows.get(at))
                    .and_then(|row| field(row, "@ptr")),
            ),
        })
        .collect()
}

/// The answer's row a record's `@ptr` (as made here) stands for.
fn row_of(ptr: &Value) -> Option<usize> {
    let Value::Str(ptr) = ptr else { return None };
    let (source, at) = ptr.rsplit_once(':')?;
    (source == ROW_SOURCE).then(|| at.parse().ok()).flatten()
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
