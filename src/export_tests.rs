#![allow(clippy::unwrap_used)]

use super::*;

fn written(events: &[&[u8]], format: ExportFormat) -> (String, Counts) {
    let mut out = Vec::new();
    let counts = write_events(&mut out, events.iter().copied(), format).unwrap();
    assert_eq!(counts.bytes, out.len() as u64);
    (String::from_utf8(out).unwrap(), counts)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn only_whole_json_values_count_as_events() {
    assert!(is_json_value(br#"{"a": [1, 2.5e3, "\u00e9"]}"#));
    assert!(is_json_value(b"  42 \r\n"));
    assert!(is_json_value(b"\"text\""));
    assert!(!is_json_value(br#"{"a": 1"#));
    assert!(!is_json_value(br#"{"a": 1} {"b": 2}"#));
    assert!(!is_json_value(b""));
    assert!(!is_json_value(b"{\"a\": \"\xff\"}"));
}

#[test]
fn nesting_depth_does_not_make_an_event_invalid() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(is_json_value(deep.as_bytes()));
}

#[test]
fn a_truncated_text_becomes_an_object_holding_it() {
    let raw = br#"{"kind":"Event","requestObject":{"data":"abc"#;
    let wrapped = wrap_text(raw, "kaudit.truncated");
    let value: serde_json::Value = serde_json::from_slice(&wrapped).unwrap();
    assert_eq!(value["kaudit.truncated"], true);
    assert_eq!(value["text"].as_str().unwrap().as_bytes(), raw);
    assert!(value.get("kaudit.invalid_bytes").is_none());
}

#[test]
fn invalid_utf8_is_replaced_and_counted() {
    // A cut inside "é" (C3 A9) leaves a lone C3.
    let raw = b"{\"user\":\"ren\xc3";
    let value: serde_json::Value =
        serde_json::from_slice(&wrap_text(raw, "kaudit.truncated")).unwrap();
    assert_eq!(value["text"], "{\"user\":\"ren\u{fffd}");
    assert_eq!(value["kaudit.invalid_bytes"], 1);
}

#[test]
fn lines_of_a_multi_line_event_are_joined() {
    let event: &[u8] = b"{\r\n  \"a\": \"x y\",\n  \"b\": 2\n}";
    let (text, counts) = written(&[event, b"{}"], ExportFormat::JsonLines);
    assert_eq!(text, "{    \"a\": \"x y\",   \"b\": 2 }\n{}\n");
    assert_eq!(counts.truncated, 0);
}

#[test]
fn an_array_keeps_line_breaks() {
    let event: &[u8] = b"{\n  \"a\": 1\n}";
    let (text, _) = written(&[event], ExportFormat::JsonArray);
    assert_eq!(text, "[\n{\n  \"a\": 1\n}\n]\n");
}

#[test]
fn no_events_is_still_valid_json() {
    let (text, counts) = written(&[], ExportFormat::JsonArray);
    serde_json::from_str::<Vec<serde_json::Value>>(&text).unwrap();
    assert_eq!(counts.events, 0);
    let (text, _) = written(&[], ExportFormat::JsonLines);
    assert_eq!(text, "");
}

#[test]
fn a_target_taken_at_the_last_moment_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.jsonl");
    let (mut file, temp) = create_temp(dir.path(), &target).unwrap();
    file.write_all(b"ours\n").unwrap();
    drop(file);
    // Another program wins the race between the early check and the publish.
    fs::write(&target, "theirs\n").unwrap();
    let e = publish_no_clobber(temp, &target).unwrap_err();
    assert!(matches!(e, ExportError::AlreadyExists { .. }), "{e}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "theirs\n");
    assert_eq!(entries(dir.path()), ["out.jsonl"]);
}

#[test]
fn the_copy_fallback_never_replaces_either() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    let target = dir.path().join("to");
    fs::write(&from, "ours\n").unwrap();
    copy_no_clobber(&from, &target).unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "ours\n");
    fs::write(&from, "again\n").unwrap();
    let e = copy_no_clobber(&from, &target).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read_to_string(&target).unwrap(), "ours\n");
}

#[test]
fn temporary_files_are_hidden_and_removed_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("evidence.json");
    let (_file, temp) = create_temp(dir.path(), &target).unwrap();
    let name = temp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(".evidence.json."), "{name}");
    assert!(name.ends_with(".kaudit-tmp"), "{name}");
    drop(temp);
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn io_errors_say_what_to_do_next() {
    let e = ExportError::Io {
        path: PathBuf::from("/mnt/usb/out.json"),
        action: "write",
        source: io::Error::from(io::ErrorKind::StorageFull),
    };
    let message = e.to_string();
    assert!(
        message.starts_with("could not write /mnt/usb/out.json: "),
        "{message}"
    );
    assert!(message.ends_with("nothing was saved, free some space or choose another folder"));
}

#[test]
fn a_leading_tilde_is_the_home_folder() {
    let home = Path::new("/home/ana");
    let expand = |p: &str, home: Option<&Path>| expand_home(Path::new(p), home);
    assert_eq!(
        expand("~/evidence.jsonl", Some(home)).unwrap(),
        Path::new("/home/ana/evidence.jsonl")
    );
    assert_eq!(
        expand("~/cases/42/e.json", Some(home)).unwrap(),
        Path::new("/home/ana/cases/42/e.json")
    );
    assert_eq!(expand("~", Some(home)).unwrap(), home);
    // Only a leading ~/: others are names as written.
    for kept in [
        "e~/x.json",
        "./~/x.json",
        "~alice/x.json",
        "/tmp/~x.json",
        "x.json",
    ] {
        assert_eq!(expand(kept, Some(home)).unwrap(), Path::new(kept));
    }
    // No home to read it by: refused, naming the path.
    for home in [None, Some(Path::new(""))] {
        let e = expand("~/e.jsonl", home).unwrap_err();
        assert!(matches!(e, ExportError::NoHome { .. }));
        let said = e.to_string();
        assert!(
            said.contains("~/e.jsonl") && said.contains("HOME"),
            "{said}"
        );
    }
}

#[test]
fn a_gke_entry_read_from_yaml_is_kept_whole_in_a_string() {
    let entry: &[u8] = b"insertId: e1\nprotoPayload:\n  methodName: io.k8s.core.v1.pods.get";
    let truncated: &[u8] = b"{\"kind\":\"Event\",\"verb\":\"g";
    let (text, counts) = written(&[entry, truncated], ExportFormat::JsonLines);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kaudit.yaml"], true);
    assert_eq!(lines[0]["text"].as_str().unwrap().as_bytes(), entry);
    assert_eq!(lines[1]["kaudit.truncated"], true);
    // Only the cut event counts as cut.
    assert_eq!(counts.truncated, 1);
}
