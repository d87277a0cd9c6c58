//! Running a Logs Insights query for the console, on a worker thread: over the same inputs the
//! console loaded (files opened again, so a followed file is read as it is now), with progress
//! while it runs, cancellable, and its rows tied back to the console's events through `@ptr`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{Msg, QueryAnswer, QueryFailure, Ticket};
use super::query::{RunStats, TimeChoice};
use super::runner::SharedStore;
use crate::audit::time::TimeRange;
use crate::engine::compile::{Compiled, Target, compile, first_error};
use crate::engine::local::{self, LocalRead, ReadOptions};
use crate::insights::exec::{Plan, QueryResult};
use crate::insights::value::Value;
use crate::source::local::{InputSpec, LocalInput, QueryProgress};
use crate::store::EventStore;

/// How often a running query reports how far it has got.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// The inputs as loaded: a file is opened again for each query, the others (standard input, the
/// demo) are read from what was loaded.
pub type LoadedInputs = Arc<Mutex<Vec<(InputSpec, Arc<LocalInput>)>>>;

/// One query to run.
pub struct QueryJob {
    pub ticket: Ticket,
    pub text: String,
    pub range: TimeChoice,
    pub cancel: Arc<AtomicBool>,
}

/// Runs the job and sends its answer; progress goes out every [`PROGRESS_EVERY`] meanwhile.
pub fn run(job: QueryJob, inputs: &LoadedInputs, store: &SharedStore, tx: &UnboundedSender<Msg>) {
    let ticket = job.ticket;
    let outcome = answer(job, inputs, store, tx).map(Box::new);
    let _ = tx.send(Msg::QueryDone { ticket, outcome });
}

fn in_query(message: String) -> QueryFailure {
    QueryFailure {
        message,
        in_query: true,
    }
}

/// The query checked and compiled, to read `inputs` inputs as one timeline.
fn prepare(text: &str, inputs: usize) -> Result<Compiled, QueryFailure> {
    let mut compiled = compile(text, Target::LocalTied).map_err(|d| in_query(first_error(&d)))?;
    compiled.across_inputs(inputs);
    Ok(compiled)
}

/// The warnings, those about fields no event had first: with an empty answer, that is most
/// likely why.
fn warnings(compiled: &Compiled, read: &LocalRead) -> Vec<String> {
    read.unseen
        .iter()
        .map(|d| crate::text::sanitize(&d.one_line()).into_owned())
        .chain(
            compiled
                .warnings()
                .iter()
                .map(|d| crate::text::sanitize(&d.message).into_owned()),
        )
        .collect()
}

/// Reads the inputs into the query.
fn read(
    compiled: &Compiled,
    range: TimeRange,
    inputs: &[Arc<LocalInput>],
    cancel: Arc<AtomicBool>,
    progress: Arc<QueryProgress>,
) -> Result<LocalRead, QueryFailure> {
    let options = ReadOptions {
        cancel,
        progress,
        watch_fields: true,
    };
    local::read(compiled, range, inputs.iter().map(|i| &**i), &options).map_err(|e| QueryFailure {
        message: e.to_string(),
        in_query: false,
    })
}

/// Ties each row to the store row of its event, and takes off the `@ptr` column the console
/// added.
fn tie(plan: &Plan, result: &mut QueryResult, store: &EventStore) -> Vec<Option<u32>> {
    let Some(column) = plan.ptr_column() else {
        return Vec::new();
    };
    // One look through the store for every row's pointer (a row with none names "").
    let ptrs = result.rows.iter().map(|row| match row.get(column) {
        Some(Value::Str(ptr)) => &ptr[..],
        _ => "",
    });
    let row_of = store.rows_of_ptrs(ptrs);
    if plan.ptr_appended() {
        result.columns.remove(column);
        for row in &mut result.rows {
            if column < row.len() {
                row.remove(column);
            }
        }
    }
    row_of
}

