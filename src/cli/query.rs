//! `kaudit query`: a Logs Insights query over local events, or in CloudWatch Logs Insights
//! (`--cluster`, `--log-group`): checked first either way (a typo costs nothing), the answer
//! printed in the same forms, with what it lacks said on stderr.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::Args;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::problems;
pub use super::rows::QueryOutput;
use super::rows::print_result;
use super::source_args::SourceArgs;
use super::time_args::TimeArgs;
use super::usage::{QUERY_ERROR, usage};
use super::work::block_on;
use crate::catalog::{Catalog, default_user_dir};
use crate::engine::cloud::{AWS_ROW_CAP, CloudFacts};
use crate::engine::{
    Answer, AnswerFacts, Event, EventSource, Failure, LocalFacts, QueryJob, Report, Target, compile,
};
use crate::insights::diag::{Diagnostic, render_all};
use crate::insights::exec::QueryResult;
use crate::text::sanitize;

#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// Read the built-in demo incident (the default when no file is given).
    #[arg(long)]
    pub demo: bool,
    /// A file or folder to read (repeatable); `-` reads standard input.
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub file: Vec<PathBuf>,
    /// Files or folders to read, then the query (unless --query-file or --canned gives it).
    #[arg(value_name = "PATH… QUERY")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub time: TimeArgs,
    /// How to print the result.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: QueryOutput,
    /// Read the query from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "canned")]
    pub query_file: Option<PathBuf>,
    /// Run a query of the library by name (`queries/`, and the user's folder).
    #[arg(long, value_name = "NAME")]
    pub canned: Option<String>,
    #[command(flatten)]
    pub cloud: CloudArgs,
    /// A value for a `${NAME}` parameter of the query (repeatable): `--param user=alice`.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = crate::catalog::params::parse_assignment)]
    pub param: Vec<(String, String)>,
    /// In CloudWatch: the most rows to fetch when an answer of events is split past AWS's
    /// 10,000-row cap.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_rows: usize,
    /// In CloudWatch: list the queries that would be sent (account and region, log groups,
    /// text, range) and send none.
    #[arg(long)]
    pub dry_run: bool,
    /// Over a fleet: start at most N queries at once (1 to 100, AWS's quota of concurrent
    /// queries an account runs; else the fleet's `concurrency`, else 4). Fewer run when AWS
    /// says the account is at its limit.
    #[arg(long, value_name = "N", value_parser = parse_concurrency)]
    pub concurrency: Option<usize>,
    /// Over a fleet: also write every target's status (complete, partial, refused, failed),
    /// retries, queries, rows, bytes scanned and cost to FILE as one JSON document; the rows
    /// stay on stdout as they are.
    #[arg(long, value_name = "FILE")]
    pub status_file: Option<PathBuf>,
}

fn parse_concurrency(text: &str) -> Result<usize, String> {
    let n: i64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    crate::engine::cloud::concurrency(n)
}

/// How far back a query in CloudWatch reads when no range is given: CloudWatch bills every byte
/// scanned.
pub(super) const DEFAULT_CLOUD_SPAN_MS: i64 = 3600 * 1000;

