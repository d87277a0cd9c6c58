//! AKS diagnostic logs and SIEM-wrapped events, read into the one audit model: the fixtures in
//! `tests/fixtures/aks` hold the same six events as AKS records one per line (Event Hubs), as a
//! storage account's `{"records":[...]}`, as Log Analytics rows (`log_s`), wrapped by SIEMs, and
//! as EKS JSON lines; every reading must give the same answers.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kaudit::audit::Depth;
use kaudit::audit::formats::{Format, ProblemKind, ScanReport};
use kaudit::source::local::LocalInput;
use kaudit::store::EventStore;

use crate::support::records::{Rec, open_path, scan_path};
use crate::support::{kaudit, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/aks")
        .join(name)
}

const EKS: &str = "audit.eks.jsonl";
const EVENT_HUBS: &str = "kube-audit.eventhubs.jsonl";
const STORAGE: &str = "kube-audit.storage.json";
const LOG_ANALYTICS: &str = "kube-audit.log-analytics.json";
const WRAPPED: &str = "wrapped.jsonl";
const ALL: [&str; 5] = [EKS, EVENT_HUBS, STORAGE, LOG_ANALYTICS, WRAPPED];

fn open(name: &str) -> LocalInput {
    open_path(&fixture(name))
}

fn scan(name: &str) -> (Vec<Rec>, ScanReport) {
    scan_path(&fixture(name))
}

