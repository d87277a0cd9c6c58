//! A CloudWatch source's events into the store: the range read page by page (FilterLogEvents),
//! then, when following, a live tail (StartLiveTail) whose events go in through the intake like
//! a followed file's.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::source::{CloudSource, Held, now_ms};
use crate::engine::SharedStore;
use crate::engine::event::{Event, LoadProgress, Report};
use crate::engine::intake::{Arrival, Intake, TailControl};
use crate::source::cloudwatch::{
    CloudError, LiveNote, LiveOptions, LiveTarget, Logs, SdkLogs, TailTarget, event_key,
    follow_from, group_arn,
};
use crate::store::Origin;

/// The audit streams of an EKS log group.
const AUDIT_STREAMS: &str = "kube-apiserver-audit";

impl CloudSource {
    /// Reads the range into the store, and keeps where it stopped for the tail.
    pub(super) async fn load_into(&self, store: &SharedStore, report: &Report) {
        self.read_range(store, report).await;
        loaded(store, report);
    }

    /// Reads the range of every group into the store, telling how far the store has got
    /// (never done: other sources may be reading into it too), and keeps where it stopped for
    /// the tail.
    pub(super) async fn read_range(&self, store: &SharedStore, report: &Report) {
        let settings = &self.settings;
        let until = now_ms();
        let mut progress = LoadProgress::default();
        let mut newest = settings.since_ms;
        let mut known: Vec<(String, i64)> = Vec::new();
        'groups: for group in &settings.groups {
            let origin = self.origin(group);
            let target = TailTarget {
                group: group.clone(),
                stream_prefix: Some(AUDIT_STREAMS.into()),
                pattern: None,
            };
            let mut next = None;
            loop {
                // Refused credentials, or no answer: on retry, the same page is asked again.
                let page = match self
                    .until_answered(report, |logs| {
                        let (target, next) = (&target, next.clone());
                        async move {
                            logs.filter_log_events(target, settings.since_ms, until, next)
                                .await
                        }
                    })
                    .await
                {
                    Ok(page) => page,
                    Err(e) => {
                        report.failed(&self.said(&format!("reading {group}: {e}")));
                        break;
                    }
                };
                let Ok(mut held) = store.write() else { return };
                for e in &page.events {
                    if held.len() >= settings.max_events {
                        drop(held);
                        report.failed(&format!(
                            "loading stopped at {}: start later (--since) to see the rest",
                            crate::text::count(settings.max_events, "event")
                        ));
                        break 'groups;
                    }
                    // A message the store cannot read is counted in its report: nothing is lost.
                    let _ = match &origin {
                        Some(origin) => held.push_owned_in(e.message.as_bytes(), origin),
                        None => held.push_owned(e.message.as_bytes()),
                    };
                    newest = newest.max(e.time_ms);
                    known.push((event_key(e.time_ms, &e.stream, &e.message), e.time_ms));
                }
                progress.events = held.len();
                progress.problems = held.problem_count();
                drop(held);
                report.send(Event::Loaded(progress.clone()));
                match page.next {
                    Some(token) if !token.is_empty() => next = Some(token),
                    _ => break,
                }
            }
        }
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) = (newest, known);
    }

    /// Follows the groups live from `held`, events into the store as a followed file's are.
    /// Credentials AWS turns down stop it until the user has refreshed them; a CloudWatch that
    /// does not answer is tried again by itself, less and less often. Either way it then reads
    /// the gap back from the newest event it holds, and what it holds already is not shown
    /// again.
    pub(super) async fn tail_into(
        &self,
        held: Held,
        store: &SharedStore,
        control: &Arc<TailControl>,
        report: &Report,
    ) {
        let intake = Arc::new(Mutex::new(Intake::default()));
        let ticker = tick(&intake, store, report, control);
        self.follow_into(held, store, control, report, &intake)
            .await;
        ticker.abort();
    }

    /// [`CloudSource::tail_into`] through an intake that may be shared with other sources.
    pub(super) async fn follow_into(
        &self,
        held: Held,
        store: &SharedStore,
        control: &Arc<TailControl>,
        report: &Report,
        intake: &Arc<Mutex<Intake>>,
    ) {
        let (mut newest, mut known) = held;
        let lookback = LiveOptions::default().lookback_ms;
        let mut pause = Duration::from_secs(1);
        loop {
            known.retain(|(_, t)| *t >= newest - lookback);
            let started = Instant::now();
            let logs = self.logs().await;
            let session = Session {
                source: self,
                store,
                report,
                control,
                intake,
            };
            match session
                .follow(&logs, newest, std::mem::take(&mut known))
                .await
            {
                Ok(()) => break,
                Err((e, held)) if e.is_credentials() => {
                    (newest, known) = held;
                    self.client().wait_for_retry(&e, report).await;
                }
                Err((e, held)) if e.is_transient() => {
                    (newest, known) = held;
                    if started.elapsed() > Duration::from_secs(60) {
                        pause = Duration::from_secs(1);
                    }
                    report.failed(&self.said(&format!(
                        "live tail: CloudWatch did not answer ({e}); trying again in {} s, the gap will be read back",
                        pause.as_secs()
                    )));
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
                Err((e, _)) => {
                    report.failed(&self.said(&format!("live tail stopped: {e}")));
                    break;
                }
            }
        }
    }
}

