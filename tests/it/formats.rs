//! Input formats and local sources: every format, gzip, mixed files, bad input, system fields,
//! and following a growing file.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use kaudit::audit::Depth;
use kaudit::audit::formats::{self, Format, NotAuditData, Origin, ProblemKind, ScanReport};
use kaudit::source::local::{self, FollowStart, Follower, InputError, InputSpec, LocalInput};

/// What a test needs to know of one delivered record.
#[derive(Debug, Clone)]
struct Rec {
    id: String,
    format: Format,
    line: u64,
    offset: u64,
    ptr: String,
    timestamp_ms: Option<i64>,
    ingestion_ms: Option<i64>,
    stream: String,
    group: String,
    event_id: Option<String>,
    message: Vec<u8>,
    truncated: bool,
}

fn rec(r: &formats::AuditRecord<'_>) -> Rec {
    Rec {
        id: r.event.audit_id.as_deref().unwrap_or_default().to_string(),
        format: r.format,
        line: r.line,
        offset: r.system.offset,
        ptr: r.system.ptr(),
        timestamp_ms: r.system.timestamp_ms,
        ingestion_ms: r.system.ingestion_time_ms,
        stream: r.system.log_stream.to_string(),
        group: r.system.log_group.to_string(),
        event_id: r.system.event_id.as_deref().map(str::to_string),
        message: r.message.to_vec(),
        truncated: r.event.truncated,
    }
}

fn collect(input: &LocalInput) -> (Vec<Rec>, ScanReport) {
    let mut out = Vec::new();
    let report = input.scan(Depth::Full, |r| {
        out.push(rec(r));
        ControlFlow::Continue(())
    });
    (out, report)
}

fn scan_vec(name: &str, data: impl Into<Vec<u8>>) -> (Vec<Rec>, ScanReport) {
    collect(&LocalInput::from_vec(Origin::new(name, "t"), data.into()))
}

fn ids(recs: &[Rec]) -> Vec<&str> {
    recs.iter().map(|r| r.id.as_str()).collect()
}

/// An EKS-like audit event on one line.
fn ev(id: &str, time: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"list","user":{{"username":"alice","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.31.0","responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{time}","stageTimestamp":"{time}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
    )
}

const T0: &str = "2026-11-02T08:15:31.123456Z";
const T0_MS: i64 = 1_793_607_331_123;

fn gz(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn pretty(value: &serde_json::Value) -> String {
    // The AWS CLI indents with four spaces.
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(value, &mut ser).unwrap();
    String::from_utf8(out).unwrap()
}

fn problem_kinds(report: &ScanReport) -> Vec<(u64, u64, ProblemKind)> {
    report
        .problems
        .iter()
        .map(|p| (p.line, p.column, p.kind))
        .collect()
}

#[test]
fn json_lines_with_blank_and_crlf_lines() {
    let data = format!("{}\n\n{}\r\n{}", ev("a1", T0), ev("a2", T0), ev("a3", T0));
    let (recs, report) = scan_vec("logs/audit.log", data.clone());
    assert_eq!(ids(&recs), ["a1", "a2", "a3"]);
    assert_eq!([recs[0].line, recs[1].line, recs[2].line], [1, 3, 4]);
    assert_eq!(report.formats, [(Format::JsonLines, 3)]);
    assert_eq!((report.lines, report.problem_count()), (4, 0));
    // @message is the exact line, without its line end.
    assert_eq!(recs[1].message, ev("a2", T0).as_bytes());
    assert_eq!(
        &data.as_bytes()[recs[1].offset as usize..][..recs[1].message.len()],
        &recs[1].message[..]
    );
    // @timestamp falls back to stageTimestamp; the defaults name the file.
    assert_eq!(recs[0].timestamp_ms, Some(T0_MS));
    assert_eq!(recs[0].stream, "kube-apiserver-audit-audit");
    assert_eq!(recs[0].group, "logs/audit.log");
    assert_eq!(
        (recs[0].ingestion_ms, recs[0].event_id.as_deref()),
        (None, None)
    );
}

#[test]
fn timestamp_falls_back_to_request_received_then_v1beta1_timestamp() {
    let a = r#"{"kind":"Event","auditID":"a","requestReceivedTimestamp":"2026-11-02T08:15:31.5Z"}"#;
    let b = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","auditID":"b","timestamp":"2026-11-02T08:15:32Z"}"#;
    let (recs, _) = scan_vec("x", format!("{a}\n{b}\n"));
    assert_eq!(recs[0].timestamp_ms, Some(T0_MS - 123 + 500));
    assert_eq!(recs[1].timestamp_ms, Some(T0_MS - 123 + 1000));
}

#[test]
fn json_array_and_event_list_compact_and_pretty() {
    let events: Vec<serde_json::Value> = ["b1", "b2"]
        .iter()
        .map(|id| serde_json::from_str(&ev(id, T0)).unwrap())
        .collect();
    let array = serde_json::Value::Array(events.clone());
    let list = serde_json::json!({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":events});
    for (doc, format) in [(array, Format::JsonArray), (list, Format::EventList)] {
        for text in [doc.to_string(), pretty(&doc)] {
            let (recs, report) = scan_vec("x", text.clone());
            assert_eq!(ids(&recs), ["b1", "b2"], "{text}");
            assert_eq!(report.formats, [(format, 2)]);
            assert_eq!(report.problem_count(), 0, "{:?}", report.problems);
            // @message is the element's exact text, indentation included.
            let start = recs[1].offset as usize;
            assert_eq!(
                &text.as_bytes()[start..start + recs[1].message.len()],
                &recs[1].message[..]
            );
            assert!(recs[1].message.ends_with(b"}"));
        }
    }
    let (recs, _) = scan_vec(
        "x",
        pretty(&serde_json::json!({"items": [], "kind": "EventList"})),
    );
    assert!(recs.is_empty());
}

#[test]
fn pretty_printed_events_back_to_back() {
    let a: serde_json::Value = serde_json::from_str(&ev("p1", T0)).unwrap();
    let b: serde_json::Value = serde_json::from_str(&ev("p2", T0)).unwrap();
    let text = format!(
        "{}\n{}\n{}{}\n",
        pretty(&a),
        pretty(&b),
        ev("p3", T0),
        ev("p4", T0)
    );
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["p1", "p2", "p3", "p4"]);
    assert_eq!(report.events_in(Format::JsonDocuments), 2);
    assert_eq!(report.events_in(Format::JsonLines), 2);
    assert_eq!(report.problem_count(), 0, "{:?}", report.problems);
}

fn filter_log_events(ids: &[&str], stream: &str, first_ts: i64) -> serde_json::Value {
    let events: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "logStreamName": stream,
                "timestamp": first_ts + i as i64,
                "message": ev(id, T0),
                "ingestionTime": first_ts + 900,
                "eventId": format!("3795000000000000000000000000000000000000000000000000000{i}"),
            })
        })
        .collect();
    serde_json::json!({"events": events, "searchedLogStreams": [], "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXLrJmQzG"})
}

