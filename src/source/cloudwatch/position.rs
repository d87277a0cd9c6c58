//! Where a watch stands in one log group: the newest event time it handed out, the newest
//! ingestion time among them, and the keys of the events of that last millisecond. A run that
//! starts from a position reads back from it and hands out only what the previous run did not:
//! events of one millisecond split by the cut are told apart by key, and events stamped earlier
//! but received by CloudWatch after the cut by their ingestion time.

use serde::{Deserialize, Serialize};

use super::poll::TailEvent;

/// The key that tells events apart across live sessions and FilterLogEvents: the audit ID when
/// the message has one (every audit event does), else the time, stream and text.
pub fn event_key(time_ms: i64, stream: &str, message: &str) -> String {
    if let Some(at) = message.find("\"auditID\":\"") {
        let rest = &message[at + 11..];
        if let Some(end) = rest.find('"') {
            return format!("audit:{}", &rest[..end]);
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in message.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{time_ms}:{stream}:{h:016x}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The newest event time handed out (epoch ms).
    pub time_ms: i64,
    /// The newest ingestion time among the events handed out, where CloudWatch gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingestion_ms: Option<i64>,
    /// The [`event_key`]s of the events of `time_ms` handed out.
    #[serde(default)]
    pub keys: Vec<String>,
}

impl Position {
    /// Counts `e` as handed out.
    pub fn advance(&mut self, e: &TailEvent) {
        let key = event_key(e.time_ms, &e.stream, &e.message);
        if e.time_ms > self.time_ms || self.keys.is_empty() && e.time_ms >= self.time_ms {
            self.time_ms = e.time_ms;
            self.keys = vec![key];
        } else if e.time_ms == self.time_ms && !self.keys.contains(&key) {
            self.keys.push(key);
        }
        if let Some(at) = e.ingestion_ms {
            self.ingestion_ms = Some(self.ingestion_ms.map_or(at, |i| i.max(at)));
        }
    }

    /// Whether `e` was handed out by the run that left this position. Newer than the position:
    /// no. Of its millisecond: by key. Older: unless CloudWatch received it after every event
    /// handed out (a late arrival), which no run could have seen.
    pub fn handed_out(&self, e: &TailEvent) -> bool {
        if e.time_ms > self.time_ms {
            return false;
        }
        if e.time_ms == self.time_ms {
            // Every event of that millisecond handed out has its key here.
            return self
                .keys
                .contains(&event_key(e.time_ms, &e.stream, &e.message));
        }
        match (e.ingestion_ms, self.ingestion_ms) {
            (Some(got), Some(newest)) => got <= newest,
            // Without ingestion times only the millisecond's keys can tell.
            _ => e.time_ms < self.time_ms,
        }
    }

    /// Where reading back starts: `lookback_ms` before the position for late arrivals, which
    /// only ingestion times can tell apart; the position itself without them.
    pub fn read_from(&self, lookback_ms: i64) -> i64 {
        if self.ingestion_ms.is_some() {
            self.time_ms - lookback_ms.max(0)
        } else {
            self.time_ms
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, time_ms: i64, ingestion_ms: i64) -> TailEvent {
        TailEvent {
            group: "g".into(),
            event_id: String::new(),
            time_ms,
            ingestion_ms: Some(ingestion_ms),
            stream: "s".into(),
            message: format!(r#"{{"auditID":"{id}"}}"#),
        }
    }

    #[test]
    fn a_position_tells_what_was_handed_out_across_a_cut_in_one_millisecond() {
        let mut p = Position::default();
        for e in [ev("a", 100, 110), ev("b", 200, 205), ev("c", 200, 206)] {
            p.advance(&e);
        }
        assert_eq!(
            (p.time_ms, p.ingestion_ms, p.keys.len()),
            (200, Some(206), 2)
        );
        assert!(p.handed_out(&ev("a", 100, 110)));
        assert!(p.handed_out(&ev("c", 200, 206)));
        // The same millisecond, after the cut; a later one; one stamped earlier but received late.
        assert!(!p.handed_out(&ev("d", 200, 207)));
        assert!(
            !p.handed_out(&ev("d", 200, 206)),
            "received with the last, not handed out"
        );
        assert!(!p.handed_out(&ev("e", 201, 201)));
        assert!(!p.handed_out(&ev("late", 150, 300)));
        assert_eq!(p.read_from(60), 140);
        // An older event moves neither the time nor the keys.
        p.advance(&ev("late", 150, 300));
        assert_eq!(
            (p.time_ms, p.ingestion_ms, p.keys.len()),
            (200, Some(300), 2)
        );
    }
}
