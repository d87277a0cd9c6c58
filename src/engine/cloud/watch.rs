//! Watching log groups for whoever hands out what arrives (`kaudit tail`, `kaudit watch`): a
//! live tail (StartLiveTail) from a point in the past, its sessions restarted and their gaps read
//! back; or FilterLogEvents polled with a look-back window and de-duplication by event ID. Either
//! way no event is lost or told twice.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::source::now_ms;
use crate::source::cloudwatch::{
    CloudError, LiveNote, LiveOptions, LiveTarget, Logs, Poller, Position, TailEvent, TailTarget,
    follow, group_arn, poll,
};

/// What to watch in the groups, and from when.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Only streams whose name starts with this.
    pub stream_prefix: Option<String>,
    /// Only events that match this CloudWatch filter pattern.
    pub pattern: Option<String>,
    /// Start this long ago: the history first, then what comes.
    pub since_ms: i64,
    /// Read again this far back, for events CloudWatch receives late.
    pub lookback_ms: i64,
    /// Where a previous run left some of the groups (`--state`): those carry on from there
    /// instead of `since_ms`, and nothing it handed out is handed out again.
    pub resume: BTreeMap<String, Position>,
}

/// Follows `groups` live in one session, telling `on_note` what arrives, until `stop` is set or
/// a session cannot be had.
pub async fn watch_live<L: Logs>(
    logs: &L,
    groups: &[String],
    watch: &Watch,
    on_note: impl FnMut(LiveNote),
    stop: &AtomicBool,
) -> Result<(), CloudError> {
    let mut identifiers = Vec::new();
    for group in groups {
        identifiers.push(group_arn(logs, group).await?);
    }
    let target = LiveTarget {
        identifiers,
        groups: groups.to_vec(),
        stream_prefix: watch.stream_prefix.clone(),
        pattern: watch.pattern.clone(),
        resume: watch
            .resume
            .iter()
            .filter(|(g, _)| groups.contains(g))
            .map(|(g, p)| (g.clone(), p.clone()))
            .collect(),
    };
    let options = LiveOptions {
        lookback_ms: watch.lookback_ms,
        backfill_from: (watch.since_ms > 0).then_some(now_ms() - watch.since_ms),
        ..LiveOptions::default()
    };
    follow(logs, &target, options, on_note, stop).await
}

/// Polls `groups` every `interval`, handing each round's new events (one timeline) to
/// `on_events` until it says to stop or `stop` is set. Each group's poll is told to
/// `on_polled`: answered (`None`) or not. A group that does not answer is read again next
/// round, so nothing is lost; any other failure ends the watch.
pub async fn watch_polled<L: Logs>(
    logs: &L,
    groups: &[String],
    watch: &Watch,
    interval: Duration,
    mut on_events: impl FnMut(Vec<TailEvent>) -> ControlFlow<()>,
    mut on_polled: impl FnMut(&str, Option<&CloudError>),
    stop: &AtomicBool,
) -> Result<(), CloudError> {
    let now = now_ms();
    let mut tails: Vec<(TailTarget, Poller)> = groups
        .iter()
        .map(|g| {
            let target = TailTarget {
                group: g.clone(),
                stream_prefix: watch.stream_prefix.clone(),
                pattern: watch.pattern.clone(),
            };
            let start = watch.resume.get(g).map_or(now - watch.since_ms, |left| {
                left.read_from(watch.lookback_ms)
            });
            (target, Poller::new(start, watch.lookback_ms))
        })
        .collect();
    loop {
        let now = now_ms();
        let mut batch = Vec::new();
        for (target, poller) in &mut tails {
            match poll(logs, target, poller, now).await {
                Ok(new) => {
                    on_polled(&target.group, None);
                    batch.extend(
                        new.into_iter().filter(|e| {
                            !watch.resume.get(&e.group).is_some_and(|p| p.handed_out(e))
                        }),
                    );
                }
                // The poller moves on only after an answer: the next round reads this one's
                // range again.
                Err(e) if e.is_transient() => on_polled(&target.group, Some(&e)),
                Err(e) => {
                    on_polled(&target.group, Some(&e));
                    return Err(e);
                }
            }
        }
        // One timeline over the groups; ties keep the order they came in.
        batch.sort_by_key(|e| e.time_ms);
        if on_events(batch).is_break() || stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut waited = Duration::ZERO;
        while waited < interval && !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += Duration::from_millis(50);
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
    }
}