fn eks_lines() -> Vec<Vec<u8>> {
    std::fs::read(fixture(EKS))
        .unwrap()
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn every_aks_shape_gives_the_eks_events_byte_for_byte() {
    let eks = eks_lines();
    assert_eq!(eks.len(), 6);
    for (name, format) in [
        (EVENT_HUBS, Format::AksDiagnostic),
        (STORAGE, Format::AksDiagnostic),
        (LOG_ANALYTICS, Format::AksLogAnalytics),
    ] {
        let (recs, report) = scan(name);
        let messages: Vec<&[u8]> = recs.iter().map(|r| r.message.as_slice()).collect();
        assert_eq!(messages, eks, "{name}");
        assert_eq!(report.formats, [(format, 6)], "{name}");
        let data = std::fs::read(fixture(name)).unwrap();
        for r in &recs {
            // The record it came from, whole, where its `@ptr` says it starts.
            let at = r.offset as usize;
            assert_eq!(&data[at..at + r.original.len()], r.original, "{name}");
            let record: serde_json::Value = serde_json::from_slice(&r.original).unwrap();
            let log = record["properties"]["log"]
                .as_str()
                .or(record["log_s"].as_str())
                .unwrap();
            assert_eq!(log.as_bytes(), r.message, "{name}");
        }
    }
}

#[test]
fn bad_aks_records_are_reported_where_they_are() {
    let (recs, report) = scan(EVENT_HUBS);
    assert_eq!(recs.len(), 6);
    assert_eq!(
        recs.iter().map(|r| r.line).collect::<Vec<_>>(),
        [1, 2, 3, 5, 6, 8]
    );
    assert_eq!((report.malformed, report.not_audit), (2, 0));
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            // The event in `properties.log` is cut: the line, and the column where the string
            // starts; the column inside the unescaped event.
            "4:321: malformed: in `properties.log`, at its column 151: invalid JSON: the record \
             ends inside the event",
            // The record around the event is broken.
            "7:1267: malformed: invalid JSON: expected a JSON value",
        ]
    );
    let line4 = std::fs::read_to_string(fixture(EVENT_HUBS))
        .unwrap()
        .lines()
        .nth(3)
        .unwrap()
        .to_string();
    assert!(line4[320..].starts_with(r#""{\"kind\":\"Event\""#));
}

#[test]
fn siem_wrappers_are_unwrapped_and_the_wrapper_kept() {
    let (recs, report) = scan(WRAPPED);
    let eks = eks_lines();
    let events: Vec<serde_json::Value> = recs
        .iter()
        .map(|r| serde_json::from_slice(&r.message).unwrap())
        .collect();
    let want: Vec<serde_json::Value> = eks
        .iter()
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(events, want);
    // Panther's `log` around an AKS record is read as that record.
    let formats: Vec<Format> = recs.iter().map(|r| r.format).collect();
    use Format::{AksDiagnostic as Aks, Wrapped};
    assert_eq!(formats, [Wrapped, Aks, Wrapped, Wrapped, Wrapped, Wrapped]);
    let data = std::fs::read(fixture(WRAPPED)).unwrap();
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    for (r, line) in recs.iter().zip(&lines) {
        assert_eq!(r.original, *line);
        // An object member is handed out as it is in the input.
        if r.format == Wrapped {
            let at = line.windows(r.message.len()).position(|w| w == r.message);
            assert!(at.is_some(), "{}", String::from_utf8_lossy(&r.message));
        }
    }
    // A wrapper whose member is no event is said to be so, where it is.
    assert_eq!(
        report
            .problems
            .iter()
            .map(|p| (p.line, p.column, p.kind, p.message.as_str()))
            .collect::<Vec<_>>(),
        [(
            7,
            25,
            ProblemKind::NotAuditEvent,
            "in `log`: no `kind` and no `auditID`"
        )]
    );
}

#[test]
fn queries_over_aks_give_the_answers_of_the_same_events_as_eks_lines() {
    let queries = [
        "stats count(*) as n by user.username, verb, objectRef.resource | sort n desc, user.username asc, verb asc",
        "fields @timestamp, auditID, verb, responseStatus.code | sort @timestamp asc",
        "filter responseStatus.code = 403 | fields auditID, user.username, sourceIPs.0",
        "filter verb = \"create\" and objectRef.subresource = \"exec\" | fields auditID, requestURI",
        "filter user.username like /contoso/ | stats count(*) as n by objectRef.resource",
        "filter @message like \"db-password\" | fields auditID",
        "stats count(*) as n by bin(1m) as minute | sort minute asc",
        "filter `annotations.authorization.k8s.io/decision` = \"forbid\" | fields auditID",
    ];
    for query in queries {
        let mut answers = Vec::new();
        for name in ALL {
            let path = fixture(name);
            let out = kaudit(&["query", "-f", path.to_str().unwrap(), query, "-o", "json"]);
            assert!(out.status.success(), "{name}: {}", text(&out.stderr));
            let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            answers.push((name, rows));
        }
        let (_, eks) = &answers[0];
        assert!(
            eks.as_array().is_some_and(|rows| !rows.is_empty()),
            "{query}: {eks}"
        );
        for (name, rows) in &answers[1..] {
            assert_eq!(rows, eks, "{query} over {name}");
        }
    }
}

#[test]
fn the_console_store_events_and_formats_read_aks() {
    // The console's store: six events and the two bad records, as for EKS.
    let input = Arc::new(open(EVENT_HUBS));
    let mut store = EventStore::default();
    let report = store.load(input, 2, |_| {});
    assert_eq!((store.len(), report.malformed), (6, 2));
    let mut raws: Vec<Vec<u8>> = (0..6).map(|r| store.raw(r).to_vec()).collect();
    let mut eks = eks_lines();
    raws.sort();
    eks.sort();
    assert_eq!(raws, eks);

    let path = fixture(EVENT_HUBS);
    let path = path.to_str().unwrap();
    let out = kaudit(&["events", path, "-o", "jsonl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 6);

    let out = kaudit(&["formats", path]);
    let said = text(&out.stdout);
    assert!(
        said.starts_with(&format!(
            "{path}: 6 events (AKS diagnostic (kube-audit) 6); 2 malformed\n"
        )),
        "{said}"
    );
    assert!(
        said.contains("  4:321: malformed: in `properties.log`"),
        "{said}"
    );
}

#[test]
fn detections_and_printed_events_agree_over_every_shape() {
    let run = |args: &[&str], name: &str| {
        let path = fixture(name);
        let mut all = args.to_vec();
        all.extend(["-f", path.to_str().unwrap()]);
        let out = kaudit(&all);
        (out.status.code(), text(&out.stdout))
    };
    for args in [&["detect"][..], &["events", "-o", "jsonl"][..]] {
        let eks = run(args, EKS);
        assert!(eks.1.lines().count() > 5, "{args:?}: {}", eks.1);
        for name in &ALL[1..] {
            let got = run(args, name);
            if *name == WRAPPED && args[0] == "events" {
                // Its events are as the wrapper wrote them, with blanks: the same JSON.
                let values = |s: &str| -> Vec<serde_json::Value> {
                    s.lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect()
                };
                assert_eq!(got.0, eks.0);
                assert_eq!(values(&got.1), values(&eks.1));
            } else {
                assert_eq!(got, eks, "{args:?} over {name}");
            }
        }
    }
    let (code, detect) = run(&["detect"], STORAGE);
    assert_eq!(code, Some(3), "{detect}");
}

#[test]
fn the_store_keeps_each_record_and_an_export_writes_it_byte_for_byte() {
    for name in [EVENT_HUBS, STORAGE, LOG_ANALYTICS, WRAPPED, EKS] {
        let (recs, _) = scan(name);
        let mut store = EventStore::default();
        store.load(Arc::new(open(name)), 2, |_| {});
        assert_eq!(store.len(), recs.len(), "{name}");
        // Loaded: the record is found in the input again; pushed (a followed file): kept.
        let mut pushed = EventStore::default();
        open(name).scan(Depth::Table, |r| {
            pushed.push_record(r);
            ControlFlow::Continue(())
        });
        let rows: Vec<u32> = (0..store.len() as u32).collect();
        for s in [&store, &pushed] {
            let mut originals: Vec<&[u8]> = rows.iter().map(|r| s.original(*r)).collect();
            let mut want: Vec<&[u8]> = recs.iter().map(|r| r.original.as_slice()).collect();
            originals.sort();
            want.sort();
            assert_eq!(originals, want, "{name}");
            let mut raws: Vec<&[u8]> = rows.iter().map(|r| s.raw(*r)).collect();
            let mut events: Vec<&[u8]> = recs.iter().map(|r| r.message.as_slice()).collect();
            raws.sort();
            events.sort();
            assert_eq!(raws, events, "{name}");
        }
    }
    // An export of the AKS events is the Event Hubs records as Azure wrote them.
    let mut store = EventStore::default();
    store.load(Arc::new(open(EVENT_HUBS)), 1, |_| {});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let rows: Vec<u32> = (0..store.len() as u32).collect();
    kaudit::export::export(
        rows.iter().map(|r| store.original(*r)),
        &path,
        kaudit::export::ExportFormat::JsonLines,
        false,
    )
    .unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    let source = std::fs::read_to_string(fixture(EVENT_HUBS)).unwrap();
    let good: Vec<&str> = source
        .lines()
        .enumerate()
        .filter(|(i, _)| ![3, 6].contains(i))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(written.lines().collect::<Vec<_>>(), good);
}

/// `@source`, `@cluster` and `@account` say where each record says its event was written: in
/// queries and as the console's facets.
#[test]
fn where_an_event_was_written_is_a_field_and_a_facet() {
    use kaudit::store::Facet;
    let dir = tempfile::tempdir().unwrap();
    // An EKS stream's file, as CloudWatch exports name it.
    let stream = dir.path().join("kube-apiserver-audit-0a1b2c.log");
    std::fs::copy(fixture(EKS), &stream).unwrap();
    let query = "stats count(*) as n by @source, @cluster, @account | sort @source";
    let rows = |path: &Path| -> Vec<String> {
        let out = kaudit(&["query", path.to_str().unwrap(), query, "-o", "jsonl"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).lines().map(str::to_string).collect()
    };
    let aks = r#"{"@source":"aks","@cluster":"AKS-PROD","@account":"0F3C1A2B-0000-4000-8000-0000000000AA","n":6}"#;
    assert_eq!(rows(&fixture(STORAGE)), [aks]);
    assert_eq!(rows(&fixture(LOG_ANALYTICS)), [aks]);
    // A plain event names no service; a file named as an EKS stream is EKS's.
    assert_eq!(
        rows(&fixture(EKS)),
        [r#"{"@source":"k8s","@cluster":null,"@account":null,"n":6}"#]
    );
    assert_eq!(
        rows(&stream),
        [r#"{"@source":"eks","@cluster":null,"@account":null,"n":6}"#]
    );
    // Panther says which log type it wrapped; the other wrappers do not.
    let wrapped = rows(&fixture(WRAPPED));
    assert_eq!(
        wrapped,
        [
            r#"{"@source":"aks","@cluster":"AKS-PROD","@account":"0F3C1A2B-0000-4000-8000-0000000000AA","n":1}"#,
            r#"{"@source":"eks","@cluster":null,"@account":null,"n":1}"#,
            r#"{"@source":"k8s","@cluster":null,"@account":null,"n":4}"#,
        ]
    );

    // A GKE entry's resource labels name its cluster and project.
    let gke = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gke/entries.gcloud.json");
    assert_eq!(
        rows(&gke),
        [r#"{"@source":"gke","@cluster":"prod-eu","@account":"acme-prod","n":6}"#]
    );

    let mut store = EventStore::default();
    for name in [STORAGE, EKS] {
        store.load(Arc::new(open(name)), 1, |_| {});
    }
    let all: Vec<u32> = (0..store.len() as u32).collect();
    let sources = store.facet_counts(&all, Facet::Source, 5).values;
    assert_eq!(sources, [("aks".to_string(), 6), ("k8s".to_string(), 6)]);
    let clusters = store.facet_counts(&all, Facet::Cluster, 5);
    assert_eq!(clusters.values, [("AKS-PROD".to_string(), 6)]);
    assert_eq!(clusters.missing, 6);

    // CloudWatch does not have them: said before anything is sent.
    let out = kaudit(&[
        "query",
        "--cluster",
        "prod",
        "--region",
        "us-east-1",
        "stats count(*) by @cluster",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("`@cluster` is kaudit's own field"), "{err}");
}

/// A large file of AKS records, one a line (as Event Hubs delivers them), is cut into parts and
/// read on several threads, each event once and in order, as a file of events is.
#[test]
fn a_large_file_of_aks_records_is_read_in_parts_as_events_are() {
    let text = std::fs::read_to_string(fixture(EVENT_HUBS)).unwrap();
    let good: Vec<&str> = text
        .lines()
        .filter(|l| kaudit::audit::formats::is_aks_record(l.as_bytes()))
        .collect();
    assert_eq!(good.len(), 6, "the fixture's whole records");
    crate::support::parts::read_in_parts_as_whole(&good, Format::AksDiagnostic);
}
