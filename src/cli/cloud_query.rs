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
use crate::source::cloudwatch::{CloudQuery, SdkLogs, answer_from_rows, run_query};
use crate::text::sanitize;

/// How far back a query reads when no range is given: CloudWatch bills every byte scanned.
const DEFAULT_SPAN_MS: i64 = 3600 * 1000;

/// CloudWatch reads at most this many log groups in one query.
const MAX_GROUPS: usize = 50;

pub fn run(args: &QueryArgs, text: &str) -> Result<Outcome> {
    let groups = args.cloud.groups();
    if groups.len() > MAX_GROUPS {
        return Err(anyhow!(
            "{} log groups given; CloudWatch queries at most {MAX_GROUPS} at once",
            groups.len()
        ));
    }
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
    let run = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        let stop = cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        let run = run_query(
            &logs,
            &query,
            |poll| {
                if terminal {
                    eprint!(
                        "\r\x1b[Krunning… {:.0} records ({:.1} MB) scanned, {:.0} matched, {:.1} s (Ctrl-C stops it)",
                        poll.stats.records_scanned,
                        poll.stats.bytes_scanned / 1e6,
                        poll.stats.records_matched,
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
    let run = run.map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    if run.cancelled {
        eprintln!(
            "kaudit: stopped: StopQuery was sent for {}; the rows below are what CloudWatch had found",
            sanitize(&run.query_id)
        );
    }
    let rows = run.poll.rows.len();
    let result = answer_from_rows(&run.poll.rows, run.poll.stats, keep_ptr, false);
    print_result(&result, args.output)?;
    let _ = std::io::stdout().flush();
    let s = run.poll.stats;
    eprintln!(
        "records scanned: {:.0}, matched: {:.0}, bytes scanned: {:.0}, rows: {rows}, elapsed: {:.3} s (CloudWatch query {})",
        s.records_scanned,
        s.records_matched,
        s.bytes_scanned,
        started.elapsed().as_secs_f64(),
        sanitize(&run.query_id)
    );
    Ok(if run.cancelled {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
