//! How each target of a fleet ended: complete, partial (which seconds), refused (the IAM
//! action), failed; what it scanned and cost.

use crate::source::cloudwatch::{CloudError, QueryStats};

/// How a target ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetStatus {
    Complete,
    /// Some rows are missing: the ranges (`start_s`, `end_s`) not covered, and why.
    Partial {
        uncovered: Vec<(i64, i64)>,
        why: Vec<String>,
    },
    /// AWS refused an IAM action.
    Refused {
        action: String,
        message: String,
    },
    Failed {
        why: String,
    },
}

impl TargetStatus {
    /// What an error of AWS makes of a target: a refused IAM action, or a failure.
    pub fn of_error(e: &CloudError) -> TargetStatus {
        match e {
            CloudError::AccessDenied { action, message } => TargetStatus::Refused {
                action: action.clone(),
                message: message.clone(),
            },
            other => TargetStatus::Failed {
                why: other.to_string(),
            },
        }
    }
}

/// What one target gave.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetResult {
    pub status: TargetStatus,
    /// Calls AWS throttled (or refused for the query limit) and kaudit tried again.
    pub throttled: usize,
    /// StartQuery calls that answered.
    pub queries: usize,
    pub stats: QueryStats,
    pub rows: usize,
}

impl TargetResult {
    /// A target that ended so before any query answered.
    pub fn of(status: TargetStatus) -> TargetResult {
        TargetResult {
            status,
            throttled: 0,
            queries: 0,
            stats: QueryStats::default(),
            rows: 0,
        }
    }

    pub fn complete(&self) -> bool {
        self.status == TargetStatus::Complete
    }
}

/// How one target of a fleet's query ended, as the answer tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetNote {
    /// `account/region`.
    pub label: String,
    /// The role it was read with, if one was assumed.
    pub role: Option<String>,
    pub region: String,
    /// What it scanned cost, and whose price that was, when the region's price is known.
    pub cost: Option<(f64, super::price::PriceFrom)>,
    pub result: TargetResult,
}
