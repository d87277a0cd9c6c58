//! Many records fetched whole from where an answer's rows point (`@ptr`), a few at a time: an
//! answer of CloudWatch may hold only some fields of each event, and what keeps an event as
//! evidence needs all of its bytes.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{self, StreamExt};

use super::SharedStore;
use super::source::EventSource;

/// Fetches at once: enough to hide the round trips, few enough to stay well inside the calls a
/// second an account is allowed (GetLogRecord is throttled per account and region).
pub const FETCH_AT_ONCE: usize = 8;

/// Each of `ptrs` fetched whole into `store` ([`EventSource::fetch_record`]), at most `at_once`
/// at a time, answered in the order given: the store row of its event, or why it is not there.
/// `fetched` is told how many have been answered after each. Once `cancel` is set, no fetch
/// is started: those left are answered as stopped.
pub async fn fetch_records(
    source: &dyn EventSource,
    ptrs: &[String],
    store: &SharedStore,
    at_once: usize,
    cancel: &AtomicBool,
    mut fetched: impl FnMut(usize),
) -> Vec<Result<u32, String>> {
    let mut answers: Vec<Result<u32, String>> = vec![Err("not fetched".to_string()); ptrs.len()];
    let mut fetches = stream::iter(ptrs.iter().enumerate())
        .map(|(i, ptr)| async move {
            if cancel.load(Ordering::Relaxed) {
                return (i, Err("not fetched: stopped (Ctrl-C)".to_string()));
            }
            let row = source.fetch_record(ptr, store).await.unwrap_or_else(|| {
                Err("its source keeps no record to fetch (every event is held)".to_string())
            });
            (i, row)
        })
        .buffer_unordered(at_once.max(1));
    let mut done = 0;
    while let Some((i, row)) = fetches.next().await {
        answers[i] = row;
        done += 1;
        fetched(done);
    }
    answers
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
