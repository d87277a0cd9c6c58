//! Every detection in CloudWatch Logs Insights over a range, each checked first as CloudWatch
//! will run it: a detection that cannot run costs nothing. CloudWatch bills a query by the bytes
//! of the range it scans, so the detections that only keep events share queries ([`combine`]):
//! one per batch, the OR of their filters, whose events are then told apart here by each
//! detection's own plan ([`classify`]). A detection that counts, keeps one of several, or
//! otherwise means something else when asked with others runs alone, as any query.
//!
//! [`combine`]: super::combine
//! [`classify`]: super::classify

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;

use super::classify::{by_ptr, classify};
use super::combine::{Batch, MAX_QUERY_LEN, Way, batches, way_of};
use super::query::{CloudAnswer, CloudRange, field, run};
use crate::engine::compile::{Compiled, Target, compile, first_error};
use crate::engine::event::{Event, Report};
use crate::engine::finding::{Detection, Finding, HitRef};
use crate::source::cloudwatch::{CloudError, Logs};
use crate::text::sanitize;

/// Queries in flight at once: well under the account's limit of concurrent queries, which the
/// analyst's own console shares.
const IN_FLIGHT: usize = 4;

/// How the detections will be asked.
#[derive(Debug)]
pub struct DetectPlan {
    /// Per detection, compiled for CloudWatch.
    cloud: Vec<Compiled>,
    batches: Vec<Shared>,
    /// Detections that run alone, and why.
    alone: Vec<(usize, String)>,
}

impl DetectPlan {
    /// Checks every detection as CloudWatch will run it and puts those that can share a query
    /// into batches of at most `max_query_len` characters each.
    pub fn new(detections: &[Detection], max_query_len: usize) -> Result<DetectPlan, String> {
        let mut cloud = Vec::with_capacity(detections.len());
        for d in detections {
            cloud.push(compile(&d.text, Target::CloudWatch).map_err(|e| {
                format!(
                    "the detection {} cannot run in CloudWatch: {}",
                    sanitize(&d.name),
                    first_error(&e)
                )
            })?);
        }
        let mut local: Vec<Option<Compiled>> = Vec::with_capacity(detections.len());
        let mut together = Vec::new();
        let mut alone = Vec::new();
        for (i, (d, c)) in detections.iter().zip(&cloud).enumerate() {
            let (way, here) = match way_of(c) {
                Way::Together { disjunct } => match compile(&d.text, Target::LocalTied) {
                    Ok(here) => (Way::Together { disjunct }, Some(here)),
                    Err(e) => (
                        Way::Alone {
                            why: format!("kaudit cannot run it itself: {}", first_error(&e)),
                        },
                        None,
                    ),
                },
                alone => (alone, None),
            };
            local.push(here);
            match way {
                Way::Together { disjunct } => together.push((i, disjunct)),
                Way::Alone { why } => alone.push((i, why)),
            }
        }
        let (batched, too_long) = batches(&together, max_query_len);
        for i in too_long {
            alone.push((i, "its filters alone make a query too long to share".into()));
        }
        alone.sort_by_key(|(i, _)| *i);
        let mut shared = Vec::with_capacity(batched.len());
        for batch in batched {
            // Made of filters that compiled each on its own: a failure is kaudit's.
            let query = compile(&batch.text, Target::CloudWatch).map_err(|e| {
                format!(
                    "the detections' shared query does not compile: {}",
                    first_error(&e)
                )
            })?;
            let members: Vec<Compiled> = batch
                .members
                .iter()
                .filter_map(|&i| local[i].take())
                .filter(|c| c.plan().is_some())
                .collect();
            if members.len() != batch.members.len() {
                return Err("a detection of a shared query was not compiled to be run here".into());
            }
            shared.push(Shared {
                batch,
                query,
                members,
            });
        }
        Ok(DetectPlan {
            cloud,
            batches: shared,
            alone,
        })
    }

    /// The shared queries: the detections of each (by index), and its text.
    pub fn batches(&self) -> impl Iterator<Item = &Batch> {
        self.batches.iter().map(|s| &s.batch)
    }

    /// The detections that run alone (by index), and why.
    pub fn alone(&self) -> &[(usize, String)] {
        &self.alone
    }

