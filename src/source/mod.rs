//! Where events come from.

pub mod demo;
pub mod local;
