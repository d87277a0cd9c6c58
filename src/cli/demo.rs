//! `kaudit demo`: write the built-in demo incident.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::Outcome;
use super::output::to_stdout;
use crate::engine::local::{DemoConfig, DemoFormat, write_demo};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DemoOutputFormat {
    /// Audit events, one per line, as the API server writes them.
    #[default]
    Jsonl,
    /// What `aws logs filter-log-events` prints.
    Cloudwatch,
    /// AKS `kube-audit` diagnostic records, one a line (as Event Hubs delivers them).
    Aks,
    /// GKE Cloud Audit `LogEntry` records, one a line (as a Cloud Logging sink writes them).
    Gke,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// How many events in all (the incident's own events are always included).
    #[arg(long, value_name = "N", default_value_t = DemoConfig::default().events)]
    pub events: usize,
    /// Seed for the background noise: the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = DemoConfig::default().seed)]
    pub seed: u64,
    /// The form to write.
    #[arg(long, value_enum, default_value_t)]
    pub format: DemoOutputFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &DemoArgs) -> Result<Outcome> {
    let cfg = DemoConfig {
        events: args.events,
        seed: args.seed,
    };
    let format = match args.format {
        DemoOutputFormat::Jsonl => DemoFormat::Jsonl,
        DemoOutputFormat::Cloudwatch => DemoFormat::CloudWatch,
        DemoOutputFormat::Aks => DemoFormat::Aks,
        DemoOutputFormat::Gke => DemoFormat::Gke,
    };
    match &args.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            write_demo(&cfg, format, &mut out)
                .and_then(|_| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => to_stdout(|out| write_demo(&cfg, format, out).map(|_| ()))?,
    }
    Ok(Outcome::Success)
}
