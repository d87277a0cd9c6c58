//! What the end-to-end tests share: the CloudWatch emulator and seeding it, and a tmux pane.
#![allow(dead_code)]

pub mod cloud_server;
pub mod moto;
pub mod pane;
