//! Read-only by design: every client kaudit builds refuses, before anything is signed or sent,
//! any CloudWatch Logs operation but the few it reads with. An analyst's credentials in an
//! incident are often an administrator's; nothing kaudit does may change the account.

use aws_sdk_cloudwatchlogs::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// The only operations a kaudit client sends. StartQuery and StopQuery start and stop a Logs
/// Insights query (they change nothing stored); StartLiveTail opens a live tail.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "DescribeLogGroups",
    "FilterLogEvents",
    "GetLogRecord",
    "GetQueryResults",
    "StartLiveTail",
    "StartQuery",
    "StopQuery",
];

/// The interceptor that enforces [`ALLOWED_OPERATIONS`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnly;

impl Intercept for ReadOnly {
    fn name(&self) -> &'static str {
        "ReadOnly"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        allowed(cfg)
    }

    fn read_before_transmit(
        &self,
        _context: &aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Checked again at the last moment, in case an operation was re-routed on the way.
        allowed(cfg)
    }
}

/// Ok for an operation of [`ALLOWED_OPERATIONS`]; else an error that names it.
fn allowed(cfg: &ConfigBag) -> Result<(), BoxError> {
    match cfg.load::<Metadata>().map(Metadata::name) {
        Some(name) if ALLOWED_OPERATIONS.contains(&name) => Ok(()),
        Some(name) => Err(format!("kaudit is read-only: it does not send {name}").into()),
        None => Err("kaudit is read-only: an operation without a name was not sent".into()),
    }
}
