//! CloudWatch Logs as the engine reads it: one source ([`CloudSource`]) over the SDK's client,
//! every query's steps in one place ([`run`]), the detections there: those that only keep
//! events share one query per batch ([`way_of`], [`DetectPlan`]), their events told apart by
//! kaudit's own plans; one question over many accounts and regions ([`run_fleet`]), or a fleet named in
//! `fleet.toml` ([`load_fleet`]). A watch follows many targets' groups in live tail sessions
//! and polls ([`start_parts`]), and keeps each group's position in a state file ([`StateFile`]).

mod classify;
mod client;
mod combine;
mod detect;
mod fleet;
mod fleet_file;
mod fleet_find;
mod fleet_gate;
mod fleet_source;
mod fleet_status;
mod fleet_text;
mod follow;
pub mod price;
mod query;
mod source;
mod state;
mod tail_fleet;
mod watch;

pub use client::{ClientSlot, refresh_advice};
pub use combine::{Batch, MAX_QUERY_LEN, Way, way_of};
pub use detect::{CloudDetected, DetectPlan, detect, detect_planned};
pub use fleet::{
    FleetAnswer, FleetRun, FleetTarget, MAX_GROUPS_PER_QUERY, Merge, PlannedQuery, account_of_arn,
    find_groups, glob_match, is_glob, of_identifier, plan, run_fleet, too_long, too_long_why,
};
pub use fleet_file::{
    FleetAccount, NamedFleet, fleet_file_path, load_fleet, load_prices, parse_prices,
};
pub use fleet_find::{FleetScope, FoundTarget, find_targets};
pub use fleet_gate::{FIRST_CONCURRENCY, MOST_CONCURRENCY, concurrency};
pub use fleet_source::{FleetSettings, FleetSource};
pub use fleet_status::{TargetNote, TargetResult, TargetStatus};
pub use fleet_text::{
    FLEET_FIELDS, places, second_of, status_words, unlisted_words, without_fleet_keys,
};
pub use query::{CloudAnswer, CloudFacts, CloudRange, run, whole_seconds};
pub use source::{CloudSettings, CloudSource, Cluster};
pub use state::{SAVE_EVERY, StateError, StateFile};
pub use tail_fleet::{
    Followed, LIVE_GROUPS_PER_SESSION, LIVE_SESSIONS_PER_ACCOUNT, Noted, Part, PartNote,
    plan_parts, start_parts,
};
pub use watch::{Watch, watch_live, watch_polled};

/// What the command line names to reach CloudWatch, the cap it words its notes with, and what
/// a watch tells it.
pub use crate::source::cloudwatch::{
    AWS_ROW_CAP, CloudError, Connect, LiveNote, Position, SdkLogs, TailEvent,
    audit_group_of_cluster, cluster_of_group, session_limit_reached,
};
