//! The targets of a fleet: each set of credentials in each region, with the EKS audit log
//! groups the clusters named (names or globs) and the log groups named pick out there, or why
//! they could not be listed.

use super::fleet::{FleetTarget, account_of_arn, find_groups};
use super::fleet_file::FleetAccount;
use crate::source::cloudwatch::{CloudError, Connect, SdkLogs};

/// What a fleet covers, as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetScope {
    /// Each read once; the default credentials when empty.
    pub accounts: Vec<FleetAccount>,
    /// The profile's (or AWS_REGION) when empty.
    pub regions: Vec<String>,
    /// Names or globs.
    pub clusters: Vec<String>,
    pub log_groups: Vec<String>,
    /// The accounts are CloudWatch monitoring accounts, read with their linked accounts.
    pub monitoring: bool,
    pub endpoint_url: Option<String>,
}

/// One account and region as found: its clusters, or why they could not be listed.
#[derive(Debug)]
pub struct FoundTarget {
    pub target: FleetTarget,
    pub logs: SdkLogs,
    pub refused: Option<CloudError>,
}

/// The credentials as the user named them: `role ARN`, `profile NAME`, `default credentials`.
fn who(account: &FleetAccount) -> String {
    match (&account.role_arn, &account.profile) {
        (Some(role), _) => format!("role {role}"),
        (None, Some(p)) => format!("profile {p}"),
        (None, None) => "default credentials".to_string(),
    }
}

/// Every target: credentials × regions (the account named by the role, by STS, else by the
/// log groups' ARNs), with the audit log groups found there.
pub async fn find_targets(scope: &FleetScope) -> Vec<FoundTarget> {
    let regions: Vec<Option<String>> = if scope.regions.is_empty() {
        vec![None]
    } else {
        scope.regions.iter().cloned().map(Some).collect()
    };
    let default = [FleetAccount::default()];
    let accounts = if scope.accounts.is_empty() {
        &default[..]
    } else {
        &scope.accounts[..]
    };
    let mut found = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        if accounts[..i].contains(a) {
            continue;
        }
        // Whose credentials these are: the role's account, else STS's answer (asked once).
        let mut account = a.role_arn.as_deref().and_then(account_of_arn);
        let mut asked = account.is_some();
        for region in &regions {
            let connect = Connect {
                profile: a.profile.clone(),
                region: region.clone(),
                endpoint_url: scope.endpoint_url.clone(),
                role_arn: a.role_arn.clone(),
            };
            let logs = SdkLogs::connect(&connect).await;
            if !asked {
                account = logs.account().await;
                asked = true;
            }
            let region = logs.region().unwrap_or_else(|| "region unknown".into());
            let (groups, owner, refused) = match find_groups(
                &logs,
                &scope.clusters,
                &scope.log_groups,
                scope.monitoring,
            )
            .await
            {
                Ok((groups, owner)) => (groups, owner, None),
                Err(e) => (Vec::new(), None, Some(e)),
            };
            found.push(FoundTarget {
                target: FleetTarget {
                    connect,
                    who: who(a),
                    region,
                    // STS unreachable (a private network): the log groups' ARNs name it.
                    account: account.clone().or(owner),
                    groups,
                },
                logs,
                refused,
            });
        }
    }
    found
}
