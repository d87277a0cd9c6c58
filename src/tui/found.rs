//! What the detections found among the events held, as the console shows it: worked out by the
//! runner as events arrive (the engine's [`HeldFindings`]), counted over the time range chosen,
//! and drawn by the title line, the timeline and the Findings view.

use std::sync::Arc;

use super::query::TimeChoice;
use crate::catalog::Severity;
use crate::engine::held::{HeldFindings, HeldHits};
use crate::store::EventStore;

/// Every detection's hits so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Fired first, then the most severe, then by name.
    pub items: Vec<FoundItem>,
    /// Events read by the detections, of `held`.
    pub read: usize,
    pub held: usize,
    /// The range `FoundItem::rows` are counted over.
    pub range: TimeChoice,
    /// The same, as counted (a preset resolved).
    pub resolved: crate::audit::time::TimeRange,
}

/// One detection's hits.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundItem {
    pub name: String,
    pub severity: Severity,
    pub description: String,
    /// The detection's query.
    pub text: String,
    /// Its hits in the range, as store rows in row order; `None` for a detection that is not
    /// read event by event (it counts, or keeps the first few): Enter runs it as a query.
    pub rows: Option<Arc<Vec<u32>>>,
    /// Its hits among every event held, whatever their time.
    pub all: usize,
}

impl FoundItem {
    /// Hits in the range.
    pub fn hits(&self) -> Option<usize> {
        self.rows.as_ref().map(|r| r.len())
    }
}

impl Found {
    /// What `hits` holds, counted over `range`: a preset counts back from `now_ms` when `live`,
    /// else from the newest event held ([`super::query::anchor_ms`]).
    pub fn of(
        hits: &HeldHits,
        store: &EventStore,
        range: TimeChoice,
        live: bool,
        now_ms: i64,
    ) -> Found {
        let newest = store.time_span().map(|s| s.1);
        let resolved = range.resolve(super::query::anchor_ms(live, newest, now_ms));
        let mut items: Vec<FoundItem> = hits
            .detections
            .iter()
            .enumerate()
            .map(|(i, d)| FoundItem {
                name: d.name.clone(),
                severity: d.severity,
                description: d.description.clone(),
                text: d.text.clone(),
                rows: hits.rows_in(i, store, resolved),
                all: hits.rows[i].as_ref().map_or(0, |r| r.len()),
            })
            .collect();
        items.sort_by(|a, b| {
            (b.all > 0, b.severity, &a.name).cmp(&(a.all > 0, a.severity, &b.name))
        });
        Found {
            items,
            read: hits.read,
            held: store.len(),
            range,
            resolved,
        }
    }

    /// Every event held has been read by the detections.
    pub fn complete(&self) -> bool {
        self.read >= self.held
    }

    /// Detections that fired among the events held, by severity, the most severe first; only
    /// severities with one.
    pub fn fired_by_severity(&self) -> Vec<(Severity, usize)> {
        let mut counts: Vec<(Severity, usize)> = Vec::new();
        for item in self.items.iter().filter(|i| i.all > 0) {
            match counts.iter_mut().find(|(s, _)| *s == item.severity) {
                Some((_, n)) => *n += 1,
                None => counts.push((item.severity, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.0));
        counts
    }

    pub fn get(&self, name: &str) -> Option<&FoundItem> {
        self.items.iter().find(|i| i.name == name)
    }
}

/// Reads what `held` has not read yet, a step at a time, telling `found` after each step. A
/// preset counts back from now when `live`, else from the newest event held.
pub fn catch_up(
    held: &mut HeldFindings,
    store: &std::sync::RwLock<EventStore>,
    range: TimeChoice,
    live: bool,
    now_ms: impl Fn() -> i64,
    mut found: impl FnMut(Found),
) {
    loop {
        let Ok(store) = store.read() else { return };
        let more = held.catch_up(&store);
        found(Found::of(&held.hits(), &store, range, live, now_ms()));
        if !more {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, severity: Severity, all: usize) -> FoundItem {
        FoundItem {
            name: name.into(),
            severity,
            description: String::new(),
            text: String::new(),
            rows: Some(Arc::new((0..all as u32).collect())),
            all,
        }
    }

    #[test]
    fn fired_detections_are_counted_by_severity_the_most_severe_first() {
        let found = Found {
            items: vec![
                item("a", Severity::Medium, 2),
                item("b", Severity::Critical, 1),
                item("c", Severity::Medium, 5),
                item("d", Severity::High, 0),
            ],
            read: 10,
            held: 10,
            range: TimeChoice::All,
            resolved: Default::default(),
        };
        assert_eq!(
            found.fired_by_severity(),
            [(Severity::Critical, 1), (Severity::Medium, 2)]
        );
        assert!(found.complete());
    }
}
