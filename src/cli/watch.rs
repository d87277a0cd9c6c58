//! `kaudit watch`: every detection over events as they arrive, each finding printed when its
//! event comes, as a table or as JSON lines for an alerting pipeline. Files are read whole and
//! then followed (as `--follow` does); a cluster in CloudWatch is tailed as `kaudit tail` tails
//! it (live, sessions restarted and their gaps read back, else FilterLogEvents polled), so no
//! event is lost or read twice. Each event is read once, by the detections it can concern.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};
use clap::Args;

use super::Outcome;
use super::table::{Row, TableWriter, row};
use super::tail_args::{TailArgs, TailOutput};
use super::tail_state::{Origin, Sink};
use crate::audit::decode::{Depth, decode_event};
use crate::audit::time::format_millis_utc;
use crate::engine::classify::{Classifier, Reading};
use crate::engine::cloud::{TailEvent, cluster_of_group};
use crate::engine::local::LocalSource;
use crate::engine::{Detection, Event, Report, SharedStore};
use crate::store::FilterSet;
use crate::text::{json_escape_unsafe, sanitize};

/// Exit status when a detection fired.
const FIRED: u8 = 3;

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Audit log files to read and follow as they grow (rotation is followed).
    #[arg(value_name = "FILE")]
    pub paths: Vec<PathBuf>,
    /// Over CloudWatch: the tail's options (`--count` counts findings).
    #[command(flatten)]
    pub tail: TailArgs,
}

/// Findings printed as their events arrive.
struct Findings<'c> {
    detections: &'c [Detection],
    reading: Reading<'c>,
    fired: Vec<usize>,
    table: TableWriter,
    form: TailOutput,
    count: Option<u64>,
    /// Events read, and findings printed.
    events: u64,
    printed: u64,
    /// Over a fleet: the cluster of the event being read, and its account and region when
    /// several are followed; each finding says them.
    from: Option<(String, Option<String>)>,
}

impl Findings<'_> {
    /// Reads one event; prints what it fires. False when the count is reached or standard
    /// output is gone.
    fn offer(&mut self, raw: &[u8], time_ms: Option<i64>, at: (&str, u64)) -> io::Result<bool> {
        self.events += 1;
        self.reading.fired(raw, time_ms, at, &mut self.fired);
        if self.fired.is_empty() {
            return Ok(!self.done());
        }
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let fired = std::mem::take(&mut self.fired);
        for &i in &fired {
            if self.done() {
                break;
            }
            let written = self.print(&mut out, &self.detections[i], raw, time_ms);
            match written.and_then(|()| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(false),
                other => other?,
            }
            self.printed += 1;
        }
        self.fired = fired;
        Ok(!self.done())
    }

    fn done(&self) -> bool {
        self.count.is_some_and(|n| self.printed >= n)
    }

    fn print(
        &mut self,
        out: &mut dyn Write,
        detection: &Detection,
        raw: &[u8],
        time_ms: Option<i64>,
    ) -> io::Result<()> {
        let event = decode_event(raw, Depth::Table).ok();
        let time = time_ms.map_or_else(|| "-".to_string(), |ms| format_millis_utc(ms * 1000));
        let id = event
            .as_ref()
            .and_then(|e| e.audit_id.as_deref())
            .unwrap_or("")
            .to_string();
        match self.form {
            TailOutput::Jsonl => {
                let text = String::from_utf8_lossy(raw);
                let body = serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|_| serde_json::json!({"@message": text}));
                let mut line = serde_json::json!({
                    "time": time,
                    "severity": detection.severity.name(),
                    "detection": detection.name,
                    "auditID": id,
                    "event": body,
                });
                if let Some((cluster, target)) = &self.from {
                    line["cluster"] = cluster.as_str().into();
                    if let Some((account, region)) =
                        target.as_deref().and_then(|t| t.split_once('/'))
                    {
                        line["account"] = account.into();
                        line["region"] = region.into();
                    }
                }
                writeln!(out, "{}", json_escape_unsafe(&line.to_string()))
            }
            TailOutput::Table => {
                let cells = event.as_ref().map(|e| row(e, time_ms));
                let cell = |i: usize| cells.as_ref().map_or("-".to_string(), |c| c[i].clone());
                let mut line: Row = Vec::new();
                if let Some((cluster, target)) = &self.from {
                    line.push(sanitize(cluster).into_owned());
                    if let Some(target) = target {
                        line.push(sanitize(target).into_owned());
                    }
                }
                line.extend([
                    time,
                    detection.severity.name().to_string(),
                    sanitize(&detection.name).into_owned(),
                    cell(1),
                    cell(2),
                    cell(3),
                    cell(4),
                    cell(5),
                    sanitize(&id).into_owned(),
                ]);
                self.table.push(out, line)?;
                self.table.flush(out)
            }
        }
    }
}

