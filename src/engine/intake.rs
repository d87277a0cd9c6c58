//! The one way events that arrive after loading (a followed file's, CloudWatch's live tail's) go
//! into the store: in, or, while the tail is paused, into a bounded buffer that counts what it
//! had to drop; the rate measured and the watcher told.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::audit::formats::ScanReport;
use crate::engine::SharedStore;
use crate::engine::event::{Event, LoadProgress, Report, TailStatus};
use crate::store::Origin;

/// Events held while paused; past this the oldest held ones are dropped and counted.
pub const PAUSE_BUFFER: usize = 100_000;
/// The rate is measured over this long.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// Shared between the one who pauses (the console) and the tail.
#[derive(Debug, Default)]
pub struct TailControl {
    pub paused: AtomicBool,
    pub stop: AtomicBool,
}

/// One event that arrived: its text, the record it was read out of when that is more than the
/// event, and where it was written when its reader knows (a CloudWatch log group's cluster).
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    pub text: Vec<u8>,
    pub original: Option<Vec<u8>>,
    pub origin: Option<Arc<Origin>>,
}

/// Where tailed events go: into the store, or held while paused (the oldest dropped and counted
/// past [`PAUSE_BUFFER`]), with the rate measured and the watcher told.
#[derive(Debug, Default)]
pub struct Intake {
    pub status: TailStatus,
    held: VecDeque<Arrival>,
    arrivals: VecDeque<(Instant, u64)>,
}

impl Intake {
    /// Takes what arrived (event texts, and reports of what could not be read); false when the
    /// store is gone.
    pub fn offer(
        &mut self,
        new: Vec<Arrival>,
        reports: Vec<ScanReport>,
        store: &SharedStore,
        report: &Report,
        control: &TailControl,
    ) -> bool {
        let now = Instant::now();
        self.arrivals.push_back((now, new.len() as u64));
        while self
            .arrivals
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            self.arrivals.pop_front();
        }
        let in_window: u64 = self.arrivals.iter().map(|(_, n)| n).sum();
        let paused = control.paused.load(Ordering::Relaxed);
        self.held.extend(new);
        if paused {
            while self.held.len() > PAUSE_BUFFER {
                self.held.pop_front();
                self.status.dropped += 1;
            }
        }
        let problems = reports.iter().any(|r| !r.problems.is_empty());
        let mut added = 0;
        if (!paused && !self.held.is_empty()) || problems {
            let Ok(mut store) = store.write() else {
                return false;
            };
            if !paused {
                for a in self.held.drain(..) {
                    // The follower read these and reported what was wrong with any of them (a
                    // cut event, with its file and line) in the reports kept below.
                    let _ =
                        store.push_reported_in(&a.text, a.original.as_deref(), a.origin.as_deref());
                    added += 1;
                }
            }
            // Several files, or an event written late: the round joins the timeline in place.
            store.settle();
            for report in reports.into_iter().filter(|r| !r.problems.is_empty()) {
                store.add_report(report);
            }
            let progress = LoadProgress {
                events: store.len(),
                problems: store.problem_count(),
                done: true,
                ..LoadProgress::default()
            };
            drop(store);
            report.send(Event::Loaded(progress));
        }
        self.status.added += added;
        self.status.per_second = in_window as f64 / RATE_WINDOW.as_secs_f64();
        self.status.buffered = self.held.len();
        self.status.paused = paused;
        report.send(Event::Tail(self.status.clone()));
        true
    }
}
