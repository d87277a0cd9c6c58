//! The live tail: followed files are polled a few times a second on a worker thread; new events
//! go into the store, or, while the tail is paused, into a bounded buffer that counts what it had
//! to drop.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{LoadProgress, Msg, TailStatus};
use super::runner::SharedStore;
use crate::audit::decode::Depth;
use crate::source::local::{FollowStart, Follower};

/// Events held while paused; past this the oldest held ones are dropped and counted.
pub const PAUSE_BUFFER: usize = 100_000;
const POLL: Duration = Duration::from_millis(250);
/// The rate is measured over this long.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// A file to follow, from the byte offset where loading it stopped.
#[derive(Debug, Clone)]
pub struct Followed {
    pub path: PathBuf,
    pub from: u64,
}

/// Shared between the console (which pauses) and the tail thread.
#[derive(Debug, Default)]
pub struct TailControl {
    pub paused: AtomicBool,
    pub stop: AtomicBool,
}

/// Follows `files` until `control.stop` is set, telling the console what arrived.
pub fn run(
    files: Vec<Followed>,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
    control: Arc<TailControl>,
) {
    let mut followers = Vec::new();
    for f in &files {
        match Follower::open(&f.path, FollowStart::After(f.from)) {
            Ok(follower) => followers.push(follower),
            Err(e) => {
                let _ = tx.send(Msg::Failed(format!("cannot follow: {e}")));
            }
        }
    }
    if followers.is_empty() {
        return;
    }
    let mut intake = Intake::default();
    let _ = tx.send(Msg::Tail(intake.status.clone()));
    while !control.stop.load(Ordering::Relaxed) {
        let mut new: Vec<Vec<u8>> = Vec::new();
        let mut reports = Vec::new();
        for f in &mut followers {
            match f.poll(Depth::Classify, |record| {
                new.push(record.message.to_vec());
                std::ops::ControlFlow::Continue(())
            }) {
                Ok(report) => reports.push(report),
                Err(e) => {
                    let _ = tx.send(Msg::Failed(format!("following {}: {e}", f.name())));
                }
            }
        }
        if !intake.offer(new, reports, &store, &tx, &control) {
            return;
        }
        std::thread::sleep(POLL);
    }
}

/// Where tailed events go: into the store, or held while paused (the oldest dropped and counted
/// past [`PAUSE_BUFFER`]), with the rate measured and the console told.
#[derive(Debug, Default)]
pub struct Intake {
    pub status: TailStatus,
    held: VecDeque<Vec<u8>>,
    arrivals: VecDeque<(Instant, u64)>,
}

impl Intake {
    /// Takes what arrived (event texts, and reports of what could not be read); false when the
    /// store is gone.
    pub fn offer(
        &mut self,
        new: Vec<Vec<u8>>,
        reports: Vec<crate::audit::formats::ScanReport>,
        store: &SharedStore,
        tx: &UnboundedSender<Msg>,
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
                for raw in self.held.drain(..) {
                    // The follower read these and reported what was wrong with any of them (a
                    // cut event, with its file and line) in the reports kept below.
                    let _ = store.push_reported(&raw);
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
            let _ = tx.send(Msg::Loaded(progress));
        }
        self.status.added += added;
        self.status.per_second = in_window as f64 / RATE_WINDOW.as_secs_f64();
        self.status.buffered = self.held.len();
        self.status.paused = paused;
        let _ = tx.send(Msg::Tail(self.status.clone()));
        true
    }
}
