//! Log content is hostile: `tests/fixtures/hostile.jsonl` carries, in user names, user agents,
//! URIs, object names, request bodies, status messages and RBAC reasons, the sequences that
//! would act on a terminal (clear the screen, set its title, write the clipboard with OSC 52,
//! plant OSC 8 links, C1 controls) or mislead its reader (bidi overrides, zero-width
//! characters), plus a line that holds them raw. Every command's output, and every message,
//! shows them escaped; the console is proven with the real binary in tmux.

use std::path::Path;
use std::process::Output;

use crate::support::child;
use crate::support::kaudit_command;
use crate::support::pane::{Pane, tmux_available};

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile.jsonl")
        .display()
        .to_string()
}

/// `kaudit ARGS` with no user config: only the defaults decide how anything is shown.
fn kaudit(args: &[&str]) -> Output {
    child::output(
        kaudit_command()
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent"),
    )
}

/// A character that must never reach a terminal from the data: controls (C0 but the newline
/// ending a line, DEL, C1), bidi controls, and the invisible ones.
fn dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}')
}

/// The text holds nothing dangerous, and shows the attack in escaped, visible form.
/// CSV ends its records with CRLF, as RFC 4180 has it; a CR anywhere else is the data's.
pub fn assert_inert(what: &str, text: &str) {
    let text = text.replace("\r\n", "\n");
    let bad: Vec<char> = text.chars().filter(|c| dangerous(*c)).collect();
    assert!(
        bad.is_empty(),
        "{what}: {bad:?} reached the output:\n{text}"
    );
}

