//! The integration tests, in one binary: each module was once a test binary of its own, and
//! each linked the whole crate again. Run one with `cargo test --test it MODULE::` (a filter on
//! the test's path, e.g. `cargo test --test it insights_errors::`).
//!
//! The tests share this process: nothing here changes the process's environment or working
//! folder (a child gets its own with `Command::env` and `Command::current_dir`), ports come from
//! `support::moto::free_port`, and tmux servers are named per pane.
#![allow(clippy::unwrap_used)]

mod support;

mod canned_queries;
mod case;
mod case_cloud;
mod case_report_browser;
mod cli;
mod cloudwatch;
mod cloudwatch_detect;
mod cloudwatch_faults;
mod cloudwatch_live;
mod cloudwatch_read_only;
mod cloudwatch_recovery;
mod cloudwatch_split;
mod cloudwatch_tail;
mod cloudwatch_tail_faults;
mod cloudwatch_tail_state;
mod console_case;
mod console_e2e;
mod console_fleet;
mod console_retry;
mod console_walkthrough;
mod corpus_formats;
mod demo_incident;
mod detections_corpus;
mod detections_fixtures;
mod detections_lists;
mod detections_one_pass;
mod export;
mod export_faults;
mod fleet;
mod fleet_named;
mod fleet_oam;
mod fleet_run;
mod formats;
mod formats_aks;
mod formats_gke;
mod fuzz_regressions;
mod insights_errors;
mod insights_golden;
mod licences;
mod query_library;
mod query_ptr;
mod query_unknown_fields;
mod reason_corpus;
mod store;
mod tail_fleet;
mod tail_fleet_more;
mod tail_fleet_state;
mod terminal_restore;
mod terminal_safety;
mod themes;
mod time_floor;
mod timeline;
mod tui_query;
mod watch;
