//! A fleet as the console's [`EventSource`]: its clusters found in every account and region
//! and picked (several at once), their events read into one store, each with its cluster's
//! name; queries and detections asked of every account and region ([`run_fleet`]), their rows
//! with `@account`, `@region` and `@cluster` and each target's status; one live tail per
//! account and region, through one intake.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::fleet::{FleetRun, FleetTarget, of_identifier, run_fleet};
use super::fleet_find::{FleetScope, FoundTarget, find_targets};
use super::fleet_status::{TargetNote, TargetStatus};
use super::fleet_text::{places, status_words, unlisted_words, without_fleet_keys};
use super::follow::{loaded, tick};
use super::price::Prices;
use super::query::{CloudFacts, CloudRange, tie_rows};
use super::source::{CloudSettings, CloudSource, Cluster, now_ms};
use crate::audit::time::TimeRange;
use crate::engine::SharedStore;
use crate::engine::compile::Target;
use crate::engine::event::{Event, Report};
use crate::engine::finding::Detection;
use crate::engine::intake::{Intake, TailControl};
use crate::engine::source::{
    Answer, AnswerFacts, Detected, EventSource, Failure, QueryJob, ReadFrom, Work,
};
use crate::source::cloudwatch::{SdkLogs, cluster_of_group};
use crate::text::sanitize;

/// What a fleet's console reads, and how.
#[derive(Debug, Clone)]
pub struct FleetSettings {
    /// How the fleet is named (`--fleet NAME`, else what the flags cover).
    pub name: String,
    pub scope: FleetScope,
    /// As [`CloudSettings`]: from when loading reads, whether it follows, its caps.
    pub since_ms: i64,
    pub follow: bool,
    pub max_events: usize,
    pub max_rows: usize,
    /// What a query's bytes scanned cost, region by region.
    pub prices: Prices,
    /// Queries started at once at first (lowered when an account is at its limit).
    pub concurrency: usize,
}

/// One account and region, and the clusters picked there.
#[derive(Debug)]
struct Part {
    target: FleetTarget,
    source: CloudSource,
}

/// A fleet of clusters in CloudWatch Logs.
#[derive(Debug)]
pub struct FleetSource {
    settings: FleetSettings,
    /// Empty until clusters are picked.
    parts: Vec<Part>,
    /// The targets found for the picker, to open those picked in.
    found: Mutex<Vec<FleetTarget>>,
}

impl FleetSource {
    pub fn new(settings: FleetSettings) -> FleetSource {
        FleetSource {
            settings,
            parts: Vec::new(),
            found: Mutex::new(Vec::new()),
        }
    }

    fn targets(&self) -> Vec<FleetTarget> {
        self.parts.iter().map(|p| p.target.clone()).collect()
    }

