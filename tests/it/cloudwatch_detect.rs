//! `kaudit detect` over CloudWatch asks the detections that only keep events in one shared
//! Logs Insights query per batch, the OR of their filters, and tells the events of the answer
//! apart itself, with the plans that read local files: the range is scanned, and billed, once
//! per batch instead of once per detection, and the findings are those of each detection run
//! alone. Through the real binary and the real SDK, against moto's server behind the project's
//! loopback server, which counts every StartQuery.
//!
//! moto evaluates no filter (it answers a Logs Insights query with every event of the range),
//! so every event comes back and kaudit's own classification is what is compared: with
//! `kaudit detect` over the same events written to a file. The loopback server's scripted
//! queries answer the rest: AWS's times on each row, a dense second past the row cap.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use kaudit::audit::time::TimeRange;
use kaudit::catalog::{Catalog, Severity};
use kaudit::engine::cloud::{CloudRange, DetectPlan, MAX_QUERY_LEN, detect_planned};
use kaudit::engine::local::{LocalInput, detect};
use kaudit::engine::{Detection, Event, Finding, Report};
use kaudit::source::cloudwatch::SdkLogs;
use kaudit::source::demo::{DemoConfig, demo_bytes};
use kaudit::source::local::path_origin;

use crate::support::child;
use crate::support::cloud_server::{CloudServer, Event as Scripted, Script};
use crate::support::moto::{self, Moto};
use crate::support::now_ms;

const GROUP: &str = "/aws/eks/prod/cluster";
const STREAM: &str = "kube-apiserver-audit-1a2b";

fn library() -> Vec<Detection> {
    Detection::all_of(&Catalog::load(None))
}

/// `line` with its `stageTimestamp` (the time it is read at, here and in CloudWatch) at `ms`.
fn retime(line: &str, ms: i64) -> String {
    let at = jiff::Timestamp::from_millisecond(ms)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    const KEY: &str = "\"stageTimestamp\":\"";
    match line.find(KEY) {
        Some(start) => {
            let value = start + KEY.len();
            let end = value + line[value..].find('"').unwrap();
            format!("{}{at}{}", &line[..value], &line[end..])
        }
        None => {
            let close = line.rfind('}').unwrap();
            format!("{},{KEY}{at}\"}}", &line[..close])
        }
    }
}

/// The demo incident's events and every detection fixture (hits and near misses of most
/// detections), one a second from `first_ms` on, each at its own millisecond: `(time, line)`.
fn events(first_ms: i64) -> Vec<(i64, String)> {
    let demo = String::from_utf8(demo_bytes(&DemoConfig {
        events: 1_500,
        seed: 3,
    }))
    .unwrap();
    let mut fixtures = Vec::new();
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/detections");
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        fixtures.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
    }
    let mut lines: Vec<String> = demo.lines().map(str::to_string).collect();
    for (k, line) in fixtures.into_iter().enumerate() {
        lines.insert((k * 19).min(lines.len()), line);
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let ms = first_ms + i as i64 * 1000 + (i as i64 % 997);
            (ms, retime(line, ms))
        })
        .collect()
}

/// `kaudit detect -o json` with `args`, its findings and stderr.
fn kaudit_detect(config: &std::path::Path, args: &[&str]) -> (Vec<serde_json::Value>, String) {
    let out = child::output(
        moto::kaudit_command()
            .arg("detect")
            .args(args)
            .args(["-o", "json"])
            .env("XDG_CONFIG_HOME", config),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 3)), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// Detection by detection, hit by hit: fails naming the first that differs.
fn same_findings(cloud: &[serde_json::Value], local: &[serde_json::Value]) {
    assert_eq!(cloud.len(), local.len());
    for (c, l) in cloud.iter().zip(local) {
        assert_eq!(c["name"], l["name"]);
        let (c_ids, l_ids) = (
            c["auditIDs"].as_array().unwrap(),
            l["auditIDs"].as_array().unwrap(),
        );
        if let Some(k) = c_ids.iter().zip(l_ids).position(|(a, b)| a != b) {
            panic!(
                "{}: hit {k} is {} in CloudWatch, {} in the file",
                l["name"], c_ids[k], l_ids[k]
            );
        }
        assert_eq!(c, l, "{}", l["name"]);
    }
}

