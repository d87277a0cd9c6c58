//! What the engine answers and tells, as the console's messages: a query's answer worded for the
//! status line (what it lacks first), a failure, a progress report.

use std::sync::Arc;
use std::time::Instant;

use super::msg::{Msg, QueryAnswer, QueryFailure, Ticket};
use super::query::RunStats;
use crate::audit::time::TimeRange;
use crate::engine::cloud::price::PriceFrom;
use crate::engine::cloud::{CloudFacts, places, refresh_advice, status_words};
use crate::engine::compile::{Target, compile, first_error};
use crate::engine::local::LocalInput;
use crate::engine::local::{self, ReadOptions};
use crate::engine::{Answer, AnswerFacts, Event, Failure, LocalFacts, Progress};
use crate::store::EventStore;
use crate::text::sanitize;

/// A query text that did not compile: the editor shows where.
pub fn refused(diagnostics: &[crate::insights::diag::Diagnostic]) -> QueryFailure {
    QueryFailure {
        message: first_error(diagnostics),
        in_query: true,
    }
}

/// The engine's answer as the console shows it; `warnings`: the compiler's, one line each.
pub fn answered(answer: Answer, warnings: Vec<String>) -> Result<QueryAnswer, QueryFailure> {
    // What the answer lacks first: the status line shows the first note.
    let mut notes = match &answer.facts {
        AnswerFacts::Local(facts) => local_notes(facts)?,
        AnswerFacts::Cloud(facts) => cloud_notes(facts),
    };
    notes.extend(warnings);
    Ok(QueryAnswer {
        result: answer.result,
        row_of: answer.row_of,
        events: answer.events,
        elapsed_ms: answer.elapsed_ms,
        cancelled: answer.cancelled,
        warnings: notes,
        ptrs: answer.ptrs,
        held: None,
        asked: Default::default(),
    })
}

/// An input that could no longer be opened fails the run: the table would be short of its
/// events with nothing to say so.
fn local_notes(facts: &LocalFacts) -> Result<Vec<String>, QueryFailure> {
    if let Some(first) = facts.unreadable.first() {
        return Err(QueryFailure {
            message: first.clone(),
            in_query: false,
        });
    }
    // Fields no event had: with an empty answer, most likely why.
    Ok(facts
        .unseen
        .iter()
        .map(|d| sanitize(&d.one_line()).into_owned())
        .collect())
}

fn cloud_notes(facts: &CloudFacts) -> Vec<String> {
    let mut notes = fleet_notes(facts);
    if let Some(why) = &facts.capped {
        notes.push(format!(
            "CloudWatch returned its cap of 10,000 rows and this query cannot be split by time ({why}), so there may be more"
        ));
    }
    if !facts.uncovered.is_empty() {
        notes.push(format!(
            "{} ranges of a second or two hold more than CloudWatch's 10,000 rows: some of their events are missing",
            facts.uncovered.len()
        ));
    }
    if facts.stopped_at_max {
        notes.push(format!(
            "stopped at {}: the rest of the range was not read",
            crate::text::count(facts.max_rows, "row")
        ));
    }
    if facts.queries > 1 {
        notes.push(format!(
            "past CloudWatch's 10,000-row cap, the range was split into {}",
            crate::text::count(facts.queries, "query")
        ));
    }
    notes
}

/// Over a fleet: each account and region whose part is not complete, first, then how many
/// were, and what the query scanned and cost.
fn fleet_notes(facts: &CloudFacts) -> Vec<String> {
    if facts.targets.is_empty() {
        return Vec::new();
    }
    let mut notes: Vec<String> = facts
        .targets
        .iter()
        .filter(|t| !t.result.complete() || t.result.throttled > 0)
        .map(|t| {
            sanitize(&format!(
                "{}: {}",
                t.label,
                status_words(&t.result, t.role.as_deref())
            ))
            .into_owned()
        })
        .collect();
    let complete = facts.targets.iter().filter(|t| t.result.complete()).count();
    let mut cost = 0.0;
    let mut unpriced = false;
    let mut users = false;
    for t in &facts.targets {
        match t.cost {
            Some((c, from)) => {
                cost += c;
                users |= from == PriceFrom::User;
            }
            None => unpriced = true,
        }
    }
    notes.push(format!(
        "{complete} of {} complete · {:.1} MB scanned · ${cost:.4}{}",
        places(facts.targets.len()),
        facts.stats.bytes_scanned / 1e6,
        match (unpriced, users) {
            (true, _) => " and regions whose price is unknown",
            (false, true) => " (some at your prices)",
            (false, false) => "",
        }
    ));
    notes
}

pub fn failed(failure: Failure) -> QueryFailure {
    let message = match failure {
        Failure::Reading(message) => message,
        Failure::Cloud(e) if e.is_credentials() => refresh_advice(&e, "run the query again"),
        Failure::Cloud(e) => e.to_string(),
    };
    QueryFailure {
        message,
        in_query: false,
    }
}

/// The compiler's warnings, one line each, made safe to show.
pub fn warnings_of(compiled: &crate::engine::Compiled) -> Vec<String> {
    compiled
        .warnings()
        .iter()
        .map(|d| sanitize(&d.message).into_owned())
        .collect()
}

/// The message for what the engine tells, where the console shows it; `ticket`: the query it
/// is about, if any.
pub fn message(event: Event, ticket: Option<Ticket>) -> Option<Msg> {
    match event {
        Event::Loaded(progress) => Some(Msg::Loaded(progress)),
        Event::Tail(status) => Some(Msg::Tail(status)),
        Event::Progress(p) => ticket.map(|ticket| Msg::QueryProgress {
            ticket,
            stats: running(p),
        }),
        Event::Detected { .. } => None,
        Event::Note(text) | Event::Failed(text) => Some(Msg::Failed(text)),
        Event::WaitingForRetry(text) => Some(Msg::WaitingForRetry(text)),
    }
}

fn running(p: Progress) -> RunStats {
    RunStats {
        records_scanned: p.records_scanned,
        records_matched: None,
        bytes_scanned: p.bytes_scanned,
        bytes_total: p.bytes_total,
        elapsed_ms: p.elapsed_ms,
        running: true,
    }
}

/// The answer of `text` over `inputs`, on this thread, tied to `store`: for tests and benches.
pub fn answer_now(
    text: &str,
    range: TimeRange,
    inputs: &[Arc<LocalInput>],
    store: &EventStore,
) -> Result<QueryAnswer, QueryFailure> {
    let started = Instant::now();
    let mut compiled = compile(text, Target::LocalTied).map_err(|d| refused(&d))?;
    compiled.across_inputs(inputs.len());
    let options = ReadOptions {
        watch_fields: true,
        ..ReadOptions::default()
    };
    let mut answer = local::answer(
        &compiled,
        range,
        inputs.iter().map(|i| &**i),
        &options,
        started,
    )
    .map_err(|e| failed(Failure::Reading(e.to_string())))?;
    local::tie(&compiled, &mut answer, store);
    answered(answer, warnings_of(&compiled))
}
