//! [`Logs`] over the real SDK, and connecting it through aws-config's default chain
//! (environment, profile, SSO, assume-role, web identity, instance metadata).

use std::time::Duration;

use super::types::arn_of;

use aws_config::BehaviorVersion;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::types::QueryStatus;

use aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream;
use aws_sdk_cloudwatchlogs::types::error::StartLiveTailResponseStreamError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;

use super::Logs;
use super::errors::{classify, from_sdk};
use super::live::{LiveMsg, LiveTarget};
use super::poll::{FilterPage, TailEvent, TailTarget};
use super::read_only::ReadOnly;
use super::types::{CloudError, LogGroup, QueryPoll, QueryState, QueryStats};

/// Where and as whom to connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connect {
    /// A profile of the AWS config files; else the default chain.
    pub profile: Option<String>,
    /// Else the profile's or the environment's.
    pub region: Option<String>,
    /// An emulator or a VPC endpoint.
    pub endpoint_url: Option<String>,
    /// A role to assume (STS AssumeRole) with the credentials found, to reach another account.
    pub role_arn: Option<String>,
}

/// StartLiveTail is sent to a host prefixed `stream-`; with an endpoint of one's own (an emulator,
/// a VPC endpoint) that host does not exist, so the prefix is taken off.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStreamPrefix;

impl Intercept for NoStreamPrefix {
    fn name(&self) -> &'static str {
        "NoStreamPrefix"
    }

    fn modify_before_retry_loop(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}

/// CloudWatch Logs through `aws-sdk-cloudwatchlogs`.
#[derive(Debug, Clone)]
pub struct SdkLogs {
    client: Client,
    /// The configuration it was connected with, for STS to say whose credentials they are.
    shared: Option<aws_config::SdkConfig>,
}

/// The configuration of the default chain, as the AWS CLI would load it, with the role of
/// `connect` assumed when it names one.
async fn load(connect: &Connect) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &connect.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &connect.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    let shared = loader.load().await;
    let Some(role) = &connect.role_arn else {
        return shared;
    };
    // aws-config's own provider: it renews the session before it expires, and STS is reached
    // as the environment says (AWS_ENDPOINT_URL_STS, the profile's region).
    let assumed = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name("kaudit")
        .configure(&shared)
        .build()
        .await;
    shared
        .into_builder()
        .credentials_provider(
            aws_sdk_cloudwatchlogs::config::SharedCredentialsProvider::new(assumed),
        )
        .build()
}

impl SdkLogs {
    /// A client from the default chain, as the AWS CLI would build it.
    pub async fn connect(connect: &Connect) -> SdkLogs {
        let shared = load(connect).await;
        let mut config =
            aws_sdk_cloudwatchlogs::config::Builder::from(&shared).interceptor(ReadOnly);
        if let Some(url) = &connect.endpoint_url {
            config = config.endpoint_url(url).interceptor(NoStreamPrefix);
        }
        SdkLogs {
            client: Client::from_conf(config.build()),
            shared: Some(shared),
        }
    }

    /// The AWS account whose credentials the client uses (STS GetCallerIdentity, which needs
    /// no permission); `None` when STS does not answer or the client was built elsewhere.
    pub async fn account(&self) -> Option<String> {
        let shared = self.shared.as_ref()?;
        let sts = aws_sdk_sts::Client::new(shared);
        let out = sts.get_caller_identity().send().await.ok()?;
        out.account().map(str::to_string)
    }

    /// Over a client built elsewhere (tests build one with fixed credentials), made read-only
    /// as every client of kaudit's is, and given kaudit's timeouts unless it has its own.
    pub fn from_client(client: Client) -> SdkLogs {
        let mut builder = client.config().to_builder().interceptor(ReadOnly);
        let has_own = client
            .config()
            .timeout_config()
            .is_some_and(|t| t.operation_attempt_timeout().is_some());
        if !has_own {
            builder = builder.timeout_config(timeouts());
        }
        let config = builder.build();
        SdkLogs {
            client: Client::from_conf(config),
            shared: None,
        }
    }

    /// The region the client will call, for messages.
    pub fn region(&self) -> Option<String> {
        self.client.config().region().map(|r| r.to_string())
    }
}

