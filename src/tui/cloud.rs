//! The console over CloudWatch Logs: the range's events read into the store page by page
//! (FilterLogEvents), then, when following, a live tail whose events stream in like a followed
//! file's; queries run in CloudWatch Logs Insights, their rows tied to the events the console
//! holds by audit ID.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::cloud_client::{ClientSlot, refresh_advice};
use super::msg::{LoadProgress, Msg, QueryAnswer, QueryFailure, Ticket};
use super::query::{RunStats, TimeChoice};
use super::runner::SharedStore;
use super::tail::{Intake, TailControl};
use crate::engine::cloud::CloudRange;
use crate::engine::compile::first_error;
use crate::engine::{self, Target, compile};
use crate::source::cloudwatch::{
    CloudError, Connect, LiveNote, LiveOptions, LiveTarget, Logs, SdkLogs, TailTarget, event_key,
    follow_from, group_arn,
};
use crate::text::sanitize;

/// The audit streams of an EKS log group.
const AUDIT_STREAMS: &str = "kube-apiserver-audit";

/// What the console reads from CloudWatch.
#[derive(Debug, Clone)]
pub struct CloudSource {
    pub connect: Connect,
    pub groups: Vec<String>,
    /// The range read at start: from here (epoch ms) to now.
    pub since_ms: i64,
    pub follow: bool,
    /// Loading stops here, with a notice.
    pub max_events: usize,
    /// Rows a query may fetch past CloudWatch's cap.
    pub max_rows: usize,
    /// The client, shared by every task; made again after the user refreshed the credentials.
    pub client: Arc<ClientSlot>,
}

impl CloudSource {
    /// The client, connected on first use.
    async fn logs(&self) -> SdkLogs {
        self.client.get(&self.connect).await
    }

    /// Calls `call` until AWS answers or refuses for good. When it turns the credentials down, or
    /// does not answer after the SDK's retries, the user is told what to do and the call waits
    /// for their retry (R): an incident's reading does not end on a blip.
    async fn until_answered<T, F, Fut>(
        &self,
        tx: &UnboundedSender<Msg>,
        mut call: F,
    ) -> Result<T, CloudError>
    where
        F: FnMut(SdkLogs) -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        loop {
            match call(self.logs().await).await {
                Err(e) if e.is_credentials() || e.is_transient() => {
                    self.client.wait_for_retry(&e, tx).await;
                }
                other => return other,
            }
        }
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn failed(tx: &UnboundedSender<Msg>, text: String) {
    let _ = tx.send(Msg::Failed(sanitize(&text).into_owned()));
}

/// Finds the EKS clusters' audit log groups, for the picker.
pub async fn discover(source: CloudSource, tx: UnboundedSender<Msg>) {
    let found = source
        .until_answered(
            &tx,
            |logs| async move { logs.log_groups("/aws/eks/").await },
        )
        .await
        .map(|groups| {
            groups
                .into_iter()
                .filter_map(|g| {
                    Some(super::clusters::ClusterItem {
                        cluster: g.cluster()?.to_string(),
                        stored_bytes: g.stored_bytes,
                        group: g.name,
                    })
                })
                .collect()
        })
        .map_err(|e| sanitize(&e.to_string()).into_owned());
    let _ = tx.send(Msg::Clusters(found));
}

/// Reads the range into the store, then follows when asked.
pub async fn load(
    source: CloudSource,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
    control: Arc<TailControl>,
) {
    let until = now_ms();
    let mut progress = LoadProgress::default();
    let mut newest = source.since_ms;
    let mut known: Vec<(String, i64)> = Vec::new();
    'groups: for group in &source.groups {
        let target = TailTarget {
            group: group.clone(),
            stream_prefix: Some(AUDIT_STREAMS.into()),
            pattern: None,
        };
        let mut next = None;
        loop {
            // Refused credentials, or no answer: on retry, the same page is asked again.
            let page = match source
                .until_answered(&tx, |logs| {
                    let (target, next) = (&target, next.clone());
                    async move {
                        logs.filter_log_events(target, source.since_ms, until, next)
                            .await
                    }
                })
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    failed(&tx, e.to_string());
                    break;
                }
            };
            let Ok(mut held) = store.write() else { return };
            for e in &page.events {
                if held.len() >= source.max_events {
                    drop(held);
                    failed(
                        &tx,
                        format!(
                            "loading stopped at {} events: start later (--since) to see the rest",
                            source.max_events
                        ),
                    );
                    break 'groups;
                }
                // A message the store cannot read is counted in its report: nothing is lost.
                let _ = held.push_owned(e.message.as_bytes());
                newest = newest.max(e.time_ms);
                known.push((event_key(e.time_ms, &e.stream, &e.message), e.time_ms));
            }
            progress.events = held.len();
            progress.problems = held.problem_count();
            drop(held);
            let _ = tx.send(Msg::Loaded(progress.clone()));
            match page.next {
                Some(token) if !token.is_empty() => next = Some(token),
                _ => break,
            }
        }
    }
    if let Ok(mut held) = store.write() {
        // Streams interleave: what arrived out of order joins the timeline now.
        held.settle();
    }
    progress.done = true;
    let _ = tx.send(Msg::Loaded(progress));
    if source.follow {
        tail(&source, newest, known, store, tx, control).await;
    }
}

