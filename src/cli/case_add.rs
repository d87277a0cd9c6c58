//! `kaudit case add`: the events a query finds marked into a case, each kept byte for byte as
//! read. Over local files (or the demo) the events are held as read; over CloudWatch a query's
//! row may hold only the fields it names, so each event is fetched whole (GetLogRecord) and
//! marked from what CloudWatch stores.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Result, anyhow};
use clap::Args;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::problems;
use super::query::{DEFAULT_CLOUD_SPAN_MS, canned, failed, report_query_error, say_gaps};
use super::source_args::SourceArgs;
use super::time_args::TimeArgs;
use super::usage::usage;
use super::work::block_on;
use crate::audit::time::TimeRange;
use crate::case::{self, Case, EventRef, QueryRun, What};
use crate::engine::cloud::CloudSource;
use crate::engine::{
    Answer, AnswerFacts, EventSource, FETCH_AT_ONCE, QueryJob, Report, SharedStore, Target,
    compile, fetch_records,
};
use crate::insights::diag::render_all;
use crate::insights::exec::QueryResult;
use crate::store::EventStore;
use crate::text::{count, sanitize};

/// The most events one `case add` marks from CloudWatch unless told otherwise: each is one
/// GetLogRecord call, and a script that asked for ten thousand by mistake should be stopped
/// before it makes them.
const DEFAULT_MAX_EVENTS: usize = 1_000;

const NOT_EVENTS: &str = "the query's rows are not events (it counts or groups them): a case \
     keeps events, so give a query whose rows are events (filter …, fields …, sort …)";

#[derive(Debug, Args)]
pub(super) struct AddArgs {
    /// The case.
    name: String,
    /// Files or folders to read, then the query (unless --canned gives it).
    #[arg(value_name = "PATH… QUERY")]
    args: Vec<String>,
    /// Read the built-in demo incident (the default when no file is given).
    #[arg(long)]
    demo: bool,
    /// Run a query of the library by name.
    #[arg(long, value_name = "NAME")]
    canned: Option<String>,
    /// A value for a `${NAME}` parameter of the query (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = crate::catalog::params::parse_assignment)]
    param: Vec<(String, String)>,
    #[command(flatten)]
    time: TimeArgs,
    /// attacker, benign, unsure, or a word of your own.
    #[arg(long, default_value = "unsure")]
    tag: String,
    /// Why these events matter, kept with each.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    #[command(flatten)]
    cloud: CloudArgs,
    /// In CloudWatch: the most events to mark. Each is fetched whole with one GetLogRecord
    /// call, so a query that finds more is refused before any is fetched.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
    max_events: usize,
}

/// What marking needs, whatever the events are read from.
struct Marking<'a> {
    root: &'a Path,
    args: &'a AddArgs,
    tag: String,
    text: String,
}

pub(super) fn add(root: &Path, args: &AddArgs) -> Result<Outcome> {
    case::check_name(&args.name).map_err(|e| usage(e.to_string()))?;
    let tag = case::check_tag(&args.tag).map_err(|e| usage(e.to_string()))?;
    let mut positional = args.args.clone();
    let text = match &args.canned {
        Some(name) => canned(name)?,
        None => positional
            .pop()
            .ok_or_else(|| usage("give the query last, or --canned NAME"))?,
    };
    let text = match crate::catalog::params::fill(&text, &args.param) {
        Ok(text) => text,
        Err(missing) => return Err(usage(missing.to_string())),
    };
    if args.demo && !positional.is_empty() {
        return Err(usage(
            "--demo reads the demo incident: give either --demo or files, not both",
        ));
    }
    let marking = Marking {
        root,
        args,
        tag,
        text,
    };
    if args.cloud.is_set() {
        args.cloud.refuse_fleet("kaudit case add")?;
        if args.demo || !positional.is_empty() {
            return Err(usage(
                "--cluster and --log-group read CloudWatch Logs: give them or files (or --demo), \
                 not both",
            ));
        }
        return marking.over_cloud();
    }
    marking.over_files(positional)
}

