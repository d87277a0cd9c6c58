//! The Kubernetes audit event (`audit.k8s.io/v1` and `v1beta1`), borrowed from its input.
//!
//! Strings borrow from the input bytes unless they hold JSON escapes; `requestObject` and
//! `responseObject` stay raw JSON text, so a view that never opens them pays nothing for them.

use std::borrow::Cow;

/// A string taken from the input: borrowed unless JSON escapes had to be decoded.
pub type Text<'a> = Cow<'a, str>;

/// One audit event. Fields absent from the input are `None` / empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event<'a> {
    pub kind: Option<Text<'a>>,
    pub api_version: Option<Text<'a>>,
    pub level: Option<Text<'a>>,
    pub audit_id: Option<Text<'a>>,
    pub stage: Option<Text<'a>>,
    pub request_uri: Option<Text<'a>>,
    pub verb: Option<Text<'a>>,
    pub user: UserInfo<'a>,
    pub impersonated_user: Option<UserInfo<'a>>,
    pub source_ips: Vec<Text<'a>>,
    pub user_agent: Option<Text<'a>>,
    pub object_ref: Option<ObjectRef<'a>>,
    pub response_status: Option<ResponseStatus<'a>>,
    /// Raw JSON text of `requestObject`, exactly as in the input.
    pub request_object: Option<&'a str>,
    /// Raw JSON text of `responseObject`, exactly as in the input.
    pub response_object: Option<&'a str>,
    pub request_received_timestamp: Option<Text<'a>>,
    pub stage_timestamp: Option<Text<'a>>,
    /// `v1beta1` only: the time the event was generated.
    pub timestamp: Option<Text<'a>>,
    /// All annotations, in input order.
    pub annotations: Vec<(Text<'a>, Text<'a>)>,
    /// The input ended before the event did (CloudWatch cuts entries at 256 KB): what the
    /// prefix held is kept, the rest is missing.
    pub truncated: bool,
    /// The record's text as decoded, checked for UTF-8 (up to the last whole character of a
    /// record cut inside one), so that later readers need not check it again.
    pub text: &'a str,
}

/// `user` and `impersonatedUser`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserInfo<'a> {
    pub username: Option<Text<'a>>,
    pub uid: Option<Text<'a>>,
    pub groups: Vec<Text<'a>>,
    /// `extra`: EKS puts `arn`, `sessionName`, `accessKeyId`, `principalId` here.
    pub extra: Vec<(Text<'a>, Vec<Text<'a>>)>,
}

/// `objectRef`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectRef<'a> {
    pub resource: Option<Text<'a>>,
    pub namespace: Option<Text<'a>>,
    pub name: Option<Text<'a>>,
    pub uid: Option<Text<'a>>,
    pub api_group: Option<Text<'a>>,
    pub api_version: Option<Text<'a>>,
    pub resource_version: Option<Text<'a>>,
    pub subresource: Option<Text<'a>>,
}

/// `responseStatus` (a `metav1.Status`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseStatus<'a> {
    pub code: Option<i64>,
    pub status: Option<Text<'a>>,
    pub reason: Option<Text<'a>>,
    pub message: Option<Text<'a>>,
}

/// The annotation that holds the authorizer's verdict (`allow` / `forbid`).
pub const DECISION_ANNOTATION: &str = "authorization.k8s.io/decision";
/// The annotation that says which rule allowed (or why it forbade) the request.
pub const REASON_ANNOTATION: &str = "authorization.k8s.io/reason";

impl<'a> Event<'a> {
    /// The value of one annotation.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// `authorization.k8s.io/decision`.
    pub fn decision(&self) -> Option<&str> {
        self.annotation(DECISION_ANNOTATION)
    }

    /// `authorization.k8s.io/reason`.
    pub fn reason(&self) -> Option<&str> {
        self.annotation(REASON_ANNOTATION)
    }

    pub fn username(&self) -> Option<&str> {
        self.user.username.as_deref()
    }

    pub fn verb(&self) -> Option<&str> {
        self.verb.as_deref()
    }

    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// The event's own time, as Logs Insights' `@timestamp` falls back to it: `stageTimestamp`,
    /// else `requestReceivedTimestamp`, else `timestamp` (v1beta1); in microseconds since the epoch.
    pub fn time_micros(&self) -> Option<i64> {
        [
            &self.stage_timestamp,
            &self.request_received_timestamp,
            &self.timestamp,
        ]
        .into_iter()
        .flatten()
        .find_map(|t| super::time::parse_rfc3339_micros(t))
    }

    /// One value of `user.extra` (EKS: `arn`, `sessionName`, `accessKeyId`, `principalId`).
    pub fn user_extra(&self, key: &str) -> Option<&str> {
        self.user
            .extra
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.first())
            .map(|v| v.as_ref())
    }
}
