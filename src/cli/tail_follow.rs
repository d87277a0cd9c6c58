//! Following what `kaudit tail` and `kaudit watch` name in CloudWatch: one account and region,
//! or a fleet's (`--fleet`, several `--region`, `--profile` or `--role-arn`, cluster globs),
//! found first. Each target's groups go in live tail sessions as AWS allows, the rest polled;
//! every part's events merge into the sink, each group's status said on stderr. A target or a
//! session that fails ends alone: the others carry on, and the failure is said at the end.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::cloud_args::CloudArgs;
use super::tail_args::TailArgs;
use super::tail_state::{Kept, Origin, Sink, resume};
use super::tail_status::{Status, Statuses};
use super::time_args::parse_duration_ms;
use crate::engine::cloud::{
    CloudError, Followed, LIVE_GROUPS_PER_SESSION, LiveNote, Noted, Part, PartNote, SdkLogs, Watch,
    find_targets, plan_parts, session_limit_reached, start_parts,
};
use crate::text::sanitize;

/// One account and region followed, as said and as read.
struct Target {
    origin: Origin,
    followed: Followed,
}

/// The targets the flags name; those that cannot be listed, or hold no cluster matched, said on
/// stderr (the first kind counted in `failures`).
async fn targets(cloud: &CloudArgs, failures: &mut Vec<String>) -> Result<Vec<Target>> {
    if !cloud.fleet() {
        let logs = SdkLogs::connect(&cloud.connect()).await;
        return Ok(vec![Target {
            origin: Origin::default(),
            followed: Followed {
                logs,
                limit_key: String::new(),
                groups: cloud.groups(),
                resume: BTreeMap::new(),
            },
        }]);
    }
    let found = find_targets(&cloud.scope()).await;
    let several = found.len() > 1;
    let mut targets = Vec::new();
    for f in found {
        let label = f.target.label();
        let named = format!("{} ({})", sanitize(&label), sanitize(&f.target.who));
        if let Some(e) = &f.refused {
            eprintln!(
                "kaudit: {named}: refused ({}) while listing its clusters",
                sanitize(&e.to_string())
            );
            failures.push(format!("{label}: {e}"));
            continue;
        }
        if f.target.groups.is_empty() {
            eprintln!("kaudit: {named}: no cluster matched there");
            continue;
        }
        targets.push(Target {
            origin: Origin {
                place: label.clone(),
                shown: several.then(|| label.clone()),
            },
            followed: Followed {
                logs: f.logs,
                limit_key: label,
                groups: f.target.groups,
                resume: BTreeMap::new(),
            },
        });
    }
    if targets.is_empty() {
        bail!("no cluster matched in any account and region given: nothing to follow");
    }
    Ok(targets)
}