/// Follows the groups live, events into the store as a followed file's are. Credentials AWS
/// turns down stop it until the user has refreshed them; a CloudWatch that does not answer is
/// tried again by itself, less and less often. Either way it then reads the gap back from the
/// newest event it holds, and what it holds already is not shown again.
async fn tail(
    source: &CloudSource,
    mut newest: i64,
    mut known: Vec<(String, i64)>,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
    control: Arc<TailControl>,
) {
    let lookback = LiveOptions::default().lookback_ms;
    let intake = Arc::new(Mutex::new(Intake::default()));
    // Held events go in on resume, and the rate falls when nothing comes: a tick does both.
    let ticker = {
        let (intake, store, tx, control) =
            (intake.clone(), store.clone(), tx.clone(), control.clone());
        tokio::spawn(async move {
            while !control.stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if let Ok(mut intake) = intake.lock() {
                    intake.offer(Vec::new(), Vec::new(), &store, &tx, &control);
                }
            }
        })
    };
    let mut pause = Duration::from_secs(1);
    loop {
        known.retain(|(_, t)| *t >= newest - lookback);
        let started = Instant::now();
        let logs = source.logs().await;
        let session = Session {
            source,
            store: &store,
            tx: &tx,
            control: &control,
            intake: &intake,
        };
        match session
            .follow(&logs, newest, std::mem::take(&mut known))
            .await
        {
            Ok(()) => break,
            Err((e, held)) if e.is_credentials() => {
                (newest, known) = held;
                source.client.wait_for_retry(&e, &tx).await;
            }
            Err((e, held)) if e.is_transient() => {
                (newest, known) = held;
                if started.elapsed() > Duration::from_secs(60) {
                    pause = Duration::from_secs(1);
                }
                failed(
                    &tx,
                    format!(
                        "live tail: CloudWatch did not answer ({e}); trying again in {} s, the gap will be read back",
                        pause.as_secs()
                    ),
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            Err((e, _)) => {
                failed(&tx, format!("live tail stopped: {e}"));
                break;
            }
        }
    }
    ticker.abort();
}

/// One run of the live tail, until it is stopped or fails.
struct Session<'a> {
    source: &'a CloudSource,
    store: &'a SharedStore,
    tx: &'a UnboundedSender<Msg>,
    control: &'a Arc<TailControl>,
    intake: &'a Arc<Mutex<Intake>>,
}

/// The newest event's time, and the keys and times of the events held near it.
type Held = (i64, Vec<(String, i64)>);

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
        let mut identifiers = Vec::new();
        for group in &self.source.groups {
            match group_arn(logs, group).await {
                Ok(arn) => identifiers.push(arn),
                Err(e) if e.is_credentials() || e.is_transient() => {
                    return Err((e, (newest, known)));
                }
                Err(e) => failed(self.tx, format!("cannot follow {group}: {e}")),
            }
        }
        let target = LiveTarget {
            identifiers,
            groups: self.source.groups.clone(),
            stream_prefix: Some(AUDIT_STREAMS.into()),
            pattern: None,
        };
        let mut held = known.clone();
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
                        let texts = events.into_iter().map(|e| e.message.into_bytes()).collect();
                        intake.offer(texts, Vec::new(), self.store, self.tx, self.control);
                    }
                    LiveNote::Sampled(sampled) => {
                        intake.status.sampled = sampled;
                        let _ = self.tx.send(Msg::Tail(intake.status.clone()));
                    }
                    LiveNote::Reconnecting(why) => {
                        failed(
                            self.tx,
                            format!("live tail session ended ({why}); reconnecting, the gap will be read back"),
                        );
                    }
                    LiveNote::Backfilled(_) => {}
                }
            },
            &self.control.stop,
        )
        .await;
        result.map_err(|e| (e, (newest, held)))
    }
}

