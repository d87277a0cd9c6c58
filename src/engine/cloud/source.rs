//! CloudWatch Logs as one [`EventSource`]: the range's events read into the store page by page
//! (FilterLogEvents), then, when following, a live tail whose events stream in like a followed
//! file's; queries run in CloudWatch Logs Insights, their rows tied to the events held by audit
//! ID; one record fetched whole (GetLogRecord); the clusters found for a picker.

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::client::ClientSlot;
use super::query::{CloudRange, run};
use crate::audit::time::TimeRange;
use crate::engine::SharedStore;
use crate::engine::compile::Target;
use crate::engine::event::{Event, Report};
use crate::engine::finding::Detection;
use crate::engine::intake::TailControl;
use crate::engine::source::{
    Answer, AnswerFacts, Detected, EventSource, Failure, QueryJob, ReadFrom, Work,
};
use crate::source::cloudwatch::{CloudError, Connect, Logs, SdkLogs};
use crate::store::Origin;
use crate::text::sanitize;

/// What to read from CloudWatch, and how.
#[derive(Debug, Clone, Default)]
pub struct CloudSettings {
    pub connect: Connect,
    /// Empty: a cluster is to be picked first ([`EventSource::clusters`]).
    pub groups: Vec<String>,
    /// How the console names the cluster of a group, where not by the group's own name
    /// (`/aws/eks/NAME/cluster`): over a fleet, two clusters of one name are told apart.
    pub names: Vec<(String, String)>,
    /// Over a fleet, the account and region read, as messages name them.
    pub label: Option<String>,
    /// The account and region read, when known: each event read carries them.
    pub account: Option<String>,
    pub region: Option<String>,
    /// Loading reads from here (epoch ms) to now; a query with no start starts here.
    pub since_ms: i64,
    /// After loading, follow the groups live.
    pub follow: bool,
    /// Loading stops here, with a notice.
    pub max_events: usize,
    /// Rows a query may fetch past CloudWatch's cap.
    pub max_rows: usize,
    /// Credentials turned down, or a CloudWatch that does not answer, make the work wait for
    /// the user's retry ([`EventSource::retry`]) instead of failing: someone is there to retry.
    pub wait_for_retry: bool,
}

/// An EKS cluster whose audit log is in CloudWatch Logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cluster {
    pub cluster: String,
    pub group: String,
    pub stored_bytes: Option<i64>,
    /// What [`EventSource::with_clusters`] is given to open it: the group, or over a fleet
    /// which account and region it is in too.
    pub key: String,
    /// Over a fleet: where it is.
    pub account: Option<String>,
    pub region: Option<String>,
    /// Chosen already (a fleet's patterns matched it): opened unless the user leaves it out.
    pub chosen: bool,
}

/// The newest event's time, and the keys and times of the events held near it: where a live
/// tail starts, so that nothing is missed and nothing shown twice.
pub(super) type Held = (i64, Vec<(String, i64)>);

/// CloudWatch Logs, over [`CloudSettings::groups`].
#[derive(Debug)]
pub struct CloudSource {
    pub(super) settings: CloudSettings,
    /// Shared by every task, and by the source made for a picked cluster.
    client: Arc<ClientSlot>,
    /// Where loading stopped, for the tail.
    pub(super) loaded: Mutex<Held>,
}

impl CloudSource {
    pub fn new(settings: CloudSettings) -> CloudSource {
        CloudSource::with_client(settings, Arc::default())
    }

    fn with_client(settings: CloudSettings, client: Arc<ClientSlot>) -> CloudSource {
        let since = settings.since_ms;
        CloudSource {
            settings,
            client,
            loaded: Mutex::new((since, Vec::new())),
        }
    }

    pub fn settings(&self) -> &CloudSettings {
        &self.settings
    }

