use super::*;

fn marked(ptr: &str, tag: &str, bytes: &[u8]) -> Entry {
    Entry {
        at: "2026-11-02T08:15:31.123Z".into(),
        user: "ana".into(),
        what: What::Marked {
            event: EventRef {
                audit_id: Some("a-1".into()),
                ptr: Some(ptr.into()),
                time: Some("2026-11-02T08:00:00.000Z".into()),
                source: Some("audit.log".into()),
            },
            tag: tag.into(),
            note: Some("token read \"by hand\"\n".into()),
            original: Original::of(bytes),
        },
    }
}

#[test]
fn entries_read_back_as_written_and_bytes_come_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut journal = Journal::open(&path).unwrap();
    let cut = b"{\"kind\":\"Event\",\"user\":{\"username\":\"\xe2\x82".as_slice();
    let entries = [
        marked("s:0", "attacker", br#"{"kind":"Event","auditID":"a-1"}"#),
        marked("s:99", "unsure", cut),
        Entry {
            at: "2026-11-02T08:16:00.000Z".into(),
            user: "ana".into(),
            what: What::Query(QueryRun {
                text: "filter verb = \"get\"".into(),
                range: "2026-11-02T06:00:00Z..".into(),
                sources: vec!["audit.log".into()],
                records_scanned: 20_000,
                bytes_scanned: 26_578_981,
                rows: 3,
                ..QueryRun::default()
            }),
        },
    ];
    for e in &entries {
        journal.append(e).unwrap();
    }
    let read = read(&path).unwrap();
    assert!(read.bad.is_empty(), "{:?}", read.bad);
    assert_eq!(read.entries, entries);
    let What::Marked { original, .. } = &read.entries[1].what else {
        panic!("a mark")
    };
    assert!(matches!(original, Original::Hex(_)));
    assert_eq!(original.bytes().unwrap(), cut);
    // One object a line, whatever the note holds.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_line_cut_short_is_reported_and_the_rest_is_kept() {
    let whole = serde_json::to_string(&marked("s:0", "benign", b"{}")).unwrap();
    let text = format!("{whole}\n{whole}\nnot json\n{}", &whole[..whole.len() / 2]);
    let read = parse(text.as_bytes());
    assert_eq!(read.entries.len(), 2);
    assert_eq!(read.bad.len(), 2);
    assert_eq!((read.bad[0].line, read.bad[0].column), (3, 2));
    assert_eq!(read.bad[1].line, 4);
    assert!(
        read.bad[1].message.contains("cut short"),
        "{:?}",
        read.bad[1]
    );
}

#[test]
fn an_event_is_the_same_by_its_place_or_by_its_id_and_time() {
    let at = |id: Option<&str>, ptr: Option<&str>, time: &str| EventRef {
        audit_id: id.map(Into::into),
        ptr: ptr.map(Into::into),
        time: Some(time.into()),
        source: None,
    };
    let one = at(Some("a"), Some("s:1"), "t1");
    assert!(one.same_event(&at(None, Some("s:1"), "t1")));
    // Another copy of the log: another place, the same id and time.
    assert!(one.same_event(&at(Some("a"), Some("t:7"), "t1")));
    // GKE's two entries of one request share the id, not the time.
    assert!(!one.same_event(&at(Some("a"), Some("s:2"), "t2")));
    assert!(!one.same_event(&at(Some("b"), Some("s:2"), "t1")));
    assert!(!at(None, None, "t1").same_event(&at(None, None, "t1")));
}

#[test]
fn an_entry_after_a_line_cut_short_starts_a_line_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let whole = serde_json::to_string(&marked("s:0", "benign", b"{}")).unwrap();
    std::fs::write(&path, format!("{whole}\n{}", &whole[..20])).unwrap();
    let mut journal = Journal::open(&path).unwrap();
    journal.append(&marked("s:1", "attacker", b"{}")).unwrap();
    let read = read(&path).unwrap();
    assert_eq!(read.entries.len(), 2);
    assert_eq!(read.bad.len(), 1);
    assert_eq!(read.bad[0].line, 2);
}