/// The answer of `text` over `inputs`, on this thread: for tests and benches.
pub fn answer_now(
    text: &str,
    range: TimeRange,
    inputs: &[Arc<LocalInput>],
    store: &EventStore,
) -> Result<QueryAnswer, QueryFailure> {
    let started = Instant::now();
    let compiled = prepare(text, inputs.len())?;
    let read = read(&compiled, range, inputs, Arc::default(), Arc::default())?;
    let warnings = warnings(&compiled, &read);
    let Some(plan) = compiled.plan() else {
        return Err(in_query("the query cannot run".to_string()));
    };
    let mut result = read.result;
    let row_of = tie(plan, &mut result, store);
    Ok(QueryAnswer {
        events: plan.ptr_column().is_some(),
        result,
        row_of,
        elapsed_ms: started.elapsed().as_millis() as u64,
        cancelled: read.cancelled,
        warnings,
        ptrs: Vec::new(),
    })
}

fn answer(
    job: QueryJob,
    inputs: &LoadedInputs,
    store: &SharedStore,
    tx: &UnboundedSender<Msg>,
) -> Result<QueryAnswer, QueryFailure> {
    let started = Instant::now();
    let loaded: Vec<(InputSpec, Arc<LocalInput>)> = match inputs.lock() {
        Ok(inputs) => inputs.clone(),
        Err(_) => Vec::new(),
    };
    let compiled = prepare(&job.text, loaded.len())?;
    let range = job.range.resolve(jiff::Timestamp::now().as_millisecond());
    let mut opened = Vec::new();
    for (spec, input) in loaded {
        match &spec {
            InputSpec::Path(_) => match crate::source::local::open(&spec) {
                Ok(input) => opened.push(Arc::new(input)),
                Err(e) => {
                    return Err(QueryFailure {
                        message: e.to_string(),
                        in_query: false,
                    });
                }
            },
            _ => opened.push(input),
        }
    }
    let bytes_total: u64 = opened.iter().map(|i| i.bytes().len() as u64).sum();
    let progress = Arc::new(QueryProgress::default());
    let finished = Arc::new(AtomicBool::new(false));
    let reporter = {
        let (progress, finished, tx) = (progress.clone(), finished.clone(), tx.clone());
        std::thread::spawn(move || {
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(PROGRESS_EVERY);
                let elapsed_ms = started.elapsed().as_millis() as u64;
                let stats = RunStats::from_progress(&progress, Some(bytes_total), elapsed_ms);
                let msg = Msg::QueryProgress {
                    ticket: job.ticket,
                    stats,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        })
    };
    let read = read(&compiled, range, &opened, job.cancel.clone(), progress);
    finished.store(true, Ordering::Relaxed);
    let _ = reporter.join();
    let read = read?;
    let warnings = warnings(&compiled, &read);
    let Some(plan) = compiled.plan() else {
        return Err(in_query("the query cannot run".to_string()));
    };
    let (mut result, cancelled) = (read.result, read.cancelled);
    let row_of = match store.read() {
        Ok(store) => tie(plan, &mut result, &store),
        Err(_) => {
            return Err(QueryFailure {
                message: "the events could not be read".to_string(),
                in_query: false,
            });
        }
    };
    Ok(QueryAnswer {
        events: plan.ptr_column().is_some(),
        result,
        row_of,
        elapsed_ms: started.elapsed().as_millis() as u64,
        cancelled,
        warnings,
        ptrs: Vec::new(),
    })
}

/// Every detection over the inputs as loaded, with its hits.
pub fn findings_now(
    detections: &[super::effect::Detection],
    inputs: &LoadedInputs,
) -> Result<Vec<super::findings::FindingItem>, String> {
    let loaded: Vec<Arc<LocalInput>> = match inputs.lock() {
        Ok(inputs) => inputs.iter().map(|(_, i)| i.clone()).collect(),
        Err(_) => return Err("the inputs could not be read".into()),
    };
    let (findings, _) = local::detect(detections, &loaded, TimeRange::default())?;
    Ok(findings)
}
