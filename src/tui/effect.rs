//! What the update asks the runner to do: the only way the console does I/O or long work.

use std::path::PathBuf;
use std::sync::Arc;

use super::msg::Ticket;
use crate::export::ExportFormat;
use crate::store::FilterSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Filter the store and count the facets; replies `Msg::Filtered` with this ticket.
    Refilter { ticket: Ticket, filter: FilterSet },
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
}
