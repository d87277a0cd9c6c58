//! Exports: asking the runner to write, and taking in its answer (an existing file asks first).

use std::path::PathBuf;
use std::sync::Arc;

use super::super::effect::Effect;
use super::super::msg::ExportFailure;
use super::super::state::{Level, PendingExport, Prompt, PromptKind, State};
use crate::export::{ExportFormat, ExportSummary};

pub fn on_exported(state: &mut State, result: Result<ExportSummary, ExportFailure>) -> Vec<Effect> {
    match result {
        Ok(summary) => {
            let mut text = format!(
                "exported {} ({}) to {}",
                crate::text::count(summary.events, "event"),
                crate::text::count(summary.bytes, "byte"),
                summary.path.display()
            );
            if summary.truncated > 0 {
                text.push_str(&format!(", {} of them truncated", summary.truncated));
            }
            state.say(text, Level::Info);
        }
        Err(failure) if failure.exists => {
            let all = matches!(state.pending_export, Some(PendingExport { all: true, .. }));
            state.prompt = Some(Prompt::new(PromptKind::ConfirmOverwrite { all }, ""));
            state.say(failure.message, Level::Warning);
        }
        Err(failure) => state.say(failure.message, Level::Error),
    }
    Vec::new()
}

/// The file name an export offers first.
pub fn default_export_name(events: usize) -> String {
    format!("kaudit-export-{events}-events.json")
}

/// The export of the marked rows (or, `all`, the filtered result) to `path`, a leading `~/`
/// read as the home folder; a path that cannot be read so is refused here, naming it.
pub fn export_effect(state: &mut State, path: PathBuf, all: bool, overwrite: bool) -> Vec<Effect> {
    let path = match crate::export::expand_home(&path, state.status.home.as_deref()) {
        Ok(path) => path,
        Err(e) => {
            state.say(e.to_string(), Level::Error);
            return Vec::new();
        }
    };
    let rows: Vec<u32> = if all {
        state.table.rows.as_ref().clone()
    } else {
        state.table.marked.iter().copied().collect()
    };
    state.pending_export = Some(PendingExport {
        path: path.clone(),
        all,
    });
    vec![Effect::Export {
        rows: Arc::new(rows),
        format: ExportFormat::from_path(&path),
        path,
        overwrite,
    }]
}