/// The CloudWatch tail's events go to the findings, each read once.
struct CloudFindings<'a, 'c>(&'a mut Findings<'c>);

impl Sink for CloudFindings<'_, '_> {
    fn take(&mut self, from: &Origin, events: &[TailEvent]) -> io::Result<bool> {
        for e in events {
            if let Some((cluster, target)) = self.0.from.as_mut() {
                *cluster = cluster_of_group(&e.group).unwrap_or(&e.group).to_string();
                *target = from.shown.clone();
            }
            let at = (e.stream.as_str(), self.0.events);
            if !self.0.offer(e.message.as_bytes(), Some(e.time_ms), at)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn done(&self) -> bool {
        self.0.done()
    }

    fn taken(&self) -> u64 {
        self.0.events
    }

    fn shape(&mut self, fleet: bool, several: bool) {
        if !fleet {
            return;
        }
        self.0.from = Some((String::new(), None));
        let mut lead = vec![("CLUSTER", 24)];
        if several {
            lead.push(("ACCOUNT/REGION", 28));
        }
        self.0.table = findings_table(&lead);
    }
}

/// The findings' table, after `lead`'s columns (title, width).
fn findings_table(lead: &[(&str, usize)]) -> TableWriter {
    let columns = lead.iter().copied().chain([
        ("TIME", 24),
        ("SEVERITY", 8),
        ("DETECTION", 34),
        ("USER", 30),
        ("SOURCE IP", 15),
        ("VERB", 8),
        ("RESOURCE", 20),
        ("NAMESPACE/NAME", 32),
        ("AUDIT ID", 36),
    ]);
    let (titles, widths): (Vec<String>, Vec<usize>) =
        columns.map(|(t, w)| (t.to_string(), w)).unzip();
    TableWriter::fixed(titles, widths)
}

pub fn run(args: &WatchArgs) -> Result<Outcome> {
    let cloud = args.tail.cloud.is_set();
    if cloud && !args.paths.is_empty() {
        bail!(super::UsageError(
            "watch files, or a cluster (--cluster, --log-group), not both".into()
        ));
    }
    if !cloud && args.paths.is_empty() {
        bail!(super::UsageError(
            "give the files to watch, or a cluster (--cluster NAME or --log-group G)".into()
        ));
    }
    let detections = super::detect::library_detections();
    let classifier = Classifier::new(detections.clone()).map_err(anyhow::Error::msg)?;
    let mut findings = Findings {
        detections: &detections,
        reading: classifier.reading(),
        fired: Vec::new(),
        table: findings_table(&[]),
        form: args.tail.output,
        count: args.tail.count,
        events: 0,
        printed: 0,
        from: None,
    };
    if cloud {
        super::tail_follow::follow(&args.tail, &mut CloudFindings(&mut findings))?;
    } else {
        watch_files(&args.paths, &mut findings)?;
    }
    eprintln!(
        "kaudit: {} read, {}",
        crate::text::count(findings.events, "event"),
        crate::text::count(findings.printed, "finding")
    );
    Ok(if findings.printed > 0 {
        Outcome::Exit(FIRED)
    } else {
        Outcome::Success
    })
}

/// The files read whole, in time order, then followed until the count or Ctrl-C.
fn watch_files(paths: &[PathBuf], findings: &mut Findings<'_>) -> Result<()> {
    let source = LocalSource::files(paths, true)?;
    let failed = Arc::new(Mutex::new(None::<String>));
    let report = {
        let failed = failed.clone();
        Report::new(move |event| {
            if let Event::Failed(text) = event {
                eprintln!("kaudit: {}", sanitize(&text));
                failed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(text);
            }
            true
        })
    };
    let store = SharedStore::default();
    source.load_now(&store, &report);
    if let Some(e) = failed.lock().unwrap_or_else(PoisonError::into_inner).take() {
        bail!("{}", sanitize(&e));
    }
    {
        let Ok(store) = store.read() else {
            bail!("the events could not be read");
        };
        super::problems::summarize(store.problems());
        for r in store.filter(&FilterSet::default()) {
            if !findings.offer(store.raw(r), store.time_ms(r), ("held", u64::from(r)))? {
                return Ok(());
            }
        }
    }
    // Ctrl-C ends the watch after the round being read, its summary said.
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_ctrl_c(stop.clone())?;
    let mut failed_write = None;
    source.follow_now(Depth::Table, &report, &stop, |round| {
        super::problems::summarize(&round.reports);
        for e in &round.events {
            match findings.offer(&e.raw, e.time_ms, ("arrived", findings.events)) {
                Ok(true) => {}
                Ok(false) => return ControlFlow::Break(()),
                Err(err) => {
                    failed_write = Some(err);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    failed_write.map_or(Ok(()), |e| Err(e.into()))
}

/// Sets `stop` on Ctrl-C, on a thread of its own.
fn stop_on_ctrl_c(stop: Arc<AtomicBool>) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        })
    });
    Ok(())
}
