//! Input formats: finding audit events in bytes, whatever shape they were saved in.
//!
//! Pure: no I/O. [`crate::source::local`] opens files, decompresses gzip and hands the bytes here.
//!
//! # What is recognised
//! Detection works per record, so files that mix formats are read too:
//!
//! | [`Format`] | what it looks like |
//! |---|---|
//! | [`Format::JsonLines`] | one audit event per line, as `--audit-log-path` writes them (the fast path) |
//! | [`Format::JsonDocuments`] | audit events as JSON objects spread over several lines or back to back (`jq .` output) |
//! | [`Format::JsonArray`] | `[ {event}, … ]`, pretty-printed or not |
//! | [`Format::EventList`] | `{"kind":"EventList","items":[…]}` |
//! | [`Format::CloudWatchJson`] | `aws logs filter-log-events` / `get-log-events` output, several documents appended |
//! | [`Format::CloudWatchExport`] | CloudWatch export-to-S3 lines: `2026-11-02T08:15:31.123Z {"kind":"Event",…}` |
//! | [`Format::CloudWatchSubscription`] | subscription / Firehose records (`"messageType":"DATA_MESSAGE"`), back to back |
//! | [`Format::AksDiagnostic`] | AKS `kube-audit` / `kube-audit-admin` diagnostic records, one per line (Event Hubs) or in `{"records":[…]}` (storage account): the event is `properties.log` |
//! | [`Format::AksLogAnalytics`] | rows exported from Log Analytics: the event is the `log_s` column |
//! | [`Format::Wrapped`] | an event one level down in a SIEM's record: Panther's `log`, `event`, or any member holding an `audit.k8s.io` Event; an AKS record so wrapped counts as AKS |
//! | [`Format::GkeCloudAudit`] | GKE Cloud Audit `LogEntry` records of service `k8s.io` (`gcloud logging read --format=json` arrays, JSON lines, `--format=yaml` documents, or wrapped by a SIEM): the event is rebuilt from the entry (see `gke.rs` for the mapping) |
//!
//! A line starting with `{` is decoded as an event straight away. Only when that fails is it
//! looked at again: as a CloudWatch or subscription document, an `EventList`, several values on
//! one line, or (when the line ends by opening an object or array) the first line of a
//! pretty-printed document. Lines starting with a timestamp are export lines.
//!
//! # Events inside other records
//! A record that is not an event is looked into before it is reported: an AKS record's
//! `properties.log`, a Log Analytics row's `log_s`, a wrapper's member. A GKE entry holds no
//! event: the one it stands for is written from it into a buffer owned by the scan. A member that holds the
//! event as an object is handed out as it is in the input, borrowed; one that holds it as a JSON
//! string (AKS writes it so) is unescaped into a buffer owned by the scan, which lives until the
//! callback returns. [`AuditRecord::message`] is the event's text either way, what queries,
//! facets and decoders read; [`AuditRecord::original`] is the whole record as read, byte for
//! byte, and [`SystemFields::offset`] where it starts. A reader that keeps events past the
//! callback copies a message that is not in the input and points at one that is; the store
//! does so, and flags the row so that an export finds the record again at its start
//! ([`crate::store::EventStore::original`]). Escaping a JSON string changes only characters a
//! query's literal prefilter never looks for (quotes, backslashes, control characters, and what
//! some encoders also escape: `/`, `<>&`, non-ASCII), so it still finds its words in the escaped
//! record.
//!
//! # What is reported
//! Nothing is dropped silently. [`ScanReport`] counts every record that was not an event, by kind
//! ([`ProblemKind`]), keeps the first [`MAX_PROBLEMS`] with their line and column, and says when a
//! whole input is not audit data at all ([`NotAuditData`]: empty, binary, YAML that holds no GKE
//! entry, Markdown…).
//! Events cut short at CloudWatch's cap (it keeps 256 KB of an entry) are still delivered,
//! marked [`Event::truncated`], and listed as [`ProblemKind::Truncated`]; a shorter record that
//! ends inside its event is broken, not cut, and is [`ProblemKind::Malformed`].
//!
//! # System fields
//! Every record carries what Logs Insights calls `@timestamp`, `@message`, `@logStream`, `@log`,
//! `@ingestionTime` and `@ptr` ([`SystemFields`]), taken from the format where it has them and
//! from the [`Origin`] otherwise, so queries written for CloudWatch work on local files.

use std::borrow::Cow;
use std::fmt;
use std::ops::ControlFlow;

use super::decode::Depth;
use super::event::Event;