/// Fetches an answer row's whole event (GetLogRecord) into the store.
pub async fn fetch_record(
    source: CloudSource,
    ticket: Ticket,
    index: usize,
    ptr: String,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
) {
    let logs = source.logs().await;
    let row = match logs.log_record(&ptr).await {
        Ok(fields) => match fields.into_iter().find(|(f, _)| f == "@message") {
            Some((_, message)) => match store.write() {
                Ok(mut held) => held.push_owned(message.as_bytes()).map_err(|e| {
                    format!("the event CloudWatch returned is not an audit event: {e}")
                }),
                Err(_) => return,
            },
            None => Err("CloudWatch returned the record without its message".to_string()),
        },
        Err(e) => {
            if e.is_credentials() {
                source.client.forget();
            }
            Err(e.to_string())
        }
    };
    let _ = tx.send(Msg::RecordFetched { ticket, index, row });
}

/// Runs a query in CloudWatch for the console: progress while it runs, its rows tied to the
/// events held.
pub async fn query(
    source: CloudSource,
    ticket: Ticket,
    text: String,
    range: TimeChoice,
    store: SharedStore,
    tx: UnboundedSender<Msg>,
    cancel: Arc<AtomicBool>,
) {
    let outcome = answer(&source, ticket, &text, range, &store, &tx, &cancel).await;
    let _ = tx.send(Msg::QueryDone {
        ticket,
        outcome: outcome.map(Box::new),
    });
}

async fn answer(
    source: &CloudSource,
    ticket: Ticket,
    text: &str,
    range: TimeChoice,
    store: &SharedStore,
    tx: &UnboundedSender<Msg>,
    cancel: &AtomicBool,
) -> Result<QueryAnswer, QueryFailure> {
    let started = Instant::now();
    let compiled = compile(text, Target::CloudWatch).map_err(|d| QueryFailure {
        message: first_error(&d),
        in_query: true,
    })?;
    let now = now_ms();
    let window = match range {
        TimeChoice::All => crate::audit::time::TimeRange::default(),
        other => other.resolve(now),
    };
    let range = CloudRange {
        groups: &source.groups,
        start_ms: window.start_ms.unwrap_or(source.since_ms),
        end_ms: window.end_ms.unwrap_or(now),
        max_rows: source.max_rows,
    };
    let logs = source.logs().await;
    let answer = engine::cloud::run(
        &logs,
        &compiled,
        &range,
        |p| {
            let stats = RunStats {
                records_scanned: p.records_scanned,
                records_matched: None,
                bytes_scanned: p.bytes_scanned,
                bytes_total: None,
                elapsed_ms: started.elapsed().as_millis() as u64,
                running: true,
            };
            let _ = tx.send(Msg::QueryProgress { ticket, stats });
        },
        cancel,
    )
    .await
    .map_err(|e| QueryFailure {
        message: if e.is_credentials() {
            // The next run connects again, with the credentials as they are then.
            source.client.forget();
            refresh_advice(&e, "run the query again")
        } else {
            e.to_string()
        },
        in_query: false,
    })?;
    let facts = &answer.facts;
    // What the answer lacks first: the status line shows the first note.
    let mut warnings = Vec::new();
    if let Some(why) = &facts.capped {
        warnings.push(format!(
            "CloudWatch returned its cap of 10,000 rows and this query cannot be split by time ({why}), so there may be more"
        ));
    }
    if !facts.uncovered.is_empty() {
        warnings.push(format!(
            "{} ranges of a second or two hold more than CloudWatch's 10,000 rows: some of their events are missing",
            facts.uncovered.len()
        ));
    }
    if facts.stopped_at_max {
        warnings.push(format!(
            "stopped at {} rows: the rest of the range was not read",
            source.max_rows
        ));
    }
    if facts.queries > 1 {
        warnings.push(format!(
            "past CloudWatch's 10,000-row cap, the range was split into {} queries",
            facts.queries
        ));
    }
    warnings.extend(compiled.warnings().iter().map(|d| d.message.clone()));
    let row_of = match store.read() {
        Ok(held) => answer.tie(&held),
        Err(_) => {
            return Err(QueryFailure {
                message: "the events could not be read".into(),
                in_query: false,
            });
        }
    };
    Ok(QueryAnswer {
        row_of,
        events: answer.events,
        elapsed_ms: started.elapsed().as_millis() as u64,
        cancelled: facts.cancelled,
        warnings,
        ptrs: answer.ptrs(),
        result: answer.result,
    })
}
