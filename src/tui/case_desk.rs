//! The case's journal, written on a thread of its own in the order the console asks: an entry
//! is on disk (synced) before the console is told it is kept, and is told so only then.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

pub use super::case_entries::{CaseKept, CaseWrite, OpenedCase};
use super::case_entries::{Elsewhere, Mark};
use super::msg::Msg;
use crate::case::marking::{find_held, held_event};
use crate::case::{self, Case, EventRef, What};
use crate::engine::SharedStore;

enum Job {
    Open(String),
    Write(CaseWrite),
    /// Find these marks among the events held.
    Match(Vec<Elsewhere>),
    /// Answer once every job before it is done.
    Flush(mpsc::Sender<()>),
}

/// The one writer of the open case's journal.
#[derive(Clone)]
pub struct CaseDesk {
    jobs: mpsc::Sender<Job>,
}

impl CaseDesk {
    /// Starts the writer; cases are under `root` (`None`: no folder for cases could be found,
    /// said when one is asked for).
    pub fn start(root: Option<PathBuf>, store: SharedStore, tx: UnboundedSender<Msg>) -> CaseDesk {
        let (jobs, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut desk = Desk {
                root,
                store,
                tx,
                case: None,
            };
            while let Ok(job) = rx.recv() {
                desk.take(job);
            }
        });
        CaseDesk { jobs }
    }

    pub fn open(&self, name: &str) {
        let _ = self.jobs.send(Job::Open(name.to_string()));
    }

    pub fn write(&self, write: CaseWrite) {
        let _ = self.jobs.send(Job::Write(write));
    }

    pub fn find(&self, marks: Vec<Elsewhere>) {
        let _ = self.jobs.send(Job::Match(marks));
    }

    /// Waits until what was asked before is written, `wait` at most: true when it was.
    pub fn flush(&self, wait: Duration) -> bool {
        let (done, finished) = mpsc::channel();
        self.jobs.send(Job::Flush(done)).is_ok() && finished.recv_timeout(wait).is_ok()
    }
}

struct Desk {
    root: Option<PathBuf>,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
    case: Option<Case>,
}

impl Desk {
    fn take(&mut self, job: Job) {
        match job {
            Job::Open(name) => {
                let opened = self.open(&name);
                let _ = self.tx.send(Msg::CaseOpened(opened.map(Box::new)));
            }
            Job::Write(write) => {
                let Some(case) = self.case.as_mut() else {
                    return;
                };
                let error = record(case, &self.store, &write).err();
                let _ = self.tx.send(Msg::CaseKept(Box::new(CaseKept {
                    case: case.name().to_string(),
                    write,
                    error,
                })));
            }
            Job::Match(marks) => {
                let rows = self.find(&marks);
                let _ = self.tx.send(Msg::MarksFound { marks, rows });
            }
            Job::Flush(done) => {
                let _ = done.send(());
            }
        }
    }

    fn open(&mut self, name: &str) -> Result<OpenedCase, String> {
        let root = self
            .root
            .as_deref()
            .ok_or_else(|| case::CaseError::NoDataFolder.to_string())?;
        let created = !root.join(name).join(case::JOURNAL).exists();
        let case = Case::open_or_create(root, name).map_err(|e| e.to_string())?;
        let read = case.read().map_err(|e| e.to_string())?;
        let marks: Vec<Elsewhere> = case::marks(&read.entries)
            .into_iter()
            .filter_map(|entry| match &entry.what {
                What::Marked {
                    event, tag, note, ..
                } => Some(Elsewhere {
                    event: event.clone(),
                    mark: Mark {
                        tag: tag.clone(),
                        note: note.clone(),
                    },
                }),
                _ => None,
            })
            .collect();
        let rows = self.find(&marks);
        let mut held = Vec::new();
        let mut elsewhere = Vec::new();
        for (mark, row) in marks.into_iter().zip(rows) {
            match row {
                Some(row) => held.push((row, mark.mark)),
                None => elsewhere.push(mark),
            }
        }
        let count = |f: fn(&What) -> bool| read.entries.iter().filter(|e| f(&e.what)).count();
        let bad_lines = read.bad.first().map(|bad| {
            format!(
                "{} of {} cannot be read (line {}, column {}: {})",
                crate::text::count(read.bad.len() as u64, "line"),
                path_shown(&case.dir().join(case::JOURNAL)),
                bad.line,
                bad.column,
                bad.message
            )
        });
        let opened = OpenedCase {
            name: name.to_string(),
            dir: case.dir().to_path_buf(),
            created,
            held,
            elsewhere,
            notes: count(|w| matches!(w, What::Note { .. })),
            queries: count(|w| matches!(w, What::Query(_))),
            bad_lines,
        };
        self.case = Some(case);
        Ok(opened)
    }

    fn find(&self, marks: &[Elsewhere]) -> Vec<Option<u32>> {
        let refs: Vec<&EventRef> = marks.iter().map(|m| &m.event).collect();
        match self.store.read() {
            Ok(held) => find_held(&held, &refs),
            Err(_) => vec![None; refs.len()],
        }
    }
}

fn path_shown(path: &Path) -> String {
    crate::text::sanitize(&path.display().to_string()).into_owned()
}

/// Writes one entry, synced.
fn record(case: &mut Case, store: &SharedStore, write: &CaseWrite) -> Result<(), String> {
    let held_ref = |row: u32| {
        let held = store
            .read()
            .map_err(|_| "the events held could not be read".to_string())?;
        if row as usize >= held.len() {
            return Err("the event is no longer held".to_string());
        }
        Ok(held_event(&held, row))
    };
    let what = match write {
        CaseWrite::Mark { row, mark, ptr } => {
            let (mut event, original) = held_ref(*row)?;
            if event.ptr.is_none() {
                event.ptr = ptr.clone();
            }
            What::Marked {
                event,
                tag: mark.tag.clone(),
                note: mark.note.clone(),
                original,
            }
        }
        CaseWrite::Unmark { row } => What::Unmarked {
            event: held_ref(*row)?.0,
        },
        CaseWrite::Note(text) => What::Note { text: text.clone() },
        CaseWrite::Query(run) => What::Query(run.clone()),
        CaseWrite::Finding(finding) => What::FindingOpened(finding.clone()),
    };
    case.record(what).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
#[path = "case_desk_tests.rs"]
mod tests;
