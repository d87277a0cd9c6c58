//! Carrying out effects: long work runs on worker threads and answers with messages. The source
//! of events is chosen once, before the console starts, and asked for whatever it is to do; what
//! the engine tells while it works becomes messages. Only the latest filter request is worked
//! on; an older one still waiting is skipped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::case_desk::CaseDesk;
use super::detail::DetailData;
use super::effect::Effect;
use super::field_names::FieldIndexer;
use super::found;
use super::msg::{Asked, ExportFailure, Filtered, Msg, QueryAnswer, QueryFailure, Ticket};
use super::query::{TimeChoice, history};
use super::query_run;
use crate::engine::held::{self, HeldFindings};
use crate::engine::{
    Detection, EventSource, QueryJob, Report, SharedStore, TailControl, Target, compile,
};
use crate::export::{ExportError, export};
use crate::store::{EventStore, FilterSet, SortKey};

/// Values kept per facet.
pub const FACET_TOP: usize = 200;

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
    let mut facets = store.facet_counts_all(&rows, FACET_TOP);
    // A facet with values kept is counted as if none of them were: the values beside the kept
    // ones stay there to add (otherwise keeping one value leaves only that one to pick).
    for (facet, counts) in &mut facets {
        if !filter.include.iter().any(|(f, _)| f == facet) {
            continue;
        }
        let mut wider = filter.clone();
        wider.include.retain(|(f, _)| f != facet);
        let mut others = store.filter(&wider);
        if let Some(within) = within {
            others = intersect(&others, within);
        }
        *counts = store.facet_counts(&others, *facet, FACET_TOP);
    }
    let histogram = store.histogram(&rows);
    let said = if rows.is_empty() {
        why_no_match(store, filter)
    } else {
        None
    };
    Filtered {
        ticket,
        rows: Arc::new(rows),
        facets,
        histogram,
        took_ms: started.elapsed().as_millis() as u64,
        said,
    }
}

/// When a search finds nothing: the words no event holds, or that none holds them all.
fn why_no_match(store: &EventStore, filter: &FilterSet) -> Option<String> {
    let words = crate::store::search_words(filter.text.as_deref()?);
    if words.is_empty() {
        return None;
    }
    let quote = |w: &String| format!("`{}`", crate::text::sanitize(w));
    let among =
        if filter.include.is_empty() && filter.exclude.is_empty() && !filter.range.is_bounded() {
            "no event"
        } else {
            "no event the other filters keep"
        };
    let misses = store.search_misses(filter);
    if !misses.is_empty() {
        let listed: Vec<String> = misses.iter().map(quote).collect();
        return Some(format!("search: {among} holds {}", listed.join(" or ")));
    }
    (words.len() > 1).then(|| {
        let listed: Vec<String> = words.iter().map(quote).collect();
        format!(
            "search: each of {} is in some event, but {among} holds them all",
            listed.join(", ")
        )
    })
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
    /// Where the events come from; another only once a cluster is picked.
    source: Arc<RwLock<Arc<dyn EventSource>>>,
    /// The running query's stop flag.
    query_cancel: Arc<Mutex<Option<Arc<AtomicBool>>>>,
    /// Where the query history is kept; `None` keeps it for this run only.
    pub history_path: Option<PathBuf>,
    /// The loaded events' field names, gathered so far.
    field_names: Arc<Mutex<FieldIndexer>>,
    /// The detections over the events held, and the one worker reading for them.
    findings: Arc<FindingsWork>,
    /// Where cases are kept; `None` when no folder for them could be found.
    pub case_root: Option<PathBuf>,
    /// The open case's writer, started when a case is first opened.
    case_desk: Arc<OnceLock<CaseDesk>>,
}

/// One worker at a time reads the held events for the detections; a request while it reads
/// is taken up when it is done (only the latest range counts).
#[derive(Default)]
struct FindingsWork {
    held: Mutex<Option<HeldFindings>>,
    range: Mutex<TimeChoice>,
    busy: AtomicBool,
    again: AtomicBool,
}