#[test]
fn cloudwatch_filter_log_events_as_the_cli_prints_it() {
    let stream = "kube-apiserver-audit-0f7c1a2b3c4d5e6f";
    let text = pretty(&filter_log_events(&["c1", "c2"], stream, 1_793_607_400_000));
    let (recs, report) = scan_vec("page.json", text.clone());
    assert_eq!(ids(&recs), ["c1", "c2"]);
    assert_eq!(report.formats, [(Format::CloudWatchJson, 2)]);
    // @timestamp is CloudWatch's, not stageTimestamp.
    assert_eq!(recs[1].timestamp_ms, Some(1_793_607_400_001));
    assert_eq!(recs[1].ingestion_ms, Some(1_793_607_400_900));
    assert_eq!(recs[1].stream, stream);
    assert_eq!(recs[1].group, "page.json");
    assert!(recs[1].event_id.as_deref().unwrap().ends_with('1'));
    // @message is the unescaped message.
    assert_eq!(recs[0].message, ev("c1", T0).as_bytes());
    assert!(text[recs[0].offset as usize..].starts_with('{'));
    assert_eq!(recs[0].line, 3);
}

#[test]
fn cloudwatch_get_log_events_has_no_stream() {
    let doc = serde_json::json!({
        "events": [{"timestamp": 1_793_607_400_000_i64, "message": ev("g1", T0), "ingestionTime": 1_793_607_400_500_i64}],
        "nextForwardToken": "f/3795", "nextBackwardToken": "b/3795"
    });
    let (recs, report) = scan_vec("dir/kube-apiserver-audit-abc.json", pretty(&doc));
    assert_eq!(ids(&recs), ["g1"]);
    assert_eq!(report.formats, [(Format::CloudWatchJson, 1)]);
    assert_eq!(recs[0].stream, "kube-apiserver-audit-abc");
    assert_eq!(recs[0].event_id, None);
}

#[test]
fn concatenated_cloudwatch_pages() {
    let stream = "kube-apiserver-audit-1";
    let empty = serde_json::json!({"events": [], "searchedLogStreams": []});
    let text = format!(
        "{}\n{}\n{}{}\n{}",
        pretty(&filter_log_events(&["k1", "k2"], stream, 1)),
        pretty(&empty),
        filter_log_events(&["k3"], stream, 3),
        filter_log_events(&["k4"], stream, 4),
        pretty(&filter_log_events(&["k5"], stream, 5)),
    );
    let (recs, report) = scan_vec("pages.json", text);
    assert_eq!(ids(&recs), ["k1", "k2", "k3", "k4", "k5"]);
    assert_eq!(report.formats, [(Format::CloudWatchJson, 5)]);
    assert_eq!(report.problem_count(), 0, "{:?}", report.problems);
}

