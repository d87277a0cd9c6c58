//! `kaudit query` and `kaudit clusters` over many accounts and regions: the targets found
//! (credentials × region, the clusters matched there), the queries sent or, with `--dry-run`,
//! only listed, and every target's status, bytes scanned and cost said on stderr. Any target
//! not complete makes the exit status nonzero.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::rows::{QueryOutput, print_result};
use super::table::TableWriter;
use super::work::block_on;
use crate::engine::cloud::price::{PRICES_READ, cost};
use crate::engine::cloud::{
    AWS_ROW_CAP, CloudError, Connect, FIRST_CONCURRENCY, FleetAccount, FleetRun, FleetTarget,
    Merge, SdkLogs, TargetResult, TargetStatus, account_of_arn, find_groups, of_identifier, plan,
    run_fleet, too_long, too_long_why,
};
use crate::engine::compile::Compiled;
use crate::text::sanitize;

/// One account and region as found: its clusters, or why they could not be listed.
struct Found {
    target: FleetTarget,
    logs: SdkLogs,
    refused: Option<CloudError>,
}

/// The credentials to read with: a named fleet's accounts, then each `--profile` (else,
/// with no fleet, the default chain), and each `--role-arn` assumed with the first of them;
/// each once.
fn credentials(cloud: &CloudArgs) -> Vec<(String, Connect, Option<String>)> {
    let profiles: Vec<Option<String>> = if cloud.profile.is_empty() {
        vec![None]
    } else {
        cloud.profile.iter().cloned().map(Some).collect()
    };
    let mut accounts: Vec<FleetAccount> = cloud.fleet_accounts.clone();
    if accounts.is_empty() || !cloud.profile.is_empty() {
        accounts.extend(profiles.iter().map(|p| FleetAccount {
            profile: p.clone(),
            role_arn: None,
        }));
    }
    accounts.extend(cloud.role_arn.iter().map(|r| FleetAccount {
        profile: profiles[0].clone(),
        role_arn: Some(r.clone()),
    }));
    let mut all: Vec<(String, Connect, Option<String>)> = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        if accounts[..i].contains(a) {
            continue;
        }
        let who = match (&a.role_arn, &a.profile) {
            (Some(role), _) => format!("role {role}"),
            (None, Some(p)) => format!("profile {p}"),
            (None, None) => "default credentials".to_string(),
        };
        let connect = Connect {
            profile: a.profile.clone(),
            endpoint_url: cloud.endpoint_url.clone(),
            role_arn: a.role_arn.clone(),
            ..Connect::default()
        };
        all.push((who, connect, a.role_arn.as_deref().and_then(account_of_arn)));
    }
    all
}

/// Every target: credentials × regions (the account named by the role, by STS, else by the
/// log groups' ARNs), with the audit log groups the clusters named (names or
/// globs) and the log groups named pick out there.
async fn find(cloud: &CloudArgs) -> Vec<Found> {
    let regions: Vec<Option<String>> = if cloud.region.is_empty() {
        vec![None]
    } else {
        cloud.region.iter().cloned().map(Some).collect()
    };
    let mut found = Vec::new();
    for (who, base, role_account) in credentials(cloud) {
        // Whose credentials these are: the role's account, else STS's answer (asked once).
        let mut account = role_account;
        let mut asked = account.is_some();
        for region in &regions {
            let connect = Connect {
                region: region.clone(),
                ..base.clone()
            };
            let logs = SdkLogs::connect(&connect).await;
            if !asked {
                account = logs.account().await;
                asked = true;
            }
            let region = logs.region().unwrap_or_else(|| "region unknown".into());
            let (groups, owner, refused) = match find_groups(
                &logs,
                &cloud.cluster,
                &cloud.log_group,
                cloud.monitoring_account,
            )
            .await
            {
                Ok((groups, owner)) => (groups, owner, None),
                Err(e) => (Vec::new(), None, Some(e)),
            };
            found.push(Found {
                target: FleetTarget {
                    connect,
                    who: who.clone(),
                    region,
                    // STS unreachable (a private network): the log groups' ARNs name it.
                    account: account.clone().or(owner),
                    groups,
                },
                logs,
                refused,
            });
        }
    }
    found
}

