//! One trait for a source of events: local files and the demo, CloudWatch Logs (GKE and AKS
//! files will be one more). The console's runner and the command line choose a source once and
//! then ask it, never `if cloud { … } else { … }`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::engine::cloud::{CloudFacts, Cluster};
use crate::engine::compile::{Compiled, Target};
use crate::engine::event::Report;
use crate::engine::finding::{Detection, Finding};
use crate::engine::intake::TailControl;
use crate::insights::diag::Diagnostic;
use crate::insights::exec::QueryResult;
use crate::source::cloudwatch::CloudError;

use super::SharedStore;

/// Work a source does: a future, boxed so that sources can be chosen at run time.
pub type Work<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A query to run.
#[derive(Debug)]
pub struct QueryJob {
    /// Compiled for [`EventSource::target`].
    pub compiled: Compiled,
    /// Unbounded ends are the source's own (CloudWatch: from where it starts reading, to now).
    pub range: TimeRange,
    /// Set to stop the run: the answer then holds what was read (in CloudWatch, StopQuery is
    /// sent).
    pub cancel: Arc<AtomicBool>,
    /// The events held, to tie each row of events to its row in the store.
    pub tie_to: Option<SharedStore>,
}

/// A query's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Without an `@ptr` column the engine added itself.
    pub result: QueryResult,
    /// Per row, the store row of its event, when tied and held.
    pub row_of: Vec<Option<u32>>,
    /// Per row, where CloudWatch keeps its event (`@ptr`), to fetch one not held; empty for
    /// local answers.
    pub ptrs: Vec<Option<String>>,
    /// The answer is rows of events (no `stats` groups).
    pub events: bool,
    /// Stopped by a cancel: the answer holds what was read until then.
    pub cancelled: bool,
    pub elapsed_ms: u64,
    /// What the answer lacks, and how it was got, for whoever shows it to word.
    pub facts: AnswerFacts,
}

/// What only one kind of source can tell of an answer.
#[derive(Debug, Clone)]
pub enum AnswerFacts {
    Local(LocalFacts),
    Cloud(CloudFacts),
}

/// Of an answer read from local inputs.
#[derive(Debug, Clone, Default)]
pub struct LocalFacts {
    /// Inputs that could not be opened, each said in full: the answer is of the others.
    pub unreadable: Vec<String>,
    /// One per input read: what could not be read in it.
    pub reports: Vec<ScanReport>,
    /// Fields the query reads that no event read had.
    pub unseen: Vec<Diagnostic>,
}

/// Why a query gave no answer.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The inputs, or the events held, could not be read. Not made safe to show yet.
    Reading(String),
    /// CloudWatch refused or failed.
    Cloud(CloudError),
}

impl std::fmt::Display for Failure {
    /// Not made safe to show: the text may hold what the inputs held.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Reading(why) => f.write_str(why),
            Failure::Cloud(e) => e.fmt(f),
        }
    }
}

/// The findings of every detection asked for, and what could not be read in the inputs (the
/// same for each detection: told once).
#[derive(Debug, Clone, Default)]
pub struct Detected {
    pub findings: Vec<Finding>,
    pub reports: Vec<ScanReport>,
}

/// What a source reads: its files (the paths as given, `-` for standard input, `demo`), and
/// the CloudWatch log groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadFrom {
    pub files: Vec<String>,
    pub log_groups: Vec<String>,
}

/// A source of audit events.
pub trait EventSource: Send + Sync {
    /// How it is named in the console's title.
    fn name(&self) -> String;

    /// What it reads, as a case records a query's sources.
    fn read_from(&self) -> ReadFrom {
        ReadFrom::default()
    }

    /// The text a query is sent as, from the text the user wrote: a fleet asks a `stats` once
    /// per cluster, so `by @cluster` (and `@account`, `@region`) is each answer already.
    fn query_text(&self, text: &str) -> String {
        text.to_string()
    }

    /// How a query for it is compiled; `tied`: its rows of events are to be tied to the events
    /// held (the console's table).
    fn target(&self, tied: bool) -> Target;

    /// Its queries run elsewhere and are billed by the bytes they scan: stopping one must tell
    /// the account (Ctrl-C on the command line).
    fn remote(&self) -> bool {
        false
    }

    /// After loading, new events are followed into the store ([`EventSource::tail`]).
    fn follows(&self) -> bool;

    /// It reads nothing until a cluster is picked ([`EventSource::clusters`],
    /// [`EventSource::with_clusters`]).
    fn needs_cluster(&self) -> bool {
        false
    }

    /// Reads its events into the store, telling how far it has got ([`super::Event::Loaded`],
    /// the last one `done`).
    fn load<'a>(&'a self, store: &'a SharedStore, report: &'a Report) -> Work<'a, ()>;

    /// Follows it from where loading stopped, new events into the store (held back while
    /// `control.paused`), until `control.stop`.
    fn tail<'a>(
        &'a self,
        store: &'a SharedStore,
        control: &'a Arc<TailControl>,
        report: &'a Report,
    ) -> Work<'a, ()>;

    /// Runs a query, telling how far it has got ([`super::Event::Progress`]).
    fn query<'a>(&'a self, job: QueryJob, report: &'a Report) -> Work<'a, Result<Answer, Failure>>;

    /// Runs every detection over `range` ([`super::Event::Detected`] as each is answered).
    fn detect<'a>(
        &'a self,
        detections: &'a [Detection],
        range: TimeRange,
        report: &'a Report,
        cancel: &'a AtomicBool,
    ) -> Work<'a, Result<Detected, String>>;

    /// Fetches the whole event an answer row's `@ptr` points at into the store, and answers its
    /// row; `None` when every event is held already.
    fn fetch_record<'a>(
        &'a self,
        ptr: &'a str,
        store: &'a SharedStore,
    ) -> Work<'a, Option<Result<u32, String>>> {
        let _ = (ptr, store);
        Box::pin(async { None })
    }

    /// For an answer over a bounded `range` that matched nothing: where the events lie, when
    /// none of them is in the range (an old export read with `--since 1h`).
    fn explain_empty(&self, range: TimeRange) -> Option<String> {
        let _ = range;
        None
    }

    /// The clusters whose audit log it can read, for a picker.
    fn clusters<'a>(&'a self, report: &'a Report) -> Work<'a, Result<Vec<Cluster>, String>> {
        let _ = report;
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The same source over the picked clusters ([`Cluster::key`]).
    fn with_clusters(&self, keys: &[String]) -> Option<Arc<dyn EventSource>> {
        let _ = keys;
        None
    }

    /// The user says the credentials are refreshed: what waits for them tries again.
    fn retry(&self) {}
}
