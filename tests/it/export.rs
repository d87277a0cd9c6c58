//! Exporting marked events to a file, as the console does it.

use std::fs;
use std::path::{Path, PathBuf};

use kaudit::export::{ExportError, ExportFormat, ExportSummary, export};

/// Written as an API server writes them: compact, keys in its order, one with a unicode escape
/// and one with a non-ASCII character, so that any re-encoding would show.
const EVENTS: &[&str] = &[
    r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","verb":"get","user":{"username":"system:anonymous"},"responseStatus":{"code":403},"annotations":{"authorization.k8s.io/decision":"forbid"}}"#,
    r#"{"kind":"Event","auditID":"a2","verb":"list","objectRef":{"resource":"secrets","namespace":"kube-system"},"userAgent":"curl/8.5.0 \u00e9","stageTimestamp":"2024-05-01T10:00:00.000001Z"}"#,
    r#"{"kind":"Event","auditID":"a3","verb":"create","user":{"username":"rené"},"requestObject":{"spec":{"containers":[{"image":"evil:1.0","securityContext":{"privileged":true}}]}},"latency":1.50}"#,
];

fn events() -> impl Iterator<Item = &'static [u8]> {
    EVENTS.iter().map(|e| e.as_bytes())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn summary(path: &Path, events: usize, truncated: usize) -> ExportSummary {
    ExportSummary {
        path: path.to_path_buf(),
        events,
        bytes: fs::metadata(path).unwrap().len(),
        truncated,
    }
}

#[test]
fn json_lines_are_the_events_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.jsonl");
    let done = export(events(), &path, ExportFormat::JsonLines, false).unwrap();
    let expected: String = EVENTS.iter().map(|e| format!("{e}\n")).collect();
    assert_eq!(fs::read(&path).unwrap(), expected.as_bytes());
    assert_eq!(done, summary(&path, 3, 0));
    assert_eq!(done.bytes, expected.len() as u64);
}

#[test]
fn a_json_array_is_the_events_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.json");
    let done = export(events(), &path, ExportFormat::JsonArray, false).unwrap();
    let written = fs::read_to_string(&path).unwrap();
    assert_eq!(written, format!("[\n{}\n]\n", EVENTS.join(",\n")));
    assert_eq!(done, summary(&path, 3, 0));

    let array: Vec<serde_json::Value> = serde_json::from_str(&written).unwrap();
    assert_eq!(array.len(), EVENTS.len());
    for (element, event) in array.iter().zip(EVENTS) {
        assert_eq!(
            element,
            &serde_json::from_str::<serde_json::Value>(event).unwrap()
        );
    }
}

#[cfg(unix)]
#[test]
fn only_the_owner_may_read_an_export() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.jsonl");
    export(events(), &path, ExportFormat::JsonLines, false).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);

    // Replacing a readable file does not keep its looser mode.
    let open = dir.path().join("open.jsonl");
    fs::write(&open, "old\n").unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();
    export(events(), &open, ExportFormat::JsonLines, true).unwrap();
    assert_eq!(mode(&open), 0o600);
}

#[test]
fn an_existing_file_is_kept_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.json");
    fs::write(&path, "earlier evidence\n").unwrap();
    let e = export(events(), &path, ExportFormat::JsonArray, false).unwrap_err();
    assert!(
        matches!(&e, ExportError::AlreadyExists { path: p } if *p == path),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{} already exists; choose another name or confirm overwrite",
            path.display()
        )
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "earlier evidence\n");
    assert_eq!(entries(dir.path()), ["evidence.json"]);
}

#[test]
fn overwrite_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.jsonl");
    fs::write(
        &path,
        "earlier evidence, much longer than the new export will be\n".repeat(99),
    )
    .unwrap();
    let done = export(events().take(1), &path, ExportFormat::JsonLines, true).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{}\n", EVENTS[0])
    );
    assert_eq!(done, summary(&path, 1, 0));
    assert_eq!(entries(dir.path()), ["evidence.jsonl"]);
}

