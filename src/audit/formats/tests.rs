use std::ops::ControlFlow;

use super::*;

fn ids(data: &[u8], start: Position) -> (Vec<(String, u64, u64)>, ScanReport) {
    let origin = Origin::new("x", "id");
    let mut out = Vec::new();
    let report = scan_lines(data, &origin, start, Depth::Table, |r| {
        let id = r.event.audit_id.as_deref().unwrap_or_default().to_string();
        out.push((id, r.line, r.system.offset));
        ControlFlow::Continue(())
    });
    (out, report)
}

#[test]
fn log_stream_defaults() {
    assert_eq!(
        default_log_stream("logs/audit.log"),
        "kube-apiserver-audit-audit"
    );
    assert_eq!(
        default_log_stream("a/b/audit.json.gz"),
        "kube-apiserver-audit-audit"
    );
    assert_eq!(default_log_stream("stream"), "kube-apiserver-audit-stream");
    assert_eq!(
        default_log_stream(".hidden"),
        "kube-apiserver-audit-.hidden"
    );
    assert_eq!(
        default_log_stream("kube-apiserver-audit-0f1e.log"),
        "kube-apiserver-audit-0f1e"
    );
    assert_eq!(
        default_log_stream("/x/task/kube-apiserver-audit-0f1e/000000.gz"),
        "kube-apiserver-audit-0f1e"
    );
    assert_eq!(
        default_log_stream(r"C:\logs\a.log"),
        "kube-apiserver-audit-a"
    );
}

#[test]
fn source_ids_are_the_top_40_bits_of_fnv_1a() {
    // The first three are FNV-1a 64's published test vectors (0xcbf29ce484222325 for the
    // empty key, 0xaf63dc4c8601ec8c for "a", 0x85944171f73967e8 for "foobar"); the paths were
    // hashed apart from this code, by a Python FNV-1a:
    //   h = 0xcbf29ce484222325
    //   for c in key: h = ((h ^ c) * 0x100000001b3) % 2**64
    //   print(format(h >> 24, "010x"))
    // An id is part of every @ptr a user keeps, so a change to it must fail here.
    for (key, id) in [
        (&b""[..], "cbf29ce484"),
        (b"a", "af63dc4c86"),
        (b"foobar", "85944171f7"),
        (b"/var/log/audit.log", "cc77c709b8"),
        (b"/var/log/audit.log.1", "7f18228020"),
        ("/tmp/kaudit-\u{fc}.log".as_bytes(), "d82520e49c"),
    ] {
        assert_eq!(source_id(key), id, "{:?}", String::from_utf8_lossy(key));
    }
}

#[test]
fn chunks_report_file_lines_and_offsets() {
    let data =
        b"{\"kind\":\"Event\",\"auditID\":\"a\"}\nbad\n{\"kind\":\"Event\",\"auditID\":\"b\"}\n";
    let (recs, report) = ids(
        data,
        Position {
            offset: 1000,
            line: 41,
        },
    );
    assert_eq!(
        recs,
        [("a".to_string(), 42, 1000), ("b".to_string(), 44, 1035)]
    );
    assert_eq!(report.lines, 3);
    let p = &report.problems[0];
    assert_eq!((p.line, p.column, p.offset), (43, 1, 1031));
}

#[test]
fn texts_cover_positions_up_to_an_invalid_byte() {
    let data = b"ab\ncd\xffef\ngh";
    let mut texts = lines::Texts::new(data);
    assert_eq!(texts.at(3), (3, "cd"));
    assert_eq!(texts.at(4), (3, "cd"));
    assert_eq!(texts.at(6), (6, "ef\ngh"));
    assert_eq!(texts.at(0), (0, "ab\ncd"));
}

#[test]
fn report_absorbs_a_later_one() {
    let mut a = ScanReport {
        name: "x".into(),
        formats: vec![(Format::JsonLines, 2)],
        events: 2,
        ..ScanReport::default()
    };
    let b = ScanReport {
        formats: vec![(Format::CloudWatchExport, 1), (Format::JsonLines, 1)],
        events: 2,
        malformed: 3,
        ..ScanReport::default()
    };
    a.absorb(b);
    assert_eq!(
        a.formats,
        [(Format::JsonLines, 3), (Format::CloudWatchExport, 1)]
    );
    assert_eq!((a.events, a.malformed, a.problem_count()), (4, 3, 3));
    assert_eq!(
        a.to_string(),
        "x: 4 events (JSON lines 3, CloudWatch export (S3) 1); 3 malformed"
    );
}

