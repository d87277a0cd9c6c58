//! Live tail: StartLiveTail sessions, followed for as long as the caller wants. A session that
//! ends (a dropped connection, AWS's three-hour limit, which kaudit does not wait for) is started
//! again and the gap is read back with FilterLogEvents, so nothing is lost; events are told apart
//! by their audit ID, so nothing is shown twice. When AWS samples the stream (above 500 events a
//! second), the caller is told, every time it starts or stops.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::Logs;
use super::poll::{Poller, TailEvent, TailTarget, poll};
use super::position::{Position, event_key};
use super::types::CloudError;

/// What to follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveTarget {
    /// Log group ARNs, as StartLiveTail wants them.
    pub identifiers: Vec<String>,
    /// The same groups by name, for reading gaps back with FilterLogEvents.
    pub groups: Vec<String>,
    pub stream_prefix: Option<String>,
    pub pattern: Option<String>,
    /// Where a previous run left some of the groups: their first read-back starts there, and
    /// what that run handed out is not handed out again.
    pub resume: BTreeMap<String, Position>,
}

impl LiveTarget {
    /// Whether a previous run handed `e` out already.
    fn handed_out(&self, e: &TailEvent) -> bool {
        self.resume.get(&e.group).is_some_and(|p| p.handed_out(e))
    }
}

/// What a live session sends.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMsg {
    Started,
    Update {
        events: Vec<TailEvent>,
        sampled: bool,
    },
    /// The session is over: AWS closed it, the connection dropped (`Some`), or it ended cleanly.
    Ended(Option<CloudError>),
}

/// What the follower tells its caller.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveNote {
    /// New events, in time order, none seen before.
    Events(Vec<TailEvent>),
    /// AWS started (true) or stopped (false) sampling: some events are not sent.
    Sampled(bool),
    /// The session ended and is being started again; the gap will be read back.
    Reconnecting(String),
    /// A gap was read back: this many events were found in it.
    Backfilled(usize),
    /// A session is under way, and the gap before it read back: events come as they are written.
    Live,
}

/// How to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveOptions {
    /// A session is replaced after this long (AWS ends one after three hours).
    pub session_max: Duration,
    /// How far before the newest event a gap is read back.
    pub lookback_ms: i64,
    /// Read the history from here (epoch ms) before the first session's events.
    pub backfill_from: Option<i64>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            session_max: Duration::from_secs(2 * 3600 + 50 * 60),
            lookback_ms: 60_000,
            backfill_from: None,
        }
    }
}

/// Events seen lately, by key, forgotten once older than the look-back.
#[derive(Debug, Default)]
struct Seen {
    keys: HashMap<String, i64>,
    newest_ms: i64,
}

impl Seen {
    fn fresh(&mut self, events: Vec<TailEvent>, lookback_ms: i64) -> Vec<TailEvent> {
        let mut new = Vec::new();
        for e in events {
            let key = event_key(e.time_ms, &e.stream, &e.message);
            if self.keys.insert(key, e.time_ms).is_none() {
                new.push(e);
            }
        }
        new.sort_by_key(|e| e.time_ms);
        if let Some(last) = new.last() {
            self.newest_ms = self.newest_ms.max(last.time_ms);
        }
        let floor = self.newest_ms - lookback_ms;
        self.keys.retain(|_, t| *t >= floor);
        new
    }
}

/// Reads the gap since `from_ms` back with FilterLogEvents, over every group; on the first
/// read-back (`resuming`), a group a previous run left is read from where it was left.
async fn backfill<L: Logs>(
    logs: &L,
    target: &LiveTarget,
    from_ms: i64,
    resuming: Option<i64>,
) -> Result<Vec<TailEvent>, CloudError> {
    let now = jiff::Timestamp::now().as_millisecond();
    let mut events = Vec::new();
    for group in &target.groups {
        let t = TailTarget {
            group: group.clone(),
            stream_prefix: target.stream_prefix.clone(),
            pattern: target.pattern.clone(),
        };
        let start = match (resuming, target.resume.get(group)) {
            (Some(lookback_ms), Some(left)) => left.read_from(lookback_ms),
            _ => from_ms,
        };
        let mut poller = Poller::new(start, 0);
        events.extend(poll(logs, &t, &mut poller, now).await?);
    }
    events.retain(|e| !target.handed_out(e));
    Ok(events)
}

/// The ARN of the log group named `group`, as StartLiveTail wants it.
pub async fn group_arn<L: Logs>(logs: &L, group: &str) -> Result<String, CloudError> {
    if let Some(arn) = super::types::arn_of(group) {
        return Ok(arn.to_string());
    }
    logs.log_groups(group)
        .await?
        .into_iter()
        .find(|g| g.name == group)
        .and_then(|g| g.arn)
        .ok_or_else(|| CloudError::NotFound {
            message: format!("no log group named {group} in this account and region"),
        })
}

/// A failure that starting again will not mend.
fn fatal(e: &CloudError) -> bool {
    matches!(
        e,
        CloudError::AccessDenied { .. }
            | CloudError::NoCredentials { .. }
            | CloudError::BadCredentials { .. }
            | CloudError::NotFound { .. }
    )
}

/// AWS turned the session down because the account holds as many live tail sessions as it may
/// (other tools hold some): starting again will not mend it soon; the caller polls instead.
pub fn session_limit_reached(e: &CloudError) -> bool {
    matches!(e, CloudError::Throttled { code, .. } if code == "LimitExceededException")
}

