//! How many Logs Insights queries a fleet runs at once. AWS caps the queries running in an
//! account (its documentation has quoted 30 and 100) and says so with `LimitExceededException`;
//! the cap is shared with whoever else queries the account, so it is learnt, not assumed: the
//! fleet starts a few at once and runs fewer when AWS says it is at the limit.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::source::cloudwatch::{
    CloudError, FilterPage, LiveMsg, LiveTarget, LogGroup, Logs, QueryPoll, TailTarget,
};

/// Queries a fleet starts at once before AWS says anything, unless told (`--concurrency`,
/// `concurrency` in a fleet of `fleet.toml`).
pub const FIRST_CONCURRENCY: usize = 4;
/// The most queries a fleet may be told to start at once: the account's quota of concurrent
/// Logs Insights queries, dashboards' included, which the CloudWatch Logs User Guide ("View
/// running queries or query history") gives as 100 per account (the StartQuery API reference
/// still says 30). Past what the account allows at the time, AWS answers
/// `LimitExceededException` and the gate runs fewer.
pub const MOST_CONCURRENCY: usize = 100;

/// `n` as a concurrency, or why it is not one.
pub fn concurrency(n: i64) -> Result<usize, String> {
    match usize::try_from(n) {
        Ok(n) if (1..=MOST_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "{n} queries at once: give 1 to {MOST_CONCURRENCY} (AWS's quota of concurrent Logs Insights queries an account runs)"
        )),
    }
}
/// Waits for room after `LimitExceededException` before the query is given up.
const LIMIT_TRIES: usize = 8;
const FIRST_LIMIT_WAIT: Duration = Duration::from_millis(500);
/// Queries AWS starts in a row, after a limit was lowered, before one more may run at once: a
/// few refusals early (someone else's queries ending) do not leave the rest one at a time.
const RAISE_AFTER: usize = 4;
const LONGEST_LIMIT_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Default)]
struct Room {
    limit: usize,
    running: usize,
    most: usize,
    /// Queries started since the limit last moved.
    started: usize,
}

/// Slots for queries: at most `limit` hold one.
#[derive(Debug)]
pub struct Gate {
    room: Mutex<Room>,
    freed: Notify,
    started_with: usize,
}

/// A slot, given back when dropped.
#[derive(Debug)]
pub struct Pass<'g>(&'g Gate);

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.room().running -= 1;
        self.0.freed.notify_waiters();
    }
}

impl Gate {
    pub fn new(limit: usize) -> Gate {
        let limit = limit.max(1);
        Gate {
            room: Mutex::new(Room {
                limit,
                ..Room::default()
            }),
            freed: Notify::new(),
            started_with: limit,
        }
    }

    fn room(&self) -> std::sync::MutexGuard<'_, Room> {
        self.room.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot.
    pub async fn enter(&self) -> Pass<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before looking: a slot freed in between is not missed.
            freed.as_mut().enable();
            {
                let mut room = self.room();
                if room.running < room.limit {
                    room.running += 1;
                    room.most = room.most.max(room.running);
                    return Pass(self);
                }
            }
            freed.await;
        }
    }

    /// AWS said the account runs as many queries as it will: fewer from now on (at least one).
    fn lower(&self) {
        let mut room = self.room();
        room.limit = room.limit.min(room.running.saturating_sub(1)).max(1);
        room.started = 0;
    }

    /// AWS started a query: after [`RAISE_AFTER`] in a row, one more may run at once, up to
    /// where the gate started.
    fn started(&self) {
        let mut room = self.room();
        room.started += 1;
        if room.started >= RAISE_AFTER && room.limit < self.started_with {
            room.limit += 1;
            room.started = 0;
            drop(room);
            self.freed.notify_waiters();
        }
    }

    /// More queries hold a slot than the limit allows.
    fn crowded(&self) -> bool {
        let room = self.room();
        room.running > room.limit
    }

    /// What the limit started at, what it is now, and the most queries that ran at once.
    pub fn figures(&self) -> (usize, usize, usize) {
        let room = self.room();
        (self.started_with, room.limit, room.most)
    }
}

/// One target's CloudWatch, as a fleet uses it: throttled calls counted, and a StartQuery
/// refused with `LimitExceededException` tried again once the fleet runs fewer queries.
pub struct Watched<'a, L> {
    pub logs: &'a L,
    pub gate: &'a Gate,
    /// Calls AWS throttled or refused for the limit, each tried again.
    pub throttled: &'a AtomicUsize,
}

