#![allow(clippy::unwrap_used)]
//! An export that cannot be written whole (the disk fills up; a folder that cannot be written
//! to) says so, names the file, and leaves what was there before as it was, with no temporary
//! file behind. The disk filling up is made real by running the export in a child process with
//! a file-size limit (`ulimit -f`, SIGXFSZ ignored): past it every write fails, as on a full
//! disk.

use std::fs;
use std::path::Path;
use std::process::Command;

use kaudit::export::{ExportError, ExportFormat, export};

const CHILD_DIR: &str = "KAUDIT_EXPORT_FAULTS_DIR";

fn big_events() -> Vec<String> {
    (0..16)
        .map(|i| {
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a{i}","verb":"get","userAgent":"{}"}}"#,
                "A".repeat(64 * 1024)
            )
        })
        .collect()
}

/// Run by the test below in a child process under the limit; ignored otherwise.
#[test]
#[ignore = "run under a file-size limit by a_write_that_fails_midway_keeps_the_old_file_and_says_why"]
fn export_under_a_file_size_limit() {
    let dir = std::env::var(CHILD_DIR).expect("run by the parent test");
    let dir = Path::new(&dir);
    let events = big_events();
    for (name, overwrite) in [("evidence.json", true), ("new.json", false)] {
        let target = dir.join(name);
        let e = export(
            events.iter().map(|e| e.as_bytes()),
            &target,
            ExportFormat::JsonArray,
            overwrite,
        )
        .unwrap_err();
        let message = e.to_string();
        assert!(matches!(e, ExportError::Io { .. }), "{e:?}");
        assert!(message.contains(&target.display().to_string()), "{message}");
        assert!(message.contains("nothing was saved"), "{message}");
        println!("said: {message}");
    }
}

#[cfg(unix)]
#[test]
fn a_write_that_fails_midway_keeps_the_old_file_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("evidence.json");
    fs::write(&old, "earlier evidence\n").unwrap();
    let me = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 512; exec \"$0\" --exact export_under_a_file_size_limit --include-ignored --nocapture")
        .arg(&me)
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.matches("said: could not write").count(),
        2,
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&old).unwrap(), "earlier evidence\n");
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["evidence.json"],
        "no temporary or partial file is left"
    );
}

#[test]
fn a_folder_nothing_may_be_created_in_is_named() {
    // Nothing may create a file in /proc, root included.
    let events = big_events();
    let e = export(
        events.iter().map(|e| e.as_bytes()),
        Path::new("/proc/kaudit-evidence.json"),
        ExportFormat::JsonLines,
        false,
    )
    .unwrap_err();
    let message = e.to_string();
    assert!(message.contains("/proc/kaudit-evidence.json"), "{message}");
    assert!(message.contains("nothing was saved"), "{message}");
}