impl Runner {
    pub fn new(
        store: SharedStore,
        tx: UnboundedSender<Msg>,
        source: Arc<dyn EventSource>,
    ) -> Runner {
        Runner {
            store,
            tx,
            latest_filter: Arc::default(),
            tail: Arc::default(),
            source: Arc::new(RwLock::new(source)),
            query_cancel: Arc::default(),
            history_path: None,
            field_names: Arc::default(),
            findings: Arc::default(),
            case_root: None,
            case_desk: Arc::default(),
        }
    }

    fn case_desk(&self) -> &CaseDesk {
        self.case_desk.get_or_init(|| {
            CaseDesk::start(self.case_root.clone(), self.store.clone(), self.tx.clone())
        })
    }

    /// Waits, `wait` at most, until what the case was asked to keep is on disk; true when it
    /// is (or no case was opened).
    pub fn finish_case(&self, wait: std::time::Duration) -> bool {
        self.case_desk.get().is_none_or(|desk| desk.flush(wait))
    }

    fn source(&self) -> Arc<dyn EventSource> {
        self.source
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What the engine tells becomes messages; `ticket`: the query they are about.
    fn report(&self, ticket: Option<Ticket>) -> Report {
        let tx = self.tx.clone();
        Report::new(move |event| match query_run::message(event, ticket) {
            Some(msg) => tx.send(msg).is_ok(),
            None => true,
        })
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
                self.query(ticket, &text, range, cancel);
            }
            Effect::FindFindings { detections, range } => {
                let work = &self.findings;
                *work.range.lock().unwrap_or_else(PoisonError::into_inner) = range;
                work.again.store(true, Ordering::SeqCst);
                if work.busy.swap(true, Ordering::SeqCst) {
                    return;
                }
                tokio::task::spawn_blocking(move || this.find(detections));
            }
            Effect::AnswerHeld { ticket, text, rows } => {
                tokio::task::spawn_blocking(move || {
                    let outcome = this.answer_held(&text, rows);
                    let _ = this.tx.send(Msg::QueryDone { ticket, outcome });
                });
            }
            Effect::OpenClusters(keys) => {
                let Some(picked) = self.source().with_clusters(&keys) else {
                    return;
                };
                let _ = self.tx.send(Msg::Opened(picked.name()));
                *self.source.write().unwrap_or_else(PoisonError::into_inner) = picked;
                self.load();
            }
            Effect::RetryCloud => self.source().retry(),
            Effect::FetchRecord {
                ticket,
                index,
                ptr,
                mark,
            } => {
                let source = self.source();
                tokio::spawn(async move {
                    if let Some(row) = source.fetch_record(&ptr, &this.store).await {
                        let _ = this.tx.send(Msg::RecordFetched {
                            ticket,
                            index,
                            row,
                            mark,
                        });
                    }
                });
            }
            Effect::OpenCase(name) => self.case_desk().open(&name),
            Effect::CaseWrite(write) => self.case_desk().write(write),
            Effect::FindMarks(marks) => self.case_desk().find(marks),
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
                        Ok(store) => DetailData::of_held(&store, row),
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
                        Ok(store) => export(
                            rows.iter().map(|r| store.original(*r)),
                            &path,
                            format,
                            overwrite,
                        ),
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

    /// Where the presets count back from: now for a live source, else the newest event held.
    fn anchor_ms(&self, source: &dyn EventSource) -> i64 {
        let newest = self
            .store
            .read()
            .ok()
            .and_then(|s| s.time_span())
            .map(|s| s.1);
        super::query::anchor_ms(live(source), newest, now_ms())
    }

    /// Compiles `text` as the source runs it and runs it there, its rows tied to the events
    /// held; progress while it runs, then its answer.
    fn query(&self, ticket: Ticket, text: &str, range: TimeChoice, cancel: Arc<AtomicBool>) {
        let source = self.source();
        let compiled = match compile(&source.query_text(text), source.target(true)) {
            Ok(compiled) => compiled,
            Err(diagnostics) => {
                let outcome = Err(query_run::refused(&diagnostics));
                let _ = self.tx.send(Msg::QueryDone { ticket, outcome });
                return;
            }
        };
        let warnings = query_run::warnings_of(&compiled);
        let asked = Asked {
            range: range.resolve(self.anchor_ms(&*source)),
            read_from: source.read_from(),
        };
        let job = QueryJob {
            compiled,
            range: asked.range,
            cancel,
            tie_to: Some(self.store.clone()),
        };
        let this = self.clone();
        tokio::spawn(async move {
            let report = this.report(Some(ticket));
            let outcome = match source.query(job, &report).await {
                Ok(answer) => query_run::answered(answer, warnings)
                    .map(|answered| Box::new(QueryAnswer { asked, ..answered })),
                Err(failure) => Err(query_run::failed(failure)),
            };
            let _ = this.tx.send(Msg::QueryDone { ticket, outcome });
        });
    }

    /// Reads the held events for the detections until no request waits; told as it goes.
    fn find(&self, detections: Arc<[Detection]>) {
        let work = &self.findings;
        loop {
            work.again.store(false, Ordering::SeqCst);
            let range = *work.range.lock().unwrap_or_else(PoisonError::into_inner);
            let mut held = work.held.lock().unwrap_or_else(PoisonError::into_inner);
            if held.is_none() {
                match HeldFindings::new(detections.to_vec()) {
                    Ok(made) => *held = Some(made),
                    Err(e) => {
                        let _ = self.tx.send(Msg::Found(Err(e)));
                        work.busy.store(false, Ordering::SeqCst);
                        return;
                    }
                }
            }
            if let Some(held) = held.as_mut() {
                let live = live(&*self.source());
                found::catch_up(held, &self.store, range, live, now_ms, |found| {
                    let _ = self.tx.send(Msg::Found(Ok(Box::new(found))));
                });
            }
            drop(held);
            work.busy.store(false, Ordering::SeqCst);
            // A request that came while reading (it saw the worker busy) is taken up here,
            // unless a new worker took it already.
            if !work.again.load(Ordering::SeqCst) || work.busy.swap(true, Ordering::SeqCst) {
                return;
            }
        }
    }

    /// The answer of `text` over the held events `rows`, each row tied to its event.
    fn answer_held(
        &self,
        text: &str,
        rows: Arc<Vec<u32>>,
    ) -> Result<Box<QueryAnswer>, QueryFailure> {
        let started = Instant::now();
        let compiled = compile(text, Target::LocalTied).map_err(|d| query_run::refused(&d))?;
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        let (result, row_of) = held::answer_over(&compiled, &store, &rows).ok_or(QueryFailure {
            message: "the detection has no plan to read events with".into(),
            in_query: false,
        })?;
        Ok(Box::new(QueryAnswer {
            result,
            row_of,
            events: true,
            elapsed_ms: started.elapsed().as_millis() as u64,
            cancelled: false,
            warnings: query_run::warnings_of(&compiled),
            ptrs: Vec::new(),
            held: Some(rows),
            asked: Default::default(),
        }))
    }

    /// Finds the clusters for the picker; the source is made for one when it is picked.
    pub fn discover(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let report = this.report(None);
            let found = this.source().clusters(&report).await;
            let _ = this.tx.send(Msg::Clusters(found));
        });
    }

    /// Reads the source into the store, telling the console as events arrive; then, when it
    /// follows, follows it from where reading stopped.
    pub fn load(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let source = this.source();
            let report = this.report(None);
            source.load(&this.store, &report).await;
            if source.follows() {
                source.tail(&this.store, &this.tail, &report).await;
            }
        });
    }
}

/// New events keep coming: a followed file, or CloudWatch, where a query reads up to now.
pub fn live(source: &dyn EventSource) -> bool {
    source.follows() || source.remote()
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