    /// The queries a run starts, before any range is split past the row cap.
    pub fn queries(&self) -> usize {
        self.batches.len() + self.alone.len()
    }
}

/// A query shared by several detections.
#[derive(Debug)]
struct Shared {
    batch: Batch,
    /// Its text, compiled for CloudWatch.
    query: Compiled,
    /// Per member, compiled to be run here over the shared answer.
    members: Vec<Compiled>,
}

/// What the detections found over a range in CloudWatch, and what it took.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudDetected {
    /// One per detection, in the order given.
    pub findings: Vec<Finding>,
    /// Queries the detections were asked in: shared, and alone.
    pub batches: usize,
    pub alone: usize,
    /// StartQuery calls made: more than the queries when a range was split past the row cap.
    pub started: usize,
    /// Events the shared queries returned, each told apart here.
    pub classified: usize,
    pub bytes_scanned: f64,
}

/// The findings of `detections` over `range`, in their order; [`Event::Detected`] as each is
/// answered. A cancel stops the queries still running (StopQuery) and fails the whole.
pub async fn detect<L: Logs>(
    logs: &L,
    detections: &[Detection],
    range: &CloudRange<'_>,
    report: &Report,
    cancel: &AtomicBool,
) -> Result<CloudDetected, String> {
    let plan = DetectPlan::new(detections, MAX_QUERY_LEN)?;
    detect_planned(logs, detections, &plan, range, report, cancel).await
}

/// One query's work: a shared one, or a detection alone.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Batch(usize),
    Alone(usize),
}

/// What one query gave: per detection it answers, its hits and whether they are all.
struct Answered {
    found: Vec<(usize, Vec<HitRef>, bool)>,
    started: usize,
    classified: usize,
    bytes_scanned: f64,
}

/// [`detect`] as `plan` (made of the same `detections`) says.
pub async fn detect_planned<L: Logs>(
    logs: &L,
    detections: &[Detection],
    plan: &DetectPlan,
    range: &CloudRange<'_>,
    report: &Report,
    cancel: &AtomicBool,
) -> Result<CloudDetected, String> {
    if plan.cloud.len() != detections.len() {
        return Err("the plan was made for other detections".into());
    }
    let units: Vec<Unit> = (0..plan.batches.len())
        .map(Unit::Batch)
        .chain(plan.alone.iter().map(|(i, _)| Unit::Alone(*i)))
        .collect();
    let done = AtomicUsize::new(0);
    let of = detections.len();
    // By index: a closure over `&Compiled` would not be `Send` for every lifetime, which a
    // source's boxed work must be.
    let answers = futures_util::stream::iter(units)
        .map(|unit| {
            let done = &done;
            async move {
                let answered = match unit {
                    Unit::Batch(b) => run_batch(logs, plan, b, range, cancel).await,
                    Unit::Alone(i) => run_alone(logs, &plan.cloud[i], i, range, cancel).await,
                };
                if let Ok(a) = &answered {
                    let done = done.fetch_add(a.found.len(), Ordering::Relaxed) + a.found.len();
                    report.send(Event::Detected { done, of });
                }
                answered.map_err(|e| failed(detections, plan, unit, &e))
            }
        })
        .buffered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut found: Vec<Option<(Vec<HitRef>, bool)>> = vec![None; of];
    let mut detected = CloudDetected {
        findings: Vec::with_capacity(of),
        batches: plan.batches.len(),
        alone: plan.alone.len(),
        started: 0,
        classified: 0,
        bytes_scanned: 0.0,
    };
    for answered in answers {
        let answered = answered?;
        detected.started += answered.started;
        detected.classified += answered.classified;
        detected.bytes_scanned += answered.bytes_scanned;
        for (i, refs, complete) in answered.found {
            found[i] = Some((refs, complete));
        }
    }
    for (d, found) in detections.iter().zip(found) {
        let (refs, complete) = found.ok_or_else(|| format!("{}: not run", sanitize(&d.name)))?;
        detected.findings.push(Finding::of(d, refs, complete));
    }
    report.send(Event::Note(detected.cost()));
    Ok(detected)
}

