//! `kaudit detect --cluster NAME | --log-group G`: each detection runs in CloudWatch Logs
//! Insights over the range, a few at a time, each checked first as CloudWatch will run it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{Result, anyhow};
use futures_util::StreamExt;

use super::detect::DetectArgs;
use crate::engine::compile::first_error;
use crate::engine::{Detection, Finding, HitRef};
use crate::engine::{Target, compile};
use crate::source::cloudwatch::{CloudQuery, SdkLogs, run_split};
use crate::text::sanitize;

/// How far back the detections read when no range is given: CloudWatch bills every byte
/// scanned, once per detection.
const DEFAULT_SPAN_MS: i64 = 24 * 3600 * 1000;

/// Detections in flight at once: well under the account's limit of concurrent queries, which
/// the analyst's own console shares.
const IN_FLIGHT: usize = 4;

pub fn run(args: &DetectArgs, detections: &[Detection]) -> Result<Vec<Finding>> {
    let groups = args.cloud.checked_groups()?;
    // Every detection checked before the first byte is billed.
    let mut parsed_all = Vec::new();
    for q in detections {
        let compiled = compile(&q.text, Target::CloudWatch).map_err(|d| {
            anyhow!(
                "the detection {} cannot run in CloudWatch: {}",
                sanitize(&q.name),
                first_error(&d)
            )
        })?;
        parsed_all.push(compiled);
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    let start_ms = range.start_ms.unwrap_or_else(|| {
        eprintln!("kaudit: no --since or --start: the last 24 hours are read");
        now_ms - DEFAULT_SPAN_MS
    });
    let end_ms = range.end_ms.unwrap_or(now_ms);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let done = AtomicUsize::new(0);
    let terminal = std::io::stderr().is_terminal();
    let total = detections.len();
    let results = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let stop = cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let runs = futures_util::stream::iter(detections.iter().zip(&parsed_all))
            .map(|(q, parsed)| {
                let query = CloudQuery {
                    groups: groups.clone(),
                    start_s: start_ms.div_euclid(1000),
                    end_s: (end_ms + 999).div_euclid(1000),
                    text: q.text.clone(),
                };
                let (logs, cancel, done) = (&logs, &cancel, &done);
                async move {
                    // A detection that counts groups is one query: split, its groups would repeat.
                    let run =
                        run_split(logs, &query, parsed.query(), args.max_rows, |_| {}, cancel)
                            .await;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if terminal {
                        eprint!("\r\x1b[Kdetections run: {n} of {total} (Ctrl-C stops them)");
                    }
                    run
                }
            })
            .buffered(IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        ctrl_c.abort();
        runs
    });
    if terminal {
        eprint!("\r\x1b[K");
    }
    let mut findings = Vec::new();
    for (q, run) in detections.iter().zip(results) {
        let run = run.map_err(|e| anyhow!("{}: {}", q.name, sanitize(&e.to_string())))?;
        if run.cancelled {
            return Err(anyhow!(
                "stopped: StopQuery was sent for the detections still running"
            ));
        }
        let field = |row: &[(String, String)], name: &str| {
            row.iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let refs = run
            .rows
            .iter()
            .map(|row| match field(row, "auditID") {
                Some(id) => HitRef::AuditId(id),
                None => HitRef::At(
                    field(row, "@ptr").map_or("where: unknown".into(), |p| format!("@ptr {p}")),
                ),
            })
            .collect();
        findings.push(Finding::of(q, refs, run.complete()));
    }
    Ok(findings)
}
