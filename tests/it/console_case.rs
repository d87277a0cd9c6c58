//! The demo incident kept as a case in the console, as a responder keeps one: the attacker's
//! events marked with tags and notes, a note, two queries; the case reopened with its marks in
//! place; exported, verified, a byte changed and the change named. And a console killed with
//! `kill -9` keeps every entry its screen said was kept.
//!
//! tmux is required where `KAUDIT_REQUIRE_TMUX` is set (CI sets it); elsewhere, without tmux,
//! these tests say plainly that they did not run.

use std::path::Path;

use kaudit::case::{Case, What};

use crate::case::{kaudit_in, rezip, unzip};
use crate::support::child;
use crate::support::pane::{Pane, tmux_available};

const ACTOR: &str = "system:serviceaccount:kube-system:node-health-agent";
const GET_AWS_AUTH: &str = "29a98592-7dfa-4e3b-af72-a11005e7a20d";
const PATCH_AWS_AUTH: &str = "59202faa-b71e-4813-ac4f-c66cf831bba5";

fn console(name: &str, dir: &Path, args: &[&str], width: u16, height: u16) -> Pane {
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let env = [("XDG_DATA_HOME", data), ("USER", "ana")];
    Pane::start_with(name, dir, args, &env, width, height)
}

/// The journal's entries, every line read.
fn journal(dir: &Path, case: &str) -> Vec<What> {
    let root = dir.join("data/kaudit/cases");
    let read = Case::open(&root, case).unwrap().read().unwrap();
    assert!(read.bad.is_empty(), "{:?}", read.bad);
    read.entries.into_iter().map(|e| e.what).collect()
}

