//! The detections that test the site's own lists, as `kaudit` runs them: off and saying so
//! while a list is missing or empty, running once it is written (`KAUDIT_LISTS` points at the
//! folder), a bad line named by file and line without stopping anything else, and over
//! CloudWatch filled in.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::child;
use crate::support::moto::{self, Moto};
use crate::support::{kaudit_command, now_ms, text};

const READ_LISTS: [(&str, &str); 4] = [
    ("disallowed-user", "allowed-users"),
    ("disallowed-image-pod-created", "allowed-images"),
    ("disallowed-namespace-created", "allowed-namespaces"),
    ("admin-user-activity", "admin-users"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixtures of the four detections, as one input.
fn inputs() -> Vec<String> {
    READ_LISTS
        .iter()
        .map(|(name, _)| {
            let path = fixtures().join(format!("detections/{name}.jsonl"));
            path.to_str().unwrap().to_string()
        })
        .collect()
}

/// `kaudit ARGS` with the lists of `lists` and no user folder of whoever runs the tests.
fn kaudit_with_lists(lists: &Path, args: &[&str]) -> Output {
    child::output(
        kaudit_command()
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("KAUDIT_LISTS", lists)
            .args(args),
    )
}

fn detect_json(lists: &Path) -> (Vec<serde_json::Value>, String) {
    let mut args = vec!["detect", "-o", "json"];
    let inputs = inputs();
    args.extend(inputs.iter().map(String::as_str));
    let out = kaudit_with_lists(lists, &args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn hits(findings: &[serde_json::Value], name: &str) -> Option<u64> {
    findings
        .iter()
        .find(|f| f["name"] == name)
        .map(|f| f["hits"].as_u64().unwrap())
}

#[test]
fn without_their_lists_the_detections_are_silent_and_say_which_file_they_need() {
    let empty = tempfile::tempdir().unwrap();
    // An empty file, or one of comments only, is no list either.
    fs::write(empty.path().join("allowed-users.txt"), "# to do\n\n").unwrap();
    let (findings, stderr) = detect_json(empty.path());
    // Said in one line, with the folder the lists go in and every detection that waits.
    let said = format!(
        "kaudit: 4 detections are off until their lists are written in {} (",
        empty.path().display()
    );
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&said))
        .unwrap_or_else(|| panic!("{said:?} not in:\n{stderr}"));
    for (name, _) in READ_LISTS {
        assert_eq!(hits(&findings, name), None, "{name} ran without its list");
        assert!(line.contains(name), "{name} not in {line}");
    }
    // The others ran: the fixtures hold a refused secrets list, among others.
    assert!(hits(&findings, "anonymous-requests").is_some());
}

#[test]
fn with_their_lists_they_find_what_their_fixtures_say() {
    let (findings, stderr) = detect_json(&fixtures().join("lists"));
    assert!(!stderr.contains("is off"), "{stderr}");
    // Each its fixture's `hit-` events; and the admins of the admin fixture are no allowed
    // users (kubernetes-admin, breakglass-ops, kubernetes-admin2).
    let expected = [4 + 3, 5, 2, 3];
    for ((name, _), want) in READ_LISTS.iter().zip(expected) {
        assert_eq!(hits(&findings, name), Some(want), "{name}");
    }
}

#[test]
fn a_bad_line_is_named_and_the_rest_of_the_list_and_every_detection_run() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("allowed-users.txt"),
        "alice@example.com\nmallory bob\neks:*\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("allowed-images.txt"),
        "nginx:1.25 # ok\nbusy\"box\n",
    )
    .unwrap();
    let (findings, stderr) = detect_json(dir.path());
    let users = dir.path().join("allowed-users.txt");
    let images = dir.path().join("allowed-images.txt");
    assert!(
        stderr.contains(&format!(
            "kaudit: {}:2: `mallory bob` holds a space",
            users.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "kaudit: {}:2: `busy\"box` is not an image",
            images.display()
        )),
        "{stderr}"
    );
    // The skipped line allowed nobody; without the dev role's entry, its session is a hit too.
    assert_eq!(hits(&findings, "disallowed-user"), Some(4 + 1 + 3));
    assert!(hits(&findings, "disallowed-image-pod-created").is_some());
    assert!(hits(&findings, "anonymous-requests").is_some());
}

#[test]
fn a_list_too_long_for_cloudwatch_turns_its_detection_off_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let users: String = (0..500)
        .map(|i| format!("user-{i:04}@corp.example.com\n"))
        .collect();
    fs::write(dir.path().join("allowed-users.txt"), users).unwrap();
    fs::write(dir.path().join("admin-users.txt"), "kubernetes-admin\n").unwrap();
    let (findings, stderr) = detect_json(dir.path());
    assert!(
        stderr.contains(&format!(
            "kaudit: {}: the list makes disallowed-user ",
            dir.path().join("allowed-users.txt").display()
        )) && stderr.contains("past the 10000 a CloudWatch Logs Insights query may have"),
        "{stderr}"
    );
    assert_eq!(hits(&findings, "disallowed-user"), None);
    assert_eq!(hits(&findings, "admin-user-activity"), Some(1));
}

#[test]
fn a_canned_query_waiting_for_its_list_says_so_instead_of_failing_to_parse() {
    let empty = tempfile::tempdir().unwrap();
    let out = kaudit_with_lists(
        empty.path(),
        &[
            "query",
            "--demo",
            "--canned",
            "disallowed-namespace-created",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("disallowed-namespace-created is off until its list is written"),
        "{stderr}"
    );
    let out = kaudit_with_lists(
        &fixtures().join("lists"),
        &[
            "query",
            "--canned",
            "disallowed-namespace-created",
            "-o",
            "jsonl",
        ]
        .into_iter()
        .chain([inputs()[2].as_str()])
        .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
}

#[test]
fn over_cloudwatch_the_detections_go_with_their_lists_filled_in() {
    let moto = Moto::start();
    let group = "/aws/eks/prod/cluster";
    let start = now_ms() - 60_000;
    let events: Vec<(i64, String)> = fs::read_to_string(&inputs()[0])
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| (start + i as i64 * 1000, l.to_string()))
        .collect();
    moto::seed(&moto.url(), group, "kube-apiserver-audit-1", &events);
    let out = child::output(
        moto::kaudit_command()
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("KAUDIT_LISTS", fixtures().join("lists"))
            .args([
                "detect",
                "--log-group",
                group,
                "--endpoint-url",
                &moto.url(),
            ])
            .args(["--since", "1h", "-o", "json"]),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    // moto answers a Logs Insights query with every event of the range (it evaluates no
    // filter); the shared answer's events are told apart here with the lists filled in, so
    // each of the four finds what it finds over the same events in a file.
    let local = child::output(
        moto::kaudit_command()
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("KAUDIT_LISTS", fixtures().join("lists"))
            .args(["detect", "-o", "json", inputs()[0].as_str()]),
    );
    let local: Vec<serde_json::Value> = serde_json::from_slice(&local.stdout).unwrap();
    let mut fired = 0;
    for (name, _) in READ_LISTS {
        let found = hits(&findings, name);
        assert!(found.is_some(), "{name} was not sent: {stderr}");
        assert_eq!(found, hits(&local, name), "{name}: {stderr}");
        fired += usize::from(found > Some(0));
    }
    assert!(fired > 0, "{stderr}");
}