#[test]
fn kaudit_detect_asks_the_library_in_one_query_per_batch_and_finds_what_each_finds_alone() {
    let moto = Moto::start();
    let first_ms = (now_ms() / 1000 - 3 * 3600) * 1000;
    let events = events(first_ms);
    moto::seed(&moto.url(), GROUP, STREAM, &events);
    let server = CloudServer::start(&moto.url());
    let config = tempfile::tempdir().unwrap();
    let file = config.path().join("events.jsonl");
    let lines: Vec<&str> = events.iter().map(|(_, l)| l.as_str()).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let (local, _) = kaudit_detect(config.path(), &[file.to_str().unwrap()]);
    let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
    let last_ms = events.last().unwrap().0;
    let url = server.url();
    let (cloud, stderr) = kaudit_detect(
        config.path(),
        &[
            "--log-group",
            GROUP,
            "--endpoint-url",
            &url,
            "--start",
            &at(first_ms - 60_000),
            "--end",
            &at(last_ms + 60_000),
        ],
    );
    // One StartQuery per batch (before: one per detection, 37 for the library of 37).
    let detections = library();
    let plan = DetectPlan::new(&detections, MAX_QUERY_LEN).unwrap();
    let started = server.calls().iter().filter(|c| *c == "StartQuery").count();
    assert_eq!(started, plan.queries(), "{stderr}");
    assert!(
        started * 8 <= detections.len(),
        "{started} queries for {} detections",
        detections.len()
    );
    let cost = format!(
        "CloudWatch: {} detections in {started} queries ({started} shared, 0 alone)",
        detections.len()
    );
    assert!(stderr.contains(&cost), "{stderr}");
    // moto answered every query with every event: each was told apart here, and the findings
    // are the file's, detection by detection and hit by hit, in the same order.
    same_findings(&cloud, &local);
    let fired = local.iter().filter(|f| f["hits"] != 0).count();
    let hits: u64 = local.iter().map(|f| f["hits"].as_u64().unwrap()).sum();
    assert!(fired >= 20 && hits >= 60, "{fired} fired, {hits} hits");
    assert!(cloud.iter().all(|f| f["complete"] == true));
}

/// The loopback server answering every query with `events` (AWS's times, `@ptr`s of its own),
/// at most 10,000 rows each.
fn scripted(moto: &Moto, events: &[(i64, String)]) -> CloudServer {
    let server = CloudServer::start(&moto.url());
    server.with(|s| {
        s.script = Some(Script {
            events: events
                .iter()
                .enumerate()
                .map(|(i, (ms, line))| Scripted {
                    time_ms: *ms,
                    ptr: format!("ptr-{i}"),
                    message: line.clone(),
                })
                .collect(),
            cap: 10_000,
            running_polls: 1,
            ends: None,
        });
    });
    server
}

/// The detections run through the library over the scripted server, as `plan` says: the
/// findings, the run's counts, and the progress told.
fn run_planned(
    server: &CloudServer,
    detections: &[Detection],
    plan: &DetectPlan,
    range: (i64, i64),
    max_rows: usize,
) -> (kaudit::engine::cloud::CloudDetected, Vec<(usize, usize)>) {
    let told = Arc::new(Mutex::new(Vec::new()));
    let report = {
        let told = told.clone();
        Report::new(move |e| {
            if let Event::Detected { done, of } = e {
                told.lock().unwrap().push((done, of));
            }
            true
        })
    };
    let logs = SdkLogs::from_client(moto::client(&server.url()));
    let groups = [GROUP.to_string()];
    let range = CloudRange {
        groups: &groups,
        start_ms: range.0,
        end_ms: range.1,
        max_rows,
    };
    let cancel = AtomicBool::new(false);
    let detected = moto::rt()
        .block_on(detect_planned(
            &logs, detections, plan, &range, &report, &cancel,
        ))
        .unwrap();
    let told = told.lock().unwrap().clone();
    (detected, told)
}

/// 2026-11-02T08:00:00Z in ms.
const T0_MS: i64 = 1_793_606_400_000;

fn local_findings(detections: &[Detection], events: &[(i64, String)]) -> Vec<Finding> {
    let lines: Vec<&str> = events.iter().map(|(_, l)| l.as_str()).collect();
    let input = LocalInput::from_vec(
        path_origin("events.jsonl".as_ref()),
        (lines.join("\n") + "\n").into_bytes(),
    );
    detect(detections, &[input], TimeRange::default())
        .unwrap()
        .0
}

