//! Where an event was written: which managed Kubernetes (`@source`), which cluster (`@cluster`)
//! and which account, project or subscription (`@account`), as far as the record says.
//!
//! Worked out from what a record already carries, when asked: the format it was read in, the
//! log group and stream it came from, and, for a record that holds its event (AKS, a SIEM's
//! wrapper), the record's own members. A plain audit event names none of these: it is `k8s`
//! unless its log group or stream says EKS.

use std::borrow::Cow;
use std::ops::ControlFlow;

use super::{AuditRecord, Format};
use crate::audit::json::{Scan, Scanner};

/// The Kubernetes service that wrote an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cloud {
    /// Amazon EKS: read from CloudWatch Logs, or from a log group or stream EKS names.
    Eks,
    /// Google Kubernetes Engine: a Cloud Audit `LogEntry`.
    Gke,
    /// Azure Kubernetes Service: a `kube-audit` diagnostic record or Log Analytics row.
    Aks,
    /// Any other API server, or one the record does not name.
    K8s,
}

impl Cloud {
    /// The value of `@source`.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Eks => "eks",
            Cloud::Gke => "gke",
            Cloud::Aks => "aks",
            Cloud::K8s => "k8s",
        }
    }
}

/// What a record says of where its event was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance<'a> {
    pub cloud: Cloud,
    pub cluster: Option<Cow<'a, str>>,
    /// The AWS account, GCP project or Azure subscription.
    pub account: Option<Cow<'a, str>>,
    /// The AWS region (a fleet's), or GKE's location.
    pub region: Option<Cow<'a, str>>,
}

impl<'a> Provenance<'a> {
    fn of(cloud: Cloud) -> Self {
        Provenance {
            cloud,
            cluster: None,
            account: None,
            region: None,
        }
    }
}

/// Where `record`'s event was written.
pub fn provenance<'a>(record: &AuditRecord<'a>) -> Provenance<'a> {
    match record.format {
        Format::AksDiagnostic | Format::AksLogAnalytics => aks(record.original),
        Format::GkeCloudAudit => gke(record.message),
        Format::Wrapped => wrapped(record.original).unwrap_or_else(|| from_log(record)),
        _ => from_log(record),
    }
}

/// From the log group (`/aws/eks/NAME/cluster`, with `ACCOUNT:` before it as CloudWatch's
/// `@log` writes it). A local file's `@log` is its path: one named like an EKS audit stream
/// (`kube-apiserver-audit-…`, as CloudWatch's exports are) is EKS's too.
fn from_log<'a>(record: &AuditRecord<'a>) -> Provenance<'a> {
    let group = &record.system.log_group;
    if let Some((account, cluster)) = eks_log_group(group) {
        let owned = |s: &str| Some(Cow::Owned(s.to_string()));
        return Provenance {
            cloud: Cloud::Eks,
            cluster: owned(cluster),
            account: account.and_then(owned),
            region: None,
        };
    }
    let cloudwatch = matches!(
        record.format,
        Format::CloudWatchJson | Format::CloudWatchExport | Format::CloudWatchSubscription
    );
    if cloudwatch || group.contains("kube-apiserver-audit") {
        Provenance::of(Cloud::Eks)
    } else {
        Provenance::of(Cloud::K8s)
    }
}

/// `[ACCOUNT:]/aws/eks/NAME/cluster` → the account, where given, and NAME.
pub fn eks_log_group(group: &str) -> Option<(Option<&str>, &str)> {
    let (account, path) = match group.split_once(':') {
        Some((account, path)) if account.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(account), path)
        }
        _ => (None, group),
    };
    let name = path.strip_prefix("/aws/eks/")?.strip_suffix("/cluster")?;
    (!name.is_empty() && !name.contains('/')).then_some((account, name))
}

/// An AKS record: the cluster and subscription from its `resourceId` (`_ResourceId` in Log
/// Analytics): `/SUBSCRIPTIONS/SUB/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/
/// MANAGEDCLUSTERS/NAME`.
fn aks(original: &[u8]) -> Provenance<'_> {
    let mut found = Provenance::of(Cloud::Aks);
    let Some(id) = top_level_string(original, &["resourceId", "_ResourceId", "ResourceId"]) else {
        return found;
    };
    let parts: Vec<&str> = id.split('/').collect();
    let after = |key: &str| {
        parts
            .windows(2)
            .find(|w| w[0].eq_ignore_ascii_case(key))
            .map(|w| Cow::Owned(w[1].to_string()))
    };
    found.cluster = after("managedClusters");
    found.account = after("subscriptions");
    found
}

