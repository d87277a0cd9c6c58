//! Local files, folders, standard input and the built-in demo as one [`EventSource`]. A file is
//! opened anew for each query (a followed file is read as it is now); standard input and the
//! demo are read once and kept.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::audit::decode::Depth;
use crate::audit::time::TimeRange;
use crate::engine::SharedStore;
use crate::engine::compile::Target;
use crate::engine::event::{Event, Progress, Report};
use crate::engine::finding::Detection;
use crate::engine::intake::{Arrival, Intake, TailControl};
use crate::engine::source::{
    Answer, AnswerFacts, Detected, EventSource, Failure, QueryJob, ReadFrom, Work,
};
use crate::source::demo::{DemoConfig, demo_bytes};
use crate::source::local::{self, InputError, InputSpec, LocalInput, QueryProgress};

use super::answer::{answer, tie};
use super::follow::{Followed, follow};
use super::load::load;
use super::read::{ReadOptions, ticking};
use super::span::span_of;

/// How often a running query reports how far it has got.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Events in the built-in demo incident.
pub const DEMO_EVENTS: usize = DemoConfig::DEFAULT_EVENTS;

/// An input opened, with the index of its spec.
type Numbered = (usize, Arc<LocalInput>);

/// Local inputs.
#[derive(Debug, Clone)]
pub struct LocalSource {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    specs: Vec<InputSpec>,
    demo: bool,
    follow: bool,
    /// What loading opened, by spec: queries read these inputs, and no other.
    loaded: Mutex<Option<Vec<Numbered>>>,
    /// Inputs that are not files (standard input, the demo), once read: standard input cannot be
    /// read twice.
    kept: Mutex<Vec<Numbered>>,
    followed: Mutex<Vec<Followed>>,
}

impl LocalSource {
    /// The built-in demo incident.
    pub fn demo() -> LocalSource {
        let spec = InputSpec::Bytes {
            name: "demo".to_string(),
            data: demo_bytes(&DemoConfig::default()),
            // The incident's cluster, as CloudWatch names its log group: `@source` eks, its
            // `@cluster`.
            log_group: Some(crate::source::demo::LOG_GROUP.to_string()),
        };
        LocalSource::new(vec![spec], true, false)
    }

    /// The files and folders given (folders read recursively; `-` is standard input);
    /// `follow`: the files are followed once loaded.
    pub fn files(paths: &[PathBuf], follow: bool) -> Result<LocalSource, InputError> {
        Ok(LocalSource::new(local::expand(paths)?, false, follow))
    }

    fn new(specs: Vec<InputSpec>, demo: bool, follow: bool) -> LocalSource {
        LocalSource {
            inner: Arc::new(Inner {
                specs,
                demo,
                follow,
                loaded: Mutex::default(),
                kept: Mutex::default(),
                followed: Mutex::default(),
            }),
        }
    }

    /// What it reads, folders expanded.
    pub fn specs(&self) -> &[InputSpec] {
        &self.inner.specs
    }

    /// Every input is a file, so that it can be followed.
    pub fn all_files(&self) -> bool {
        !self.inner.demo
            && self
                .inner
                .specs
                .iter()
                .all(|s| matches!(s, InputSpec::Path(_)))
    }

    /// Reads the inputs into the store, on this thread.
    pub fn load_now(&self, store: &SharedStore, report: &Report) {
        self.inner.load(store, report);
    }

    /// Follows the files from where loading stopped, on this thread, each round's events read
    /// at `depth` handed to `on_round` until it says to stop or `stop` is set.
    pub fn follow_now(
        &self,
        depth: Depth,
        report: &Report,
        stop: &AtomicBool,
        on_round: impl FnMut(super::follow::Round) -> std::ops::ControlFlow<()>,
    ) {
        let files = self.inner.followed();
        if !files.is_empty() {
            follow(&files, depth, report, stop, on_round);
        }
    }
}

/// An input to read: opened, or why it could not be.
type Opened = Result<Arc<LocalInput>, InputError>;

impl Inner {
    fn load(&self, store: &SharedStore, report: &Report) {
        let loaded = load(&self.specs, self.follow, store, report);
        let keep = |list: &mut Vec<_>| {
            for (i, input) in &loaded.inputs {
                if !matches!(self.specs[*i], InputSpec::Path(_)) {
                    list.push((*i, input.clone()));
                }
            }
        };
        keep(&mut self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        *self.followed.lock().unwrap_or_else(PoisonError::into_inner) = loaded.followed;
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) = Some(loaded.inputs);
    }