mod documents;
mod gke;
mod gke_event;
mod gke_names;
mod lines;
mod provenance;
mod report;
mod shapes;
mod unwrap;
mod yaml;

pub use provenance::{Cloud, Provenance, eks_log_group, provenance};
pub use report::{MAX_PROBLEMS, Problem, ProblemKind, ScanReport};
pub use shapes::NotAuditData;

/// The shape a record was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// One audit event per line (`--audit-log-path`).
    JsonLines,
    /// Audit events as JSON objects over several lines, or several on one line.
    JsonDocuments,
    /// A JSON array of audit events.
    JsonArray,
    /// An `audit.k8s.io` `EventList`.
    EventList,
    /// `aws logs filter-log-events` or `get-log-events` output.
    CloudWatchJson,
    /// CloudWatch Logs export-to-S3 lines (`<RFC 3339 time> <message>`).
    CloudWatchExport,
    /// CloudWatch Logs subscription records, as Firehose writes them to S3.
    CloudWatchSubscription,
    /// AKS `kube-audit` diagnostic records: the event is in `properties.log`.
    AksDiagnostic,
    /// AKS audit rows exported from Log Analytics: the event is in `log_s`.
    AksLogAnalytics,
    /// An event one level down in a SIEM's record (`log`, `event`, …).
    Wrapped,
    /// GKE Cloud Audit `LogEntry` records (Cloud Logging), in JSON or YAML: the event is rebuilt
    /// from the entry.
    GkeCloudAudit,
}

impl Format {
    /// Every format, in the order reports list them.
    pub const ALL: [Format; 11] = [
        Format::JsonLines,
        Format::JsonDocuments,
        Format::JsonArray,
        Format::EventList,
        Format::CloudWatchJson,
        Format::CloudWatchExport,
        Format::CloudWatchSubscription,
        Format::AksDiagnostic,
        Format::AksLogAnalytics,
        Format::Wrapped,
        Format::GkeCloudAudit,
    ];

    /// A short, stable identifier for machine-readable output (`json-lines`, …).
    pub fn id(self) -> &'static str {
        match self {
            Format::JsonLines => "json-lines",
            Format::JsonDocuments => "json-documents",
            Format::JsonArray => "json-array",
            Format::EventList => "event-list",
            Format::CloudWatchJson => "cloudwatch-json",
            Format::CloudWatchExport => "cloudwatch-export",
            Format::CloudWatchSubscription => "cloudwatch-subscription",
            Format::AksDiagnostic => "aks-diagnostic",
            Format::AksLogAnalytics => "aks-log-analytics",
            Format::Wrapped => "wrapped",
            Format::GkeCloudAudit => "gke-cloud-audit",
        }
    }

    /// Whether events of this format are read out of a larger record (an AKS record, a SIEM's
    /// wrapper), so that the record, [`AuditRecord::original`], is more than the event.
    pub fn unwrapped(self) -> bool {
        matches!(
            self,
            Format::AksDiagnostic
                | Format::AksLogAnalytics
                | Format::Wrapped
                | Format::GkeCloudAudit
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::JsonLines => "JSON lines",
            Format::JsonDocuments => "JSON documents",
            Format::JsonArray => "JSON array",
            Format::EventList => "EventList",
            Format::CloudWatchJson => "CloudWatch JSON (filter/get-log-events)",
            Format::CloudWatchExport => "CloudWatch export (S3)",
            Format::CloudWatchSubscription => "CloudWatch subscription (Firehose)",
            Format::AksDiagnostic => "AKS diagnostic (kube-audit)",
            Format::AksLogAnalytics => "AKS Log Analytics (log_s)",
            Format::Wrapped => "wrapped (SIEM)",
            Format::GkeCloudAudit => "GKE Cloud Audit LogEntry",
        })
    }
}

/// Where the bytes came from: names and defaults for the system fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// How the input is named in messages: the path as given, `<stdin>`, `demo`.
    pub name: String,
    /// `@log` when the format names no log group.
    pub log_group: String,
    /// `@logStream` when the format names no stream.
    pub log_stream: String,
    /// The first half of `@ptr`: a short id that stays the same for the same source.
    pub source_id: String,
}

impl Origin {
    /// An origin named `name`, with `@log` = `name` and `@logStream` derived from it (see
    /// [`default_log_stream`]).
    pub fn new(name: impl Into<String>, source_id: impl Into<String>) -> Origin {
        let name = name.into();
        Origin {
            log_group: name.clone(),
            log_stream: default_log_stream(&name),
            name,
            source_id: source_id.into(),
        }
    }
}

