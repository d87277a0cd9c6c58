//! Where in CloudWatch Logs to read: clusters or log groups, and how to connect.

use anyhow::{Result, anyhow};
use clap::Args;

use crate::audit::time::TimeRange;
use crate::engine::cloud::{
    CloudSettings, CloudSource, Connect, FleetAccount, FleetScope, audit_group_of_cluster,
    fleet_file_path, load_fleet,
};

/// CloudWatch reads at most this many log groups in one query.
const MAX_GROUPS: usize = 50;

#[derive(Debug, Clone, Default, Args)]
pub struct CloudArgs {
    /// Read the audit log of this EKS cluster in CloudWatch Logs (its log group
    /// /aws/eks/NAME/cluster); repeatable. NAME may be a glob (`prod-*`), matched in every
    /// account and region given (not with `kaudit case add`).
    #[arg(long, value_name = "NAME")]
    pub cluster: Vec<String>,
    /// Read this CloudWatch log group; repeatable (up to 50 at once).
    #[arg(long = "log-group", value_name = "GROUP")]
    pub log_group: Vec<String>,
    /// The AWS region (else the profile's or AWS_REGION); repeatable (not with `kaudit case
    /// add`): every region given is read.
    #[arg(long, value_name = "REGION")]
    pub region: Vec<String>,
    /// A profile of the AWS config files (else the default credential chain); repeatable (not
    /// with `kaudit case add`), one account each.
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,
    /// Assume this role (STS AssumeRole) to read its account; repeatable, one role per account
    /// (not with `kaudit case add`).
    #[arg(long = "role-arn", value_name = "ARN")]
    pub role_arn: Vec<String>,
    /// Call CloudWatch Logs at this URL: a VPC endpoint, or an emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// The accounts, regions and clusters of this fleet of `fleet.toml` in kaudit's config
    /// folder; --profile, --role-arn, --region and --cluster given beside it add to it. The
    /// console opens on the fleet's clusters, chosen in its picker.
    #[arg(long, value_name = "NAME")]
    pub fleet: Option<String>,
    /// With `kaudit query` and `kaudit clusters`: the credentials are a CloudWatch
    /// cross-account monitoring account's; its linked source accounts' clusters are found and
    /// queried through it, one query per region over them all. `kaudit tail` and `kaudit watch`
    /// refuse it: they read each account with its own credentials.
    #[arg(long)]
    pub monitoring_account: bool,
    /// The accounts of the named fleet, once read ([`CloudArgs::with_fleet`]).
    #[arg(skip)]
    pub fleet_accounts: Vec<FleetAccount>,
    /// The queries the named fleet starts at once, when it says.
    #[arg(skip)]
    pub fleet_concurrency: Option<usize>,
}

impl CloudArgs {
    /// Clusters or log groups were given.
    pub fn is_set(&self) -> bool {
        !self.cluster.is_empty() || !self.log_group.is_empty() || self.fleet.is_some()
    }

    /// Only how to connect was given (a region, a profile, an endpoint): the console then lists
    /// the clusters to pick one.
    pub fn connection_only(&self) -> bool {
        !self.is_set()
            && (!self.region.is_empty()
                || !self.profile.is_empty()
                || !self.role_arn.is_empty()
                || self.endpoint_url.is_some())
    }

    /// More than one account or region, an assumed role, or a cluster named by a glob: the
    /// question fans out over targets found first ([`crate::engine::cloud::fleet`]).
    pub fn fleet(&self) -> bool {
        self.fleet.is_some()
            || self.monitoring_account
            || self.region.len() > 1
            || self.profile.len() > 1
            || !self.role_arn.is_empty()
            || self
                .cluster
                .iter()
                .any(|c| crate::engine::cloud::is_glob(c))
    }

    /// A command that reads one account and region refuses what would fan out, rather than
    /// reading only the first and leaving the rest unsaid.
    pub fn refuse_fleet(&self, command: &str) -> Result<()> {
        if self.fleet() {
            return Err(super::usage::usage(format!(
                "{command} reads one account and region, one cluster by name: --fleet, \
                 --monitoring-account, several \
                 --region or --profile, --role-arn and cluster globs are for the console, \
                 `kaudit query`, `kaudit clusters`, `kaudit detect`, `kaudit tail` and \
                 `kaudit watch`"
            )));
        }
        Ok(())
    }

