//! GKE Cloud Audit `LogEntry` records read into the one audit model: the fixtures in
//! `tests/fixtures/gke` hold the same six entries as `gcloud logging read --format=json` writes
//! them (a pretty-printed array), as JSON lines (with a cut line), and as `--format=yaml`
//! documents (with a broken one). Every reading gives the same events, each the one its entry
//! says when serde_json reads the entry apart from kaudit.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kaudit::audit::Depth;
use kaudit::audit::formats::{Format, ProblemKind, ScanReport};
use kaudit::store::EventStore;
use serde_json::{Value, json};

use crate::support::records::{Rec, open_path, scan_path};
use crate::support::{kaudit, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gke")
        .join(name)
}

const ARRAY: &str = "entries.gcloud.json";
const LINES: &str = "entries.jsonl";
const YAML: &str = "entries.yaml";
const ALL: [&str; 3] = [ARRAY, LINES, YAML];

fn scan(name: &str) -> (Vec<Rec>, ScanReport) {
    scan_path(&fixture(name))
}

/// The entries, read by serde_json from the array.
fn entries() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(ARRAY)).unwrap();
    let entries: Value = serde_json::from_str(&text).unwrap();
    entries.as_array().unwrap().clone()
}

fn event(r: &Rec) -> Value {
    serde_json::from_slice(&r.message).unwrap()
}

#[test]
fn every_gke_shape_gives_the_same_events_and_keeps_each_entry_byte_for_byte() {
    let entries = entries();
    assert_eq!(entries.len(), 6);
    let (array, _) = scan(ARRAY);
    let want: Vec<Value> = array.iter().map(event).collect();
    assert_eq!(want.len(), 6);
    for name in ALL {
        let (recs, report) = scan(name);
        assert_eq!(report.formats, [(Format::GkeCloudAudit, 6)], "{name}");
        assert_eq!(recs.iter().map(event).collect::<Vec<_>>(), want, "{name}");
        let data = std::fs::read(fixture(name)).unwrap();
        for (r, entry) in recs.iter().zip(&entries) {
            assert_eq!(r.format, Format::GkeCloudAudit);
            // The record, whole, where its `@ptr` says it starts.
            let at = r.offset as usize;
            assert_eq!(&data[at..at + r.original.len()], r.original, "{name}");
            if name != YAML {
                let record: Value = serde_json::from_slice(&r.original).unwrap();
                assert_eq!(&record, entry, "{name}");
            }
        }
    }
    // The YAML records are its documents, found by splitting at `---` lines here.
    let yaml = std::fs::read_to_string(fixture(YAML)).unwrap();
    let docs: Vec<&str> = yaml
        .split("---\n")
        .map(str::trim_end)
        .filter(|d| !d.starts_with("insertId: e99"))
        .collect();
    let (recs, _) = scan(YAML);
    let originals: Vec<&str> = recs
        .iter()
        .map(|r| std::str::from_utf8(&r.original).unwrap())
        .collect();
    assert_eq!(originals, docs);
}

/// `2026-11-02T08:15:31.123456789Z` as the API server writes times: six digits of fraction.
fn micro_time(t: &str) -> String {
    let t = t.trim_end_matches('Z');
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    format!("{secs}.{:0<6.6}Z", frac)
}

