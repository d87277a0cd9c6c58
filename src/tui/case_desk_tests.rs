use std::path::Path;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::*;
use crate::engine::Report;
use crate::engine::local::LocalSource;

fn line(id: &str, second: u32) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","verb":"get","user":{{"username":"u"}},"stageTimestamp":"2026-11-02T08:00:{second:02}.123456Z"}}"#
    )
}

fn loaded(paths: &[&Path]) -> SharedStore {
    let store = SharedStore::default();
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    LocalSource::files(&paths, false)
        .unwrap()
        .load_now(&store, &Report::nowhere());
    store
}

fn desk(root: &Path, store: &SharedStore) -> (CaseDesk, UnboundedReceiver<Msg>) {
    let (tx, rx) = unbounded_channel();
    (
        CaseDesk::start(Some(root.to_path_buf()), store.clone(), tx),
        rx,
    )
}

fn opened(rx: &mut UnboundedReceiver<Msg>) -> Result<Box<OpenedCase>, String> {
    match rx.blocking_recv() {
        Some(Msg::CaseOpened(opened)) => opened,
        other => panic!("{other:?}"),
    }
}

fn kept(rx: &mut UnboundedReceiver<Msg>) -> CaseKept {
    match rx.blocking_recv() {
        Some(Msg::CaseKept(kept)) => *kept,
        other => panic!("{other:?}"),
    }
}

fn mark(tag: &str) -> Mark {
    Mark {
        tag: tag.into(),
        note: Some(format!("{tag} note")),
    }
}

#[test]
fn marks_are_written_in_order_and_found_again_over_the_same_file_or_said_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cases");
    let log = dir.path().join("a.log");
    let lines = [line("e-0", 0), line("e-1", 1), line("e-2", 2)];
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();

    let store = loaded(&[&log]);
    let (writer, mut rx) = desk(&root, &store);
    writer.open("ir");
    let first = opened(&mut rx).unwrap();
    assert!(first.created);
    assert!(first.held.is_empty() && first.elsewhere.is_empty());
    let asked = [
        CaseWrite::Mark {
            row: 1,
            mark: mark("attacker"),
            ptr: None,
        },
        CaseWrite::Mark {
            row: 2,
            mark: mark("benign"),
            ptr: None,
        },
        CaseWrite::Unmark { row: 2 },
        CaseWrite::Mark {
            row: 0,
            mark: mark("unsure"),
            ptr: None,
        },
        CaseWrite::Note("n".into()),
    ];
    for write in &asked {
        writer.write(write.clone());
    }
    for write in &asked {
        let kept = kept(&mut rx);
        assert_eq!((&kept.write, kept.error.as_deref()), (write, None));
        assert_eq!(kept.case, "ir");
    }
    assert!(writer.flush(std::time::Duration::from_secs(5)));
    let journal = std::fs::read_to_string(root.join("ir").join(case::JOURNAL)).unwrap();
    assert!(
        journal.contains(&serde_json::to_string(&lines[1]).unwrap()),
        "{journal}"
    );

    // The same file read again: both marks on their events, in the order first marked.
    let store = loaded(&[&log]);
    let (writer, mut rx) = desk(&root, &store);
    writer.open("ir");
    let again = opened(&mut rx).unwrap();
    assert!(!again.created);
    assert_eq!(again.held, [(1, mark("attacker")), (0, mark("unsure"))]);
    assert_eq!(again.notes, 1);

    // Over another file only: the marks are still the case's, said not held.
    let other = dir.path().join("b.log");
    std::fs::write(&other, line("x-9", 9) + "\n").unwrap();
    let store = loaded(&[&other]);
    let (writer, mut rx) = desk(&root, &store);
    writer.open("ir");
    let elsewhere = opened(&mut rx).unwrap();
    assert!(elsewhere.held.is_empty());
    let ids: Vec<_> = elsewhere
        .elsewhere
        .iter()
        .map(|e| e.event.audit_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["e-1", "e-0"]);
    // Found once their events are read (a file added, a cluster followed).
    let both = loaded(&[&other, &log]);
    let (writer, mut rx) = desk(&root, &both);
    writer.find(elsewhere.elsewhere.clone());
    match rx.blocking_recv() {
        Some(Msg::MarksFound { marks, rows }) => {
            let held = both.read().unwrap();
            let found: Vec<(String, &[u8])> = marks
                .iter()
                .zip(rows)
                .map(|(m, row)| (m.event.audit_id.clone().unwrap(), held.raw(row.unwrap())))
                .collect();
            assert_eq!(
                found,
                [
                    ("e-1".to_string(), lines[1].as_bytes()),
                    ("e-0".to_string(), lines[0].as_bytes())
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_journal_that_is_not_a_file_or_no_folder_for_cases_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cases");
    std::fs::create_dir_all(root.join("odd")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("odd").join(case::JOURNAL)).unwrap();
    let store = SharedStore::default();
    let (writer, mut rx) = desk(&root, &store);
    writer.open("odd");
    let said = opened(&mut rx).unwrap_err();
    assert!(said.contains("journal.jsonl: not a regular file"), "{said}");
    // Nothing is written with no case open.
    writer.write(CaseWrite::Note("lost?".into()));
    assert!(writer.flush(std::time::Duration::from_secs(5)));
    assert!(rx.try_recv().is_err());

    // No folder for cases at all: said when one is asked for.
    let (tx, mut rx) = unbounded_channel();
    let nowhere = CaseDesk::start(None, store, tx);
    nowhere.open("ir");
    let said = opened(&mut rx).unwrap_err();
    assert!(said.contains("XDG_DATA_HOME"), "{said}");
}