/// How long one attempt of a call may take before it is abandoned and retried, and a call with
/// its retries in all: a CloudWatch that stops answering must not hang the console. A live
/// tail's stream is exempt (see `start_live`); only its opening is bounded.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
pub const CALL_TIMEOUT: Duration = Duration::from_secs(90);

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// A live session's end, named by the exception AWS sent when its code is not in the frame.
fn live_error<R: std::fmt::Debug + 'static>(
    e: aws_sdk_cloudwatchlogs::error::SdkError<StartLiveTailResponseStreamError, R>,
) -> CloudError {
    use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
    let named = match &e {
        aws_sdk_cloudwatchlogs::error::SdkError::ServiceError(service)
            if service.err().code().is_none() =>
        {
            match service.err() {
                StartLiveTailResponseStreamError::SessionTimeoutException(x) => Some((
                    "SessionTimeoutException",
                    x.message().unwrap_or_default().to_string(),
                )),
                StartLiveTailResponseStreamError::SessionStreamingException(x) => Some((
                    "SessionStreamingException",
                    x.message().unwrap_or_default().to_string(),
                )),
                _ => None,
            }
        }
        _ => None,
    };
    match named {
        Some((code, message)) => classify("StartLiveTail", code.to_string(), message),
        None => from_sdk("StartLiveTail", e),
    }
}

fn state(status: Option<&QueryStatus>) -> QueryState {
    match status {
        Some(QueryStatus::Scheduled) => QueryState::Scheduled,
        Some(QueryStatus::Running) => QueryState::Running,
        Some(QueryStatus::Complete) => QueryState::Complete,
        Some(QueryStatus::Failed) => QueryState::Failed,
        Some(QueryStatus::Cancelled) => QueryState::Cancelled,
        Some(QueryStatus::Timeout) => QueryState::Timeout,
        _ => QueryState::Unknown,
    }
}

impl SdkLogs {
    /// DescribeLogGroups, every page; with `linked`, the linked source accounts' too.
    async fn describe_groups(
        &self,
        prefix: &str,
        linked: bool,
    ) -> Result<Vec<LogGroup>, CloudError> {
        let mut groups = Vec::new();
        let mut request = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(prefix);
        if linked {
            request = request.include_linked_accounts(true);
        }
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| from_sdk("DescribeLogGroups", e))?;
            for g in page.log_groups() {
                let Some(name) = g.log_group_name() else {
                    continue;
                };
                let arn = g
                    .log_group_arn()
                    .map(str::to_string)
                    .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()));
                groups.push(LogGroup {
                    name: name.to_string(),
                    arn,
                    stored_bytes: g.stored_bytes(),
                    created_ms: g.creation_time(),
                });
            }
        }
        Ok(groups)
    }
}

impl Logs for SdkLogs {
    async fn log_groups(&self, prefix: &str) -> Result<Vec<LogGroup>, CloudError> {
        self.describe_groups(prefix, false).await
    }

    async fn linked_log_groups(&self, prefix: &str) -> Result<Vec<LogGroup>, CloudError> {
        self.describe_groups(prefix, true).await
    }

    async fn start_query(
        &self,
        groups: &[String],
        start_s: i64,
        end_s: i64,
        text: &str,
    ) -> Result<String, CloudError> {
        let mut request = self
            .client
            .start_query()
            .start_time(start_s)
            .end_time(end_s)
            .query_string(text);
        // A monitoring account names its linked accounts' groups by ARN, which only
        // `logGroupIdentifiers` takes (it takes names too; the two cannot be mixed).
        let by_arn = groups.iter().any(|g| g.starts_with("arn:"));
        for group in groups {
            request = if by_arn {
                request.log_group_identifiers(group)
            } else {
                request.log_group_names(group)
            };
        }
        let out = request
            .send()
            .await
            .map_err(|e| from_sdk("StartQuery", e))?;
        out.query_id()
            .map(str::to_string)
            .ok_or_else(|| CloudError::Service {
                action: "logs:StartQuery".into(),
                code: "NoQueryId".into(),
                message: "AWS started the query but returned no query id".into(),
            })
    }

    async fn query_results(&self, id: &str) -> Result<QueryPoll, CloudError> {
        let out = self
            .client
            .get_query_results()
            .query_id(id)
            .send()
            .await
            .map_err(|e| from_sdk("GetQueryResults", e))?;
        let stats = out
            .statistics()
            .map_or_else(QueryStats::default, |s| QueryStats {
                records_matched: s.records_matched(),
                records_scanned: s.records_scanned(),
                bytes_scanned: s.bytes_scanned(),
            });
        let rows = out
            .results()
            .iter()
            .map(|row| {
                row.iter()
                    .filter_map(|f| Some((f.field()?.to_string(), f.value()?.to_string())))
                    .collect()
            })
            .collect();
        Ok(QueryPoll {
            state: state(out.status()),
            stats,
            rows,
        })
    }

