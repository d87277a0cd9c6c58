//! Cases: events a query finds marked from the command line, kept byte for byte, the journal
//! shown back, and a journal that keeps every entry its writer was told of through `kill -9`.

use std::path::Path;
use std::process::{Command, Output};

use kaudit::case::{Case, FindingOpened, What};

use crate::support::child::{self, Running};
use crate::support::kaudit_command;

/// The data folder a child writes its cases into.
const CHILD_DIR: &str = "KAUDIT_TEST_CASE_DIR";

pub fn kaudit_in(data: &Path, args: &[&str]) -> Output {
    child::output(
        kaudit_command()
            .args(args)
            .env("XDG_DATA_HOME", data)
            .env("USER", "ana"),
    )
}

fn event(id: &str, at: &str, verb: &str, agent: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets/db","verb":"{verb}","user":{{"username":"dev-ci"}},"sourceIPs":["203.0.113.7"],"userAgent":"{agent}","objectRef":{{"resource":"secrets","namespace":"prod","name":"db","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}"}}"#
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn events_a_query_finds_over_several_streams_are_kept_byte_for_byte_in_time_order() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    // One cluster's three streams, the reads of the secret interleaved across them, with a
    // hostile user agent and a line that is not JSON.
    let hostile = "kubectl\\u001b]52;c;cm0gLXJm\\u0007 <script>";
    let streams = [
        (
            "kube-apiserver-audit-a.log",
            vec![
                event("a-1", "2026-11-02T08:00:00.100Z", "get", "kubectl"),
                event("a-2", "2026-11-02T08:00:03.300Z", "list", "kubectl"),
            ],
        ),
        (
            "kube-apiserver-audit-b.log",
            vec![
                event("b-1", "2026-11-02T08:00:01.200Z", "get", hostile),
                "not json".to_string(),
            ],
        ),
        (
            "kube-apiserver-audit-c.log",
            vec![event("c-1", "2026-11-02T08:00:02.250Z", "get", "kubectl")],
        ),
    ];
    let mut by_id = std::collections::HashMap::new();
    for (name, lines) in &streams {
        std::fs::write(logs.path().join(name), lines.join("\n") + "\n").unwrap();
        for line in lines.iter().filter(|l| l.starts_with('{')) {
            let id = line.split("\"auditID\":\"").nth(1).unwrap()[..3].to_string();
            by_id.insert(id, line.clone());
        }
    }
    let folder = logs.path().to_str().unwrap();
    let out = kaudit_in(
        data.path(),
        &[
            "case",
            "add",
            "ir-7",
            folder,
            "filter verb = \"get\"",
            "--tag",
            "Attacker",
            "--note",
            "read with the CI token",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 events marked [attacker]"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 malformed"),
        "the bad line is said: {}",
        stderr(&out)
    );

    let out = kaudit_in(data.path(), &["case", "show", "ir-7", "-o", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let entries: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "query", "marked", "marked", "marked"]);
    assert!(entries.iter().all(|e| e["user"] == "ana"));
    let query = &entries[1];
    assert_eq!(query["text"], "filter verb = \"get\"");
    assert_eq!(query["records_scanned"], 4);
    assert_eq!(query["rows"], 3);
    assert_eq!(query["sources"].as_array().unwrap().len(), 3);
    let marked = &entries[2..];
    let ids: Vec<&str> = marked
        .iter()
        .map(|e| e["event"]["auditID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["a-1", "b-1", "c-1"],
        "in time order across the streams"
    );
    for m in marked {
        let id = m["event"]["auditID"].as_str().unwrap();
        assert_eq!(m["original"]["text"].as_str().unwrap(), by_id[id], "{id}");
        assert_eq!(m["tag"], "attacker");
        assert_eq!(m["note"], "read with the CI token");
        let ptr = m["event"]["@ptr"].as_str().unwrap();
        assert!(
            ptr.ends_with(":0"),
            "each is its stream's first line: {ptr}"
        );
        assert!(
            m["event"]["source"]
                .as_str()
                .unwrap()
                .contains("kube-apiserver-audit-")
        );
    }
    assert_eq!(marked[1]["event"]["time"], "2026-11-02T08:00:01.200Z");

    // As a table, nothing of the log reaches the terminal as a control character.
    let out = kaudit_in(data.path(), &["case", "show", "ir-7"]);
    let table = stdout(&out);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(
        table.contains("[attacker] b-1 at 2026-11-02T08:00:01.200Z"),
        "{table}"
    );
    let out = kaudit_in(data.path(), &["case", "list"]);
    let list = stdout(&out);
    assert!(
        list.lines()
            .any(|l| l.starts_with("ir-7 ") && l.contains(" 3 ")),
        "{list}"
    );
}