/// Follows `target` from now until `stop` is set, telling `note` what comes.
pub async fn follow<L: Logs>(
    logs: &L,
    target: &LiveTarget,
    options: LiveOptions,
    note: impl FnMut(LiveNote),
    stop: &AtomicBool,
) -> Result<(), CloudError> {
    follow_from(logs, target, options, Vec::new(), note, stop).await
}

/// [`follow`], with events the caller holds already (their [`event_key`] and time): a gap read
/// back over them does not show them again.
pub async fn follow_from<L: Logs>(
    logs: &L,
    target: &LiveTarget,
    options: LiveOptions,
    known: Vec<(String, i64)>,
    mut note: impl FnMut(LiveNote),
    stop: &AtomicBool,
) -> Result<(), CloudError> {
    let mut seen = Seen::default();
    for (key, time) in known {
        seen.newest_ms = seen.newest_ms.max(time);
        seen.keys.insert(key, time);
    }
    let mut sampled = false;
    let mut gap_from: Option<i64> = match options.backfill_from {
        None if !target.resume.is_empty() => Some(jiff::Timestamp::now().as_millisecond()),
        from => from,
    };
    // Until the first read-back is done, the groups a previous run left are read from there.
    let mut resuming = (!target.resume.is_empty()).then_some(options.lookback_ms);
    let mut pause = Duration::from_millis(200);
    while !stop.load(Ordering::Relaxed) {
        let mut session = match logs.live_tail(target).await {
            Ok(session) => session,
            Err(e) if session_limit_reached(&e) => return Err(e),
            // CloudWatch did not answer (the SDK's retries spent): tried again, as a dropped
            // session is.
            Err(e) if e.is_transient() => {
                note(LiveNote::Reconnecting(e.to_string()));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(e) => return Err(e),
        };
        let opened = Instant::now();
        let mut replace = false;
        let mut started = false;
        let ended = loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if opened.elapsed() >= options.session_max {
                replace = true;
                break None;
            }
            let msg = tokio::time::timeout(Duration::from_millis(100), session.recv()).await;
            let Ok(msg) = msg else { continue };
            match msg {
                Some(LiveMsg::Started) => {
                    started = true;
                    // Connected: read back what the gap before it held. A read-back CloudWatch
                    // did not answer ends the session; the gap stays, for the next one. The
                    // session is said live before the gap's events are handed out, so that a
                    // caller that stops at a count has said where each group stood.
                    let mut found = Vec::new();
                    if let Some(from) = gap_from {
                        match backfill(logs, target, from, resuming).await {
                            Ok(events) => {
                                gap_from = None;
                                resuming = None;
                                found = seen.fresh(events, options.lookback_ms);
                                note(LiveNote::Backfilled(found.len()));
                            }
                            Err(e) if e.is_transient() => break Some(e),
                            Err(e) => return Err(e),
                        }
                    }
                    note(LiveNote::Live);
                    if !found.is_empty() {
                        note(LiveNote::Events(found));
                    }
                    pause = Duration::from_millis(200);
                }
                Some(LiveMsg::Update {
                    mut events,
                    sampled: now,
                }) => {
                    events.retain(|e| !target.handed_out(e));
                    if now != sampled {
                        sampled = now;
                        note(LiveNote::Sampled(now));
                    }
                    let fresh = seen.fresh(events, options.lookback_ms);
                    if !fresh.is_empty() {
                        note(LiveNote::Events(fresh));
                    }
                }
                Some(LiveMsg::Ended(Some(e))) if !started && session_limit_reached(&e) => {
                    return Err(e);
                }
                Some(LiveMsg::Ended(e)) => break e,
                None => break None,
            }
        };
        if let Some(e) = &ended
            && fatal(e)
        {
            return Err(e.clone());
        }
        let why = match (&ended, replace) {
            (_, true) => {
                "the session is near AWS's three-hour limit: a new one takes over".to_string()
            }
            (Some(e), _) => e.to_string(),
            (None, _) => "the session ended".to_string(),
        };
        note(LiveNote::Reconnecting(why));
        let newest = if seen.newest_ms > 0 {
            seen.newest_ms
        } else {
            jiff::Timestamp::now().as_millisecond()
        };
        gap_from = Some(
            gap_from
                .unwrap_or(newest - options.lookback_ms)
                .min(newest - options.lookback_ms),
        );
        if !replace {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_told_apart_by_audit_id() {
        assert_eq!(
            event_key(1, "s", r#"{"kind":"Event","auditID":"abc-1","verb":"get"}"#),
            "audit:abc-1"
        );
        assert_ne!(event_key(1, "s", "plain"), event_key(2, "s", "plain"));
        // FNV-1a 64 of "plain", hashed apart from this code (a Python FNV-1a).
        assert_eq!(event_key(1, "s", "plain"), "1:s:fd4d194e1652b207");
        let ev = |id: &str, t| TailEvent {
            group: "g".into(),
            event_id: String::new(),
            time_ms: t,
            ingestion_ms: None,
            stream: "s".into(),
            message: format!(r#"{{"auditID":"{id}"}}"#),
        };
        let mut seen = Seen::default();
        assert_eq!(seen.fresh(vec![ev("a", 5), ev("b", 3)], 10).len(), 2);
        assert_eq!(seen.fresh(vec![ev("a", 5), ev("c", 6)], 10).len(), 1);
        seen.fresh(vec![ev("d", 100)], 10);
        assert_eq!(seen.keys.len(), 1);
    }
}
