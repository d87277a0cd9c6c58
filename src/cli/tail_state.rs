//! `--state FILE` for `kaudit tail` and `kaudit watch`: the positions read back when the watch
//! starts, what the file holds said on stderr, and the position of each event handed out kept
//! as it goes.

use std::io;
use std::path::Path;

use anyhow::{Result, anyhow};

use crate::audit::time::format_millis_utc;
use crate::engine::cloud::{StateFile, TailEvent};
use crate::text::sanitize;

/// Where tailed events come from: one account and region of those followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Origin {
    /// Its place in the state file: `""` when one account and region is followed (the file's
    /// first layout), else `ACCOUNT/REGION`.
    pub(super) place: String,
    /// `ACCOUNT/REGION`, said beside its events and statuses when several are followed.
    pub(super) shown: Option<String>,
}

impl Origin {
    /// A group of this origin as stderr names it.
    pub(super) fn name(&self, group: &str) -> String {
        match &self.shown {
            Some(label) => format!("{group} ({label})"),
            None => group.to_string(),
        }
    }
}

/// Where the tailed events go: printed as they are (`kaudit tail`), or read for findings
/// (`kaudit watch`).
pub(super) trait Sink {
    /// Takes the events of `from`, in order; false when standard output is gone.
    fn take(&mut self, from: &Origin, events: &[TailEvent]) -> std::io::Result<bool>;
    /// The count asked for is reached.
    fn done(&self) -> bool;
    /// Events taken so far.
    fn taken(&self) -> u64;
    /// Told once, before any event, what is followed: a fleet (its events then say their
    /// cluster), and several accounts or regions (their account and region too).
    fn shape(&mut self, _fleet: bool, _several: bool) {}
}

/// The state file at `path`, for a watch of `followed` (each origin's groups): the groups it
/// has no position for, and those it holds that are not watched (kept as they are), said on
/// stderr. Written at once, so that a file that cannot be written stops the watch before
/// anything is shown.
pub(super) fn resume(path: &Path, followed: &[(Origin, Vec<String>)]) -> Result<StateFile> {
    let mut state = StateFile::open(path).map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    let shown = sanitize(&path.display().to_string()).into_owned();
    let held = !state.places().is_empty();
    for (origin, groups) in followed {
        let positions = state.positions(&origin.place);
        for group in groups {
            let name = sanitize(&origin.name(group)).into_owned();
            match positions.get(group) {
                Some(p) => eprintln!(
                    "kaudit: {name}: carrying on from {} ({shown})",
                    format_millis_utc(p.time_ms * 1000)
                ),
                None if held => eprintln!(
                    "kaudit: {name}: {shown} holds no position for it: starting --since ago"
                ),
                None => {}
            }
        }
    }
    let mut others: Vec<String> = Vec::new();
    for (place, positions) in state.places() {
        for group in positions.keys() {
            let watched = followed
                .iter()
                .any(|(o, groups)| &o.place == place && groups.contains(group));
            if !watched {
                let name = match place.as_str() {
                    "" => group.clone(),
                    place => format!("{group} ({place})"),
                };
                others.push(sanitize(&name).into_owned());
            }
        }
    }
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
    fn take(&mut self, from: &Origin, events: &[TailEvent]) -> io::Result<bool> {
        let Some(state) = self.state.as_mut() else {
            return self.sink.take(from, events);
        };
        // One at a time, so that the position is that of the last event actually taken.
        let mut more = true;
        for e in events {
            let before = self.sink.taken();
            more = self.sink.take(from, std::slice::from_ref(e))?;
            if self.sink.taken() > before {
                state.advance(&from.place, e);
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

    fn shape(&mut self, fleet: bool, several: bool) {
        self.sink.shape(fleet, several);
    }
}
