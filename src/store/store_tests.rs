use super::testing::{Ev, ms};
use super::*;

#[test]
fn push_owned_appends_rows_that_read_back() {
    let mut store = EventStore::default();
    let a = Ev::default().line();
    let b = Ev {
        user: Some("bob"),
        ip: Some("203.0.113.77"),
        verb: "list",
        resource: Some("secrets"),
        namespace: None,
        name: None,
        code: Some(403),
        decision: Some("forbid"),
        agent: None,
        second: 61,
    }
    .line();
    assert_eq!(store.push_owned(a.as_bytes()), Ok(0));
    assert_eq!(store.push_owned(b.as_bytes()), Ok(1));
    assert_eq!(store.len(), 2);
    assert_eq!(store.raw(0), a.as_bytes());
    assert_eq!(store.raw(1), b.as_bytes());
    assert_eq!(store.value(0, Facet::User), Some("alice"));
    assert_eq!(store.value(1, Facet::User), Some("bob"));
    assert_eq!(store.value(1, Facet::SourceIp), Some("203.0.113.77"));
    assert_eq!(store.value(1, Facet::Verb), Some("list"));
    assert_eq!(store.value(1, Facet::Resource), Some("secrets"));
    assert_eq!(store.value(1, Facet::Namespace), None);
    assert_eq!(store.value(1, Facet::Code), Some("403"));
    assert_eq!(store.value(1, Facet::Decision), Some("forbid"));
    assert_eq!(store.value(1, Facet::UserAgent), None);
    assert_eq!(store.value(0, Facet::UserAgent), Some("kubectl/v1.31.0"));
    assert_eq!(store.name(0), Some("web-1"));
    assert_eq!(store.name(1), None);
    assert_eq!(store.time_ms(0), Some(ms(0)));
    assert_eq!(store.time_ms(1), Some(ms(61)));
    assert!(!store.denied(0));
    assert!(store.denied(1));
    assert!(!store.truncated(1));
    // Past the end: nothing, and no panic.
    assert_eq!(store.raw(2), b"");
    assert_eq!(store.value(2, Facet::User), None);
    assert_eq!(store.time_ms(2), None);
    assert_eq!(store.problem_count(), 0);
}

#[test]
fn denied_is_401_403_or_forbid_and_nothing_else() {
    let mut store = EventStore::default();
    let cases = [
        (Some(401), Some("allow"), true),
        (Some(403), None, true),
        (Some(200), Some("forbid"), true),
        (Some(404), Some("allow"), false),
        (None, None, false),
    ];
    for (code, decision, _) in cases {
        let line = Ev {
            code,
            decision,
            ..Ev::default()
        }
        .line();
        store.push_owned(line.as_bytes()).unwrap();
    }
    for (row, (_, _, denied)) in cases.iter().enumerate() {
        assert_eq!(store.denied(row as u32), *denied, "row {row}");
    }
}

#[test]
fn push_owned_reports_what_it_cannot_read_and_keeps_cut_events() {
    let mut store = EventStore::default();
    let cut = Ev::default().cut_line();
    assert!(store.push_owned(b"not json at all").is_err());
    assert!(
        store
            .push_owned(br#"{"kind":"Pod","apiVersion":"v1"}"#)
            .is_err()
    );
    let row = store.push_owned(cut.as_bytes()).unwrap();
    assert_eq!(store.len(), 1);
    assert!(store.truncated(row));
    assert_eq!(store.raw(row), cut.as_bytes());
    assert_eq!(store.value(row, Facet::Verb), Some("get"));
    let reports = store.problems();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.name, APPENDED);
    assert_eq!(
        (r.malformed, r.not_audit, r.truncated, r.events),
        (1, 1, 1, 1)
    );
    let lines: Vec<u64> = r.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 2, 3]);
    // Offsets run over the texts pushed so far, as if they were one input.
    assert_eq!(r.problems[2].offset, 15 + 32);
    assert_eq!(store.problem_count(), 3);
}

#[test]
fn push_reported_counts_nothing_its_reader_already_reported() {
    // A followed file's reader reports a cut event with its file and line; the store keeps the
    // event and does not report it a second time.
    let mut store = EventStore::default();
    let whole = Ev::default().line();
    let cut = Ev::default().cut_line();
    let row = store.push_reported(cut.as_bytes()).unwrap();
    assert!(store.truncated(row));
    store.push_reported(whole.as_bytes()).unwrap();
    assert_eq!(store.len(), 2);
    assert!(store.problems().is_empty());
    assert_eq!(store.problem_count(), 0);
    // What the reader passed on but the table cannot read is still said, once.
    assert!(store.push_reported(b"not json at all").is_err());
    assert_eq!(store.problem_count(), 1);
}

#[test]
fn push_record_keeps_the_readers_time_and_text() {
    let mut store = EventStore::default();
    let line = Ev::default().line();
    let text = format!("2026-11-02T09:00:00.000Z {line}\n");
    let origin = crate::audit::formats::Origin::new("export", "export");
    let report = crate::audit::formats::scan(text.as_bytes(), &origin, Depth::Table, |r| {
        store.push_record(r);
        std::ops::ControlFlow::Continue(())
    });
    store.add_report(report);
    assert_eq!(store.len(), 1);
    // The export line's own time wins over the event's, as `@timestamp` does.
    assert_eq!(store.time_ms(0), Some(ms(3600) - 1));
    assert_eq!(store.raw(0), line.as_bytes());
    assert_eq!(store.problems().len(), 1);
    assert_eq!(store.problems()[0].events, 1);
}

#[test]
fn values_lists_what_was_seen_and_memory_is_counted() {
    let mut store = EventStore::default();
    let before = store.memory_bytes();
    for (i, user) in ["alice", "bob", "alice"].into_iter().enumerate() {
        let line = Ev {
            user: Some(user),
            second: i as u32,
            ..Ev::default()
        }
        .line();
        store.push_owned(line.as_bytes()).unwrap();
    }
    assert_eq!(
        store.values(Facet::User).collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert!(store.memory_bytes() > before);
}

#[test]
fn facet_labels_are_distinct_and_indexes_follow_all() {
    let labels: std::collections::HashSet<_> = Facet::ALL.iter().map(|f| f.label()).collect();
    assert_eq!(labels.len(), Facet::ALL.len());
    for (i, f) in Facet::ALL.iter().enumerate() {
        assert_eq!(f.index(), i);
    }
    assert_eq!(Facet::SourceIp.label(), "source IP");
}