#[test]
fn cloudwatch_export_object_in_its_s3_layout() {
    let dir = tempfile::tempdir().unwrap();
    let stream_dir = dir.path().join("exportTask-1/kube-apiserver-audit-9a8b7c");
    std::fs::create_dir_all(&stream_dir).unwrap();
    let path = stream_dir.join("000000.gz");
    let text = format!(
        "2026-11-02T08:16:00.250Z {}\n2026-11-02T08:16:01.000Z {}\n",
        ev("e1", T0),
        ev("e2", T0)
    );
    std::fs::write(&path, gz(text.as_bytes())).unwrap();
    let input = local::open(&InputSpec::Path(path.clone())).unwrap();
    assert!(input.compressed());
    let (recs, report) = collect(&input);
    assert_eq!(ids(&recs), ["e1", "e2"]);
    assert_eq!(report.formats, [(Format::CloudWatchExport, 2)]);
    assert_eq!(recs[0].timestamp_ms, Some(T0_MS - 31_123 + 60_250));
    assert_eq!(recs[0].stream, "kube-apiserver-audit-9a8b7c");
    assert_eq!(recs[0].group, path.display().to_string());
    assert_eq!(recs[0].message, ev("e1", T0).as_bytes());
    assert_eq!(recs[1].offset as usize, text.find('\n').unwrap() + 1);
}

fn subscription(kind: &str, ids: &[&str]) -> String {
    let events: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let message = if kind == "CONTROL_MESSAGE" {
                "CWL CONTROL MESSAGE: Checking health of destination Firehose.".to_string()
            } else {
                ev(id, T0)
            };
            serde_json::json!({"id": format!("id-{id}"), "timestamp": 1_793_607_500_000_i64 + i as i64, "message": message})
        })
        .collect();
    serde_json::json!({
        "messageType": kind, "owner": "123456789012", "logGroup": "/aws/eks/prod/cluster",
        "logStream": "kube-apiserver-audit-77aa", "subscriptionFilters": ["to-firehose"], "logEvents": events
    })
    .to_string()
}

#[test]
fn firehose_object_of_gzip_members_with_a_control_message() {
    let mut object = gz(subscription("CONTROL_MESSAGE", &["x"]).as_bytes());
    object.extend(gz(subscription("DATA_MESSAGE", &["s1", "s2"]).as_bytes()));
    object.extend(gz(subscription("DATA_MESSAGE", &["s3"]).as_bytes()));
    let input = LocalInput::from_vec(Origin::new("firehose-1", "t"), object);
    assert!(input.compressed());
    let (recs, report) = collect(&input);
    assert_eq!(ids(&recs), ["s1", "s2", "s3"]);
    assert_eq!(report.formats, [(Format::CloudWatchSubscription, 3)]);
    assert_eq!(report.control_messages, 1);
    assert_eq!(report.problem_count(), 0, "{:?}", report.problems);
    assert_eq!(recs[1].group, "/aws/eks/prod/cluster");
    assert_eq!(recs[1].stream, "kube-apiserver-audit-77aa");
    assert_eq!(recs[1].event_id.as_deref(), Some("id-s2"));
    assert_eq!(recs[1].timestamp_ms, Some(1_793_607_500_001));
}

#[test]
fn gzip_single_and_multi_member_and_cut_short() {
    let lines: Vec<String> = (0..4).map(|i| ev(&format!("z{i}"), T0) + "\n").collect();
    let single = gz(lines.concat().as_bytes());
    let (recs, report) = scan_vec("a.log.gz", single.clone());
    assert_eq!(recs.len(), 4);
    assert_eq!(report.problem_count(), 0);
    let multi: Vec<u8> = lines.iter().flat_map(|l| gz(l.as_bytes())).collect();
    let (recs, _) = scan_vec("a.log.gz", multi);
    assert_eq!(ids(&recs), ["z0", "z1", "z2", "z3"]);
    // A download cut short: what came before is read, and the cut is reported.
    let (recs, report) = scan_vec("a.log.gz", &single[..single.len() - 12]);
    assert_eq!(report.unreadable, 1);
    assert!(recs.len() <= 4);
    let p = report
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Unreadable)
        .unwrap();
    assert!(p.message.contains("gzip"), "{}", p.message);
}