fn when(s: i64) -> String {
    jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string())
}

/// A status in words.
fn said(result: &TargetResult) -> String {
    let mut words = match &result.status {
        TargetStatus::Complete => "complete".to_string(),
        TargetStatus::Partial { uncovered, why } => {
            let mut parts: Vec<String> = uncovered
                .iter()
                .map(|(a, b)| {
                    format!(
                        "not covered from {} to {} (more than {AWS_ROW_CAP} events in the shortest range kaudit can ask for)",
                        when(*a),
                        when(*b)
                    )
                })
                .collect();
            parts.extend(why.iter().cloned());
            format!("partial: {}", parts.join("; "))
        }
        TargetStatus::Refused { action, message } => {
            format!("refused: AWS refused {action} ({message})")
        }
        TargetStatus::Failed { why } => format!("failed: {why}"),
    };
    if result.throttled > 0 {
        words.push_str(&format!(
            "; throttled and retried {}",
            crate::text::count(result.throttled, "time")
        ));
    }
    words
}

fn dollars(region: &str, bytes: f64) -> String {
    cost(region, bytes).map_or("price unknown".into(), |c| format!("${c:.4}"))
}

/// A target whose clusters could not be listed, and why, on stderr.
fn say_unlisted(f: &Found, e: &CloudError) {
    let status = TargetResult {
        status: TargetStatus::of_error(e),
        throttled: 0,
        queries: 0,
        stats: Default::default(),
        rows: 0,
    };
    eprintln!(
        "kaudit: {} ({}): {} while listing its clusters",
        sanitize(&f.target.label()),
        sanitize(&f.target.who),
        sanitize(&said(&status))
    );
}

/// `kaudit query` over the fleet.
pub fn query(
    cloud: &CloudArgs,
    compiled: &Compiled,
    start_ms: i64,
    end_ms: i64,
    max_rows: usize,
    dry_run: bool,
    output: QueryOutput,
) -> Result<Outcome> {
    let cancel = Arc::new(AtomicBool::new(false));
    let found = block_on(false, &cancel, find(cloud))?;
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
    let (targets, logs): (Vec<FleetTarget>, Vec<SdkLogs>) = found
        .into_iter()
        .filter(|f| !f.target.groups.is_empty())
        .map(|f| (f.target, f.logs))
        .unzip();
    if targets.is_empty() {
        eprintln!(
            "kaudit: no cluster matched in any account and region given: nothing was queried"
        );
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
                    when(q.start_s),
                    when(q.end_s),
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
        concurrency: FIRST_CONCURRENCY,
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
    let mut bytes = 0.0;
    let mut priced = 0.0;
    let mut unpriced = false;
    for (t, r) in targets.iter().zip(&answer.targets) {
        bytes += r.stats.bytes_scanned;
        match cost(&t.region, r.stats.bytes_scanned) {
            Some(c) => priced += c,
            None => unpriced = true,
        }
        eprintln!(
            "kaudit: {} ({}): {} · {} · {} · {:.0} bytes scanned, {}",
            sanitize(&t.label()),
            sanitize(&t.who),
            sanitize(&said(r)),
            crate::text::count(r.rows, "row"),
            crate::text::count(r.queries, "query"),
            r.stats.bytes_scanned,
            dollars(&t.region, r.stats.bytes_scanned)
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
        "total: {} rows from {}, {bytes:.0} bytes scanned, cost ${priced:.4}{} (Logs Insights prices per GB as read on {PRICES_READ}; prices change); up to {most} queries at once (started at {first}{lowered})",
        answer.result.rows.len(),
        crate::text::count(targets.len(), "target"),
        if unpriced {
            " plus regions whose price is unknown"
        } else {
            ""
        },
    );
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
    let found = block_on(false, &cancel, find(&cloud))?;
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
