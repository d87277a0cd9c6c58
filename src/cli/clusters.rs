//! `kaudit clusters`: the EKS clusters whose audit log is in CloudWatch Logs.

use anyhow::{Result, anyhow};
use clap::Args;

use super::Outcome;
use super::cloud_args::CloudArgs;
use super::output::to_stdout;
use super::table::TableWriter;
use crate::source::cloudwatch::{Logs, SdkLogs};
use crate::text::sanitize;

#[derive(Debug, Clone, Args)]
pub struct ClustersArgs {
    #[command(flatten)]
    pub cloud: CloudArgs,
}

pub fn run(args: &ClustersArgs) -> Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let groups = runtime.block_on(async {
        let logs = SdkLogs::connect(&args.cloud.connect()).await;
        logs.log_groups("/aws/eks/").await
    });
    let groups = groups.map_err(|e| anyhow!("{}", sanitize(&e.to_string())))?;
    let audit: Vec<_> = groups.iter().filter(|g| g.cluster().is_some()).collect();
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
                    sanitize(g.cluster().unwrap_or_default()).into_owned(),
                    sanitize(&g.name).into_owned(),
                    g.stored_bytes.map_or("-".into(), |b| b.to_string()),
                ],
            )?;
        }
        table.flush(out)
    })?;
    Ok(Outcome::Success)
}