pub fn run(args: &QueryArgs) -> Result<Outcome> {
    let mut positional = args.args.clone();
    let text = match (&args.query_file, &args.canned) {
        (Some(path), _) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the query file {}", path.display()))?,
        (None, Some(name)) => canned(name)?,
        (None, None) => positional
            .pop()
            .ok_or_else(|| usage("give a query, --query-file FILE or --canned NAME"))?,
    };
    let text = match crate::catalog::params::fill(&text, &args.param) {
        Ok(text) => text,
        Err(missing) => {
            eprintln!("kaudit: {missing}");
            return Ok(Outcome::Exit(QUERY_ERROR));
        }
    };
    if args.demo && !positional.is_empty() {
        return Err(usage(
            "--demo reads the demo incident: give either --demo or files, not both",
        ));
    }
    let files = SourceArgs {
        demo: args.demo,
        file: args.file.clone(),
        paths: positional.into_iter().map(PathBuf::from).collect(),
    };
    let cloud = args.cloud.with_fleet()?;
    let in_cloud = cloud.is_set();
    let fleet = in_cloud && (cloud.fleet() || args.dry_run);
    // Over a fleet, a `stats` is asked once per cluster: `by @cluster` is each answer already.
    let text = if fleet {
        crate::engine::cloud::without_fleet_keys(&text)
    } else {
        text
    };
    if in_cloud && (args.demo || !files.paths.is_empty() || !args.file.is_empty()) {
        return Err(usage(
            "--cluster and --log-group read CloudWatch Logs: give them or files (or --demo), not both",
        ));
    }
    // Checked as it will run, before anything is read: in CloudWatch, a mistake is caught
    // before AWS bills a byte.
    let target = if in_cloud {
        Target::CloudWatch
    } else {
        Target::Local
    };
    let compiled = match compile(&text, target) {
        Ok(compiled) => compiled,
        // `kaudit query 'QUERY' FILE`: the file was taken for the query.
        Err(_)
            if args.query_file.is_none()
                && args.canned.is_none()
                && std::path::Path::new(text.trim()).exists() =>
        {
            return Err(usage(format!(
                "the query comes last, after the files: kaudit query {} 'QUERY' (`{}` is a file, \
                 not a query)",
                text.trim(),
                text.trim()
            )));
        }
        Err(diagnostics) => return Ok(report_query_error(&text, &diagnostics)),
    };
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    if fleet {
        if !compiled.warnings().is_empty() {
            eprint!("{}", render_all(&text, compiled.warnings()));
        }
        let start_ms = range.start_ms.unwrap_or_else(|| {
            eprintln!("kaudit: no --since or --start: the last hour is queried");
            now_ms - DEFAULT_CLOUD_SPAN_MS
        });
        let end_ms = range.end_ms.unwrap_or(now_ms);
        let ask = super::fleet::FleetAsk {
            compiled: &compiled,
            start_ms,
            end_ms,
            max_rows: args.max_rows,
            dry_run: args.dry_run,
            output: args.output,
            concurrency: args
                .concurrency
                .or(cloud.fleet_concurrency)
                .unwrap_or(crate::engine::cloud::FIRST_CONCURRENCY),
            status_file: args.status_file.as_deref(),
        };
        return super::fleet::query(&cloud, &ask);
    }
    for (given, flag) in [
        (args.concurrency.is_some(), "--concurrency"),
        (args.status_file.is_some(), "--status-file"),
    ] {
        if given {
            return Err(usage(format!(
                "{flag} is for a query over a fleet (several regions, accounts or roles, a cluster glob, --fleet)"
            )));
        }
    }
    if args.dry_run {
        return Err(usage(
            "--dry-run lists the queries CloudWatch would be sent: give --cluster or --log-group",
        ));
    }
    let source: Arc<dyn EventSource> = if in_cloud {
        if !compiled.warnings().is_empty() {
            eprint!("{}", render_all(&text, compiled.warnings()));
        }
        let read = "the last hour is queried";
        Arc::new(cloud.source(range, now_ms, DEFAULT_CLOUD_SPAN_MS, read, args.max_rows)?)
    } else {
        let source = files.local(false)?;
        if !compiled.warnings().is_empty() {
            eprint!("{}", render_all(&text, compiled.warnings()));
        }
        Arc::new(source)
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal() && source.remote();
    let report = Report::new(move |event| {
        if let (true, Event::Progress(p)) = (terminal, event) {
            eprint!(
                "\r\x1b[Krunning… query {}, {} so far, {} ({:.1} MB) scanned, {:.1} s (Ctrl-C stops it)",
                p.queries,
                crate::text::count(p.rows, "row"),
                crate::text::count(p.records_scanned, "record"),
                p.bytes_scanned as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
        }
        true
    });
    let job = QueryJob {
        compiled,
        range,
        cancel: cancel.clone(),
        tie_to: None,
    };
    // The plan (with its warnings) goes to the source: what printing needs of it is kept.
    let row_cap_warning = job.compiled.row_cap_warning();
    let answer = block_on(source.remote(), &cancel, source.query(job, &report))?;
    if terminal {
        eprint!("\r\x1b[K");
    }
    let answer = answer.map_err(failed)?;
    let printed = Printed {
        text: &text,
        args,
        started,
        row_cap_warning,
    };
    match &answer.facts {
        AnswerFacts::Local(facts) => printed.local(&answer, facts, source.as_ref(), range),
        AnswerFacts::Cloud(facts) => printed.cloud(&answer, facts),
    }
}

/// What printing an answer needs besides the answer.
struct Printed<'a> {
    text: &'a str,
    args: &'a QueryArgs,
    started: Instant,
    row_cap_warning: Option<Diagnostic>,
}

impl Printed<'_> {
    fn local(
        &self,
        answer: &Answer,
        facts: &LocalFacts,
        source: &dyn EventSource,
        range: crate::audit::time::TimeRange,
    ) -> Result<Outcome> {
        let mut outcome = Outcome::Success;
        for unreadable in &facts.unreadable {
            eprintln!("kaudit: {}", sanitize(unreadable));
            outcome = Outcome::Failure;
        }
        let result = &answer.result;
        problems::summarize(&facts.reports);
        if result.statistics.records_matched == 0
            && let Some(line) = source.explain_empty(range)
        {
            eprintln!("kaudit: {line}");
        }
        let absent = &facts.unseen;
        if !absent.is_empty() {
            eprint!("{}", render_all(self.text, absent));
        }
        if result.capped
            && let Some(w) = &self.row_cap_warning
        {
            eprint!("{}", render_all(self.text, std::slice::from_ref(w)));
        }
        print_result(result, self.args.output)?;
        let s = result.statistics;
        eprintln!(
            "records scanned: {}, matched: {}, bytes scanned: {}, rows: {}, elapsed: {:.3} s{}",
            s.records_scanned,
            s.records_matched,
            s.bytes_scanned,
            result.rows.len(),
            self.started.elapsed().as_secs_f64(),
            empty_answer_note(result, absent)
        );
        Ok(outcome)
    }

    fn cloud(&self, answer: &Answer, facts: &CloudFacts) -> Result<Outcome> {
        if facts.cancelled {
            eprintln!(
                "kaudit: stopped: StopQuery was sent; the rows below are what CloudWatch had found"
            );
        }
        say_gaps(
            facts,
            ", so there may be more",
            "; some of them are missing",
        );
        if facts.queries > 1 {
            eprintln!(
                "kaudit: past CloudWatch's {AWS_ROW_CAP}-row cap, the range was split into {}",
                crate::text::count(facts.queries, "query")
            );
        }
        if facts.stopped_at_max {
            let rest = if facts.oldest_first { "newer" } else { "older" };
            eprintln!(
                "kaudit: stopped at --max-rows {}: {rest} parts of the range were not read",
                facts.max_rows
            );
        }
        print_result(&answer.result, self.args.output)?;
        let _ = std::io::stdout().flush();
        let stats = facts.stats;
        eprintln!(
            "records scanned: {:.0}, matched: {:.0}, bytes scanned: {:.0}, rows: {}, elapsed: {:.3} s (CloudWatch, {})",
            stats.records_scanned,
            stats.records_matched,
            stats.bytes_scanned,
            answer.result.rows.len(),
            self.started.elapsed().as_secs_f64(),
            crate::text::count(facts.queries, "query")
        );
        Ok(if facts.cancelled {
            Outcome::Failure
        } else {
            Outcome::Success
        })
    }
}

