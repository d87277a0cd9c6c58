//! Tailing by polling FilterLogEvents: each poll reads again a look-back window before the
//! newest event seen, and keeps only events whose id it has not seen. Events that share a
//! millisecond and events that arrive late (inside the window) are neither lost nor shown twice.

use std::collections::HashMap;

use super::Logs;
use super::types::CloudError;

/// One log event, as FilterLogEvents and live tail give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailEvent {
    /// The log group's name: a watch over several keeps each one's position apart.
    pub group: String,
    pub event_id: String,
    pub time_ms: i64,
    pub ingestion_ms: Option<i64>,
    pub stream: String,
    pub message: String,
}

/// One FilterLogEvents page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPage {
    pub events: Vec<TailEvent>,
    pub next: Option<String>,
}

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailTarget {
    pub group: String,
    /// `kube-apiserver-audit` for the audit streams.
    pub stream_prefix: Option<String>,
    /// A CloudWatch filter pattern.
    pub pattern: Option<String>,
}

/// The look-back window and the ids seen inside it.
#[derive(Debug, Clone)]
pub struct Poller {
    lookback_ms: i64,
    /// The newest event time seen (or the start).
    newest_ms: i64,
    seen: HashMap<String, i64>,
}

impl Poller {
    /// Reads from `start_ms` on, each poll going back `lookback_ms` before the newest event seen.
    pub fn new(start_ms: i64, lookback_ms: i64) -> Poller {
        Poller {
            lookback_ms: lookback_ms.max(0),
            newest_ms: start_ms,
            seen: HashMap::new(),
        }
    }

    /// Where the next poll starts.
    pub fn from_ms(&self) -> i64 {
        if self.seen.is_empty() {
            self.newest_ms
        } else {
            self.newest_ms - self.lookback_ms
        }
    }

    /// Ids remembered, for tests and memory bounds.
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }

    /// The events not seen before, in time order; events of one millisecond (from several
    /// streams, as EKS writes one per API server) stay in the order CloudWatch gave them.
    pub fn take(&mut self, events: Vec<TailEvent>) -> Vec<TailEvent> {
        let mut new: Vec<TailEvent> = Vec::new();
        let mut in_this_poll = std::collections::HashSet::new();
        for e in events {
            if self.seen.contains_key(&e.event_id) || !in_this_poll.insert(e.event_id.clone()) {
                continue;
            }
            new.push(e);
        }
        // Stable, and on the time alone: ids are opaque (no order of theirs is CloudWatch's).
        new.sort_by_key(|e| e.time_ms);
        for e in &new {
            self.seen.insert(e.event_id.clone(), e.time_ms);
            self.newest_ms = self.newest_ms.max(e.time_ms);
        }
        // Ids older than the window cannot come back in a poll: forget them.
        let floor = self.newest_ms - self.lookback_ms;
        self.seen.retain(|_, t| *t >= floor);
        new
    }
}

/// One poll: every page of the window, then only the new events.
pub async fn poll<L: Logs>(
    logs: &L,
    target: &TailTarget,
    poller: &mut Poller,
    now_ms: i64,
) -> Result<Vec<TailEvent>, CloudError> {
    let start = poller.from_ms();
    let mut all = Vec::new();
    let mut next = None;
    loop {
        let page = logs
            .filter_log_events(target, start, now_ms, next.take())
            .await?;
        // The prefix is CloudWatch's to apply; applied again here, as not every endpoint does.
        let prefix = target.stream_prefix.as_deref().unwrap_or_default();
        all.extend(
            page.events
                .into_iter()
                .filter(|e| e.stream.starts_with(prefix)),
        );
        match page.next {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => break,
        }
    }
    Ok(poller.take(all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, t: i64) -> TailEvent {
        TailEvent {
            group: "g".into(),
            event_id: id.into(),
            time_ms: t,
            ingestion_ms: None,
            stream: "s".into(),
            message: id.into(),
        }
    }

    #[test]
    fn ids_not_times_decide_what_is_new() {
        let mut p = Poller::new(1000, 500);
        assert_eq!(p.from_ms(), 1000);
        let first = p.take(vec![ev("b", 2000), ev("a", 2000), ev("c", 1500)]);
        let ids: Vec<&str> = first.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"], "ties in the order given");
        assert_eq!(p.from_ms(), 1500);
        // The same window again, with one more event in the same millisecond and a late one.
        let again = p.take(vec![
            ev("a", 2000),
            ev("b", 2000),
            ev("c", 1500),
            ev("d", 2000),
            ev("late", 1600),
        ]);
        let ids: Vec<&str> = again.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["late", "d"]);
        // Ids that fell out of the window are forgotten.
        p.take(vec![ev("e", 9000)]);
        assert_eq!(p.remembered(), 1);
    }
}
