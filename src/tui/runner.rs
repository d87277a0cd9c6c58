//! Carrying out effects: long work runs on worker threads and answers with messages. Only the
//! latest filter request is worked on; an older one still waiting is skipped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::detail::DetailData;
use super::effect::Effect;
use super::field_names::FieldIndexer;
use super::msg::{ExportFailure, Filtered, LoadProgress, Msg, Ticket};
use super::query::history;
use super::query_run::{self, LoadedInputs, QueryJob};
use super::tail::{self, Followed, TailControl};
use crate::export::{ExportError, export};
use crate::source::local::{self, InputSpec};
use crate::store::{EventStore, FilterSet, SortKey, StoreLoader};

/// Buckets in the timeline (the view folds them into the columns it has).
pub const HISTOGRAM_BUCKETS: usize = 240;
/// Values kept per facet.
pub const FACET_TOP: usize = 200;

pub type SharedStore = Arc<RwLock<EventStore>>;

/// The answer to a filter request: the rows, every facet's counts, the timeline. `within`, when
/// given, holds the only rows that may pass (a query's events), sorted.
pub fn filter_now(
    store: &EventStore,
    ticket: Ticket,
    filter: &FilterSet,
    within: Option<&[u32]>,
    sort: Option<(SortKey, bool)>,
) -> Filtered {
    let started = Instant::now();
    let mut rows = store.filter(filter);
    if let Some(within) = within {
        rows = intersect(&rows, within);
    }
    if let Some((key, descending)) = sort {
        store.sort_rows(&mut rows, key, descending);
    }
    let facets = store.facet_counts_all(&rows, FACET_TOP);
    let histogram = store.histogram(&rows, HISTOGRAM_BUCKETS);
    Filtered {
        ticket,
        rows: Arc::new(rows),
        facets,
        histogram,
        took_ms: started.elapsed().as_millis() as u64,
    }
}

/// The rows of `rows` (in time order) that are in `within` (sorted by number), in time order.
fn intersect(rows: &[u32], within: &[u32]) -> Vec<u32> {
    rows.iter()
        .copied()
        .filter(|r| within.binary_search(r).is_ok())
        .collect()
}

#[derive(Clone)]
pub struct Runner {
    pub store: SharedStore,
    pub tx: UnboundedSender<Msg>,
    latest_filter: Arc<AtomicU64>,
    pub tail: Arc<TailControl>,
    /// What was loaded, for queries to read again.
    inputs: LoadedInputs,
    /// The running query's stop flag.
    query_cancel: Arc<Mutex<Option<Arc<AtomicBool>>>>,
    /// Where the query history is kept; `None` keeps it for this run only.
    pub history_path: Option<PathBuf>,
    /// The CloudWatch source, when the console reads one: queries run there.
    cloud: Arc<Mutex<Option<super::cloud::CloudSource>>>,
    /// The loaded events' field names, gathered so far.
    field_names: Arc<Mutex<FieldIndexer>>,
}

impl Runner {
    pub fn new(store: SharedStore, tx: UnboundedSender<Msg>) -> Runner {
        Runner {
            store,
            tx,
            latest_filter: Arc::default(),
            tail: Arc::default(),
            inputs: Arc::default(),
            query_cancel: Arc::default(),
            history_path: None,
            cloud: Arc::default(),
            field_names: Arc::default(),
        }
    }