/// For an answer with no rows that reads a field no event had: that field, on the summary
/// line, where a reader of "rows: 0" looks for why.
fn empty_answer_note(result: &QueryResult, absent: &[Diagnostic]) -> String {
    if !result.rows.is_empty() {
        return String::new();
    }
    let mut said: Vec<String> = Vec::new();
    for d in absent {
        let line = sanitize(&d.one_line()).into_owned();
        if !said.contains(&line) {
            said.push(line);
        }
    }
    if said.is_empty() {
        String::new()
    } else {
        format!(" — {}", said.join("; "))
    }
}

pub(super) fn canned(name: &str) -> Result<String> {
    let catalog = Catalog::load_with_lists(
        default_user_dir().as_deref(),
        crate::catalog::lists::default_dir().as_deref(),
    );
    for p in &catalog.problems {
        eprintln!("kaudit: {}", sanitize(&p.to_string()));
    }
    let waiting = catalog.waiting().iter().find(|w| w.query.name == name);
    match catalog.get(name) {
        Some(q) => Ok(q.text.clone()),
        None if let Some(w) = waiting => Err(usage(sanitize(&w.to_string()).into_owned())),
        None => {
            let names: Vec<&str> = catalog.names().collect();
            let near = crate::insights::suggest::nearest(name, names.iter().copied())
                .map(|n| format!("did you mean {n:?}? "))
                .unwrap_or_default();
            Err(usage(format!(
                "no canned query named {name:?}; {near}the library has: {}",
                names.join(", ")
            )))
        }
    }
}

pub(super) fn report_query_error(text: &str, diagnostics: &[Diagnostic]) -> Outcome {
    eprint!("{}", render_all(text, diagnostics));
    Outcome::Exit(QUERY_ERROR)
}
/// What CloudWatch's answer left out, on stderr: the cap reached by a query that cannot be
/// split, and the seconds holding more events than one query returns. `then` says what that
/// means for the command (after the cap, after a second not covered). True when anything was.
pub(super) fn say_gaps(facts: &CloudFacts, then_capped: &str, then_uncovered: &str) -> bool {
    if let Some(why) = &facts.capped {
        eprintln!(
            "kaudit: CloudWatch returned its cap of {AWS_ROW_CAP} rows and this query cannot be split by time ({why}){then_capped}"
        );
    }
    let at = |s: i64| jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string());
    for (start_s, end_s) in &facts.uncovered {
        eprintln!(
            "kaudit: not covered: from {} to {} more than {AWS_ROW_CAP} events match, too many for one query of the shortest range kaudit can ask for{then_uncovered}",
            at(*start_s),
            at(*end_s)
        );
    }
    facts.capped.is_some() || !facts.uncovered.is_empty()
}

/// A query that gave no answer, as the command line says it (made safe to show).
pub(super) fn failed(failure: Failure) -> anyhow::Error {
    anyhow!("{}", sanitize(&failure.to_string()))
}