/// A GKE entry: its event carries the entry's resource labels among its annotations
/// (`cluster_name`, `project_id`), whether the entry was read from JSON or YAML.
fn gke(message: &[u8]) -> Provenance<'static> {
    let mut found = Provenance::of(Cloud::Gke);
    let annotations = std::str::from_utf8(message).ok().and_then(|text| {
        let mut s = Scanner::new(text);
        let mut raw = None;
        let _: Scan<()> = s.members_until(|s, key| {
            if key == "annotations" && s.peek()? == b'{' {
                raw = Some(s.raw_value()?);
                return Ok(ControlFlow::Break(()));
            }
            s.skip_value()?;
            Ok(ControlFlow::Continue(()))
        });
        raw
    });
    if let Some(raw) = annotations {
        found.cluster = string_member(raw, &["cluster_name"], |_| {}).map(Cow::Owned);
        found.account = string_member(raw, &["project_id"], |_| {}).map(Cow::Owned);
        found.region = string_member(raw, &["location"], |_| {}).map(Cow::Owned);
    }
    found
}

/// A SIEM's wrapper that names the log type (Panther's `p_log_type`).
fn wrapped(original: &[u8]) -> Option<Provenance<'static>> {
    let kind = top_level_string(original, &["p_log_type"])?;
    let cloud = match kind.as_str() {
        "Amazon.EKS.Audit" => Cloud::Eks,
        "GCP.AuditLog" => Cloud::Gke,
        "Azure.MonitorActivity" => Cloud::Aks,
        _ => return None,
    };
    Some(Provenance::of(cloud))
}

/// The first string member named one of `names` in the JSON object `original`, or else in an
/// object one level down (an AKS record inside a SIEM's wrapper).
fn top_level_string(original: &[u8], names: &[&str]) -> Option<String> {
    let text = std::str::from_utf8(original).ok()?;
    let mut below = None;
    let found = string_member(text, names, |raw| {
        below.get_or_insert(raw);
    });
    found.or_else(|| below.and_then(|raw| string_member(raw, names, |_| {})))
}

/// The first string member of the object `raw` named one of `names`; the object's text after it
/// is not read. `nested` is shown each object member passed on the way.
fn string_member<'t>(
    raw: &'t str,
    names: &[&str],
    mut nested: impl FnMut(&'t str),
) -> Option<String> {
    let mut s = Scanner::new(raw);
    let mut found = None;
    // A record cut short still names what it named before the cut.
    let _: Scan<()> = s.members_until(|s, key| {
        match s.peek()? {
            b'"' if names.contains(&key.as_ref()) => {
                found = Some(s.string()?.into_owned());
                return Ok(ControlFlow::Break(()));
            }
            b'{' => nested(s.raw_value()?),
            _ => s.skip_value()?,
        }
        Ok(ControlFlow::Continue(()))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eks_log_group_names_its_cluster_and_account() {
        assert_eq!(
            eks_log_group("123456789012:/aws/eks/prod/cluster"),
            Some((Some("123456789012"), "prod"))
        );
        assert_eq!(eks_log_group("/aws/eks/prod/cluster"), Some((None, "prod")));
        assert_eq!(eks_log_group("/aws/eks//cluster"), None);
        assert_eq!(eks_log_group("/aws/eks/a/b/cluster"), None);
        assert_eq!(eks_log_group("audit.log"), None);
    }

    #[test]
    fn an_aks_record_names_its_cluster_and_subscription() {
        let record = br#"{"category":"kube-audit","resourceId":"/SUBSCRIPTIONS/0000-11/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD","properties":{"log":"{}"}}"#;
        let p = aks(record);
        assert_eq!(p.cloud, Cloud::Aks);
        assert_eq!(p.cluster.as_deref(), Some("AKS-PROD"));
        assert_eq!(p.account.as_deref(), Some("0000-11"));
        assert_eq!(aks(b"{}").cluster, None);
    }

    #[test]
    fn a_wrapper_that_names_its_log_type_says_which_cloud() {
        assert_eq!(
            wrapped(br#"{"log":{},"p_log_type":"Amazon.EKS.Audit"}"#).map(|p| p.cloud),
            Some(Cloud::Eks)
        );
        assert_eq!(wrapped(br#"{"event":{}}"#), None);
    }
}