    pub fn run(&self, effect: Effect) {
        let this = self.clone();
        match effect {
            Effect::PauseTail(paused) => self.tail.paused.store(paused, Ordering::Relaxed),
            Effect::Refilter {
                ticket,
                filter,
                within,
                sort,
            } => {
                self.latest_filter.store(ticket, Ordering::Relaxed);
                tokio::task::spawn_blocking(move || {
                    if this.latest_filter.load(Ordering::Relaxed) != ticket {
                        return;
                    }
                    let Ok(store) = this.store.read() else {
                        return;
                    };
                    let filtered = filter_now(
                        &store,
                        ticket,
                        &filter,
                        within.as_deref().map(|v| &v[..]),
                        sort,
                    );
                    drop(store);
                    let _ = this.tx.send(Msg::Filtered(Box::new(filtered)));
                });
            }
            Effect::RunQuery {
                ticket,
                text,
                range,
            } => {
                let cancel = Arc::new(AtomicBool::new(false));
                if let Ok(mut running) = self.query_cancel.lock()
                    && let Some(before) = running.replace(cancel.clone())
                {
                    before.store(true, Ordering::Relaxed);
                }
                if let Some(source) = self.cloud_source() {
                    tokio::spawn(super::cloud::query(
                        source,
                        ticket,
                        text,
                        range,
                        this.store.clone(),
                        this.tx.clone(),
                        cancel,
                    ));
                    return;
                }
                let job = QueryJob {
                    ticket,
                    text,
                    range,
                    cancel,
                };
                tokio::task::spawn_blocking(move || {
                    query_run::run(job, &this.inputs, &this.store, &this.tx);
                });
            }
            Effect::RunDetections(detections) => {
                if self.cloud_source().is_some() {
                    let _ = self.tx.send(Msg::Findings(Err(
                        "in CloudWatch each detection is a query billed by the bytes it scans: run the ones you need from the browser (b)".into(),
                    )));
                    return;
                }
                tokio::task::spawn_blocking(move || {
                    let found = query_run::findings_now(&detections, &this.inputs);
                    let _ = this.tx.send(Msg::Findings(found));
                });
            }
            Effect::OpenGroup(group) => {
                if let Some(mut source) = self.cloud_source() {
                    source.groups = vec![group];
                    self.load_cloud(source);
                }
            }
            Effect::RetryCloud => {
                if let Some(source) = self.cloud_source() {
                    source.client.retry();
                }
            }
            Effect::FetchRecord { ticket, index, ptr } => {
                let Some(source) = self.cloud_source() else {
                    return;
                };
                tokio::spawn(super::cloud::fetch_record(
                    source,
                    ticket,
                    index,
                    ptr,
                    this.store.clone(),
                    this.tx.clone(),
                ));
            }
            Effect::CancelQuery => {
                if let Ok(running) = self.query_cancel.lock()
                    && let Some(cancel) = running.as_ref()
                {
                    cancel.store(true, Ordering::Relaxed);
                }
            }
            Effect::IndexFields => {
                tokio::task::spawn_blocking(move || {
                    let Ok(mut indexer) = this.field_names.lock() else {
                        return;
                    };
                    if let Some(names) = indexer.catch_up(&this.store) {
                        let _ = this.tx.send(Msg::FieldNames(names));
                    }
                });
            }
            Effect::SaveHistory(entries) => {
                let Some(path) = self.history_path.clone() else {
                    return;
                };
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = history::save(&path, &entries) {
                        let _ = this.tx.send(Msg::Failed(e.to_string()));
                    }
                });
            }
            Effect::LoadDetail { row } => {
                tokio::task::spawn_blocking(move || {
                    let data = match this.store.read() {
                        Ok(store) => DetailData::from_raw(store.raw(row)),
                        Err(_) => return,
                    };
                    let _ = this.tx.send(Msg::Detail {
                        row,
                        data: Box::new(data),
                    });
                });
            }
            Effect::Export {
                rows,
                path,
                format,
                overwrite,
            } => {
                tokio::task::spawn_blocking(move || {
                    let result = match this.store.read() {
                        Ok(store) => {
                            export(rows.iter().map(|r| store.raw(*r)), &path, format, overwrite)
                        }
                        Err(_) => return,
                    };
                    let reply = result.map_err(|e| ExportFailure {
                        exists: matches!(e, ExportError::AlreadyExists { .. }),
                        message: e.to_string(),
                        path: path.clone(),
                    });
                    let _ = this.tx.send(Msg::Exported(reply));
                });
            }
        }
    }

    fn cloud_source(&self) -> Option<super::cloud::CloudSource> {
        self.cloud.lock().ok().and_then(|c| c.clone())
    }

    /// Finds the clusters for the picker; the source's groups are set when one is picked.
    pub fn discover(&self, source: super::cloud::CloudSource) {
        if let Ok(mut cloud) = self.cloud.lock() {
            *cloud = Some(source.clone());
        }
        tokio::spawn(super::cloud::discover(source, self.tx.clone()));
    }

    /// Reads CloudWatch into the store (and follows it when asked); queries then run there.
    pub fn load_cloud(&self, source: super::cloud::CloudSource) {
        if let Ok(mut cloud) = self.cloud.lock() {
            *cloud = Some(source.clone());
        }
        tokio::spawn(super::cloud::load(
            source,
            self.store.clone(),
            self.tx.clone(),
            self.tail.clone(),
        ));
    }

    /// Reads every input into the store on worker threads, telling the console as events arrive;
    /// with `follow`, then follows the files from where their reading stopped. The inputs are
    /// read together, as one timeline.
    pub fn load(&self, inputs: Vec<InputSpec>, follow: bool) {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut followed = Vec::new();
            let mut opened = Vec::new();
            for spec in inputs {
                let input = match local::open(&spec) {
                    Ok(input) => Arc::new(input),
                    Err(e) => {
                        let _ = this.tx.send(Msg::Failed(e.to_string()));
                        continue;
                    }
                };
                if let Ok(mut inputs) = this.inputs.lock() {
                    inputs.push((spec.clone(), input.clone()));
                }
                if let (true, InputSpec::Path(path)) = (follow, &spec) {
                    if input.compressed() {
                        let _ = this.tx.send(Msg::Failed(format!(
                            "{} is compressed and cannot be followed; it was read once",
                            path.display()
                        )));
                    } else {
                        // From the end of the last whole line read: nothing twice, nothing lost.
                        let bytes = input.bytes();
                        let from = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
                        followed.push(Followed {
                            path: path.clone(),
                            from: from as u64,
                        });
                    }
                }
                opened.push(input);
            }
            let names: Vec<String> = opened.iter().map(|i| i.origin().name.clone()).collect();
            let mut progress = LoadProgress {
                bytes_total: opened.iter().map(|i| i.bytes().len() as u64).sum(),
                ..LoadProgress::default()
            };
            let tx = this.tx.clone();
            let base = progress.clone();
            crate::store::load_shared_with(&this.store, StoreLoader::many(opened), |p| {
                let mut now = base.clone();
                now.events = p.events;
                now.bytes_done = p.bytes_done;
                now.problems = p.problems;
                let _ = tx.send(Msg::Loaded(now));
            });
            if let Ok(mut store) = this.store.write() {
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
            let _ = this.tx.send(Msg::Loaded(progress));
            if !followed.is_empty() {
                tail::run(
                    followed,
                    this.store.clone(),
                    this.tx.clone(),
                    this.tail.clone(),
                );
            }
        });
    }
}
