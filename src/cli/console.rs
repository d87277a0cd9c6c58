//! `kaudit [SOURCE]` on a terminal: the console.

use std::sync::Arc;

use anyhow::Result;

use super::cloud_args::CloudArgs;
use super::time_args::parse_duration_ms;
use super::usage::usage;
use super::{Outcome, SourceArgs};
use crate::catalog::Catalog;
use crate::catalog::themes::{Themes, no_color_requested};
use crate::engine::EventSource;
use crate::engine::cloud::{
    CloudSettings, CloudSource, FIRST_CONCURRENCY, FleetSettings, FleetSource,
};
use crate::engine::local::DEMO_EVENTS;
use crate::tui::query::{History, history};
use crate::tui::{self, Styles, config};

/// The line a newcomer sees first on the demo.
pub fn demo_banner() -> String {
    format!(
        "Demo: {} events of an EKS cluster under attack · F: what the detections found, ▲ on the timeline · ? keys · real data: kaudit FILE|FOLDER",
        DEMO_EVENTS
    )
}

/// A theme given by name must exist (the user's themes folder included).
pub fn check_theme(name: &str) -> Result<()> {
    let themes = Themes::load(crate::catalog::themes::default_user_dir().as_deref());
    match themes.get(name) {
        Some(_) => Ok(()),
        None => Err(unknown_theme(name, &themes)),
    }
}

fn unknown_theme(name: &str, themes: &Themes) -> anyhow::Error {
    let known: Vec<&str> = themes.names().collect();
    usage(format!(
        "no theme named {name:?}; there are: {}",
        known.join(", ")
    ))
}

/// Events the console reads from CloudWatch at most.
const MAX_CLOUD_EVENTS: usize = 1_000_000;

/// CloudWatch as the console reads it: a fleet's clusters in every account and region, else
/// the clusters or log groups given (none: picked from those found).
fn cloud_source(
    cloud_args: &CloudArgs,
    since: Option<&str>,
    follow: bool,
) -> Result<Arc<dyn EventSource>> {
    let span = parse_duration_ms(since.unwrap_or("1h"))?;
    if cloud_args.fleet() {
        // The fleet's clusters are found in every account and region, and picked.
        let fleet = cloud_args.with_fleet()?;
        return Ok(Arc::new(FleetSource::new(FleetSettings {
            name: fleet.fleet_label(),
            scope: fleet.scope(),
            since_ms: jiff::Timestamp::now().as_millisecond() - span,
            follow,
            max_events: MAX_CLOUD_EVENTS,
            max_rows: 100_000,
            prices: super::fleet_cost::prices(),
            concurrency: fleet.fleet_concurrency.unwrap_or(FIRST_CONCURRENCY),
        })));
    }
    // With no group given, the clusters are found first and picked.
    Ok(Arc::new(CloudSource::new(CloudSettings {
        connect: cloud_args.connect(),
        groups: cloud_args.groups(),
        region: cloud_args.region.first().cloned(),
        since_ms: jiff::Timestamp::now().as_millisecond() - span,
        follow,
        max_events: MAX_CLOUD_EVENTS,
        max_rows: 100_000,
        wait_for_retry: true,
        ..CloudSettings::default()
    })))
}

pub fn run(
    source: &SourceArgs,
    theme: Option<&str>,
    follow: bool,
    cloud_args: &CloudArgs,
    since: Option<&str>,
    case: Option<&str>,
) -> Result<Outcome> {
    // Cases live in the data folder: one asked for where there is none is said before the
    // terminal is taken.
    let case_root = crate::case::default_root();
    if case.is_some()
        && let Err(e) = &case_root
    {
        return Err(usage(e.to_string()));
    }
    let local = !source.paths.is_empty() || !source.file.is_empty() || source.demo;
    let cloud = cloud_args.is_set() || (cloud_args.connection_only() && !local);
    let events: Arc<dyn EventSource> = if cloud {
        if local {
            return Err(usage(
                "--cluster, --log-group and --fleet read CloudWatch Logs: give them or files, not both",
            ));
        }
        cloud_source(cloud_args, since, follow)?
    } else {
        let files = source.local(follow)?;
        if follow && !files.all_files() {
            return Err(usage(
                "--follow reads files (or CloudWatch with --cluster): give the paths of the files to follow",
            ));
        }
        Arc::new(files)
    };
    let demo = !cloud && source.is_demo();
    let (config, mut notice) = config::default_path()
        .map(|p| config::load(&p))
        .unwrap_or_default();
    let themes = Themes::load(crate::catalog::themes::default_user_dir().as_deref());
    let catalog = Catalog::load_with_lists(
        crate::catalog::default_user_dir().as_deref(),
        crate::catalog::lists::default_dir().as_deref(),
    );
    let mut problems: Vec<String> = themes.problems.iter().map(|p| p.to_string()).collect();
    problems.extend(catalog.problems.iter().map(|p| p.to_string()));
    let history_path = history::default_path();
    let history = match history_path.as_deref().map(history::load) {
        Some(Ok((history, 0))) => history,
        Some(Ok((history, skipped))) => {
            problems.push(format!(
                "{} of the query history could not be read and {} left out",
                crate::text::count(skipped, "line"),
                if skipped == 1 { "was" } else { "were" }
            ));
            history
        }
        Some(Err(e)) => {
            problems.push(e.to_string());
            History::default()
        }
        None => History::default(),
    };
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        notice.get_or_insert_with(|| format!("{first}{more}"));
    }
    let wanted = theme.map(str::to_string).or(config.theme);
    let styles = if no_color_requested() {
        Styles::no_color()
    } else {
        match wanted.as_deref() {
            None => Styles::from_theme(themes.default_theme()),
            Some(name) => match themes.get(name) {
                Some(t) => Styles::from_theme(t),
                None => return Err(unknown_theme(name, &themes)),
            },
        }
    };
    let signalled = tui::run(tui::Options {
        source: events,
        banner: demo.then(demo_banner),
        notice,
        styles,
        catalog,
        history,
        history_path,
        case: case.map(str::to_string),
        case_root: case_root.ok(),
    })?;
    Ok(match signalled {
        // As a shell reports a process a signal ended: 128 and the signal's number.
        Some(signal) => Outcome::Exit(128 + signal as u8),
        None => Outcome::Success,
    })
}
