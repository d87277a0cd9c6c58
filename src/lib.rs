//! kaudit: a terminal console for investigating Kubernetes API-server audit logs, above all
//! Amazon EKS audit logs in CloudWatch Logs.
//!
//! # Module map
//! Modules depend only downward in this list.
//!
//! | module | owns |
//! |---|---|
//! | [`text`] | making attacker-controlled text safe to show on a terminal; the known name nearest to a misspelt one ([`text::suggest`]); a count with its noun in the right number ([`text::count`]) |
//! | [`audit`] | the audit event model, its fast decoder, input formats, the `authorization.k8s.io/reason` decoder; what an exec asked for ([`audit::exec`]) and the `aws-auth` mappings ([`audit::aws_auth`]) |
//! | [`insights`] | the Logs Insights query language: [`insights::syntax`] (text → positioned AST), [`insights::check`] (what it means), [`insights::eval`] (values and functions), [`insights::exec`] (plan and run) |
//! | [`source`] | where events come from: [`source::local`] (files, gzip, stdin, follow), [`source::cloudwatch`] (CloudWatch Logs, the only module that names an SDK type) and [`source::demo`] (the built-in incident) |
//! | [`store`] | events held in memory for the console: compact columns, interned strings, facets |
//! | [`catalog`] | the canned queries of `queries/` and the themes of `themes/`: embedded defaults, a user folder on top; the site's lists of `lists/`, filled into the detections that test them |
//! | [`export`] | selected events written out exactly as read, to JSON or JSON lines, safely |
//! | [`case`] | the evidence of an investigation: a private case folder and its journal of marked events (their bytes as read), notes and queries run, appended and synced as they happen |
//! | [`engine`] | what the console and the command line ask of events, written once: a query compiled (parse → check → plan), run over local inputs or in CloudWatch (one account and region, or a fleet of them at once), detections and their findings, events loaded and followed into the store; it reports through its own event type |
//! | [`tui`] | the console: messages, pure update, effects, read-only views, the terminal loop |
//! | [`cli`] | argument parsing and the headless commands (`events`, `query`, `detect`, `queries`, `clusters`, `tail`, `watch`, `formats`, `case`, `demo`, `completions`) |
//! | `fuzzing` | the fuzz targets' bodies, kept here so that what the fuzzers found replays as tests (hidden from the docs) |
//!
//! `main.rs` only calls [`cli::main`]. A test keeps this table naming every module of the crate.

pub mod audit;
pub mod case;
pub mod catalog;
pub mod cli;
pub mod engine;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod insights;
pub mod source;
pub mod store;
pub mod text;
pub mod tui;

#[cfg(test)]
#[path = "lib_tests.rs"]
pub(crate) mod tests;
