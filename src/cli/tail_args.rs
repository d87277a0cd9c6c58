//! What `kaudit tail` (and `kaudit watch`, which takes the same) is given.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::cloud_args::CloudArgs;
use crate::engine::cloud::LIVE_SESSIONS_PER_ACCOUNT;

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