/// Follows the clusters `args` names into `sink` until the count, Ctrl-C, or every part failed:
/// live tail sessions first, FilterLogEvents polling beyond them or where they are refused.
pub(super) fn follow(args: &TailArgs, sink: &mut dyn Sink) -> Result<()> {
    let cloud = args.cloud.with_fleet()?;
    if cloud.monitoring_account {
        bail!(super::usage::usage(
            "kaudit tail and kaudit watch read each account with its own credentials, not through a \
             monitoring account (--monitoring-account, or a fleet of fleet.toml marked so): give \
             the source accounts with --profile or --role-arn"
        ));
    }
    if !cloud.fleet() && cloud.groups().is_empty() {
        bail!("give the cluster (--cluster NAME) or log group (--log-group G) to tail");
    }
    let watch = Watch {
        stream_prefix: Some(args.stream_prefix.clone()).filter(|p| !p.is_empty()),
        pattern: args.filter_pattern.clone(),
        since_ms: parse_duration_ms(&args.since)?,
        lookback_ms: parse_duration_ms(&args.lookback)?,
        resume: BTreeMap::new(),
    };
    let interval = Duration::from_millis(parse_duration_ms(&args.interval)?.max(200) as u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut failures = Vec::new();
    let mut targets = runtime.block_on(targets(&cloud, &mut failures))?;
    sink.shape(
        cloud.fleet(),
        targets.iter().any(|t| t.origin.shown.is_some()),
    );
    let followed: Vec<(Origin, Vec<String>)> = targets
        .iter()
        .map(|t| (t.origin.clone(), t.followed.groups.clone()))
        .collect();
    let state = args
        .state
        .as_deref()
        .map(|path| resume(path, &followed))
        .transpose()?;
    if let Some(state) = &state {
        for t in &mut targets {
            t.followed.resume = state.positions(&t.origin.place);
        }
    }
    let parts = plan_parts(
        &targets
            .iter()
            .map(|t| (t.followed.limit_key.clone(), t.followed.groups.clone()))
            .collect::<Vec<_>>(),
        !args.poll,
        LIVE_GROUPS_PER_SESSION,
        args.live_sessions,
    );
    let beyond: usize = parts
        .iter()
        .filter(|p| !p.live && !args.poll)
        .map(|p| p.groups.len())
        .sum();
    if beyond > 0 {
        eprintln!(
            "kaudit: {} beyond {} ({LIVE_GROUPS_PER_SESSION} groups each) in an account and \
             region (--live-sessions): polled with FilterLogEvents",
            crate::text::count(beyond, "log group"),
            crate::text::count(args.live_sessions, "live tail session")
        );
    }
    let names: Vec<String> = followed
        .iter()
        .flat_map(|(o, groups)| groups.iter().map(|g| o.name(g)))
        .collect();
    let mut kept = Kept::new(sink, state);
    let followed = runtime.block_on(async {
        stop_on_signal(stop.clone())?;
        let list: Vec<Followed> = targets.iter().map(|t| t.followed.clone()).collect();
        let rx = start_parts(&list, &parts, &watch, interval, &stop);
        let origins: Vec<Origin> = targets.iter().map(|t| t.origin.clone()).collect();
        let mut run = Run {
            parts: &parts,
            origins: &origins,
            statuses: Statuses::new(&names),
            sampled: vec![false; parts.len()],
            handed: vec![0; parts.len()],
            ended: vec![false; parts.len()],
            failures,
            interval,
        };
        run.drain(rx, &mut kept, &stop).await
    });
    // Let the sessions go at once: their tasks see the stop flag, or are dropped.
    stop.store(true, Ordering::Relaxed);
    runtime.shutdown_timeout(Duration::from_millis(500));
    // Whatever ended the watch, the position of the last event handed out is kept.
    match (followed, kept.finish()) {
        (Err(e), Err(saving)) => {
            eprintln!("kaudit: {saving}");
            Err(e)
        }
        (followed, saved) => followed.and(saved),
    }
}

/// Sets `stop` on Ctrl-C or SIGTERM (a service manager's stop): the watch ends, its position
/// written.
fn stop_on_signal(stop: Arc<AtomicBool>) -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = ctrl_c => {}
            _ = term.recv() => {}
        }
        stop.store(true, Ordering::Relaxed);
    });
    Ok(())
}

/// The parts as they run: what each told, and what failed.
struct Run<'a> {
    parts: &'a [Part],
    origins: &'a [Origin],
    statuses: Statuses,
    sampled: Vec<bool>,
    /// Events each part handed out.
    handed: Vec<u64>,
    ended: Vec<bool>,
    failures: Vec<String>,
    interval: Duration,
}

