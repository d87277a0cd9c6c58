//! `kaudit tail`: the audit log of clusters in CloudWatch Logs as it is written. Live tail
//! (StartLiveTail) by default: the history first (`--since`), sessions restarted and their gaps
//! read back, sampling told on stderr. With `--poll`, or when live tail is refused, FilterLogEvents
//! is polled with a look-back window and de-duplication by event id. Either way no event is lost
//! or printed twice.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::table::{TableWriter, row};
use super::tail_state::{Kept, Sink, resume};
use super::tail_status::{Status, Statuses};
use super::time_args::parse_duration_ms;
use crate::audit::decode::{Depth, decode_event};
use crate::engine::cloud::{CloudError, CloudSource, LiveNote, TailEvent, Watch};
use crate::text::sanitize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum TailOutput {
    /// The columns an analyst scans.
    #[default]
    Table,
    /// Each event's JSON as CloudWatch holds it, one per line.
    Jsonl,
}

#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub cloud: CloudArgs,
    /// Only events that match this CloudWatch filter pattern.
    #[arg(long, value_name = "PATTERN")]
    pub filter_pattern: Option<String>,
    /// Only streams whose name starts with this (the API server's audit streams by default).
    #[arg(long, value_name = "PREFIX", default_value = "kube-apiserver-audit")]
    pub stream_prefix: String,
    /// Start this long ago (the history first, then what comes): 30s, 15m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub since: String,
    /// Read again this far back on every poll, for events CloudWatch receives late.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub lookback: String,
    /// Time between polls.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub interval: String,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Poll FilterLogEvents instead of a live tail session (no sampling, a few seconds behind).
    #[arg(long)]
    pub poll: bool,
    /// Keep each log group's position in this file: a run started with it again reads back
    /// what came since and carries on, with nothing lost or shown twice.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TailOutput,
}

fn print(
    out: &mut dyn Write,
    table: &mut TableWriter,
    form: TailOutput,
    e: &TailEvent,
) -> std::io::Result<()> {
    match form {
        TailOutput::Jsonl => {
            // One event a line, whatever the message holds.
            let line = e.message.replace(['\n', '\r'], " ");
            writeln!(out, "{}", line.trim_end())
        }
        TailOutput::Table => match decode_event(e.message.as_bytes(), Depth::Table) {
            Ok(event) => table.push(out, row(&event, Some(e.time_ms))),
            Err(err) => {
                eprintln!(
                    "kaudit: event {} in {} is not an audit event: {}",
                    sanitize(&e.event_id),
                    sanitize(&e.stream),
                    sanitize(&err.to_string())
                );
                Ok(())
            }
        },
    }
}

/// Where printing stands: the table, and how many events went out.
struct Out {
    table: TableWriter,
    printed: u64,
    form: TailOutput,
    count: Option<u64>,
}

impl Sink for Out {
    fn done(&self) -> bool {
        self.count.is_some_and(|n| self.printed >= n)
    }

    fn taken(&self) -> u64 {
        self.printed
    }

    /// Prints the events (up to the count); false when standard output is gone.
    fn take(&mut self, events: &[TailEvent]) -> std::io::Result<bool> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for e in events {
            if self.done() {
                break;
            }
            let written = print(&mut out, &mut self.table, self.form, e)
                .and_then(|()| self.table.flush(&mut out))
                .and_then(|()| out.flush());
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(false),
                other => other?,
            }
            self.printed += 1;
        }
        Ok(true)
    }
}

pub fn run(args: &TailArgs) -> Result<Outcome> {
    let mut out = Out {
        table: TableWriter::default(),
        printed: 0,
        form: args.output,
        count: args.count,
    };
    follow(args, &mut out)?;
    Ok(Outcome::Success)
}