#[test]
fn every_problem_is_listed_past_those_a_report_keeps_the_gzip_cut_last() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&ev(&format!("p{i}"), T0));
        text.push_str("\nnot json\n");
    }
    let data = gz(text.as_bytes());
    let input = LocalInput::from_vec(
        Origin::new("p.log.gz", "t"),
        data[..data.len() - 12].to_vec(),
    );
    let (_, kept) = collect(&input);
    assert_eq!(kept.problems.len(), formats::MAX_PROBLEMS);
    let mut listed = Vec::new();
    let report = input.list_problems(Depth::Full, &mut |p| listed.push(p.clone()));
    assert_eq!(report, kept, "the same report either way");
    assert_eq!(listed.len() as u64, kept.problem_count());
    assert_eq!(&listed[..formats::MAX_PROBLEMS], &kept.problems[..]);
    let (last, malformed) = listed.split_last().unwrap();
    assert_eq!(last.kind, ProblemKind::Unreadable);
    assert!(malformed.iter().all(|p| p.kind == ProblemKind::Malformed));
    // Every `not json` line before the cut, in order (the cut breaks off the last event).
    let lines: Vec<u64> = malformed.iter().map(|p| p.line).take(39).collect();
    assert_eq!(lines, (1..=39).map(|i| 2 * i).collect::<Vec<u64>>());
}

#[test]
fn reading_from_a_reader_like_stdin() {
    let text = format!("{}\n{}\n", ev("r1", T0), ev("r2", T0));
    for bytes in [text.clone().into_bytes(), gz(text.as_bytes())] {
        let origin = Origin::new("<stdin>", "stdin");
        let input = LocalInput::from_reader(origin, std::io::Cursor::new(bytes)).unwrap();
        let (recs, _) = collect(&input);
        assert_eq!(ids(&recs), ["r1", "r2"]);
        assert!(recs[1].ptr.starts_with("stdin:"));
    }
}

#[test]
fn mixed_file_is_read_record_by_record() {
    let gke = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"io.k8s.core.v1.pods.list"},"insertId":"x","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}"#;
    let one_line_page = filter_log_events(&["m4"], "kube-apiserver-audit-1", 7).to_string();
    let pretty_event = pretty(&serde_json::from_str(&ev("m5", T0)).unwrap());
    let text = format!(
        "{}\n2026-11-02T08:16:00.000Z {}\n{gke}\n{}\n{one_line_page}\n{pretty_event}\n{}\n",
        ev("m1", T0),
        ev("m2", T0),
        ev("m3", T0),
        ev("m6", T0),
    );
    let (recs, report) = scan_vec("mixed.log", text);
    // The GKE entry is read as the event it stands for (its `insertId` the audit ID).
    assert_eq!(ids(&recs), ["m1", "m2", "x", "m3", "m4", "m5", "m6"]);
    let order: Vec<Format> = recs.iter().map(|r| r.format).collect();
    assert_eq!(
        order,
        [
            Format::JsonLines,
            Format::CloudWatchExport,
            Format::GkeCloudAudit,
            Format::JsonLines,
            Format::CloudWatchJson,
            Format::JsonDocuments,
            Format::JsonLines
        ]
    );
    assert_eq!(
        report.formats,
        [
            (Format::JsonLines, 3),
            (Format::JsonDocuments, 1),
            (Format::CloudWatchJson, 1),
            (Format::CloudWatchExport, 1),
            (Format::GkeCloudAudit, 1)
        ]
    );
    assert_eq!((report.not_audit, report.malformed), (0, 0));
    assert_eq!(recs[2].line, 3);
    assert_eq!(recs[6].line, 6 + pretty_event.lines().count() as u64);
}

#[test]
fn a_line_broken_mid_json_is_malformed_once_where_it_ends() {
    let full = ev("cut1", T0);
    let cut = &full[..full.find("\"userAgent\"").unwrap() + 5];
    let broken = r#"{"kind":"Event","this is broken"#;
    // Broken in the middle of the file (a crash while writing), and at its very end.
    let text = format!(
        "{}\n{cut}\n{broken}\n{}\n{cut}",
        ev("ok1", T0),
        ev("ok2", T0)
    );
    let (recs, report) = scan_vec("x", text);
    assert_eq!(
        ids(&recs),
        ["ok1", "ok2"],
        "nothing invented from a broken line"
    );
    assert_eq!(
        (report.events, report.truncated, report.malformed),
        (2, 0, 3)
    );
    let end = |line: &str| line.chars().count() as u64 + 1;
    assert_eq!(
        problem_kinds(&report),
        [
            (2, end(cut), ProblemKind::Malformed),
            (3, end(broken), ProblemKind::Malformed),
            (5, end(cut), ProblemKind::Malformed)
        ]
    );
    for p in &report.problems {
        assert!(!p.message.contains("256 KB"), "{p}");
        assert!(!p.message.contains("cut short"), "{p}");
    }
}

