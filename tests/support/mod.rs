//! What the CloudWatch tests share: the emulator, and seeding it.
#![allow(dead_code)]

pub mod cloud_server;
pub mod moto;
