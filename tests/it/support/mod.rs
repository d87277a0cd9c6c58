//! What the integration tests share: the binary under test, the CloudWatch emulator and seeding
//! it, a loopback server of our own, a tmux pane, the third-party corpus, and waiting for a child
//! process with a time limit.
#![allow(dead_code)]

pub mod child;
pub mod cloud_server;
mod corpus;
mod kaudit;
pub mod moto;
mod oam;
pub mod pane;
pub mod parts;
pub mod records;

pub use corpus::corpus_dir;
pub use kaudit::{jsonl, kaudit, kaudit_command, kaudit_stdin, text};

/// Now, in milliseconds since the epoch, as CloudWatch stamps events.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