    /// The files to follow, each from where loading stopped: none before loading ran.
    fn followed(&self) -> Vec<Followed> {
        self.followed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The specs to read: those loading opened, once it has run; else all.
    fn to_read(&self) -> (Vec<usize>, bool) {
        match &*self.loaded.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(loaded) => (loaded.iter().map(|(i, _)| *i).collect(), true),
            None => ((0..self.specs.len()).collect(), false),
        }
    }

    /// Opens the spec: a file anew, anything else as kept (read and kept the first time).
    fn open(&self, i: usize) -> Opened {
        let spec = &self.specs[i];
        if matches!(spec, InputSpec::Path(_)) {
            return local::open(spec).map(Arc::new);
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, input)) = kept.iter().find(|(k, _)| *k == i) {
            return Ok(input.clone());
        }
        let input = Arc::new(local::open(spec)?);
        kept.push((i, input.clone()));
        Ok(input)
    }

    fn query(&self, job: QueryJob, report: &Report) -> Result<Answer, Failure> {
        let started = Instant::now();
        let (specs, loaded) = self.to_read();
        let mut compiled = job.compiled;
        compiled.across_inputs(specs.len());
        let progress = Arc::new(QueryProgress::default());
        let options = ReadOptions {
            cancel: job.cancel,
            progress: progress.clone(),
            watch_fields: true,
        };
        let mut unreadable = Vec::new();
        let mut keep_readable = |opened: Opened| match opened {
            Ok(input) => Some(input),
            Err(e) => {
                unreadable.push(e.to_string());
                None
            }
        };
        // Loaded inputs are opened together, so that the progress has a total; otherwise one at
        // a time, so that a folder of gzip files is not held in memory at once.
        let eager: Option<Vec<Arc<LocalInput>>> = loaded.then(|| {
            specs
                .iter()
                .filter_map(|i| keep_readable(self.open(*i)))
                .collect()
        });
        let bytes_total = eager
            .as_ref()
            .map(|inputs| inputs.iter().map(|i| i.bytes().len() as u64).sum());
        let tick = || {
            report.send(Event::Progress(Progress {
                records_scanned: progress
                    .records_done
                    .load(std::sync::atomic::Ordering::Relaxed),
                bytes_scanned: progress
                    .bytes_done
                    .load(std::sync::atomic::Ordering::Relaxed),
                bytes_total,
                elapsed_ms: started.elapsed().as_millis() as u64,
                ..Progress::default()
            }))
        };
        let answered = ticking(PROGRESS_EVERY, tick, || match eager {
            Some(inputs) => answer(&compiled, job.range, inputs, &options, started),
            None => {
                let lazy = specs.iter().filter_map(|i| keep_readable(self.open(*i)));
                answer(&compiled, job.range, lazy, &options, started)
            }
        });
        let mut answered = answered.map_err(|e| Failure::Reading(e.to_string()))?;
        if let AnswerFacts::Local(facts) = &mut answered.facts {
            facts.unreadable = unreadable;
        }
        if let Some(store) = &job.tie_to {
            let Ok(held) = store.read() else {
                return Err(Failure::Reading("the events could not be read".into()));
            };
            tie(&compiled, &mut answered, &held);
        }
        answered.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(answered)
    }
}

impl Inner {
    /// The inputs detections read: those loaded, as loaded; else each opened now, the first
    /// that cannot be failing the whole (a detection run short of an input would say "nothing
    /// found" where it did not look).
    fn for_detections(&self) -> Result<Vec<Arc<LocalInput>>, String> {
        if let Some(loaded) = &*self.loaded.lock().unwrap_or_else(PoisonError::into_inner) {
            return Ok(loaded.iter().map(|(_, input)| input.clone()).collect());
        }
        (0..self.specs.len())
            .map(|i| self.open(i).map_err(|e| with_causes(&e)))
            .collect()
    }

    fn detect(&self, detections: &[Detection], range: TimeRange) -> Result<Detected, String> {
        let inputs = self.for_detections()?;
        let (findings, reports) = super::detect(detections, &inputs, range)?;
        Ok(Detected { findings, reports })
    }

    /// Where the inputs lie, when none of their events is in `range`: files opened again (one
    /// that can no longer be was reported already), the others as kept.
    fn explain_empty(&self, range: TimeRange) -> Option<String> {
        if !range.is_bounded() {
            return None;
        }
        let inputs: Vec<Arc<LocalInput>> = (0..self.specs.len())
            .filter_map(|i| match &self.specs[i] {
                InputSpec::Path(_) => self.open(i).ok(),
                _ => self.kept_input(i),
            })
            .collect();
        let (span, inside) = span_of(inputs.iter().map(|i| &**i), range);
        if inside { None } else { span.explanation() }
    }

