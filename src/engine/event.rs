//! How the engine tells whoever asked what is happening while it works: its own event type, so
//! that it never names the console's messages or the command line's printing. The console's
//! runner turns each into a message; the command line prints what it wants of them.

use std::sync::Arc;

/// Something the engine has to tell while it works. Answers (a query's, the findings, a fetched
/// record) are not events: they are what the work returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Events went into the store (loading, or the tail).
    Loaded(LoadProgress),
    /// How the live tail is doing.
    Tail(TailStatus),
    /// How far a running query has got.
    Progress(Progress),
    /// Detections answered so far, of all.
    Detected { done: usize, of: usize },
    /// Something the user should know that stops nothing (a live tail session reconnecting).
    Note(String),
    /// Something failed; the work goes on where it can. Made safe to show.
    Failed(String),
    /// AWS turned the credentials down or did not answer: the work waits until the user asks to
    /// retry (having refreshed them). The text says what to do.
    WaitingForRetry(String),
}

/// How far loading has got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadProgress {
    pub events: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Lines that could not be read as audit events, so far.
    pub problems: u64,
    pub done: bool,
}

/// The live tail.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TailStatus {
    /// Events added to the store by the tail, in all.
    pub added: u64,
    /// Over the last few seconds.
    pub per_second: f64,
    /// Waiting while the tail is paused.
    pub buffered: usize,
    /// Dropped because the pause buffer was full.
    pub dropped: u64,
    pub paused: bool,
    /// CloudWatch is sampling the live tail: some events are not sent.
    pub sampled: bool,
    /// CloudWatch sampled it at some time: events are missing even once it stops.
    pub was_sampled: bool,
}

/// A running query's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub records_scanned: u64,
    pub bytes_scanned: u64,
    /// The inputs' size, when known, for a percentage.
    pub bytes_total: Option<u64>,
    /// In CloudWatch: the queries started so far (more than one once the range is split), and
    /// the rows kept of those answered.
    pub queries: usize,
    pub rows: usize,
    pub elapsed_ms: u64,
}

/// Where the engine's events go. Cheap to clone; `send` says whether anyone still listens, so
/// that work done only to report (a progress ticker) can stop.
#[derive(Clone)]
pub struct Report(Arc<dyn Fn(Event) -> bool + Send + Sync>);

impl Report {
    pub fn new(to: impl Fn(Event) -> bool + Send + Sync + 'static) -> Report {
        Report(Arc::new(to))
    }

    /// Nobody listens: for runs whose events nobody shows (tests, benches).
    pub fn nowhere() -> Report {
        Report::new(|_| true)
    }

    pub fn send(&self, event: Event) -> bool {
        (self.0)(event)
    }

    /// Says that something failed, made safe to show.
    pub fn failed(&self, text: &str) {
        self.send(Event::Failed(crate::text::sanitize(text).into_owned()));
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Report")
    }
}
