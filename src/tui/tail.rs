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
use crate::audit::decode::Detail;
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
    let mut status = TailStatus::default();
    let mut held: VecDeque<Vec<u8>> = VecDeque::new();
    let mut arrivals: VecDeque<(Instant, u64)> = VecDeque::new();
    let _ = tx.send(Msg::Tail(status.clone()));
    while !control.stop.load(Ordering::Relaxed) {
        let mut new: Vec<Vec<u8>> = Vec::new();
        let mut reports = Vec::new();
        for f in &mut followers {
            match f.poll(Detail::Classify, |record| {
                new.push(record.message.to_vec());
                std::ops::ControlFlow::Continue(())
            }) {
                Ok(report) => reports.push(report),
                Err(e) => {
                    let _ = tx.send(Msg::Failed(format!("following {}: {e}", f.name())));
                }
            }
        }
        let now = Instant::now();
        arrivals.push_back((now, new.len() as u64));
        while arrivals
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            arrivals.pop_front();
        }
        let in_window: u64 = arrivals.iter().map(|(_, n)| n).sum();
        let paused = control.paused.load(Ordering::Relaxed);
        held.extend(new);
        if paused {
            while held.len() > PAUSE_BUFFER {
                held.pop_front();
                status.dropped += 1;
            }
        }
        let problems = reports.iter().any(|r| !r.problems.is_empty());
        let mut added = 0;
        if (!paused && !held.is_empty()) || problems {
            let Ok(mut store) = store.write() else { return };
            if !paused {
                for raw in held.drain(..) {
                    // A line the store cannot read is counted in its report: nothing is lost.
                    let _ = store.push_owned(&raw);
                    added += 1;
                }
            }
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
        status.added += added;
        status.per_second = in_window as f64 / RATE_WINDOW.as_secs_f64();
        status.buffered = held.len();
        status.paused = paused;
        let _ = tx.send(Msg::Tail(status.clone()));
        std::thread::sleep(POLL);
    }
}
