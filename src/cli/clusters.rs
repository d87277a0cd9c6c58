//! `kaudit clusters`: the EKS clusters whose audit log is in CloudWatch Logs.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Result, anyhow};
use clap::Args;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::table::TableWriter;
use super::work::block_on;
use crate::engine::{EventSource, Report};
use crate::text::sanitize;

#[derive(Debug, Clone, Args)]
pub struct ClustersArgs {
    #[command(flatten)]
    pub cloud: CloudArgs,
}

pub fn run(args: &ClustersArgs) -> Result<Outcome> {
    let cloud = args.cloud.with_fleet()?;
    if cloud.fleet() {
        return super::fleet::clusters(&cloud);
    }
    let account = cloud.account();
    let report = Report::nowhere();
    // Nothing is billed while looking: Ctrl-C may end kaudit as it does by default.
    let never = Arc::new(AtomicBool::new(false));
    let audit = block_on(false, &never, account.clusters(&report))?.map_err(|e| anyhow!(e))?;
    if audit.is_empty() {
        eprintln!(
            "kaudit: no EKS audit log groups (/aws/eks/NAME/cluster) in this account and region; is audit logging enabled on the cluster?"
        );
    }
    to_stdout(|out| {
        let mut table = TableWriter::new(
            vec!["cluster".into(), "log group".into(), "stored bytes".into()],
            vec![40, 60, 16],
        );
        for g in &audit {
            table.push(
                out,
                vec![
                    sanitize(&g.cluster).into_owned(),
                    sanitize(&g.group).into_owned(),
                    g.stored_bytes.map_or("-".into(), |b| b.to_string()),
                ],
            )?;
        }
        table.flush(out)
    })?;
    Ok(Outcome::Success)
}