impl Marking<'_> {
    fn over_files(&self, paths: Vec<String>) -> Result<Outcome> {
        let files = SourceArgs {
            demo: self.args.demo,
            file: Vec::new(),
            paths: paths.into_iter().map(PathBuf::from).collect(),
        };
        let source = files.local(false)?;
        let compiled = match compile(&self.text, source.target(true)) {
            Ok(compiled) => compiled,
            Err(diagnostics) => return Ok(report_query_error(&self.text, &diagnostics)),
        };
        if compiled.plan().and_then(|p| p.ptr_column()).is_none() {
            return Err(usage(NOT_EVENTS));
        }
        let range = self
            .args
            .time
            .resolve(jiff::Timestamp::now().as_millisecond())?;
        let store = SharedStore::default();
        source.load_now(&store, &Report::nowhere());
        let cancel = Arc::new(AtomicBool::new(false));
        let job = QueryJob {
            compiled,
            range,
            cancel: cancel.clone(),
            tie_to: Some(store.clone()),
        };
        let answer =
            block_on(false, &cancel, source.query(job, &Report::nowhere()))?.map_err(failed)?;
        if let AnswerFacts::Local(facts) = &answer.facts {
            for unreadable in &facts.unreadable {
                eprintln!("kaudit: {}", sanitize(unreadable));
            }
            problems::summarize(&facts.reports);
        }
        let held = store
            .read()
            .map_err(|_| anyhow!("the events read could not be held"))?;
        let mut rows: Vec<u32> = answer.row_of.iter().flatten().copied().collect();
        rows.sort_unstable();
        rows.dedup();
        held.sort_by_time(&mut rows);
        let mut case = Case::open_or_create(self.root, &self.args.name)?;
        let run = query_run(&self.text, &answer, &source, range);
        self.record(&mut case, run, &held, &rows, |_| None)?;
        Ok(Outcome::Success)
    }

    fn over_cloud(&self) -> Result<Outcome> {
        // Checked as CloudWatch will run it, before AWS bills a byte.
        let compiled = match compile(&self.text, Target::CloudWatch) {
            Ok(compiled) => compiled,
            Err(diagnostics) => return Ok(report_query_error(&self.text, &diagnostics)),
        };
        if compiled.has_stats() {
            return Err(usage(NOT_EVENTS));
        }
        if !compiled.warnings().is_empty() {
            eprint!("{}", render_all(&self.text, compiled.warnings()));
        }
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let range = self.args.time.resolve(now_ms)?;
        // One row past the most to mark is enough to know the answer is too many.
        let source = self.args.cloud.source(
            range,
            now_ms,
            DEFAULT_CLOUD_SPAN_MS,
            "the last hour is queried",
            self.args.max_events.saturating_add(1),
        )?;
        let cancel = Arc::new(AtomicBool::new(false));
        let job = QueryJob {
            compiled,
            range,
            cancel: cancel.clone(),
            tie_to: None,
        };
        // One runtime for the query and the fetches: the client made for one serves the other.
        block_on(true, &cancel, self.query_and_fetch(&source, job, &cancel))?
    }

    async fn query_and_fetch(
        &self,
        source: &CloudSource,
        job: QueryJob,
        cancel: &AtomicBool,
    ) -> Result<Outcome> {
        let range = job.range;
        let answer = source
            .query(job, &Report::nowhere())
            .await
            .map_err(failed)?;
        let facts = match &answer.facts {
            AnswerFacts::Cloud(facts) => facts,
            AnswerFacts::Local(_) => return Err(anyhow!("CloudWatch gave no answer of its own")),
        };
        if answer.cancelled {
            eprintln!("kaudit: stopped: StopQuery was sent; nothing was marked");
            return Ok(Outcome::Failure);
        }
        if !answer.events {
            return Err(usage(NOT_EVENTS));
        }
        // Each event once, at the first row that names it.
        let mut wanted: Vec<(String, usize)> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut without_ptr: Vec<usize> = Vec::new();
        for (i, ptr) in answer.ptrs.iter().enumerate() {
            match ptr {
                Some(ptr) if seen.insert(ptr) => wanted.push((ptr.clone(), i)),
                Some(_) => {}
                None => without_ptr.push(i),
            }
        }
        if wanted.is_empty() && !without_ptr.is_empty() {
            return Err(usage(
                "the query's rows carry no @ptr, so they are not events (CloudWatch answers \
                 @ptr with each row that is one): a case keeps events, so give a query whose \
                 rows are events (filter …, fields …, sort …)",
            ));
        }
        let max = self.args.max_events;
        if wanted.len() > max || facts.stopped_at_max {
            let found = if facts.stopped_at_max {
                format!("more than {}", count(max as u64, "event"))
            } else {
                count(wanted.len() as u64, "event")
            };
            return Err(usage(format!(
                "the query found {found}, over the limit of --max-events {max}: each event is \
                 fetched whole with one GetLogRecord call, so nothing was fetched or marked; \
                 narrow the query (a filter, a shorter range, a limit) or raise --max-events"
            )));
        }
        let mut outcome = Outcome::Success;
        if say_gaps(
            facts,
            ": events past them are not marked",
            ": some of them are not marked",
        ) {
            outcome = Outcome::Failure;
        }
        for i in &without_ptr {
            eprintln!(
                "kaudit: not marked: row {} of the answer carries no @ptr (it is not an event)",
                i + 1
            );
            outcome = Outcome::Failure;
        }
        let mut case = Case::open_or_create(self.root, &self.args.name)?;
        let store = SharedStore::default();
        let ptrs: Vec<String> = wanted.iter().map(|(p, _)| p.clone()).collect();
        let terminal = std::io::stderr().is_terminal();
        let total = ptrs.len();
        let got = fetch_records(source, &ptrs, &store, FETCH_AT_ONCE, cancel, |n| {
            if terminal {
                eprint!("\r\x1b[Kfetching… {n} of {total} events (GetLogRecord; Ctrl-C stops)");
            }
        })
        .await;
        if terminal {
            eprint!("\r\x1b[K");
        }
        let groups = source.read_from().log_groups;
        let mut rows: Vec<u32> = Vec::new();
        let mut found_at: HashMap<u32, EventRef> = HashMap::new();
        for ((ptr, i), got) in wanted.iter().zip(got) {
            match got {
                Ok(row) => {
                    rows.push(row);
                    let place = EventRef {
                        ptr: Some(ptr.clone()),
                        source: cloud_place(&answer.result, *i, &groups),
                        ..EventRef::default()
                    };
                    found_at.insert(row, place);
                }
                Err(why) => {
                    eprintln!(
                        "kaudit: not marked: the event at @ptr {} could not be fetched: {}",
                        sanitize(ptr),
                        sanitize(&why)
                    );
                    outcome = Outcome::Failure;
                }
            }
        }
        eprintln!(
            "kaudit: fetched {} of {} whole from CloudWatch (GetLogRecord, {FETCH_AT_ONCE} at a \
             time)",
            rows.len(),
            count(total as u64, "event"),
        );
        let held = store
            .read()
            .map_err(|_| anyhow!("the events fetched could not be held"))?;
        held.sort_by_time(&mut rows);
        // What the query ran over: from where CloudWatch started reading when no start was
        // given, to when it ran when no end was.
        let ran = TimeRange {
            start_ms: Some(source.settings().since_ms),
            ..range
        };
        let run = query_run(&self.text, &answer, source, ran);
        self.record(&mut case, run, &held, &rows, |row| found_at.remove(&row))?;
        Ok(outcome)
    }

    /// Records the query, then a mark for the event held at each of `rows`, where it is taken
    /// from what the store knows, else from `place` (CloudWatch's `@ptr`, log group and stream,
    /// for an event fetched there); then says what was marked.
    fn record(
        &self,
        case: &mut Case,
        run: QueryRun,
        held: &EventStore,
        rows: &[u32],
        mut place: impl FnMut(u32) -> Option<EventRef>,
    ) -> Result<()> {
        let (answered, scanned) = (run.rows, run.records_scanned);
        case.record(What::Query(run))?;
        for &row in rows {
            let (mut event, original) = case::marking::held_event(held, row);
            if let Some(place) = place(row) {
                event.ptr = event.ptr.or(place.ptr);
                event.source = event.source.or(place.source);
            }
            case.record(What::Marked {
                event,
                tag: self.tag.clone(),
                note: self.args.note.clone(),
                original,
            })?;
        }
        eprintln!(
            "kaudit: case {}: {} marked [{}] (the query gave {}; {} scanned)",
            self.args.name,
            count(rows.len() as u64, "event"),
            self.tag,
            count(answered, "row"),
            count(scanned, "record"),
        );
        if rows.is_empty() {
            eprintln!(
                "kaudit: the query found no event: nothing was marked (the query is recorded)"
            );
        }
        Ok(())
    }
}

