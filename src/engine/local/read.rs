//! Reading local inputs into a compiled query, input after input as one timeline, to its answer:
//! the one loop every local run goes through (the command line, the console, the detections,
//! the fuzzers).

use std::borrow::Borrow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::engine::compile::Compiled;
use crate::insights::checker::unseen_field_warnings;
use crate::insights::diag::Diagnostic;
use crate::insights::exec::{FieldPresence, QueryResult};
use crate::source::local::{LocalInput, LocalQuery, QueryProgress};

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Set from elsewhere to stop at the next record; the answer then holds what was read.
    pub cancel: Arc<AtomicBool>,
    /// Counted as parts are read, for whoever shows how far the run has got.
    pub progress: Arc<QueryProgress>,
    /// Watch for the fields the audit event does not fix, to warn of those no event had. A run
    /// whose warnings nobody reads (a detection) leaves it off: watching can cost speed.
    pub watch_fields: bool,
}

/// What reading the inputs gave.
#[derive(Debug)]
pub struct LocalRead {
    pub result: QueryResult,
    /// One per input read: what could not be read in it.
    pub reports: Vec<ScanReport>,
    pub cancelled: bool,
    /// A `limit` was reached, or the run cancelled: the rest was not read.
    pub stopped_early: bool,
    /// Fields the query reads that no event read had: with an empty answer, most likely why.
    pub unseen: Vec<Diagnostic>,
}

/// A reader thread panicked: there is no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderFailed;

impl std::fmt::Display for ReaderFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a reader thread failed; there is no answer")
    }
}

/// Reads `inputs` into `compiled` (planned for that many inputs, [`Compiled::across_inputs`]),
/// until the last, a `limit` reached, or a cancel. Inputs may be opened as they are asked for,
/// so that no more than one is held when the caller does not hold them.
pub fn read<I: Borrow<LocalInput>>(
    compiled: &Compiled,
    range: TimeRange,
    inputs: impl IntoIterator<Item = I>,
    options: &ReadOptions,
) -> Result<LocalRead, ReaderFailed> {
    let Some(plan) = compiled.plan() else {
        // A query compiled for CloudWatch has no plan here: nothing is read, nothing answered.
        return Err(ReaderFailed);
    };
    let mut run = LocalQuery::new(plan, range)
        .cancel_on(options.cancel.clone())
        .report_to(options.progress.clone());
    let unsure = compiled.unsure();
    let presence =
        (options.watch_fields && !unsure.is_empty()).then(|| Arc::new(FieldPresence::new(unsure)));
    if let Some(p) = &presence {
        run = run.watch(p.clone());
    }
    let mut reports = Vec::new();
    let mut stopped_early = false;
    for input in inputs {
        let report = run.read(input.borrow()).map_err(|_| ReaderFailed)?;
        let stopped = report.stopped_early;
        reports.push(report);
        if stopped {
            stopped_early = true;
            break;
        }
        if run.cancelled() {
            break;
        }
    }
    let cancelled = run.cancelled();
    let result = run.finish();
    let stopped_early = stopped_early || cancelled;
    let unseen = match &presence {
        Some(p) => unseen_field_warnings(
            unsure,
            &p.unseen(),
            result.statistics.records_scanned,
            stopped_early,
        ),
        None => Vec::new(),
    };
    Ok(LocalRead {
        result,
        reports,
        cancelled,
        stopped_early,
        unseen,
    })
}

/// Runs `work`, calling `tick` every `every` meanwhile on a thread of its own (until `tick` says
/// no one listens); the ticking stops the moment the work is done.
pub fn ticking<T>(every: Duration, tick: impl Fn() -> bool + Send, work: impl FnOnce() -> T) -> T {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // A disconnect (the work is over) ends the wait at once, not at the next tick.
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(every) {
                if !tick() {
                    break;
                }
            }
        });
        let out = work();
        drop(done);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compile::{Target, compile};
    use crate::source::local::path_origin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn event(id: &str, at: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","verb":"get","stageTimestamp":"{at}"}}"#
        )
    }

    fn input(name: &str, events: &[String]) -> LocalInput {
        LocalInput::from_vec(path_origin(name.as_ref()), events.join("\n").into_bytes())
    }

    #[test]
    fn several_inputs_are_one_timeline_and_each_is_reported() {
        let a = input("a", &[event("a1", "2026-11-02T08:00:03Z")]);
        let b = input(
            "b",
            &[
                event("b1", "2026-11-02T08:00:01Z"),
                event("b2", "2026-11-02T08:00:05Z"),
            ],
        );
        let mut compiled = compile("fields auditID", Target::Local).expect("compiles");
        compiled.across_inputs(2);
        let read = read(
            &compiled,
            TimeRange::default(),
            [&a, &b],
            &ReadOptions::default(),
        )
        .expect("read");
        let ids: Vec<String> = read.result.rows.iter().map(|r| r[0].display()).collect();
        assert_eq!(ids, ["b1", "a1", "b2"]);
        assert_eq!(read.reports.len(), 2);
        assert!(!read.stopped_early && !read.cancelled);
    }

    #[test]
    fn fields_no_event_had_are_told_only_when_watched() {
        let a = input("a", &[event("a1", "2026-11-02T08:00:03Z")]);
        let b = input("b", &[event("b1", "2026-11-02T08:00:04Z")]);
        let compiled = compile("filter user.nme = 'x'", Target::Local).expect("ok");
        let options = ReadOptions {
            watch_fields: true,
            ..ReadOptions::default()
        };
        let read = read(&compiled, TimeRange::default(), [&a, &b], &options).expect("read");
        assert_eq!(read.unseen.len(), 1, "{:?}", read.unseen);
        // Unwatched, nothing is said.
        let quiet = super::read(
            &compiled,
            TimeRange::default(),
            [&a],
            &ReadOptions::default(),
        )
        .expect("read");
        assert!(quiet.unseen.is_empty());
    }

    #[test]
    fn ticking_stops_when_the_work_is_done() {
        let ticks = AtomicUsize::new(0);
        let started = std::time::Instant::now();
        let out = ticking(
            Duration::from_secs(5),
            || {
                ticks.fetch_add(1, Ordering::Relaxed);
                true
            },
            || 7,
        );
        assert_eq!(out, 7);
        assert_eq!(ticks.load(Ordering::Relaxed), 0);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "waited for a tick"
        );
    }
}