#[test]
fn every_command_prints_hostile_text_escaped() {
    let file = fixture();
    let cases: Vec<Vec<&str>> = vec![
        vec!["events", &file],
        vec!["events", &file, "-o", "jsonl"],
        vec!["events", &file, "-o", "json"],
        vec![
            "query",
            &file,
            "fields @timestamp, userAgent, requestURI, user.username, objectRef.name, \
             requestObject.data.x, responseStatus.message, impersonatedUser.username, \
             `annotations.authorization.k8s.io/reason`",
        ],
        vec!["query", &file, "stats count(*) by userAgent"],
        vec!["query", &file, "fields @message", "-o", "jsonl"],
        vec!["query", &file, "fields @message", "-o", "csv"],
        vec!["detect", &file],
        vec!["detect", &file, "-o", "json"],
        vec!["formats", &file],
    ];
    for args in cases {
        let out = kaudit(&args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let what = args.join(" ");
        assert_inert(&format!("{what} (stdout)"), &stdout);
        assert_inert(&format!("{what} (stderr)"), &stderr);
        if args[0] == "events" && args.len() == 2 {
            assert!(stdout.contains(r"\x1b]0;PWNED-TITLE\x07"), "{stdout}");
            assert!(
                stdout.contains(r"\u{9b}2J\u{9d}0;c1title\u{9c}"),
                "{stdout}"
            );
            // The broken line holding raw escapes is said to be broken, where it ends.
            assert!(
                stderr.contains("hostile.jsonl:9:100: malformed"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn a_whole_event_with_raw_controls_in_its_strings_is_printed_escaped() {
    // Raw ESC, BEL, C1 and a bidi override inside the strings of an otherwise whole event:
    // a writer that does not escape them, or an attacker who wrote the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("raw.log");
    let user = "raw-\u{1b}]0;RAW-TITLE\u{7}\u{9b}2J\u{202e}gnp.exe";
    let event = format!(
        "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"raw-1\",\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"user\":{{\"username\":\"{user}\"}},\"stageTimestamp\":\"2026-11-02T08:00:00.000000Z\"}}\n"
    );
    std::fs::write(&file, event).unwrap();
    let path = file.to_str().unwrap();
    for args in [
        vec!["events", path],
        vec!["events", path, "-o", "jsonl"],
        vec!["events", path, "-o", "json"],
        vec!["query", path, "fields @message", "-o", "jsonl"],
        vec!["query", path, "fields user.username"],
    ] {
        let out = kaudit(&args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_inert(&args.join(" "), &stdout);
        assert_inert(&args.join(" "), &stderr);
        assert!(
            stdout.contains("raw-"),
            "{}: {stdout}{stderr}",
            args.join(" ")
        );
        if args.contains(&"jsonl") && args[0] == "events" {
            // Still the event: the JSON escapes read back as the same name.
            let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
            assert_eq!(v["user"]["username"], user);
        }
    }
}

#[test]
fn a_hostile_file_name_is_escaped_in_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("evil\u{1b}]0;FILE-TITLE\u{7}\u{202e}.log");
    std::fs::write(
        &name,
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"verb\":\n{\"no\":1}\n",
    )
    .unwrap();
    let path = name.to_str().unwrap();
    for args in [
        vec!["events", path],
        vec!["query", path, "fields @log, @logStream"],
        vec!["detect", path],
        vec!["events", "/nonexistent/\u{1b}[2Jgone.log"],
    ] {
        let out = kaudit(&args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_inert(&args.join(" "), &stdout);
        assert_inert(&args.join(" "), &stderr);
        assert!(
            stderr.contains(r"\x1b") || stdout.contains(r"\x1b"),
            "{stdout}{stderr}"
        );
    }
}

#[test]
fn the_console_shows_hostile_text_escaped_and_the_terminal_is_untouched() {
    if !tmux_available("the_console_shows_hostile_text_escaped_and_the_terminal_is_untouched") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.jsonl");
    std::fs::write(&file, "").unwrap();
    let file_arg = file.display().to_string();
    // Followed, so that the hostile lines arrive while the console runs, as in a tail.
    let pane = Pane::start("hostile", dir.path(), &["--follow", &file_arg], 200, 50);
    let tmux = |args: &[&str]| pane.tmux(args);
    // OSC 52 would land in tmux's buffers if it got through; the pane's title is known.
    tmux(&["set-option", "-t", &pane.session, "set-clipboard", "on"]);
    tmux(&[
        "select-pane",
        "-t",
        &pane.session,
        "-T",
        "kaudit-test-title",
    ]);
    let buffers_before = tmux(&["list-buffers"]);
    // Written once the file is followed, not while it is loaded: this test is about what the
    // screen shows, not about lines written in between.
    pane.wait_for("following:");
    let hostile = std::fs::read(fixture()).unwrap();
    std::fs::write(&file, &hostile).unwrap();
    let screen = pane.wait_for("PWNED-TITLE");
    assert!(screen.contains(r"\x1b]0;PWNED-TITLE\x07"), "{screen}");
    // The line holding raw escapes is broken off: one unreadable line, said once, and no event.
    pane.wait_for("· 8 events ");
    pane.wait_for("· 1 unreadable line (");
    // The detail of the first event, with its decoded reason.
    pane.keys(&["g", "Enter"]);
    pane.wait_for("reason        RBAC: allowed by");
    // The audit ID is under the decoded reason and who, a page down at 50 lines.
    pane.keys(&["PageDown"]);
    pane.wait_for("audit ID      hostile-title");
    pane.keys(&["Escape", "F"]);
    pane.wait_for("fired · Enter shows");
    pane.keys(&["Escape"]);
    let escaped =
        child::output(
            pane.command()
                .args(["capture-pane", "-p", "-e", "-t", &pane.session]),
        );
    // With -e, tmux writes the pane's own colours as SGR sequences: anything else there
    // (a title, a clipboard write, a link, a clear) came from the data.
    let raw = String::from_utf8_lossy(&escaped.stdout);
    let without_sgr = regex::Regex::new(r"\x1b\[[0-9;:]*m")
        .unwrap()
        .replace_all(&raw, "");
    assert_inert("the console's screen", &without_sgr);
    assert_eq!(
        tmux(&[
            "display-message",
            "-p",
            "-t",
            &pane.session,
            "#{pane_title}"
        ]),
        "kaudit-test-title",
        "the data set the terminal's title"
    );
    assert_eq!(
        tmux(&["list-buffers"]),
        buffers_before,
        "the data wrote the clipboard"
    );
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}