/// The query as a case records it: its text, what it read over `range`, what it found.
fn query_run(text: &str, answer: &Answer, source: &dyn EventSource, range: TimeRange) -> QueryRun {
    let stats = answer.result.statistics;
    let read_from = source.read_from();
    QueryRun {
        text: text.to_string(),
        range: case::range_text(range),
        sources: read_from.files,
        log_groups: read_from.log_groups,
        records_scanned: stats.records_scanned,
        bytes_scanned: stats.bytes_scanned,
        rows: answer.result.rows.len() as u64,
    }
}

/// Where in CloudWatch the event of the answer's row `i` is: its log group (the row's `@log`,
/// else the only one queried), then `:STREAM` when the row names its `@logStream` (neither
/// name can hold a colon).
fn cloud_place(result: &QueryResult, i: usize, groups: &[String]) -> Option<String> {
    let cell = |name: &str| {
        let column = result.columns.iter().position(|c| c == name)?;
        let text = result.rows.get(i)?.get(column)?.as_text()?.into_owned();
        (!text.is_empty()).then_some(text)
    };
    let group = match (cell("@log"), groups) {
        // `ACCOUNT:GROUP`.
        (Some(log), _) => match log.split_once(':') {
            Some((_, group)) => group.to_string(),
            None => log,
        },
        (None, [only]) => only.clone(),
        (None, _) => return None,
    };
    Some(match cell("@logStream") {
        Some(stream) => format!("{group}:{stream}"),
        None => group,
    })
}
