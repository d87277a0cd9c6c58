//! One question over many accounts and regions: a target is one account and region (its
//! credentials) with the EKS audit log groups found there; each target gets its own Logs
//! Insights queries (at most 50 log groups each), run together as the account's limit allows
//! ([`fleet_gate`](super::fleet_gate)), each split past the row cap as a single query is. Rows
//! come back with `@account`, `@region` and `@cluster`; rows of events merge in time order, a
//! `stats` answer is one per cluster. Every target ends with a [`TargetStatus`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::combine::MAX_QUERY_LEN;
use super::fleet_gate::{Gate, Watched};
use super::fleet_status::{TargetResult, TargetStatus};
use super::query::{CloudRange, run, whole_seconds};
use crate::engine::compile::{Compiled, Target as CompileTarget, compile};
use crate::insights::ast::{CommandKind, Query};
use crate::insights::exec::QueryResult;
use crate::source::cloudwatch::{
    AWS_ROW_CAP, CloudError, Connect, LogGroup, Logs, Order, QueryStats, Reading, answer_from_rows,
    cluster_of_group, parse_aws_time, reading,
};

/// CloudWatch reads at most this many log groups in one query.
pub const MAX_GROUPS_PER_QUERY: usize = 50;

/// One account and region, and the audit log groups to read there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetTarget {
    pub connect: Connect,
    /// The credentials, as the user named them: `profile NAME`, `role ARN`, `default
    /// credentials`.
    pub who: String,
    pub region: String,
    pub account: Option<String>,
    pub groups: Vec<String>,
}

impl FleetTarget {
    /// `account/region` as messages name it.
    pub fn label(&self) -> String {
        format!(
            "{}/{}",
            self.account.as_deref().unwrap_or("account unknown"),
            self.region
        )
    }
}

/// A cluster name given with `*` or `?`: matched against those found.
pub fn is_glob(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// `*` any run of characters, `?` one; everything else itself.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                back = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match back {
                Some((bp, bn)) => {
                    pi = bp + 1;
                    ni = bn + 1;
                    back = Some((bp, bn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The account of a role (`arn:aws:iam::ACCOUNT:role/NAME`) or of a log group's ARN.
pub fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.into())
}

/// The audit log groups of one account and region that the clusters named (names or globs)
/// and the log groups named pick out, in the order found; with the account their ARNs name.
/// In a monitoring account (`linked`), the clusters of its linked source accounts too, each
/// group named by its ARN: StartQuery then takes them as `logGroupIdentifiers`.
pub async fn find_groups<L: Logs>(
    logs: &L,
    clusters: &[String],
    log_groups: &[String],
    linked: bool,
) -> Result<(Vec<String>, Option<String>), CloudError> {
    let mut found: Vec<LogGroup> = Vec::new();
    if !clusters.is_empty() {
        let listed = if linked {
            logs.linked_log_groups("/aws/eks/").await?
        } else {
            logs.log_groups("/aws/eks/").await?
        };
        for g in listed {
            let matches = g
                .cluster()
                .is_some_and(|c| clusters.iter().any(|p| glob_match(p, c)));
            if matches {
                found.push(g);
            }
        }
    }
    for name in log_groups {
        for g in logs.log_groups(name).await? {
            if &g.name == name && !found.iter().any(|f| f.name == g.name) {
                found.push(g);
            }
        }
    }
    let account = found
        .iter()
        .find_map(|g| g.arn.as_deref().and_then(account_of_arn));
    let named = found
        .into_iter()
        .map(|g| match (linked, g.arn) {
            (true, Some(arn)) => arn,
            (_, _) => g.name,
        })
        .collect();
    // Over linked accounts the groups' ARNs name theirs, not the caller's.
    Ok((named, if linked { None } else { account }))
}

/// How the answers of several targets become one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// Rows of events in time order: merged in that order, and cut to the query's own `limit`
    /// when it ends with one (each target's first rows by time hold the fleet's first).
    InTime { order: Order, limit: Option<u64> },
    /// Each answer as its target gave it, one after another, and why they cannot be joined.
    PerTarget { why: String },
}

/// How `query`'s answers over several targets join.
pub fn merge_of(query: &Query) -> Merge {
    match reading(query) {
        Reading::Split(order) => Merge::InTime { order, limit: None },
        Reading::Whole { why, limit } => {
            // A `limit` at the end of a query of events in time order.
            let first_limit = query
                .commands
                .iter()
                .position(|c| matches!(c.kind, CommandKind::Limit(_)));
            let at_end = first_limit.is_some_and(|at| {
                query.commands[at..]
                    .iter()
                    .all(|c| matches!(c.kind, CommandKind::Limit(_)))
            });
            if at_end {
                let mut without = query.clone();
                without
                    .commands
                    .retain(|c| !matches!(c.kind, CommandKind::Limit(_)));
                if let Reading::Split(order) = reading(&without) {
                    return Merge::InTime { order, limit };
                }
            }
            Merge::PerTarget { why }
        }
    }
}

/// A fleet's answer.
#[derive(Debug, Clone)]
pub struct FleetAnswer {
    pub result: QueryResult,
    /// The rows as AWS gave them, with `@account`, `@region` and `@cluster`.
    pub rows: Vec<Vec<(String, String)>>,
    /// How the targets' answers were joined.
    pub merge: Merge,
    /// Rows left out past the query's own `limit`, once merged.
    pub past_limit: usize,
    /// In the order of the targets given.
    pub targets: Vec<TargetResult>,
    /// Rows of a query over several clusters that named no log group (`@log`), so that their
    /// cluster is not known.
    pub unattributed: usize,
    /// The concurrency: started at, ended at, the most queries that ran at once.
    pub concurrency: (usize, usize, usize),
}

/// What one StartQuery of a fleet sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedQuery {
    /// Index into the targets.
    pub target: usize,
    pub groups: Vec<String>,
    pub text: String,
    pub start_s: i64,
    pub end_s: i64,
}