    async fn logs(&self) -> Vec<SdkLogs> {
        let mut logs = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            logs.push(p.source.logs().await);
        }
        logs
    }

    async fn clusters_now(&self, report: &Report) -> Result<Vec<Cluster>, String> {
        let mut scope = self.settings.scope.clone();
        if scope.clusters.is_empty() && scope.log_groups.is_empty() {
            scope.clusters.push("*".into());
        }
        let found: Vec<FoundTarget> = find_targets(&scope).await;
        let mut clusters = Vec::new();
        let mut refused = Vec::new();
        for (i, f) in found.iter().enumerate() {
            if let Some(e) = &f.refused {
                refused.push(unlisted_words(&f.target, e));
            }
            for g in &f.target.groups {
                let (account, name) = of_identifier(g);
                clusters.push(Cluster {
                    cluster: cluster_of_group(name).unwrap_or(name).to_string(),
                    group: g.clone(),
                    stored_bytes: None,
                    key: format!("{i} {g}"),
                    account: account.or_else(|| f.target.account.clone()),
                    region: Some(f.target.region.clone()),
                    chosen: true,
                });
            }
        }
        *self.found.lock().unwrap_or_else(PoisonError::into_inner) =
            found.into_iter().map(|f| f.target).collect();
        for r in &refused {
            report.failed(&sanitize(r));
        }
        if clusters.is_empty()
            && let Some(first) = refused.first()
        {
            return Err(sanitize(first).into_owned());
        }
        Ok(clusters)
    }

    /// The same fleet over the clusters picked (`TARGET GROUP` keys).
    fn picked(&self, keys: &[String]) -> FleetSource {
        let found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        let mut targets: Vec<FleetTarget> = Vec::new();
        let mut at: Vec<usize> = Vec::new();
        for key in keys {
            let Some((i, group)) = key.split_once(' ') else {
                continue;
            };
            let Some((i, target)) = i
                .parse::<usize>()
                .ok()
                .and_then(|i| Some((i, found.get(i)?)))
            else {
                continue;
            };
            match at.iter().position(|t| *t == i) {
                Some(j) => targets[j].groups.push(group.to_string()),
                None => {
                    at.push(i);
                    targets.push(FleetTarget {
                        groups: vec![group.to_string()],
                        ..target.clone()
                    });
                }
            }
        }
        drop(found);
        let names = names(&targets);
        let parts = targets
            .into_iter()
            .zip(names)
            .map(|(target, names)| Part {
                source: CloudSource::new(CloudSettings {
                    connect: target.connect.clone(),
                    groups: target.groups.clone(),
                    names,
                    label: Some(target.label()),
                    account: target.account.clone(),
                    region: Some(target.region.clone()),
                    since_ms: self.settings.since_ms,
                    follow: self.settings.follow,
                    max_events: self.settings.max_events,
                    max_rows: self.settings.max_rows,
                    // One account's expired credentials must not hold up the others: what it
                    // refuses is said, and the rest read.
                    wait_for_retry: false,
                }),
                target,
            })
            .collect();
        FleetSource {
            settings: self.settings.clone(),
            parts,
            found: Mutex::new(Vec::new()),
        }
    }

    async fn load_now(&self, store: &SharedStore, report: &Report) {
        let reads = self
            .parts
            .iter()
            .map(|p| p.source.read_range(store, report));
        futures_util::future::join_all(reads).await;
        loaded(store, report);
    }

    async fn tail_now(&self, store: &SharedStore, control: &Arc<TailControl>, report: &Report) {
        let intake = Arc::new(Mutex::new(Intake::default()));
        let ticker = tick(&intake, store, report, control);
        let follows = self.parts.iter().map(|p| {
            let held = std::mem::take(
                &mut *p
                    .source
                    .loaded
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
            );
            p.source.follow_into(held, store, control, report, &intake)
        });
        futures_util::future::join_all(follows).await;
        ticker.abort();
    }

    async fn query_now(&self, job: QueryJob, _report: &Report) -> Result<Answer, Failure> {
        let started = Instant::now();
        // Sent as [`EventSource::query_text`] made it.
        let compiled = job.compiled;
        let targets = self.targets();
        let logs = self.logs().await;
        let run = FleetRun {
            compiled: &compiled,
            start_ms: job.range.start_ms.unwrap_or(self.settings.since_ms),
            end_ms: job.range.end_ms.unwrap_or_else(now_ms),
            max_rows: self.settings.max_rows,
            concurrency: self.settings.concurrency,
            cancel: &job.cancel,
        };
        let answer = run_fleet(&targets, &logs, &run).await;
        let events = !compiled.has_stats();
        let row_of = match (&job.tie_to, events) {
            (Some(store), true) => match store.read() {
                Ok(held) => tie_rows(&answer.rows, &held),
                Err(_) => return Err(Failure::Reading("the events could not be read".into())),
            },
            _ => Vec::new(),
        };
        let notes: Vec<TargetNote> = targets
            .iter()
            .zip(answer.targets)
            .map(|(t, result)| TargetNote {
                label: t.label(),
                role: t.connect.role_arn.clone(),
                region: t.region.clone(),
                cost: self
                    .settings
                    .prices
                    .cost(&t.region, result.stats.bytes_scanned),
                result,
            })
            .collect();
        // Every target refused or failed: there is no answer, only why.
        if let Some(first) = notes.iter().find(|n| !n.result.complete())
            && notes.iter().all(|n| {
                matches!(
                    n.result.status,
                    TargetStatus::Refused { .. } | TargetStatus::Failed { .. }
                )
            })
        {
            return Err(Failure::Reading(format!(
                "{}: {}",
                first.label,
                status_words(&first.result, first.role.as_deref())
            )));
        }
        let mut facts = CloudFacts {
            stats: Default::default(),
            queries: 0,
            uncovered: Vec::new(),
            capped: None,
            stopped_at_max: false,
            max_rows: self.settings.max_rows,
            cancelled: job.cancel.load(std::sync::atomic::Ordering::Relaxed),
            oldest_first: false,
            targets: Vec::new(),
        };
        for n in &notes {
            facts.queries += n.result.queries;
            facts.stats.bytes_scanned += n.result.stats.bytes_scanned;
            facts.stats.records_scanned += n.result.stats.records_scanned;
            facts.stats.records_matched += n.result.stats.records_matched;
            if let TargetStatus::Partial { uncovered, .. } = &n.result.status {
                facts.uncovered.extend(uncovered.iter().copied());
            }
        }
        facts.targets = notes;
        Ok(Answer {
            ptrs: answer
                .rows
                .iter()
                .map(|r| super::query::field(r, "@ptr"))
                .collect(),
            row_of,
            events,
            cancelled: facts.cancelled,
            elapsed_ms: started.elapsed().as_millis() as u64,
            result: answer.result,
            facts: AnswerFacts::Cloud(facts),
        })
    }

    async fn detect_now(
        &self,
        detections: &[Detection],
        range: TimeRange,
        report: &Report,
        cancel: &AtomicBool,
    ) -> Result<Detected, String> {
        let start_ms = range.start_ms.unwrap_or(self.settings.since_ms);
        let end_ms = range.end_ms.unwrap_or_else(now_ms);
        let logs = self.logs().await;
        let asked = self.parts.iter().zip(&logs).map(|(p, logs)| async move {
            let range = CloudRange {
                groups: &p.target.groups,
                start_ms,
                end_ms,
                max_rows: self.settings.max_rows,
            };
            // What each account and region's run cost is said as its own.
            let (parent, label) = (report.clone(), p.target.label());
            let own = Report::new(move |event| {
                parent.send(match event {
                    Event::Note(note) => Event::Note(format!("{label}: {note}")),
                    other => other,
                })
            });
            super::detect(logs, detections, &range, &own, cancel).await
        });
        let answers = futures_util::future::join_all(asked).await;
        let mut merged: Option<Vec<crate::engine::finding::Finding>> = None;
        let mut failed = Vec::new();
        for (p, answer) in self.parts.iter().zip(answers) {
            match answer {
                Ok(detected) => match &mut merged {
                    None => merged = Some(detected.findings),
                    Some(all) => {
                        for (into, f) in all.iter_mut().zip(detected.findings) {
                            into.hits += f.hits;
                            into.complete &= f.complete;
                            into.refs.extend(f.refs);
                        }
                    }
                },
                Err(why) => failed.push(format!("{}: {why}", p.target.label())),
            }
        }
        let Some(mut findings) = merged else {
            return Err(failed
                .first()
                .cloned()
                .unwrap_or_else(|| "no cluster was picked".into()));
        };
        for why in &failed {
            report.failed(&format!("detections not run there: {why}"));
        }
        if !failed.is_empty() {
            // Some accounts or regions were not asked: every count is a floor.
            for f in &mut findings {
                f.complete = false;
            }
        }
        Ok(Detected {
            findings,
            reports: Vec::new(),
        })
    }

    async fn fetch_now(&self, ptr: &str, store: &SharedStore) -> Option<Result<u32, String>> {
        // A pointer names no account: the first that has the record answers.
        let mut last = None;
        for p in &self.parts {
            match p.source.fetch_record(ptr, store).await {
                Some(Ok(row)) => return Some(Ok(row)),
                other => last = other,
            }
        }
        last
    }
}

