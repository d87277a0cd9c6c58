//! Local inputs read into the store, together, as one timeline, with progress as events arrive.

use std::sync::Arc;

use crate::engine::SharedStore;
use crate::engine::event::{Event, LoadProgress, Report};
use crate::source::local::{self, InputSpec, LocalInput};
use crate::store::StoreLoader;

use super::follow::Followed;

/// What loading opened.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Each input that could be opened, with the index of its spec.
    pub inputs: Vec<(usize, Arc<LocalInput>)>,
    /// With `follow`: the files to follow, each from the end of the last whole line read.
    pub followed: Vec<Followed>,
}

/// Reads every input of `specs` into the store; an input that cannot be opened is reported and
/// the others are read.
pub fn load(specs: &[InputSpec], follow: bool, store: &SharedStore, report: &Report) -> Loaded {
    let mut loaded = Loaded::default();
    for (i, spec) in specs.iter().enumerate() {
        let mut input = match local::open(spec) {
            Ok(input) => input,
            Err(e) => {
                report.send(Event::Failed(e.to_string()));
                continue;
            }
        };
        if let (true, InputSpec::Path(path)) = (follow, spec) {
            if input.compressed() {
                report.send(Event::Failed(format!(
                    "{} is compressed and cannot be followed; it was read once",
                    path.display()
                )));
            } else {
                // The load reads the whole lines; the follower goes on from the end of the last
                // of them, a line still being written included: nothing twice, nothing lost,
                // and a half-written line never taken for a malformed one.
                input.keep_whole_lines();
                loaded.followed.push(Followed {
                    path: path.clone(),
                    from: input.bytes().len() as u64,
                });
            }
        }
        loaded.inputs.push((i, Arc::new(input)));
    }
    let opened: Vec<Arc<LocalInput>> = loaded.inputs.iter().map(|(_, i)| i.clone()).collect();
    let names: Vec<String> = opened.iter().map(|i| i.origin().name.clone()).collect();
    let mut progress = LoadProgress {
        bytes_total: opened.iter().map(|i| i.bytes().len() as u64).sum(),
        ..LoadProgress::default()
    };
    let base = progress.clone();
    crate::store::load_shared_with(store, StoreLoader::many(opened), |p| {
        let mut now = base.clone();
        now.events = p.events;
        now.bytes_done = p.bytes_done;
        now.problems = p.problems;
        report.send(Event::Loaded(now));
    });
    if let Ok(mut store) = store.write() {
        if follow {
            // A log not written to yet is what following is for.
            for name in &names {
                store.forgive_empty(name);
            }
        }
        progress.events = store.len();
        progress.bytes_done = progress.bytes_total;
        progress.problems = store.problem_count();
    }
    progress.done = true;
    report.send(Event::Loaded(progress));
    loaded
}
