//! What the CloudWatch tests share: the emulator, and seeding it.
#![allow(dead_code)]

pub mod moto;