/// Per target, per group picked there, the name its cluster is shown by where two clusters of
/// the fleet share a name: with its region, else its account, else both. A name no other
/// cluster has is the cluster's own, and is not listed.
fn names(targets: &[FleetTarget]) -> Vec<Vec<(String, String)>> {
    let all: Vec<(usize, &String, String, String)> = targets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            t.groups.iter().map(move |g| {
                let (account, name) = of_identifier(g);
                let account = account.or_else(|| t.account.clone()).unwrap_or_default();
                (
                    i,
                    g,
                    cluster_of_group(name).unwrap_or(name).to_string(),
                    account,
                )
            })
        })
        .collect();
    let mut named = vec![Vec::new(); targets.len()];
    for (i, g, name, account) in &all {
        let region = &targets[*i].region;
        let alike = |f: &dyn Fn(usize, &str) -> bool| {
            all.iter()
                .filter(|(j, _, n, a)| n == name && f(*j, a))
                .count()
        };
        if alike(&|_, _| true) == 1 {
            continue;
        }
        let qualified = if alike(&|j, _| targets[j].region == *region) == 1 {
            format!("{name} ({region})")
        } else if alike(&|_, a| a == account) == 1 {
            format!("{name} ({account})")
        } else {
            format!("{name} ({account} {region})")
        };
        named[*i].push(((*g).clone(), qualified));
    }
    named
}