#[test]
fn each_event_is_what_its_entry_says_read_apart_with_serde() {
    let (recs, _) = scan(LINES);
    let entries = entries();
    assert_eq!(recs.len(), entries.len());
    for (r, entry) in recs.iter().zip(&entries) {
        let ev = event(r);
        let p = &entry["protoPayload"];
        let method = p["methodName"].as_str().unwrap();
        let id = &entry["insertId"];
        assert_eq!(ev["kind"], "Event", "{id}");
        assert_eq!(ev["apiVersion"], "audit.k8s.io/v1", "{id}");
        assert_eq!(ev["verb"], method.rsplit('.').next().unwrap(), "{id}");
        assert_eq!(ev["auditID"], entry["operation"]["id"], "{id}");
        let stage = if entry["operation"]["last"] == true {
            "ResponseComplete"
        } else {
            "ResponseStarted"
        };
        assert_eq!(ev["stage"], stage, "{id}");
        let auth = &p["authenticationInfo"];
        match auth["serviceAccountDelegationInfo"][0]["firstPartyPrincipal"]["principalEmail"]
            .as_str()
        {
            Some(by) => {
                assert_eq!(ev["user"]["username"], by, "{id}");
                assert_eq!(
                    ev["impersonatedUser"]["username"], auth["principalEmail"],
                    "{id}"
                );
            }
            None => {
                assert_eq!(ev["user"]["username"], auth["principalEmail"], "{id}");
                assert_eq!(ev.get("impersonatedUser"), None, "{id}");
            }
        }
        let meta = &p["requestMetadata"];
        assert_eq!(ev["sourceIPs"], json!([meta["callerIp"]]), "{id}");
        assert_eq!(ev["userAgent"], meta["callerSuppliedUserAgent"], "{id}");
        // resourceName: `group/version[/namespaces/NS]/resource[/name[/subresource]]`.
        let segs: Vec<&str> = p["resourceName"].as_str().unwrap().split('/').collect();
        let namespaced = segs[2] == "namespaces" && segs.len() > 4;
        let rest = if namespaced { &segs[4..] } else { &segs[2..] };
        let obj = &ev["objectRef"];
        assert_eq!(obj["resource"], rest[0], "{id}");
        assert_eq!(obj["name"].as_str(), rest.get(1).copied(), "{id}");
        assert_eq!(obj["subresource"].as_str(), rest.get(2).copied(), "{id}");
        assert_eq!(
            obj["namespace"].as_str(),
            namespaced.then_some(segs[3]),
            "{id}"
        );
        assert_eq!(obj["apiVersion"], segs[1], "{id}");
        let group = (segs[0] != "core").then_some(segs[0]);
        assert_eq!(obj["apiGroup"].as_str(), group, "{id}");
        // gRPC codes as HTTP: OK, NOT_FOUND and PERMISSION_DENIED are in the fixtures.
        let code = p["status"]["code"].as_i64().map(|c| match c {
            0 => 200,
            5 => 404,
            7 => 403,
            other => panic!("a code the fixtures do not use: {other}"),
        });
        assert_eq!(ev["responseStatus"]["code"].as_i64(), code, "{id}");
        if let Some(message) = p["status"]["message"].as_str() {
            assert_eq!(ev["responseStatus"]["message"], message, "{id}");
        }
        assert_eq!(ev["requestObject"], p["request"], "{id}");
        assert_eq!(ev["responseObject"], p["response"], "{id}");
        let time = micro_time(entry["timestamp"].as_str().unwrap());
        assert_eq!(ev["requestReceivedTimestamp"], time, "{id}");
        assert_eq!(ev["stageTimestamp"], time, "{id}");
        // The entry's labels, then its resource's, as annotations.
        let mut annotations = entry["labels"].as_object().unwrap().clone();
        for (k, v) in entry["resource"]["labels"].as_object().unwrap() {
            annotations.insert(k.clone(), v.clone());
        }
        assert_eq!(ev["annotations"], Value::Object(annotations), "{id}");
    }
}

#[test]
fn bad_gke_records_are_reported_where_they_are() {
    // JSON lines: the fourth line is cut; the others are read.
    let (recs, report) = scan(LINES);
    assert_eq!(
        recs.iter().map(|r| r.line).collect::<Vec<_>>(),
        [1, 2, 3, 5, 6, 7]
    );
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["4:401: malformed: the record ends before any audit field could be read"]
    );
    let line4 = std::fs::read_to_string(fixture(LINES))
        .unwrap()
        .lines()
        .nth(3)
        .unwrap()
        .chars()
        .count();
    assert_eq!(line4, 400);

    // YAML: the third document is broken; the ones after it are read.
    let (recs, report) = scan(YAML);
    let yaml = std::fs::read_to_string(fixture(YAML)).unwrap();
    let starts: Vec<u64> = yaml
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("insertId: ") && !l.contains("e99"))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert_eq!(recs.iter().map(|r| r.line).collect::<Vec<_>>(), starts);
    assert_eq!((report.malformed, report.not_audit), (1, 0));
    let p = &report.problems[0];
    assert_eq!(p.kind, ProblemKind::Malformed);
    // The unclosed `[` on the line before leaves the next key's `:` where none may be.
    let bad_line = yaml.lines().nth(p.line as usize - 2).unwrap();
    assert_eq!(bad_line, "  resourceName: [core/v1/namespaces/x/pods/y");
    assert_eq!(
        p.to_string(),
        format!(
            "{}:14: malformed: invalid YAML: illegal placement of ':' indicator (the document is \
             not read)",
            p.line
        )
    );

    // `kaudit formats` says so.
    let path = fixture(YAML);
    let path = path.to_str().unwrap();
    let out = kaudit(&["formats", path]);
    let said = text(&out.stdout);
    assert!(
        said.starts_with(&format!(
            "{path}: 6 events (GKE Cloud Audit LogEntry 6); 1 malformed\n  {}:14: malformed: \
             invalid YAML",
            p.line
        )),
        "{said}"
    );
    let out = kaudit(&["formats", path, "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report.to_string().contains("\"gke-cloud-audit\""),
        "{report}"
    );
}

