//! What the update asks the runner to do: the only way the console does I/O or long work.

use std::path::PathBuf;
use std::sync::Arc;

use super::case_entries::CaseWrite;
use super::case_entries::{Elsewhere, Mark};
use super::msg::Ticket;
use super::query::{History, TimeChoice};
use crate::export::ExportFormat;
use crate::store::{FilterSet, SortKey};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Filter the store and count the facets; replies `Msg::Filtered` with this ticket.
    /// `within`: the only rows that may pass (a query's events), sorted.
    Refilter {
        ticket: Ticket,
        filter: FilterSet,
        within: Option<Arc<Vec<u32>>>,
        /// The table's order, when not the events' own; `true` for descending.
        sort: Option<(SortKey, bool)>,
    },
    /// Decode one event for the detail pane; replies `Msg::Detail`.
    LoadDetail { row: u32 },
    /// Hold new tailed events back (true) or let them in, the held ones first.
    PauseTail(bool),
    /// Write the events of these store rows, in this order; replies `Msg::Exported`.
    Export {
        rows: Arc<Vec<u32>>,
        path: PathBuf,
        format: ExportFormat,
        overwrite: bool,
    },
    /// Run a Logs Insights query over the console's inputs; replies `Msg::QueryProgress` while
    /// it runs and `Msg::QueryDone` at the end. A new run stops the one before.
    RunQuery {
        ticket: Ticket,
        text: String,
        range: TimeChoice,
    },
    /// Stop the running query; its answer so far still comes.
    CancelQuery,
    /// Fetch an answer row's event from CloudWatch; replies `Msg::RecordFetched`.
    FetchRecord {
        ticket: Ticket,
        index: usize,
        ptr: String,
        /// To be marked once fetched.
        mark: Option<Mark>,
    },
    /// Open (or make) the case of this name, the one the journal is written to from now on;
    /// replies `Msg::CaseOpened`.
    OpenCase(String),
    /// Keep this in the open case's journal, in the order asked; replies `Msg::CaseKept`.
    CaseWrite(CaseWrite),
    /// Look for these marks' events among the events held; replies `Msg::MarksFound`.
    FindMarks(Vec<Elsewhere>),
    /// Read the events held that these detections have not read yet, and count their hits
    /// over `range`; replies `Msg::Found` as it goes.
    FindFindings {
        detections: Arc<[Detection]>,
        range: TimeChoice,
    },
    /// Answer `text` over the held events `rows` (a finding's hits); replies `Msg::QueryDone`.
    AnswerHeld {
        ticket: Ticket,
        text: String,
        rows: Arc<Vec<u32>>,
    },
    /// Read the clusters picked ([`crate::engine::cloud::Cluster::key`]).
    OpenClusters(Vec<String>),
    /// What waits for CloudWatch tries again (after refused credentials, on a new client).
    RetryCloud,
    /// Gather the field names of the events loaded since the last time; replies
    /// `Msg::FieldNames`.
    IndexFields,
    /// Write the query history to its file.
    SaveHistory(History),
}

/// A detection, read over the events held for the Findings view.
pub use crate::engine::Detection;
