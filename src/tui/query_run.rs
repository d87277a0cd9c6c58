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
use crate::insights::checker::{Target, UnsureField, check_deferred, unseen_field_warnings};
use crate::insights::exec::{FieldPresence, Plan, QueryResult};
use crate::insights::parser::parse;
use crate::insights::value::Value;
use crate::source::local::{self, InputSpec, LocalInput, LocalQuery, QueryProgress};
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

/// A query checked and compiled, with the checker's warnings and the fields whose presence
/// the run settles.
struct Prepared {
    plan: Plan,
    warnings: Vec<String>,
    unsure: Vec<UnsureField>,
}

/// The query checked and compiled, to read `inputs` inputs as one timeline.
fn prepare(text: &str, inputs: usize) -> Result<Prepared, QueryFailure> {
    let query = parse(text).map_err(|d| in_query(first_error(&d)))?;
    let (diagnostics, unsure) = check_deferred(&query, Target::Local);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(in_query(first_error(&diagnostics)));
    }
    let warnings = diagnostics
        .iter()
        .map(|d| crate::text::sanitize(&d.message).into_owned())
        .collect();
    let plan = Plan::with_ptr(&query)
        .map_err(|d| in_query(first_error(&[d])))?
        .across_inputs(inputs);
    Ok(Prepared {
        plan,
        warnings,
        unsure,
    })
}

impl Prepared {
    /// The warnings, those about fields no event had first: with an empty answer, that is
    /// most likely why.
    fn warnings(&self, read: &Read) -> Vec<String> {
        let unseen = read
            .presence
            .as_ref()
            .map(|p| p.unseen())
            .unwrap_or_default();
        let scanned = read.result.statistics.records_scanned;
        unseen_field_warnings(&self.unsure, &unseen, scanned, read.stopped_early)
            .iter()
            .map(|d| crate::text::sanitize(&d.one_line()).into_owned())
            .chain(self.warnings.iter().cloned())
            .collect()
    }
}

/// What reading the inputs gave.
struct Read {
    result: QueryResult,
    cancelled: bool,
    /// A `limit` was reached, or the run cancelled: the rest was not read.
    stopped_early: bool,
    presence: Option<Arc<FieldPresence>>,
}

/// Reads the inputs into the query.
fn read(
    prepared: &Prepared,
    range: TimeRange,
    inputs: &[Arc<LocalInput>],
    cancel: Arc<AtomicBool>,
    progress: Arc<QueryProgress>,
) -> Result<Read, QueryFailure> {
    let mut run = LocalQuery::new(&prepared.plan, range)
        .cancel_on(cancel)
        .report_to(progress);
    let presence =
        (!prepared.unsure.is_empty()).then(|| Arc::new(FieldPresence::new(&prepared.unsure)));
    if let Some(p) = &presence {
        run = run.watch(p.clone());
    }
    let mut stopped_early = false;
    for input in inputs {
        match run.read(input) {
            Ok(report) if report.stopped_early => {
                stopped_early = true;
                break;
            }
            Ok(_) => {}
            Err(_) => {
                return Err(QueryFailure {
                    message: "a reader thread failed; there is no answer".to_string(),
                    in_query: false,
                });
            }
        }
        if run.cancelled() {
            break;
        }
    }
    let cancelled = run.cancelled();
    Ok(Read {
        result: run.finish(),
        cancelled,
        stopped_early: stopped_early || cancelled,
        presence,
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
    let prepared = prepare(text, inputs.len())?;
    let read = read(&prepared, range, inputs, Arc::default(), Arc::default())?;
    let warnings = prepared.warnings(&read);
    let plan = &prepared.plan;
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
    let prepared = prepare(&job.text, loaded.len())?;
    let range = job.range.resolve(jiff::Timestamp::now().as_millisecond());
    let mut opened = Vec::new();
    for (spec, input) in loaded {
        match &spec {
            InputSpec::Path(_) => match local::open(&spec) {
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
    let read = read(&prepared, range, &opened, job.cancel.clone(), progress);
    finished.store(true, Ordering::Relaxed);
    let _ = reporter.join();
    let read = read?;
    let warnings = prepared.warnings(&read);
    let plan = &prepared.plan;
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

/// The first error (else the first diagnostic) as one line, with where it is.
fn first_error(diagnostics: &[crate::insights::diag::Diagnostic]) -> String {
    let d = diagnostics
        .iter()
        .find(|d| d.is_error())
        .or(diagnostics.first());
    match d {
        Some(d) => crate::text::sanitize(&d.message).into_owned(),
        None => "the query cannot run".to_string(),
    }
}

/// Every detection over the inputs as loaded, with its hits.
pub fn findings_now(
    detections: &[super::effect::Detection],
    inputs: &LoadedInputs,
    store: &SharedStore,
) -> Result<Vec<super::findings::FindingItem>, String> {
    let loaded: Vec<Arc<LocalInput>> = match inputs.lock() {
        Ok(inputs) => inputs.iter().map(|(_, i)| i.clone()).collect(),
        Err(_) => return Err("the inputs could not be read".into()),
    };
    let Ok(held) = store.read() else {
        return Err("the events could not be read".into());
    };
    let mut items = Vec::new();
    for d in detections {
        let answer = answer_now(&d.text, TimeRange::default(), &loaded, &held)
            .map_err(|f| format!("{}: {}", d.name, f.message))?;
        items.push(super::findings::FindingItem {
            name: d.name.clone(),
            severity: d.severity,
            description: d.description.clone(),
            hits: answer.result.rows.len(),
        });
    }
    Ok(items)
}