/// The text sent for a batch: a query of events over several clusters also asks for `@log`,
/// which tells each row's cluster.
fn batch_text(compiled: &Compiled, groups: usize) -> String {
    // `SOURCE` must come first: rows of such a query are told apart only if it asks for `@log`.
    let source_first = compiled
        .query()
        .commands
        .first()
        .is_some_and(|c| matches!(&c.kind, CommandKind::AwsOnly { name } if name == "SOURCE"));
    if groups > 1 && !compiled.has_stats() && !source_first {
        format!("fields @log\n| {}", compiled.text())
    } else {
        compiled.text().to_string()
    }
}

/// The queries a fleet sends: per target, its groups in batches of at most 50 for rows of
/// events; a `stats` query once per log group, so that each answer is one cluster's.
pub fn plan(
    targets: &[FleetTarget],
    compiled: &Compiled,
    start_ms: i64,
    end_ms: i64,
) -> Vec<PlannedQuery> {
    let per = if compiled.has_stats() {
        1
    } else {
        MAX_GROUPS_PER_QUERY
    };
    let (start_s, end_s) = whole_seconds(start_ms, end_ms);
    let mut planned = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        for batch in t.groups.chunks(per) {
            planned.push(PlannedQuery {
                target: i,
                groups: batch.to_vec(),
                text: batch_text(compiled, batch.len()),
                start_s,
                end_s,
            });
        }
    }
    planned
}

/// The planned queries whose text is past what StartQuery takes (AWS counts characters), with
/// that length: the text as sent, with whatever kaudit put before it.
pub fn too_long(planned: &[PlannedQuery]) -> Vec<(&PlannedQuery, usize)> {
    planned
        .iter()
        .map(|q| (q, q.text.chars().count()))
        .filter(|(_, chars)| *chars > MAX_QUERY_LEN)
        .collect()
}

/// Why a query text is not sent: its length and AWS's limit.
pub fn too_long_why(chars: usize) -> String {
    format!(
        "the query text sent would be {chars} characters, past the {MAX_QUERY_LEN} StartQuery takes; shorten it"
    )
}

/// The rows of one batch, with the fields that say where they came from.
struct BatchRows {
    target: usize,
    rows: Vec<Vec<(String, String)>>,
    unattributed: usize,
}