#[test]
fn batches_under_a_small_limit_and_a_threshold_alone_find_the_same() {
    let moto = Moto::start();
    let events = events(T0_MS);
    let server = scripted(&moto, &events);
    let mut detections = library();
    detections.push(Detection {
        name: "denied-burst".into(),
        text: "filter responseStatus.code in [401, 403]\n| stats count(*) as denied by user.username, bin(1m)\n| filter denied > 20".into(),
        severity: Severity::Medium,
        description: String::new(),
    });
    let range = (T0_MS, events.last().unwrap().0 + 1);
    let limit = 2_500;
    let plan = DetectPlan::new(&detections, limit).unwrap();
    let batches = plan.batches().count();
    assert!(batches >= 6, "{batches} batches");
    assert_eq!(plan.alone().len(), 1);
    let (detected, told) = run_planned(&server, &detections, &plan, range, 10_000);

    // One StartQuery per batch, and one for the threshold, each within the limit.
    let texts = server.with(|s| s.texts.clone());
    assert_eq!(texts.len(), batches + 1);
    assert_eq!(detected.started, batches + 1);
    assert!(texts.iter().all(|t| t.len() <= limit));
    assert_eq!(texts.iter().filter(|t| t.contains("stats")).count(), 1);
    // Every shared answer held every event (the script evaluates no filter), each told apart.
    assert_eq!(detected.classified, events.len() * batches);
    assert_eq!((detected.batches, detected.alone), (batches, 1));
    // Progress counts the detections answered, to all of them.
    assert!(told.windows(2).all(|w| w[0].0 < w[1].0), "{told:?}");
    assert_eq!(told.last(), Some(&(detections.len(), detections.len())));

    // The findings are those of the events read from a file: the library's detections, hit by
    // hit; and the same with the library in its two batches.
    let library = &detections[..detections.len() - 1];
    let local = local_findings(library, &events);
    assert_eq!(&detected.findings[..library.len()], &local[..]);
    let roomy = DetectPlan::new(library, MAX_QUERY_LEN).unwrap();
    let (whole, _) = run_planned(&server, library, &roomy, range, 10_000);
    assert_eq!(whole.findings, local);
    assert!(local.iter().filter(|f| f.hits > 0).count() >= 20);
}

/// A person reading secrets one after the other: `secrets-read-by-users` hits.
fn secret_read(i: usize) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"s-{i:05}","stage":"ResponseComplete","verb":"get","user":{{"username":"alice"}},"objectRef":{{"resource":"secrets","namespace":"web","name":"s{i}"}},"responseStatus":{{"code":200}},"stageTimestamp":"2026-11-02T08:00:00.000000Z"}}"#
    )
}

#[test]
fn a_finding_is_incomplete_only_when_its_hits_may_be_short() {
    let moto = Moto::start();
    let detections = library();
    let plan = DetectPlan::new(&detections, MAX_QUERY_LEN).unwrap();
    let reader = detections
        .iter()
        .position(|d| d.name == "secrets-read-by-users")
        .unwrap();
    let batch_of = |i: usize| plan.batches().position(|b| b.members.contains(&i)).unwrap();
    // 30 reads, a second apart, then a pod and the aws-auth ConfigMap changed.
    let mut lines: Vec<String> = (0..30).map(secret_read).collect();
    for fixture in ["privileged-pod-created", "aws-auth-modified"] {
        let path = format!(
            "{}/tests/fixtures/detections/{fixture}.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        lines.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
    }
    let events: Vec<(i64, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let ms = T0_MS + i as i64 * 1000;
            (ms, retime(line, ms))
        })
        .collect();
    let range = (T0_MS, events.last().unwrap().0 + 1);
    let server = scripted(&moto, &events);

    // At most `cap` hits a detection: the reader's 30 are cut to the newest `cap`, and said to
    // be; every other detection's answer is whole, as it is alone. A batch asks for `cap` rows a
    // member, and the scripted server answers every event of the range to any query: `cap` is
    // the least at which the smallest batch's answer still holds them all, whichever detections
    // share a batch.
    let local = local_findings(&detections, &events);
    let fewest = plan.batches().map(|b| b.members.len()).min().unwrap();
    let cap = events.len().div_ceil(fewest).max(10);
    assert!(cap < 30, "the reader must be cut: {cap} a detection");
    let (detected, _) = run_planned(&server, &detections, &plan, range, cap);
    let mut others = 0;
    for ((found, alone), d) in detected.findings.iter().zip(&local).zip(&detections) {
        if d.name == "secrets-read-by-users" {
            assert_eq!((alone.hits, found.hits, found.complete), (30, cap, false));
            assert_eq!(found.refs[..], alone.refs[..cap]);
        } else {
            assert_eq!(found, alone, "{}", d.name);
            others += found.hits;
        }
    }
    assert!(others >= 4, "{others} other hits");

    // 12,000 reads in one second: the shared query finds the cap there and cannot cut it. Its
    // detections may lack hits; those of the other batch, which finds nothing, are whole.
    let dense: Vec<(i64, String)> = (0..12_000)
        .map(|i| {
            let ms = T0_MS + 500;
            (ms, retime(&secret_read(i), ms))
        })
        .collect();
    let server = scripted(&moto, &dense);
    let only = plan.batches().nth(batch_of(reader)).unwrap().text.clone();
    server.with(|s| s.only_texts_with = Some(only));
    let (detected, _) = run_planned(&server, &detections, &plan, (T0_MS, T0_MS + 1_000), 100_000);
    for (i, f) in detected.findings.iter().enumerate() {
        assert_eq!(f.complete, batch_of(i) != batch_of(reader), "{}", f.name);
    }
    assert!(detected.findings[reader].hits >= 10_000);
}
