//! A Logs Insights query's whole life in CloudWatch: started (retried when throttled), polled
//! with a backoff that grows while nothing changes, its statistics reported as progress, stopped
//! with StopQuery when cancelled so nothing is left running in the account.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::Logs;
use super::types::{CloudError, QueryPoll, QueryState};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudQuery {
    pub groups: Vec<String>,
    /// Epoch seconds, as StartQuery takes them.
    pub start_s: i64,
    pub end_s: i64,
    pub text: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudRun {
    pub query_id: String,
    /// The last answer: every row AWS returned.
    pub poll: QueryPoll,
    /// Stopped by the caller; the rows are what AWS had found until then.
    pub cancelled: bool,
    /// GetQueryResults calls made.
    pub polls: usize,
}

/// Attempts at a throttled call before giving up.
const ATTEMPTS: u32 = 6;
const FIRST_POLL: Duration = Duration::from_millis(200);
const LONGEST_POLL: Duration = Duration::from_secs(2);
/// How often a wait looks at the cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// A pause of about `base`, jittered ±50 %, so that many clients throttled together spread out.
fn jittered(base: Duration, seed: &mut u64) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let factor = 0.5 + (*seed % 1000) as f64 / 1000.0;
    base.mul_f64(factor)
}

/// Waits `pause`, or less when `cancel` is set meanwhile; true when cancelled.
async fn wait(pause: Duration, cancel: &AtomicBool) -> bool {
    let mut left = pause;
    while !left.is_zero() {
        if cancel.load(Ordering::Relaxed) {
            return true;
        }
        let step = left.min(CANCEL_CHECK);
        tokio::time::sleep(step).await;
        left -= step;
    }
    cancel.load(Ordering::Relaxed)
}

/// Calls `op` again after a jittered, growing pause while AWS throttles it.
async fn retried<T, F, Fut>(mut op: F, seed: &mut u64) -> Result<T, CloudError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CloudError>>,
{
    let mut pause = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if e.is_throttling() && attempt < ATTEMPTS => {
                tokio::time::sleep(jittered(pause, seed)).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Runs `query`; `progress` sees every poll. Setting `cancel` stops it (StopQuery) and returns
/// what AWS had found.
pub async fn run_query<L: Logs>(
    logs: &L,
    query: &CloudQuery,
    mut progress: impl FnMut(&QueryPoll),
    cancel: &AtomicBool,
) -> Result<CloudRun, CloudError> {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
        | 1;
    let id = retried(
        || logs.start_query(&query.groups, query.start_s, query.end_s, &query.text),
        &mut seed,
    )
    .await?;
    let mut pause = FIRST_POLL;
    let mut polls = 0;
    let mut last: Option<QueryPoll> = None;
    loop {
        if wait(pause, cancel).await {
            // Stop it in the account first; then take what it found.
            let stopped = retried(|| logs.stop_query(&id), &mut seed).await;
            let poll = retried(|| logs.query_results(&id), &mut seed).await;
            polls += 1;
            let poll = match (poll, last) {
                (Ok(poll), _) => poll,
                (Err(_), Some(last)) => last,
                (Err(e), None) => return Err(e),
            };
            stopped?;
            progress(&poll);
            return Ok(CloudRun {
                query_id: id,
                poll,
                cancelled: true,
                polls,
            });
        }
        let poll = retried(|| logs.query_results(&id), &mut seed).await?;
        polls += 1;
        progress(&poll);
        match poll.state {
            QueryState::Complete => {
                return Ok(CloudRun {
                    query_id: id,
                    poll,
                    cancelled: false,
                    polls,
                });
            }
            QueryState::Failed | QueryState::Timeout | QueryState::Cancelled => {
                return Err(CloudError::QueryEnded {
                    state: poll.state.to_string(),
                    message: format!("query id {id}"),
                });
            }
            _ => {}
        }
        // Slower while nothing moves, quick again when it does.
        let moved = last.as_ref().is_none_or(|l| l.stats != poll.stats);
        pause = if moved {
            FIRST_POLL
        } else {
            (pause * 3 / 2).min(LONGEST_POLL)
        };
        last = Some(poll);
    }
}
