//! `kaudit tail`: the audit log of clusters in CloudWatch Logs as it is written, over one
//! account and region or a fleet's. Live tail (StartLiveTail) by default: the history first
//! (`--since`), sessions restarted and their gaps read back, sampling told on stderr. With
//! `--poll`, past the sessions AWS allows, or when live tail is refused, FilterLogEvents is
//! polled with a look-back window and de-duplication by event id. Either way no event is lost
//! or printed twice ([`super::tail_follow`]).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::table::{TableWriter, row};
use super::tail_state::{Origin, Sink};
use crate::audit::decode::{Depth, decode_event};
use crate::engine::cloud::{LIVE_SESSIONS_PER_ACCOUNT, TailEvent, cluster_of_group};
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
    /// Live tail sessions to start at most in each account and region (10 log groups each);
    /// the groups beyond are polled. AWS's quota is taken as 15; keep some for other tools.
    #[arg(long, value_name = "N", default_value_t = LIVE_SESSIONS_PER_ACCOUNT)]
    pub live_sessions: usize,
    /// Keep each log group's position in this file: a run started with it again reads back
    /// what came since and carries on, with nothing lost or shown twice.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TailOutput,
}

/// The columns a fleet's events lead with: their cluster, and their account and region when
/// several are followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Lead {
    #[default]
    None,
    Cluster,
    ClusterAndTarget,
}

fn print(
    out: &mut dyn Write,
    table: &mut TableWriter,
    (form, lead): (TailOutput, Lead),
    from: &Origin,
    e: &TailEvent,
) -> std::io::Result<()> {
    match form {
        TailOutput::Jsonl => {
            // One event a line, whatever the message holds.
            let line = e.message.replace(['\n', '\r'], " ");
            writeln!(out, "{}", line.trim_end())
        }
        TailOutput::Table => match decode_event(e.message.as_bytes(), Depth::Table) {
            Ok(event) => {
                let mut cells = Vec::new();
                if lead != Lead::None {
                    let cluster = cluster_of_group(&e.group).unwrap_or(&e.group);
                    cells.push(sanitize(cluster).into_owned());
                }
                if lead == Lead::ClusterAndTarget {
                    cells.push(sanitize(from.shown.as_deref().unwrap_or("-")).into_owned());
                }
                cells.extend(row(&event, Some(e.time_ms)));
                table.push(out, cells)
            }
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
    lead: Lead,
    count: Option<u64>,
}

impl Sink for Out {
    fn done(&self) -> bool {
        self.count.is_some_and(|n| self.printed >= n)
    }

    fn taken(&self) -> u64 {
        self.printed
    }

    fn shape(&mut self, fleet: bool, several: bool) {
        let lead: &[(&str, usize)] = match (fleet, several) {
            (false, _) => return,
            (true, false) => &[("CLUSTER", 24)],
            (true, true) => &[("CLUSTER", 24), ("ACCOUNT/REGION", 28)],
        };
        self.lead = if several {
            Lead::ClusterAndTarget
        } else {
            Lead::Cluster
        };
        self.table = TableWriter::leading(lead);
    }

    /// Prints the events (up to the count); false when standard output is gone.
    fn take(&mut self, from: &Origin, events: &[TailEvent]) -> std::io::Result<bool> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for e in events {
            if self.done() {
                break;
            }
            let written = print(&mut out, &mut self.table, (self.form, self.lead), from, e)
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
        lead: Lead::None,
        count: args.count,
    };
    super::tail_follow::follow(args, &mut out)?;
    Ok(Outcome::Success)
}
