//! Which detections an event fires, one event at a time: the detections compiled once, a
//! [`Sieve`] over their literals first, then only the detections the event can concern. For
//! events held (the console's findings) and events as they arrive (`kaudit watch`).

use std::borrow::Cow;
use std::sync::Arc;

use crate::audit::decode::{Depth, decode_event};
use crate::audit::formats::{AuditRecord, Format, SystemFields};
use crate::engine::compile::{Compiled, Target, compile, first_error};
use crate::engine::finding::Detection;
use crate::engine::sieve::{Sieve, Sifted};
use crate::insights::exec::{Plan, Run};

/// The detections, ready to read events one by one.
#[derive(Debug)]
pub struct Classifier {
    detections: Arc<[Detection]>,
    compiled: Vec<Compiled>,
    /// Per detection: it is read event by event ([`Plan::per_event`]); one that is not (it
    /// counts, or keeps the first few) is answered only when run as a query.
    per_event: Vec<bool>,
    sieve: Sieve,
}

/// One thread's reading with a [`Classifier`]: what it keeps between events, so that none
/// allocates.
pub struct Reading<'c> {
    classifier: &'c Classifier,
    runs: Vec<Option<Run<'c>>>,
    sifted: Sifted,
}

impl Classifier {
    /// The detections, each compiled once; one that does not compile is named, with why.
    pub fn new(detections: Vec<Detection>) -> Result<Classifier, String> {
        let compiled = detections
            .iter()
            .map(|d| {
                compile(&d.text, Target::LocalTied).map_err(|e| {
                    format!(
                        "the detection {} cannot run: {}",
                        crate::text::sanitize(&d.name),
                        first_error(&e)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let plans: Vec<Option<&Plan>> = compiled.iter().map(Compiled::plan).collect();
        let per_event: Vec<bool> = plans
            .iter()
            .map(|p| p.is_some_and(Plan::per_event))
            .collect();
        // A detection not read here requires what no record holds: the sieve never opens it.
        let never = vec![vec![String::new()]];
        let required: Vec<Vec<Vec<String>>> = plans
            .iter()
            .zip(&per_event)
            .map(|(p, &each)| match p {
                Some(p) if each => p.required_literals(),
                _ => never.clone(),
            })
            .collect();
        Ok(Classifier {
            detections: detections.into(),
            compiled,
            per_event,
            sieve: Sieve::new(&required),
        })
    }

    pub fn detections(&self) -> &Arc<[Detection]> {
        &self.detections
    }

    /// Whether detection `i` is read event by event.
    pub fn per_event(&self, i: usize) -> bool {
        self.per_event.get(i).copied().unwrap_or(false)
    }

    pub fn compiled(&self, i: usize) -> Option<&Compiled> {
        self.compiled.get(i)
    }

    pub fn reading(&self) -> Reading<'_> {
        Reading {
            classifier: self,
            runs: self
                .compiled
                .iter()
                .zip(&self.per_event)
                .map(|(c, &each)| c.plan().filter(|_| each).map(Plan::start))
                .collect(),
            sifted: self.sieve.scratch(),
        }
    }
}

impl Reading<'_> {
    /// The detections the event `raw` (its JSON text) fires, by index, into `fired` (cleared
    /// first). `time_ms`: its `@timestamp` when known (the CloudWatch event time); `ptr`: its
    /// `@ptr`, as a query would answer it.
    pub fn fired(
        &mut self,
        raw: &[u8],
        time_ms: Option<i64>,
        ptr: (&str, u64),
        fired: &mut Vec<usize>,
    ) {
        fired.clear();
        if self.runs.is_empty() || !self.classifier.sieve.sift(raw, &mut self.sifted) {
            return;
        }
        let Some(record) = record_of(raw, time_ms, ptr) else {
            return;
        };
        for (i, run) in self.runs.iter_mut().enumerate() {
            if self.sifted.open[i]
                && let Some(run) = run
                && run.keeps(&record)
            {
                fired.push(i);
            }
        }
    }
}

/// The event `raw` as a record for a query; `None` when it is not an audit event.
pub fn record_of<'a>(
    raw: &'a [u8],
    time_ms: Option<i64>,
    ptr: (&'a str, u64),
) -> Option<AuditRecord<'a>> {
    let event = decode_event(raw, Depth::Classify).ok()?;
    let (source_id, offset) = ptr;
    Some(AuditRecord {
        event,
        message: raw,
        original: raw,
        system: SystemFields {
            timestamp_ms: time_ms,
            ingestion_time_ms: None,
            log_stream: Cow::Borrowed(""),
            log_group: Cow::Borrowed(""),
            event_id: None,
            source_id,
            offset,
        },
        format: Format::JsonLines,
        line: 0,
    })
}