    fn kept_input(&self, i: usize) -> Option<Arc<LocalInput>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter()
            .find(|(k, _)| *k == i)
            .map(|(_, input)| input.clone())
    }

    /// Follows the files into the store through the intake, until `control.stop`.
    fn tail(&self, store: &SharedStore, control: &TailControl, report: &Report) {
        let files = self.followed();
        if files.is_empty() {
            return;
        }
        let mut intake = Intake::default();
        // Classify: what the store reads of an event as it takes it in.
        follow(&files, Depth::Classify, report, &control.stop, |round| {
            let raws = round
                .events
                .into_iter()
                .map(|e| Arrival {
                    text: e.raw,
                    original: e.original,
                    origin: None,
                })
                .collect();
            if intake.offer(raws, round.reports, store, report, control) {
                std::ops::ControlFlow::Continue(())
            } else {
                std::ops::ControlFlow::Break(())
            }
        });
    }
}

/// The error and what caused it, as one line (`error: cause: cause`).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// Runs blocking `work` off the async threads, its panic (a bug) reported as a failure.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("a worker failed: {e}"))
}

impl EventSource for LocalSource {
    fn name(&self) -> String {
        if self.inner.demo {
            return "demo incident".to_string();
        }
        local::describe(&self.inner.specs)
    }

    fn read_from(&self) -> ReadFrom {
        let files = self
            .inner
            .specs
            .iter()
            .map(|spec| match spec {
                InputSpec::Path(path) => path.display().to_string(),
                InputSpec::Stdin => "-".to_string(),
                InputSpec::Bytes { name, .. } => name.clone(),
            })
            .collect();
        ReadFrom {
            files,
            log_groups: Vec::new(),
        }
    }

    fn target(&self, tied: bool) -> Target {
        if tied {
            Target::LocalTied
        } else {
            Target::Local
        }
    }

    fn follows(&self) -> bool {
        self.inner.follow
    }

