//! Every detection in CloudWatch Logs Insights over a range, a few at a time, each checked first
//! as CloudWatch will run it: a detection that cannot run costs nothing.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;

use super::query::{CloudRange, field, run};
use crate::engine::compile::{Target, compile, first_error};
use crate::engine::event::{Event, Report};
use crate::engine::finding::{Detection, Finding, HitRef};
use crate::source::cloudwatch::Logs;
use crate::text::sanitize;

/// Detections in flight at once: well under the account's limit of concurrent queries, which
/// the analyst's own console shares.
const IN_FLIGHT: usize = 4;

/// The findings of `detections` over `range`, in their order; [`Event::Detected`] as each is
/// answered. A cancel stops those still running (StopQuery) and fails the whole.
pub async fn detect<L: Logs>(
    logs: &L,
    detections: &[Detection],
    range: &CloudRange<'_>,
    report: &Report,
    cancel: &AtomicBool,
) -> Result<Vec<Finding>, String> {
    // Every detection checked before the first byte is billed.
    let mut compiled = Vec::with_capacity(detections.len());
    for d in detections {
        compiled.push(compile(&d.text, Target::CloudWatch).map_err(|e| {
            format!(
                "the detection {} cannot run in CloudWatch: {}",
                sanitize(&d.name),
                first_error(&e)
            )
        })?);
    }
    let done = AtomicUsize::new(0);
    let of = detections.len();
    // By index: a closure over `&Compiled` would not be `Send` for every lifetime, which a
    // source's boxed work must be.
    let answers = futures_util::stream::iter(0..compiled.len())
        .map(|i| {
            let (done, c) = (&done, &compiled[i]);
            async move {
                // A detection that counts groups is one query: split, its groups would repeat.
                let answer = run(logs, c, range, |_| {}, cancel).await;
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                report.send(Event::Detected { done, of });
                answer
            }
        })
        .buffered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut findings = Vec::with_capacity(of);
    for (d, answer) in detections.iter().zip(answers) {
        let answer = answer.map_err(|e| format!("{}: {}", d.name, sanitize(&e.to_string())))?;
        if answer.facts.cancelled {
            return Err("stopped: StopQuery was sent for the detections still running".into());
        }
        let refs = answer
            .rows
            .iter()
            .map(|row| match field(row, "auditID") {
                Some(id) => HitRef::AuditId(id),
                None => HitRef::At(
                    field(row, "@ptr").map_or("where: unknown".into(), |p| format!("@ptr {p}")),
                ),
            })
            .collect();
        findings.push(Finding::of(d, refs, answer.facts.complete()));
    }
    Ok(findings)
}