#[test]
fn a_line_cut_at_cloudwatchs_cap_is_salvaged_and_listed() {
    let big = ev("huge", T0).replacen(
        r#""annotations""#,
        &format!(
            r#""requestObject":{{"data":"{}"}},"annotations""#,
            "x".repeat(300_000)
        ),
        1,
    );
    let cut = &big[..262_144 - 26];
    let text = format!("{}\n{cut}\n{}\n", ev("ok1", T0), ev("ok2", T0));
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["ok1", "huge", "ok2"]);
    assert!(recs[1].truncated);
    assert_eq!(recs[1].message, cut.as_bytes());
    assert_eq!((report.truncated, report.malformed), (1, 0));
    assert_eq!(problem_kinds(&report), [(2, 1, ProblemKind::Truncated)]);
}

#[test]
fn an_event_over_256_kb_cut_by_cloudwatch() {
    let big = ev("huge", T0).replacen(
        r#""annotations""#,
        &format!(
            r#""requestObject":{{"data":"{}"}},"annotations""#,
            "é".repeat(200_000)
        ),
        1,
    );
    assert!(big.len() > 262_144);
    let mut cut = 262_144;
    while !big.is_char_boundary(cut) {
        cut -= 1;
    }
    let message = &big[..cut];
    let doc = serde_json::json!({"events": [
        {"logStreamName": "s", "timestamp": 5, "message": message, "ingestionTime": 6, "eventId": "1"},
        {"logStreamName": "s", "timestamp": 7, "message": ev("after", T0), "ingestionTime": 8, "eventId": "2"}
    ]});
    let (recs, report) = scan_vec("x", pretty(&doc));
    assert_eq!(ids(&recs), ["huge", "after"]);
    assert!(recs[0].truncated && !recs[1].truncated);
    assert_eq!(recs[0].message.len(), cut);
    assert_eq!(recs[0].timestamp_ms, Some(5));
    assert_eq!((report.truncated, report.malformed), (1, 0));
    assert_eq!(report.problems[0].kind, ProblemKind::Truncated);
    assert_eq!(report.problems[0].line, 3);
}

#[test]
fn malformed_records_are_reported_with_line_and_column() {
    let text = [
        ev("ok", T0).as_str(),
        r#"{"kind":"Event","verb":get}"#,
        r#"{"kind": 0}"#,
        r#"{"kind":"Event" "verb":"x"}"#,
        "not json at all",
        r#"{"kind":"Évent","verb":get}"#,
        "2026-13-99 {}",
    ]
    .join("\n");
    let (recs, report) = scan_vec("bad.log", text);
    assert_eq!(ids(&recs), ["ok"]);
    assert_eq!(report.malformed, 6);
    assert_eq!(
        problem_kinds(&report),
        [
            (2, 24, ProblemKind::Malformed),
            (3, 10, ProblemKind::Malformed),
            (4, 17, ProblemKind::Malformed),
            (5, 1, ProblemKind::Malformed),
            (6, 24, ProblemKind::Malformed),
            (7, 1, ProblemKind::Malformed),
        ]
    );
    assert_eq!(
        report.problems[1].message,
        "`kind` is a number, expected a string"
    );
    assert!(report.problems[2].message.contains("expected ',' or '}'"));
    let located: Vec<String> = report.located_problems().collect();
    assert!(
        located[0].starts_with("bad.log:2:24: malformed: "),
        "{}",
        located[0]
    );
}

#[test]
fn a_bad_element_of_a_pretty_array_is_reported_alone() {
    let text = "[\n  {\"kind\":\"Event\",\"auditID\":\"a1\",\"verb\":\"get\"},\n  {\"kind\":\"Event\",\"auditID\":\"a2\",\"verb\":get},\n  {\"kind\":\"Event\",\"auditID\":\"a3\",\"verb\":\"get\"}\n]\n";
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["a1", "a3"]);
    assert_eq!([recs[0].line, recs[1].line], [2, 4]);
    assert_eq!(problem_kinds(&report), [(3, 41, ProblemKind::Malformed)]);
}

#[test]
fn a_broken_pretty_document_does_not_hide_the_next_records() {
    let text = format!(
        "{{\n    \"events\": [\n        {{\"timestamp\": 1 \"message\": \"x\"}}\n\n{}\n",
        ev("next", T0)
    );
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["next"]);
    // The bad log event, then the document left open where the next record starts.
    assert_eq!(
        problem_kinds(&report),
        [
            (3, 25, ProblemKind::Malformed),
            (5, 1, ProblemKind::Malformed)
        ]
    );
    assert!(report.problems[1].message.contains("starts on line 1"));
}

