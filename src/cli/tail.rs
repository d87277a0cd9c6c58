//! `kaudit tail`: the audit log of clusters in CloudWatch Logs as it is written, by polling
//! FilterLogEvents with a look-back window and de-duplication by event id, so that no event is
//! lost or printed twice (events sharing a millisecond, events arriving late included).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::table::{TableWriter, row};
use super::time_args::parse_duration_ms;
use crate::audit::decode::{Detail, decode_event};
use crate::source::cloudwatch::{Poller, SdkLogs, TailEvent, TailTarget, poll};
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
        TailOutput::Table => match decode_event(e.message.as_bytes(), Detail::Table) {
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

pub fn run(args: &TailArgs) -> Result<Outcome> {
    let groups = args.cloud.groups();
    if groups.is_empty() {
        bail!("give the cluster (--cluster NAME) or log group (--log-group G) to tail");
    }
    let since = parse_duration_ms(&args.since)?;
    let lookback = parse_duration_ms(&args.lookback)?;
    let interval = Duration::from_millis(parse_duration_ms(&args.interval)?.max(200) as u64);
    let now = jiff::Timestamp::now().as_millisecond();
    let mut tails: Vec<(TailTarget, Poller)> = groups
        .iter()
        .map(|g| {
            let target = TailTarget {
                group: g.clone(),
                stream_prefix: Some(args.stream_prefix.clone()).filter(|p| !p.is_empty()),
                pattern: args.filter_pattern.clone(),
            };
            (target, Poller::new(now - since, lookback))
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut table = TableWriter::default();
    let mut printed = 0u64;
    let result: Result<()> = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let flag = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
        loop {
            let now = jiff::Timestamp::now().as_millisecond();
            let mut batch = Vec::new();
            for (target, poller) in &mut tails {
                let new = poll(&logs, target, poller, now)
                    .await
                    .map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
                batch.extend(new);
            }
            batch.sort_by(|a, b| (a.time_ms, &a.event_id).cmp(&(b.time_ms, &b.event_id)));
            for e in &batch {
                if args.count.is_some_and(|n| printed >= n) {
                    break;
                }
                let written = print(&mut out, &mut table, args.output, e)
                    .and_then(|()| table.flush(&mut out))
                    .and_then(|()| out.flush());
                match written {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    other => other?,
                }
                printed += 1;
            }
            if args.count.is_some_and(|n| printed >= n) || stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let mut waited = Duration::ZERO;
            while waited < interval && !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
                waited += Duration::from_millis(50);
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
        }
    });
    result?;
    Ok(Outcome::Success)
}
