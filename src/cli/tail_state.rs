//! `--state FILE` for `kaudit tail` and `kaudit watch`: the positions read back when the watch
//! starts, what the file holds said on stderr, and the position of each event handed out kept
//! as it goes.

use std::io;
use std::path::Path;

use anyhow::{Result, anyhow};

use crate::audit::time::format_millis_utc;
use crate::engine::cloud::{StateFile, TailEvent};
use crate::text::sanitize;

/// Where the tailed events go: printed as they are (`kaudit tail`), or read for findings
/// (`kaudit watch`).
pub(super) trait Sink {
    /// Takes the events in order; false when standard output is gone.
    fn take(&mut self, events: &[TailEvent]) -> std::io::Result<bool>;
    /// The count asked for is reached.
    fn done(&self) -> bool;
    /// Events taken so far.
    fn taken(&self) -> u64;
}

/// The state file at `path`, for a watch of `groups`: the groups it has no position for, and
/// those it holds that are not watched (kept as they are), said on stderr. Written at once, so
/// that a file that cannot be written stops the watch before anything is shown.
pub(super) fn resume(path: &Path, groups: &[String]) -> Result<StateFile> {
    let mut state = StateFile::open(path).map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    let shown = sanitize(&path.display().to_string()).into_owned();
    let positions = state.positions();
    for group in groups {
        match positions.get(group) {
            Some(p) => eprintln!(
                "kaudit: {}: carrying on from {} ({shown})",
                sanitize(group),
                format_millis_utc(p.time_ms * 1000)
            ),
            None if !positions.is_empty() => eprintln!(
                "kaudit: {}: {shown} holds no position for it: starting --since ago",
                sanitize(group)
            ),
            None => {}
        }
    }
    let others: Vec<String> = positions
        .keys()
        .filter(|g| !groups.contains(g))
        .map(|g| sanitize(g).into_owned())
        .collect();
    if !others.is_empty() {
        eprintln!(
            "kaudit: {shown} also holds the position of {}, not watched here: kept as it is",
            others.join(", ")
        );
    }
    state
        .save()
        .map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    Ok(state)
}

/// A sink whose events, once taken, move the state's positions.
pub(super) struct Kept<'a> {
    sink: &'a mut dyn Sink,
    state: Option<StateFile>,
}

impl<'a> Kept<'a> {
    pub(super) fn new(sink: &'a mut dyn Sink, state: Option<StateFile>) -> Kept<'a> {
        Kept { sink, state }
    }

    /// Writes the last positions, as the watch ends.
    pub(super) fn finish(mut self) -> Result<()> {
        match self.state.as_mut().map(StateFile::save) {
            Some(Err(e)) => Err(anyhow!("{}", sanitize(&e.to_string()))),
            _ => Ok(()),
        }
    }
}

fn io_error(e: crate::engine::cloud::StateError) -> io::Error {
    io::Error::other(sanitize(&e.to_string()).into_owned())
}

impl Sink for Kept<'_> {
    fn take(&mut self, events: &[TailEvent]) -> io::Result<bool> {
        let Some(state) = self.state.as_mut() else {
            return self.sink.take(events);
        };
        // One at a time, so that the position is that of the last event actually taken.
        let mut more = true;
        for e in events {
            let before = self.sink.taken();
            more = self.sink.take(std::slice::from_ref(e))?;
            if self.sink.taken() > before {
                state.advance(e);
                state.save_if_due().map_err(io_error)?;
            }
            if !more || self.sink.done() {
                break;
            }
        }
        state.save().map_err(io_error)?;
        Ok(more)
    }

    fn done(&self) -> bool {
        self.sink.done()
    }

    fn taken(&self) -> u64 {
        self.sink.taken()
    }
}
