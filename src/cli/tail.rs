//! `kaudit tail`: the audit log of clusters in CloudWatch Logs as it is written, over one
//! account and region or a fleet's. Live tail (StartLiveTail) by default: the history first
//! (`--since`), sessions restarted and their gaps read back, sampling told on stderr. With
//! `--poll`, past the sessions AWS allows, or when live tail is refused, FilterLogEvents is
//! polled with a look-back window and de-duplication by event id. Either way no event is lost
//! or printed twice ([`super::tail_follow`]).

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use super::table::{TableWriter, row};
use super::tail_args::{TailArgs, TailOutput};
use super::tail_state::{Origin, Sink};
use crate::audit::decode::{Depth, decode_event};
use crate::engine::cloud::{TailEvent, cluster_of_group};
use crate::text::sanitize;

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