fn marked_ids(entries: &[What]) -> Vec<(String, String, Option<String>)> {
    entries
        .iter()
        .filter_map(|w| match w {
            What::Marked {
                event, tag, note, ..
            } => Some((event.audit_id.clone()?, tag.clone(), note.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_responder_keeps_the_demo_incident_as_a_case_reopens_it_and_hands_it_over() {
    if !tmux_available("the demo incident kept as a case") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pane = console("case", dir.path(), &["--case", "ir-demo"], 160, 45);
    pane.wait_for("case ir-demo made: 0 marked");
    pane.wait_for("events 20000 of 20000");

    // The intruder's eight requests; the first two marked with a tag and a note each.
    pane.keys(&[":"]);
    pane.literal(&format!("user {ACTOR}"));
    pane.keys(&["Enter"]);
    pane.wait_for("events 8 of 20000");
    pane.keys(&["g", "m"]);
    pane.wait_for("tag and note (Enter: unsure):");
    pane.literal("unsure read aws-auth before changing it");
    pane.keys(&["Enter"]);
    pane.wait_for(
        "kept in case ir-demo (1 marked): marked [unsure] read aws-auth before changing it",
    );
    pane.keys(&["j", "m"]);
    pane.wait_for("tag and note (Enter: unsure):");
    pane.literal("attacker mapped ops-support to system:masters");
    pane.keys(&["Enter"]);
    pane.wait_for(
        "kept in case ir-demo (2 marked): marked [attacker] mapped ops-support to system:masters",
    );
    // Space marks with the tag given last, and moves down.
    pane.keys(&["j", "Space", "Space", "Space"]);
    let screen = pane.wait_for("kept in case ir-demo (5 marked): marked [attacker]");
    assert!(screen.contains("marked 5"), "{screen}");
    assert_eq!(screen.matches('●').count(), 5, "{screen}");
    pane.keys(&[":"]);
    pane.literal("note the node-health-agent token was used from 203.0.113.77");
    pane.keys(&["Enter"]);
    pane.wait_for("kept in case ir-demo (5 marked): note");

    // Two queries, each kept with what it read and found.
    pane.keys(&[":"]);
    pane.literal("query filter objectRef.name = \"aws-auth\"");
    pane.keys(&["Enter"]);
    pane.wait_for("filter objectRef.name = \"aws-auth\": ");
    pane.keys(&[":"]);
    pane.literal("query stats count(*) by verb");
    pane.keys(&["Enter"]);
    pane.wait_for("stats count(*) by verb: ");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");

    let entries = journal(dir.path(), "ir-demo");
    let marks = marked_ids(&entries);
    assert_eq!(marks.len(), 5, "{marks:?}");
    assert_eq!(
        marks[0],
        (
            GET_AWS_AUTH.to_string(),
            "unsure".to_string(),
            Some("read aws-auth before changing it".to_string())
        )
    );
    assert_eq!(
        marks[1],
        (
            PATCH_AWS_AUTH.to_string(),
            "attacker".to_string(),
            Some("mapped ops-support to system:masters".to_string())
        )
    );
    assert!(
        marks[2..]
            .iter()
            .all(|(_, tag, note)| tag == "attacker" && note.is_none())
    );
    let queries: Vec<_> = entries
        .iter()
        .filter_map(|w| match w {
            What::Query(q) => Some(q),
            _ => None,
        })
        .collect();
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0].text, "filter objectRef.name = \"aws-auth\"");
    assert_eq!(queries[0].sources, ["demo"]);
    assert_eq!(queries[0].records_scanned, 20000);
    assert!(queries[0].rows > 0);
    assert_eq!(queries[1].text, "stats count(*) by verb");
    assert!(entries.iter().any(|w| matches!(
        w,
        What::Note { text } if text == "the node-health-agent token was used from 203.0.113.77"
    )));

    // Reopened: the marks are where they were, with their tags and notes.
    let pane = console("case-again", dir.path(), &["--case", "ir-demo"], 160, 45);
    pane.wait_for("case ir-demo opened: 5 marked");
    pane.wait_for("events 20000 of 20000");
    pane.keys(&[":"]);
    pane.literal(&format!("user {ACTOR}"));
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("events 8 of 20000");
    assert!(screen.contains("marked 5"), "{screen}");
    assert_eq!(screen.matches('●').count(), 5, "{screen}");
    pane.keys(&["g", "j", "Enter"]);
    pane.wait_for("marked [attacker] mapped ops-support to system:masters (m changes it)");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");

    // Handed over: exported, verified; one byte changed, and the event named.
    let data = dir.path().join("data");
    let archive = dir.path().join("ir-demo.zip");
    let archive_arg = archive.to_str().unwrap();
    let out = kaudit_in(&data, &["case", "export", "ir-demo", "-o", archive_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kaudit_in(&data, &["case", "verify", archive_arg]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(said.contains("5 events, every hash holds"), "{said}");

    let mut files = unzip(&archive);
    let events = &mut files[0].1;
    let at = find(events, PATCH_AWS_AUTH.as_bytes()) + PATCH_AWS_AUTH.len() + 40;
    events[at] ^= 0x01;
    rezip(&archive, &files);
    let out = kaudit_in(&data, &["case", "verify", archive_arg]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("auditID {PATCH_AWS_AUTH}")),
        "{said}"
    );
    assert!(
        !said.contains(GET_AWS_AUTH),
        "only the changed event: {said}"
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the text is there")
}

#[test]
fn a_console_killed_with_kill_9_keeps_every_entry_its_screen_said_was_kept() {
    if !tmux_available("a case through kill -9") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pane = console("case-kill", dir.path(), &["--case", "k9"], 80, 24);
    pane.wait_for("case k9 made");
    pane.wait_for("events 20000 of 20000");
    pane.keys(&["m"]);
    pane.wait_for("tag and note");
    pane.literal("attacker first");
    pane.keys(&["Enter"]);
    pane.wait_for("kept in case k9 (1 marked): marked [attacker] first");
    pane.keys(&["j", "Space"]);
    pane.wait_for("kept in case k9 (2 marked): marked [attacker]");
    pane.keys(&[":"]);
    pane.literal("note seen by the on-call");
    pane.keys(&["Enter"]);
    pane.wait_for("kept in case k9 (2 marked): note");

    let shell = pane.tmux(&["display-message", "-p", "-t", &pane.session, "#{pane_pid}"]);
    let pids = child::output(std::process::Command::new("pgrep").args(["-P", shell.trim()]));
    let pid = String::from_utf8_lossy(&pids.stdout).trim().to_string();
    assert!(!pid.is_empty(), "kaudit's process under the pane's shell");
    let killed = child::status(std::process::Command::new("kill").args(["-9", &pid]));
    assert!(killed.success());
    pane.wait_for("kaudit-exited-137");

    let entries = journal(dir.path(), "k9");
    let marks = marked_ids(&entries);
    assert_eq!(marks.len(), 2, "{entries:?}");
    assert_eq!(marks[0].1, "attacker");
    assert_eq!(marks[0].2.as_deref(), Some("first"));
    assert!(
        entries
            .iter()
            .any(|w| matches!(w, What::Note { text } if text == "seen by the on-call"))
    );
}

/// Over CloudWatch, a row of an answer that does not hold its event is fetched whole
/// (GetLogRecord) and kept byte for byte as CloudWatch stores it; the query is kept with the
/// log group it read.
#[test]
fn over_cloudwatch_a_row_not_held_is_fetched_whole_and_kept_as_stored() {
    use crate::support::cloud_server::CloudServer;
    use crate::support::moto::{self, Moto};
    if !tmux_available("a case over CloudWatch") {
        return;
    }
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let group = "/aws/eks/prod/cluster";
    let now = jiff::Timestamp::now().as_millisecond();
    let held = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"near-1","verb":"get","user":{"username":"u"},"stageTimestamp":"2026-11-24T08:00:00Z"}"#;
    moto::seed(
        &moto.url(),
        group,
        "kube-apiserver-audit-1",
        &[(now - 60_000, held.to_string())],
    );
    // A big event with text that is not ASCII, as CloudWatch stores it: the query's row holds
    // only a field of it.
    let pad = "é".repeat(40_000);
    let stored = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"far-1","verb":"create","user":{{"username":"mallory"}},"objectRef":{{"resource":"pods","subresource":"exec","namespace":"prod","name":"api-0"}},"requestObject":{{"pad":"{pad}"}},"stageTimestamp":"2026-11-24T08:01:00Z"}}"#
    );
    let ptr = "CmQKKwoncHRy-far-1";
    server.answer_one_not_held(
        now - 1_000,
        ptr,
        r#"{"user":{"username":"mallory"}}"#,
        &stored,
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = server.url();
    let mut env: Vec<(&str, &str)> = moto::env().to_vec();
    env.push(("XDG_DATA_HOME", data.to_str().unwrap()));
    let pane = Pane::start_with(
        "case-cloud",
        dir.path(),
        &[
            "--cluster",
            "prod",
            "--endpoint-url",
            &url,
            "--since",
            "10m",
            "--case",
            "ir-cw",
        ],
        &env,
        160,
        45,
    );
    pane.wait_for("case ir-cw made");
    pane.wait_for("events 1 of 1");
    pane.keys(&[":"]);
    pane.literal("query fields user.username");
    pane.keys(&["Enter"]);
    pane.wait_for("1 row");
    pane.keys(&["m"]);
    pane.wait_for("tag and note");
    pane.literal("attacker exec from far away");
    pane.keys(&["Enter"]);
    pane.wait_for("kept in case ir-cw (1 marked): marked [attacker] exec from far away");
    assert!(server.calls().contains(&"GetLogRecord".to_string()));
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");

    let root = data.join("kaudit/cases");
    let read = Case::open(&root, "ir-cw").unwrap().read().unwrap();
    let (event, original) = read
        .entries
        .iter()
        .find_map(|e| match &e.what {
            What::Marked {
                event, original, ..
            } => Some((event.clone(), original.clone())),
            _ => None,
        })
        .expect("the mark");
    assert_eq!(original.bytes().unwrap(), stored.as_bytes());
    assert_eq!(event.audit_id.as_deref(), Some("far-1"));
    assert_eq!(event.ptr.as_deref(), Some(ptr), "where CloudWatch keeps it");
    let query = read
        .entries
        .iter()
        .find_map(|e| match &e.what {
            What::Query(q) => Some(q.clone()),
            _ => None,
        })
        .expect("the query");
    assert_eq!(query.text, "fields user.username");
    assert_eq!(query.log_groups, [group]);
}
