//! The binary under test, run as a person runs it: arguments, standard input, output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `kaudit`, with nothing set: the caller adds arguments, environment and folder.
pub fn kaudit_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kaudit"))
}

/// `kaudit ARGS`, run to its end (within [`super::child::CHILD_TIMEOUT`]).
pub fn kaudit(args: &[&str]) -> Output {
    super::child::output(kaudit_command().args(args))
}

/// `kaudit ARGS` with `input` on its standard input, run to its end (within the same limit).
pub fn kaudit_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = kaudit_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    super::child::wait_output(child, &format!("kaudit {}", args.join(" ")))
}

/// Output that must be UTF-8.
pub fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// Output that must be JSON lines, one value a line.
pub fn jsonl(b: &[u8]) -> Vec<serde_json::Value> {
    text(b)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