impl EventSource for FleetSource {
    fn name(&self) -> String {
        if self.parts.is_empty() {
            return format!("CloudWatch fleet {}: pick clusters", self.settings.name);
        }
        let clusters: usize = self.parts.iter().map(|p| p.target.groups.len()).sum();
        // The counts first: at 80 columns the fleet's name is what gets cut.
        format!(
            "CloudWatch: {} in {} · fleet {}",
            crate::text::count(clusters, "cluster"),
            places(self.parts.len()),
            self.settings.name,
        )
    }

    fn read_from(&self) -> ReadFrom {
        ReadFrom {
            files: Vec::new(),
            log_groups: self
                .parts
                .iter()
                .flat_map(|p| {
                    let label = p.target.label();
                    p.target.groups.iter().map(move |g| format!("{label} {g}"))
                })
                .collect(),
        }
    }

    fn query_text(&self, text: &str) -> String {
        without_fleet_keys(text)
    }

    fn target(&self, _tied: bool) -> Target {
        Target::CloudWatch
    }

    fn remote(&self) -> bool {
        true
    }

    fn follows(&self) -> bool {
        self.settings.follow
    }

    fn needs_cluster(&self) -> bool {
        self.parts.is_empty()
    }

    fn load<'a>(&'a self, store: &'a SharedStore, report: &'a Report) -> Work<'a, ()> {
        Box::pin(self.load_now(store, report))
    }

    fn tail<'a>(
        &'a self,
        store: &'a SharedStore,
        control: &'a Arc<TailControl>,
        report: &'a Report,
    ) -> Work<'a, ()> {
        Box::pin(self.tail_now(store, control, report))
    }

    fn query<'a>(&'a self, job: QueryJob, report: &'a Report) -> Work<'a, Result<Answer, Failure>> {
        Box::pin(self.query_now(job, report))
    }

    fn detect<'a>(
        &'a self,
        detections: &'a [Detection],
        range: TimeRange,
        report: &'a Report,
        cancel: &'a AtomicBool,
    ) -> Work<'a, Result<Detected, String>> {
        Box::pin(self.detect_now(detections, range, report, cancel))
    }

    fn fetch_record<'a>(
        &'a self,
        ptr: &'a str,
        store: &'a SharedStore,
    ) -> Work<'a, Option<Result<u32, String>>> {
        Box::pin(self.fetch_now(ptr, store))
    }

    fn clusters<'a>(&'a self, report: &'a Report) -> Work<'a, Result<Vec<Cluster>, String>> {
        Box::pin(self.clusters_now(report))
    }

    fn with_clusters(&self, keys: &[String]) -> Option<Arc<dyn EventSource>> {
        Some(Arc::new(self.picked(keys)))
    }

    fn retry(&self) {
        for p in &self.parts {
            p.source.retry();
        }
    }
}

#[cfg(test)]
#[path = "fleet_source_tests.rs"]
mod tests;