#[test]
fn mistakes_are_said_and_make_no_case() {
    let data = tempfile::tempdir().unwrap();
    for (args, said) in [
        (
            vec!["case", "add", "../up", "--demo", "filter verb = \"get\""],
            "cannot name a case",
        ),
        (
            vec!["case", "add", "ir", "--demo", "stats count(*) by verb"],
            "rows are not events",
        ),
        (
            vec![
                "case",
                "add",
                "ir",
                "--demo",
                "filter verb = \"get\"",
                "--tag",
                "<b>",
            ],
            "cannot be a tag",
        ),
        (
            vec!["case", "add", "ir", "--demo", "filter verb = "],
            "line 1",
        ),
        // The console's case, given to a command: said, not ignored.
        (
            vec!["--case", "ir", "query", "--demo", "filter verb = \"get\""],
            "--case opens the console in a case",
        ),
        // Without a terminal there is no console to open in a case.
        (vec!["--case", "ir", "--demo"], "needs a terminal"),
        (vec!["--case", "../ir"], "cannot name a case"),
    ] {
        let out = kaudit_in(data.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{args:?}: {}", stderr(&out));
    }
    assert!(!data.path().join("kaudit").exists(), "no case was made");
    let out = kaudit_in(
        data.path(),
        &["case", "note", "ir-1", "opened from the pager"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kaudit_in(data.path(), &["case", "show", "ir-2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean ir-1?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn case_list_counts_the_findings_opened_within_80_columns() {
    let data = tempfile::tempdir().unwrap();
    let root = data.path().join("kaudit/cases");
    let mut case = Case::open_or_create(&root, "ir-2026-11-02-eks").unwrap();
    // The console journals a finding each time it is opened: the same one twice here.
    for hits in [3, 4] {
        case.record(What::FindingOpened(FindingOpened {
            detection: "Secrets read by a new identity".into(),
            severity: "high".into(),
            hits,
            range: String::new(),
        }))
        .unwrap();
    }
    case.record(What::Note {
        text: "contained".into(),
    })
    .unwrap();
    let out = kaudit_in(data.path(), &["case", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    let words: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        words[0],
        [
            "case", "marked", "notes", "queries", "findings", "last", "change"
        ],
        "{list}"
    );
    assert_eq!(
        words[1][..5],
        ["ir-2026-11-02-eks", "0", "1", "0", "2"],
        "{list}"
    );
    assert!(list.lines().all(|l| l.chars().count() <= 80), "{list}");
}

/// Writes notes to a case in the folder [`CHILD_DIR`] names until it is killed, saying `kept N`
/// after each append returns.
#[test]
#[ignore = "run by a_journal_keeps_every_entry_it_confirmed_through_kill_9"]
fn case_journal_writer() {
    let root = std::env::var_os(CHILD_DIR).expect("run by its parent test");
    let mut case = Case::open_or_create(Path::new(&root), "k9").unwrap();
    // Entries of a few KB: a kill lands inside a write now and then.
    let padding = "x".repeat(4096);
    for i in 0.. {
        case.record(What::Note {
            text: format!("note {i} {padding}"),
        })
        .unwrap();
        println!("kept {i}");
    }
}

#[test]
fn a_journal_keeps_every_entry_it_confirmed_through_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let mut writer = Running::start(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &format!("{module}::case_journal_writer")])
            .args(["--include-ignored", "--nocapture"])
            .env(CHILD_DIR, data.path()),
    );
    let mut confirmed = None;
    while confirmed.is_none_or(|n| n < 300) {
        let line = writer.line();
        if let Some(n) = line.strip_prefix("kept ") {
            confirmed = Some(n.parse::<usize>().unwrap());
        }
    }
    writer.kill();
    let confirmed = confirmed.unwrap();
    let case = Case::open(data.path(), "k9").unwrap();
    let read = case.read().unwrap();
    let notes: Vec<&str> = read
        .entries
        .iter()
        .filter_map(|e| match &e.what {
            What::Note { text } => Some(text.split(' ').nth(1).unwrap()),
            _ => None,
        })
        .collect();
    assert!(notes.len() > confirmed, "{} of {confirmed}", notes.len());
    for (i, n) in notes.iter().enumerate() {
        assert_eq!(n.parse::<usize>().unwrap(), i, "in order, none lost");
    }
    // At most the entry being written when the kill came is cut short, and it is said.
    assert!(read.bad.len() <= 1, "{:?}", read.bad);
    if let Some(bad) = read.bad.first() {
        assert_eq!(bad.line, read.entries.len() + 1, "only the last line");
    }
    // The case goes on after it, on a line of its own.
    let mut case = Case::open(data.path(), "k9").unwrap();
    case.record(What::Note {
        text: "after the crash".into(),
    })
    .unwrap();
    let again = case.read().unwrap();
    assert_eq!(again.bad, read.bad);
    assert!(
        matches!(&again.entries.last().unwrap().what, What::Note { text } if text == "after the crash")
    );
}

/// The files of a ZIP archive, by name, in order.
pub fn unzip(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

pub fn rezip(path: &Path, files: &[(String, Vec<u8>)]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn an_exported_case_verifies_and_a_changed_byte_is_named() {
    let data = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let add = |query: &str, tag: &str| {
        let out = kaudit_in(
            data.path(),
            &[
                "case",
                "add",
                "ir-9",
                "--demo",
                query,
                "--tag",
                tag,
                "--note",
                "<b>why</b>",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    };
    add("filter objectRef.subresource = \"exec\"", "attacker");
    add(
        "filter verb = \"create\" and objectRef.resource = \"clusterrolebindings\"",
        "unsure",
    );
    let note = kaudit_in(data.path(), &["case", "note", "ir-9", "handed to the lead"]);
    assert!(note.status.success());
    let archive = out_dir.path().join("ir-9.zip");
    let archive_arg = archive.to_str().unwrap();
    let out = kaudit_in(data.path(), &["case", "export", "ir-9", "-o", archive_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("manifest SHA-256"),
        "{}",
        stdout(&out)
    );
    // Never over an existing file.
    let again = kaudit_in(data.path(), &["case", "export", "ir-9", "-o", archive_arg]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));

    let files = unzip(&archive);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "events.jsonl",
            "journal.jsonl",
            "report.html",
            "report.md",
            "manifest.json"
        ]
    );
    let events = String::from_utf8(files[0].1.clone()).unwrap();
    let times: Vec<String> = events
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["stageTimestamp"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(times.len() >= 4, "{events}");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in time order: {times:?}"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&files[4].1).unwrap();
    assert_eq!(manifest["case"], "ir-9");
    assert_eq!(manifest["exported_by"], "ana");
    assert_eq!(manifest["sources"], serde_json::json!(["demo"]));
    assert_eq!(manifest["events"].as_array().unwrap().len(), times.len());
    let html = String::from_utf8(files[2].1.clone()).unwrap();
    assert!(
        html.contains("&lt;b&gt;why&lt;/b&gt;") && !html.contains("<b>why"),
        "{html}"
    );

    let verify = |path: &Path| kaudit_in(data.path(), &["case", "verify", path.to_str().unwrap()]);
    let out = verify(&archive);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("every hash holds"),
        "{}",
        stdout(&out)
    );

    // One byte of the second event changed: the file and the event are named.
    let mut changed = files.clone();
    let second = events.lines().next().unwrap().len() + 1 + 10;
    changed[0].1[second] ^= 0x20;
    let tampered = out_dir.path().join("tampered.zip");
    rezip(&tampered, &changed);
    let out = verify(&tampered);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    let id = manifest["events"][1]["auditID"].as_str().unwrap();
    assert!(said.contains("changed: events.jsonl"), "{said}");
    assert!(
        said.contains(&format!(
            "changed: the event at line 2 of events.jsonl (auditID {id}"
        )),
        "{said}"
    );
    assert_eq!(said.lines().count(), 2, "nothing else: {said}");

    // A file taken out, and one slipped in.
    let mut other = files.clone();
    other.retain(|(n, _)| n != "report.md");
    other.push(("extra.txt".into(), b"x".to_vec()));
    rezip(&tampered, &other);
    let said = stdout(&verify(&tampered));
    assert!(
        said.contains("missing: report.md") && said.contains("added: extra.txt"),
        "{said}"
    );
}