    /// `message` as the console is told it: over a fleet, with the account and region it is of.
    pub(super) fn said(&self, message: &str) -> String {
        match &self.settings.label {
            Some(label) => format!("{label}: {message}"),
            None => message.to_string(),
        }
    }

    /// Where the events of `group` were written, as they carry it: the cluster whose audit log
    /// it is (none for a log group that is not an EKS cluster's), its account and region.
    pub(super) fn origin(&self, group: &str) -> Option<Origin> {
        let (account, name) = super::fleet::of_identifier(group);
        let cluster = match self.settings.names.iter().find(|(g, _)| g == group) {
            Some((_, named)) => named.clone(),
            None => crate::source::cloudwatch::cluster_of_group(name)?.to_string(),
        };
        Some(Origin {
            cluster,
            account: account.or_else(|| self.settings.account.clone()),
            region: self.settings.region.clone(),
        })
    }

    /// The client, connected on first use.
    pub(super) async fn logs(&self) -> SdkLogs {
        self.client.get(&self.settings.connect).await
    }

    pub(super) fn client(&self) -> &ClientSlot {
        &self.client
    }

    /// Calls `call` until AWS answers or refuses for good. When it turns the credentials down,
    /// or does not answer after the SDK's retries, and someone can retry, they are told what to
    /// do and the call waits for their retry: an incident's reading does not end on a blip.
    pub(super) async fn until_answered<T, F, Fut>(
        &self,
        report: &Report,
        mut call: F,
    ) -> Result<T, CloudError>
    where
        F: FnMut(SdkLogs) -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        loop {
            match call(self.logs().await).await {
                Err(e)
                    if self.settings.wait_for_retry && (e.is_credentials() || e.is_transient()) =>
                {
                    self.client.wait_for_retry(&e, report).await;
                }
                other => return other,
            }
        }
    }

    async fn query_now(&self, job: QueryJob, report: &Report) -> Result<Answer, Failure> {
        let started = Instant::now();
        let now = now_ms();
        let range = CloudRange {
            groups: &self.settings.groups,
            start_ms: job.range.start_ms.unwrap_or(self.settings.since_ms),
            end_ms: job.range.end_ms.unwrap_or(now),
            max_rows: self.settings.max_rows,
        };
        let logs = self.logs().await;
        let progress = |p| {
            report.send(Event::Progress(p));
        };
        let answer = run(&logs, &job.compiled, &range, progress, &job.cancel)
            .await
            .map_err(|e| {
                if e.is_credentials() {
                    // The next run connects again, with the credentials as they are then.
                    self.client.forget();
                }
                Failure::Cloud(e)
            })?;
        let row_of = match &job.tie_to {
            Some(store) => match store.read() {
                Ok(held) => answer.tie(&held),
                Err(_) => return Err(Failure::Reading("the events could not be read".into())),
            },
            None => Vec::new(),
        };
        Ok(Answer {
            row_of,
            ptrs: answer.ptrs(),
            events: answer.events,
            cancelled: answer.facts.cancelled,
            elapsed_ms: started.elapsed().as_millis() as u64,
            result: answer.result,
            facts: AnswerFacts::Cloud(answer.facts),
        })
    }

    async fn fetch_now(&self, ptr: &str, store: &SharedStore) -> Option<Result<u32, String>> {
        let logs = self.logs().await;
        let row = match logs.log_record(ptr).await {
            Ok(fields) => match fields.into_iter().find(|(f, _)| f == "@message") {
                Some((_, message)) => {
                    let Ok(mut held) = store.write() else {
                        return Some(Err("the events could not be read".into()));
                    };
                    held.push_owned(message.as_bytes()).map_err(|e| {
                        format!("the event CloudWatch returned is not an audit event: {e}")
                    })
                }
                None => Err("CloudWatch returned the record without its message".to_string()),
            },
            Err(e) => {
                if e.is_credentials() {
                    self.client.forget();
                }
                Err(e.to_string())
            }
        };
        Some(row)
    }

    async fn clusters_now(&self, report: &Report) -> Result<Vec<Cluster>, String> {
        let groups = self
            .until_answered(
                report,
                |logs| async move { logs.log_groups("/aws/eks/").await },
            )
            .await
            .map_err(|e| sanitize(&e.to_string()).into_owned())?;
        Ok(groups
            .into_iter()
            .filter_map(|g| {
                Some(Cluster {
                    cluster: g.cluster()?.to_string(),
                    stored_bytes: g.stored_bytes,
                    key: g.name.clone(),
                    group: g.name,
                    ..Cluster::default()
                })
            })
            .collect())
    }

    async fn detect_now(
        &self,
        detections: &[Detection],
        range: TimeRange,
        report: &Report,
        cancel: &AtomicBool,
    ) -> Result<Detected, String> {
        let range = CloudRange {
            groups: &self.settings.groups,
            start_ms: range.start_ms.unwrap_or(self.settings.since_ms),
            end_ms: range.end_ms.unwrap_or_else(now_ms),
            max_rows: self.settings.max_rows,
        };
        let logs = self.logs().await;
        let detected = super::detect(&logs, detections, &range, report, cancel).await?;
        Ok(Detected {
            findings: detected.findings,
            reports: Vec::new(),
        })
    }
}