fn at_the_limit(e: &CloudError) -> bool {
    matches!(e, CloudError::Throttled { code, .. } if code == "LimitExceededException")
}

impl<L: Logs> Watched<'_, L> {
    fn counted<T>(&self, r: Result<T, CloudError>) -> Result<T, CloudError> {
        if let Err(e) = &r
            && e.is_throttling()
        {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

impl<L: Logs> Logs for Watched<'_, L> {
    async fn log_groups(&self, prefix: &str) -> Result<Vec<LogGroup>, CloudError> {
        self.counted(self.logs.log_groups(prefix).await)
    }

    async fn start_query(
        &self,
        groups: &[String],
        start_s: i64,
        end_s: i64,
        text: &str,
    ) -> Result<String, CloudError> {
        let mut wait = FIRST_LIMIT_WAIT;
        for tried in 1..=LIMIT_TRIES {
            match self.logs.start_query(groups, start_s, end_s, text).await {
                Err(e) if at_the_limit(&e) => {
                    self.gate.lower();
                    if tried == LIMIT_TRIES {
                        break;
                    }
                    self.throttled.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_LIMIT_WAIT);
                    while self.gate.crowded() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                other => {
                    if other.is_ok() {
                        self.gate.started();
                    }
                    return self.counted(other);
                }
            }
        }
        // Not a throttling error any more: the query's own retries would only wait again.
        Err(CloudError::Service {
            action: "logs:StartQuery".into(),
            code: "LimitExceededException".into(),
            message: format!(
                "the account stayed at its limit of concurrent Logs Insights queries through {LIMIT_TRIES} tries"
            ),
        })
    }

    async fn query_results(&self, id: &str) -> Result<QueryPoll, CloudError> {
        self.counted(self.logs.query_results(id).await)
    }

    async fn stop_query(&self, id: &str) -> Result<(), CloudError> {
        self.counted(self.logs.stop_query(id).await)
    }

    async fn log_record(&self, ptr: &str) -> Result<Vec<(String, String)>, CloudError> {
        self.logs.log_record(ptr).await
    }

    async fn live_tail(
        &self,
        target: &LiveTarget,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<LiveMsg>, CloudError> {
        self.logs.live_tail(target).await
    }

    async fn filter_log_events(
        &self,
        target: &TailTarget,
        start_ms: i64,
        end_ms: i64,
        next: Option<String>,
    ) -> Result<FilterPage, CloudError> {
        self.logs
            .filter_log_events(target, start_ms, end_ms, next)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concurrency_is_one_to_the_accounts_quota() {
        assert_eq!(concurrency(1), Ok(1));
        assert_eq!(concurrency(100), Ok(100));
        for wrong in [0, -3, 101] {
            let e = concurrency(wrong).unwrap_err();
            assert!(e.contains("give 1 to 100"), "{e}");
        }
    }

    #[tokio::test]
    async fn the_limit_falls_below_what_ran_and_never_to_zero() {
        let gate = Gate::new(4);
        let a = gate.enter().await;
        let b = gate.enter().await;
        let c = gate.enter().await;
        gate.lower();
        assert_eq!(gate.figures(), (4, 2, 3));
        assert!(gate.crowded());
        drop(c);
        assert!(!gate.crowded());
        drop(b);
        gate.lower();
        gate.lower();
        assert_eq!(gate.figures().1, 1);
        drop(a);
        let _again = gate.enter().await;
    }

    #[tokio::test]
    async fn queries_started_in_a_row_raise_a_lowered_limit_back_to_where_it_began() {
        let gate = Gate::new(3);
        let a = gate.enter().await;
        let b = gate.enter().await;
        gate.lower();
        gate.lower();
        assert_eq!(gate.figures().1, 1);
        drop((a, b));
        for _ in 0..RAISE_AFTER - 1 {
            gate.started();
        }
        assert_eq!(gate.figures().1, 1, "not before {RAISE_AFTER} in a row");
        gate.started();
        assert_eq!(gate.figures().1, 2);
        // A refusal in between starts the count again.
        gate.started();
        let a = gate.enter().await;
        let b = gate.enter().await;
        gate.lower();
        assert_eq!(gate.figures().1, 1);
        drop((a, b));
        for _ in 0..3 * RAISE_AFTER {
            gate.started();
        }
        assert_eq!(gate.figures(), (3, 3, 2), "never past where it began");
    }
}
