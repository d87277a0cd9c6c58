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
fn source_ids_are_short_stable_hex() {
    let id = source_id(b"/var/log/audit.log");
    assert_eq!(id.len(), 10);
    assert_eq!(id, source_id(b"/var/log/audit.log"));
    assert_ne!(id, source_id(b"/var/log/audit.log.1"));
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
