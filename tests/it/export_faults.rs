//! An export that cannot be written whole (the disk fills up; a folder that cannot be written
//! to; a read-only file) says so, names the file, and leaves what was there before as it was,
//! with no temporary file behind. The disk filling up is made real by running the export in a
//! child process with a file-size limit (`ulimit -f`, SIGXFSZ ignored): past it every write
//! fails, as on a full disk. Permissions are made real by running the export in a child process
//! as an unprivileged user when the tests run as root (whom permissions do not bind).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::child;
use kaudit::export::{ExportError, ExportFormat, export};

const CHILD_DIR: &str = "KAUDIT_EXPORT_FAULTS_DIR";
/// The user `nobody`, whom a child export runs as when the tests run as root.
const NOBODY: &str = "65534";

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
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 512; exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap());
    let stdout = in_child(sh, "export_under_a_file_size_limit", dir.path());
    assert_eq!(
        stdout.matches("said: could not write").count(),
        2,
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&old).unwrap(), "earlier evidence\n");
    assert_eq!(
        names_in(dir.path()),
        ["evidence.json"],
        "no temporary or partial file is left"
    );
}

/// Runs the ignored test `test` of this module through `command` (which runs the test binary
/// with the arguments it is given), over `dir`; its standard output, once it has passed.
fn in_child(mut command: Command, test: &str, dir: &Path) -> String {
    // The harness names a test by its path below the crate: `export_faults::NAME`.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let out = child::output(
        command
            .args(["--exact", &format!("{module}::{test}")])
            .args(["--include-ignored", "--nocapture"])
            .env(CHILD_DIR, dir),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The names in a folder, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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

/// Run by the test below as a user whom permissions bind; ignored otherwise.
#[test]
#[ignore = "run unprivileged by read_only_targets_are_left_as_they_are_and_named"]
fn export_to_read_only_targets() {
    let dir = std::env::var(CHILD_DIR).expect("run by the parent test");
    let dir = Path::new(&dir);
    let events = big_events();
    let write = |target: &Path, overwrite| {
        export(
            events.iter().map(|e| e.as_bytes()),
            target,
            ExportFormat::JsonLines,
            overwrite,
        )
        .unwrap_err()
    };
    // A read-only file in a folder that may be written: not replaced, asked or not.
    for overwrite in [true, false] {
        let target = dir.join("evidence.jsonl");
        let e = write(&target, overwrite);
        assert!(matches!(e, ExportError::ReadOnly { .. }), "{e:?}");
        println!("said: {e}");
    }
    // A folder that may not be written.
    let e = write(&dir.join("sealed").join("new.jsonl"), false);
    assert!(matches!(e, ExportError::Io { .. }), "{e:?}");
    println!("said: {e}");
}

#[cfg(unix)]
#[test]
fn read_only_targets_are_left_as_they_are_and_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("evidence.jsonl");
    fs::write(&old, "earlier evidence\n").unwrap();
    fs::set_permissions(&old, fs::Permissions::from_mode(0o444)).unwrap();
    let sealed = dir.path().join("sealed");
    fs::create_dir(&sealed).unwrap();
    fs::set_permissions(&sealed, fs::Permissions::from_mode(0o555)).unwrap();
    // Anyone may write the folder itself, so only the file's own mode protects it.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let me = std::env::current_exe().unwrap();
    let root = child::output(Command::new("id").arg("-u")).stdout == b"0\n";
    let child = if root {
        let mut c = Command::new("setpriv");
        c.args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg(&me);
        c
    } else {
        Command::new(&me)
    };
    let stdout = in_child(child, "export_to_read_only_targets", dir.path());
    let target = old.display().to_string();
    assert_eq!(
        stdout
            .matches(&format!("said: {target} is read-only and is left as it is"))
            .count(),
        2,
        "{stdout}"
    );
    let new = sealed.join("new.jsonl").display().to_string();
    assert!(
        stdout.contains(&format!(
            "said: could not create a temporary file beside {new}"
        )) && stdout.contains("choose a folder you may write to"),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&old).unwrap(), "earlier evidence\n");
    assert_eq!(
        names_in(dir.path()),
        ["evidence.jsonl", "sealed"],
        "nothing else written"
    );
    assert!(names_in(&sealed).is_empty());
}