    async fn stop_query(&self, id: &str) -> Result<(), CloudError> {
        self.client
            .stop_query()
            .query_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| from_sdk("StopQuery", e))
    }

    async fn log_record(&self, ptr: &str) -> Result<Vec<(String, String)>, CloudError> {
        let out = self
            .client
            .get_log_record()
            .log_record_pointer(ptr)
            .send()
            .await
            .map_err(|e| from_sdk("GetLogRecord", e))?;
        let mut fields: Vec<(String, String)> = out
            .log_record()
            .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        // A map has no order: the system fields first, then by name.
        fields.sort_by(|a, b| (!a.0.starts_with('@'), &a.0).cmp(&(!b.0.starts_with('@'), &b.0)));
        Ok(fields)
    }

    async fn filter_log_events(
        &self,
        target: &TailTarget,
        start_ms: i64,
        end_ms: i64,
        next: Option<String>,
    ) -> Result<FilterPage, CloudError> {
        let out = self
            .client
            .filter_log_events()
            // A linked account's group, read from a monitoring account, is named by its ARN.
            .set_log_group_name(
                arn_of(&target.group)
                    .is_none()
                    .then(|| target.group.clone()),
            )
            .set_log_group_identifier(arn_of(&target.group).map(str::to_string))
            .set_log_stream_name_prefix(target.stream_prefix.clone())
            .set_filter_pattern(target.pattern.clone())
            .start_time(start_ms)
            .end_time(end_ms)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| from_sdk("FilterLogEvents", e))?;
        let events = out
            .events()
            .iter()
            .filter_map(|e| {
                Some(TailEvent {
                    group: target.group.clone(),
                    event_id: e.event_id()?.to_string(),
                    time_ms: e.timestamp()?,
                    ingestion_ms: e.ingestion_time(),
                    stream: e.log_stream_name().unwrap_or_default().to_string(),
                    message: e.message().unwrap_or_default().to_string(),
                })
            })
            .collect();
        Ok(FilterPage {
            events,
            next: out.next_token().map(str::to_string),
        })
    }

    async fn live_tail(
        &self,
        target: &LiveTarget,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<LiveMsg>, CloudError> {
        let mut request = self.client.start_live_tail();
        for id in &target.identifiers {
            request = request.log_group_identifiers(id);
        }
        if let Some(prefix) = &target.stream_prefix {
            request = request.log_stream_name_prefixes(prefix);
        }
        if let Some(pattern) = &target.pattern {
            request = request.log_event_filter_pattern(pattern);
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        // `send` returns once the first frame is in: the session runs on its own task.
        // The stream lasts as long as the session: only connecting to it is bounded.
        let request = request.customize().config_override(
            aws_sdk_cloudwatchlogs::config::Builder::default().timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .disable_operation_timeout()
                    .disable_operation_attempt_timeout()
                    .build(),
            ),
        );
        tokio::spawn(async move {
            let mut out = match request.send().await {
                Ok(out) => out,
                Err(e) => {
                    let _ = tx.send(LiveMsg::Ended(Some(from_sdk("StartLiveTail", e))));
                    return;
                }
            };
            let _ = tx.send(LiveMsg::Started);
            loop {
                // When the follower lets go of the session, the connection closes at once.
                let received = tokio::select! {
                    r = out.response_stream.recv() => r,
                    () = tx.closed() => return,
                };
                let msg = match received {
                    Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                        let sampled = update.session_metadata().is_some_and(|m| m.sampled());
                        let events = update
                            .session_results()
                            .iter()
                            .map(|e| TailEvent {
                                group: group_of_identifier(
                                    e.log_group_identifier().unwrap_or_default(),
                                ),
                                event_id: String::new(),
                                time_ms: e.timestamp().unwrap_or_default(),
                                ingestion_ms: e.ingestion_time(),
                                stream: e.log_stream_name().unwrap_or_default().to_string(),
                                message: e.message().unwrap_or_default().to_string(),
                            })
                            .collect();
                        LiveMsg::Update { events, sampled }
                    }
                    Ok(Some(_)) => continue,
                    Ok(None) => LiveMsg::Ended(None),
                    Err(e) => LiveMsg::Ended(Some(live_error(e))),
                };
                let last = matches!(msg, LiveMsg::Ended(_));
                if tx.send(msg).is_err() || last {
                    return;
                }
            }
        });
        Ok(rx)
    }
}

/// The log group's name in a live tail event's identifier: an ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`, with or without `:*`) or the name itself.
fn group_of_identifier(id: &str) -> String {
    match id.split_once(":log-group:") {
        Some((_, name)) => name.trim_end_matches(":*").to_string(),
        None => id.to_string(),
    }
}
