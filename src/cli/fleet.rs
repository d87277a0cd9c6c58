//! `kaudit query` and `kaudit clusters` over many accounts and regions: the targets found
//! (credentials × region, the clusters matched there), the queries sent or, with `--dry-run`,
//! only listed, and every target's status, bytes scanned and cost said on stderr. Any target
//! not complete makes the exit status nonzero.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::fleet_cost::{Bill, dollars, prices};
use super::fleet_status::{self, Reached};
use super::output::to_stdout;
use super::rows::{QueryOutput, print_result};
use super::table::TableWriter;
use super::work::block_on;
use crate::engine::cloud::FleetAnswer;
use crate::engine::cloud::price::Prices;
use crate::engine::cloud::{
    CloudError, FleetRun, FleetTarget, FoundTarget, Merge, SdkLogs, TargetStatus, find_targets,
    of_identifier, plan, run_fleet, second_of, status_words, too_long, too_long_why,
    unlisted_words,
};
use crate::engine::compile::Compiled;
use crate::text::sanitize;

/// A target whose clusters could not be listed, and why, on stderr.
fn say_unlisted(f: &FoundTarget, e: &CloudError) {
    eprintln!("kaudit: {}", sanitize(&unlisted_words(&f.target, e)));
}

/// What `kaudit query` asks of a fleet, besides where.
#[derive(Debug)]
pub struct FleetAsk<'a> {
    pub compiled: &'a Compiled,
    pub start_ms: i64,
    pub end_ms: i64,
    pub max_rows: usize,
    pub dry_run: bool,
    pub output: QueryOutput,
    /// Queries started at once, before AWS says the account is at its limit.
    pub concurrency: usize,
    /// Where every target's status is written as JSON.
    pub status_file: Option<&'a Path>,
}

/// A target as found, in the order found: queried (its index among those queried), or not.
enum Slot {
    Queried(usize),
    Not(Box<(FleetTarget, Reached<'static>)>),
}

/// Every target's status in the status file, when one was asked for.
fn write_statuses(
    ask: &FleetAsk<'_>,
    slots: &[Slot],
    targets: &[FleetTarget],
    answer: Option<&FleetAnswer>,
    prices: &Prices,
) -> Result<()> {
    let Some(path) = ask.status_file else {
        return Ok(());
    };
    let entries = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Queried(i) => {
                let r = answer?.targets.get(*i)?;
                Some(fleet_status::entry(
                    &targets[*i],
                    &Reached::Queried(r),
                    prices,
                ))
            }
            Slot::Not(not) => Some(fleet_status::entry(&not.0, &not.1, prices)),
        })
        .collect();
    fleet_status::write(path, &fleet_status::document(entries, answer))
}