impl Run<'_> {
    /// Hands what the parts send to `out` until it has all it wants, `stop` is set, or every
    /// part ended; then says what failed.
    async fn drain(
        &mut self,
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Noted>,
        out: &mut dyn Sink,
        stop: &AtomicBool,
    ) -> Result<()> {
        while !stop.load(Ordering::Relaxed) && !self.ended.iter().all(|e| *e) {
            let noted = match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                Err(_) => continue,
                Ok(None) => break,
                Ok(Some(noted)) => noted,
            };
            if !self.told(noted, out)? || out.done() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        match self.failures.as_slice() {
            [] => Ok(()),
            [one] => Err(anyhow!("{}", sanitize(one))),
            many => Err(anyhow!(
                "{} stopped: {}",
                crate::text::count(many.len(), "target or session"),
                sanitize(&many.join("; "))
            )),
        }
    }

    /// The names of a part's groups, as stderr says them.
    fn names(&self, part: usize) -> Vec<String> {
        let p = &self.parts[part];
        let origin = &self.origins[p.target];
        p.groups.iter().map(|g| origin.name(g)).collect()
    }

    /// ` of GROUPS` when several parts run, so that a line says whose it is.
    fn whose(&self, part: usize) -> String {
        if self.parts.len() > 1 {
            format!(" of {}", sanitize(&self.names(part).join(", ")))
        } else {
            String::new()
        }
    }

    /// Acts on one note; false when standard output is gone.
    fn told(&mut self, noted: Noted, out: &mut dyn Sink) -> Result<bool> {
        let part = noted.part;
        let origin = &self.origins[self.parts[part].target];
        match noted.note {
            PartNote::Live(LiveNote::Events(events)) | PartNote::Polled(events) => {
                self.handed[part] += events.len() as u64;
                return Ok(out.take(origin, &events)?);
            }
            PartNote::Live(LiveNote::Sampled(true)) => {
                self.sampled[part] = true;
                self.statuses.each(&self.names(part), &Status::Sampled);
                eprintln!(
                    "kaudit: WARNING: CloudWatch is sampling this live tail{} (over 500 events a second): some events are not shown; narrow it with --filter-pattern, or use --poll",
                    self.whose(part)
                )
            }
            PartNote::Live(LiveNote::Sampled(false)) => {
                self.sampled[part] = false;
                self.statuses.each(&self.names(part), &Status::Live);
                eprintln!(
                    "kaudit: CloudWatch stopped sampling{}: every event is shown again",
                    self.whose(part)
                )
            }
            PartNote::Live(LiveNote::Live) => {
                let status = if self.sampled[part] {
                    Status::Sampled
                } else {
                    Status::Live
                };
                self.statuses.each(&self.names(part), &status);
            }
            PartNote::Live(LiveNote::Reconnecting(why)) => {
                self.statuses
                    .each(&self.names(part), &Status::Stalled(why.clone()));
                eprintln!(
                    "kaudit: live tail session{} ended ({}); starting a new one and reading the gap back",
                    self.whose(part),
                    sanitize(&why)
                )
            }
            PartNote::Live(LiveNote::Backfilled(n)) => {
                if n > 0 {
                    eprintln!(
                        "kaudit: {} read back from the gap",
                        crate::text::count(n, "event")
                    );
                }
            }
            PartNote::Answered { group, error } => {
                let name = origin.name(&group);
                match error {
                    None => self.statuses.one(&name, &Status::Polling),
                    Some(e) if e.is_transient() => {
                        self.statuses.one(&name, &Status::Stalled(e.to_string()));
                        eprintln!(
                            "kaudit: CloudWatch did not answer for {} ({}); trying again in {} s",
                            sanitize(&name),
                            sanitize(&e.to_string()),
                            self.interval.as_secs_f32()
                        )
                    }
                    Some(e) => self.statuses.one(&name, &Status::Refused(e.to_string())),
                }
            }
            PartNote::Polling(e) => self.fell_back(part, &e),
            PartNote::Ended(None) => self.ended[part] = true,
            PartNote::Ended(Some(e)) => {
                self.ended[part] = true;
                self.statuses
                    .each(&self.names(part), &Status::Refused(e.to_string()));
                let failure = if self.parts[part].live && self.handed[part] > 0 {
                    format!(
                        "the live tail{} stopped after {}: {e}",
                        self.whose(part),
                        crate::text::count(self.handed[part], "event")
                    )
                } else if self.parts.len() > 1 {
                    format!("{}: {e}", self.names(part).join(", "))
                } else {
                    e.to_string()
                };
                self.failures.push(failure);
            }
        }
        Ok(true)
    }

    /// A live tail session could not be had: its groups are polled.
    fn fell_back(&mut self, part: usize, e: &CloudError) {
        let names = self.names(part);
        if session_limit_reached(e) {
            eprintln!(
                "kaudit: {}: AWS refused another live tail session (the account holds as many as it may, some perhaps another tool's: {}); polling FilterLogEvents instead",
                sanitize(&names.join(", ")),
                sanitize(&e.to_string())
            );
        } else {
            self.statuses
                .each(&names, &Status::Refused(format!("live tail: {e}")));
            eprintln!(
                "kaudit: live tail is not available{} ({}); polling FilterLogEvents instead",
                self.whose(part),
                sanitize(&e.to_string())
            );
        }
    }
}