#[cfg(unix)]
#[test]
fn a_link_at_the_target_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    fs::write(&elsewhere, "do not touch\n").unwrap();
    let link = dir.path().join("evidence.jsonl");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();

    let e = export(events(), &link, ExportFormat::JsonLines, false).unwrap_err();
    assert!(matches!(e, ExportError::AlreadyExists { .. }), "{e:?}");
    export(events(), &link, ExportFormat::JsonLines, true).unwrap();
    assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "do not touch\n");
    assert!(
        !fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn no_temporary_file_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    export(events(), &path, ExportFormat::JsonArray, false).unwrap();
    assert_eq!(entries(dir.path()), ["a.json"]);

    export(events(), &path, ExportFormat::JsonArray, false).unwrap_err();
    export(events(), &path, ExportFormat::JsonArray, true).unwrap();
    assert_eq!(entries(dir.path()), ["a.json"]);

    // A refused target leaves nothing either; the failure after the temporary file exists is
    // tested beside the code, where the race can be staged.
    let folder = dir.path().join("sub");
    fs::create_dir(&folder).unwrap();
    export(events(), &folder, ExportFormat::JsonArray, true).unwrap_err();
    assert_eq!(entries(dir.path()), ["a.json", "sub"]);
    assert!(entries(&folder).is_empty());
}

#[test]
fn a_truncated_event_is_wrapped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.json");
    // CloudWatch cut this one at its size limit, inside a string and inside a character.
    let mut cut = br#"{"kind":"Event","auditID":"a4","requestObject":{"data":"r"#.to_vec();
    cut.extend_from_slice(&"é".as_bytes()[..1]);
    let input: Vec<&[u8]> = vec![EVENTS[0].as_bytes(), &cut, EVENTS[1].as_bytes()];
    let done = export(input, &path, ExportFormat::JsonArray, false).unwrap();
    assert_eq!(done, summary(&path, 3, 1));

    let array: Vec<serde_json::Value> =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(array[1]["kaudit.truncated"], true);
    let text = array[1]["text"].as_str().unwrap();
    assert_eq!(
        text.as_bytes(),
        [&cut[..cut.len() - 1], "\u{fffd}".as_bytes()].concat()
    );
    assert_eq!(array[1]["kaudit.invalid_bytes"], 1);
    // The others are untouched.
    let written = fs::read_to_string(&path).unwrap();
    assert!(written.contains(EVENTS[0]) && written.contains(EVENTS[1]));

    let lines = dir.path().join("evidence.jsonl");
    let done = export([&cut[..]], &lines, ExportFormat::JsonLines, false).unwrap();
    assert_eq!(done.truncated, 1);
    let line = fs::read_to_string(&lines).unwrap();
    assert_eq!(line.lines().count(), 1);
    serde_json::from_str::<serde_json::Value>(&line).unwrap();
}

#[test]
fn the_format_follows_the_extension() {
    let f = |p: &str| ExportFormat::from_path(Path::new(p));
    assert_eq!(f("out.json"), ExportFormat::JsonArray);
    assert_eq!(f("OUT.JSON"), ExportFormat::JsonArray);
    assert_eq!(f("out.jsonl"), ExportFormat::JsonLines);
    assert_eq!(f("/tmp/x/out.ndjson"), ExportFormat::JsonLines);
    assert_eq!(f("out.log"), ExportFormat::JsonLines);
    assert_eq!(f("out"), ExportFormat::JsonLines);
    assert_eq!(ExportFormat::from_extension("txt"), None);
    for format in [ExportFormat::JsonArray, ExportFormat::JsonLines] {
        assert_eq!(
            ExportFormat::from_extension(format.extension()),
            Some(format)
        );
    }
}

#[test]
fn a_missing_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("no-such-case");
    let path = folder.join("evidence.json");
    let e = export(events(), &path, ExportFormat::JsonArray, false).unwrap_err();
    assert!(matches!(e, ExportError::NoFolder { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "the folder {} does not exist, so {} cannot be written; create the folder or choose another path",
            folder.display(),
            path.display()
        )
    );
    assert!(!folder.exists());
}

#[test]
fn a_folder_is_not_a_target() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(events(), dir.path(), ExportFormat::JsonLines, true).unwrap_err();
    assert!(matches!(e, ExportError::IsDirectory { .. }), "{e:?}");
    let message = e.to_string();
    assert!(message.starts_with(&format!("{} is a folder", dir.path().display())));
    assert!(message.contains("evidence.jsonl"), "{message}");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn a_file_is_not_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    fs::write(&file, "x").unwrap();
    let path: PathBuf = file.join("evidence.json");
    let e = export(events(), &path, ExportFormat::JsonArray, false).unwrap_err();
    assert!(matches!(e, ExportError::NotAFolder { .. }), "{e:?}");
    assert!(e.to_string().contains("is not a folder"));
}
