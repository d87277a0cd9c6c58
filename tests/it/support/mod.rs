//! What the integration tests share: the CloudWatch emulator and seeding it, a loopback server of
//! our own, a tmux pane, and the third-party corpus.
#![allow(dead_code)]

pub mod cloud_server;
mod corpus;
pub mod moto;
pub mod pane;

pub use corpus::corpus_dir;