fn query(name: &str, q: &str) -> Value {
    let path = fixture(name);
    let out = kaudit(&["query", "-f", path.to_str().unwrap(), q, "-o", "json"]);
    assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn queries_and_detections_run_unchanged_over_gke() {
    let cases = [
        (
            "filter verb = \"create\" and objectRef.subresource = \"exec\" | fields auditID, \
             user.username, requestURI, `requestObject.command.2`",
            json!([{
                "auditID": "e01-5b1c-4d2e-9f00-000000000001",
                "user.username": "alice@acme.example",
                "requestURI": "/api/v1/namespaces/payments/pods/api-7d9f8-x2x9q/exec",
                "requestObject.command.2": "cat /var/run/secrets/kubernetes.io/serviceaccount/token"
            }]),
        ),
        (
            "stats count(*) as n by user.username | sort n desc, user.username asc",
            json!([
                {"user.username": "alice@acme.example", "n": 4},
                {"user.username": "mallory@acme.example", "n": 1},
                {"user.username": "system:serviceaccount:payments:api", "n": 1}
            ]),
        ),
        (
            "filter responseStatus.code >= 400 | fields auditID, responseStatus.code, \
             `annotations.authorization.k8s.io/decision` as decision | sort @timestamp asc",
            json!([
                {"auditID": "e03-5b1c-4d2e-9f00-000000000003", "responseStatus.code": 403, "decision": "forbid"},
                {"auditID": "e06-5b1c-4d2e-9f00-000000000006", "responseStatus.code": 404, "decision": "allow"}
            ]),
        ),
        (
            "filter requestURI like \"/apis/rbac.authorization.k8s.io/\" | fields \
             objectRef.apiGroup, objectRef.name, `annotations.cluster_name` as cluster",
            json!([{
                "objectRef.apiGroup": "rbac.authorization.k8s.io",
                "objectRef.name": "backup-admin",
                "cluster": "prod-eu"
            }]),
        ),
        (
            "filter ispresent(impersonatedUser.username) | fields user.username, \
             impersonatedUser.username, @timestamp",
            json!([{
                "user.username": "mallory@acme.example",
                "impersonatedUser.username": "deployer@acme-prod.iam.gserviceaccount.com",
                "@timestamp": "2026-11-02 08:18:10.000"
            }]),
        ),
        // Where each entry was written: its cluster, project and location.
        (
            "stats count(*) as n by @source, @cluster, @account, @region",
            json!([{
                "@source": "gke",
                "@cluster": "prod-eu",
                "@account": "acme-prod",
                "@region": "europe-west1",
                "n": 6
            }]),
        ),
        // Words of the event that its entry does not hold (the HTTP code, the stage): a query's
        // prefilter must not pass over the entry for lacking them.
        (
            "filter responseStatus.code = 403 | fields auditID",
            json!([{"auditID": "e03-5b1c-4d2e-9f00-000000000003"}]),
        ),
        (
            "filter stage = \"ResponseStarted\" | fields auditID",
            json!([{"auditID": "e05-5b1c-4d2e-9f00-000000000005"}]),
        ),
    ];
    for (q, want) in &cases {
        for name in ALL {
            assert_eq!(&query(name, q), want, "{q} over {name}");
        }
    }
    // The detections find what the entries did.
    for name in ALL {
        let path = fixture(name);
        let out = kaudit(&["detect", "-f", path.to_str().unwrap(), "-o", "json"]);
        let found: Value = serde_json::from_slice(&out.stdout).unwrap();
        let fired: Vec<(String, Vec<String>)> = found
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["hits"].as_u64() > Some(0))
            .map(|d| {
                let ids = d["auditIDs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
                    .collect();
                (d["name"].as_str().unwrap().to_string(), ids)
            })
            .collect();
        for (detection, id) in [
            ("cluster-admin-bound", "e02"),
            ("crypto-mining-image", "e04"),
            ("service-account-token-read", "e01"),
        ] {
            assert!(
                fired
                    .iter()
                    .any(|(d, ids)| d == detection && ids.iter().any(|i| i.starts_with(id))),
                "{detection} over {name}: {fired:?}"
            );
        }
    }
}

#[test]
fn the_store_keeps_each_gke_record_byte_for_byte() {
    for name in ALL {
        let (recs, _) = scan(name);
        let mut store = EventStore::default();
        store.load(Arc::new(open_path(&fixture(name))), 2, |_| {});
        assert_eq!(store.len(), recs.len(), "{name}");
        // Loaded: the record is found in the input again; pushed (a followed file): kept.
        let mut pushed = EventStore::default();
        open_path(&fixture(name)).scan(Depth::Table, |r| {
            pushed.push_record(r);
            ControlFlow::Continue(())
        });
        let rows: Vec<u32> = (0..store.len() as u32).collect();
        for s in [&store, &pushed] {
            let as_text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let mut originals: Vec<String> = rows.iter().map(|r| as_text(s.original(*r))).collect();
            let mut want: Vec<String> = recs.iter().map(|r| as_text(&r.original)).collect();
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
}

#[test]
fn an_export_writes_each_entry_as_read() {
    for name in ALL {
        let (recs, _) = scan(name);
        let mut store = EventStore::default();
        store.load(Arc::new(open_path(&fixture(name))), 1, |_| {});
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let rows: Vec<u32> = (0..store.len() as u32).collect();
        let summary = kaudit::export::export(
            rows.iter().map(|r| store.original(*r)),
            &path,
            kaudit::export::ExportFormat::JsonLines,
            false,
        )
        .unwrap();
        assert_eq!((summary.events, summary.truncated), (6, 0), "{name}");
        let written = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for (line, r) in lines.iter().zip(&recs) {
            if name == YAML {
                // YAML is no JSON: its text, whole, in a string.
                assert_eq!(line["kaudit.yaml"], true);
                assert_eq!(line["text"].as_str().unwrap().as_bytes(), r.original);
            } else {
                assert_eq!(line, &serde_json::from_slice::<Value>(&r.original).unwrap());
            }
        }
    }
}

#[test]
fn corpus_gke_entries_decode_as_serde_reads_them() {
    let Some(corpus) = crate::support::corpus_dir("formats_gke") else {
        return;
    };
    // Panther's GKE test records, in their `log`: the user and verb each says.
    let path = corpus.join("panther/derived/panther_tests.jsonl");
    let (recs, _) = scan_path(&path);
    let gke: Vec<&Rec> = recs
        .iter()
        .filter(|r| r.format == Format::GkeCloudAudit)
        .collect();
    let text = std::fs::read_to_string(&path).unwrap();
    let logs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["log"].clone())
        .filter(|log| {
            log["protoPayload"]["methodName"]
                .as_str()
                .is_some_and(|m| m.starts_with("io.k8s."))
        })
        .collect();
    assert_eq!((gke.len(), logs.len()), (51, 51));
    for (r, log) in gke.iter().zip(&logs) {
        let ev = event(r);
        let record: Value = serde_json::from_slice(&r.original).unwrap();
        assert_eq!(&record["log"], log);
        let p = &log["protoPayload"];
        let method = p["methodName"].as_str().unwrap();
        let verb = method.rsplit('.').next().unwrap();
        if method.matches('.').count() > 3 {
            assert_eq!(ev["verb"], verb, "{method}");
        }
        let auth = &p["authenticationInfo"];
        let user = auth["principalEmail"]
            .as_str()
            .or(auth["authoritySelector"].as_str());
        assert_eq!(ev["user"]["username"].as_str(), user, "{method}");
        let ip = p["requestMetadata"]["callerIp"]
            .as_str()
            .or(p["requestMetadata"]["callerIP"].as_str());
        assert_eq!(ev["sourceIPs"][0].as_str(), ip, "{method}");
        assert_eq!(ev["requestObject"], p["request"], "{method}");
    }

    // KHI's entries, as YAML and as the JSON lines derived from them: the same events.
    let dir = corpus.join("khi-gke");
    let mut from_yaml = Vec::new();
    for n in 1..=3 {
        let (recs, report) = scan_path(&dir.join(format!("container_recorder_test_1_{n}.yaml")));
        assert_eq!((recs.len(), report.problem_count()), (1, 0));
        from_yaml.push(event(&recs[0]));
    }
    let (recs, _) = scan_path(&dir.join("derived/khi_gke_k8s_audit.jsonl"));
    let from_lines: Vec<Value> = recs.iter().map(event).collect();
    assert_eq!(from_yaml, from_lines);
    assert_eq!(from_lines[0]["verb"], "create");
    assert_eq!(
        from_lines[0]["objectRef"]["namespace"],
        "1-2-deployment-update"
    );
    assert_eq!(from_lines[1]["objectRef"]["subresource"], "status");
    assert_eq!(
        from_lines[1]["annotations"]["cluster_name"],
        "sample-cluster"
    );
}

#[test]
fn a_large_file_of_entries_is_read_in_parts_as_events_are() {
    let text = std::fs::read_to_string(fixture(LINES)).unwrap();
    let good: Vec<&str> = text.lines().filter(|l| l.ends_with('}')).collect();
    crate::support::parts::read_in_parts_as_whole(&good, Format::GkeCloudAudit);
}
