//! A Logs Insights query over local inputs, on every core: each input is cut into parts, the
//! parts are read by a few threads, each with its own [`Run`], and the runs are merged in input
//! order, so the answer is the one a single pass would give.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::LocalInput;
use super::parts::{MIN_PART, read_parts};
use crate::audit::decode::Depth;
use crate::audit::formats::{ScanReport, Skip};
use crate::audit::time::TimeRange;
use crate::insights::exec::{
    FieldPresence, Plan, QueryResult, RecordPrefilter, Run, Statistics, TimeFloor,
};

/// How far a query has got, for whoever watches it from another thread.
#[derive(Debug, Default)]
pub struct QueryProgress {
    /// Bytes of the inputs read so far (whole parts).
    pub bytes_done: AtomicU64,
    /// Records read so far (whole parts).
    pub records_done: AtomicU64,
}

/// One query over one or more local inputs.
pub struct LocalQuery<'p> {
    plan: &'p Plan,
    range: TimeRange,
    prefilter: Option<RecordPrefilter>,
    floor: Option<Arc<TimeFloor>>,
    threads: usize,
    part_bytes: usize,
    cancel: Arc<AtomicBool>,
    progress: Arc<QueryProgress>,
    /// Names to look for in every event read ([`LocalQuery::watch`]).
    presence: Option<Arc<FieldPresence>>,
    run: Run<'p>,
    /// Records the prefilter or the floor passed over: read, not decoded.
    passed_over: u64,
    passed_over_bytes: u64,
}