    fn load<'a>(&'a self, store: &'a SharedStore, report: &'a Report) -> Work<'a, ()> {
        let (inner, store, told) = (self.inner.clone(), store.clone(), report.clone());
        Box::pin(async move {
            if let Err(e) = blocking(move || inner.load(&store, &told)).await {
                report.failed(&e);
            }
        })
    }

    fn tail<'a>(
        &'a self,
        store: &'a SharedStore,
        control: &'a Arc<TailControl>,
        report: &'a Report,
    ) -> Work<'a, ()> {
        let (inner, store, control) = (self.inner.clone(), store.clone(), control.clone());
        let report = report.clone();
        Box::pin(async move {
            let _ = blocking(move || inner.tail(&store, &control, &report)).await;
        })
    }

    fn query<'a>(&'a self, job: QueryJob, report: &'a Report) -> Work<'a, Result<Answer, Failure>> {
        let (inner, report) = (self.inner.clone(), report.clone());
        Box::pin(async move {
            blocking(move || inner.query(job, &report))
                .await
                .map_err(Failure::Reading)?
        })
    }

    fn detect<'a>(
        &'a self,
        detections: &'a [Detection],
        range: TimeRange,
        _report: &'a Report,
        _cancel: &'a AtomicBool,
    ) -> Work<'a, Result<Detected, String>> {
        let (inner, detections) = (self.inner.clone(), detections.to_vec());
        Box::pin(async move { blocking(move || inner.detect(&detections, range)).await? })
    }

    fn explain_empty(&self, range: TimeRange) -> Option<String> {
        self.inner.explain_empty(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compile::compile;

    fn event(id: &str, at: &str) -> String {
        format!(
            "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"{id}\",\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"stageTimestamp\":\"{at}\"}}\n"
        )
    }

    fn files(dir: &std::path::Path) -> LocalSource {
        let a = dir.join("a.log");
        let b = dir.join("b.log");
        std::fs::write(&a, event("a1", "2026-11-02T08:00:03Z")).expect("write");
        std::fs::write(&b, event("b1", "2026-11-02T08:00:01Z")).expect("write");
        LocalSource::files(&[a, b], false).expect("the files are there")
    }

    fn query(source: &LocalSource, text: &str, tie_to: Option<SharedStore>) -> Answer {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let job = QueryJob {
            compiled: compile(text, source.target(tie_to.is_some())).expect("compiles"),
            range: TimeRange::default(),
            cancel: Arc::default(),
            tie_to,
        };
        runtime
            .block_on(source.query(job, &Report::nowhere()))
            .expect("answered")
    }

    #[test]
    fn a_query_over_the_loaded_files_is_tied_to_the_events_held() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = files(dir.path());
        let store = SharedStore::default();
        source.load_now(&store, &Report::nowhere());
        let answer = query(&source, "fields auditID", Some(store.clone()));
        let ids: Vec<String> = answer.result.rows.iter().map(|r| r[0].display()).collect();
        assert_eq!(ids, ["b1", "a1"], "one timeline");
        // Tied: the @ptr column the plan added is gone, each row knows its store row.
        assert_eq!(answer.result.columns, ["auditID"]);
        let held = store.read().expect("store");
        let tied: Vec<String> = answer
            .row_of
            .iter()
            .map(|r| {
                let raw = held.raw(r.expect("tied"));
                String::from_utf8_lossy(raw).contains("b1").to_string()
            })
            .collect();
        assert_eq!(tied, ["true", "false"]);
    }

    #[test]
    fn a_file_gone_before_the_query_is_told_and_the_others_answer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = files(dir.path());
        std::fs::remove_file(dir.path().join("a.log")).expect("remove");
        let answer = query(&source, "fields auditID", None);
        assert_eq!(answer.result.rows.len(), 1);
        let AnswerFacts::Local(facts) = answer.facts else {
            panic!("a local answer");
        };
        assert_eq!(facts.unreadable.len(), 1, "{:?}", facts.unreadable);
        assert!(facts.unreadable[0].contains("a.log"));
    }

    /// An AKS record appended to a followed file reaches the store as its event, and keeps the
    /// record for an export.
    #[test]
    fn a_followed_aks_record_keeps_its_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kube-audit.jsonl");
        let aks = |id: &str| {
            let text = event(id, "2026-11-02T08:00:02Z");
            let escaped = text.trim_end().replace('"', "\\\"");
            format!("{{\"category\":\"kube-audit\",\"properties\":{{\"log\":\"{escaped}\"}}}}\n")
        };
        std::fs::write(&path, aks("k1")).expect("write");
        let source = LocalSource::files(std::slice::from_ref(&path), true).expect("there");
        let store = SharedStore::default();
        source.load_now(&store, &Report::nowhere());
        let control = Arc::new(TailControl::default());
        let tail = {
            let (inner, store, control) = (source.inner.clone(), store.clone(), control.clone());
            std::thread::spawn(move || inner.tail(&store, &control, &Report::nowhere()))
        };
        let second = aks("k2");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        std::io::Write::write_all(&mut file, second.as_bytes()).expect("append");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while store.read().expect("store").len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        control
            .stop
            .store(true, std::sync::atomic::Ordering::Relaxed);
        tail.join().expect("tail");
        let held = store.read().expect("store");
        assert_eq!(held.len(), 2);
        let want = event("k2", "2026-11-02T08:00:02Z");
        assert_eq!(held.raw(1), want.trim_end().as_bytes());
        assert_eq!(held.original(1), second.trim_end().as_bytes());
        assert_eq!(held.original(0), aks("k1").trim_end().as_bytes());
    }

    /// A followed file caught while a line is being written: the load reads the whole lines,
    /// says nothing of the half line, and the follow reads it once it is whole.
    #[test]
    fn a_line_half_written_at_the_load_is_the_follows_and_no_malformed_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("live.log");
        let second = event("l2", "2026-11-02T08:00:02Z");
        std::fs::write(&path, event("l1", "2026-11-02T08:00:01Z") + &second[..40]).expect("write");
        let source = LocalSource::files(std::slice::from_ref(&path), true).expect("there");
        let store = SharedStore::default();
        source.load_now(&store, &Report::nowhere());
        {
            let held = store.read().expect("store");
            assert_eq!(held.len(), 1);
            assert_eq!(
                held.problem_count(),
                0,
                "a line being written is not malformed"
            );
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        std::io::Write::write_all(&mut file, &second.as_bytes()[40..]).expect("append");
        let mut arrived = Vec::new();
        source.follow_now(
            Depth::Minimal,
            &Report::nowhere(),
            &AtomicBool::new(false),
            |round| {
                assert!(round.reports.iter().all(|r| r.problems.is_empty()));
                arrived.extend(round.events.into_iter().map(|e| e.raw));
                std::ops::ControlFlow::Break(())
            },
        );
        assert_eq!(arrived, [second.trim_end().as_bytes().to_vec()]);
    }

    #[test]
    fn a_range_that_misses_the_files_says_where_they_lie() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = files(dir.path());
        let missed = TimeRange {
            start_ms: Some(0),
            end_ms: Some(1_000),
        };
        let said = source.explain_empty(missed).expect("an explanation");
        assert!(said.contains("2026-11-02T08:00:01.000Z"), "{said}");
        assert_eq!(source.explain_empty(TimeRange::default()), None);
    }
}