/// The `@logStream` of a local file, so that the EKS guide's `filter @logStream like
/// "kube-apiserver-audit"` keeps working: `kube-apiserver-audit-<file stem>`. A file that already
/// bears such a name keeps it, and so does a file inside a folder named like a stream (the layout
/// of a CloudWatch export: `<prefix>/<task>/<log stream>/000000.gz`).
pub fn default_log_stream(path: &str) -> String {
    const PREFIX: &str = "kube-apiserver-audit";
    let mut parts = path.rsplit(['/', '\\']).filter(|p| !p.is_empty());
    let file = parts.next().unwrap_or("");
    if let Some(parent) = parts.next()
        && parent.starts_with(PREFIX)
    {
        return parent.to_string();
    }
    let file = file
        .strip_suffix(".gz")
        .or_else(|| file.strip_suffix(".gzip"))
        .unwrap_or(file);
    let stem = match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file,
    };
    if stem.starts_with(PREFIX) {
        stem.to_string()
    } else {
        format!("{PREFIX}-{stem}")
    }
}

/// A short stable id for `@ptr` (10 hex digits), from a key such as a canonical path. FNV-1a:
/// the same key gives the same id in every run and on every machine.
pub fn source_id(key: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:010x}", h >> 24)
}

/// The end of the record that starts at `start` in `data`, as a reader found it there: a JSON
/// value, or a GKE entry written as YAML. For finding an [`AuditRecord::original`] again from
/// its [`SystemFields::offset`] alone.
pub fn record_end(data: &[u8], start: usize) -> Option<usize> {
    match data.get(start)? {
        b'{' | b'[' | b'"' => super::skip::value_end(data, start),
        _ => Some(yaml::record_end(data, start)),
    }
}

/// Whether a record (one line) is a whole GKE entry of a Kubernetes API request: an input of
/// them may be cut there and read in parts, as one of audit events is.
pub fn is_gke_entry(record: &[u8]) -> bool {
    gke::looks_like_entry(record)
        && std::str::from_utf8(record).is_ok_and(|text| gke::event_json(text).is_some())
}

/// Whether a record (one line) is a whole AKS diagnostic record holding an audit event: an input
/// of them (as Event Hubs delivers them) may be cut there and read in parts.
pub fn is_aks_record(record: &[u8]) -> bool {
    unwrap::is_aks_record(record)
}

/// Logs Insights' system fields of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemFields<'a> {
    /// `@timestamp` in ms: the CloudWatch event time where the format has one, else
    /// `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`.
    pub timestamp_ms: Option<i64>,
    /// `@ingestionTime` in ms, where the format has it (`filter-log-events` output).
    pub ingestion_time_ms: Option<i64>,
    /// `@logStream`.
    pub log_stream: Cow<'a, str>,
    /// `@log`: the log group, else the input's name.
    pub log_group: Cow<'a, str>,
    /// The CloudWatch event id, where the format has it.
    pub event_id: Option<Cow<'a, str>>,
    /// The source half of `@ptr` ([`Origin::source_id`]).
    pub source_id: &'a str,
    /// The byte offset of the record in the (decompressed) input: the other half of `@ptr`.
    pub offset: u64,
}

impl SystemFields<'_> {
    /// `@ptr`: `<source id>:<byte offset>`, e.g. `f3a9c2d1e0:1234567`.
    pub fn ptr(&self) -> String {
        format!("{}:{}", self.source_id, self.offset)
    }
}

/// One audit event found in the input, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord<'a> {
    pub event: Event<'a>,
    /// `@message`: the event's JSON text, exactly as in the input for the file formats, and the
    /// unescaped message string for the CloudWatch formats and AKS. UTF-8, except that a
    /// truncated event may end inside a character.
    pub message: &'a [u8],
    /// The record the event was read from, byte for byte: the AKS record or the wrapper of an
    /// unwrapped event, the export line, the same bytes as `message` otherwise. For the
    /// CloudWatch JSON formats, the log event's message.
    pub original: &'a [u8],
    pub system: SystemFields<'a>,
    pub format: Format,
    /// 1-based line of the record's first byte in the (decompressed) input.
    pub line: u64,
}

impl AuditRecord<'_> {
    /// `@message` as text (up to the last whole character of a truncated event).
    pub fn message_str(&self) -> &str {
        // The decoder checked the same bytes already.
        if self.event.text.len() == self.message.len() {
            return self.event.text;
        }
        match std::str::from_utf8(self.message) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&self.message[..e.valid_up_to()]).unwrap_or_default(),
        }
    }
}

/// Where a piece of input starts within a larger one: lets a reader that sees a file in chunks
/// ([`crate::source::local::Follower`]) report file lines and offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// Byte offset of the chunk's first byte.
    pub offset: u64,
    /// Number of lines before the chunk.
    pub line: u64,
}