/// Follows the clusters `args` names into `sink` until the count, Ctrl-C, or a failure: live
/// tail first, FilterLogEvents polling when live tail is not available.
pub(super) fn follow(args: &TailArgs, sink: &mut dyn Sink) -> Result<()> {
    let groups = args.cloud.groups();
    if groups.is_empty() {
        bail!("give the cluster (--cluster NAME) or log group (--log-group G) to tail");
    }
    let state = args
        .state
        .as_deref()
        .map(|path| resume(path, &groups))
        .transpose()?;
    let watch = Watch {
        stream_prefix: Some(args.stream_prefix.clone()).filter(|p| !p.is_empty()),
        pattern: args.filter_pattern.clone(),
        since_ms: parse_duration_ms(&args.since)?,
        lookback_ms: parse_duration_ms(&args.lookback)?,
        resume: state
            .as_ref()
            .map(|s| s.positions().clone())
            .unwrap_or_default(),
    };
    let mut statuses = Statuses::new(&groups);
    let source = args.cloud.reader(groups, 0, 0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut kept = Kept::new(sink, state);
    let out = &mut kept;
    let followed = runtime.block_on(async {
        let flag = stop.clone();
        // A service manager stops it with SIGTERM: it ends as on Ctrl-C, its position written.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::spawn(async move {
            let ctrl_c = async {
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = ctrl_c => {}
                _ = term.recv() => {}
            }
            flag.store(true, Ordering::Relaxed);
        });
        if !args.poll {
            match live(&source, &watch, out, &mut statuses, &stop).await {
                Err(e @ (CloudError::NoCredentials { .. } | CloudError::BadCredentials { .. })) => {
                    return Err(anyhow!("{}", sanitize(&e.to_string())));
                }
                // Polling would start over from --since and print those events again.
                Err(e) if out.taken() > 0 => {
                    return Err(anyhow!(
                        "the live tail stopped after {}: {}",
                        crate::text::count(out.taken(), "event"),
                        sanitize(&e.to_string())
                    ));
                }
                Err(e) => {
                    statuses.all(&Status::Refused(format!("live tail: {e}")));
                    eprintln!(
                        "kaudit: live tail is not available ({}); polling FilterLogEvents instead",
                        sanitize(&e.to_string())
                    );
                }
                Ok(()) => return Ok(()),
            }
        }
        polled(&source, args, &watch, out, &mut statuses, &stop).await
    });
    // Whatever ended the watch, the position of the last event handed out is kept.
    match (followed, kept.finish()) {
        (Err(e), Err(saving)) => {
            eprintln!("kaudit: {saving}");
            Err(e)
        }
        (followed, saved) => followed.and(saved),
    }
}

async fn live(
    source: &CloudSource,
    watch: &Watch,
    out: &mut dyn Sink,
    statuses: &mut Statuses,
    stop: &AtomicBool,
) -> Result<(), CloudError> {
    let mut failed = None;
    let mut sampled = false;
    let result = source
        .watch_live(
            watch,
            |note| match note {
                LiveNote::Events(events) => match out.take(&events) {
                    Ok(true) if !out.done() => {}
                    Ok(_) => stop.store(true, Ordering::Relaxed),
                    Err(e) => {
                        failed = Some(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                },
                LiveNote::Sampled(true) => {
                    sampled = true;
                    statuses.all(&Status::Sampled);
                    eprintln!(
                        "kaudit: WARNING: CloudWatch is sampling this live tail (over 500 events a second): some events are not shown; narrow it with --filter-pattern, or use --poll"
                    )
                }
                LiveNote::Sampled(false) => {
                    sampled = false;
                    statuses.all(&Status::Live);
                    eprintln!("kaudit: CloudWatch stopped sampling: every event is shown again")
                }
                LiveNote::Live if sampled => statuses.all(&Status::Sampled),
                LiveNote::Live => statuses.all(&Status::Live),
                LiveNote::Reconnecting(why) => {
                    statuses.all(&Status::Stalled(why.clone()));
                    eprintln!(
                        "kaudit: live tail session ended ({}); starting a new one and reading the gap back",
                        sanitize(&why)
                    )
                }
                LiveNote::Backfilled(n) => {
                    if n > 0 {
                        eprintln!(
                            "kaudit: {} read back from the gap",
                            crate::text::count(n, "event")
                        );
                    }
                }
            },
            stop,
        )
        .await;
    if let Some(e) = failed {
        return Err(CloudError::Transport {
            action: "writing the events".into(),
            message: e.to_string(),
        });
    }
    result
}

async fn polled(
    source: &CloudSource,
    args: &TailArgs,
    watch: &Watch,
    out: &mut dyn Sink,
    statuses: &mut Statuses,
    stop: &AtomicBool,
) -> Result<()> {
    let interval = Duration::from_millis(parse_duration_ms(&args.interval)?.max(200) as u64);
    let mut failed = None;
    let watched = source
        .watch_polled(
            watch,
            interval,
            |batch| match out.take(&batch) {
                Ok(true) if !out.done() => ControlFlow::Continue(()),
                Ok(_) => ControlFlow::Break(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            },
            |group, answer| match answer {
                None => statuses.one(group, &Status::Polling),
                Some(e) if e.is_transient() => {
                    statuses.one(group, &Status::Stalled(e.to_string()));
                    eprintln!(
                        "kaudit: CloudWatch did not answer for {} ({}); trying again in {} s",
                        sanitize(group),
                        sanitize(&e.to_string()),
                        interval.as_secs_f32()
                    )
                }
                Some(e) => statuses.one(group, &Status::Refused(e.to_string())),
            },
            stop,
        )
        .await;
    if let Some(e) = failed {
        return Err(e.into());
    }
    watched.map_err(|e| anyhow!("{}", sanitize(&e.to_string())))
}