    /// With `--fleet NAME`: the fleet's accounts, regions and clusters, and the flags given
    /// beside it added to them. A fleet that cannot be read, or is not there, is an error that
    /// says where.
    pub fn with_fleet(&self) -> Result<CloudArgs> {
        let Some(name) = &self.fleet else {
            return Ok(self.clone());
        };
        let path = fleet_file_path().ok_or_else(|| {
            anyhow!("--fleet {name}: no config folder (set HOME or XDG_CONFIG_HOME) to read fleet.toml from")
        })?;
        let named = load_fleet(&path, name).map_err(|e| anyhow!(e))?;
        let mut out = self.clone();
        out.fleet_accounts = named.accounts;
        out.fleet_concurrency = named.concurrency;
        out.monitoring_account |= named.monitoring;
        let add = |to: &mut Vec<String>, from: Vec<String>| {
            let given = std::mem::take(to);
            for v in from.into_iter().chain(given) {
                if !to.contains(&v) {
                    to.push(v);
                }
            }
        };
        add(&mut out.region, named.regions);
        add(&mut out.cluster, named.clusters);
        Ok(out)
    }

    /// Every log group to read, clusters first, without repeats.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for g in self
            .cluster
            .iter()
            .map(|c| audit_group_of_cluster(c))
            .chain(self.log_group.iter().cloned())
        {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        groups
    }

    /// [`CloudArgs::groups`], refused past the 50 CloudWatch reads in one query.
    pub fn checked_groups(&self) -> Result<Vec<String>> {
        let groups = self.groups();
        if groups.len() > MAX_GROUPS {
            return Err(anyhow!(
                "{} log groups given; CloudWatch queries at most {MAX_GROUPS} at once",
                groups.len()
            ));
        }
        Ok(groups)
    }

    /// CloudWatch as a command's source, for work over `range`: one with no start reads from
    /// `default_span_ms` before `now_ms`, and says so on stderr (`read`: what it reads then), as
    /// CloudWatch bills every byte scanned. What AWS refuses fails the command: nobody is there
    /// to retry.
    pub fn source(
        &self,
        range: TimeRange,
        now_ms: i64,
        default_span_ms: i64,
        read: &str,
        max_rows: usize,
    ) -> Result<CloudSource> {
        let groups = self.checked_groups()?;
        let since_ms = range.start_ms.unwrap_or_else(|| {
            eprintln!("kaudit: no --since or --start: {read}");
            now_ms - default_span_ms
        });
        Ok(self.reader(groups, since_ms, max_rows))
    }

    /// CloudWatch, to find the clusters whose audit log it holds.
    pub fn account(&self) -> CloudSource {
        self.reader(Vec::new(), 0, 0)
    }

    /// CloudWatch over `groups`, a query with no start reading from `since_ms`.
    pub fn reader(&self, groups: Vec<String>, since_ms: i64, max_rows: usize) -> CloudSource {
        CloudSource::new(CloudSettings {
            connect: self.connect(),
            groups,
            since_ms,
            follow: false,
            // A command reads no events into a store.
            max_events: 0,
            max_rows,
            wait_for_retry: false,
            ..CloudSettings::default()
        })
    }

    /// The credentials to read a fleet with: a named fleet's accounts, then each `--profile`
    /// (else, with no fleet, the default chain), and each `--role-arn` assumed with the first
    /// of them; each once.
    pub fn accounts(&self) -> Vec<FleetAccount> {
        let profiles: Vec<Option<String>> = if self.profile.is_empty() {
            vec![None]
        } else {
            self.profile.iter().cloned().map(Some).collect()
        };
        let mut accounts: Vec<FleetAccount> = self.fleet_accounts.clone();
        if accounts.is_empty() || !self.profile.is_empty() {
            accounts.extend(profiles.iter().map(|p| FleetAccount {
                profile: p.clone(),
                role_arn: None,
            }));
        }
        accounts.extend(self.role_arn.iter().map(|r| FleetAccount {
            profile: profiles[0].clone(),
            role_arn: Some(r.clone()),
        }));
        let mut once: Vec<FleetAccount> = Vec::new();
        for a in accounts {
            if !once.contains(&a) {
                once.push(a);
            }
        }
        once
    }

    /// How a fleet is named: by its name, else by what the flags cover.
    pub fn fleet_label(&self) -> String {
        if let Some(name) = &self.fleet {
            return name.clone();
        }
        let mut parts = Vec::new();
        if !self.region.is_empty() {
            parts.push(self.region.join(", "));
        }
        if !self.cluster.is_empty() {
            parts.push(self.cluster.join(", "));
        }
        if parts.is_empty() {
            "(every cluster)".into()
        } else {
            parts.join(" · ")
        }
    }

    /// What a fleet covers, as these flags (and the named fleet read into them) say.
    pub fn scope(&self) -> FleetScope {
        FleetScope {
            accounts: self.accounts(),
            regions: self.region.clone(),
            clusters: self.cluster.clone(),
            log_groups: self.log_group.clone(),
            monitoring: self.monitoring_account,
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    pub fn connect(&self) -> Connect {
        Connect {
            profile: self.profile.first().cloned(),
            region: self.region.first().cloned(),
            endpoint_url: self.endpoint_url.clone(),
            role_arn: None,
        }
    }
}