/// Loading is over: what arrived out of order (streams interleave) joins the timeline, and the
/// console is told.
pub(super) fn loaded(store: &SharedStore, report: &Report) {
    let mut progress = LoadProgress::default();
    if let Ok(mut held) = store.write() {
        held.settle();
        progress.events = held.len();
        progress.problems = held.problem_count();
    }
    progress.done = true;
    report.send(Event::Loaded(progress));
}

/// Held events go in on resume, and the rate falls when nothing comes: a tick does both, until
/// the tail stops.
pub(super) fn tick(
    intake: &Arc<Mutex<Intake>>,
    store: &SharedStore,
    report: &Report,
    control: &Arc<TailControl>,
) -> tokio::task::JoinHandle<()> {
    let (intake, store, report, control) = (
        intake.clone(),
        store.clone(),
        report.clone(),
        control.clone(),
    );
    tokio::spawn(async move {
        while !control.stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if let Ok(mut intake) = intake.lock() {
                intake.offer(Vec::new(), Vec::new(), &store, &report, &control);
            }
        }
    })
}

/// One run of the live tail, until it is stopped or fails.
struct Session<'a> {
    source: &'a CloudSource,
    store: &'a SharedStore,
    report: &'a Report,
    control: &'a Arc<TailControl>,
    intake: &'a Arc<Mutex<Intake>>,
}

impl Session<'_> {
    /// Follows from `newest` on, over the events `known` held already; on failure, gives back
    /// what it held then, for the next run to start from.
    async fn follow(
        &self,
        logs: &SdkLogs,
        mut newest: i64,
        known: Vec<(String, i64)>,
    ) -> Result<(), (CloudError, Held)> {
        let options = LiveOptions::default();
        let groups = &self.source.settings.groups;
        let mut identifiers = Vec::new();
        for group in groups {
            match group_arn(logs, group).await {
                Ok(arn) => identifiers.push(arn),
                Err(e) if e.is_credentials() || e.is_transient() => {
                    return Err((e, (newest, known)));
                }
                Err(e) => self
                    .report
                    .failed(&self.source.said(&format!("cannot follow {group}: {e}"))),
            }
        }
        let target = LiveTarget {
            identifiers,
            groups: groups.clone(),
            stream_prefix: Some(AUDIT_STREAMS.into()),
            pattern: None,
            ..LiveTarget::default()
        };
        let mut held = known.clone();
        let mut origins = Vec::new();
        let result = follow_from(
            logs,
            &target,
            LiveOptions {
                backfill_from: Some(newest - options.lookback_ms),
                ..options
            },
            known,
            |note| {
                let Ok(mut intake) = self.intake.lock() else {
                    return;
                };
                match note {
                    LiveNote::Events(events) => {
                        for e in &events {
                            newest = newest.max(e.time_ms);
                            held.push((event_key(e.time_ms, &e.stream, &e.message), e.time_ms));
                        }
                        if held.len() > 4 * 4096 {
                            held.retain(|(_, t)| *t >= newest - options.lookback_ms);
                        }
                        let texts = events
                            .into_iter()
                            .map(|e| Arrival {
                                origin: cached_origin(&mut origins, self.source, &e.group),
                                text: e.message.into_bytes(),
                                original: None,
                            })
                            .collect();
                        intake.offer(texts, Vec::new(), self.store, self.report, self.control);
                    }
                    LiveNote::Sampled(sampled) => {
                        intake.status.sampled = sampled;
                        intake.status.was_sampled |= sampled;
                        self.report.send(Event::Tail(intake.status.clone()));
                    }
                    LiveNote::Reconnecting(why) => {
                        self.report.failed(&self.source.said(&format!(
                            "live tail session ended ({why}); reconnecting, the gap will be read back"
                        )));
                    }
                    LiveNote::Backfilled(_) | LiveNote::Live => {}
                }
            },
            &self.control.stop,
        )
        .await;
        result.map_err(|e| (e, (newest, held)))
    }
}

/// Where `group`'s events were written, looked up once per group.
fn cached_origin(
    cache: &mut Vec<(String, Option<Arc<Origin>>)>,
    source: &CloudSource,
    group: &str,
) -> Option<Arc<Origin>> {
    if let Some((_, origin)) = cache.iter().find(|(g, _)| g == group) {
        return origin.clone();
    }
    let origin = source.origin(group).map(Arc::new);
    cache.push((group.to_string(), origin.clone()));
    origin
}
