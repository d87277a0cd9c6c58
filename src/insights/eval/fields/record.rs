//! The system fields Logs Insights adds to every record (`@timestamp`, `@message`, …), next to
//! the fields of the event's JSON.

use std::fmt;

use crate::audit::formats::{AuditRecord, provenance};
use crate::insights::eval::value::Value;

use super::{FieldPath, FieldSet, get};

/// A field Logs Insights generates for every record rather than reading it from the event.
///
/// CloudWatch also has `@entity` (telemetry entities, absent from EKS audit logs) and no
/// `@eventId`: the event id of `filter-log-events` output stays on [`AuditRecord`], so that a
/// query gives the same answer here as in CloudWatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemField {
    /// The event time, as [`Value::Time`].
    Timestamp,
    /// The whole event JSON.
    Message,
    LogStream,
    /// The log group (a local input's name when it has none).
    Log,
    /// When CloudWatch received the event, as [`Value::Time`]; missing for local files.
    IngestionTime,
    /// `<source id>:<byte offset>`: where the record is, for the detail view.
    Ptr,
    /// kaudit's own: the service that wrote the event (`eks`, `gke`, `aks`, `k8s`).
    Source,
    /// kaudit's own: the cluster, where the record or its log group names it.
    Cluster,
    /// kaudit's own: the AWS account, GCP project or Azure subscription, where named.
    Account,
    /// kaudit's own: the AWS region a fleet's row was read in, GKE's location, where named.
    Region,
}

impl SystemField {
    pub const ALL: [SystemField; 10] = [
        SystemField::Timestamp,
        SystemField::Message,
        SystemField::LogStream,
        SystemField::Log,
        SystemField::IngestionTime,
        SystemField::Ptr,
        SystemField::Source,
        SystemField::Cluster,
        SystemField::Account,
        SystemField::Region,
    ];

    /// The name in a query, `@` included.
    pub fn name(self) -> &'static str {
        match self {
            SystemField::Timestamp => "@timestamp",
            SystemField::Message => "@message",
            SystemField::LogStream => "@logStream",
            SystemField::Log => "@log",
            SystemField::IngestionTime => "@ingestionTime",
            SystemField::Ptr => "@ptr",
            SystemField::Source => "@source",
            SystemField::Cluster => "@cluster",
            SystemField::Account => "@account",
            SystemField::Region => "@region",
        }
    }

    /// A field kaudit adds, which CloudWatch Logs Insights does not have.
    pub fn kaudits_own(self) -> bool {
        matches!(
            self,
            SystemField::Source | SystemField::Cluster | SystemField::Account | SystemField::Region
        )
    }

    /// The field a name stands for; exact case, as in Logs Insights.
    pub fn from_name(name: &str) -> Option<SystemField> {
        SystemField::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for SystemField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fields of one record: system fields from the record, every other name from its JSON.
#[derive(Debug, Clone, Copy)]
pub struct RecordFields<'r, 'a> {
    record: &'r AuditRecord<'a>,
    /// The event JSON as text, checked for UTF-8 once.
    message: &'r str,
}

impl<'r, 'a> RecordFields<'r, 'a> {
    pub fn new(record: &'r AuditRecord<'a>) -> Self {
        RecordFields {
            record,
            message: record.message_str(),
        }
    }

    /// The event JSON as text.
    pub fn message(&self) -> &'r str {
        self.message
    }

    pub fn system(&self, field: SystemField) -> Value {
        let sys = &self.record.system;
        match field {
            SystemField::Timestamp => sys.timestamp_ms.map_or(Value::Missing, Value::Time),
            SystemField::Message => Value::str(self.message()),
            SystemField::LogStream => Value::str(&sys.log_stream),
            SystemField::Log => Value::str(&sys.log_group),
            SystemField::IngestionTime => sys.ingestion_time_ms.map_or(Value::Missing, Value::Time),
            SystemField::Ptr => Value::str(&sys.ptr()),
            SystemField::Source => Value::str(provenance(self.record).cloud.name()),
            SystemField::Cluster => provenance(self.record)
                .cluster
                .map_or(Value::Missing, |c| Value::str(&c)),
            SystemField::Account => provenance(self.record)
                .account
                .map_or(Value::Missing, |a| Value::str(&a)),
            SystemField::Region => provenance(self.record)
                .region
                .map_or(Value::Missing, |r| Value::str(&r)),
        }
    }

    /// The value of one name.
    pub fn get(&self, path: &FieldPath) -> Value {
        match path.system() {
            Some(field) => self.system(field),
            None => get(self.message(), path),
        }
    }

    /// All the names of `set` at once, as [`FieldSet::resolve`] with the system fields filled.
    pub fn resolve(&self, set: &FieldSet, out: &mut [Value]) {
        set.resolve(self.message(), out);
        for (slot, path) in out.iter_mut().zip(set.paths()) {
            if let Some(field) = path.system() {
                *slot = self.system(field);
            }
        }
    }
}