#[test]
fn invalid_utf8_is_reported_where_it_is() {
    let mut text = ev("u1", T0).into_bytes();
    text.extend_from_slice(b"\n{\"kind\":\"Event\",\"verb\":\"g\xffet\"}\n");
    text.extend_from_slice(ev("u2", T0).as_bytes());
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["u1", "u2"]);
    assert_eq!(problem_kinds(&report), [(2, 26, ProblemKind::Malformed)]);
    assert!(report.problems[0].message.contains("UTF-8"));
}

#[test]
fn ten_megabyte_lines() {
    let big = ev("tenmb", T0).replacen(
        r#""annotations""#,
        &format!(
            r#""requestObject":{{"data":"{}"}},"annotations""#,
            "x".repeat(10 << 20)
        ),
        1,
    );
    let garbage = "y".repeat(10 << 20);
    let text = format!("{big}\n{garbage}\n{}\n", ev("after", T0));
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["tenmb", "after"]);
    assert_eq!(recs[0].message.len(), big.len());
    assert_eq!(problem_kinds(&report), [(2, 1, ProblemKind::Malformed)]);
    assert!(report.problems[0].message.len() < 200);
}

#[test]
fn inputs_that_are_not_audit_data() {
    let cases: [(&str, &[u8], NotAuditData); 8] = [
        ("empty.log", b"", NotAuditData::Empty),
        ("blank.log", b"\n\n  \n", NotAuditData::Blank),
        (
            "core",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
            NotAuditData::Binary,
        ),
        (
            "policy.yaml",
            b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
            NotAuditData::Yaml,
        ),
        (
            "notes",
            b"# Incident\n\nSee the [runbook](x).\n",
            NotAuditData::Markdown,
        ),
        (
            "README.md",
            b"Detects `kubectl exec` in pods.\n",
            NotAuditData::Markdown,
        ),
        ("win.json", b"\xff\xfe{\x00\"\x00", NotAuditData::Utf16),
        (
            "a.zst",
            b"\x28\xb5\x2f\xfd\x00",
            NotAuditData::Compressed("zstd"),
        ),
    ];
    for (name, data, want) in cases {
        let (recs, report) = scan_vec(name, data);
        assert!(recs.is_empty());
        assert_eq!(report.not_audit_data, Some(want), "{name}");
        assert_eq!(
            problem_kinds(&report),
            [(1, 1, ProblemKind::NotAuditData)],
            "{name}"
        );
        assert!(report.to_string().starts_with(name));
    }
    let mut random = vec![0u8; 4096];
    let mut x = 0x2545_f491_u32;
    for b in &mut random {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = (x >> 24) as u8;
    }
    random[0] = b'{';
    let (_, report) = scan_vec("random.bin", random);
    assert_eq!(report.not_audit_data, Some(NotAuditData::Binary));
}

#[test]
fn records_that_are_not_audit_events_are_named_and_counted() {
    // Another Google service's entry: GKE's are read, this one is not Kubernetes.
    let gke = r#"{"insertId":"1","protoPayload":{"serviceName":"compute.googleapis.com","methodName":"v1.compute.instances.list"},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"}"#;
    let panther = format!(
        r#"{{"rule_id":"AWS.EKS.Anonymous","test_name":"t","log":{}}}"#,
        ev("w1", T0)
    );
    let stratus = format!(
        r#"{{"technique":"k8s.persistence","event":{}}}"#,
        ev("w2", T0)
    );
    let core_event =
        r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"x"},"reason":"Pulled"}"#;
    let pod = r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}"#;
    let not_wrapped = r#"{"rule_id":"x","log":{"Anything":"any value"}}"#;
    let text = [
        gke,
        &panther,
        &stratus,
        core_event,
        pod,
        gke,
        &ev("real", T0),
        "[1]",
        not_wrapped,
    ]
    .join("\n");
    let (recs, report) = scan_vec("x", text);
    // The wrapped events are read, one level down.
    assert_eq!(ids(&recs), ["w1", "w2", "real"]);
    assert_eq!(recs[0].format, Format::Wrapped);
    assert_eq!(report.not_audit, 6);
    let shapes: Vec<(&str, u64)> = report
        .not_audit_shapes
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(
        shapes[0],
        (
            "Cloud Audit LogEntry (`protoPayload`) of a Google Cloud service other than GKE's \
             Kubernetes API (`serviceName` is not `k8s.io`)",
            2
        )
    );
    assert!(
        shapes[1].0.contains("not an audit.k8s.io Event"),
        "{shapes:?}"
    );
    assert!(shapes[2].0.contains("\"Pod\""), "{shapes:?}");
    assert_eq!(shapes[4], ("in `log`: no `kind` and no `auditID`", 1));
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 4, 5, 6, 8, 9]);
}

