//! The loopback server as a CloudWatch cross-account monitoring account: DescribeLogGroups with
//! `includeLinkedAccounts` lists the linked source accounts' groups (moto has no such thing),
//! and a scripted query named by `logGroupIdentifiers` finds only the events of those groups.

use serde_json::{Value, json};

use super::cloud_server::State;

/// The answer to a DescribeLogGroups that asks for linked accounts, when the server holds any:
/// the linked groups of the region signed for, under the prefix asked.
pub(super) fn describe_linked(s: &State, region: &str, body: &Value) -> Option<Value> {
    if body["includeLinkedAccounts"] != json!(true) || s.linked.is_empty() {
        return None;
    }
    let prefix = body["logGroupNamePrefix"].as_str().unwrap_or_default();
    let groups: Vec<Value> = s
        .linked
        .iter()
        .filter(|arn| arn.split(':').nth(3) == Some(region))
        .filter_map(|arn| {
            let name = arn.split_once(":log-group:")?.1;
            name.starts_with(prefix).then(|| {
                json!({"logGroupName": name, "logGroupArn": arn, "arn": format!("{arn}:*"), "storedBytes": 0})
            })
        })
        .collect();
    Some(json!({ "logGroups": groups }))
}

/// Whether an event whose `@log` is `log` (`ACCOUNT:GROUP`) is in one of the groups named by
/// `identifiers` (ARNs).
pub(super) fn in_identifiers(identifiers: &[String], log: &str) -> bool {
    identifiers.iter().any(|arn| {
        let account = arn.split(':').nth(4).unwrap_or_default();
        let name = arn.split_once(":log-group:").map_or("", |(_, n)| n);
        log == format!("{account}:{name}")
    })
}
