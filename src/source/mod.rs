//! Where events come from.

pub mod cloudwatch;
pub mod demo;
pub mod local;