#[test]
fn plain_text_with_a_record_far_down_is_still_read() {
    let (recs, report) = scan_vec("notes.txt", "just words\n".repeat(1000));
    assert!(recs.is_empty());
    assert_eq!(report.not_audit_data, Some(NotAuditData::Text));
    assert_eq!(report.malformed, 0);
}

#[test]
fn problems_are_capped_but_counted_exactly() {
    let text = "garbage\n".repeat(1000) + &ev("last", T0);
    let (recs, report) = scan_vec("x", text);
    assert_eq!(ids(&recs), ["last"]);
    assert_eq!(report.malformed, 1000);
    assert_eq!(report.problems.len(), formats::MAX_PROBLEMS);
    assert_eq!(report.problems[19].line, 20);
}

#[test]
fn ptr_is_stable_across_opens_and_distinct_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, format!("{}\n{}\n", ev("p1", T0), ev("p2", T0))).unwrap();
    let first = collect(&local::open(&InputSpec::Path(path.clone())).unwrap()).0;
    let relative = PathBuf::from(format!("{}/./audit.log", dir.path().display()));
    let second = collect(&local::open(&InputSpec::Path(relative)).unwrap()).0;
    let ptrs = |r: &[Rec]| r.iter().map(|r| r.ptr.clone()).collect::<Vec<_>>();
    assert_eq!(ptrs(&first), ptrs(&second));
    assert_ne!(first[0].ptr, first[1].ptr);
    let (id, off) = first[1].ptr.split_once(':').unwrap();
    assert_eq!(id.len(), 10);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(off.parse::<usize>().unwrap(), ev("p1", T0).len() + 1);
    let other = dir.path().join("other.log");
    std::fs::copy(&path, &other).unwrap();
    let third = collect(&local::open(&InputSpec::Path(other)).unwrap()).0;
    assert_ne!(third[0].ptr, first[0].ptr);
    // The id is FNV-1a's top 40 bits of the canonical path, hashed here apart from kaudit.
    let canonical = path.canonicalize().unwrap();
    assert_eq!(id, fnv1a_top40(canonical.to_str().unwrap().as_bytes()));
    let other = dir.path().join("other.log").canonicalize().unwrap();
    assert_eq!(
        third[0].ptr.split_once(':').unwrap().0,
        fnv1a_top40(other.to_str().unwrap().as_bytes())
    );
}

/// FNV-1a 64's top 40 bits in hex, written apart from kaudit's and checked against the
/// published vectors of FNV-1a 64 (its values for "", "a" and "foobar").
fn fnv1a_top40(key: &[u8]) -> String {
    let fnv = |key: &[u8]| {
        key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    assert_eq!(
        [fnv(b""), fnv(b"a"), fnv(b"foobar")],
        [
            0xcbf2_9ce4_8422_2325,
            0xaf63_dc4c_8601_ec8c,
            0x8594_4171_f739_67e8
        ]
    );
    format!("{:010x}", fnv(key) >> 24)
}

#[test]
fn a_large_file_is_mapped_and_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let text: String = (0..600).map(|i| ev(&format!("b{i}"), T0) + "\n").collect();
    assert!(text.len() > 64 * 1024);
    std::fs::write(&path, &text).unwrap();
    // Old enough not to look like a log being written.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let (recs, report) = collect(&local::open(&InputSpec::Path(path)).unwrap());
    assert_eq!(recs.len(), 600);
    assert_eq!(report.lines, 600);
}

#[test]
fn stopping_early() {
    let text: String = (0..10).map(|i| ev(&format!("s{i}"), T0) + "\n").collect();
    let input = LocalInput::from_vec(Origin::new("x", "t"), text.into_bytes());
    let mut seen = 0;
    let report = input.scan(Depth::Table, |_| {
        seen += 1;
        if seen == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!((seen, report.events, report.stopped_early), (2, 2, true));
}

#[test]
fn expand_walks_folders_sorted_and_skips_hidden_entries() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for p in [
        "b.log",
        "a/z.log",
        "a/c/d.log.gz",
        ".hidden/x.log",
        "a/.swp",
    ] {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}").unwrap();
    }
    let specs =
        local::expand(&[root.to_path_buf(), PathBuf::from("-"), root.join("b.log")]).unwrap();
    let names: Vec<String> = specs
        .iter()
        .map(|s| match s {
            InputSpec::Path(p) => p.strip_prefix(root).unwrap().display().to_string(),
            other => other.name(),
        })
        .collect();
    assert_eq!(names, ["a/c/d.log.gz", "a/z.log", "b.log", "<stdin>"]);
    let twice = local::expand(&[PathBuf::from("-"), PathBuf::from("-")]);
    assert!(matches!(twice, Err(InputError::StdinTwice)));
    let missing = root.join("nope.log");
    let err = local::expand(std::slice::from_ref(&missing)).unwrap_err();
    assert!(
        err.to_string().contains("nope.log") && err.to_string().contains("check the path"),
        "{err}"
    );
    let err = local::open(&InputSpec::Path(missing)).unwrap_err();
    assert!(matches!(err, InputError::NotFound { .. }));
}