pub(super) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl EventSource for CloudSource {
    fn name(&self) -> String {
        if self.settings.groups.is_empty() {
            "CloudWatch: pick a cluster".to_string()
        } else {
            format!("CloudWatch {}", self.settings.groups.join(", "))
        }
    }

    fn read_from(&self) -> ReadFrom {
        ReadFrom {
            files: Vec::new(),
            log_groups: self.settings.groups.clone(),
        }
    }

    fn target(&self, _tied: bool) -> Target {
        // CloudWatch answers `@ptr` by itself; rows are tied by audit ID.
        Target::CloudWatch
    }

    fn remote(&self) -> bool {
        true
    }

    fn follows(&self) -> bool {
        self.settings.follow
    }

    fn needs_cluster(&self) -> bool {
        self.settings.groups.is_empty()
    }

    fn load<'a>(&'a self, store: &'a SharedStore, report: &'a Report) -> Work<'a, ()> {
        Box::pin(self.load_into(store, report))
    }

    fn tail<'a>(
        &'a self,
        store: &'a SharedStore,
        control: &'a Arc<TailControl>,
        report: &'a Report,
    ) -> Work<'a, ()> {
        let held = std::mem::take(&mut *self.loaded.lock().unwrap_or_else(PoisonError::into_inner));
        Box::pin(self.tail_into(held, store, control, report))
    }

    fn query<'a>(&'a self, job: QueryJob, report: &'a Report) -> Work<'a, Result<Answer, Failure>> {
        Box::pin(self.query_now(job, report))
    }

    fn detect<'a>(
        &'a self,
        detections: &'a [Detection],
        range: TimeRange,
        report: &'a Report,
        cancel: &'a AtomicBool,
    ) -> Work<'a, Result<Detected, String>> {
        Box::pin(self.detect_now(detections, range, report, cancel))
    }

    fn fetch_record<'a>(
        &'a self,
        ptr: &'a str,
        store: &'a SharedStore,
    ) -> Work<'a, Option<Result<u32, String>>> {
        Box::pin(self.fetch_now(ptr, store))
    }

    fn clusters<'a>(&'a self, report: &'a Report) -> Work<'a, Result<Vec<Cluster>, String>> {
        Box::pin(self.clusters_now(report))
    }

    fn with_clusters(&self, keys: &[String]) -> Option<Arc<dyn EventSource>> {
        let settings = CloudSettings {
            groups: keys.to_vec(),
            ..self.settings.clone()
        };
        Some(Arc::new(CloudSource::with_client(
            settings,
            self.client.clone(),
        )))
    }

    fn retry(&self) {
        self.client.retry();
    }
}
