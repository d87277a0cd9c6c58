//! `kaudit query --cluster NAME | --log-group G`: the query runs in CloudWatch Logs Insights,
//! checked here first (a typo costs nothing), with progress on a terminal, Ctrl-C stopping it in
//! the account, and the answer printed in the same forms as a local one.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Result, anyhow};

use super::Outcome;
use super::query::{QueryArgs, print_result};
use crate::engine::cloud::CloudRange;
use crate::engine::{self, Compiled};
use crate::source::cloudwatch::{AWS_ROW_CAP, SdkLogs};
use crate::text::sanitize;

/// How far back a query reads when no range is given: CloudWatch bills every byte scanned.
const DEFAULT_SPAN_MS: i64 = 3600 * 1000;

pub fn run(args: &QueryArgs, compiled: &Compiled) -> Result<Outcome> {
    let groups = args.cloud.checked_groups()?;
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    let start_ms = range.start_ms.unwrap_or_else(|| {
        eprintln!("kaudit: no --since or --start: the last hour is queried");
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
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let answer = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let stop = cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let answer = engine::cloud::run(
            &logs,
            compiled,
            &range,
            |p| {
                if terminal {
                    eprint!(
                        "\r\x1b[Krunning… query {}, {} rows so far, {:.0} records ({:.1} MB) scanned, {:.1} s (Ctrl-C stops it)",
                        p.queries,
                        p.rows,
                        p.records_scanned,
                        p.bytes_scanned as f64 / 1e6,
                        started.elapsed().as_secs_f64()
                    );
                }
            },
            &cancel,
        )
        .await;
        ctrl_c.abort();
        answer
    });
    if terminal {
        eprint!("\r\x1b[K");
    }
    let answer = answer.map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    let facts = &answer.facts;
    if facts.cancelled {
        eprintln!(
            "kaudit: stopped: StopQuery was sent; the rows below are what CloudWatch had found"
        );
    }
    if let Some(why) = &facts.capped {
        eprintln!(
            "kaudit: CloudWatch returned its cap of {AWS_ROW_CAP} rows and this query cannot be split by time ({why}), so there may be more"
        );
    }
    if facts.queries > 1 {
        eprintln!(
            "kaudit: past CloudWatch's {AWS_ROW_CAP}-row cap, the range was split into {} queries",
            facts.queries
        );
    }
    let at = |s: i64| jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string());
    for (start_s, end_s) in &facts.uncovered {
        eprintln!(
            "kaudit: not covered: from {} to {} more than {AWS_ROW_CAP} events match, too many for one query of the shortest range kaudit can ask for; some of them are missing",
            at(*start_s),
            at(*end_s)
        );
    }
    if facts.stopped_at_max {
        let rest = if facts.oldest_first { "newer" } else { "older" };
        eprintln!(
            "kaudit: stopped at --max-rows {}: {rest} parts of the range were not read",
            args.max_rows
        );
    }
    print_result(&answer.result, args.output)?;
    let _ = std::io::stdout().flush();
    let stats = facts.stats;
    eprintln!(
        "records scanned: {:.0}, matched: {:.0}, bytes scanned: {:.0}, rows: {}, elapsed: {:.3} s (CloudWatch, {} queries)",
        stats.records_scanned,
        stats.records_matched,
        stats.bytes_scanned,
        answer.rows.len(),
        started.elapsed().as_secs_f64(),
        facts.queries
    );
    Ok(if facts.cancelled {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
