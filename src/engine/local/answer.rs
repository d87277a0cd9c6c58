//! A local query's answer: the inputs read, and, for the console, each row of events tied to its
//! row in the store through the `@ptr` the plan added.

use std::borrow::Borrow;
use std::time::Instant;

use crate::audit::time::TimeRange;
use crate::engine::compile::Compiled;
use crate::engine::source::{Answer, AnswerFacts, LocalFacts};
use crate::insights::exec::{Plan, QueryResult};
use crate::insights::value::Value;
use crate::source::local::LocalInput;
use crate::store::EventStore;

use super::read::{ReadOptions, ReaderFailed, read};

/// Reads `inputs` into `compiled` and answers. `started`: when the run began, for the time it
/// took.
pub fn answer<I: Borrow<LocalInput>>(
    compiled: &Compiled,
    range: TimeRange,
    inputs: impl IntoIterator<Item = I>,
    options: &ReadOptions,
    started: Instant,
) -> Result<Answer, ReaderFailed> {
    let read = read(compiled, range, inputs, options)?;
    Ok(Answer {
        result: read.result,
        row_of: Vec::new(),
        ptrs: Vec::new(),
        events: compiled.plan().and_then(Plan::ptr_column).is_some(),
        cancelled: read.cancelled,
        elapsed_ms: started.elapsed().as_millis() as u64,
        facts: AnswerFacts::Local(LocalFacts {
            unreadable: Vec::new(),
            reports: read.reports,
            unseen: read.unseen,
        }),
    })
}

/// Ties each row of `answer` (of `compiled`) to the store row of its event, and takes off the
/// `@ptr` column the plan added.
pub fn tie(compiled: &Compiled, answer: &mut Answer, store: &EventStore) {
    if let Some(plan) = compiled.plan() {
        answer.row_of = tie_rows(plan, &mut answer.result, store);
    }
}

fn tie_rows(plan: &Plan, result: &mut QueryResult, store: &EventStore) -> Vec<Option<u32>> {
    let Some(column) = plan.ptr_column() else {
        return Vec::new();
    };
    // One look through the store for every row's pointer (a row with none names "").
    let ptrs = result.rows.iter().map(|row| match row.get(column) {
        Some(Value::Str(ptr)) => &ptr[..],
        _ => "",
    });
    let row_of = store.rows_of_ptrs(ptrs);
    plan.drop_added_ptr(result);
    row_of
}
