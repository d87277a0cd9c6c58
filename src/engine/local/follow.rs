//! Following files as they grow, from where loading them stopped: a few polls a second, each
//! round's events from every file in time order. The console puts them into the store; the
//! command line prints them.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::audit::decode::Depth;
use crate::audit::formats::ScanReport;
use crate::engine::event::Report;
use crate::source::local::{FollowStart, Follower};

const POLL: Duration = Duration::from_millis(250);

/// A file to follow, from the byte offset where loading it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub path: PathBuf,
    pub from: u64,
}

/// One event that arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrived {
    /// Read only when the depth asked for reads it.
    pub time_ms: Option<i64>,
    pub raw: Vec<u8>,
    /// The record the event was read out of (an AKS record, a SIEM's wrapper), what an export
    /// writes; `None` when the record is the event.
    pub original: Option<Vec<u8>>,
    /// A cut event, no longer whole JSON.
    pub truncated: bool,
}

/// What one poll of every file found.
#[derive(Debug, Default)]
pub struct Round {
    /// In time order; events of the same time keep the order of the files.
    pub events: Vec<Arrived>,
    /// One per file polled: what could not be read of what arrived.
    pub reports: Vec<ScanReport>,
}

/// Follows `files`, each event read at `depth`, handing each round to `on_round` until it
/// says to stop, `stop` is set, or no file could be followed. A file that cannot be followed,
/// or read on a poll, is reported and the others go on.
pub fn follow(
    files: &[Followed],
    depth: Depth,
    report: &Report,
    stop: &AtomicBool,
    mut on_round: impl FnMut(Round) -> ControlFlow<()>,
) {
    let mut followers = Vec::new();
    for f in files {
        match Follower::open(&f.path, FollowStart::After(f.from)) {
            Ok(follower) => followers.push(follower),
            Err(e) => report.failed(&format!("cannot follow: {e}")),
        }
    }
    if followers.is_empty() {
        return;
    }
    // The first round says the tail has begun, whatever it holds.
    while !stop.load(Ordering::Relaxed) {
        let mut round = Round::default();
        for f in &mut followers {
            let polled = f.poll(depth, |record| {
                round.events.push(Arrived {
                    time_ms: record.system.timestamp_ms,
                    raw: record.message.to_vec(),
                    original: record.format.unwrapped().then(|| record.original.to_vec()),
                    truncated: record.event.truncated,
                });
                ControlFlow::Continue(())
            });
            match polled {
                Ok(r) => round.reports.push(r),
                Err(e) => report.failed(&format!("following {}: {e}", f.name())),
            }
        }
        // Stable: events of the same time keep the order of the files.
        round.events.sort_by_key(|e| e.time_ms.unwrap_or(i64::MIN));
        if on_round(round).is_break() {
            return;
        }
        std::thread::sleep(POLL);
    }
}