/// Every record of `data`, as (format, message), and the report.
fn read(data: &str) -> (Vec<(Format, String)>, ScanReport) {
    let origin = Origin::new("x", "id");
    let mut out = Vec::new();
    let report = scan(data.as_bytes(), &origin, Depth::Table, |r| {
        out.push((r.format, r.message_str().to_string()));
        ControlFlow::Continue(())
    });
    (out, report)
}

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","verb":"get","stageTimestamp":"2026-11-02T08:15:31Z"}"#;

fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[test]
fn aks_records_read_their_event_from_properties_log_as_text_or_object() {
    let as_text = format!(
        r#"{{"category":"kube-audit-admin","properties":{{"log":"{}","pod":"p"}}}}"#,
        escaped(EVENT)
    );
    let as_object = format!(r#"{{"category":"kube-audit","properties":{{"log":{EVENT}}}}}"#);
    let (recs, report) = read(&format!("{as_text}\n{as_object}\n"));
    assert_eq!(
        recs,
        [
            (Format::AksDiagnostic, EVENT.to_string()),
            (Format::AksDiagnostic, EVENT.to_string())
        ]
    );
    assert_eq!(report.problem_count(), 0);
}

#[test]
fn an_object_member_is_borrowed_from_the_input_a_string_member_is_owned() {
    let data = format!(
        "{{\"log\":{EVENT}}}\n{{\"category\":\"kube-audit\",\"properties\":{{\"log\":\"{}\"}}}}\n",
        escaped(EVENT)
    );
    let origin = Origin::new("x", "id");
    let range = data.as_bytes().as_ptr_range();
    let mut inside = Vec::new();
    scan(data.as_bytes(), &origin, Depth::Table, |r| {
        inside.push(range.contains(&r.message.as_ptr()));
        assert_eq!(
            r.original,
            data.lines().nth(r.line as usize - 1).unwrap().as_bytes()
        );
        ControlFlow::Continue(())
    });
    assert_eq!(inside, [true, false]);
}

#[test]
fn log_analytics_rows_and_storage_records() {
    let rows = format!(
        "[{{\"Category\":\"kube-audit\",\"log_s\":\"{e}\"}},\n {{\"log_s\":\"{e}\"}}]\n",
        e = escaped(EVENT)
    );
    let (recs, _) = read(&rows);
    assert_eq!(recs.len(), 2);
    assert!(
        recs.iter()
            .all(|(f, m)| *f == Format::AksLogAnalytics && m == EVENT)
    );
    // A storage account's document, on one line, with a record of another category.
    let records = format!(
        r#"{{"records":[{{"category":"kube-audit","properties":{{"log":"{}"}}}},{{"category":"kube-apiserver","properties":{{"log":"I1102 started"}}}}]}}"#,
        escaped(EVENT)
    );
    let (recs, report) = read(&records);
    assert_eq!(recs, [(Format::AksDiagnostic, EVENT.to_string())]);
    assert_eq!(
        report.not_audit_shapes,
        [(
            "Azure diagnostic record of category `kube-apiserver`, not an audit log".to_string(),
            1
        )]
    );
    // Where the record starts.
    let at = records.find(r#"{"category":"kube-apiserver""#).unwrap();
    assert_eq!(report.problems[0].column, at as u64 + 1);
}

#[test]
fn wrappers_are_read_one_level_down() {
    let core_event = r#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#;
    let data = [
        // A member of any name holding an audit Event.
        format!(r#"{{"host":"h","k8s_audit":{EVENT}}}"#),
        // A Kubernetes core Event is no audit event, under any name but the usual ones.
        format!(r#"{{"host":"h","k8s":{core_event}}}"#),
        // Two levels down is not read.
        format!(r#"{{"log":{{"event":{EVENT}}}}}"#),
        format!(r#"{{"a":{{"log":{EVENT}}}}}"#),
    ]
    .join("\n");
    let (recs, report) = read(&data);
    assert_eq!(recs, [(Format::Wrapped, EVENT.to_string())]);
    let problems: Vec<(u64, String)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].0, 2);
    assert_eq!(
        problems[1],
        (
            3,
            "in `log`: wrapper object: `event` holds no audit Event or AKS record (one level of \
             wrapping is read)"
                .to_string()
        )
    );
    assert_eq!(problems[2].0, 4);
}