impl<'p> LocalQuery<'p> {
    pub fn new(plan: &'p Plan, range: TimeRange) -> LocalQuery<'p> {
        let floor = plan.time_floor(range);
        LocalQuery {
            plan,
            range,
            prefilter: plan.prefilter(),
            run: plan.start_with(range, floor.clone()),
            floor,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            part_bytes: MIN_PART,
            cancel: Arc::default(),
            progress: Arc::default(),
            presence: None,
            passed_over: 0,
            passed_over_bytes: 0,
        }
    }

    /// Reads with this many threads (at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Cuts inputs into parts of about this many bytes (at least one part a thread).
    pub fn part_bytes(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(1);
        self
    }

    /// Stops reading (at the next record) once `cancel` is set.
    pub fn cancel_on(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Looks for these names in every event read (call it before reading), as
    /// [`FieldPresence`] says; the answer is the same either way.
    pub fn watch(mut self, presence: Arc<FieldPresence>) -> Self {
        self.run = (self.plan.start_with(self.range, self.floor.clone())).watch(presence.clone());
        self.presence = Some(presence);
        self
    }

    /// Counts what has been read into `progress`.
    pub fn report_to(mut self, progress: Arc<QueryProgress>) -> Self {
        self.progress = progress;
        self
    }

    /// Reads one input into the query. The report has the input's problems, line numbers
    /// counted from its start; `stopped_early` when nothing later can change the answer.
    pub fn read(&mut self, input: &LocalInput) -> std::thread::Result<ScanReport> {
        let plan = self.plan;
        // Many parts, so that a part read late can profit from what earlier ones found (the
        // floor), and both threads stay busy to the end.
        let parts = input.parts_to_read(plan.splits(), self.part_bytes, self.threads);
        // The newest records are at the end of an input (the API server writes in time order):
        // for the newest n, read the last parts first.
        let newest_first = self.floor.as_ref().is_some_and(|f| f.descending());
        let order: Vec<usize> = if newest_first {
            (0..parts.len()).rev().collect()
        } else {
            (0..parts.len()).collect()
        };
        let (prefilter, floor) = (self.prefilter.as_ref(), self.floor.as_deref());
        let presence = self.presence.as_deref();
        let skip_fn = |raw: &[u8]| {
            if presence.is_some_and(FieldPresence::holds_back) {
                return false;
            }
            let skip = prefilter.is_some_and(|p| !p.may_match(raw))
                || floor.is_some_and(|f| f.passes_over(raw));
            if let (true, Some(p)) = (skip, presence) {
                p.observe_unread(raw);
            }
            skip
        };
        let skip: Option<Skip<'_>> = (prefilter.is_some() || floor.is_some()).then_some(&skip_fn);
        let (range, cancel, progress) = (self.range, &self.cancel, &self.progress);
        let done = read_parts(&parts, &order, self.threads, |part| {
            let mut run = plan.start_with(range, self.floor.clone());
            if let Some(p) = &self.presence {
                run = run.watch(p.clone());
            }
            let mut records = 0u64;
            let report = input.scan_part(part, Depth::Classify, skip, |record| {
                records += 1;
                if cancel.load(Ordering::Relaxed) {
                    return ControlFlow::Break(());
                }
                run.push(record)
            });
            progress
                .bytes_done
                .fetch_add(part.range.len() as u64, Ordering::Relaxed);
            progress
                .records_done
                .fetch_add(records + report.skipped, Ordering::Relaxed);
            (run, report)
        })?;
        let mut report = ScanReport::default();
        for (part_run, mut part_report) in done {
            // A part counts lines from its own start: put its problems in place.
            part_report.shift_lines(report.lines);
            self.passed_over += part_report.skipped;
            self.passed_over_bytes += part_report.skipped_bytes;
            self.run.merge(part_run);
            report.absorb(part_report);
        }
        Ok(report)
    }

    /// Records read so far but passed over undecoded: they could not change the answer.
    pub fn passed_over(&self) -> u64 {
        self.passed_over
    }

    /// Whether the query was cancelled.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The answer. Its statistics count the records passed over unread as scanned (and, for
    /// the newest n, as matched), as CloudWatch counts every record in the range.
    pub fn finish(self) -> QueryResult {
        let (outside, outside_bytes) = self.floor.as_ref().map_or((0, 0), |f| f.outside_range());
        let mut result = self.run.finish();
        let s = &mut result.statistics;
        *s = Statistics {
            records_scanned: s.records_scanned + self.passed_over - outside,
            bytes_scanned: s.bytes_scanned + self.passed_over_bytes - outside_bytes,
            records_matched: s.records_matched,
        };
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::checker::{Target, check_deferred};
    use crate::insights::parser::parse;
    use crate::source::local::path_origin;

    const PODS: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"1","stage":"ResponseComplete","verb":"get","objectRef":{"resource":"pods"},"stageTimestamp":"2026-11-02T08:00:01.000000Z"}"#;
    const BINDING: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"2","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"clusterrolebindings"},"requestObject":{"roleRef":{"name":"cluster-admin"}},"stageTimestamp":"2026-11-02T08:00:02.000000Z"}"#;

    /// Records passed over unread, and the names no event had.
    fn run(text: &str) -> (u64, Vec<String>) {
        let data = [PODS, PODS, BINDING, PODS].join("\n").into_bytes();
        let input = LocalInput::from_vec(path_origin("t".as_ref()), data);
        let query = parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        let (_, unsure) = check_deferred(&query, Target::Local);
        let plan = Plan::new(&query).unwrap_or_else(|e| panic!("{e:?}"));
        let presence = Arc::new(FieldPresence::new(&unsure));
        let mut q = LocalQuery::new(&plan, TimeRange::default())
            .threads(1)
            .watch(presence.clone());
        q.read(&input).unwrap_or_else(|_| panic!("a reader failed"));
        let unseen = presence.unseen().iter().map(|s| s.to_string()).collect();
        (q.passed_over(), unseen)
    }

    #[test]
    fn watched_names_keep_or_leave_the_passing_over() {
        // Only the audit event's own fields: the literal passes over three records.
        let known = r#"filter objectRef.resource = "clusterrolebindings""#;
        assert_eq!(run(known), (3, vec![]));
        // A name the audit event has no place for holds every record to be read.
        let slip = r#"filter objectRef.resource = "clusterrolebindings" and user.name = "a""#;
        assert_eq!(run(slip), (0, vec!["user.name".to_string()]));
        // Below a map, the passing over goes on: a detection keeps its speed.
        let detection = r#"filter objectRef.resource = "clusterrolebindings" and requestObject.roleRef.name = "cluster-admin""#;
        assert_eq!(run(detection), (3, vec![]));
        // and a misspelling there is still found, in the record read and the text of the rest
        let typo = r#"filter objectRef.resource = "clusterrolebindings" and requestObject.roleRef.nme = "cluster-admin""#;
        assert_eq!(
            run(typo),
            (3, vec!["requestObject.roleRef.nme".to_string()])
        );
    }
}