/// `kaudit query` over the fleet.
pub fn query(cloud: &CloudArgs, ask: &FleetAsk<'_>) -> Result<Outcome> {
    let FleetAsk {
        compiled,
        start_ms,
        end_ms,
        max_rows,
        dry_run,
        output,
        concurrency,
        status_file: _,
    } = *ask;
    let cancel = Arc::new(AtomicBool::new(false));
    let found = block_on(false, &cancel, find_targets(&cloud.scope()))?;
    let mut outcome = Outcome::Success;
    for f in &found {
        if let Some(e) = &f.refused {
            say_unlisted(f, e);
            outcome = Outcome::Failure;
        } else if f.target.groups.is_empty() {
            eprintln!(
                "kaudit: {} ({}): no cluster matched there",
                sanitize(&f.target.label()),
                sanitize(&f.target.who)
            );
        }
    }
    let prices = prices();
    let mut slots = Vec::new();
    let (mut targets, mut logs): (Vec<FleetTarget>, Vec<SdkLogs>) = (Vec::new(), Vec::new());
    for f in found {
        if let Some(e) = &f.refused {
            let reached = Reached::Unlisted(TargetStatus::of_error(e));
            slots.push(Slot::Not(Box::new((f.target, reached))));
        } else if f.target.groups.is_empty() {
            slots.push(Slot::Not(Box::new((f.target, Reached::NoCluster))));
        } else {
            slots.push(Slot::Queried(targets.len()));
            targets.push(f.target);
            logs.push(f.logs);
        }
    }
    if targets.is_empty() {
        eprintln!(
            "kaudit: no cluster matched in any account and region given: nothing was queried"
        );
        if !dry_run {
            write_statuses(ask, &slots, &targets, None, &prices)?;
        }
        return Ok(Outcome::Failure);
    }
    let planned = plan(&targets, compiled, start_ms, end_ms);
    // Refused here, for every target it would reach, before any query is sent: AWS would
    // refuse it only once the others were running and billed.
    let long = too_long(&planned);
    if !long.is_empty() {
        let mut said_for: Vec<usize> = Vec::new();
        for (q, chars) in long {
            if said_for.contains(&q.target) {
                continue;
            }
            said_for.push(q.target);
            let t = &targets[q.target];
            eprintln!(
                "kaudit: {} ({}): {}",
                sanitize(&t.label()),
                sanitize(&t.who),
                too_long_why(chars)
            );
        }
        eprintln!("kaudit: nothing was queried");
        return Ok(Outcome::Exit(super::usage::QUERY_ERROR));
    }
    if dry_run {
        to_stdout(|out| {
            for q in &planned {
                let t = &targets[q.target];
                writeln!(
                    out,
                    "{} ({}) from {} to {}\n  log groups: {}\n  query: {}",
                    sanitize(&t.label()),
                    sanitize(&t.who),
                    second_of(q.start_s),
                    second_of(q.end_s),
                    sanitize(&q.groups.join(", ")),
                    sanitize(&q.text.replace('\n', " "))
                )?;
            }
            Ok(())
        })?;
        eprintln!(
            "kaudit: --dry-run: {} not sent",
            crate::text::count(planned.len(), "query")
        );
        return Ok(outcome);
    }
    let run = FleetRun {
        compiled,
        start_ms,
        end_ms,
        max_rows,
        concurrency,
        cancel: &cancel,
    };
    let answer = block_on(true, &cancel, run_fleet(&targets, &logs, &run))?;
    print_result(&answer.result, output)?;
    match &answer.merge {
        Merge::PerTarget { why } => eprintln!(
            "kaudit: the rows are each target's answer in turn (see @account, @region, @cluster), not joined into one: {}{}",
            sanitize(why),
            if compiled.has_stats() {
                "; a stats query is asked once per cluster"
            } else {
                ""
            }
        ),
        Merge::InTime { .. } if answer.past_limit > 0 => eprintln!(
            "kaudit: merged in time order, the query's limit left out {}",
            crate::text::count(answer.past_limit, "more row")
        ),
        Merge::InTime { .. } => {}
    }
    if answer.unattributed > 0 {
        eprintln!(
            "kaudit: {} came back without @log, so their @cluster is empty",
            crate::text::count(answer.unattributed, "row")
        );
    }
    let mut bill = Bill::default();
    for (t, r) in targets.iter().zip(&answer.targets) {
        bill.add(&prices, &t.region, r.stats.bytes_scanned);
        eprintln!(
            "kaudit: {} ({}): {} · {} · {} · {:.0} bytes scanned, {}",
            sanitize(&t.label()),
            sanitize(&t.who),
            sanitize(&status_words(r, t.connect.role_arn.as_deref())),
            crate::text::count(r.rows, "row"),
            crate::text::count(r.queries, "query"),
            r.stats.bytes_scanned,
            dollars(&prices, &t.region, r.stats.bytes_scanned)
        );
        if !r.complete() {
            outcome = Outcome::Failure;
        }
    }
    let (first, last, most) = answer.concurrency;
    let lowered = if last < first {
        format!(", lowered to {last} when AWS said the account was at its query limit")
    } else {
        String::new()
    };
    eprintln!(
        "total: {} rows from {}, {:.0} bytes scanned, {}; up to {most} queries at once (started at {first}{lowered})",
        answer.result.rows.len(),
        crate::text::count(targets.len(), "target"),
        bill.bytes,
        bill.said(),
    );
    write_statuses(ask, &slots, &targets, Some(&answer), &prices)?;
    Ok(outcome)
}

/// `kaudit clusters` over the fleet: every cluster of every account and region, and the
/// targets that could not be listed.
pub fn clusters(cloud: &CloudArgs) -> Result<Outcome> {
    let cancel = Arc::new(AtomicBool::new(false));
    // Every cluster when none is named.
    let mut cloud = cloud.clone();
    if cloud.cluster.is_empty() && cloud.log_group.is_empty() {
        cloud.cluster.push("*".into());
    }
    let found = block_on(false, &cancel, find_targets(&cloud.scope()))?;
    let mut outcome = Outcome::Success;
    to_stdout(|out| {
        let mut table = TableWriter::new(
            vec![
                "account".into(),
                "region".into(),
                "cluster".into(),
                "log group".into(),
            ],
            vec![14, 16, 40, 60],
        );
        for f in &found {
            for g in &f.target.groups {
                // A monitoring account's groups are ARNs naming their own accounts.
                let (account, group) = of_identifier(g);
                let account = account.or_else(|| f.target.account.clone());
                table.push(
                    out,
                    vec![
                        sanitize(account.as_deref().unwrap_or("-")).into_owned(),
                        sanitize(&f.target.region).into_owned(),
                        sanitize(crate::engine::cloud::cluster_of_group(group).unwrap_or("-"))
                            .into_owned(),
                        sanitize(g).into_owned(),
                    ],
                )?;
            }
        }
        table.flush(out)
    })?;
    for f in &found {
        if let Some(e) = &f.refused {
            say_unlisted(f, e);
            outcome = Outcome::Failure;
        }
    }
    Ok(outcome)
}
