//! `kaudit queries`: the library of canned queries, with their severity, tags and parameters.

use anyhow::Result;
use clap::Args;

use super::Outcome;
use super::output::to_stdout;
use super::table::TableWriter;
use crate::catalog::{Catalog, WaitingFor, default_user_dir, lists};
use crate::text::sanitize;

#[derive(Debug, Clone, Args)]
pub struct QueriesArgs {
    /// Only detections (queries with a severity).
    #[arg(long)]
    pub detections: bool,
}

pub fn run(args: &QueriesArgs) -> Result<Outcome> {
    let catalog = Catalog::load_with_lists(
        default_user_dir().as_deref(),
        lists::default_dir().as_deref(),
    );
    for p in &catalog.problems {
        eprintln!("kaudit: {}", sanitize(&p.to_string()));
    }
    to_stdout(|out| {
        let mut table = TableWriter::new(
            vec![
                "name".into(),
                "severity".into(),
                "params".into(),
                "tags".into(),
                "description".into(),
            ],
            vec![40, 8, 24, 40, 100],
        );
        // The queries waiting for their lists are listed too, saying so: they exist, and the
        // list is what a responder has to write.
        let waiting = catalog.waiting().iter().map(|w| {
            let off = match &w.why {
                WaitingFor::Lists(_) => "(off until its list is written) ",
                WaitingFor::TooLong { .. } => "(off: its list is too long) ",
            };
            (&w.query, off.to_string())
        });
        let rows = catalog.queries().iter().map(|q| (q, String::new()));
        for (q, off) in rows.chain(waiting) {
            if args.detections && q.severity.is_none() {
                continue;
            }
            table.push(
                out,
                vec![
                    sanitize(&q.name).into_owned(),
                    q.severity.map_or("-", |s| s.name()).to_string(),
                    if q.params.is_empty() {
                        "-".into()
                    } else {
                        sanitize(&q.params.join(", ")).into_owned()
                    },
                    sanitize(&q.tags.join(", ")).into_owned(),
                    sanitize(&format!("{off}{}", q.description)).into_owned(),
                ],
            )?;
        }
        table.flush(out)
    })?;
    Ok(Outcome::Success)
}