// ---- follow ----

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn poll(f: &mut Follower) -> (Vec<Rec>, ScanReport) {
    let mut out = Vec::new();
    let report = f
        .poll(Depth::Table, |r| {
            out.push(rec(r));
            ControlFlow::Continue(())
        })
        .unwrap();
    (out, report)
}

fn line(id: &str) -> String {
    ev(id, T0) + "\n"
}

#[test]
fn follow_reads_complete_lines_as_they_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, line("f1") + &line("f2")).unwrap();
    let mut f = Follower::open(&path, FollowStart::Beginning).unwrap();
    assert_eq!(ids(&poll(&mut f).0), ["f1", "f2"]);
    assert!(poll(&mut f).0.is_empty());
    let f4 = line("f4");
    let (head, tail) = f4.split_at(40);
    append(&path, &(line("f3") + head));
    let (recs, _) = poll(&mut f);
    assert_eq!(ids(&recs), ["f3"]);
    assert_eq!(recs[0].line, 3);
    // The partial line waits for its newline.
    assert!(poll(&mut f).0.is_empty());
    append(&path, tail);
    let (recs, report) = poll(&mut f);
    assert_eq!(ids(&recs), ["f4"]);
    assert_eq!(report.problem_count(), 0);
    // Lines and offsets are the file's, as a full scan gives them.
    let full = collect(&local::open(&InputSpec::Path(path.clone())).unwrap()).0;
    assert_eq!((recs[0].line, &recs[0].ptr), (full[3].line, &full[3].ptr));
}

#[test]
fn follow_from_the_end_skips_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let partial = line("e2");
    std::fs::write(&path, line("e1") + &partial[..30]).unwrap();
    let mut f = Follower::from_end(&path).unwrap();
    assert!(poll(&mut f).0.is_empty());
    append(&path, &(partial[30..].to_string() + &line("e3")));
    let (recs, _) = poll(&mut f);
    // The line that was being written is read whole.
    assert_eq!(ids(&recs), ["e2", "e3"]);
    assert_eq!(recs[0].line, 2);
}

#[test]
fn follow_survives_rotation_by_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, line("r1")).unwrap();
    let mut f = Follower::open(&path, FollowStart::Beginning).unwrap();
    assert_eq!(ids(&poll(&mut f).0), ["r1"]);
    // The writer adds a line, renames the file away, and starts a new one.
    append(&path, &line("r2"));
    let rotated = dir.path().join("audit-2026-11-02T08-15-31.123.log");
    std::fs::rename(&path, &rotated).unwrap();
    append(&rotated, &line("r3"));
    assert_eq!(ids(&poll(&mut f).0), ["r2", "r3"]);
    std::fs::write(&path, line("r4") + &line("r5")).unwrap();
    let (recs, _) = poll(&mut f);
    assert_eq!(ids(&recs), ["r4", "r5"]);
    assert_eq!(recs[0].line, 1);
    assert_eq!(recs[0].offset, 0);
    append(&path, &line("r6"));
    assert_eq!(ids(&poll(&mut f).0), ["r6"]);
}

#[test]
fn follow_survives_copytruncate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, line("t1") + &line("t2")).unwrap();
    let mut f = Follower::open(&path, FollowStart::Beginning).unwrap();
    assert_eq!(ids(&poll(&mut f).0), ["t1", "t2"]);
    // Truncated, then written less than before.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, &line("t3"));
    assert_eq!(ids(&poll(&mut f).0), ["t3"]);
    // Truncated, then written more than before before the next look.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, &(line("t4") + &line("t5") + &line("t6")));
    let (recs, _) = poll(&mut f);
    assert_eq!(ids(&recs), ["t4", "t5", "t6"]);
    assert_eq!(recs[0].line, 1);
    assert!(poll(&mut f).0.is_empty());
}

#[test]
fn follow_refuses_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log.gz");
    std::fs::write(&path, gz(line("g").as_bytes())).unwrap();
    let err = Follower::open(&path, FollowStart::Beginning).unwrap_err();
    assert!(matches!(err, InputError::FollowCompressed { .. }), "{err}");
}
