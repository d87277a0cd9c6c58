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
use crate::engine::Compiled;
use crate::source::cloudwatch::{
    AWS_ROW_CAP, CloudQuery, Order, Reading, SdkLogs, SplitRun, answer_from_rows, reading,
    run_split,
};
use crate::text::sanitize;

/// How far back a query reads when no range is given: CloudWatch bills every byte scanned.
const DEFAULT_SPAN_MS: i64 = 3600 * 1000;

pub fn run(args: &QueryArgs, compiled: &Compiled) -> Result<Outcome> {
    let (text, parsed) = (compiled.text(), compiled.query());
    let groups = args.cloud.checked_groups()?;
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let range = args.time.resolve(now_ms)?;
    let start_ms = range.start_ms.unwrap_or_else(|| {
        eprintln!("kaudit: no --since or --start: the last hour is queried");
        now_ms - DEFAULT_SPAN_MS
    });
    let end_ms = range.end_ms.unwrap_or(now_ms);
    let query = CloudQuery {
        groups,
        // StartQuery takes whole seconds; the end is rounded up so that its last second counts.
        start_s: start_ms.div_euclid(1000),
        end_s: (end_ms + 999).div_euclid(1000),
        text: text.to_string(),
    };
    let keep_ptr = text.contains("@ptr");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let run: Result<SplitRun, _> = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let stop = cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let run = run_split(
            &logs,
            &query,
            parsed,
            args.max_rows,
            |p| {
                if terminal {
                    eprint!(
                        "\r\x1b[Krunning… query {}, {} rows so far, {:.0} records ({:.1} MB) scanned, {:.1} s (Ctrl-C stops it)",
                        p.queries,
                        p.rows,
                        p.part.records_scanned,
                        p.part.bytes_scanned / 1e6,
                        started.elapsed().as_secs_f64()
                    );
                }
            },
            &cancel,
        )
        .await;
        ctrl_c.abort();
        run
    });
    if terminal {
        eprint!("\r\x1b[K");
    }
    let mut run = run.map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    if run.cancelled {
        eprintln!(
            "kaudit: stopped: StopQuery was sent; the rows below are what CloudWatch had found"
        );
    }
    if let Some(why) = &run.capped {
        eprintln!(
            "kaudit: CloudWatch returned its cap of {AWS_ROW_CAP} rows and this query cannot be split by time ({why}), so there may be more"
        );
    }
    if run.queries > 1 {
        eprintln!(
            "kaudit: past CloudWatch's {AWS_ROW_CAP}-row cap, the range was split into {} queries",
            run.queries
        );
    }
    let at = |s: i64| jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string());
    for (start_s, end_s) in &run.uncovered {
        eprintln!(
            "kaudit: not covered: from {} to {} more than {AWS_ROW_CAP} events match, too many for one query of the shortest range kaudit can ask for; some of them are missing",
            at(*start_s),
            at(*end_s)
        );
    }
    if run.stopped_at_max {
        let rest = match reading(parsed) {
            Reading::Split(Order::OldestFirst) => "newer",
            _ => "older",
        };
        eprintln!(
            "kaudit: stopped at --max-rows {}: {rest} parts of the range were not read",
            args.max_rows
        );
    }
    let rows = run.rows.len();
    let stats = run.stats;
    let result = answer_from_rows(
        &std::mem::take(&mut run.rows),
        stats,
        keep_ptr,
        run.capped.is_some(),
    );
    print_result(&result, args.output)?;
    let _ = std::io::stdout().flush();
    eprintln!(
        "records scanned: {:.0}, matched: {:.0}, bytes scanned: {:.0}, rows: {rows}, elapsed: {:.3} s (CloudWatch, {} queries)",
        stats.records_scanned,
        stats.records_matched,
        stats.bytes_scanned,
        started.elapsed().as_secs_f64(),
        run.queries
    );
    Ok(if run.cancelled {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
