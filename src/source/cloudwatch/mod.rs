//! CloudWatch Logs, where EKS writes its audit log: discovery of the clusters' audit log groups
//! and Logs Insights queries. This is the only module that names an SDK type; the rest of kaudit
//! sees [`Logs`], which speaks the project's own types.
//!
//! | file | owns |
//! |---|---|
//! | `types` | log groups, query polls, statistics, the errors, in kaudit's terms |
//! | `client` | [`Logs`] over the real SDK (`aws-sdk-cloudwatchlogs`), and connecting it |
//! | `errors` | SDK errors into [`CloudError`], naming the IAM action refused |
//! | `query_life` | a Logs Insights query's whole life: start, poll with backoff and progress, cancel, answer |
//! | `live` | live tail: StartLiveTail sessions, restarted and their gaps read back, sampling told |
//! | `read_only` | the only CloudWatch Logs operations kaudit may call, held to a list every call passes |
//! | `poll` | tailing by FilterLogEvents: a look-back window, de-duplicated by event id |
//! | `position` | where a watch stands in a log group, and what a run that left it handed out |
//! | `split` | past the 10,000-row cap: answers of events cut in two (halves sharing their boundary second) until every part answers in full; any other answer one query |
//! | `values` | the answer's text values as the engine's values (numbers, AWS's timestamps) |

mod client;
mod errors;
mod live;
mod poll;
mod position;
mod query_life;
mod read_only;
mod split;
mod types;
mod values;

pub use client::{ATTEMPT_TIMEOUT, CALL_TIMEOUT, Connect, NoStreamPrefix, SdkLogs};
pub use live::{
    LiveMsg, LiveNote, LiveOptions, LiveTarget, follow, follow_from, group_arn,
    session_limit_reached,
};
pub use poll::{FilterPage, Poller, TailEvent, TailTarget, poll};
pub use position::{Position, event_key};
pub use query_life::{CloudQuery, CloudRun, run_query};
pub use read_only::{ALLOWED_OPERATIONS, ReadOnly};
pub use split::{AWS_ROW_CAP, Order, Reading, SplitProgress, SplitRun, reading, run_split};
pub use types::{
    CloudError, LogGroup, QueryPoll, QueryState, QueryStats, audit_group_of_cluster,
    cluster_of_group,
};
pub use values::{answer_from_rows, parse_aws_time};

use std::future::Future;

/// What kaudit asks of CloudWatch Logs. Implemented over the SDK ([`SdkLogs`]), and by test
/// wrappers that inject faults.
pub trait Logs: Send + Sync {
    /// Log groups whose name starts with `prefix`, every page.
    fn log_groups(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<LogGroup>, CloudError>> + Send;

    /// As [`Logs::log_groups`], and in a monitoring account (CloudWatch cross-account
    /// observability) those of every linked source account too, each with an ARN naming its
    /// account. A reader that knows no linked accounts lists its own.
    fn linked_log_groups(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<LogGroup>, CloudError>> + Send {
        self.log_groups(prefix)
    }

    /// Starts a Logs Insights query over `groups` (names, or ARNs sent as
    /// `logGroupIdentifiers`, as a monitoring account names its linked accounts' groups) from `start_s` to `end_s` (epoch seconds);
    /// returns its id.
    fn start_query(
        &self,
        groups: &[String],
        start_s: i64,
        end_s: i64,
        text: &str,
    ) -> impl Future<Output = Result<String, CloudError>> + Send;

    /// Where the query stands, and its rows so far.
    fn query_results(&self, id: &str)
    -> impl Future<Output = Result<QueryPoll, CloudError>> + Send;

    /// Stops a running query.
    fn stop_query(&self, id: &str) -> impl Future<Output = Result<(), CloudError>> + Send;

    /// The whole event a result row's `@ptr` points at: its fields, `@message` among them.
    fn log_record(
        &self,
        ptr: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, CloudError>> + Send;

    /// Starts a live tail session; its messages come on the channel, the last one `Ended`.
    fn live_tail(
        &self,
        target: &LiveTarget,
    ) -> impl Future<Output = Result<tokio::sync::mpsc::UnboundedReceiver<LiveMsg>, CloudError>> + Send;

    /// One page of the target's events from `start_ms` to `end_ms` (both epoch ms).
    fn filter_log_events(
        &self,
        target: &TailTarget,
        start_ms: i64,
        end_ms: i64,
        next: Option<String>,
    ) -> impl Future<Output = Result<FilterPage, CloudError>> + Send;
}