/// The account and log group of a row's `@log` (`ACCOUNT:GROUP` as AWS writes it, or the
/// group alone).
fn of_log(log: &str) -> (Option<&str>, &str) {
    match log.split_once(':') {
        Some((account, group)) if account.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(account), group)
        }
        _ => (None, log),
    }
}

/// The account and log group a query names: its ARN's
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`), or the name alone.
pub fn of_identifier(id: &str) -> (Option<String>, &str) {
    match id.split_once(":log-group:") {
        Some((_, name)) => (account_of_arn(id), name.trim_end_matches(":*")),
        None => (None, id),
    }
}

fn tag(
    rows: Vec<Vec<(String, String)>>,
    target: &FleetTarget,
    groups: &[String],
    asked_for_log: bool,
) -> (Vec<Vec<(String, String)>>, usize) {
    let mut unattributed = 0;
    let rows = rows
        .into_iter()
        .map(|mut row| {
            // A monitoring account's rows come from its linked accounts: each row's account is
            // its log group's.
            let (account, cluster) = if let [only] = groups {
                let (account, group) = of_identifier(only);
                (account, cluster_of_group(group).map(str::to_string))
            } else {
                row.iter()
                    .find(|(f, _)| f == "@log")
                    .map(|(_, v)| {
                        let (account, group) = of_log(v);
                        (
                            account.map(str::to_string),
                            cluster_of_group(group).map(str::to_string),
                        )
                    })
                    .unwrap_or_default()
            };
            let account = account.or_else(|| target.account.clone());
            if cluster.is_none() {
                unattributed += 1;
            }
            if asked_for_log {
                row.retain(|(f, _)| f != "@log");
            }
            row.push(("@account".into(), account.unwrap_or_default()));
            row.push(("@region".into(), target.region.clone()));
            row.push(("@cluster".into(), cluster.unwrap_or_default()));
            row
        })
        .collect();
    (rows, unattributed)
}

/// Where and how a fleet query runs.
#[derive(Debug)]
pub struct FleetRun<'a> {
    pub compiled: &'a Compiled,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Per target, as for one query.
    pub max_rows: usize,
    pub concurrency: usize,
    pub cancel: &'a AtomicBool,
}

/// Runs the query over every target (`logs[i]` reaches `targets[i]`).
pub async fn run_fleet<L: Logs>(
    targets: &[FleetTarget],
    logs: &[L],
    how: &FleetRun<'_>,
) -> FleetAnswer {
    let planned = plan(targets, how.compiled, how.start_ms, how.end_ms);
    let gate = Gate::new(how.concurrency);
    let throttled: Vec<AtomicUsize> = targets.iter().map(|_| AtomicUsize::new(0)).collect();
    let merge = merge_of(how.compiled.query());
    let jobs = planned.iter().map(|q| {
        let (gate, throttled) = (&gate, &throttled);
        async move {
            let target = &targets[q.target];
            let chars = q.text.chars().count();
            if chars > MAX_QUERY_LEN {
                return (
                    q.target,
                    Err(CloudError::Service {
                        action: "logs:StartQuery".into(),
                        code: "QueryTooLong".into(),
                        message: too_long_why(chars),
                    }),
                );
            }
            let compiled = match compile(&q.text, CompileTarget::CloudWatch) {
                Ok(c) => c,
                Err(d) => {
                    let why = crate::engine::compile::first_error(&d);
                    return (
                        q.target,
                        Err(CloudError::Service {
                            action: "logs:StartQuery".into(),
                            code: "QueryText".into(),
                            message: why,
                        }),
                    );
                }
            };
            let watched = Watched {
                logs: &logs[q.target],
                gate,
                throttled: &throttled[q.target],
            };
            let _pass = gate.enter().await;
            // Stopped while it waited for its turn: nothing is started to be stopped at once.
            if how.cancel.load(Ordering::Relaxed) {
                return (
                    q.target,
                    Err(CloudError::QueryEnded {
                        state: "was not started".into(),
                        message: "stopped before its turn came".into(),
                    }),
                );
            }
            let range = CloudRange {
                groups: &q.groups,
                start_ms: how.start_ms,
                end_ms: how.end_ms,
                max_rows: how.max_rows,
            };
            let answer = run(&watched, &compiled, &range, |_| {}, how.cancel).await;
            (
                q.target,
                answer.map(|a| {
                    // `@log` asked for by kaudit alone leaves the rows once read.
                    let asked_for_log =
                        q.text != how.compiled.text() && !how.compiled.text().contains("@log");
                    let (rows, unattributed) = tag(a.rows, target, &q.groups, asked_for_log);
                    (
                        BatchRows {
                            target: q.target,
                            rows,
                            unattributed,
                        },
                        a.facts,
                    )
                }),
            )
        }
    });
    let done = futures_util::future::join_all(jobs).await;
    let mut results: Vec<TargetResult> = targets
        .iter()
        .map(|_| TargetResult::of(TargetStatus::Complete))
        .collect();
    let mut rows: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    let mut unattributed = 0;
    let mut total = QueryStats::default();
    for (i, outcome) in done {
        let r = &mut results[i];
        match outcome {
            Ok((batch, facts)) => {
                r.queries += facts.queries;
                r.stats.bytes_scanned += facts.stats.bytes_scanned;
                r.stats.records_scanned += facts.stats.records_scanned;
                r.stats.records_matched += facts.stats.records_matched;
                r.rows += batch.rows.len();
                unattributed += batch.unattributed;
                rows.extend(batch.rows.into_iter().map(|row| (batch.target, row)));
                if !facts.complete() {
                    let mut why = Vec::new();
                    if let Some(c) = &facts.capped {
                        why.push(format!(
                            "CloudWatch returned its cap of {AWS_ROW_CAP} rows and the query cannot be split by time ({c})"
                        ));
                    }
                    if facts.stopped_at_max {
                        why.push(format!("stopped at --max-rows {}", facts.max_rows));
                    }
                    if facts.cancelled {
                        why.push("stopped (StopQuery sent)".into());
                    }
                    match &mut r.status {
                        TargetStatus::Partial {
                            uncovered,
                            why: said,
                        } => {
                            uncovered.extend(facts.uncovered.iter().copied());
                            said.extend(why);
                        }
                        TargetStatus::Complete => {
                            r.status = TargetStatus::Partial {
                                uncovered: facts.uncovered.clone(),
                                why,
                            }
                        }
                        // A refusal or failure of another batch says more.
                        _ => {}
                    }
                }
            }
            Err(e) => {
                // The first refusal or failure is the one told.
                if matches!(
                    r.status,
                    TargetStatus::Complete | TargetStatus::Partial { .. }
                ) {
                    r.status = TargetStatus::of_error(&e);
                }
            }
        }
    }
    for (r, t) in results.iter_mut().zip(&throttled) {
        r.throttled = t.load(Ordering::Relaxed);
        total.bytes_scanned += r.stats.bytes_scanned;
        total.records_scanned += r.stats.records_scanned;
        total.records_matched += r.stats.records_matched;
    }
    let mut past_limit = 0;
    if let Merge::InTime { order, limit } = &merge {
        let oldest_first = *order == Order::OldestFirst;
        // Stable: rows of one millisecond keep their target's order.
        rows.sort_by_key(|(_, row)| {
            let t = row
                .iter()
                .find(|(f, _)| f == "@timestamp")
                .and_then(|(_, v)| parse_aws_time(v).or_else(|| v.parse().ok()))
                .unwrap_or(i64::MIN);
            if oldest_first {
                t
            } else {
                // The newest first, as CloudWatch answers; rows with no time last.
                t.checked_neg().unwrap_or(i64::MAX)
            }
        });
        if let Some(n) = limit {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            past_limit = rows.len().saturating_sub(n);
            rows.truncate(n);
        }
    } else {
        // Joined in the order the targets were given.
        rows.sort_by_key(|(target, _)| *target);
    }
    let rows: Vec<Vec<(String, String)>> = rows.into_iter().map(|(_, row)| row).collect();
    let keep_ptr = how.compiled.text().contains("@ptr");
    let result = answer_from_rows(&rows, total, keep_ptr, false);
    FleetAnswer {
        result,
        rows,
        merge,
        past_limit,
        targets: results,
        unattributed,
        concurrency: gate.figures(),
    }
}

#[cfg(test)]
#[path = "fleet_tests.rs"]
mod tests;
