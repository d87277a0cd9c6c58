//! The field names of the loaded events, for the query editor to tell a misspelt field from one
//! that some event has (a GKE record's, a newer Kubernetes field).
//!
//! Gathered on a worker after loading, one pass over each event's text: about a second per
//! million events on one core, a chunk at a time under the store's read lock, so that loading
//! and tailing never wait long to write. Tailed events are added the same way as they come.
//! Until the names are in, the editor checks against the audit event's fields only.

use std::sync::{Arc, RwLock};

use crate::insights::known::{FieldTree, SeenFields};
use crate::store::EventStore;

/// Events read under one hold of the store's lock.
const CHUNK: usize = 8_192;

/// The names gathered so far, and how many of the store's events they cover.
#[derive(Debug, Default)]
pub struct FieldIndexer {
    tree: FieldTree,
    /// Events read, the store's first rows.
    covered: usize,
    /// The tree's size when last handed out, to hand out only what changed.
    handed: Option<(usize, usize)>,
}

/// What a pass found: the names when they changed, and the events covered.
#[derive(Debug, Clone)]
pub struct FieldNames {
    pub seen: Option<Arc<SeenFields>>,
    pub events: usize,
}

impl FieldIndexer {
    /// Reads the events the store holds beyond those covered, a chunk at a time; `None` when the
    /// store cannot be read (a worker panicked).
    pub fn catch_up(&mut self, store: &RwLock<EventStore>) -> Option<FieldNames> {
        loop {
            let held = store.read().ok()?;
            if !self.add_chunk(&held) {
                break;
            }
        }
        Some(self.hand_out())
    }

    /// [`FieldIndexer::catch_up`] over a store at hand.
    pub fn catch_up_now(&mut self, store: &EventStore) -> FieldNames {
        while self.add_chunk(store) {}
        self.hand_out()
    }

    /// Reads up to [`CHUNK`] events; false when there were none left.
    fn add_chunk(&mut self, store: &EventStore) -> bool {
        let len = store.len();
        if len < self.covered {
            // Fewer events than covered: the store was replaced; start again.
            *self = FieldIndexer::default();
        }
        if self.covered >= len {
            return false;
        }
        let end = (self.covered + CHUNK).min(len);
        for row in self.covered..end {
            self.tree.add_event(store.raw(row as u32));
        }
        self.covered = end;
        true
    }

    fn hand_out(&mut self) -> FieldNames {
        let now = (self.tree.len(), self.tree.opened());
        let changed = self.handed != Some(now);
        self.handed = Some(now);
        FieldNames {
            seen: changed.then(|| Arc::new(SeenFields::new(self.tree.clone(), self.covered))),
            events: self.covered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::local::LocalInput;
    use crate::insights::known::Found;
    use crate::source::local::path_origin;

    fn store(lines: &[&str]) -> EventStore {
        let data = lines.join("\n").into_bytes();
        let input = Arc::new(LocalInput::from_vec(path_origin("t".as_ref()), data));
        let mut store = EventStore::default();
        store.load(input, 1, |_| {});
        store
    }

    const GKE: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"1","stage":"ResponseComplete","verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-01-01T00:00:00Z","protoPayload":{"methodName":"io.k8s.core.v1.pods.get"}}"#;
    const PLAIN: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"2","stage":"ResponseComplete","verb":"list","requestReceivedTimestamp":"2024-01-01T00:00:01Z","stageTimestamp":"2024-01-01T00:00:01Z","objectRef":{"resource":"pods"}}"#;

    #[test]
    fn names_of_every_event_then_only_what_changed() {
        let held = store(&[PLAIN, GKE]);
        assert_eq!(held.len(), 2);
        let mut indexer = FieldIndexer::default();
        let first = indexer.catch_up_now(&held);
        assert_eq!(first.events, 2);
        let seen = first.seen.expect("names");
        assert_eq!(seen.events(), 2);
        assert_eq!(seen.tree().find("protoPayload.methodName"), Found::Listed);
        assert_eq!(seen.tree().find("objectRef.resource"), Found::Listed);
        assert_eq!(seen.tree().find("objectRef.resorce"), Found::Absent);
        // nothing new: the count moves on, the names are not handed out again
        let again = indexer.catch_up_now(&held);
        assert!(again.seen.is_none());
        assert_eq!(again.events, 2);
        // a store that shrank was replaced: read from its start
        let other = store(&[GKE]);
        let shrunk = indexer.catch_up_now(&other);
        assert_eq!(shrunk.events, 1);
        assert!(shrunk.seen.is_some());
        let shared = RwLock::new(store(&[PLAIN]));
        let mut fresh = FieldIndexer::default();
        let locked = fresh.catch_up(&shared).expect("a readable store");
        assert_eq!(locked.events, 1);
    }
}
