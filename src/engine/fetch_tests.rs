use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::audit::time::TimeRange;
use crate::engine::compile::Target;
use crate::engine::event::Report;
use crate::engine::finding::Detection;
use crate::engine::intake::TailControl;
use crate::engine::source::{Answer, Detected, Failure, QueryJob, Work};

fn line(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","verb":"get","user":{{"username":"alice"}},"stageTimestamp":"2026-11-02T08:00:01.123456Z"}}"#
    )
}

/// Answers each `@ptr` after a while (the later ones sooner), `bad` ones with an error,
/// counting the fetches in flight.
#[derive(Default)]
struct Slow {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    calls: AtomicUsize,
}

impl Slow {
    async fn fetch(&self, ptr: &str, store: &SharedStore) -> Option<Result<u32, String>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let n: u64 = ptr.trim_start_matches("p-").parse().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(100 - n)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if ptr.ends_with('7') {
            return Some(Err(format!("no record at {ptr}")));
        }
        Some(
            store
                .write()
                .unwrap()
                .push_owned(line(ptr).as_bytes())
                .map_err(|e| e.to_string()),
        )
    }
}

impl EventSource for Slow {
    fn name(&self) -> String {
        "slow".into()
    }
    fn target(&self, _tied: bool) -> Target {
        Target::CloudWatch
    }
    fn follows(&self) -> bool {
        false
    }
    fn load<'a>(&'a self, _store: &'a SharedStore, _report: &'a Report) -> Work<'a, ()> {
        Box::pin(async {})
    }
    fn tail<'a>(
        &'a self,
        _store: &'a SharedStore,
        _control: &'a Arc<TailControl>,
        _report: &'a Report,
    ) -> Work<'a, ()> {
        Box::pin(async {})
    }
    fn query<'a>(
        &'a self,
        _job: QueryJob,
        _report: &'a Report,
    ) -> Work<'a, Result<Answer, Failure>> {
        Box::pin(async { Err(Failure::Reading("no queries here".into())) })
    }
    fn detect<'a>(
        &'a self,
        _detections: &'a [Detection],
        _range: TimeRange,
        _report: &'a Report,
        _cancel: &'a AtomicBool,
    ) -> Work<'a, Result<Detected, String>> {
        Box::pin(async { Ok(Detected::default()) })
    }
    fn fetch_record<'a>(
        &'a self,
        ptr: &'a str,
        store: &'a SharedStore,
    ) -> Work<'a, Option<Result<u32, String>>> {
        Box::pin(self.fetch(ptr, store))
    }
}

fn run<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(work)
}

#[test]
fn records_are_fetched_a_few_at_a_time_and_answered_in_the_order_asked() {
    let source = Slow::default();
    let store = SharedStore::default();
    let ptrs: Vec<String> = (0..20).map(|i| format!("p-{i}")).collect();
    let cancel = AtomicBool::new(false);
    let mut told = Vec::new();
    let rows = run(fetch_records(&source, &ptrs, &store, 8, &cancel, |n| {
        told.push(n)
    }));
    assert_eq!(source.most_in_flight.load(Ordering::SeqCst), 8);
    assert_eq!(source.calls.load(Ordering::SeqCst), 20);
    assert_eq!(told, (1..=20).collect::<Vec<_>>());
    let held = store.read().unwrap();
    for (ptr, row) in ptrs.iter().zip(&rows) {
        match row {
            Ok(row) => assert!(
                std::str::from_utf8(held.raw(*row))
                    .unwrap()
                    .contains(&format!("\"auditID\":\"{ptr}\"")),
                "{ptr} answers its own event"
            ),
            Err(why) => assert_eq!(why, &format!("no record at {ptr}")),
        }
    }
    let failed: Vec<&String> = ptrs
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.is_err())
        .map(|(p, _)| p)
        .collect();
    assert_eq!(failed, ["p-7", "p-17"]);
    assert_eq!(held.len(), 18);
}

#[test]
fn once_stopped_no_fetch_is_started() {
    let source = Slow::default();
    let store = SharedStore::default();
    let ptrs: Vec<String> = (0..5).map(|i| format!("p-{i}")).collect();
    let cancel = AtomicBool::new(true);
    let rows = run(fetch_records(&source, &ptrs, &store, 8, &cancel, |_| {}));
    assert_eq!(source.calls.load(Ordering::SeqCst), 0);
    assert!(
        rows.iter()
            .all(|r| r.as_ref().is_err_and(|e| e.contains("stopped")))
    );
}
