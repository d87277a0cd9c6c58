use std::path::Path;

use super::*;
use crate::engine::local::LocalSource;
use crate::engine::{Report, SharedStore};

fn line(id: &str, second: u32, user: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","verb":"get","user":{{"username":"{user}"}},"requestReceivedTimestamp":"2026-11-02T08:00:{second:02}.120000Z","stageTimestamp":"2026-11-02T08:00:{second:02}.123456Z"}}"#
    )
}

fn load(path: &Path) -> SharedStore {
    let store = SharedStore::default();
    LocalSource::files(&[path.to_path_buf()], false)
        .unwrap()
        .load_now(&store, &Report::nowhere());
    store
}

#[test]
fn a_mark_keeps_where_the_event_is_and_its_bytes_as_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let lines = [line("a-1", 1, "alice"), line("a-2", 2, "mallory")];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let store = load(&path);
    let held = store.read().unwrap();
    let (event, original) = held_event(&held, 1);
    assert_eq!(event.audit_id.as_deref(), Some("a-2"));
    assert_eq!(event.time.as_deref(), Some("2026-11-02T08:00:02.123Z"));
    assert_eq!(event.source.as_deref(), path.to_str());
    assert!(
        event
            .ptr
            .as_deref()
            .unwrap()
            .ends_with(&format!(":{}", lines[0].len() + 1))
    );
    assert_eq!(original.bytes().unwrap(), lines[1].as_bytes());
}

#[test]
fn marks_find_their_events_again_by_ptr_else_by_audit_id_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let lines = [
        line("a-1", 1, "alice"),
        line("a-2", 2, "mallory"),
        line("a-3", 3, "mallory"),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let refs: Vec<EventRef> = {
        let store = load(&path);
        let held = store.read().unwrap();
        (0..3).map(|row| held_event(&held, row).0).collect()
    };
    let gone = EventRef {
        audit_id: Some("never-held".into()),
        time: Some("2026-11-02T08:00:02.123Z".into()),
        ..EventRef::default()
    };
    let asked: Vec<&EventRef> = refs.iter().chain([&gone]).collect();

    // The same file read again: each event at its place.
    let store = load(&path);
    let found = find_held(&store.read().unwrap(), &asked);
    assert_eq!(found, [Some(0), Some(1), Some(2), None]);

    // The file written again with an event before them: every offset has moved, and the
    // first mark's offset now holds another event. Each is found by its id and time.
    let first = line("b-0", 0, "bob");
    let moved = [
        first.clone(),
        lines[0].clone(),
        lines[1].clone(),
        lines[2].clone(),
    ];
    std::fs::write(&path, moved.join("\n") + "\n").unwrap();
    let store = load(&path);
    let held = store.read().unwrap();
    assert!(held.row_of_ptr(refs[0].ptr.as_deref().unwrap()).is_some());
    let found = find_held(&held, &asked);
    assert_eq!(found, [Some(1), Some(2), Some(3), None]);
}