/// What [`scan`] hands each event to: return `ControlFlow::Break(())` to stop early.
pub type OnEvent<'f> = dyn FnMut(&AuditRecord<'_>) -> ControlFlow<()> + 'f;

/// What [`scan_problems`] hands each problem to.
pub type OnProblem<'f> = dyn FnMut(&Problem) + 'f;

/// Finds every audit event in `data`, whatever its format, calling `on_event` for each in input
/// order, and reports what else was there.
///
/// `data` is the whole input, decompressed. An input that is not audit data at all (empty,
/// binary, YAML without GKE entries, Markdown, plain text) yields no events and one [`ProblemKind::NotAuditData`].
pub fn scan(
    data: &[u8],
    origin: &Origin,
    depth: Depth,
    on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
) -> ScanReport {
    scan_skipping(data, origin, depth, None, on_event)
}

/// Says of a one-line record (its raw bytes) that it cannot matter to the reader: such a record
/// is counted in [`ScanReport::skipped`] and neither decoded nor handed out. Only records that
/// look whole (`{` … `}`) are offered, so a cut or garbled line is still decoded and reported.
pub type Skip<'s> = &'s (dyn Fn(&[u8]) -> bool + Sync);

/// [`scan`] with a [`Skip`] predicate (the query engine's literal prefilter).
pub fn scan_skipping(
    data: &[u8],
    origin: &Origin,
    depth: Depth,
    skip: Option<Skip<'_>>,
    on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
) -> ScanReport {
    scan_with(data, origin, depth, skip, None, on_event)
}

/// [`scan`] that hands every problem to `on_problem` as it is found, in input order, past the
/// [`MAX_PROBLEMS`] a report keeps: every problem of an input listed, none held. Events are
/// read, not delivered. When the input turns out not to be audit data at all, the report says
/// so in its one problem, whatever `on_problem` was handed on the way.
pub fn scan_problems(
    data: &[u8],
    origin: &Origin,
    depth: Depth,
    on_problem: &mut OnProblem<'_>,
) -> ScanReport {
    scan_with(data, origin, depth, None, Some(on_problem), |_| {
        ControlFlow::Continue(())
    })
}

fn scan_with(
    data: &[u8],
    origin: &Origin,
    depth: Depth,
    skip: Option<Skip<'_>>,
    on_problem: Option<&mut OnProblem<'_>>,
    mut on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
) -> ScanReport {
    let verdict = shapes::sniff(data, &origin.name);
    // YAML is read when it holds GKE entries; any other YAML is not audit data.
    let gke_yaml = verdict == Some(NotAuditData::Yaml) && yaml::holds_entries(data);
    if let Some(what) = verdict
        && what != NotAuditData::Text
        && !gke_yaml
    {
        return ScanReport::not_audit_data(&origin.name, data.len() as u64, what);
    }
    let start = if data.starts_with(shapes::UTF8_BOM) {
        shapes::UTF8_BOM.len()
    } else {
        0
    };
    let mut run = lines::Run::new(data, origin, depth, Position::default(), &mut on_event);
    run.skip = skip;
    // Shortened to the run's own lifetime.
    run.on_problem = on_problem.map(|f| f as &mut OnProblem<'_>);
    if gke_yaml {
        run.yaml(start);
        return run.finish();
    }
    run.lines(start);
    let report = run.finish();
    // Text that starts like no known format may still hold records further down: it was read
    // anyway, and is called plain text only if nothing at all was found in it.
    let found = report.events + report.not_audit + report.control_messages;
    if verdict.is_some() && found == 0 {
        return ScanReport::not_audit_data(&origin.name, data.len() as u64, NotAuditData::Text);
    }
    report
}

/// Like [`scan`] for a chunk of complete lines of a growing file: no whole-input sniffing, and
/// lines and offsets counted from `start`.
pub fn scan_lines(
    data: &[u8],
    origin: &Origin,
    start: Position,
    depth: Depth,
    on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
) -> ScanReport {
    scan_lines_skipping(data, origin, start, depth, None, on_event)
}

/// [`scan_lines`] with a [`Skip`] predicate.
pub fn scan_lines_skipping(
    data: &[u8],
    origin: &Origin,
    start: Position,
    depth: Depth,
    skip: Option<Skip<'_>>,
    mut on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
) -> ScanReport {
    let mut run = lines::Run::new(data, origin, depth, start, &mut on_event);
    run.skip = skip;
    run.lines(0);
    run.finish()
}

#[cfg(test)]
mod tests;
