//! CloudWatch's answers in kaudit's own terms.

use std::fmt;

/// A log group, as discovery lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    pub name: String,
    /// Its ARN without the trailing `:*`, as StartLiveTail wants it.
    pub arn: Option<String>,
    pub stored_bytes: Option<i64>,
    /// Epoch ms.
    pub created_ms: Option<i64>,
}

impl LogGroup {
    /// The EKS cluster whose audit log this is, for `/aws/eks/NAME/cluster`.
    pub fn cluster(&self) -> Option<&str> {
        cluster_of_group(&self.name)
    }
}

/// `NAME` of `/aws/eks/NAME/cluster`.
pub fn cluster_of_group(group: &str) -> Option<&str> {
    group
        .strip_prefix("/aws/eks/")?
        .strip_suffix("/cluster")
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// The log group EKS writes a cluster's audit log to.
pub fn audit_group_of_cluster(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// Where a query is, as AWS says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryState {
    Scheduled,
    Running,
    Complete,
    Failed,
    Cancelled,
    Timeout,
    Unknown,
}

impl QueryState {
    /// No more rows will come.
    pub fn finished(self) -> bool {
        matches!(
            self,
            QueryState::Complete | QueryState::Failed | QueryState::Cancelled | QueryState::Timeout
        )
    }
}

/// AWS's query statistics (it reports them as floating-point numbers).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueryStats {
    pub records_matched: f64,
    pub records_scanned: f64,
    pub bytes_scanned: f64,
}

/// One GetQueryResults answer: the state, the statistics, and every row so far as `(field,
/// value)` pairs in AWS's order.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPoll {
    pub state: QueryState,
    pub stats: QueryStats,
    pub rows: Vec<Vec<(String, String)>>,
}

/// Why CloudWatch did not answer. Messages are AWS's own, verbatim (made terminal-safe where
/// they are shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error(
        "no AWS credentials were found ({detail}); set AWS_PROFILE or --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    NoCredentials { detail: String },
    #[error(
        "the AWS credentials are expired or invalid ({code}: {message}); refresh them (`aws sso login`, a new session token) and try again"
    )]
    BadCredentials { code: String, message: String },
    #[error(
        "AWS refused {action}: {message}; the identity needs `{action}` on the log group (README: the minimal IAM policy)"
    )]
    AccessDenied { action: String, message: String },
    #[error("AWS is throttling {action} ({code}: {message})")]
    Throttled {
        action: String,
        code: String,
        message: String,
    },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error("{action} failed: {code}: {message}")]
    Service {
        action: String,
        code: String,
        message: String,
    },
    #[error("cannot reach CloudWatch Logs for {action}: {message}")]
    Transport { action: String, message: String },
    #[error("the query {state}: {message}")]
    QueryEnded { state: String, message: String },
}

impl CloudError {
    /// Worth trying again after a pause: throttling and limits.
    pub fn is_throttling(&self) -> bool {
        matches!(self, CloudError::Throttled { .. })
    }

    /// CloudWatch failed on its side or could not be reached, and the SDK's retries are spent:
    /// trying again later may work.
    pub fn is_transient(&self) -> bool {
        match self {
            CloudError::Throttled { .. } | CloudError::Transport { .. } => true,
            CloudError::Service { code, .. } => matches!(
                code.as_str(),
                "ServiceUnavailableException"
                    | "ServiceUnavailable"
                    | "InternalFailure"
                    | "InternalServerError"
                    | "InternalServerException"
                    | "RequestTimeout"
                    | "RequestTimeoutException"
            ),
            _ => false,
        }
    }

    /// AWS found no credentials or turned them down: refreshing them, not waiting, mends it.
    pub fn is_credentials(&self) -> bool {
        matches!(
            self,
            CloudError::NoCredentials { .. } | CloudError::BadCredentials { .. }
        )
    }
}

impl fmt::Display for QueryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            QueryState::Scheduled => "is scheduled",
            QueryState::Running => "is running",
            QueryState::Complete => "is complete",
            QueryState::Failed => "failed",
            QueryState::Cancelled => "was cancelled",
            QueryState::Timeout => "timed out (CloudWatch stops a query after 60 minutes)",
            QueryState::Unknown => "is in a state AWS did not name",
        };
        f.write_str(s)
    }
}

/// The ARN a log group is named by (a linked account's, in a monitoring account), without the
/// `:*` DescribeLogGroups ends it with; none for a group named by its name.
pub fn arn_of(group: &str) -> Option<&str> {
    group
        .starts_with("arn:")
        .then(|| group.trim_end_matches(":*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_and_their_audit_groups() {
        assert_eq!(cluster_of_group("/aws/eks/prod-1/cluster"), Some("prod-1"));
        assert_eq!(cluster_of_group("/aws/eks/prod-1/other"), None);
        assert_eq!(cluster_of_group("/aws/eks//cluster"), None);
        assert_eq!(cluster_of_group("/aws/eks/a/b/cluster"), None);
        assert_eq!(audit_group_of_cluster("prod-1"), "/aws/eks/prod-1/cluster");
    }
}
