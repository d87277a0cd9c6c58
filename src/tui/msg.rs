//! Everything that can happen to the console, as one message type.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use super::detail::DetailData;
use super::query::RunStats;
use crate::export::ExportSummary;
use crate::insights::exec::QueryResult;
use crate::store::{Facet, FacetCounts, Histogram};

/// A number that ties a piece of background work to the request that started it: a reply whose
/// ticket is not the latest is stale and dropped.
pub type Ticket = u64;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// About four times a second: the elapsed time of running work moves on.
    Tick,
    /// Events were added to the store (loading or tailing).
    Loaded(LoadProgress),
    /// How the live tail is doing.
    Tail(TailStatus),
    /// A filter's answer.
    Filtered(Box<Filtered>),
    /// The decoded detail of one event.
    Detail {
        row: u32,
        data: Box<DetailData>,
    },
    Exported(Result<ExportSummary, ExportFailure>),
    /// How far the running query has got.
    QueryProgress {
        ticket: Ticket,
        stats: RunStats,
    },
    /// The query's answer, or why there is none.
    QueryDone {
        ticket: Ticket,
        outcome: Result<Box<QueryAnswer>, QueryFailure>,
    },
    /// Something in the background failed; the message is for the status line.
    Failed(String),
    /// AWS turned the credentials down or did not answer: the work waits until the user asks to
    /// retry (`Effect::RetryCloud`), having refreshed them. The message says what to do.
    WaitingForRetry(String),
    /// Every detection's hits among the events held so far, counted over a time range.
    Found(FoundMsg),
    /// The clusters found in CloudWatch Logs, for the picker.
    Clusters(Result<Vec<super::clusters::ClusterItem>, String>),
    /// The clusters picked are being read: how the source is named now.
    Opened(String),
    /// The loaded events' field names, gathered since `Effect::IndexFields`.
    FieldNames(super::field_names::FieldNames),
    /// An answer row's event, fetched from CloudWatch (GetLogRecord) into the store.
    RecordFetched {
        ticket: Ticket,
        index: usize,
        row: Result<u32, String>,
        /// A mark to make of it once it is held (`m` or Space on a row not held).
        mark: Option<super::case_entries::Mark>,
    },
    /// The case asked for is open: its marks, found among the events held where they are.
    CaseOpened(Result<Box<super::case_entries::OpenedCase>, String>),
    /// An entry of the case's journal is on disk, or could not be written.
    CaseKept(Box<super::case_entries::CaseKept>),
    /// Which of these marks' events are held now.
    MarksFound {
        marks: Vec<super::case_entries::Elsewhere>,
        rows: Vec<Option<u32>>,
    },
}

/// What the detections found so far, or why they cannot run.
pub type FoundMsg = Result<Box<super::found::Found>, String>;

/// How far loading has got, and how the live tail is doing: the engine's own figures, shown as
/// they are.
pub use crate::engine::{LoadProgress, TailStatus};

/// The rows that pass the active filters, with what the facets and the timeline show of them.
#[derive(Debug, Clone)]
pub struct Filtered {
    pub ticket: Ticket,
    pub rows: Arc<Vec<u32>>,
    pub facets: Vec<(Facet, FacetCounts)>,
    pub histogram: Histogram,
    /// How long the filter took, shown in the status line.
    pub took_ms: u64,
    /// Why nothing passed, when a search's word is to blame.
    pub said: Option<String>,
}

/// An export that did not happen; `exists` when only confirmation is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFailure {
    pub path: PathBuf,
    pub message: String,
    pub exists: bool,
}

/// A query's answer, its rows tied to the console's events.
#[derive(Debug, Clone)]
pub struct QueryAnswer {
    /// Without the `@ptr` column the console asked for itself.
    pub result: QueryResult,
    /// Per answer row, the store row of its event, when there is one.
    pub row_of: Vec<Option<u32>>,
    /// The answer is rows of events (no `stats`).
    pub events: bool,
    pub elapsed_ms: u64,
    /// Stopped by the user: the answer holds what was read until then.
    pub cancelled: bool,
    /// The checker's warnings, one line each.
    pub warnings: Vec<String>,
    /// Per answer row, where CloudWatch keeps its event (`@ptr`), for rows the console does not
    /// hold; empty for local answers.
    pub ptrs: Vec<Option<String>>,
    /// The events the answer was asked of, when it was of given events (a finding's hits):
    /// the events view then holds exactly them, whatever the answer's row cap.
    pub held: Option<Arc<Vec<u32>>>,
    /// What it was asked over, as a case records it.
    pub asked: Asked,
}

/// What a query was asked over: the range as run (a preset resolved), and what it read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    pub range: crate::audit::time::TimeRange,
    pub read_from: crate::engine::ReadFrom,
}

/// A query that gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryFailure {
    pub message: String,
    /// The query text is at fault (the editor shows where); else reading failed.
    pub in_query: bool,
}