impl CloudDetected {
    /// What the run cost, in a line: the queries, each billed for the bytes it scanned.
    pub fn cost(&self) -> String {
        let queries = self.batches + self.alone;
        let split = if self.started > queries {
            format!(
                ", split past the row cap into {}",
                crate::text::count(self.started, "query")
            )
        } else {
            String::new()
        };
        format!(
            "CloudWatch: {} in {} ({} shared, {} alone{split}), bytes scanned: {:.0}; {} of the shared answers told apart here",
            crate::text::count(self.findings.len(), "detection"),
            crate::text::count(queries, "query"),
            self.batches,
            self.alone,
            self.bytes_scanned,
            crate::text::count(self.classified, "event")
        )
    }
}

/// The words for a query that failed, naming the detections it answers.
fn failed(detections: &[Detection], plan: &DetectPlan, unit: Unit, why: &Unanswered) -> String {
    let e = match why {
        Unanswered::Stopped => {
            return "stopped: StopQuery was sent for the detections still running".into();
        }
        Unanswered::Cloud(e) => e,
    };
    let names = match unit {
        Unit::Alone(i) => sanitize(&detections[i].name).into_owned(),
        Unit::Batch(b) => {
            let members = &plan.batches[b].batch.members;
            let first = members.first().map_or(String::new(), |&i| {
                sanitize(&detections[i].name).into_owned()
            });
            format!(
                "the query shared by {first} and {} more detections",
                members.len().saturating_sub(1)
            )
        }
    };
    format!("{names}: {}", sanitize(&e.to_string()))
}

/// Why a query answered no detection.
enum Unanswered {
    Cloud(CloudError),
    /// Cancelled: StopQuery was sent.
    Stopped,
}

impl From<CloudError> for Unanswered {
    fn from(e: CloudError) -> Unanswered {
        Unanswered::Cloud(e)
    }
}

/// `compiled` run over `range`, unless a cancel stopped it.
async fn answered<L: Logs>(
    logs: &L,
    compiled: &Compiled,
    range: &CloudRange<'_>,
    cancel: &AtomicBool,
) -> Result<CloudAnswer, Unanswered> {
    let answer = run(logs, compiled, range, |_| {}, cancel).await?;
    if answer.facts.cancelled {
        return Err(Unanswered::Stopped);
    }
    Ok(answer)
}

async fn run_alone<L: Logs>(
    logs: &L,
    compiled: &Compiled,
    i: usize,
    range: &CloudRange<'_>,
    cancel: &AtomicBool,
) -> Result<Answered, Unanswered> {
    // A detection that counts groups is one query: split, its groups would repeat.
    let answer = answered(logs, compiled, range, cancel).await?;
    let refs = answer
        .rows
        .iter()
        .map(|row| match field(row, "auditID") {
            Some(id) => HitRef::AuditId(id),
            None => by_ptr(field(row, "@ptr")),
        })
        .collect();
    Ok(Answered {
        found: vec![(i, refs, answer.facts.complete())],
        ..spent(&answer, 0)
    })
}

async fn run_batch<L: Logs>(
    logs: &L,
    plan: &DetectPlan,
    b: usize,
    range: &CloudRange<'_>,
    cancel: &AtomicBool,
) -> Result<Answered, Unanswered> {
    let Shared {
        batch,
        query,
        members,
    } = &plan.batches[b];
    // Each detection may have as many hits as it would alone: the shared answer holds them all.
    let shared = CloudRange {
        max_rows: range.max_rows.saturating_mul(batch.members.len()),
        ..range.clone()
    };
    let answer = answered(logs, query, &shared, cancel).await?;
    // Compiled for a local target: each has a plan.
    let plans: Vec<_> = members.iter().filter_map(Compiled::plan).collect();
    let hits = classify(&plans, &answer.rows);
    // Rows the shared answer lacks (a second too dense to cut, the most rows reached) may be
    // any detection's.
    let whole = answer.facts.complete();
    let found = batch
        .members
        .iter()
        .zip(hits)
        .map(|(&i, mut refs)| {
            let all = refs.len() <= range.max_rows;
            refs.truncate(range.max_rows);
            (i, refs, whole && all)
        })
        .collect();
    Ok(Answered {
        found,
        ..spent(&answer, answer.rows.len())
    })
}

/// What a query cost, with no detection answered yet.
fn spent(answer: &CloudAnswer, classified: usize) -> Answered {
    Answered {
        found: Vec::new(),
        started: answer.facts.queries,
        classified,
        bytes_scanned: answer.facts.stats.bytes_scanned,
    }
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
