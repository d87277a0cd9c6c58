//! `kaudit detect --cluster NAME | --log-group G`: each detection runs in CloudWatch Logs
//! Insights over the range, a few at a time, each checked first as CloudWatch will run it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, anyhow};

use super::detect::DetectArgs;
use crate::engine::cloud::CloudRange;
use crate::engine::{self, Detection, Event, Finding, Report};
use crate::source::cloudwatch::SdkLogs;

/// How far back the detections read when no range is given: CloudWatch bills every byte
/// scanned, once per detection.
const DEFAULT_SPAN_MS: i64 = 24 * 3600 * 1000;

pub fn run(args: &DetectArgs, detections: &[Detection]) -> Result<Vec<Finding>> {
    let groups = args.cloud.checked_groups()?;
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    let start_ms = range.start_ms.unwrap_or_else(|| {
        eprintln!("kaudit: no --since or --start: the last 24 hours are read");
        now_ms - DEFAULT_SPAN_MS
    });
    let range = CloudRange {
        groups: &groups,
        start_ms,
        end_ms: range.end_ms.unwrap_or(now_ms),
        max_rows: args.max_rows,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let terminal = std::io::stderr().is_terminal();
    let report = Report::new(move |event| {
        if let (true, Event::Detected { done, of }) = (terminal, event) {
            eprint!("\r\x1b[Kdetections run: {done} of {of} (Ctrl-C stops them)");
        }
        true
    });
    let findings = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let stop = cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let findings = engine::cloud::detect(&logs, detections, &range, &report, &cancel).await;
        ctrl_c.abort();
        findings
    });
    if terminal {
        eprint!("\r\x1b[K");
    }
    findings.map_err(|e| anyhow!(e))
}
